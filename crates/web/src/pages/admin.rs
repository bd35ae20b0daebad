//! Organiser pages ("no code" setup): dashboard, congress, program, delegates, accounts,
//! audit. Server-rendered and usable without JavaScript. Each POST parses its form, calls
//! one use case and redirects back (303) with `?ok=<key>`; on error the same page is
//! rendered again with the translated message (naming the field) and the user's input.
//! Destructive actions ask for confirmation with a `<details>` box, which needs no script.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daihoi_app::Principal;
use daihoi_domain::model::*;
use daihoi_domain::state::{CongressInput, Direction, ItemInput, SessionInput, natural_key};
use daihoi_domain::{Capability, CongressState, Error, Role, text};
use serde::Deserialize;

use crate::Web;
use crate::error::{PageError, RowProblemBody, row_problems, status_of, urlencode};
use crate::extract::Caller;
use crate::views::{Chrome, Tr, render, session_meta};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/congress", get(congress_form).post(congress_save))
        .route("/admin/program", get(program))
        .route("/admin/program/session", post(session_add))
        .route("/admin/program/session/{id}", post(session_edit))
        .route("/admin/program/session/{id}/remove", post(session_remove))
        .route("/admin/program/session/{id}/move", post(session_move))
        .route("/admin/program/session/{id}/item", post(item_add))
        .route("/admin/program/item/{id}", post(item_edit))
        .route("/admin/program/item/{id}/remove", post(item_remove))
        .route("/admin/program/item/{id}/move", post(item_move))
        .route("/admin/delegates", get(delegates))
        .route("/admin/delegates/import", post(delegates_import))
        .route("/admin/delegates/template.csv", get(delegates_template))
        .route("/admin/delegates/badges.pdf", get(delegates_badges))
        .route("/admin/delegates/{id}", get(delegate_detail))
        .route("/admin/delegates/{id}/badge.pdf", get(delegate_badge))
        .route("/admin/delegates/{id}/revoke-qr", post(delegate_revoke_qr))
        .route("/admin/accounts", get(accounts).post(account_create))
        .route("/admin/accounts/{id}", post(account_edit))
        .route("/admin/accounts/{id}/password", post(account_password))
        .route("/admin/accounts/{id}/revoke", post(account_revoke))
        .route("/admin/tokens", post(token_create))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
        .route("/admin/audit", get(audit))
}

// ----- shared -------------------------------------------------------------------------

/// The signed-in principal with the capability, or the response that refuses (sign-in
/// redirect back to `page`, or the 403 page; boxed, as the refusal is the rare path).
fn allow(c: &Caller, cap: Capability, page: &str) -> Result<Principal, Box<Response>> {
    c.require(cap)
        .cloned()
        .map_err(|e| Box::new(refuse(c, e, page)))
}

fn refuse(c: &Caller, err: Error, page: &str) -> Response {
    PageError {
        web: c.web.clone(),
        lang: c.lang,
        err,
        path: page.to_string(),
    }
    .into_response()
}

/// Translation handle and page frame. `page` is the GET address of the page shown (a
/// re-rendered POST shows its page, whose address the language switch must return to).
fn frame(c: &Caller, page: &str) -> (Tr, Chrome) {
    let tr = Tr::new(&c.web, c.lang);
    let chrome = Chrome::new(&c.web, &tr, c.principal.as_ref(), page);
    (tr, chrome)
}

fn fmt(c: &Caller, key: &str, args: &[(&str, String)]) -> String {
    c.web.app.catalogue.format(c.lang, key, args)
}

fn message(c: &Caller, e: &Error) -> String {
    c.web.app.catalogue.error(c.lang, e)
}

/// `?ok=<key>` after a successful POST; import counts ride along.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OkQuery {
    ok: String,
    /// The element acted on (`s-4`, `i-7`, `a-3`, `qr`): the flash is shown beside it,
    /// where the browser scrolls back to.
    at: String,
    created: String,
    updated: String,
    unchanged: String,
}

impl OkQuery {
    /// The `at` element id, when it is a plain id.
    fn at(&self) -> &str {
        let ok = self.at.len() <= 40
            && self
                .at
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok { &self.at } else { "" }
    }
}

/// Show `flash` beside the element whose anchor is `at` (and not at the top of the page)
/// when `place` finds it.
fn place_flash(flash: &mut String, at: &str, place: impl FnOnce(&str, String) -> bool) {
    if !flash.is_empty() && !at.is_empty() && place(at, flash.clone()) {
        flash.clear();
    }
}

/// A flash key is a catalogue key under `admin.ok.`; anything else shows nothing.
fn flash_key(ok: &str) -> Option<String> {
    let valid =
        !ok.is_empty() && ok.len() <= 40 && ok.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    valid.then(|| format!("admin.ok.{ok}"))
}

fn flash(c: &Caller, q: &OkQuery) -> String {
    let Some(key) = flash_key(&q.ok) else {
        return String::new();
    };
    if !c.web.app.catalogue.has(c.lang, &key) {
        return String::new();
    }
    let n = |s: &str| s.parse::<u64>().unwrap_or(0).to_string();
    fmt(
        c,
        &key,
        &[
            ("created", n(&q.created)),
            ("updated", n(&q.updated)),
            ("unchanged", n(&q.unchanged)),
        ],
    )
}

/// 303 back to `page` with the flash key (and the element to scroll back to, where the
/// flash is then shown).
fn done(page: &str, ok: &str, anchor: &str) -> Response {
    Redirect::to(&done_url(page, ok, anchor)).into_response()
}

fn done_url(page: &str, ok: &str, anchor: &str) -> String {
    let sep = if page.contains('?') { '&' } else { '?' };
    if anchor.is_empty() {
        format!("{page}{sep}ok={ok}")
    } else {
        format!("{page}{sep}ok={ok}&at={anchor}#{anchor}")
    }
}

fn parse_id(s: &str, what: &'static str) -> Result<u64, Error> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| Error::NotFound { what })
}

fn direction(s: &str) -> Result<Direction, Error> {
    match s.trim() {
        "up" => Ok(Direction::Up),
        "down" => Ok(Direction::Down),
        _ => Err(Error::invalid("body", "invalid_choice")),
    }
}

/// A date as an `<input type=date>` needs it (yyyy-mm-dd) when it can be read, else as typed.
fn iso_or_raw(s: &str) -> String {
    text::parse_date(s)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| s.trim().to_string())
}

fn dmy(d: &Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// The sign-in QR as inline SVG (without the XML declaration, which has no place in HTML).
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .build();
            strip_xml_declaration(&svg).to_string()
        }
        Err(e) => {
            tracing::warn!(error = %e, "QR code not rendered");
            String::new()
        }
    }
}

fn strip_xml_declaration(svg: &str) -> &str {
    match (svg.trim_start().starts_with("<?xml"), svg.find("?>")) {
        (true, Some(end)) => svg[end + 2..].trim_start(),
        _ => svg,
    }
}

/// File names in Content-Disposition: ASCII letters, digits, '-' and '_' only.
fn safe_file_part(s: &str) -> String {
    let v: String = text::fold(s)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let v = v.trim_matches('-').to_string();
    if v.is_empty() { "dai-bieu".into() } else { v }
}

