//! The delegate's phone for voting (biểu quyết), and the poll panels of the shared live
//! fragments (the delegate's banner, the hall screen).
//!
//! Without JavaScript: `GET /app/vote` shows the open poll as a form of radio buttons; it
//! posts to `/app/vote/{id}/confirm`, a page that changes nothing and lists the choices
//! with "Xác nhận" (`POST /app/vote/{id}`) and "Chọn lại" (back to the form, choices
//! kept). The idempotency key is drawn when the form is first shown and travels through
//! every step, so a resubmitted confirmation (back button, lost answer) gives the same
//! receipt and counts once. When no poll is open the page shows the latest results.

use std::borrow::Borrow;
use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use daihoi_app::pollview::{self, PollView, QuestionView, ResultView};
use daihoi_app::{Catalogue, Lang, Principal};
use daihoi_domain::model::{DelegateId, PollId};
use daihoi_domain::poll::{Eligibility, Poll, PollMode, PollStatus};
use daihoi_domain::{Capability, CongressState, Error};

use crate::Web;
use crate::error::status_of;
use crate::extract::Caller;
use crate::live::render_fragment;
use crate::views::{Chrome, Tr, hall_tz, render};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/app/vote", get(page))
        .route("/app/vote/{id}/confirm", post(confirm))
        .route("/app/vote/{id}", post(cast))
}

/// A batch poll (e.g. the 25 targets of a resolution) is shown as compact rows and its
/// result as a table.
const BATCH: usize = 4;
/// Results listed on the phone when no poll is open.
const RESULTS_ON_PHONE: usize = 10;

impl Tr {
    /// "1.600" (vi) / "1,600" (en).
    pub fn count(&self, n: impl Borrow<u64>) -> String {
        pollview::format_count(*n.borrow(), self.lang)
    }
}

// ----- view models shared with the live fragments ------------------------------------

/// The open poll as the hall screen and the phone show it.
pub struct OpenPanel {
    pub p: PollView,
    pub voted: String,
    pub eligible: String,
    /// Width of the progress bar, in hundredths of a percent.
    pub progress: u64,
    /// "10:15:30": when the countdown ends, for screens without script.
    pub end_time: String,
}

/// A closed or published poll's result, rendered by `vote/_result.html`.
pub struct ResultPanel {
    pub id: u64,
    pub title: String,
    pub item: String,
    pub mode: String,
    pub status: &'static str,
    pub status_label: String,
    pub closed_at: String,
    pub counted_by_hand: bool,
    /// Option labels, in order (the table's columns).
    pub options: Vec<String>,
    pub res: ResultView,
    pub batch: bool,
    /// A single question that merely repeats the title is not printed again.
    pub show_questions: bool,
    /// Batch polls: the rows split in two halves (two columns on the hall screen).
    pub columns: Vec<Vec<QuestionView>>,
    /// "23/25 nội dung được thông qua".
    pub passed_line: String,
}

/// What the delegate's live fragment says about voting: the same for every delegate.
pub struct PollBanner {
    pub title: String,
    pub mode: String,
}

fn closed_at(p: &Poll) -> Option<DateTime<Utc>> {
    match &p.status {
        PollStatus::Closed { closed_at } | PollStatus::Published { closed_at, .. } => {
            Some(*closed_at)
        }
        _ => None,
    }
}

fn time_of(at: &str) -> String {
    at.split(' ').next().unwrap_or_default().to_string()
}

pub fn open_panel(s: &CongressState, cat: &Catalogue, lang: Lang, id: PollId) -> Option<OpenPanel> {
    let p = pollview::poll_view(s, cat, lang, id)?;
    Some(OpenPanel {
        voted: pollview::format_count(p.voted, lang),
        eligible: pollview::format_count(p.eligible, lang),
        progress: (p.voted.saturating_mul(10_000))
            .checked_div(p.eligible)
            .unwrap_or(0)
            .min(10_000),
        end_time: time_of(&p.closes_at_local),
        p,
    })
}

