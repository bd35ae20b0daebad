//! The presidium and secretariat console for voting: the congress's polls by state (open,
//! drafts, closed, published, voided) with their actions, the poll form, hand counts that a
//! second staff member confirms, the minutes PDFs, attendance marking and the base B.
//!
//! Every action is a plain POST form carrying `_csrf`, answered with a redirect back (or 204
//! when live.js posts it, `data-enhance`); an error re-renders the page it came from with the
//! translated message, next to the field at fault when there is one. The lists are live
//! regions re-read from `/fragments/polls` and `/fragments/attendance?…`; the open poll's
//! voted/eligible counter is a small region of its own (`/fragments/poll-count`, topic
//! `votes`), so that a burst of votes re-reads a line, not the list, and never wipes what
//! someone is typing into a form of the list (a void reason).

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use daihoi_app::pollview::{PollView, format_count, poll_view};
use daihoi_app::{Lang, Principal};
use daihoi_domain::model::*;
use daihoi_domain::poll::{
    Eligibility, ManualCountInput, PollFields, PollInput, PollMode, PollStatus, default_options,
};
use daihoi_domain::rules::{BaseKind, Majority};
use daihoi_domain::state::natural_key;
use daihoi_domain::{Capability, CongressState, Error, text};
use serde::Deserialize;
use std::collections::HashMap;

use crate::Web;
use crate::error::status_of;
use crate::extract::Caller;
use crate::views::{Chrome, Tr, render, render_string, session_meta};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/console/polls", get(list).post(create))
        .route("/console/polls/new", get(new_form))
        .route("/console/polls/{id}", get(detail).post(save))
        .route("/console/polls/{id}/edit", get(edit_form))
        .route("/console/polls/{id}/open", action(Action::Open))
        .route("/console/polls/{id}/close", action(Action::Close))
        .route("/console/polls/{id}/publish", action(Action::Publish))
        .route("/console/polls/{id}/void", action(Action::Void))
        .route("/console/polls/{id}/rerun", action(Action::Rerun))
        .route("/console/polls/{id}/count", post(count_enter))
        .route("/console/polls/{id}/count/confirm", action(Action::Confirm))
        .route("/console/polls/{id}/count/discard", action(Action::Discard))
        .route("/console/polls/{id}/minutes.pdf", get(poll_minutes))
        .route("/console/sessions/{id}/minutes.pdf", get(session_minutes))
        .route("/console/attendance", get(attendance))
        .route("/console/attendance/{session}/all", post(attendance_all))
        .route(
            "/console/attendance/{session}/{delegate}/{state}",
            post(attendance_mark),
        )
        .route("/console/base", post(base_save))
}

const POLLS: &str = "/console/polls";
const ATTENDANCE: &str = "/console/attendance";

// ----- shared -------------------------------------------------------------------------

fn is_fetch(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v == "fetch")
}

fn message(c: &Caller, e: &Error) -> String {
    c.web.app.catalogue.error(c.lang, e)
}

/// The field an input error names, and the problem in the reader's language, shown next to
/// that field.
#[derive(Default)]
pub struct FieldError {
    field: String,
    msg: String,
}

impl FieldError {
    fn of(c: &Caller, e: &Error) -> FieldError {
        match e {
            Error::Invalid { field, problem } => FieldError {
                field: (*field).to_string(),
                msg: c.web.app.catalogue.problem(c.lang, problem),
            },
            _ => FieldError::default(),
        }
    }
    pub fn on(&self, field: &str) -> bool {
        !self.field.is_empty() && self.field == field
    }
    pub fn msg(&self) -> &str {
        &self.msg
    }
}

fn parse_id(s: &str, what: &'static str) -> Result<u64, Error> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| Error::NotFound { what })
}

/// `?ok=<key>` after a successful POST: a catalogue key under `polls.ok.`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OkQuery {
    ok: String,
}

fn flash(c: &Caller, ok: &str) -> String {
    let valid =
        !ok.is_empty() && ok.len() <= 40 && ok.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let key = format!("polls.ok.{ok}");
    if valid && c.web.app.catalogue.has(c.lang, &key) {
        c.web.app.catalogue.get(c.lang, &key).to_string()
    } else {
        String::new()
    }
}

fn done(page: &str, ok: &str, anchor: &str) -> Response {
    let sep = if page.contains('?') { '&' } else { '?' };
    let to = if anchor.is_empty() {
        format!("{page}{sep}ok={ok}")
    } else {
        format!("{page}{sep}ok={ok}#{anchor}")
    };
    Redirect::to(&to).into_response()
}

/// File names in Content-Disposition: ASCII only.
fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

// ----- the list -----------------------------------------------------------------------

pub struct Row {
    pub v: PollView,
    /// Hand count possible: draft or open, nobody voted from a device, none pending.
    pub can_count: bool,
    pub close_confirm: String,
    pub void_confirm: String,
    /// The open poll's live counter (the `poll-count` region).
    pub count: String,
    pub lang: Lang,
}