fn download(bytes: Vec<u8>, content_type: &'static str, disposition: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

// ----- dashboard ----------------------------------------------------------------------

struct Stat {
    label: String,
    value: usize,
    note: String,
}

struct Shortcut {
    href: &'static str,
    title: String,
    text: String,
}

struct NowView {
    running: bool,
    title: String,
    meta: String,
    item: String,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    name: String,
    place: String,
    dates: String,
    kind: String,
    configured: bool,
    stats: Vec<Stat>,
    now: Option<NowView>,
    shortcuts: Vec<Shortcut>,
    can_congress: bool,
}

async fn dashboard(c: Caller, Query(q): Query<OkQuery>) -> Response {
    let p = match allow(&c, Capability::EditProgram, "/admin") {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (tr, chrome) = frame(&c, "/admin");
    let t = |k: &str| tr.t(k);
    let (info, stats, now) = c.web.app.read(|s| {
        let info = s.info.as_ref().map(|i| {
            let dates = format!("{} – {}", tr.day(&i.starts_on), tr.day(&i.ends_on));
            (i.name.clone(), i.place.clone(), dates, tr.kind(&i.kind))
        });
        let by_kind = |k: DelegateKind| s.delegates().filter(|d| d.fields.kind == k).count();
        let sessions = s.sessions();
        let count_status = |st: SessionStatus| sessions.iter().filter(|x| x.status == st).count();
        let items: usize = sessions.iter().map(|x| s.items_of(x.id).len()).sum();
        let accounts: Vec<&Account> = s.accounts().collect();
        let active = accounts.iter().filter(|a| a.active).count();
        let stats = vec![
            Stat {
                label: t("admin.dash.delegates"),
                value: s.delegate_count(),
                note: format!(
                    "{} {} · {} {} · {} {}",
                    by_kind(DelegateKind::Official),
                    t("admin.dash.official"),
                    by_kind(DelegateKind::Alternate),
                    t("admin.dash.alternate"),
                    by_kind(DelegateKind::Invited),
                    t("admin.dash.invited")
                ),
            },
            Stat {
                label: t("admin.dash.delegations"),
                value: s.delegations().len(),
                note: String::new(),
            },
            Stat {
                label: t("admin.dash.groups"),
                value: s.groups().len(),
                note: String::new(),
            },
            Stat {
                label: t("admin.dash.sessions"),
                value: sessions.len(),
                note: format!(
                    "{} {} · {} {} · {} {}",
                    count_status(SessionStatus::Ended),
                    t("admin.dash.ended"),
                    count_status(SessionStatus::Running),
                    t("admin.dash.running"),
                    count_status(SessionStatus::Planned),
                    t("admin.dash.planned")
                ),
            },
            Stat {
                label: t("admin.dash.items"),
                value: items,
                note: String::new(),
            },
            Stat {
                label: t("admin.dash.accounts"),
                value: accounts.len(),
                note: format!("{} {}", active, t("admin.dash.active")),
            },
        ];
        let now = if let Some(run) = s.running_session() {
            Some(NowView {
                running: true,
                title: run.fields.title.clone(),
                meta: session_meta(run, &tr),
                item: s
                    .current_item()
                    .map(|i| i.fields.title.clone())
                    .unwrap_or_default(),
            })
        } else {
            sessions
                .iter()
                .find(|x| x.status == SessionStatus::Planned)
                .map(|next| NowView {
                    running: false,
                    title: next.fields.title.clone(),
                    meta: session_meta(next, &tr),
                    item: String::new(),
                })
        };
        (info, stats, now)
    });
    let mut shortcuts = Vec::new();
    let mut add = |cap: Capability, href: &'static str, key: &str| {
        if p.role.can(cap) {
            shortcuts.push(Shortcut {
                href,
                title: t(&format!("admin.dash.go.{key}")),
                text: t(&format!("admin.dash.go.{key}_text")),
            });
        }
    };
    add(Capability::ManageCongress, "/admin/congress", "congress");
    add(Capability::EditProgram, "/admin/program", "program");
    add(Capability::ViewDelegates, "/admin/delegates", "delegates");
    add(Capability::ManageAccounts, "/admin/accounts", "accounts");
    add(Capability::ViewAudit, "/admin/audit", "audit");
    add(Capability::RunSession, "/console", "console");
    add(Capability::ViewProgram, "/hall", "hall");
    let configured = info.is_some();
    let (name, place, dates, kind) = info.unwrap_or_default();
    let page = DashboardPage {
        flash: flash(&c, &q),
        error: String::new(),
        error_anchor: String::new(),
        name,
        place,
        dates,
        kind,
        configured,
        stats,
        now,
        shortcuts,
        can_congress: p.role.can(Capability::ManageCongress),
        chrome,
        tr,
    };
    render(&page)
}

// ----- congress -----------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CongressForm {
    name: String,
    place: String,
    starts_on: String,
    ends_on: String,
    kind: String,
}