pub fn result_panel(
    s: &CongressState,
    cat: &Catalogue,
    lang: Lang,
    id: PollId,
) -> Option<ResultPanel> {
    let p = pollview::poll_view(s, cat, lang, id)?;
    let res = p.result.clone()?;
    let batch = res.questions.len() >= BATCH;
    let half = res.questions.len().div_ceil(2);
    let columns = if batch {
        vec![
            res.questions[..half].to_vec(),
            res.questions[half..].to_vec(),
        ]
    } else {
        Vec::new()
    };
    let show_questions =
        res.questions.len() > 1 || res.questions.first().is_some_and(|q| q.text != p.title);
    Some(ResultPanel {
        id: p.id,
        passed_line: cat.format(
            lang,
            "result.passed_line",
            &[
                ("passed", res.passed_count.to_string()),
                ("total", res.questions.len().to_string()),
            ],
        ),
        title: p.title,
        item: p.item,
        mode: p.mode,
        status: p.status,
        status_label: p.status_label,
        closed_at: p.closed_at,
        counted_by_hand: p.counted_by_hand,
        options: p.options.into_iter().map(|(_, l)| l).collect(),
        res,
        batch,
        show_questions,
        columns,
    })
}

/// Closed and published polls with a result, the most recently closed first.
fn recent_results(
    s: &CongressState,
    cat: &Catalogue,
    lang: Lang,
    limit: usize,
) -> Vec<ResultPanel> {
    let mut closed: Vec<(DateTime<Utc>, PollId)> = s
        .polls()
        .filter_map(|p| closed_at(p).map(|at| (at, p.id)))
        .collect();
    closed.sort_by(|a, b| b.cmp(a));
    closed
        .into_iter()
        .filter_map(|(_, id)| result_panel(s, cat, lang, id))
        .take(limit)
        .collect()
}

/// The result the hall screen shows when no poll is open. The rule, simple enough to tell
/// the presidium: the most recently closed (or published) poll that is not void stays on
/// the screen while
/// - a session is running and the poll closed after that session started, and
/// - the poll is on the agenda item now current (a poll on no item: for the rest of the
///   session).
///
/// So the result goes away when the presidium moves to another agenda item, ends the
/// session, or opens another poll (which then takes the screen).
pub fn hall_result(s: &CongressState, cat: &Catalogue, lang: Lang) -> Option<ResultPanel> {
    if s.open_poll().is_some() {
        return None;
    }
    let session = s.running_session()?;
    let started = session.started_at?;
    let (_, poll) = s
        .polls()
        .filter_map(|p| closed_at(p).map(|at| (at, p)))
        .max_by_key(|(at, p)| (*at, p.id))?;
    let since = closed_at(poll).is_some_and(|at| at >= started);
    let on_item = match (poll.fields.item_id, s.live.item) {
        (None, _) => true,
        (Some(i), current) => current == Some(i),
    };
    if since && on_item {
        result_panel(s, cat, lang, poll.id)
    } else {
        None
    }
}

pub fn banner(s: &CongressState, cat: &Catalogue, lang: Lang) -> Option<PollBanner> {
    s.open_poll().map(|p| PollBanner {
        title: p.fields.title.clone(),
        mode: cat
            .get(
                lang,
                match p.fields.mode {
                    PollMode::Secret => "vote.mode.secret",
                    PollMode::Named => "vote.mode.named",
                },
            )
            .to_string(),
    })
}

/// What the phone's vote page depends on: while a poll is open, that poll; otherwise the
/// results (a poll closed, published or voided). The page, drawn for one state, reloads
/// when its live region reports another; a delegate choosing on an open ballot is not
/// disturbed by an older poll being published.
pub fn poll_state(s: &CongressState) -> String {
    if let Some(p) = s.open_poll() {
        return format!("open-{}", p.id.0);
    }
    let (mut closed, mut published, mut voided) = (0, 0, 0);
    for p in s.polls() {
        match p.status {
            PollStatus::Closed { .. } => closed += 1,
            PollStatus::Published { .. } => published += 1,
            PollStatus::Voided { .. } => voided += 1,
            _ => {}
        }
    }
    format!("results-{closed}-{published}-{voided}")
}

// ----- the form ----------------------------------------------------------------------

/// The fields a ballot form carries: `q0..qN` (one option key per question), `key`,
/// and `fill` (the batch shortcut: this option for every question left unanswered).
#[derive(Default)]
struct Choices {
    by_question: HashMap<usize, String>,
    key: String,
    fill: String,
}

impl Choices {
    fn from_pairs(pairs: &[(String, String)]) -> Choices {
        let mut c = Choices::default();
        for (k, v) in pairs {
            let v = v.trim().to_string();
            match k.as_str() {
                "key" => c.key = v,
                "fill" => c.fill = v,
                _ => {
                    if let Some(i) = k.strip_prefix('q').and_then(|n| n.parse::<usize>().ok())
                        && !v.is_empty()
                    {
                        c.by_question.insert(i, v);
                    }
                }
            }
        }
        c
    }

