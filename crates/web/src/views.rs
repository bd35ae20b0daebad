//! View models and the askama templates that render them. Pages are made of fragments so
//! that the live script can re-read one region (`/fragments/{name}`) and swap it in.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use daihoi_app::{Catalogue, Lang, Principal};
use daihoi_domain::model::*;
use daihoi_domain::{CongressState, Role};
use std::sync::Arc;

use crate::Web;
use crate::assets;
use crate::error::RowProblemBody;

/// Translation handle given to every template as `tr`.
#[derive(Clone)]
pub struct Tr {
    cat: Arc<Catalogue>,
    pub lang: Lang,
    tz: FixedOffset,
}

pub use daihoi_app::pollview::hall_tz;

impl Tr {
    pub fn new(web: &Web, lang: Lang) -> Tr {
        Tr {
            cat: web.app.catalogue.clone(),
            lang,
            tz: hall_tz(),
        }
    }
    pub fn t(&self, key: &str) -> String {
        self.cat.get(self.lang, key).to_string()
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    /// "Thứ Ba, 24/11/2026" / "Tuesday, 24/11/2026".
    pub fn day(&self, d: &NaiveDate) -> String {
        let wd = d.weekday().num_days_from_monday();
        format!(
            "{}, {}",
            self.t(&format!("weekday.{wd}")),
            d.format("%d/%m/%Y")
        )
    }
    pub fn date_time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .format("%H:%M %d/%m/%Y")
            .to_string()
    }
    pub fn role(&self, r: &Role) -> String {
        self.t(&format!("role.{}", r.as_str()))
    }
    pub fn kind(&self, k: &CongressKind) -> String {
        self.t(&format!("congress_kind.{}", k.as_str()))
    }
    pub fn session_kind(&self, k: &SessionKind) -> String {
        self.t(&format!("session_kind.{}", k.as_str()))
    }
    pub fn status(&self, s: &SessionStatus) -> String {
        self.t(&format!("status.{}", s.as_str()))
    }
    pub fn delegate_kind(&self, k: &DelegateKind) -> String {
        self.t(&format!("delegate_kind.{}", k.as_str()))
    }
    pub fn gender(&self, g: &Option<Gender>) -> String {
        g.map(|g| self.t(&format!("gender.{}", g.as_str())))
            .unwrap_or_default()
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

pub fn render_string<T: Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "fragment failed");
        String::new()
    })
}

pub struct NavLink {
    pub href: String,
    pub label: String,
    pub active: bool,
}

/// Only the most specific navigation tab is current: "/admin" is a prefix of every
/// organiser page, and a query string or fragment must not hide the current tab.
pub(crate) fn mark_current_tab(nav: &mut [NavLink], page: &str) {
    let path = page.split(['?', '#']).next().unwrap_or_default();
    let matches =
        |href: &str| path == href || (href != "/" && path.starts_with(&format!("{href}/")));
    let best = nav
        .iter()
        .filter(|n| matches(&n.href))
        .map(|n| n.href.len())
        .max();
    for n in nav.iter_mut() {
        n.active = matches(&n.href) && Some(n.href.len()) == best;
    }
}

/// What every page's frame shows: congress name, navigation for the role, language switch.
pub struct Chrome {
    pub congress: String,
    pub nav: Vec<NavLink>,
    pub user: Option<String>,
    pub role: String,
    pub csrf: String,
    /// The log position the page was drawn at: live.js re-reads if it has moved on.
    pub seq: i64,
    pub lang_href: String,
    pub lang_label: String,
    pub css: String,
    pub js: String,
    pub icon: String,
}