impl CongressForm {
    fn input(&self) -> CongressInput {
        CongressInput {
            name: self.name.clone(),
            place: self.place.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            kind: self.kind.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/congress.html")]
struct CongressPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    form: CongressForm,
    kinds: Vec<(String, String)>,
    sessions: usize,
}

fn congress_page(
    c: &Caller,
    form: Option<CongressForm>,
    flash: String,
    error: String,
    status: StatusCode,
) -> Response {
    let (tr, chrome) = frame(c, "/admin/congress");
    let (stored, sessions) = c.web.app.read(|s| {
        let f = s.info.as_ref().map(|i| CongressForm {
            name: i.name.clone(),
            place: i.place.clone(),
            starts_on: i.starts_on.format("%Y-%m-%d").to_string(),
            ends_on: i.ends_on.format("%Y-%m-%d").to_string(),
            kind: i.kind.as_str().to_string(),
        });
        (f, s.sessions().len())
    });
    let form = match form {
        Some(mut f) => {
            f.starts_on = iso_or_raw(&f.starts_on);
            f.ends_on = iso_or_raw(&f.ends_on);
            f
        }
        None => stored.unwrap_or_else(|| CongressForm {
            kind: CongressKind::PartyCongress.as_str().into(),
            ..Default::default()
        }),
    };
    let kinds = CongressKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), tr.kind(k)))
        .collect();
    let page = CongressPage {
        flash,
        error,
        error_anchor: String::new(),
        form,
        kinds,
        sessions,
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn congress_form(c: Caller, Query(q): Query<OkQuery>) -> Response {
    if let Err(r) = allow(&c, Capability::ManageCongress, "/admin/congress") {
        return *r;
    }
    congress_page(&c, None, flash(&c, &q), String::new(), StatusCode::OK)
}

async fn congress_save(c: Caller, Form(f): Form<CongressForm>) -> Response {
    let p = match allow(&c, Capability::ManageCongress, "/admin/congress") {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match c.web.app.configure_congress(&p, &f.input()).await {
        Ok(()) => done("/admin/congress", "congress_saved", ""),
        Err(e) => congress_page(&c, Some(f), String::new(), message(&c, &e), status_of(&e)),
    }
}

// ----- program ------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SessionForm {
    date: String,
    title: String,
    kind: String,
    starts_at: String,
    ends_at: String,
    location: String,
}

impl SessionForm {
    fn input(&self) -> SessionInput {
        SessionInput {
            date: self.date.clone(),
            title: self.title.clone(),
            kind: self.kind.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            location: self.location.clone(),
        }
    }
    fn of(f: &SessionFields) -> SessionForm {
        let hm = |t: Option<chrono::NaiveTime>| {
            t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
        };
        SessionForm {
            date: f.date.format("%Y-%m-%d").to_string(),
            title: f.title.clone(),
            kind: f.kind.as_str().to_string(),
            starts_at: hm(f.starts_at),
            ends_at: hm(f.ends_at),
            location: f.location.clone(),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ItemForm {
    title: String,
    presenter: String,
    notes: String,
}

impl ItemForm {
    fn input(&self) -> ItemInput {
        ItemInput {
            title: self.title.clone(),
            presenter: self.presenter.clone(),
            notes: self.notes.clone(),
        }
    }
    fn of(f: &ItemFields) -> ItemForm {
        ItemForm {
            title: f.title.clone(),
            presenter: f.presenter.clone(),
            notes: f.notes.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MoveForm {
    dir: String,
}

/// Which program form failed, with what the user typed.
#[derive(Default)]
enum ProgramFailure {
    #[default]
    None,
    AddSession(SessionForm),
    EditSession(u64, SessionForm),
    Session(u64),
    AddItem(u64, ItemForm),
    EditItem(u64, ItemForm),
    Item(u64),
}

impl ProgramFailure {
    fn anchor(&self) -> String {
        match self {
            ProgramFailure::None => String::new(),
            ProgramFailure::AddSession(f) => format!("new-s-{}", f.date),
            ProgramFailure::EditSession(id, _) | ProgramFailure::Session(id) => format!("s-{id}"),
            ProgramFailure::AddItem(id, _) => format!("new-i-{id}"),
            ProgramFailure::EditItem(id, _) | ProgramFailure::Item(id) => format!("i-{id}"),
        }
    }
}

struct ItemEdit {
    id: u64,
    n: usize,
    title: String,
    presenter: String,
    notes: String,
    current: bool,
    first: bool,
    last: bool,
    form: ItemForm,
    open: bool,
    error: String,
    remove_confirm: String,
    flash: String,
}

struct SessionEdit {
    id: u64,
    title: String,
    kind_label: String,
    meta: String,
    status: String,
    status_label: String,
    planned: bool,
    first: bool,
    last: bool,
    form: SessionForm,
    open: bool,
    error: String,
    items: Vec<ItemEdit>,
    add_item: ItemForm,
    add_item_open: bool,
    add_item_error: String,
    remove_confirm: String,
    flash: String,
}

struct DayEdit {
    iso: String,
    label: String,
    sessions: Vec<SessionEdit>,
    add: SessionForm,
    add_open: bool,
    add_error: String,
}

#[derive(Template)]
#[template(path = "admin/program.html")]
struct ProgramAdminPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    configured: bool,
    days: Vec<DayEdit>,
    day_options: Vec<(String, String)>,
    session_kinds: Vec<(String, String)>,
}

/// A session's time and place, without its day (it is listed under its day).
fn session_when(sess: &Session) -> String {
    let f = &sess.fields;
    let mut parts = Vec::new();
    match (f.starts_at, f.ends_at) {
        (Some(a), Some(b)) => parts.push(format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"))),
        (Some(a), None) => parts.push(a.format("%H:%M").to_string()),
        _ => {}
    }
    if !f.location.is_empty() {
        parts.push(f.location.clone());
    }
    parts.join(" · ")
}

fn build_program(
    c: &Caller,
    s: &CongressState,
    tr: &Tr,
    failed: &ProgramFailure,
    error: &str,
) -> Vec<DayEdit> {
    let days = s.days();
    let first_day = days
        .first()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    days.iter()
        .map(|d| {
            let iso = d.format("%Y-%m-%d").to_string();
            let sessions = s.sessions_on(*d);
            let n_sessions = sessions.len();
            let sessions = sessions
                .into_iter()
                .enumerate()
                .map(|(si, sess)| {
                    let sid = sess.id.0;
                    let items = s.items_of(sess.id);
                    let n_items = items.len();
                    let items = items
                        .into_iter()
                        .enumerate()
                        .map(|(ii, it)| {
                            let (form, open, err) = match failed {
                                ProgramFailure::EditItem(id, f) if *id == it.id.0 => {
                                    (f.clone(), true, error.to_string())
                                }
                                ProgramFailure::Item(id) if *id == it.id.0 => {
                                    (ItemForm::of(&it.fields), true, error.to_string())
                                }
                                _ => (ItemForm::of(&it.fields), false, String::new()),
                            };
                            ItemEdit {
                                id: it.id.0,
                                n: ii + 1,
                                title: it.fields.title.clone(),
                                presenter: it.fields.presenter.clone(),
                                notes: it.fields.notes.clone(),
                                current: s.live.item == Some(it.id),
                                first: ii == 0,
                                last: ii + 1 == n_items,
                                form,
                                open,
                                error: err,
                                remove_confirm: fmt(
                                    c,
                                    "admin.program.remove_item_confirm",
                                    &[("title", it.fields.title.clone())],
                                ),
                                flash: String::new(),
                            }
                        })
                        .collect();
                    let (form, open, err) = match failed {
                        ProgramFailure::EditSession(id, f) if *id == sid => {
                            (f.clone(), true, error.to_string())
                        }
                        ProgramFailure::Session(id) if *id == sid => {
                            (SessionForm::of(&sess.fields), true, error.to_string())
                        }
                        _ => (SessionForm::of(&sess.fields), false, String::new()),
                    };
                    let (add_item, add_item_open, add_item_error) = match failed {
                        ProgramFailure::AddItem(id, f) if *id == sid => {
                            (f.clone(), true, error.to_string())
                        }
                        _ => (ItemForm::default(), false, String::new()),
                    };
                    SessionEdit {
                        id: sid,
                        title: sess.fields.title.clone(),
                        kind_label: tr.session_kind(&sess.fields.kind),
                        meta: session_when(sess),
                        status: sess.status.as_str().to_string(),
                        status_label: tr.status(&sess.status),
                        planned: sess.status == SessionStatus::Planned,
                        first: si == 0,
                        last: si + 1 == n_sessions,
                        form,
                        open,
                        error: err,
                        items,
                        add_item,
                        add_item_open,
                        add_item_error,
                        remove_confirm: fmt(
                            c,
                            "admin.program.remove_session_confirm",
                            &[
                                ("title", sess.fields.title.clone()),
                                ("count", n_items.to_string()),
                            ],
                        ),
                        flash: String::new(),
                    }
                })
                .collect();
            let (add, add_open, add_error) = match failed {
                ProgramFailure::AddSession(f)
                    if f.date == iso
                        || (!days
                            .iter()
                            .any(|x| x.format("%Y-%m-%d").to_string() == f.date)
                            && iso == first_day) =>
                {
                    (f.clone(), true, error.to_string())
                }
                _ => (
                    SessionForm {
                        date: iso.clone(),
                        kind: SessionKind::Plenary.as_str().into(),
                        ..Default::default()
                    },
                    false,
                    String::new(),
                ),
            };
            DayEdit {
                label: tr.day(d),
                iso,
                sessions,
                add,
                add_open,
                add_error,
            }
        })
        .collect()
}

fn program_page(
    c: &Caller,
    failed: ProgramFailure,
    (mut flash, at): (String, &str),
    error: String,
    status: StatusCode,
) -> Response {
    let (tr, chrome) = frame(c, "/admin/program");
    let (configured, mut days, day_options) = c.web.app.read(|s| {
        let days = build_program(c, s, &tr, &failed, &error);
        let options = s
            .days()
            .iter()
            .map(|d| (d.format("%Y-%m-%d").to_string(), tr.day(d)))
            .collect();
        (s.is_configured(), days, options)
    });
    place_flash(&mut flash, at, |at, text| {
        let sessions = days.iter_mut().flat_map(|d| d.sessions.iter_mut());
        for sess in sessions {
            if at == format!("s-{}", sess.id) {
                sess.flash = text;
                return true;
            }
            if let Some(item) = sess.items.iter_mut().find(|i| at == format!("i-{}", i.id)) {
                item.flash = text;
                return true;
            }
        }
        false
    });
    let session_kinds = SessionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), tr.session_kind(k)))
        .collect();
    let page = ProgramAdminPage {
        flash,
        error_anchor: if error.is_empty() {
            String::new()
        } else {
            failed.anchor()
        },
        error,
        configured,
        days,
        day_options,
        session_kinds,
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

const PROGRAM: &str = "/admin/program";

async fn program(c: Caller, Query(q): Query<OkQuery>) -> Response {
    if let Err(r) = allow(&c, Capability::EditProgram, PROGRAM) {
        return *r;
    }
    program_page(
        &c,
        ProgramFailure::None,
        (flash(&c, &q), q.at()),
        String::new(),
        StatusCode::OK,
    )
}

/// After a program POST: back to the program at `anchor`, or the page again with the error.
fn program_result(
    c: &Caller,
    r: Result<(), Error>,
    ok: &str,
    anchor: String,
    failed: ProgramFailure,
) -> Response {
    match r {
        Ok(()) => done(PROGRAM, ok, &anchor),
        Err(e) => program_page(
            c,
            failed,
            (String::new(), ""),
            message(c, &e),
            status_of(&e),
        ),
    }
}

async fn session_add(c: Caller, Form(f): Form<SessionForm>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match c.web.app.add_session(&p, &f.input()).await {
        Ok(id) => done(PROGRAM, "session_added", &format!("s-{id}")),
        Err(e) => program_page(
            &c,
            ProgramFailure::AddSession(f),
            (String::new(), ""),
            message(&c, &e),
            status_of(&e),
        ),
    }
}

async fn session_edit(c: Caller, Path(id): Path<String>, Form(f): Form<SessionForm>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "session");
    let r = match &id {
        Ok(id) => c.web.app.edit_session(&p, SessionId(*id), &f.input()).await,
        Err(e) => Err(e.clone()),
    };
    let id = id.unwrap_or_default();
    program_result(
        &c,
        r,
        "session_saved",
        format!("s-{id}"),
        ProgramFailure::EditSession(id, f),
    )
}

async fn session_remove(c: Caller, Path(id): Path<String>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "session");
    let r = match &id {
        Ok(id) => c.web.app.remove_session(&p, SessionId(*id)).await,
        Err(e) => Err(e.clone()),
    };
    program_result(
        &c,
        r,
        "session_removed",
        String::new(),
        ProgramFailure::Session(id.unwrap_or_default()),
    )
}

async fn session_move(c: Caller, Path(id): Path<String>, Form(f): Form<MoveForm>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "session");
    let r = match (&id, direction(&f.dir)) {
        (Ok(id), Ok(dir)) => c.web.app.move_session(&p, SessionId(*id), dir).await,
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => Err(e),
    };
    let id = id.unwrap_or_default();
    program_result(
        &c,
        r,
        "moved",
        format!("s-{id}"),
        ProgramFailure::Session(id),
    )
}

async fn item_add(c: Caller, Path(id): Path<String>, Form(f): Form<ItemForm>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let sid = parse_id(&id, "session");
    let r = match &sid {
        Ok(sid) => c.web.app.add_item(&p, SessionId(*sid), &f.input()).await,
        Err(e) => Err(e.clone()),
    };
    let sid = sid.unwrap_or_default();
    match r {
        Ok(item) => done(PROGRAM, "item_added", &format!("i-{item}")),
        Err(e) => program_page(
            &c,
            ProgramFailure::AddItem(sid, f),
            (String::new(), ""),
            message(&c, &e),
            status_of(&e),
        ),
    }
}

async fn item_edit(c: Caller, Path(id): Path<String>, Form(f): Form<ItemForm>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "agenda_item");
    let r = match &id {
        Ok(id) => c.web.app.edit_item(&p, ItemId(*id), None, &f.input()).await,
        Err(e) => Err(e.clone()),
    };
    let id = id.unwrap_or_default();
    program_result(
        &c,
        r,
        "item_saved",
        format!("i-{id}"),
        ProgramFailure::EditItem(id, f),
    )
}

async fn item_remove(c: Caller, Path(id): Path<String>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "agenda_item");
    // Back to the session the item was in.
    let session = id.as_ref().ok().and_then(|id| {
        c.web
            .app
            .read(|s| s.item(ItemId(*id)).map(|i| i.session_id.0))
    });
    let r = match &id {
        Ok(id) => c.web.app.remove_item(&p, ItemId(*id)).await,
        Err(e) => Err(e.clone()),
    };
    let anchor = session.map(|s| format!("s-{s}")).unwrap_or_default();
    program_result(
        &c,
        r,
        "item_removed",
        anchor,
        ProgramFailure::Item(id.unwrap_or_default()),
    )
}

async fn item_move(c: Caller, Path(id): Path<String>, Form(f): Form<MoveForm>) -> Response {
    let p = match allow(&c, Capability::EditProgram, PROGRAM) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "agenda_item");
    let r = match (&id, direction(&f.dir)) {
        (Ok(id), Ok(dir)) => c.web.app.move_item(&p, ItemId(*id), dir).await,
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => Err(e),
    };
    let id = id.unwrap_or_default();
    program_result(&c, r, "moved", format!("i-{id}"), ProgramFailure::Item(id))
}