    fn get(&self, q: usize) -> &str {
        self.by_question.get(&q).map_or("", |s| s.as_str())
    }

    /// The key carried from the form, or a fresh one.
    fn key_or_new(&self) -> String {
        daihoi_domain::poll::parse_idempotency_key(&self.key)
            .unwrap_or_else(|_| hex::encode(daihoi_app::auth::random_bytes::<16>()))
    }
}

pub struct BallotOption {
    pub key: String,
    pub label: String,
    pub checked: bool,
    /// 0 in favour, 1 against, 2+ the others: colours.
    pub n: usize,
}

pub struct BallotQuestion {
    pub i: usize,
    pub no: usize,
    pub text: String,
    pub options: Vec<BallotOption>,
}

pub struct Ballot {
    pub id: u64,
    pub key: String,
    pub batch: bool,
    pub show_questions: bool,
    pub questions: Vec<BallotQuestion>,
    /// The batch shortcut: the option in favour.
    pub first_key: String,
    pub first_label: String,
}

fn ballot(poll: &Poll, pre: &Choices) -> Ballot {
    let f = &poll.fields;
    let first = f.options.first();
    Ballot {
        id: poll.id.0,
        key: pre.key_or_new(),
        batch: f.questions.len() >= BATCH,
        show_questions: f.questions.len() > 1 || f.questions.first().is_some_and(|q| *q != f.title),
        questions: f
            .questions
            .iter()
            .enumerate()
            .map(|(i, text)| BallotQuestion {
                i,
                no: i + 1,
                text: text.clone(),
                options: f
                    .options
                    .iter()
                    .enumerate()
                    .map(|(n, o)| BallotOption {
                        key: o.key.clone(),
                        label: o.label.clone(),
                        checked: pre.get(i) == o.key,
                        n,
                    })
                    .collect(),
            })
            .collect(),
        first_key: first.map(|o| o.key.clone()).unwrap_or_default(),
        first_label: first.map(|o| o.label.clone()).unwrap_or_default(),
    }
}

/// Where this delegate stands on the open poll.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    CanVote,
    /// Present-only poll and not marked present: the vote will be refused.
    NotPresent,
    NotEligible,
    Voted,
    /// Named poll that allows changing the ballot until the close.
    VotedMayChange,
}

fn standing(s: &CongressState, poll: &Poll, me: DelegateId) -> Standing {
    let may_change = poll.fields.allow_change && poll.fields.mode == PollMode::Named;
    if poll.voted.contains(&me) {
        return if may_change {
            Standing::VotedMayChange
        } else {
            Standing::Voted
        };
    }
    if poll.weight_of(me).is_none() {
        return Standing::NotEligible;
    }
    let present = s.running_session().is_some_and(|r| s.is_present(r.id, me));
    if poll.fields.eligibility == Eligibility::PresentOnly && !present {
        return Standing::NotPresent;
    }
    Standing::CanVote
}

// ----- pages -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "vote/page.html")]
pub struct VotePage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub csrf: String,
    pub live: String,
    pub poll_state: String,
    pub open: Option<OpenPanel>,
    pub ballot: Option<Ballot>,
    /// "Đồng chí đã biểu quyết", "not eligible": shown instead of (or above) the ballot.
    pub notice: String,
    pub warning: String,
    pub error: String,
    pub results: Vec<ResultPanel>,
}

pub struct ConfirmRow {
    pub no: usize,
    pub text: String,
    pub label: String,
    pub n: usize,
}

#[derive(Template)]
#[template(path = "vote/confirm.html")]
pub struct ConfirmPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub csrf: String,
    pub id: u64,
    pub title: String,
    pub mode: String,
    pub key: String,
    pub show_questions: bool,
    pub rows: Vec<ConfirmRow>,
    /// (name, value) of the hidden fields: q0..qN.
    pub hidden: Vec<(String, String)>,
    /// Batch polls: "Tán thành: 23 · Không tán thành: 2".
    pub summary: Vec<(String, usize, usize)>,
}

#[derive(Template)]
#[template(path = "vote/receipt.html")]
pub struct ReceiptPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub title: String,
    pub code: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "vote/error.html")]