impl Row {
    /// A count with its thousands grouped ("1.600" / "1,600").
    pub fn num(&self, n: &u64) -> String {
        format_count(*n, self.lang)
    }
}

pub struct SessionLink {
    pub id: u64,
    pub title: String,
    pub meta: String,
    pub polls: usize,
}

#[derive(Template)]
#[template(path = "polls/list.html")]
pub struct PollsFragment {
    pub tr: Tr,
    pub csrf: String,
    pub open: Vec<Row>,
    pub drafts: Vec<Row>,
    pub closed: Vec<Row>,
    pub published: Vec<Row>,
    pub voided: Vec<Row>,
    pub sessions: Vec<SessionLink>,
    /// Party congress without B: polls cannot open yet.
    pub base_missing: bool,
    pub can_base: bool,
}

#[derive(Template)]
#[template(path = "polls/count.html")]
pub struct CountFragment {
    pub v: Option<PollView>,
}

fn count_html(v: Option<PollView>) -> String {
    render_string(&CountFragment { v })
}

/// `/fragments/poll-count`: the open poll's "Đã biểu quyết 412/430".
pub fn count_fragment(c: &Caller) -> Result<String, Error> {
    c.require(Capability::ManagePolls)?;
    let cat = &c.web.app.catalogue;
    let v = c
        .web
        .app
        .read(|s| s.open_poll().and_then(|p| poll_view(s, cat, c.lang, p.id)));
    Ok(count_html(v))
}

fn can_count(s: &CongressState, id: PollId) -> bool {
    s.poll(id).is_some_and(|p| {
        matches!(p.status, PollStatus::Draft | PollStatus::Open { .. })
            && p.voted.is_empty()
            && p.manual.is_none()
    })
}

fn row(c: &Caller, s: &CongressState, v: PollView) -> Row {
    let cat = &c.web.app.catalogue;
    let args = [("title", v.title.clone())];
    let id = PollId(v.id);
    Row {
        can_count: can_count(s, id),
        close_confirm: cat.format(c.lang, "polls.close_confirm", &args),
        void_confirm: cat.format(c.lang, "polls.void_confirm", &args),
        count: if v.status == "open" {
            count_html(Some(v.clone()))
        } else {
            String::new()
        },
        lang: c.lang,
        v,
    }
}

/// The session whose minutes list a poll: its agenda item's, or the one running when it
/// opened (as the session minutes count them).
fn session_of(s: &CongressState, poll: &daihoi_domain::poll::Poll) -> Option<SessionId> {
    match poll.fields.item_id.and_then(|i| s.item(i)) {
        Some(item) => Some(item.session_id),
        None => {
            let at = poll.opened_at?;
            s.sessions()
                .into_iter()
                .find(|x| {
                    x.started_at.is_some_and(|st| at >= st) && x.ended_at.is_none_or(|e| at <= e)
                })
                .map(|x| x.id)
        }
    }
}

/// `/fragments/polls`: the polls by state, with their actions.
pub fn polls_fragment(c: &Caller) -> Result<String, Error> {
    let p = c.require(Capability::ManagePolls)?;
    let tr = Tr::new(&c.web, c.lang);
    let cat = &c.web.app.catalogue;
    let frag = c.web.app.read(|s| {
        let mut f = PollsFragment {
            tr: tr.clone(),
            csrf: p.csrf.clone().unwrap_or_default(),
            open: Vec::new(),
            drafts: Vec::new(),
            closed: Vec::new(),
            published: Vec::new(),
            voided: Vec::new(),
            sessions: Vec::new(),
            base_missing: s.kind() == CongressKind::PartyCongress && s.party_base().is_none(),
            can_base: p.role.can(Capability::RecordAttendance),
        };
        let mut per_session: HashMap<SessionId, usize> = HashMap::new();
        for poll in s.polls() {
            let Some(v) = poll_view(s, cat, c.lang, poll.id) else {
                continue;
            };
            if matches!(v.status, "closed" | "published")
                && let Some(sid) = session_of(s, poll)
            {
                *per_session.entry(sid).or_default() += 1;
            }
            let r = row(c, s, v);
            match r.v.status {
                "open" => f.open.push(r),
                "draft" => f.drafts.push(r),
                "closed" => f.closed.push(r),
                "published" => f.published.push(r),
                _ => f.voided.push(r),
            }
        }
        // The latest first, except drafts (in the order they will be put to the vote).
        f.closed.reverse();
        f.published.reverse();
        f.voided.reverse();
        f.sessions = s
            .sessions()
            .into_iter()
            .filter_map(|sess| {
                per_session.get(&sess.id).map(|n| SessionLink {
                    id: sess.id.0,
                    title: sess.fields.title.clone(),
                    meta: session_meta(sess, &tr),
                    polls: *n,
                })
            })
            .collect();
        f
    });
    Ok(render_string(&frag))
}

#[derive(Template)]
#[template(path = "polls/index.html")]
struct PollsPage {
    tr: Tr,
    chrome: Chrome,
    list: String,
    flash: String,
    error: String,
}