// ----- delegates ----------------------------------------------------------------------

const DELEGATES: &str = "/admin/delegates";
/// Rows per page of the delegate list.
const PAGE_SIZE: usize = 100;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct DelegateQuery {
    q: String,
    delegation: String,
    group: String,
    kind: String,
    page: String,
}

impl DelegateQuery {
    /// The query string of this filter on another page (empty values left out).
    fn href(&self, page: usize) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("delegation", &self.delegation),
            ("group", &self.group),
            ("kind", &self.kind),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", urlencode(v.trim())));
            }
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            DELEGATES.to_string()
        } else {
            format!("{DELEGATES}?{}", parts.join("&"))
        }
    }
    fn is_filtered(&self) -> bool {
        [&self.q, &self.delegation, &self.group, &self.kind]
            .iter()
            .any(|v| !v.trim().is_empty())
    }
}

/// Does the delegate match the search text (name or code, accents and case ignored) and
/// the chosen delegation, group and kind?
fn delegate_matches(d: &DelegateFields, q: &DelegateQuery) -> bool {
    let needle = text::fold(q.q.trim());
    let text_ok = needle.is_empty()
        || text::fold(&d.full_name).contains(&needle)
        || text::fold(&d.code).contains(&needle);
    text_ok
        && (q.delegation.is_empty() || d.delegation == q.delegation)
        && (q.group.is_empty() || d.group == q.group)
        && (q.kind.is_empty() || d.kind.as_str() == q.kind)
}

/// (first index, end index, page number clamped, number of pages) of a 1-based page.
fn page_bounds(total: usize, page: usize, size: usize) -> (usize, usize, usize, usize) {
    let pages = total.div_ceil(size).max(1);
    let page = page.clamp(1, pages);
    let start = (page - 1) * size;
    (start.min(total), (start + size).min(total), page, pages)
}

struct DelegateRow {
    id: u64,
    code: String,
    name: String,
    gender: String,
    birth: String,
    delegation: String,
    group: String,
    kind: String,
    kind_class: String,
}

#[derive(Template)]
#[template(path = "admin/delegates.html")]
struct DelegatesPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    problems: Vec<RowProblemBody>,
    can_manage: bool,
    total: usize,
    counts: Vec<(String, usize)>,
    q: DelegateQuery,
    filtered: bool,
    delegations: Vec<String>,
    groups: Vec<String>,
    kinds: Vec<(String, String)>,
    rows: Vec<DelegateRow>,
    showing: String,
    prev_href: String,
    next_href: String,
    page_label: String,
}

struct DelegatesNotice {
    flash: String,
    error: String,
    problems: Vec<RowProblemBody>,
}

fn delegates_page(
    c: &Caller,
    p: &Principal,
    q: DelegateQuery,
    notice: DelegatesNotice,
    status: StatusCode,
) -> Response {
    let (tr, chrome) = frame(c, &q.href(1));
    let kinds_all = [
        DelegateKind::Official,
        DelegateKind::Alternate,
        DelegateKind::Invited,
    ];
    let (total, counts, delegations, groups, matched) = c.web.app.read(|s| {
        let counts: Vec<(String, usize)> = kinds_all
            .iter()
            .map(|k| {
                (
                    tr.delegate_kind(k),
                    s.delegates().filter(|d| d.fields.kind == *k).count(),
                )
            })
            .collect();
        let mut list: Vec<&Delegate> = s
            .delegates()
            .filter(|d| delegate_matches(&d.fields, &q))
            .collect();
        list.sort_by_cached_key(|d| natural_key(&d.fields.code));
        let rows: Vec<DelegateRow> = list
            .into_iter()
            .map(|d| DelegateRow {
                id: d.id.0,
                code: d.fields.code.clone(),
                name: d.fields.full_name.clone(),
                gender: tr.gender(&d.fields.gender),
                birth: dmy(&d.fields.birth_date),
                delegation: d.fields.delegation.clone(),
                group: d.fields.group.clone(),
                kind: tr.delegate_kind(&d.fields.kind),
                kind_class: d.fields.kind.as_str().to_string(),
            })
            .collect();
        (
            s.delegate_count(),
            counts,
            s.delegations(),
            s.groups(),
            rows,
        )
    });
    let n = matched.len();
    let (start, end, page, pages) = page_bounds(n, q.page.trim().parse().unwrap_or(1), PAGE_SIZE);
    let rows: Vec<DelegateRow> = matched.into_iter().skip(start).take(end - start).collect();
    let showing = if n == 0 {
        String::new()
    } else {
        fmt(
            c,
            "admin.delegates.showing",
            &[
                ("from", (start + 1).to_string()),
                ("to", end.to_string()),
                ("count", n.to_string()),
            ],
        )
    };
    let page_label = if pages > 1 {
        fmt(
            c,
            "admin.delegates.page",
            &[("page", page.to_string()), ("pages", pages.to_string())],
        )
    } else {
        String::new()
    };
    let page = DelegatesPage {
        flash: notice.flash,
        error: notice.error,
        error_anchor: String::new(),
        problems: notice.problems,
        can_manage: p.role.can(Capability::ManageDelegates),
        total,
        counts,
        filtered: q.is_filtered(),
        prev_href: if page > 1 {
            q.href(page - 1)
        } else {
            String::new()
        },
        next_href: if page < pages {
            q.href(page + 1)
        } else {
            String::new()
        },
        q,
        delegations,
        groups,
        kinds: kinds_all
            .iter()
            .map(|k| (k.as_str().to_string(), tr.delegate_kind(k)))
            .collect(),
        rows,
        showing,
        page_label,
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn delegates(
    c: Caller,
    Query(ok): Query<OkQuery>,
    Query(q): Query<DelegateQuery>,
) -> Response {
    let p = match allow(&c, Capability::ViewDelegates, DELEGATES) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let notice = DelegatesNotice {
        flash: flash(&c, &ok),
        error: String::new(),
        problems: Vec::new(),
    };
    delegates_page(&c, &p, q, notice, StatusCode::OK)
}

/// The uploaded file of the import form: (file name, bytes).
async fn upload(mp: Result<Multipart, MultipartRejection>) -> Result<(String, Vec<u8>), Error> {
    // Not a multipart request: no file arrived.
    let mut mp = mp.map_err(|_| Error::invalid("file", "required"))?;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(|e| upload_error(e.status()))?;
                if name.is_empty() && bytes.is_empty() {
                    return Err(Error::invalid("file", "required"));
                }
                return Ok((name, bytes.to_vec()));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Err(Error::invalid("file", "required")),
            Err(e) => return Err(upload_error(e.status())),
        }
    }
}

/// A broken upload: too large, or cut off on the way (the parser's own text is English
/// and technical, so the user sees a translated sentence instead).
fn upload_error(status: StatusCode) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Error::TooLarge { limit_bytes: 0 }
    } else {
        Error::invalid("file", "upload_failed")
    }
}

