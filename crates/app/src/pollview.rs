//! What a poll looks like to people, in their language: the console, the hall screen, the
//! delegate's phone, the API's result and the minutes all read these figures, so that every
//! screen and every record states the same counts against the same named base.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use daihoi_domain::CongressState;
use daihoi_domain::model::{Actor, PollId};
use daihoi_domain::poll::{Eligibility, Outcome, Poll, PollMode, PollResult, PollStatus};
use daihoi_domain::rules::{BaseKind, Majority, Share};
use serde::Serialize;

use crate::i18n::{Catalogue, Lang};

/// Vietnam's time (UTC+7, no daylight saving): congresses are held there.
pub fn hall_tz() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or(Utc.fix())
}

/// One option's line of a result.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub key: String,
    pub label: String,
    /// Ballots, or shares for a shareholders' meeting.
    pub count: u64,
    /// "52,60% của B".
    pub percent: String,
    /// Width of the bar: hundredths of a percent of the base, at most 10,000.
    pub bar: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    /// 1-based.
    pub no: usize,
    pub text: String,
    pub rows: Vec<RowView>,
    pub passed: bool,
    /// "THÔNG QUA" / "KHÔNG THÔNG QUA".
    pub outcome: String,
    /// "Hơn 1/2 của B = 449, tức ít nhất 225".
    pub rule: String,
}

/// How one delegate voted in a named poll (shown from the close on).
#[derive(Debug, Clone, Serialize)]
pub struct NamedRow {
    pub code: String,
    pub name: String,
    pub delegation: String,
    /// The chosen option's label per question.
    pub choices: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    /// "Tổng số đại biểu làm căn cứ (B): 449".
    pub base_line: String,
    pub ballots: u64,
    pub questions: Vec<QuestionView>,
    /// Shareholders: the quorum, stated with its figures.
    pub quorum: Option<String>,
    pub passed_count: usize,
    /// Named polls: who voted what, by delegate code. Empty for secret polls.
    pub named: Vec<NamedRow>,
}

/// A poll for display: status, live counters and, once closed, the result.
#[derive(Debug, Clone, Serialize)]
pub struct PollView {
    pub id: u64,
    pub title: String,
    pub item: String,
    pub mode_secret: bool,
    /// "Biểu quyết kín".
    pub mode: String,
    /// draft | open | closed | published | voided
    pub status: &'static str,
    pub status_label: String,
    pub questions: Vec<String>,
    /// (key, label)
    pub options: Vec<(String, String)>,
    pub voted: u64,
    /// Who may vote now: eligible voters present (or every voting member).
    pub eligible: u64,
    /// "Đã biểu quyết 412/430".
    pub voted_line: String,
    pub opened_at: String,
    pub closed_at: String,
    /// Open polls with a countdown: when it ends, RFC 3339, and in local time.
    pub closes_at: String,
    pub closes_at_local: String,
    pub void_reason: String,
    pub rerun_of: Option<u64>,
    pub allow_change: bool,
    /// A hand count waiting for a second staff member: who entered it.
    pub manual_pending_by: Option<String>,
    pub manual_ballots: u64,
    /// The counts were entered by hand (and confirmed).
    pub counted_by_hand: bool,
    pub result: Option<ResultView>,
}

fn t(cat: &Catalogue, lang: Lang, key: &str) -> String {
    cat.get(lang, key).to_string()
}

fn num(n: u64, lang: Lang) -> String {
    // Thousands grouped: "1.600" (vi) or "1,600" (en).
    let s = n.to_string();
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn base_key(k: BaseKind) -> &'static str {
    match k {
        BaseKind::PartyBase => "party_base",
        BaseKind::SharesAttending => "shares_attending",
        BaseKind::SharesTotal => "shares_total",
        BaseKind::Present => "present",
        BaseKind::Entitled => "entitled",
        BaseKind::Valid => "valid",
    }
}

/// "52,60% của B".
pub fn percent_of(cat: &Catalogue, lang: Lang, s: &Share) -> String {
    cat.format(
        lang,
        "vote.percent_of",
        &[
            ("pct", s.format(lang == Lang::Vi)),
            (
                "base",
                t(cat, lang, &format!("vote.base_short.{}", base_key(s.kind))),
            ),
        ],
    )
}