pub struct VoteErrorPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub message: String,
    pub code: String,
}

fn voter(c: &Caller) -> Result<(&Principal, DelegateId), Error> {
    let p = c.require(Capability::Vote)?;
    let me = p.delegate_id().ok_or(Error::Forbidden)?;
    Ok((p, me))
}

fn vote_page(
    c: &Caller,
    p: &Principal,
    me: DelegateId,
    pre: &Choices,
    error: String,
    status: StatusCode,
) -> Response {
    let tr = Tr::new(&c.web, c.lang);
    let cat = c.web.app.catalogue.clone();
    let lang = c.lang;
    let (open, ballot, standing, results, state) = c.web.app.read(|s| match s.open_poll() {
        Some(poll) => {
            let st = standing(s, poll, me);
            let ballot = matches!(
                st,
                Standing::CanVote | Standing::NotPresent | Standing::VotedMayChange
            )
            .then(|| ballot(poll, pre));
            (
                open_panel(s, &cat, lang, poll.id),
                ballot,
                Some(st),
                Vec::new(),
                poll_state(s),
            )
        }
        None => (
            None,
            None,
            None,
            recent_results(s, &cat, lang, RESULTS_ON_PHONE),
            poll_state(s),
        ),
    });
    let (notice, warning) = match standing {
        Some(Standing::Voted) => (tr.t("ballot.already_voted"), String::new()),
        Some(Standing::VotedMayChange) => (tr.t("ballot.voted_may_change"), String::new()),
        Some(Standing::NotEligible) => (
            cat.error(lang, &Error::conflict("NOT_ELIGIBLE")),
            String::new(),
        ),
        Some(Standing::NotPresent) => (
            String::new(),
            cat.error(lang, &Error::conflict("NOT_PRESENT")),
        ),
        _ => (String::new(), String::new()),
    };
    let page = VotePage {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        csrf: p.csrf.clone().unwrap_or_default(),
        live: render_fragment(&c.web, "live", lang).unwrap_or_default(),
        poll_state: state,
        open,
        ballot,
        notice,
        warning,
        error,
        results,
        tr,
    };
    (status, render(&page)).into_response()
}

fn error_page(c: &Caller, p: &Principal, e: &Error, detail: Option<String>) -> Response {
    let tr = Tr::new(&c.web, c.lang);
    let message = match detail {
        Some(d) => d,
        None => c.web.app.catalogue.error(c.lang, e),
    };
    let page = VoteErrorPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), "/app/vote"),
        message,
        code: e.code().to_string(),
        tr,
    };
    (status_of(e), render(&page)).into_response()
}

/// For a refused choice: which question, and what was wrong with it.
fn choice_problem(c: &Caller, poll: &Poll, form: &Choices) -> Option<String> {
    let cat = &c.web.app.catalogue;
    poll.fields.questions.iter().enumerate().find_map(|(i, _)| {
        let v = form.get(i);
        let n = (i + 1).to_string();
        if v.is_empty() {
            Some(cat.format(c.lang, "ballot.missing", &[("n", n)]))
        } else if !poll.fields.options.iter().any(|o| o.key == v) {
            let options: Vec<&str> = poll
                .fields
                .options
                .iter()
                .map(|o| o.label.as_str())
                .collect();
            Some(cat.format(
                c.lang,
                "ballot.unknown_option",
                &[
                    ("n", n),
                    ("value", v.chars().take(40).collect()),
                    ("options", options.join(", ")),
                ],
            ))
        } else {
            None
        }
    })
}

/// `GET /app/vote`: the open poll's ballot, or the latest results.
pub async fn page(c: Caller, Query(q): Query<Vec<(String, String)>>) -> Response {
    let (p, me) = match voter(&c) {
        Ok(x) => x,
        Err(e) => return c.page_err(e).into_response(),
    };
    vote_page(
        &c,
        p,
        me,
        &Choices::from_pairs(&q),
        String::new(),
        StatusCode::OK,
    )
}