async fn delegates_import(c: Caller, mp: Result<Multipart, MultipartRejection>) -> Response {
    let p = match allow(&c, Capability::ManageDelegates, DELEGATES) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r = match upload(mp).await {
        Ok((name, bytes)) => c.web.app.import_delegates(&p, &name, &bytes).await,
        Err(Error::TooLarge { .. }) => Err(Error::TooLarge {
            limit_bytes: c.web.opts.max_body_bytes as u64,
        }),
        Err(e) => Err(e),
    };
    match r {
        Ok(sum) => Redirect::to(&format!(
            "{DELEGATES}?ok=imported&created={}&updated={}&unchanged={}",
            sum.created, sum.updated, sum.unchanged
        ))
        .into_response(),
        Err(e) => {
            let notice = DelegatesNotice {
                flash: String::new(),
                error: message(&c, &e),
                problems: row_problems(&c.web, c.lang, &e),
            };
            delegates_page(&c, &p, DelegateQuery::default(), notice, status_of(&e))
        }
    }
}

async fn delegates_template(c: Caller) -> Response {
    if let Err(r) = allow(&c, Capability::ManageDelegates, DELEGATES) {
        return *r;
    }
    download(
        daihoi_data::import::template_csv(),
        "text/csv; charset=utf-8",
        "attachment; filename=\"mau-danh-sach-dai-bieu.csv\"",
    )
}

/// Badges as PDF, made off the async threads (a few hundred pages take a moment).
async fn badges(
    c: &Caller,
    p: Principal,
    only: Option<Vec<DelegateId>>,
    file: String,
    back: &str,
) -> Response {
    let app = c.web.app.clone();
    let made = tokio::task::spawn_blocking(move || app.badges_pdf(&p, only.as_deref())).await;
    match made {
        Ok(Ok(pdf)) => download(
            pdf,
            "application/pdf",
            &format!("inline; filename=\"{file}\""),
        ),
        Ok(Err(e)) => refuse(c, e, back),
        Err(e) => refuse(c, Error::Storage(format!("badge task: {e}")), back),
    }
}

async fn delegates_badges(c: Caller) -> Response {
    let p = match allow(&c, Capability::ManageDelegates, DELEGATES) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    badges(&c, p, None, "the-bieu-dai-bieu.pdf".into(), DELEGATES).await
}

async fn delegate_badge(c: Caller, Path(id): Path<String>) -> Response {
    let back = format!("{DELEGATES}/{id}");
    let p = match allow(&c, Capability::ManageDelegates, &back) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let found = parse_id(&id, "delegate").and_then(|id| {
        c.web
            .app
            .read(|s| {
                s.delegate(DelegateId(id))
                    .map(|d| (d.id, d.fields.code.clone()))
            })
            .ok_or(Error::NotFound { what: "delegate" })
    });
    match found {
        Ok((id, code)) => {
            badges(
                &c,
                p,
                Some(vec![id]),
                format!("the-dai-bieu-{}.pdf", safe_file_part(&code)),
                &back,
            )
            .await
        }
        Err(e) => refuse(&c, e, &back),
    }
}

struct FieldRow {
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "admin/delegate.html")]
struct DelegatePage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    id: u64,
    name: String,
    code: String,
    kind: String,
    kind_class: String,
    fields: Vec<FieldRow>,
    extra: Vec<FieldRow>,
    can_manage: bool,
    qr: String,
    url: String,
    revoked_times: u32,
    revoke_note: String,
    qr_flash: String,
}

