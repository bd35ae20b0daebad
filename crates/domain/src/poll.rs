//! Voting (biểu quyết): polls on an agenda item, their ballots and their results.
//!
//! A poll asks one question or a batch of questions (e.g. the 25 targets of a resolution,
//! each with its own outcome); every question is answered with one of the poll's options,
//! by default Tán thành / Không tán thành / Không biểu quyết. The FIRST option is the one in
//! favour: a question passes when the weight given to it meets the congress kind's rule
//! (see [`PollResult`] and `rules.md`).
//!
//! Lifecycle: draft → open (optional countdown) → closed → published. Any poll that is not
//! already void can be voided with a stated reason, and a void poll can be re-run (a new
//! draft with the same fields and `rerun_of` pointing back).
//!
//! # Who may vote
//! When a poll opens, the voting members and their weights are snapshotted into
//! [`Event::PollOpened`](crate::Event::PollOpened): official delegates (weight 1), or for a
//! shareholders' meeting the official delegates holding voting shares (weight = shares held
//! or represented, proxies included in the imported figure). With
//! [`Eligibility::PresentOnly`] a voter must also be marked present for the running session
//! when casting (attendance is marked by the secretariat until check-in exists).
//!
//! Voting "for another delegate" is impossible by construction: the domain takes the voter
//! as a parameter, and the app layer passes the signed-in principal, never a form field.
//!
//! # Secrecy
//! In a [`PollMode::Named`] poll who voted what is public: the ballot is the event
//! [`Event::VoteCast`](crate::Event::VoteCast) and the tally is folded from those events.
//!
//! In a [`PollMode::Secret`] poll the server records THAT a delegate voted and, separately,
//! HOW the ballots went, with nothing that could join the two:
//! - [`CongressState::decide_cast`](crate::CongressState::decide_cast) returns only
//!   [`Event::VoterMarked`](crate::Event::VoterMarked) `{poll, voter}` as an event: no
//!   choice, no ballot id, nothing derived from the choice;
//! - the content of the ballot is NOT an event: it is returned beside the events as a
//!   [`SecretBallot`] `{poll, weight, choices}`, which the app layer must add to an
//!   unordered per-poll aggregate (counters per question and option, [`Tally::add`]) in the
//!   same transaction as the `VoterMarked` event. The aggregate keeps no order, no
//!   timestamp and no id per ballot, so it cannot be joined to the marker (storage of the
//!   counters is the storage layer's job);
//! - the aggregate enters the log only once, at close:
//!   [`Event::PollClosed`](crate::Event::PollClosed) carries `secret_tally`, whose ballot count
//!   must equal the number of voters marked.
//!
//! The receipt a voter is shown is derived (by the app layer, e.g. an HMAC) from
//! [`CastOutcome::receipt_basis`], which names the poll, the voter and the time but never
//! the choice. The app layer must never show or log the running secret aggregate before
//! the close (and the storage layer must keep no history of the counters): comparing two
//! readings around one `VoterMarked` would reveal that voter's choice. A secret ballot
//! cannot be changed (changing needs the old choice to be subtracted, i.e. linked to the
//! voter), so `allow_change` is refused for secret polls.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::model::*;
use crate::rules::{BaseKind, Majority, Share, shareholder_quorum};
use crate::text;

pub const MAX_QUESTIONS: usize = 200;
pub const MAX_OPTIONS: usize = 10;
pub const MAX_OPTION_KEY: usize = 32;
pub const MAX_REASON: usize = 1000;
/// The longest countdown: a day.
pub const MAX_COUNTDOWN_SECS: u32 = 86_400;