/// `POST /app/vote/{id}/confirm`: the choices to check before casting. Changes nothing.
pub async fn confirm(
    c: Caller,
    Path(id): Path<u64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let (p, me) = match voter(&c) {
        Ok(x) => x,
        Err(e) => return c.page_err(e).into_response(),
    };
    let mut form = Choices::from_pairs(&f);
    let Some(poll) = c.web.app.read(|s| s.poll(PollId(id)).cloned()) else {
        return c.page_err(Error::NotFound { what: "poll" }).into_response();
    };
    let refused = match &poll.status {
        PollStatus::Draft => Some(Error::conflict("POLL_NOT_OPEN")),
        PollStatus::Open { .. } => {
            let st = c.web.app.read(|s| standing(s, &poll, me));
            match st {
                Standing::Voted => Some(Error::conflict("ALREADY_VOTED")),
                Standing::NotEligible => Some(Error::conflict("NOT_ELIGIBLE")),
                _ => None,
            }
        }
        _ => Some(Error::conflict("POLL_CLOSED")),
    };
    if let Some(e) = refused {
        return error_page(&c, p, &e, None);
    }
    if !form.fill.is_empty() {
        for i in 0..poll.fields.questions.len() {
            form.by_question
                .entry(i)
                .or_insert_with(|| form.fill.clone());
        }
    }
    if let Some(msg) = choice_problem(&c, &poll, &form) {
        // A question left unanswered: the form again, choices kept, the gap named.
        let missing = (0..poll.fields.questions.len()).any(|i| form.get(i).is_empty());
        if missing {
            return vote_page(&c, p, me, &form, msg, StatusCode::UNPROCESSABLE_ENTITY);
        }
        return error_page(
            &c,
            p,
            &Error::invalid("choice", "UNKNOWN_OPTION"),
            Some(msg),
        );
    }
    let tr = Tr::new(&c.web, c.lang);
    let fields = &poll.fields;
    let rows: Vec<ConfirmRow> = fields
        .questions
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let n = fields
                .options
                .iter()
                .position(|o| o.key == form.get(i))
                .unwrap_or(0);
            ConfirmRow {
                no: i + 1,
                text: text.clone(),
                label: fields
                    .options
                    .get(n)
                    .map(|o| o.label.clone())
                    .unwrap_or_default(),
                n,
            }
        })
        .collect();
    let summary = if fields.questions.len() >= BATCH {
        fields
            .options
            .iter()
            .enumerate()
            .map(|(n, o)| (o.label.clone(), rows.iter().filter(|r| r.n == n).count(), n))
            .collect()
    } else {
        Vec::new()
    };
    let page = ConfirmPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), "/app/vote"),
        csrf: p.csrf.clone().unwrap_or_default(),
        id,
        title: fields.title.clone(),
        mode: tr.t(match fields.mode {
            PollMode::Secret => "vote.mode.secret",
            PollMode::Named => "vote.mode.named",
        }),
        key: form.key_or_new(),
        show_questions: fields.questions.len() > 1
            || fields.questions.first().is_some_and(|q| *q != fields.title),
        hidden: (0..fields.questions.len())
            .map(|i| (format!("q{i}"), form.get(i).to_string()))
            .collect(),
        rows,
        summary,
        tr,
    };
    render(&page)
}

/// `POST /app/vote/{id}`: cast the signed-in delegate's ballot and show the receipt.
pub async fn cast(
    c: Caller,
    Path(id): Path<u64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let (p, _) = match voter(&c) {
        Ok(x) => x,
        Err(e) => return c.page_err(e).into_response(),
    };
    let form = Choices::from_pairs(&f);
    let Some(poll) = c.web.app.read(|s| s.poll(PollId(id)).cloned()) else {
        return c.page_err(Error::NotFound { what: "poll" }).into_response();
    };
    let choices: Vec<String> = (0..poll.fields.questions.len())
        .map(|i| form.get(i).to_string())
        .collect();
    let key = (!form.key.is_empty()).then_some(form.key.as_str());
    match c.web.app.cast_vote(p, PollId(id), &choices, key).await {
        Ok(receipt) => {
            let tr = Tr::new(&c.web, c.lang);
            let at = c
                .web
                .app
                .now()
                .with_timezone(&hall_tz())
                .format("%H:%M:%S %d/%m/%Y")
                .to_string();
            let page = ReceiptPage {
                chrome: Chrome::new(&c.web, &tr, Some(p), "/app/vote"),
                title: poll.fields.title.clone(),
                code: receipt.code,
                at,
                tr,
            };
            render(&page)
        }
        Err(e) => {
            let detail = match &e {
                Error::Invalid { field, .. } if *field == "choice" => {
                    choice_problem(&c, &poll, &form)
                }
                _ => None,
            };
            error_page(&c, p, &e, detail)
        }
    }
}

#[cfg(test)]
mod tests;