impl Chrome {
    pub fn new(web: &Web, tr: &Tr, p: Option<&Principal>, path: &str) -> Chrome {
        let congress = web
            .app
            .read(|s| s.info.as_ref().map(|i| i.name.clone()))
            .unwrap_or_else(|| "daihoi".into());
        let mut nav: Vec<NavLink> = Vec::new();
        let mut add = |href: &str, key: &str| {
            nav.push(NavLink {
                href: href.into(),
                label: tr.t(key),
                active: false,
            });
        };
        if let Some(p) = p {
            match p.role {
                Role::Delegate | Role::Guest | Role::CountingCommittee => {
                    add("/app", "nav.home");
                    if p.role == Role::Delegate {
                        add("/app/vote", "nav.vote");
                    }
                    add("/app/program", "nav.program");
                    add("/app/docs", "nav.docs");
                }
                Role::Presidium => {
                    add("/console", "nav.console");
                    add("/console/polls", "polls.nav");
                    add("/console/credentials", "credentials.nav");
                    add("/app/program", "nav.program");
                    add("/app/docs", "nav.docs");
                    add("/hall", "nav.hall");
                }
                Role::Secretariat | Role::Admin => {
                    add("/console", "nav.console");
                    add("/console/polls", "polls.nav");
                    add("/console/attendance", "attendance.nav");
                    add("/console/credentials", "credentials.nav");
                    add("/admin", "nav.admin");
                    add("/admin/program", "nav.program");
                    add("/admin/delegates", "nav.delegates");
                    add("/console/documents", "nav.documents");
                    if p.role == Role::Admin {
                        add("/admin/accounts", "nav.accounts");
                        add("/admin/audit", "nav.audit");
                    }
                    add("/hall", "nav.hall");
                }
                Role::Kiosk | Role::HallScreen => {}
            }
        }
        mark_current_tab(&mut nav, path);
        let other = tr.lang.other();
        Chrome {
            congress,
            nav,
            user: p.map(|p| p.display_name.clone()),
            role: p.map(|p| tr.role(&p.role)).unwrap_or_default(),
            csrf: p.and_then(|p| p.csrf.clone()).unwrap_or_default(),
            seq: web.app.engine.head_seq(),
            lang_href: format!(
                "/lang/{}?next={}",
                other.code(),
                crate::error::urlencode(path)
            ),
            lang_label: tr.t(&format!("lang.{}", other.code())),
            css: assets::url("app.css"),
            js: assets::url("live.js"),
            icon: assets::url("icon.svg"),
        }
    }

    /// A frame without navigation (sign-in, errors, setup).
    pub fn bare(web: &Web, tr: &Tr, path: &str) -> Chrome {
        Chrome::new(web, tr, None, path)
    }
}

// ----- live state ------------------------------------------------------------------------

pub struct LiveView {
    pub running: bool,
    pub session_title: String,
    pub session_meta: String,
    pub item_title: String,
    pub item_presenter: String,
    pub item_position: String,
    pub next_item: String,
    pub upcoming_title: String,
    pub upcoming_when: String,
}

pub fn live_view(s: &CongressState, tr: &Tr) -> LiveView {
    let mut v = LiveView {
        running: false,
        session_title: String::new(),
        session_meta: String::new(),
        item_title: String::new(),
        item_presenter: String::new(),
        item_position: String::new(),
        next_item: String::new(),
        upcoming_title: String::new(),
        upcoming_when: String::new(),
    };
    if let Some(sess) = s.running_session() {
        v.running = true;
        v.session_title = sess.fields.title.clone();
        v.session_meta = session_meta(sess, tr);
        let items = s.items_of(sess.id);
        if let Some(cur) = s.current_item() {
            v.item_title = cur.fields.title.clone();
            v.item_presenter = cur.fields.presenter.clone();
            if let Some(i) = items.iter().position(|x| x.id == cur.id) {
                v.item_position = format!("{}/{}", i + 1, items.len());
            }
        }
        if let Some(n) = s.next_item() {
            v.next_item = n.fields.title.clone();
        }
    } else if let Some(up) = s
        .sessions()
        .into_iter()
        .find(|x| x.status == SessionStatus::Planned)
    {
        v.upcoming_title = up.fields.title.clone();
        v.upcoming_when = format!(
            "{} · {}",
            tr.day(&up.fields.date),
            up.fields
                .starts_at
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default()
        );
    }
    v
}