/// Index of a question within its poll (0-based).
pub type QuestionId = u32;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollMode {
    /// Who voted what is public.
    Named,
    /// Only THAT a delegate voted is recorded with the delegate; see the module docs.
    Secret,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// Voting members marked present for the running session.
    PresentOnly,
    /// Every voting member, present or not.
    AllVotingMembers,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollOption {
    /// Stable, machine-readable: `agree`, `disagree`, `abstain`, ...
    pub key: String,
    pub label: String,
}

/// The default options: Tán thành / Không tán thành / Không biểu quyết.
pub fn default_options() -> Vec<PollOption> {
    [
        ("agree", "Tán thành"),
        ("disagree", "Không tán thành"),
        ("abstain", "Không biểu quyết"),
    ]
    .into_iter()
    .map(|(key, label)| PollOption {
        key: key.into(),
        label: label.into(),
    })
    .collect()
}

/// The rule of a general assembly's poll (a setting; default more than half of those
/// present). Party congresses and shareholders' meetings ignore it: their rules are law.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralRule {
    pub majority: Majority,
    /// `Present` or `Entitled`.
    pub base: BaseKind,
}

impl Default for GeneralRule {
    fn default() -> Self {
        GeneralRule {
            majority: Majority::MoreThanHalf,
            base: BaseKind::Present,
        }
    }
}

/// What an organiser sets up for a poll.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollFields {
    pub item_id: Option<ItemId>,
    pub title: String,
    /// One entry per question; a single question poll has one.
    pub questions: Vec<String>,
    pub options: Vec<PollOption>,
    pub mode: PollMode,
    pub eligibility: Eligibility,
    /// Named polls only: a voter may change the ballot until the poll closes.
    pub allow_change: bool,
    pub countdown_secs: Option<u32>,
    /// Shareholders: a special matter needs at least 65% of attending shares.
    pub special_matter: bool,
    /// General assemblies: majority and base.
    pub rule: GeneralRule,
    /// Shareholders: which convening of the meeting this is (1, 2, 3+), for the quorum.
    pub meeting: u8,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PollStatus {
    Draft,
    Open {
        opened_at: DateTime<Utc>,
        closes_at: Option<DateTime<Utc>>,
    },
    Closed {
        closed_at: DateTime<Utc>,
    },
    Published {
        closed_at: DateTime<Utc>,
        published_at: DateTime<Utc>,
    },
    Voided {
        reason: String,
        at: DateTime<Utc>,
    },
}

/// A voting member and the weight of their vote, as snapshotted when the poll opened.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    pub delegate: DelegateId,
    pub weight: u64,
}

/// What the count is measured against, frozen when the poll closes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseFigures {
    /// Party congresses: B as recorded at close.
    pub party_base: Option<u64>,
    /// Weight of the eligible voters attending at close (marked present, or voted).
    pub attending: u64,
    /// Weight of every eligible voter.
    pub entitled: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Poll {
    pub id: PollId,
    pub fields: PollFields,
    pub status: PollStatus,
    pub rerun_of: Option<PollId>,
    /// Snapshot at open; empty while a draft.
    pub eligible: Vec<Voter>,
    /// The same snapshot, by delegate.
    weights: std::collections::BTreeMap<DelegateId, u64>,
    /// Who has voted (both modes).
    pub voted: std::collections::BTreeSet<DelegateId>,
    /// Named polls: the ballots (option index per question).
    pub named_ballots: std::collections::BTreeMap<DelegateId, Vec<u32>>,
    /// Secret polls: the aggregate, known from the close on.
    pub secret_tally: Option<Tally>,
    pub figures: Option<CloseFigures>,
    /// Idempotency keys of the ballots cast, by voter.
    pub keys: std::collections::BTreeMap<DelegateId, String>,
    /// Paper ballots or a show of hands: the counts entered by hand.
    pub manual: Option<ManualCount>,
    /// When voting opened (kept after the close, for the minutes).
    pub opened_at: Option<DateTime<Utc>>,
}

/// Counts entered by hand by one staff member; they count once another confirms them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualCount {
    pub tally: Tally,
    pub entered_by: Actor,
    pub confirmed_by: Option<Actor>,
}