fn delegate_page(
    c: &Caller,
    p: &Principal,
    id: &str,
    (mut flash, at): (String, &str),
    error: String,
    status: StatusCode,
) -> Response {
    let back = format!("{DELEGATES}/{id}");
    let found = parse_id(id, "delegate").and_then(|id| {
        c.web
            .app
            .read(|s| s.delegate(DelegateId(id)).cloned())
            .ok_or(Error::NotFound { what: "delegate" })
    });
    let d = match found {
        Ok(d) => d,
        Err(e) => return refuse(c, e, &back),
    };
    let (tr, chrome) = frame(c, &back);
    let shareholders = c.web.app.read(|s| {
        s.info
            .as_ref()
            .is_some_and(|i| i.kind == CongressKind::ShareholdersMeeting)
    });
    let f = &d.fields;
    let mut fields = vec![
        ("field.code", f.code.clone()),
        ("admin.delegates.col.name", f.full_name.clone()),
        ("admin.delegates.col.birth", dmy(&f.birth_date)),
        ("admin.delegates.col.gender", tr.gender(&f.gender)),
        ("admin.delegates.col.ethnicity", f.ethnicity.clone()),
        ("admin.delegates.col.position", f.position.clone()),
        ("admin.delegates.col.unit", f.unit.clone()),
        ("admin.delegates.col.delegation", f.delegation.clone()),
        ("admin.delegates.col.group", f.group.clone()),
        ("admin.delegates.col.kind", tr.delegate_kind(&f.kind)),
    ];
    if shareholders || f.shares > 0 {
        fields.push(("admin.delegates.col.shares", group_thousands(f.shares)));
    }
    if let Some(photo) = &f.photo {
        fields.push(("admin.delegates.col.photo", photo.clone()));
    }
    let fields = fields
        .into_iter()
        .map(|(k, v)| FieldRow {
            label: tr.t(k),
            value: v,
        })
        .collect();
    let extra = f
        .extra
        .iter()
        .map(|(k, v)| FieldRow {
            label: k.clone(),
            value: v.clone(),
        })
        .collect();
    let can_manage = p.role.can(Capability::ManageDelegates);
    let (qr, url) = if can_manage {
        let url = c.web.app.qr_url(&d);
        (qr_svg(&url), url)
    } else {
        (String::new(), String::new())
    };
    let mut qr_flash = String::new();
    place_flash(&mut flash, at, |at, text| {
        let here = can_manage && at == "qr";
        if here {
            qr_flash = text;
        }
        here
    });
    let page = DelegatePage {
        qr_flash,
        flash,
        error,
        error_anchor: String::new(),
        id: d.id.0,
        name: f.full_name.clone(),
        code: f.code.clone(),
        kind: tr.delegate_kind(&f.kind),
        kind_class: f.kind.as_str().to_string(),
        fields,
        extra,
        can_manage,
        qr,
        url,
        revoked_times: d.qr_epoch,
        revoke_note: fmt(
            c,
            "admin.delegate.revoked_times",
            &[("count", d.qr_epoch.to_string())],
        ),
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

/// 1234567 → "1.234.567" (Vietnamese digit grouping).
fn group_thousands(n: u64) -> String {
    daihoi_app::pollview::format_count(n, daihoi_app::Lang::Vi)
}

async fn delegate_detail(c: Caller, Path(id): Path<String>, Query(q): Query<OkQuery>) -> Response {
    let p = match allow(&c, Capability::ViewDelegates, &format!("{DELEGATES}/{id}")) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    delegate_page(
        &c,
        &p,
        &id,
        (flash(&c, &q), q.at()),
        String::new(),
        StatusCode::OK,
    )
}

async fn delegate_revoke_qr(c: Caller, Path(id): Path<String>) -> Response {
    let back = format!("{DELEGATES}/{id}");
    let p = match allow(&c, Capability::ManageDelegates, &back) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r = match parse_id(&id, "delegate") {
        Ok(n) => c.web.app.revoke_qr(&p, DelegateId(n)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => done(&back, "qr_revoked", "qr"),
        Err(Error::NotFound { what }) => refuse(&c, Error::NotFound { what }, &back),
        Err(e) => delegate_page(
            &c,
            &p,
            &id,
            (String::new(), ""),
            message(&c, &e),
            status_of(&e),
        ),
    }
}

// ----- accounts -----------------------------------------------------------------------

const ACCOUNTS: &str = "/admin/accounts";

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CreateAccountForm {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct EditAccountForm {
    display_name: String,
    role: String,
    active: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    password: String,
}

#[derive(Default)]
enum AccountFailure {
    #[default]
    None,
    Create(CreateAccountForm),
    Edit(u64, EditAccountForm),
    Password(u64),
    Revoke(u64),
    Token(u64),
}

impl AccountFailure {
    fn anchor(&self) -> String {
        match self {
            AccountFailure::None => String::new(),
            AccountFailure::Create(_) => "new-account".into(),
            AccountFailure::Edit(id, _)
            | AccountFailure::Password(id)
            | AccountFailure::Revoke(id) => format!("a-{id}"),
            AccountFailure::Token(id) => format!("t-{id}"),
        }
    }
}

fn parse_role(s: &str) -> Result<Role, Error> {
    Role::parse(s.trim()).ok_or_else(|| Error::invalid("role", "invalid_choice"))
}

struct AccountView {
    id: u64,
    username: String,
    display_name: String,
    role_label: String,
    active: bool,
    staff: bool,
    has_password: bool,
    me: bool,
    form_display_name: String,
    form_role: String,
    form_active: bool,
    edit_open: bool,
    edit_error: String,
    pw_open: bool,
    pw_error: String,
    revoke_error: String,
    link: String,
    qr: String,
    flash: String,
}

struct TokenView {
    id: u64,
    label: String,
    role_label: String,
    revoked: bool,
    error: String,
    flash: String,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    roles: Vec<(String, String)>,
    password_hint: String,
    create: CreateAccountForm,
    create_open: bool,
    create_error: String,
    accounts: Vec<AccountView>,
    tokens: Vec<TokenView>,
}

fn accounts_page(
    c: &Caller,
    p: &Principal,
    failed: AccountFailure,
    (mut flash, at): (String, &str),
    error: String,
    status: StatusCode,
) -> Response {
    let (tr, chrome) = frame(c, ACCOUNTS);
    let me = match p.subject {
        daihoi_app::Subject::Account(id) => Some(id),
        _ => None,
    };
    let (mut accounts, mut tokens) = c.web.app.read(|s| {
        let mut list: Vec<&Account> = s.accounts().collect();
        list.sort_by_key(|a| {
            (
                Role::ALL.iter().position(|r| *r == a.role),
                a.username.clone(),
            )
        });
        let accounts: Vec<AccountView> = list
            .into_iter()
            .map(|a| {
                let id = a.id.0;
                let err_for = |hit: bool| if hit { error.clone() } else { String::new() };
                let (form_display_name, form_role, form_active, edit_open, edit_error) =
                    match &failed {
                        AccountFailure::Edit(x, f) if *x == id => (
                            f.display_name.clone(),
                            f.role.clone(),
                            f.active.is_some(),
                            true,
                            error.clone(),
                        ),
                        _ => (
                            a.display_name.clone(),
                            a.role.as_str().to_string(),
                            a.active,
                            false,
                            String::new(),
                        ),
                    };
                let pw_hit = matches!(failed, AccountFailure::Password(x) if x == id);
                let link = c.web.app.link_url(a);
                AccountView {
                    id,
                    username: a.username.clone(),
                    display_name: a.display_name.clone(),
                    role_label: tr.role(&a.role),
                    active: a.active,
                    staff: a.role.is_staff(),
                    has_password: a.password_hash.is_some(),
                    me: me == Some(a.id),
                    form_display_name,
                    form_role,
                    form_active,
                    edit_open,
                    edit_error,
                    pw_open: pw_hit,
                    pw_error: err_for(pw_hit),
                    revoke_error: err_for(matches!(failed, AccountFailure::Revoke(x) if x == id)),
                    qr: qr_svg(&link),
                    link,
                    flash: String::new(),
                }
            })
            .collect();
        let tokens: Vec<TokenView> = s
            .tokens()
            .map(|t| TokenView {
                id: t.id.0,
                label: t.label.clone(),
                role_label: tr.role(&t.role),
                revoked: t.revoked,
                error: if matches!(failed, AccountFailure::Token(x) if x == t.id.0) {
                    error.clone()
                } else {
                    String::new()
                },
                flash: String::new(),
            })
            .collect();
        (accounts, tokens)
    });
    let (create, create_open, create_error) = match &failed {
        AccountFailure::Create(f) => (
            CreateAccountForm {
                password: String::new(),
                ..f.clone()
            },
            true,
            error.clone(),
        ),
        _ => (
            CreateAccountForm {
                role: Role::Secretariat.as_str().into(),
                ..Default::default()
            },
            false,
            String::new(),
        ),
    };
    let roles: Vec<(String, String)> = Role::ALL
        .iter()
        .filter(|r| **r != Role::Delegate)
        .map(|r| (r.as_str().to_string(), tr.role(r)))
        .collect();
    let staff_roles = Role::ALL
        .iter()
        .filter(|r| r.is_staff())
        .map(|r| tr.role(r))
        .collect::<Vec<_>>()
        .join(", ");
    place_flash(&mut flash, at, |at, text| {
        if let Some(a) = accounts.iter_mut().find(|a| at == format!("a-{}", a.id)) {
            a.flash = text;
            return true;
        }
        if let Some(t) = tokens.iter_mut().find(|t| at == format!("t-{}", t.id)) {
            t.flash = text;
            return true;
        }
        false
    });
    let page = AccountsPage {
        flash,
        error_anchor: if error.is_empty() {
            String::new()
        } else {
            failed.anchor()
        },
        error,
        roles,
        password_hint: fmt(c, "admin.accounts.password_hint", &[("roles", staff_roles)]),
        create,
        create_open,
        create_error,
        accounts,
        tokens,
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

async fn accounts(c: Caller, Query(q): Query<OkQuery>) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    accounts_page(
        &c,
        &p,
        AccountFailure::None,
        (flash(&c, &q), q.at()),
        String::new(),
        StatusCode::OK,
    )
}

fn accounts_result(
    c: &Caller,
    p: &Principal,
    r: Result<(), Error>,
    ok: &str,
    anchor: String,
    failed: AccountFailure,
) -> Response {
    match r {
        Ok(()) => done(ACCOUNTS, ok, &anchor),
        Err(e) => accounts_page(
            c,
            p,
            failed,
            (String::new(), ""),
            message(c, &e),
            status_of(&e),
        ),
    }
}

async fn account_create(c: Caller, Form(f): Form<CreateAccountForm>) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r = match parse_role(&f.role) {
        Ok(role) => {
            let pw = Some(f.password.as_str()).filter(|s| !s.is_empty());
            c.web
                .app
                .create_account(&p, &f.username, &f.display_name, role, pw)
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(id) => done(ACCOUNTS, "account_created", &format!("a-{id}")),
        Err(e) => accounts_page(
            &c,
            &p,
            AccountFailure::Create(f),
            (String::new(), ""),
            message(&c, &e),
            status_of(&e),
        ),
    }
}

async fn account_edit(
    c: Caller,
    Path(id): Path<String>,
    Form(f): Form<EditAccountForm>,
) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "account");
    let r = match (&id, parse_role(&f.role)) {
        (Ok(id), Ok(role)) => {
            c.web
                .app
                .edit_account(
                    &p,
                    AccountId(*id),
                    &f.display_name,
                    role,
                    f.active.is_some(),
                )
                .await
        }
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => Err(e),
    };
    let id = id.unwrap_or_default();
    accounts_result(
        &c,
        &p,
        r,
        "account_saved",
        format!("a-{id}"),
        AccountFailure::Edit(id, f),
    )
}

async fn account_password(
    c: Caller,
    Path(id): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "account");
    let r = match &id {
        Ok(id) => {
            c.web
                .app
                .set_password(&p, AccountId(*id), &f.password)
                .await
        }
        Err(e) => Err(e.clone()),
    };
    let id = id.unwrap_or_default();
    accounts_result(
        &c,
        &p,
        r,
        "password_set",
        format!("a-{id}"),
        AccountFailure::Password(id),
    )
}

async fn account_revoke(c: Caller, Path(id): Path<String>) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "account");
    let r = match &id {
        Ok(id) => c.web.app.revoke_sign_in(&p, AccountId(*id)).await,
        Err(e) => Err(e.clone()),
    };
    let id = id.unwrap_or_default();
    accounts_result(
        &c,
        &p,
        r,
        "sign_in_revoked",
        format!("a-{id}"),
        AccountFailure::Revoke(id),
    )
}

#[derive(Template)]
#[template(path = "admin/token_created.html")]
struct TokenCreatedPage {
    tr: Tr,
    chrome: Chrome,
    token: String,
    label: String,
    role_label: String,
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    role: String,
}

/// Create an API token from the accounts page; its secret is shown on the answer page only.
async fn token_create(c: Caller, Form(f): Form<TokenForm>) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let made = match Role::parse(f.role.trim()) {
        Some(role) => c
            .web
            .app
            .create_token(&p, &f.label, role)
            .await
            .map(|t| (t, role)),
        None => Err(Error::invalid("role", "invalid_choice")),
    };
    match made {
        Ok((token, role)) => {
            let (tr, chrome) = frame(&c, ACCOUNTS);
            let page = TokenCreatedPage {
                role_label: tr.role(&role),
                label: daihoi_domain::text::clean_line(&f.label),
                token,
                chrome,
                tr,
            };
            let mut res = render(&page);
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            res
        }
        Err(e) => c.page_err(e).into_response(),
    }
}

async fn token_revoke(c: Caller, Path(id): Path<String>) -> Response {
    let p = match allow(&c, Capability::ManageAccounts, ACCOUNTS) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = parse_id(&id, "api_token");
    let r = match &id {
        Ok(id) => c.web.app.revoke_token(&p, TokenId(*id)).await,
        Err(e) => Err(e.clone()),
    };
    let id = id.unwrap_or_default();
    accounts_result(
        &c,
        &p,
        r,
        "token_revoked",
        format!("t-{id}"),
        AccountFailure::Token(id),
    )
}