pub fn session_meta(sess: &Session, tr: &Tr) -> String {
    let mut parts = vec![tr.day(&sess.fields.date)];
    match (sess.fields.starts_at, sess.fields.ends_at) {
        (Some(a), Some(b)) => parts.push(format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"))),
        (Some(a), None) => parts.push(a.format("%H:%M").to_string()),
        _ => {}
    }
    if !sess.fields.location.is_empty() {
        parts.push(sess.fields.location.clone());
    }
    parts.join(" · ")
}

#[derive(Template)]
#[template(path = "fragments/live.html")]
pub struct LiveFragment {
    pub tr: Tr,
    pub v: LiveView,
    /// The poll open in the hall (the same for every delegate: no per-user data here).
    pub poll: Option<crate::pages::vote::PollBanner>,
    /// See `pages::vote::poll_state`.
    pub poll_state: String,
}

#[derive(Template)]
#[template(path = "fragments/hall.html")]
pub struct HallFragment {
    pub tr: Tr,
    pub v: LiveView,
    pub announcement: Option<AnnouncementView>,
    /// The poll open in the hall: it takes the screen.
    pub open_poll: Option<crate::pages::vote::OpenPanel>,
    /// Otherwise the latest result, by the rule of `pages::vote::hall_result`.
    pub result_poll: Option<crate::pages::vote::ResultPanel>,
}

pub struct AnnouncementView {
    pub id: u64,
    pub text: String,
    pub at: String,
    pub by: String,
}

pub fn announcements(s: &CongressState, tr: &Tr, limit: usize) -> Vec<AnnouncementView> {
    s.announcements()
        .take(limit)
        .map(|a| AnnouncementView {
            id: a.id.0,
            text: a.text.clone(),
            at: tr.date_time(&a.posted_at),
            by: a.posted_by.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "fragments/announcements.html")]
pub struct AnnouncementsFragment {
    pub tr: Tr,
    pub list: Vec<AnnouncementView>,
}

pub struct ProgramItemView {
    pub id: u64,
    pub title: String,
    pub presenter: String,
    pub notes: String,
    pub current: bool,
}

pub struct ProgramSessionView {
    pub id: u64,
    pub title: String,
    pub kind: String,
    pub meta: String,
    pub status: String,
    pub status_label: String,
    pub items: Vec<ProgramItemView>,
}

pub struct ProgramDayView {
    pub label: String,
    pub date: String,
    pub sessions: Vec<ProgramSessionView>,
}

pub fn program_view(s: &CongressState, tr: &Tr) -> Vec<ProgramDayView> {
    s.days()
        .iter()
        .map(|d| ProgramDayView {
            label: tr.day(d),
            date: d.format("%Y-%m-%d").to_string(),
            sessions: s
                .sessions_on(*d)
                .into_iter()
                .map(|sess| ProgramSessionView {
                    id: sess.id.0,
                    title: sess.fields.title.clone(),
                    kind: tr.session_kind(&sess.fields.kind),
                    meta: session_meta(sess, tr),
                    status: sess.status.as_str().to_string(),
                    status_label: tr.status(&sess.status),
                    items: s
                        .items_of(sess.id)
                        .into_iter()
                        .map(|i| ProgramItemView {
                            id: i.id.0,
                            title: i.fields.title.clone(),
                            presenter: i.fields.presenter.clone(),
                            notes: i.fields.notes.clone(),
                            current: s.live.item == Some(i.id),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "fragments/program.html")]
pub struct ProgramFragment {
    pub tr: Tr,
    pub days: Vec<ProgramDayView>,
}

// ----- pages -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub message: String,
    pub problems: Vec<RowProblemBody>,
    pub status: u16,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub error: String,
    pub username: String,
    pub next: String,
    pub pre: String,
}

#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub error: String,
    pub pre: String,
    pub form: daihoi_app::usecases::SetupInput,
    pub kinds: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "delegate_home.html")]
pub struct DelegateHome {
    pub tr: Tr,
    pub chrome: Chrome,
    pub live: String,
    pub announcements: String,
    pub who: String,
}

#[derive(Template)]
#[template(path = "program.html")]
pub struct ProgramPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub program: String,
}

#[derive(Template)]
#[template(path = "hall.html")]
pub struct HallPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub hall: String,
    pub kiosk: bool,
}

#[derive(Template)]
#[template(path = "fragments/console.html")]
pub struct ConsoleFragment {
    pub tr: Tr,
    pub csrf: String,
    pub v: LiveView,
    pub running_id: u64,
    pub items: Vec<ProgramItemView>,
    pub days: Vec<ProgramDayView>,
    pub announcements: Vec<AnnouncementView>,
    pub has_next: bool,
    pub has_previous: bool,
    /// The poll open in the hall, if any, and its live counter.
    pub open_poll: Option<(u64, String)>,
    pub poll_count: String,
}

#[derive(Template)]
#[template(path = "console.html")]
pub struct ConsolePage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub console: String,
    pub flash: String,
    pub error: String,
}

#[cfg(test)]
mod tests {
    use daihoi_app::{Catalogue, Lang};
    use daihoi_domain::Role;
    use daihoi_domain::model::*;

    fn keys_in(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                keys_in(&path, out);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("tr.t(\"").skip(1) {
                let key = part.split('"').next().unwrap().to_string();
                out.push((path.display().to_string(), key));
            }
        }
    }

    /// Every `tr.t("…")` in a template or in the web code has an entry in both languages.
    #[test]
    fn every_template_string_is_translated() {
        let c = Catalogue::load().unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut keys = Vec::new();
        keys_in(&root.join("templates"), &mut keys);
        keys_in(&root.join("src"), &mut keys);
        assert!(keys.len() > 50, "found only {} keys", keys.len());
        let missing: Vec<_> = keys
            .iter()
            .filter(|(_, k)| !k.contains('{') && !k.contains('…'))
            .flat_map(|(f, k)| {
                [Lang::Vi, Lang::En]
                    .into_iter()
                    .filter(|l| !c.has(*l, k))
                    .map(move |l| format!("{f}: {}:{k}", l.code()))
            })
            .collect();
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    /// Keys built with format! from enums.
    #[test]
    fn every_enum_label_is_translated() {
        let c = Catalogue::load().unwrap();
        let mut keys: Vec<String> = Role::ALL
            .iter()
            .map(|r| format!("role.{}", r.as_str()))
            .collect();
        keys.extend(
            CongressKind::ALL
                .iter()
                .map(|k| format!("congress_kind.{}", k.as_str())),
        );
        keys.extend(
            SessionKind::ALL
                .iter()
                .map(|k| format!("session_kind.{}", k.as_str())),
        );
        keys.extend(
            [
                SessionStatus::Planned,
                SessionStatus::Running,
                SessionStatus::Ended,
            ]
            .iter()
            .map(|s| format!("status.{}", s.as_str())),
        );
        keys.extend(
            [
                DelegateKind::Official,
                DelegateKind::Alternate,
                DelegateKind::Invited,
            ]
            .iter()
            .map(|k| format!("delegate_kind.{}", k.as_str())),
        );
        keys.extend(
            [Gender::Male, Gender::Female, Gender::Other]
                .iter()
                .map(|g| format!("gender.{}", g.as_str())),
        );
        keys.extend((0..7).map(|d| format!("weekday.{d}")));
        keys.extend(["lang.vi", "lang.en"].map(String::from));
        for k in keys {
            for l in [Lang::Vi, Lang::En] {
                assert!(c.has(l, &k), "{}:{k}", l.code());
            }
        }
    }
}