/// Hand-entered counts as a form or the API sends them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ManualCountInput {
    /// Ballots collected (paper), or hands counted (show of hands).
    pub ballots: String,
    /// `counts[question][option]`: the figure per option, as typed (weight for shares).
    pub counts: Vec<Vec<String>>,
}

/// The longest idempotency key a client may send.
pub const MAX_IDEMPOTENCY_KEY: usize = 64;

/// Checks a client's idempotency key: 8 to 64 characters of `[A-Za-z0-9_-]`.
pub fn parse_idempotency_key(key: &str) -> Result<String> {
    let k = key.trim();
    if (8..=MAX_IDEMPOTENCY_KEY).contains(&k.len())
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(k.to_string())
    } else {
        Err(Error::invalid("idempotency_key", "invalid_idempotency_key"))
    }
}

impl ManualCountInput {
    /// The tally these counts make for `poll`: one row per question, one figure per
    /// option, each row adding up to the same total (every ballot answers every question).
    pub fn parse(&self, poll: &Poll) -> Result<Tally> {
        let ballots: u64 = self
            .ballots
            .trim()
            .parse()
            .map_err(|_| Error::invalid("ballots", "invalid_count"))?;
        let mut t = poll.empty_tally();
        if self.counts.len() != t.counts.len()
            || self
                .counts
                .iter()
                .zip(&t.counts)
                .any(|(a, b)| a.len() != b.len())
        {
            return Err(Error::invalid("counts", "WRONG_CHOICE_COUNT"));
        }
        for (row, input) in t.counts.iter_mut().zip(&self.counts) {
            for (cell, v) in row.iter_mut().zip(input) {
                *cell = match v.trim() {
                    "" => 0,
                    s => s
                        .parse()
                        .map_err(|_| Error::invalid("counts", "invalid_count"))?,
                };
            }
        }
        let weight = t
            .counts
            .first()
            .map_or(0u128, |r| r.iter().map(|c| *c as u128).sum::<u128>());
        t.weight = u64::try_from(weight).map_err(|_| overflow())?;
        t.ballots = ballots;
        if !t.is_consistent() {
            return Err(Error::invalid("counts", "counts_disagree"));
        }
        Ok(t)
    }
}

impl Poll {
    pub fn new(id: PollId, fields: PollFields, rerun_of: Option<PollId>) -> Self {
        Poll {
            id,
            fields,
            status: PollStatus::Draft,
            rerun_of,
            eligible: Vec::new(),
            weights: Default::default(),
            voted: Default::default(),
            named_ballots: Default::default(),
            secret_tally: None,
            figures: None,
            keys: Default::default(),
            manual: None,
            opened_at: None,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status, PollStatus::Open { .. })
    }

    pub fn weight_of(&self, d: DelegateId) -> Option<u64> {
        self.weights.get(&d).copied()
    }

    /// Record the voters snapshotted at the opening.
    pub(crate) fn set_eligible(&mut self, eligible: &[Voter]) {
        self.eligible = eligible.to_vec();
        self.weights = eligible.iter().map(|v| (v.delegate, v.weight)).collect();
    }

    pub fn empty_tally(&self) -> Tally {
        Tally::new(self.fields.questions.len(), self.fields.options.len())
    }

    /// The tally as known now: the confirmed hand count, folded from the named ballots, or
    /// the secret aggregate revealed at close (None for a secret poll before its close).
    pub fn tally(&self) -> Option<Tally> {
        if let Some(m) = &self.manual {
            return m.confirmed_by.as_ref().map(|_| m.tally.clone());
        }
        match self.fields.mode {
            PollMode::Secret => self.secret_tally.clone(),
            PollMode::Named => {
                let mut t = self.empty_tally();
                for (voter, choices) in &self.named_ballots {
                    t.add(self.weight_of(*voter).unwrap_or(0), choices).ok()?;
                }
                Some(t)
            }
        }
    }