// ----- audit --------------------------------------------------------------------------

/// Events shown on the audit page, newest first.
const AUDIT_LIMIT: i64 = 200;
/// Characters of payload shown per event.
const PAYLOAD_CHARS: usize = 200;
const REDACTED: &str = "***";

/// Replace every `password_hash` string value in an event payload (account_created,
/// account_password_set) by `***`, keeping the rest of the text exactly as stored. A
/// payload that still carries an argon2 hash afterwards (not the JSON the log writes) is
/// hidden whole.
fn redact_payload(payload: &str) -> String {
    const KEY: &str = "\"password_hash\"";
    let mut out = String::with_capacity(payload.len());
    let mut rest = payload;
    while let Some(at) = rest.find(KEY) {
        let after_key = at + KEY.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        // `:` then the value, with optional white space around.
        let value_at = rest.len() - rest.trim_start().len();
        let Some(after_colon) = rest[value_at..].strip_prefix(':') else {
            continue;
        };
        let gap = after_colon.len() - after_colon.trim_start().len();
        let value = &after_colon[gap..];
        if let Some(end) = json_string_end(value) {
            out.push_str(&rest[..rest.len() - after_colon.len() + gap]);
            out.push_str("\"***\"");
            rest = &value[end..];
        }
    }
    out.push_str(rest);
    if out.contains("$argon2") {
        REDACTED.to_string()
    } else {
        out
    }
}