fn list_page(c: &Caller, flash: String, error: String, status: StatusCode) -> Response {
    let list = match polls_fragment(c) {
        Ok(h) => h,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = PollsPage {
        chrome: Chrome::new(&c.web, &tr, c.principal.as_ref(), POLLS),
        list,
        flash,
        error,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn list(c: Caller, Query(q): Query<OkQuery>) -> Response {
    let f = flash(&c, &q.ok);
    list_page(&c, f, String::new(), StatusCode::OK)
}

// ----- the form -----------------------------------------------------------------------

/// The poll form as posted: checkboxes arrive as "on" or not at all.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct PollForm {
    item_id: String,
    title: String,
    questions: String,
    options: String,
    mode: String,
    eligibility: String,
    allow_change: Option<String>,
    countdown_secs: String,
    special_matter: Option<String>,
    majority: String,
    base: String,
    meeting: String,
}

impl PollForm {
    fn input(&self) -> PollInput {
        PollInput {
            item_id: self.item_id.clone(),
            title: self.title.clone(),
            questions: self.questions.clone(),
            options: self.options.clone(),
            mode: self.mode.clone(),
            eligibility: self.eligibility.clone(),
            allow_change: self.allow_change.is_some(),
            countdown_secs: self.countdown_secs.clone(),
            special_matter: self.special_matter.is_some(),
            majority: self.majority.clone(),
            base: self.base.clone(),
            meeting: self.meeting.clone(),
        }
    }
}

fn majority_value(m: Majority) -> String {
    match m {
        Majority::MoreThanHalf => "more_than_half".into(),
        Majority::AtLeast(bp) => format!("at_least:{bp}"),
        Majority::MoreThan(bp) => format!("more_than:{bp}"),
    }
}

/// The form of a stored poll: what it would take to type the same poll again.
fn input_of(f: &PollFields) -> PollInput {
    let questions = if f.questions.len() == 1 && f.questions.first() == Some(&f.title) {
        String::new()
    } else {
        f.questions.join("\n")
    };
    let options = if f.options == default_options() {
        String::new()
    } else {
        f.options
            .iter()
            .map(|o| format!("{}: {}", o.key, o.label))
            .collect::<Vec<_>>()
            .join("\n")
    };
    PollInput {
        item_id: f.item_id.map(|i| i.0.to_string()).unwrap_or_default(),
        title: f.title.clone(),
        questions,
        options,
        mode: match f.mode {
            PollMode::Named => "named".into(),
            PollMode::Secret => "secret".into(),
        },
        eligibility: match f.eligibility {
            Eligibility::PresentOnly => "present_only".into(),
            Eligibility::AllVotingMembers => "all_voting_members".into(),
        },
        allow_change: f.allow_change,
        countdown_secs: f.countdown_secs.map(|s| s.to_string()).unwrap_or_default(),
        special_matter: f.special_matter,
        majority: majority_value(f.rule.majority),
        base: match f.rule.base {
            BaseKind::Entitled => "entitled".into(),
            _ => "present".into(),
        },
        meeting: f.meeting.to_string(),
    }
}

pub struct ItemGroup {
    pub label: String,
    pub items: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "polls/form.html")]
struct PollFormPage {
    tr: Tr,
    chrome: Chrome,
    /// 0 for a new poll.
    edit_id: u64,
    f: PollInput,
    items: Vec<ItemGroup>,
    /// party_congress | shareholders_meeting | general_assembly
    kind: &'static str,
    majorities: Vec<(String, String)>,
    fe: FieldError,
    error: String,
    flash: String,
}

fn form_page(
    c: &Caller,
    edit_id: u64,
    f: PollInput,
    err: Option<&Error>,
    flash: String,
) -> Response {
    let tr = Tr::new(&c.web, c.lang);
    let page_path = if edit_id == 0 {
        format!("{POLLS}/new")
    } else {
        format!("{POLLS}/{edit_id}/edit")
    };
    let (items, kind) = c.web.app.read(|s| {
        let items = s
            .sessions()
            .into_iter()
            .map(|sess| ItemGroup {
                label: format!("{} · {}", sess.fields.title, tr.day(&sess.fields.date)),
                items: s
                    .items_of(sess.id)
                    .into_iter()
                    .map(|i| (i.id.0.to_string(), i.fields.title.clone()))
                    .collect(),
            })
            .filter(|g| !g.items.is_empty())
            .collect();
        (items, s.kind())
    });
    let mut majorities: Vec<(String, String)> = [
        "more_than_half",
        "at_least:5000",
        "at_least:6500",
        "at_least:6667",
        "at_least:7500",
    ]
    .iter()
    .map(|m| {
        (
            (*m).to_string(),
            tr.t(&format!("polls.majority.{}", m.replace(':', "_"))),
        )
    })
    .collect();
    let current = if f.majority.trim().is_empty() {
        "more_than_half".to_string()
    } else {
        f.majority.trim().to_string()
    };
    if !majorities.iter().any(|(k, _)| *k == current) {
        majorities.push((current.clone(), current));
    }
    let (status, error, fe) = match err {
        Some(e) => (status_of(e), message(c, e), FieldError::of(c, e)),
        None => (StatusCode::OK, String::new(), FieldError::default()),
    };
    let page = PollFormPage {
        chrome: Chrome::new(&c.web, &tr, c.principal.as_ref(), &page_path),
        edit_id,
        f,
        items,
        kind: kind.as_str(),
        majorities,
        fe,
        error,
        flash,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn new_form(c: Caller) -> Response {
    if let Err(e) = c.require(Capability::ManagePolls) {
        return c.page_err(e).into_response();
    }
    let f = PollInput {
        mode: "named".into(),
        eligibility: "present_only".into(),
        majority: "more_than_half".into(),
        base: "present".into(),
        meeting: "1".into(),
        ..Default::default()
    };
    form_page(&c, 0, f, None, String::new())
}

async fn create(c: Caller, Form(f): Form<PollForm>) -> Response {
    let p = match c.require(Capability::ManagePolls) {
        Ok(p) => p.clone(),
        Err(e) => return c.page_err(e).into_response(),
    };
    let input = f.input();
    match c.web.app.create_poll(&p, &input).await {
        Ok(id) => done(POLLS, "created", &format!("poll-{id}")),
        Err(e) => form_page(&c, 0, input, Some(&e), String::new()),
    }
}

async fn edit_form(c: Caller, Path(id): Path<String>, Query(q): Query<OkQuery>) -> Response {
    if let Err(e) = c.require(Capability::ManagePolls) {
        return c.page_err(e).into_response();
    }
    let found = parse_id(&id, "poll").and_then(|id| {
        c.web
            .app
            .read(|s| {
                s.poll(PollId(id))
                    .map(|p| (id, input_of(&p.fields), p.status.clone()))
            })
            .ok_or(Error::NotFound { what: "poll" })
    });
    match found {
        Ok((id, _, st)) if st != PollStatus::Draft => {
            // Only drafts are edited: show the poll itself.
            Redirect::to(&format!("{POLLS}/{id}")).into_response()
        }
        Ok((id, f, _)) => {
            let fl = flash(&c, &q.ok);
            form_page(&c, id, f, None, fl)
        }
        Err(e) => c.page_err(e).into_response(),
    }
}

async fn save(c: Caller, Path(id): Path<String>, Form(f): Form<PollForm>) -> Response {
    let p = match c.require(Capability::ManagePolls) {
        Ok(p) => p.clone(),
        Err(e) => return c.page_err(e).into_response(),
    };
    let id = match parse_id(&id, "poll") {
        Ok(id) => id,
        Err(e) => return c.page_err(e).into_response(),
    };
    let input = f.input();
    match c.web.app.edit_poll(&p, PollId(id), &input).await {
        Ok(()) => done(POLLS, "saved", &format!("poll-{id}")),
        Err(e) => form_page(&c, id, input, Some(&e), String::new()),
    }
}

// ----- one poll -----------------------------------------------------------------------

pub struct GridRow {
    pub no: usize,
    pub text: String,
    /// (field name, value as typed, option label)
    pub cells: Vec<(String, String, String)>,
}

pub struct Pending {
    pub by: String,
    pub ballots: String,
    /// (no, question, figure per option)
    pub rows: Vec<(usize, String, Vec<String>)>,
    /// Entered by the caller: someone else must confirm.
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "polls/detail.html")]
struct PollPage {
    tr: Tr,
    chrome: Chrome,
    csrf: String,
    v: PollView,
    r: Row,
    flash: String,
    error: String,
    fe: FieldError,
    ballots: String,
    grid: Vec<GridRow>,
    pending: Option<Pending>,
    session_minutes: Option<u64>,
}

/// What was typed into the hand-count grid, to show it again after an error.
#[derive(Default)]
struct Typed {
    ballots: String,
    cells: HashMap<String, String>,
}

fn cell_name(q: usize, o: usize) -> String {
    format!("c{q}_{o}")
}

fn detail_page(c: &Caller, id: u64, flash: String, err: Option<&Error>, typed: Typed) -> Response {
    let p = match c.require(Capability::ManagePolls) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let cat = &c.web.app.catalogue;
    let me = p.actor();
    let found = c.web.app.read(|s| {
        let v = poll_view(s, cat, c.lang, PollId(id))?;
        let poll = s.poll(PollId(id))?;
        let pending = poll
            .manual
            .as_ref()
            .filter(|m| m.confirmed_by.is_none())
            .map(|m| Pending {
                by: v.manual_pending_by.clone().unwrap_or_default(),
                ballots: format_count(m.tally.ballots, c.lang),
                rows: m
                    .tally
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(q, row)| {
                        (
                            q + 1,
                            poll.fields.questions.get(q).cloned().unwrap_or_default(),
                            row.iter().map(|n| format_count(*n, c.lang)).collect(),
                        )
                    })
                    .collect(),
                mine: m.entered_by == me,
            });
        let grid = poll
            .fields
            .questions
            .iter()
            .enumerate()
            .map(|(q, text)| GridRow {
                no: q + 1,
                text: text.clone(),
                cells: poll
                    .fields
                    .options
                    .iter()
                    .enumerate()
                    .map(|(o, opt)| {
                        let name = cell_name(q, o);
                        let val = typed.cells.get(&name).cloned().unwrap_or_default();
                        (name, val, opt.label.clone())
                    })
                    .collect(),
            })
            .collect();
        let session_minutes = session_of(s, poll)
            .map(|x| x.0)
            .filter(|_| matches!(v.status, "closed" | "published"));
        let r = row(c, s, v.clone());
        Some((v, r, pending, grid, session_minutes))
    });
    let Some((v, r, pending, grid, session_minutes)) = found else {
        return c.page_err(Error::NotFound { what: "poll" }).into_response();
    };
    let (status, error, fe) = match err {
        Some(e) => (status_of(e), message(c, e), FieldError::of(c, e)),
        None => (StatusCode::OK, String::new(), FieldError::default()),
    };
    let page = PollPage {
        chrome: Chrome::new(&c.web, &tr, c.principal.as_ref(), &format!("{POLLS}/{id}")),
        csrf: p.csrf.clone().unwrap_or_default(),
        v,
        r,
        flash,
        error,
        fe,
        ballots: typed.ballots,
        grid,
        pending,
        session_minutes,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn detail(c: Caller, Path(id): Path<String>, Query(q): Query<OkQuery>) -> Response {
    match parse_id(&id, "poll") {
        Ok(id) => {
            let f = flash(&c, &q.ok);
            detail_page(&c, id, f, None, Typed::default())
        }
        Err(e) => c.page_err(e).into_response(),
    }
}

// ----- actions ------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    /// "detail" when posted from the poll's own page.
    from: String,
    reason: String,
}

#[derive(Clone, Copy)]
enum Action {
    Open,
    Close,
    Publish,
    Void,
    Rerun,
    Confirm,
    Discard,
}

impl Action {
    fn ok(self) -> &'static str {
        match self {
            Action::Open => "opened",
            Action::Close => "closed",
            Action::Publish => "published",
            Action::Void => "voided",
            Action::Rerun => "rerun",
            Action::Confirm => "count_confirmed",
            Action::Discard => "count_discarded",
        }
    }
}

async fn run(c: &Caller, p: &Principal, id: PollId, a: Action, reason: &str) -> Result<u64, Error> {
    let app = &c.web.app;
    match a {
        Action::Open => app.open_poll(p, id).await,
        Action::Close => app.close_poll(p, id).await,
        Action::Publish => app.publish_poll(p, id).await,
        Action::Void => app.void_poll(p, id, reason).await,
        Action::Rerun => return app.rerun_poll(p, id).await.map(|n| n.0),
        Action::Confirm => app.confirm_manual_count(p, id).await,
        Action::Discard => app.discard_manual_count(p, id).await,
    }
    .map(|()| id.0)
}

/// The POST route of one action button (open, close, publish, …).
fn action(a: Action) -> MethodRouter<Web> {
    post(
        move |c: Caller, h: HeaderMap, Path(id): Path<String>, Form(f): Form<ActionForm>| {
            act(c, h, id, f, a)
        },
    )
}

async fn act(c: Caller, headers: HeaderMap, id: String, f: ActionForm, a: Action) -> Response {
    let fetch = is_fetch(&headers);
    let r = match (c.require(Capability::ManagePolls), parse_id(&id, "poll")) {
        (Ok(p), Ok(id)) => {
            let p = p.clone();
            run(&c, &p, PollId(id), a, &f.reason).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let detail = f.from == "detail";
    match (r, fetch) {
        (Ok(_), true) => StatusCode::NO_CONTENT.into_response(),
        (Ok(new), false) => match (a, detail) {
            (Action::Rerun, _) => done(&format!("{POLLS}/{new}/edit"), a.ok(), ""),
            (_, true) => done(&format!("{POLLS}/{new}"), a.ok(), ""),
            (_, false) => done(POLLS, a.ok(), &format!("poll-{new}")),
        },
        (Err(e), true) => c.api_err(e).into_response(),
        (Err(e @ (Error::Unauthenticated | Error::Forbidden)), false) => {
            c.page_err(e).into_response()
        }
        (Err(e), false) => match parse_id(&id, "poll") {
            Ok(id) if detail => detail_page(&c, id, String::new(), Some(&e), Typed::default()),
            _ => list_page(&c, String::new(), message(&c, &e), status_of(&e)),
        },
    }
}

/// The hand count: `ballots` and one field `c{question}_{option}` per cell of the grid.
async fn count_enter(
    c: Caller,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let p = match c.require(Capability::ManagePolls) {
        Ok(p) => p.clone(),
        Err(e) => return c.page_err(e).into_response(),
    };
    let id = match parse_id(&id, "poll") {
        Ok(id) => id,
        Err(e) => return c.page_err(e).into_response(),
    };
    let shape = c.web.app.read(|s| {
        s.poll(PollId(id))
            .map(|p| (p.fields.questions.len(), p.fields.options.len()))
    });
    let Some((questions, options)) = shape else {
        return c.page_err(Error::NotFound { what: "poll" }).into_response();
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let input = ManualCountInput {
        ballots: get("ballots"),
        counts: (0..questions)
            .map(|q| (0..options).map(|o| get(&cell_name(q, o))).collect())
            .collect(),
    };
    match c.web.app.enter_manual_count(&p, PollId(id), &input).await {
        Ok(()) => done(&format!("{POLLS}/{id}"), "count_entered", "count"),
        Err(e) => {
            let typed = Typed {
                ballots: input.ballots.clone(),
                cells: form
                    .into_iter()
                    .filter(|(k, _)| k.starts_with('c') && k.len() <= 12)
                    .collect(),
            };
            detail_page(&c, id, String::new(), Some(&e), typed)
        }
    }
}

// ----- minutes ------------------------------------------------------------------------

async fn poll_minutes(c: Caller, Path(id): Path<String>) -> Response {
    let r = match (c.require(Capability::ManagePolls), parse_id(&id, "poll")) {
        (Ok(p), Ok(id)) => {
            let p = p.clone();
            c.web
                .app
                .poll_minutes_pdf(&p, PollId(id), c.lang)
                .await
                .map(|b| (id, b))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match r {
        Ok((id, bytes)) => pdf(bytes, &format!("bien-ban-bieu-quyet-{id}.pdf")),
        Err(e) => c.page_err(e).into_response(),
    }
}

async fn session_minutes(c: Caller, Path(id): Path<String>) -> Response {
    let r = match (c.require(Capability::ManagePolls), parse_id(&id, "session")) {
        (Ok(p), Ok(id)) => {
            let p = p.clone();
            c.web
                .app
                .session_minutes_pdf(&p, SessionId(id), c.lang)
                .await
                .map(|b| (id, b))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match r {
        Ok((id, bytes)) => pdf(bytes, &format!("bien-ban-phien-{id}.pdf")),
        Err(e) => c.page_err(e).into_response(),
    }
}

// ----- attendance ---------------------------------------------------------------------

/// The attendance page's choices: which session, which delegates.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AttQuery {
    session: String,
    q: String,
    /// "1": only those not marked present.
    absent: String,
    ok: String,
}

impl AttQuery {
    fn absent_only(&self) -> bool {
        self.absent == "1"
    }
    /// The query string that keeps the session and the filter (no flash).
    fn keep(&self, session: u64) -> String {
        let mut s = format!("session={session}");
        if !self.q.trim().is_empty() {
            s.push_str(&format!("&q={}", crate::error::urlencode(self.q.trim())));
        }
        if self.absent_only() {
            s.push_str("&absent=1");
        }
        s
    }
}

pub struct AttRow {
    pub id: u64,
    pub code: String,
    pub name: String,
    /// Empty for official delegates.
    pub kind: String,
    pub present: bool,
}

pub struct AttGroup {
    pub name: String,
    pub present: usize,
    pub total: usize,
    pub rows: Vec<AttRow>,
}

#[derive(Template)]
#[template(path = "polls/attendance_list.html")]
pub struct AttendanceFragment {
    pub tr: Tr,
    pub csrf: String,
    pub session: u64,
    pub session_title: String,
    pub session_meta: String,
    /// "Có mặt 441/449".
    pub count_line: String,
    pub others_line: String,
    pub groups: Vec<AttGroup>,
    pub can_mark: bool,
    pub shown: usize,
    pub filtered: bool,
    pub q: String,
    pub absent: bool,
    pub all_confirm: String,
}

/// The session shown: the one asked for, else the running one, else the next planned, else
/// the last.
fn pick_session(s: &CongressState, asked: &str) -> Option<SessionId> {
    let sessions = s.sessions();
    if let Ok(id) = asked.trim().parse::<u64>()
        && sessions.iter().any(|x| x.id.0 == id)
    {
        return Some(SessionId(id));
    }
    s.running_session()
        .map(|x| x.id)
        .or_else(|| {
            sessions
                .iter()
                .find(|x| x.status == SessionStatus::Planned)
                .map(|x| x.id)
        })
        .or_else(|| sessions.last().map(|x| x.id))
}

fn can_view_attendance(c: &Caller) -> Result<(&Principal, bool), Error> {
    match c.require(Capability::RecordAttendance) {
        Ok(p) => Ok((p, true)),
        Err(Error::Forbidden) => c.require(Capability::ManagePolls).map(|p| (p, false)),
        Err(e) => Err(e),
    }
}

fn attendance_view(c: &Caller, q: &AttQuery) -> Result<Option<AttendanceFragment>, Error> {
    let (p, can_mark) = can_view_attendance(c)?;
    let tr = Tr::new(&c.web, c.lang);
    let cat = &c.web.app.catalogue;
    let needle = text::fold(q.q.trim()).to_lowercase();
    Ok(c.web.app.read(|s| {
        let sid = pick_session(s, &q.session)?;
        let sess = s.session(sid)?;
        let mut delegates: Vec<&Delegate> = s.delegates().collect();
        delegates.sort_by_cached_key(|d| {
            // Delegates without a delegation last.
            (
                d.fields.delegation.is_empty(),
                natural_key(&d.fields.delegation),
                natural_key(&d.fields.code),
            )
        });
        let (mut present_official, mut official, mut present_other, mut other) = (0, 0, 0, 0);
        let mut groups: Vec<AttGroup> = Vec::new();
        let mut shown = 0;
        for d in delegates {
            let present = s.is_present(sid, d.id);
            let is_official = d.fields.kind == DelegateKind::Official;
            if is_official {
                official += 1;
                present_official += usize::from(present);
            } else {
                other += 1;
                present_other += usize::from(present);
            }
            let name = if d.fields.delegation.is_empty() {
                tr.t("attendance.no_delegation")
            } else {
                d.fields.delegation.clone()
            };
            if groups.last().is_none_or(|g| g.name != name) {
                groups.push(AttGroup {
                    name,
                    present: 0,
                    total: 0,
                    rows: Vec::new(),
                });
            }
            let Some(g) = groups.last_mut() else {
                continue;
            };
            g.total += 1;
            g.present += usize::from(present);
            let matches = needle.is_empty()
                || text::fold(&d.fields.full_name)
                    .to_lowercase()
                    .contains(&needle)
                || d.fields.code.to_lowercase().contains(&needle)
                || text::fold(&d.fields.delegation)
                    .to_lowercase()
                    .contains(&needle);
            if !matches || (q.absent_only() && present) {
                continue;
            }
            shown += 1;
            g.rows.push(AttRow {
                id: d.id.0,
                code: d.fields.code.clone(),
                name: d.fields.full_name.clone(),
                kind: if is_official {
                    String::new()
                } else {
                    tr.delegate_kind(&d.fields.kind)
                },
                present,
            });
        }
        groups.retain(|g| !g.rows.is_empty());
        let count_line = cat.format(
            c.lang,
            "attendance.count",
            &[
                ("present", format_count(present_official as u64, c.lang)),
                ("total", format_count(official as u64, c.lang)),
            ],
        );
        let others_line = if other > 0 {
            cat.format(
                c.lang,
                "attendance.others",
                &[
                    ("present", format_count(present_other as u64, c.lang)),
                    ("total", format_count(other as u64, c.lang)),
                ],
            )
        } else {
            String::new()
        };
        Some(AttendanceFragment {
            csrf: p.csrf.clone().unwrap_or_default(),
            session: sid.0,
            session_title: sess.fields.title.clone(),
            session_meta: session_meta(sess, &tr),
            count_line,
            others_line,
            groups,
            can_mark,
            shown,
            filtered: !needle.is_empty() || q.absent_only(),
            q: q.q.trim().to_string(),
            absent: q.absent_only(),
            all_confirm: cat.format(
                c.lang,
                "attendance.all_confirm",
                &[("session", sess.fields.title.clone())],
            ),
            tr: tr.clone(),
        })
    }))
}

/// `/fragments/attendance?session=…&q=…&absent=1`: the list the attendance page shows.
pub fn attendance_fragment(c: &Caller) -> Result<String, Error> {
    let q = c
        .path
        .parse::<Uri>()
        .ok()
        .and_then(|u| Query::<AttQuery>::try_from_uri(&u).ok())
        .map(|Query(q)| q)
        .unwrap_or_default();
    Ok(attendance_view(c, &q)?
        .map(|f| render_string(&f))
        .unwrap_or_default())
}

#[derive(Template)]
#[template(path = "polls/attendance.html")]
struct AttendancePage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    fe: FieldError,
    sessions: Vec<(u64, String, bool)>,
    q: String,
    absent: bool,
    /// The name of the live region: `attendance?session=…` (live.js re-reads
    /// `/fragments/<name>`).
    region: String,
    list: String,
    party: bool,
    can_base: bool,
    base: Option<(String, String)>,
    base_form: (String, String),
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct BaseForm {
    base: String,
    note: String,
}

fn attendance_page(
    c: &Caller,
    q: &AttQuery,
    flash: String,
    err: Option<&Error>,
    typed: Option<BaseForm>,
) -> Response {
    let frag = match attendance_view(c, q) {
        Ok(f) => f,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let can_base = c
        .principal
        .as_ref()
        .is_some_and(|p| p.role.can(Capability::RecordAttendance));
    let (sessions, party, base) = c.web.app.read(|s| {
        let chosen = frag.as_ref().map(|f| f.session);
        let sessions = s
            .sessions()
            .into_iter()
            .map(|x| {
                (
                    x.id.0,
                    format!("{} · {}", x.fields.title, tr.day(&x.fields.date)),
                    Some(x.id.0) == chosen,
                )
            })
            .collect::<Vec<_>>();
        let party = s.kind() == CongressKind::PartyCongress;
        let base = s
            .party_base()
            .map(|(b, n)| (format_count(b, c.lang), n.to_string()));
        (sessions, party, base)
    });
    let session = frag.as_ref().map_or(0, |f| f.session);
    let base_form = match typed {
        Some(f) => (f.base, f.note),
        None => c.web.app.read(|s| {
            s.party_base()
                .map(|(b, n)| (b.to_string(), n.to_string()))
                .unwrap_or_default()
        }),
    };
    let (status, error, fe) = match err {
        Some(e) => (status_of(e), message(c, e), FieldError::of(c, e)),
        None => (StatusCode::OK, String::new(), FieldError::default()),
    };
    let page = AttendancePage {
        chrome: Chrome::new(&c.web, &tr, c.principal.as_ref(), ATTENDANCE),
        flash,
        error,
        fe,
        sessions,
        q: q.q.trim().to_string(),
        absent: q.absent_only(),
        region: format!("attendance?{}", q.keep(session)),
        list: frag.map(|f| render_string(&f)).unwrap_or_default(),
        party,
        can_base,
        base,
        base_form,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn attendance(c: Caller, Query(q): Query<AttQuery>) -> Response {
    let f = flash(&c, &q.ok);
    attendance_page(&c, &q, f, None, None)
}

/// Back to the attendance page with the same session and filter.
fn attendance_back(
    c: &Caller,
    headers: &HeaderMap,
    q: AttQuery,
    session: u64,
    ok: &str,
    anchor: &str,
    r: Result<(), Error>,
) -> Response {
    match (r, is_fetch(headers)) {
        (Ok(()), true) => StatusCode::NO_CONTENT.into_response(),
        (Ok(()), false) => done(&format!("{ATTENDANCE}?{}", q.keep(session)), ok, anchor),
        (Err(e), true) => c.api_err(e).into_response(),
        (Err(e @ (Error::Unauthenticated | Error::Forbidden)), false) => {
            c.page_err(e).into_response()
        }
        (Err(e), false) => {
            let q = AttQuery {
                session: session.to_string(),
                ..q
            };
            attendance_page(c, &q, String::new(), Some(&e), None)
        }
    }
}

async fn attendance_mark(
    c: Caller,
    headers: HeaderMap,
    Path((session, delegate, state)): Path<(String, String, String)>,
    Form(q): Form<AttQuery>,
) -> Response {
    let sid = parse_id(&session, "session");
    let did = parse_id(&delegate, "delegate");
    let present = match state.as_str() {
        "present" => Ok(true),
        "absent" => Ok(false),
        _ => Err(Error::NotFound { what: "page" }),
    };
    let r = match (c.require(Capability::RecordAttendance), &sid, &did, present) {
        (Ok(p), Ok(s), Ok(d), Ok(present)) => {
            let p = p.clone();
            c.web
                .app
                .mark_attendance(&p, SessionId(*s), DelegateId(*d), present)
                .await
        }
        (Err(e), ..) => Err(e),
        (_, Err(e), ..) | (_, _, Err(e), _) => Err(e.clone()),
        (.., Err(e)) => Err(e),
    };
    let anchor = format!("d-{}", did.unwrap_or_default());
    attendance_back(
        &c,
        &headers,
        q,
        sid.unwrap_or_default(),
        "marked",
        &anchor,
        r,
    )
}

async fn attendance_all(
    c: Caller,
    headers: HeaderMap,
    Path(session): Path<String>,
    Form(q): Form<AttQuery>,
) -> Response {
    let sid = parse_id(&session, "session");
    let r = match (c.require(Capability::RecordAttendance), &sid) {
        (Ok(p), Ok(s)) => {
            let p = p.clone();
            let all: Vec<DelegateId> = c.web.app.read(|st| st.delegates().map(|d| d.id).collect());
            c.web
                .app
                .mark_attendance_many(&p, SessionId(*s), &all, true)
                .await
        }
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.clone()),
    };
    attendance_back(
        &c,
        &headers,
        q,
        sid.unwrap_or_default(),
        "all_present",
        "",
        r,
    )
}

async fn base_save(c: Caller, Form(f): Form<BaseForm>) -> Response {
    let p = match c.require(Capability::RecordAttendance) {
        Ok(p) => p.clone(),
        Err(e) => return c.page_err(e).into_response(),
    };
    let r = match f.base.trim().parse::<u64>() {
        Ok(b) => c.web.app.record_base(&p, b, &f.note).await,
        Err(_) => Err(Error::invalid("base", "invalid_count")),
    };
    match r {
        Ok(()) => done(ATTENDANCE, "base_saved", "base"),
        Err(e) => attendance_page(&c, &AttQuery::default(), String::new(), Some(&e), Some(f)),
    }
}

#[cfg(test)]
mod tests;