    /// Option keys → indices, one per question; refuses a wrong count or an unknown key.
    pub fn parse_choices(&self, choices: &[String]) -> Result<Vec<u32>> {
        if choices.len() != self.fields.questions.len() {
            return Err(Error::invalid("choice", "WRONG_CHOICE_COUNT"));
        }
        choices
            .iter()
            .map(|c| {
                let c = c.trim();
                self.fields
                    .options
                    .iter()
                    .position(|o| o.key == c)
                    .map(|i| i as u32)
                    .ok_or_else(|| Error::invalid("choice", "UNKNOWN_OPTION"))
            })
            .collect()
    }
}

/// Weighted counts per question and option, plus the number of ballots. Pure and
/// order-independent: it holds sums only.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Ballots added.
    pub ballots: u64,
    /// Sum of the weights of the ballots added.
    pub weight: u64,
    /// `counts[question][option]`: weight given to that option on that question.
    pub counts: Vec<Vec<u64>>,
}

impl Tally {
    pub fn new(questions: usize, options: usize) -> Self {
        Tally {
            ballots: 0,
            weight: 0,
            counts: vec![vec![0; options]; questions],
        }
    }

    /// Add one ballot: `choices[q]` is the option index chosen on question `q`.
    /// Refuses (and leaves the tally unchanged) a ballot of the wrong shape or one that
    /// would overflow.
    pub fn add(&mut self, weight: u64, choices: &[u32]) -> Result<()> {
        if choices.len() != self.counts.len() {
            return Err(Error::invalid("choice", "WRONG_CHOICE_COUNT"));
        }
        let mut next = self.clone();
        next.ballots = next.ballots.checked_add(1).ok_or_else(overflow)?;
        next.weight = next.weight.checked_add(weight).ok_or_else(overflow)?;
        for (row, c) in next.counts.iter_mut().zip(choices) {
            let cell = row
                .get_mut(*c as usize)
                .ok_or_else(|| Error::invalid("choice", "UNKNOWN_OPTION"))?;
            *cell = cell.checked_add(weight).ok_or_else(overflow)?;
        }
        *self = next;
        Ok(())
    }

    /// Add another tally of the same shape (e.g. partial counters).
    pub fn merge(&mut self, other: &Tally) -> Result<()> {
        if other.counts.len() != self.counts.len()
            || other
                .counts
                .iter()
                .zip(&self.counts)
                .any(|(a, b)| a.len() != b.len())
        {
            return Err(Error::conflict("TALLY_MISMATCH"));
        }
        let mut next = self.clone();
        next.ballots = next
            .ballots
            .checked_add(other.ballots)
            .ok_or_else(overflow)?;
        next.weight = next.weight.checked_add(other.weight).ok_or_else(overflow)?;
        for (row, orow) in next.counts.iter_mut().zip(&other.counts) {
            for (cell, o) in row.iter_mut().zip(orow) {
                *cell = cell.checked_add(*o).ok_or_else(overflow)?;
            }
        }
        *self = next;
        Ok(())
    }

    /// Every question's counts add up to the weight of the ballots.
    pub fn is_consistent(&self) -> bool {
        self.counts
            .iter()
            .all(|row| row.iter().map(|c| *c as u128).sum::<u128>() == self.weight as u128)
    }
}

fn overflow() -> Error {
    Error::conflict("WEIGHT_OVERFLOW")
}

/// The content of a secret ballot: NOT an event. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretBallot {
    pub poll: PollId,
    pub weight: u64,
    /// Option index per question.
    pub choices: Vec<u32>,
}

/// What a cast produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CastOutcome {
    /// `VoteCast` (named) or `VoterMarked` (secret).
    pub events: Vec<Event>,
    /// Secret polls: to be added to the poll's aggregate in the same transaction.
    pub secret: Option<SecretBallot>,
    /// What the voter's receipt is derived from: poll, voter and time, never the choice.
    pub receipt_basis: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    NotPassed,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionResult {
    pub question: QuestionId,
    /// Per option (in the poll's order): the weight given, as a share of the base.
    pub counts: Vec<(String, Share)>,
    /// The base the majority is measured against (the same for every option).
    pub base: Share,
    pub majority: Majority,
    pub outcome: Outcome,
    /// The smallest weight in favour that would have passed (0 when nothing can pass).
    pub needed: u64,
}