/// The byte length of the JSON string literal `s` starts with (quotes included), if it
/// starts with one.
fn json_string_end(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut escaped = false;
    for (i, ch) in chars {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// Which translated message explains a broken link (the store's reason is technical
/// English; it is shown beside, as detail).
fn broken_reason_key(reason: &str) -> &'static str {
    if reason.starts_with("sequence gap") {
        "admin.audit.broken_gap"
    } else if reason.starts_with("previous hash") {
        "admin.audit.broken_link"
    } else {
        "admin.audit.broken_content"
    }
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    kind: String,
    kind_label: String,
    payload: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    rows: Vec<AuditRow>,
    head_seq: i64,
    head_hash: String,
    chain_ok: bool,
    chain_message: String,
    chain_detail: String,
    shown_note: String,
}

fn actor_label(s: &CongressState, tr: &Tr, actor: &str) -> String {
    let (kind, id) = actor.split_once(':').unwrap_or((actor, ""));
    let id: Option<u64> = id.parse().ok();
    let name = match (kind, id) {
        ("account", Some(id)) => s
            .account(AccountId(id))
            .map(|a| format!("{} ({})", a.display_name, a.username)),
        ("delegate", Some(id)) => s
            .delegate(DelegateId(id))
            .map(|d| format!("{} ({})", d.fields.full_name, d.fields.code)),
        ("token", Some(id)) => s.token(TokenId(id)).map(|t| {
            format!(
                "API: {}",
                if t.label.is_empty() {
                    id.to_string()
                } else {
                    t.label.clone()
                }
            )
        }),
        ("system", _) => Some(tr.t("admin.audit.system")),
        _ => None,
    };
    name.unwrap_or_else(|| actor.to_string())
}

async fn audit(c: Caller) -> Response {
    const AUDIT: &str = "/admin/audit";
    if let Err(r) = allow(&c, Capability::ViewAudit, AUDIT) {
        return *r;
    }
    let store = c.web.app.engine.store().clone();
    let storage = |e: daihoi_store::StoreError| Error::Storage(e.to_string());
    let loaded = async {
        let head = store.head().await.map_err(storage)?;
        let head_seq = head.map(|h| h.0).unwrap_or(0);
        let events = store
            .read((head_seq - AUDIT_LIMIT).max(0), AUDIT_LIMIT as usize)
            .await
            .map_err(storage)?;
        let report = daihoi_store::verify_chain(&*store).await.map_err(storage)?;
        Ok::<_, Error>((head, events, report))
    }
    .await;
    let (head, events, report) = match loaded {
        Ok(x) => x,
        Err(e) => return refuse(&c, e, AUDIT),
    };
    let (tr, chrome) = frame(&c, AUDIT);
    let cat = &c.web.app.catalogue;
    let rows = c.web.app.read(|s| {
        events
            .iter()
            .rev()
            .map(|e| {
                let key = format!("admin.audit.kinds.{}", e.kind);
                AuditRow {
                    seq: e.seq,
                    at: tr.date_time(&e.at),
                    actor: actor_label(s, &tr, &e.actor),
                    kind_label: if cat.has(c.lang, &key) {
                        tr.t(&key)
                    } else {
                        e.kind.clone()
                    },
                    kind: e.kind.clone(),
                    payload: shorten(&redact_payload(&e.payload), PAYLOAD_CHARS),
                }
            })
            .collect::<Vec<_>>()
    });
    let (chain_ok, chain_message, chain_detail) = match &report.broken {
        None => (
            true,
            fmt(
                &c,
                "admin.audit.chain_ok",
                &[("count", report.events.to_string())],
            ),
            String::new(),
        ),
        Some(b) => (
            false,
            fmt(
                &c,
                broken_reason_key(&b.reason),
                &[("seq", b.seq.to_string())],
            ),
            b.reason.clone(),
        ),
    };
    let page = AuditPage {
        flash: String::new(),
        error: String::new(),
        error_anchor: String::new(),
        shown_note: fmt(
            &c,
            "admin.audit.shown",
            &[("count", rows.len().to_string())],
        ),
        rows,
        head_seq: head.map(|h| h.0).unwrap_or(0),
        head_hash: head.map(|h| hex::encode(h.1)).unwrap_or_default(),
        chain_ok,
        chain_message,
        chain_detail,
        chrome,
        tr,
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::{NavLink, mark_current_tab};

    #[test]
    fn password_hashes_never_leave_the_audit_page() {
        let created = r#"{"type":"account_created","account":{"id":3,"username":"thuky","display_name":"Thư ký","role":"secretariat","password_hash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA","active":true,"epoch":0}}"#;
        let out = redact_payload(created);
        assert!(!out.contains("argon2"), "{out}");
        assert_eq!(
            out,
            r#"{"type":"account_created","account":{"id":3,"username":"thuky","display_name":"Thư ký","role":"secretariat","password_hash":"***","active":true,"epoch":0}}"#
        );

        let set = r#"{"type":"account_password_set","id":3,"password_hash":"$argon2id$v=19$abc"}"#;
        let out = redact_payload(set);
        assert!(!out.contains("argon2") && out.contains("***"), "{out}");

        // A device account without a password keeps its null: nothing to hide.
        let device = r#"{"type":"account_created","account":{"id":4,"password_hash":null}}"#;
        assert_eq!(redact_payload(device), device);

        // Other events are shown exactly as stored.
        let other = r#"{"type":"session_removed","id":5}"#;
        assert_eq!(redact_payload(other), other);

        // Escaped quotes inside the value, spaces around the colon, several hashes.
        let odd = r#"{"password_hash" : "a\"b$argon2", "x": {"password_hash":"c"}, "y": "password_hash"}"#;
        assert_eq!(
            redact_payload(odd),
            r#"{"password_hash" : "***", "x": {"password_hash":"***"}, "y": "password_hash"}"#
        );

        // Not the JSON the log writes but carrying a hash: hidden whole.
        assert_eq!(redact_payload("password_hash=$argon2id$x"), REDACTED);
        assert_eq!(
            redact_payload(r#"{"password_hash":"unterminated $argon2"#),
            REDACTED
        );
        assert_eq!(redact_payload("plain"), "plain");
    }

    #[test]
    fn redaction_happens_before_shortening() {
        let long_name = "Đ".repeat(190);
        let p = format!(
            r#"{{"type":"account_created","account":{{"display_name":"{long_name}","password_hash":"$argon2id$v=19$secret"}}}}"#
        );
        let shown = shorten(&redact_payload(&p), PAYLOAD_CHARS);
        assert!(!shown.contains("argon2") && !shown.contains("secret"));
    }

    #[test]
    fn shorten_counts_characters_not_bytes() {
        assert_eq!(shorten("Đại hội", 3), "Đại…");
        assert_eq!(shorten("Đại hội", 7), "Đại hội");
        assert_eq!(shorten("", 5), "");
    }

    #[test]
    fn redirects_name_the_element_acted_on() {
        assert_eq!(
            done_url("/admin/congress", "congress_saved", ""),
            "/admin/congress?ok=congress_saved"
        );
        assert_eq!(
            done_url("/admin/program", "moved", "s-4"),
            "/admin/program?ok=moved&at=s-4#s-4"
        );
        let q = |at: &str| OkQuery {
            at: at.into(),
            ..Default::default()
        };
        assert_eq!(q("i-17").at(), "i-17");
        assert_eq!(q("x\"><script>").at(), "");
        let mut flash = "Đã lưu.".to_string();
        let mut placed = String::new();
        place_flash(&mut flash, "s-4", |at, text| {
            placed = text;
            at == "s-4"
        });
        assert!(flash.is_empty() && placed == "Đã lưu.");
        let mut flash = "Đã lưu.".to_string();
        place_flash(&mut flash, "s-999", |_, _| false);
        assert_eq!(flash, "Đã lưu.");
    }

    #[test]
    fn flash_keys_are_plain_names_only() {
        assert_eq!(
            flash_key("session_added").as_deref(),
            Some("admin.ok.session_added")
        );
        assert_eq!(flash_key(""), None);
        assert_eq!(flash_key("../x"), None);
        assert_eq!(flash_key("Bad"), None);
        assert_eq!(flash_key(&"a".repeat(41)), None);
    }

    #[test]
    fn only_the_most_specific_tab_is_current() {
        let link = |h: &str| NavLink {
            href: h.into(),
            label: h.into(),
            active: false,
        };
        let mut nav = vec![
            link("/console"),
            link("/admin"),
            link("/admin/program"),
            link("/admin/delegates"),
        ];
        mark_current_tab(&mut nav, "/admin/program?ok=moved#s-4");
        let current: Vec<&str> = nav
            .iter()
            .filter(|n| n.active)
            .map(|n| n.href.as_str())
            .collect();
        assert_eq!(current, vec!["/admin/program"]);
        mark_current_tab(&mut nav, "/admin?ok=x");
        let current: Vec<&str> = nav
            .iter()
            .filter(|n| n.active)
            .map(|n| n.href.as_str())
            .collect();
        assert_eq!(current, vec!["/admin"]);
        mark_current_tab(&mut nav, "/admin/congress");
        let current: Vec<&str> = nav
            .iter()
            .filter(|n| n.active)
            .map(|n| n.href.as_str())
            .collect();
        assert_eq!(current, vec!["/admin"]);
        mark_current_tab(&mut nav, "/admin/delegates/17");
        assert!(nav[3].active && !nav[1].active);
    }

    fn fields(
        code: &str,
        name: &str,
        delegation: &str,
        group: &str,
        kind: DelegateKind,
    ) -> DelegateFields {
        DelegateFields {
            code: code.into(),
            full_name: name.into(),
            birth_date: None,
            gender: None,
            ethnicity: String::new(),
            position: String::new(),
            unit: String::new(),
            delegation: delegation.into(),
            group: group.into(),
            kind,
            shares: 0,
            photo: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn delegate_search_ignores_accents_and_case() {
        let d = fields(
            "DB007",
            "Nguyễn Thị Hằng",
            "Đoàn Thành phố",
            "Tổ 3",
            DelegateKind::Official,
        );
        let q = |s: &str| DelegateQuery {
            q: s.into(),
            ..Default::default()
        };
        assert!(delegate_matches(&d, &q("nguyen thi hang")));
        assert!(delegate_matches(&d, &q("HẰNG")));
        assert!(delegate_matches(&d, &q("db007")));
        assert!(delegate_matches(&d, &q("  ")));
        assert!(!delegate_matches(&d, &q("Hùng")));
        let f = DelegateQuery {
            delegation: "Đoàn Thành phố".into(),
            group: "Tổ 3".into(),
            kind: "official".into(),
            ..Default::default()
        };
        assert!(delegate_matches(&d, &f));
        assert!(!delegate_matches(
            &d,
            &DelegateQuery {
                group: "Tổ 4".into(),
                ..Default::default()
            }
        ));
        assert!(!delegate_matches(
            &d,
            &DelegateQuery {
                kind: "invited".into(),
                ..Default::default()
            }
        ));
    }

    #[test]
    fn delegate_filter_links_keep_the_filter() {
        let q = DelegateQuery {
            q: "Hằng".into(),
            group: "Tổ 3".into(),
            ..Default::default()
        };
        assert_eq!(
            q.href(1),
            "/admin/delegates?q=H%E1%BA%B1ng&group=T%E1%BB%95%203"
        );
        assert_eq!(
            q.href(2),
            "/admin/delegates?q=H%E1%BA%B1ng&group=T%E1%BB%95%203&page=2"
        );
        assert_eq!(DelegateQuery::default().href(1), "/admin/delegates");
        assert!(q.is_filtered() && !DelegateQuery::default().is_filtered());
    }

    #[test]
    fn pages_are_clamped() {
        assert_eq!(page_bounds(449, 1, 100), (0, 100, 1, 5));
        assert_eq!(page_bounds(449, 5, 100), (400, 449, 5, 5));
        assert_eq!(page_bounds(449, 9, 100), (400, 449, 5, 5));
        assert_eq!(page_bounds(449, 0, 100), (0, 100, 1, 5));
        assert_eq!(page_bounds(0, 1, 100), (0, 0, 1, 1));
    }

    #[test]
    fn small_helpers() {
        assert_eq!(iso_or_raw("24/11/2026"), "2026-11-24");
        assert_eq!(iso_or_raw("2026-11-24"), "2026-11-24");
        assert_eq!(iso_or_raw(" abc "), "abc");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1.000");
        assert_eq!(group_thousands(1234567), "1.234.567");
        assert_eq!(safe_file_part("ĐB 01/2"), "db-01-2");
        assert_eq!(safe_file_part("///"), "dai-bieu");
        assert!(matches!(direction("up"), Ok(Direction::Up)));
        assert!(matches!(direction("down"), Ok(Direction::Down)));
        assert!(direction("sideways").is_err());
        assert_eq!(
            broken_reason_key("sequence gap: expected 3, found 5"),
            "admin.audit.broken_gap"
        );
        assert_eq!(
            broken_reason_key("previous hash ab does not match"),
            "admin.audit.broken_link"
        );
        assert_eq!(
            broken_reason_key("content does not match its hash"),
            "admin.audit.broken_content"
        );
    }

    #[test]
    fn qr_is_inline_svg() {
        let svg = qr_svg("https://daihoi.example/q/12.0.abc");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("</svg>"));
        assert_eq!(strip_xml_declaration("<svg/>"), "<svg/>");
        assert_eq!(
            strip_xml_declaration("<?xml version=\"1.0\"?>\n<svg/>"),
            "<svg/>"
        );
    }

    /// Every `"admin.…"` key written in this file, and the keys built from names, exist in
    /// both languages (templates are checked by the views tests).
    #[test]
    fn every_admin_key_is_translated() {
        use daihoi_app::{Catalogue, Lang};
        let c = Catalogue::load().unwrap_or_else(|e| unreachable!("{e}"));
        let src = include_str!("admin.rs");
        let mut keys: Vec<String> = src
            .split("\"admin.")
            .skip(1)
            .map(|part| format!("admin.{}", part.split('"').next().unwrap_or_default()))
            .filter(|k| {
                k != "admin.rs" && !k.ends_with('.') && !k.contains('{') && !k.contains('…')
            })
            .collect();
        for ok in [
            "congress_saved",
            "session_added",
            "session_saved",
            "session_removed",
            "moved",
            "item_added",
            "item_saved",
            "item_removed",
            "imported",
            "qr_revoked",
            "account_created",
            "account_saved",
            "password_set",
            "sign_in_revoked",
            "token_revoked",
        ] {
            keys.push(format!("admin.ok.{ok}"));
        }
        for go in [
            "congress",
            "program",
            "delegates",
            "accounts",
            "audit",
            "console",
            "hall",
        ] {
            keys.push(format!("admin.dash.go.{go}"));
            keys.push(format!("admin.dash.go.{go}_text"));
        }
        for kind in [
            "congress_configured",
            "session_added",
            "session_edited",
            "session_removed",
            "session_order_set",
            "item_added",
            "item_edited",
            "item_removed",
            "item_order_set",
            "delegates_imported",
            "delegate_qr_revoked",
            "account_created",
            "account_edited",
            "account_password_set",
            "account_sign_in_revoked",
            "api_token_created",
            "api_token_revoked",
            "session_started",
            "session_ended",
            "current_item_set",
            "announcement_posted",
            "announcement_withdrawn",
        ] {
            keys.push(format!("admin.audit.kinds.{kind}"));
        }
        keys.push("err.upload_failed".into());
        assert!(keys.len() > 80, "found only {} keys", keys.len());
        let missing: Vec<String> = keys
            .iter()
            .flat_map(|k| {
                [Lang::Vi, Lang::En]
                    .into_iter()
                    .filter(|l| !c.has(*l, k))
                    .map(move |l| format!("{}:{k}", l.code()))
            })
            .collect();
        assert!(missing.is_empty(), "untranslated: {missing:?}");
    }
}