fn bp(lang: Lang, bp: u32) -> String {
    let sep = if lang == Lang::Vi { "," } else { "." };
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        format!("{}{sep}{:02}%", bp / 100, bp % 100)
    }
}

fn rule_text(cat: &Catalogue, lang: Lang, m: Majority, base: &Share, needed: u64) -> String {
    let (key, share) = match m {
        Majority::MoreThanHalf => ("vote.rule.more_than_half", String::new()),
        Majority::AtLeast(b) => ("vote.rule.at_least", bp(lang, b)),
        Majority::MoreThan(b) => ("vote.rule.more_than", bp(lang, b)),
    };
    cat.format(
        lang,
        key,
        &[
            ("share", share),
            (
                "base",
                t(
                    cat,
                    lang,
                    &format!("vote.base_short.{}", base_key(base.kind)),
                ),
            ),
            ("n", num(base.base, lang)),
            ("needed", num(needed, lang)),
        ],
    )
}

/// Who voted what in a named poll, by delegate code; empty for a secret one.
fn named_rows(s: &CongressState, p: &Poll) -> Vec<NamedRow> {
    if p.fields.mode != PollMode::Named {
        return Vec::new();
    }
    let mut rows: Vec<NamedRow> = p
        .named_ballots
        .iter()
        .filter_map(|(d, ballot)| {
            let d = s.delegate(*d)?;
            Some(NamedRow {
                code: d.fields.code.clone(),
                name: d.fields.full_name.clone(),
                delegation: d.fields.delegation.clone(),
                choices: ballot
                    .iter()
                    .map(|i| {
                        p.fields
                            .options
                            .get(*i as usize)
                            .map(|o| o.label.clone())
                            .unwrap_or_default()
                    })
                    .collect(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    rows
}

fn result_view(
    s: &CongressState,
    cat: &Catalogue,
    lang: Lang,
    p: &Poll,
    r: &PollResult,
) -> ResultView {
    let base = r.questions.first().map(|q| q.base);
    let base_line = base
        .map(|b| {
            cat.format(
                lang,
                &format!("vote.base_line.{}", base_key(b.kind)),
                &[("n", num(b.base, lang))],
            )
        })
        .unwrap_or_default();
    let questions: Vec<QuestionView> = r
        .questions
        .iter()
        .map(|q| {
            let passed = q.outcome == Outcome::Passed;
            QuestionView {
                no: q.question as usize + 1,
                text: p
                    .fields
                    .questions
                    .get(q.question as usize)
                    .cloned()
                    .unwrap_or_default(),
                rows: q
                    .counts
                    .iter()
                    .map(|(key, share)| RowView {
                        key: key.clone(),
                        label: p
                            .fields
                            .options
                            .iter()
                            .find(|o| &o.key == key)
                            .map(|o| o.label.clone())
                            .unwrap_or_else(|| key.clone()),
                        count: share.part,
                        percent: percent_of(cat, lang, share),
                        bar: share.hundredths().unwrap_or(0).min(10_000),
                    })
                    .collect(),
                passed,
                outcome: t(
                    cat,
                    lang,
                    if passed {
                        "vote.outcome.passed"
                    } else {
                        "vote.outcome.not_passed"
                    },
                ),
                rule: rule_text(cat, lang, q.majority, &q.base, q.needed),
            }
        })
        .collect();
    let quorum = r.quorum.map(|q| {
        cat.format(
            lang,
            if q.met {
                "vote.quorum.met"
            } else {
                "vote.quorum.not_met"
            },
            &[
                ("attending", num(q.attending.part, lang)),
                ("total", num(q.attending.base, lang)),
                ("pct", q.attending.format(lang == Lang::Vi)),
                ("meeting", q.meeting.to_string()),
            ],
        )
    });
    ResultView {
        named: named_rows(s, p),
        base_line,
        ballots: r.ballots,
        passed_count: questions.iter().filter(|q| q.passed).count(),
        questions,
        quorum,
    }
}

/// Who an actor is, for people: the account's display name, the delegate's name.
pub fn actor_name(s: &CongressState, a: &Actor) -> String {
    match a {
        Actor::Account(id) => s
            .account(*id)
            .map(|x| x.display_name.clone())
            .unwrap_or_else(|| a.to_string()),
        Actor::Delegate(id) => s
            .delegate(*id)
            .map(|d| d.fields.full_name.clone())
            .unwrap_or_else(|| a.to_string()),
        _ => a.to_string(),
    }
}

/// The poll for display, or None when there is no such poll.
pub fn poll_view(s: &CongressState, cat: &Catalogue, lang: Lang, id: PollId) -> Option<PollView> {
    let p = s.poll(id)?;
    let tz = hall_tz();
    let fmt = |at: &DateTime<Utc>| {
        at.with_timezone(&tz)
            .format("%H:%M:%S %d/%m/%Y")
            .to_string()
    };
    let (status, opened_at, closed_at, closes_at, void_reason) = match &p.status {
        PollStatus::Draft => ("draft", None, None, None, String::new()),
        PollStatus::Open {
            opened_at,
            closes_at,
        } => ("open", Some(*opened_at), None, *closes_at, String::new()),
        PollStatus::Closed { closed_at } => ("closed", None, Some(*closed_at), None, String::new()),
        PollStatus::Published { closed_at, .. } => {
            ("published", None, Some(*closed_at), None, String::new())
        }
        PollStatus::Voided { reason, .. } => ("voided", None, None, None, reason.clone()),
    };
    let opened_at = opened_at.or(p.opened_at);
    let running = s.running_session().map(|x| x.id);
    let eligible_voters: Vec<_> = if p.eligible.is_empty() {
        s.voting_members()
    } else {
        p.eligible.clone()
    };
    let eligible = eligible_voters
        .iter()
        .filter(|v| {
            p.fields.eligibility == Eligibility::AllVotingMembers
                || p.voted.contains(&v.delegate)
                || running.is_some_and(|r| s.is_present(r, v.delegate))
        })
        .count() as u64;
    let voted = match (&p.manual, p.tally()) {
        (Some(m), _) => m.tally.ballots,
        (None, Some(t)) if p.voted.is_empty() => t.ballots,
        _ => p.voted.len() as u64,
    };
    let result = s
        .poll_result(id)
        .ok()
        .map(|r| result_view(s, cat, lang, p, &r));
    let item = p
        .fields
        .item_id
        .and_then(|i| s.item(i))
        .map(|i| i.fields.title.clone())
        .unwrap_or_default();
    Some(PollView {
        id: id.0,
        title: p.fields.title.clone(),
        item,
        mode_secret: p.fields.mode == PollMode::Secret,
        mode: t(
            cat,
            lang,
            match p.fields.mode {
                PollMode::Secret => "vote.mode.secret",
                PollMode::Named => "vote.mode.named",
            },
        ),
        status,
        status_label: t(cat, lang, &format!("vote.status.{status}")),
        questions: p.fields.questions.clone(),
        options: p
            .fields
            .options
            .iter()
            .map(|o| (o.key.clone(), o.label.clone()))
            .collect(),
        voted,
        eligible,
        voted_line: cat.format(
            lang,
            "vote.voted_line",
            &[
                ("voted", num(voted, lang)),
                ("eligible", num(eligible, lang)),
            ],
        ),
        opened_at: opened_at.map(|a| fmt(&a)).unwrap_or_default(),
        closed_at: closed_at.map(|a| fmt(&a)).unwrap_or_default(),
        closes_at: closes_at.map(|a| a.to_rfc3339()).unwrap_or_default(),
        closes_at_local: closes_at.map(|a| fmt(&a)).unwrap_or_default(),
        void_reason,
        rerun_of: p.rerun_of.map(|r| r.0),
        allow_change: p.fields.allow_change,
        manual_pending_by: p
            .manual
            .as_ref()
            .filter(|m| m.confirmed_by.is_none())
            .map(|m| actor_name(s, &m.entered_by)),
        manual_ballots: p.manual.as_ref().map_or(0, |m| m.tally.ballots),
        counted_by_hand: p.manual.as_ref().is_some_and(|m| m.confirmed_by.is_some()),
        result,
    })
}

/// "1.600" / "1,600".
pub fn format_count(n: u64, lang: Lang) -> String {
    num(n, lang)
}