/// Shareholders' quorum: attending voting shares against all voting shares.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quorum {
    pub meeting: u8,
    pub attending: Share,
    pub met: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollResult {
    pub ballots: u64,
    pub questions: Vec<QuestionResult>,
    /// Shareholders' meetings only; without a quorum nothing passes.
    pub quorum: Option<Quorum>,
}

/// The results of `tally` under the congress kind's rules (`rules.md` §1–2).
pub fn results(
    kind: CongressKind,
    fields: &PollFields,
    figures: &CloseFigures,
    tally: &Tally,
) -> Result<PollResult> {
    let (majority, base, base_kind, quorum) = match kind {
        CongressKind::PartyCongress => {
            let b = figures
                .party_base
                .ok_or_else(|| Error::conflict("BASE_NOT_RECORDED"))?;
            (Majority::MoreThanHalf, b, BaseKind::PartyBase, None)
        }
        CongressKind::ShareholdersMeeting => {
            let m = if fields.special_matter {
                Majority::AtLeast(6500)
            } else {
                Majority::MoreThanHalf
            };
            let q = Quorum {
                meeting: fields.meeting,
                attending: Share {
                    part: figures.attending,
                    base: figures.entitled,
                    kind: BaseKind::SharesTotal,
                },
                met: shareholder_quorum(fields.meeting, figures.attending, figures.entitled),
            };
            (m, figures.attending, BaseKind::SharesAttending, Some(q))
        }
        CongressKind::GeneralAssembly => {
            let (b, k) = match fields.rule.base {
                BaseKind::Entitled => (figures.entitled, BaseKind::Entitled),
                _ => (figures.attending, BaseKind::Present),
            };
            (fields.rule.majority, b, k, None)
        }
    };
    let quorum_ok = quorum.is_none_or(|q| q.met);
    let share = |part| Share {
        part,
        base,
        kind: base_kind,
    };
    let questions = tally
        .counts
        .iter()
        .enumerate()
        .map(|(q, row)| {
            let in_favour = row.first().copied().unwrap_or(0);
            let passed = quorum_ok && majority.passes(in_favour, base);
            QuestionResult {
                question: q as QuestionId,
                counts: fields
                    .options
                    .iter()
                    .zip(row)
                    .map(|(o, c)| (o.key.clone(), share(*c)))
                    .collect(),
                base: share(base),
                majority,
                outcome: if passed {
                    Outcome::Passed
                } else {
                    Outcome::NotPassed
                },
                needed: majority.minimum(base).unwrap_or(0),
            }
        })
        .collect();
    Ok(PollResult {
        ballots: tally.ballots,
        questions,
        quorum,
    })
}

/// A poll as a form or the API sends it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PollInput {
    #[serde(default)]
    pub item_id: String,
    pub title: String,
    /// One question per line; empty: the title is the only question.
    #[serde(default)]
    pub questions: String,
    /// One option per line as `key: label`; empty: the default three.
    #[serde(default)]
    pub options: String,
    /// `named` or `secret`.
    #[serde(default)]
    pub mode: String,
    /// `present_only` (default) or `all_voting_members`.
    #[serde(default)]
    pub eligibility: String,
    #[serde(default)]
    pub allow_change: bool,
    /// Seconds; empty: no countdown.
    #[serde(default)]
    pub countdown_secs: String,
    #[serde(default)]
    pub special_matter: bool,
    /// General assemblies: `more_than_half` (default), `at_least:6667`, `more_than:5000`.
    #[serde(default)]
    pub majority: String,
    /// General assemblies: `present` (default) or `entitled`.
    #[serde(default)]
    pub base: String,
    /// Shareholders: 1 (default), 2 or 3.
    #[serde(default)]
    pub meeting: String,
}

fn parse_majority(s: &str) -> Option<Majority> {
    let s = s.trim();
    if s.is_empty() || s == "more_than_half" {
        return Some(Majority::MoreThanHalf);
    }
    let (rule, bp) = s.split_once(':')?;
    let bp: u32 = bp
        .trim()
        .parse()
        .ok()
        .filter(|b| (1..=10_000).contains(b))?;
    match rule.trim() {
        "at_least" => Some(Majority::AtLeast(bp)),
        "more_than" => Some(Majority::MoreThan(bp)),
        _ => None,
    }
}

impl PollInput {
    pub fn parse(&self) -> Result<PollFields> {
        let item_id = match self.item_id.trim() {
            "" => None,
            s => Some(
                s.parse()
                    .map_err(|_| Error::invalid("item_id", "invalid_id"))?,
            ),
        };
        let title = text::required_line("title", &self.title, crate::state::MAX_TITLE)?;
        let mut questions = Vec::new();
        for line in self.questions.lines() {
            let q = text::optional_line("questions", line, crate::state::MAX_TITLE)?;
            if !q.is_empty() {
                questions.push(q);
            }
        }
        if questions.is_empty() {
            questions.push(title.clone());
        }
        if questions.len() > MAX_QUESTIONS {
            return Err(Error::invalid("questions", "too_many_questions"));
        }
        let mut options = Vec::new();
        for line in self.options.lines() {
            let line = text::clean_line(line);
            if line.is_empty() {
                continue;
            }
            let (key, label) = line
                .split_once(':')
                .ok_or_else(|| Error::invalid("options", "option_format"))?;
            let key = key.trim().to_string();
            let label = text::required_line("options", label, crate::state::MAX_NAME)?;
            if key.is_empty()
                || key.len() > MAX_OPTION_KEY
                || !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(Error::invalid("options", "option_format"));
            }
            if options.iter().any(|o: &PollOption| o.key == key) {
                return Err(Error::invalid("options", "duplicate_option"));
            }
            options.push(PollOption { key, label });
        }
        if options.is_empty() {
            options = default_options();
        }
        if options.len() < 2 || options.len() > MAX_OPTIONS {
            return Err(Error::invalid("options", "option_count"));
        }
        let mode = match self.mode.trim() {
            "" | "named" => PollMode::Named,
            "secret" => PollMode::Secret,
            _ => return Err(Error::invalid("mode", "invalid_choice")),
        };
        let eligibility = match self.eligibility.trim() {
            "" | "present_only" => Eligibility::PresentOnly,
            "all_voting_members" => Eligibility::AllVotingMembers,
            _ => return Err(Error::invalid("eligibility", "invalid_choice")),
        };
        if mode == PollMode::Secret && self.allow_change {
            return Err(Error::invalid("allow_change", "secret_no_change"));
        }
        let countdown_secs = match self.countdown_secs.trim() {
            "" => None,
            s => Some(
                s.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_COUNTDOWN_SECS).contains(n))
                    .ok_or_else(|| Error::invalid("countdown_secs", "invalid_countdown"))?,
            ),
        };
        let majority = parse_majority(&self.majority)
            .ok_or_else(|| Error::invalid("majority", "invalid_choice"))?;
        let base = match self.base.trim() {
            "" | "present" => BaseKind::Present,
            "entitled" => BaseKind::Entitled,
            _ => return Err(Error::invalid("base", "invalid_choice")),
        };
        let meeting = match self.meeting.trim() {
            "" => 1,
            s => s
                .parse::<u8>()
                .ok()
                .filter(|m| (1..=3).contains(m))
                .ok_or_else(|| Error::invalid("meeting", "invalid_choice"))?,
        };
        Ok(PollFields {
            item_id,
            title,
            questions,
            options,
            mode,
            eligibility,
            allow_change: self.allow_change,
            countdown_secs,
            special_matter: self.special_matter,
            rule: GeneralRule { majority, base },
            meeting,
        })
    }
}

#[cfg(test)]
mod tests;
