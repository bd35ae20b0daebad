//! The credentials report page and its PDF/DOCX exports.
//!
//! `GET /console/credentials?session=ID` shows the report (the figures of the chosen session,
//! default the program's first, and the structure of the delegates) as headline figures,
//! tables and bar charts drawn as inline SVG on the server (no script, no external file: the
//! labels and figures are HTML text, each bar a small SVG that stretches to the width, so it
//! reads on a 390 px phone as on a desktop). The secretariat records B from it with the form
//! "Ghi nhận B" (`POST /console/credentials/base`, the `record_base` use case), prefilled
//! with the suggested figure. `GET /console/credentials.pdf` and `.docx` download the same
//! report with a Vietnamese file name.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daihoi_app::Principal;
use daihoi_app::pollview::format_count;
use daihoi_data::credentials::{Block, Credentials};
use daihoi_domain::model::{CongressKind, SessionId};
use daihoi_domain::{Capability, Error};
use serde::Deserialize;

use crate::Web;
use crate::error::status_of;
use crate::extract::Caller;
use crate::pages::docs::content_disposition;
use crate::views::{Chrome, Tr, render};

pub fn routes() -> Router<Web> {
    Router::new()
        .route(PAGE, get(page))
        .route("/console/credentials/base", post(record))
        .route("/console/credentials.pdf", get(pdf))
        .route("/console/credentials.docx", get(docx))
}

const PAGE: &str = "/console/credentials";

/// `?session=ID&ok=saved`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportQuery {
    session: String,
    ok: String,
}

fn parse_session(s: &str) -> Result<Option<SessionId>, Error> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u64>()
        .map(|n| Some(SessionId(n)))
        .map_err(|_| Error::NotFound { what: "session" })
}

/// One bar: its label, its figures in words and its length in thousandths of the widest.
pub struct BarView {
    pub label: String,
    pub text: String,
    pub w: u64,
}

/// A block of the report as the template draws it (`kind`: heading, para, table, chart).
pub struct BlockView {
    pub kind: &'static str,
    pub text: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub bars: Vec<BarView>,
}

fn block_view(b: &Block) -> BlockView {
    let mut v = BlockView {
        kind: "para",
        text: String::new(),
        header: Vec::new(),
        rows: Vec::new(),
        bars: Vec::new(),
    };
    match b {
        Block::Heading(t) => {
            v.kind = "heading";
            v.text = t.clone();
        }
        Block::Para(t) => v.text = t.clone(),
        Block::Table { header, rows } => {
            v.kind = "table";
            v.header = header.clone();
            v.rows = rows.clone();
        }
        Block::Chart { title, bars } => {
            v.kind = "chart";
            v.text = title.clone();
            let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
            v.bars = bars
                .iter()
                .map(|b| BarView {
                    label: b.label.clone(),
                    text: b.text.clone(),
                    w: b.value.saturating_mul(1000) / max,
                })
                .collect();
        }
    }
    v
}

/// A headline figure: label and value.
pub struct Headline {
    pub label: String,
    pub value: String,
    pub testid: &'static str,
}

#[derive(Template)]
#[template(path = "credentials/page.html")]
pub struct CredentialsPage {
    pub chrome: Chrome,
    pub tr: Tr,
    pub flash: String,
    pub error: String,
    /// The field an input error names, and its message.
    pub field_error: (String, String),
    pub title: String,
    pub congress: String,
    pub place_dates: String,
    pub sessions: Vec<(u64, String, bool)>,
    pub headline: Vec<Headline>,
    pub blocks: Vec<BlockView>,
    /// `?session=ID` for the export links (empty for the default session).
    pub query: String,
    pub session: String,
    pub party: bool,
    pub can_record: bool,
    pub base_now: Option<(String, String)>,
    /// The B form's values: the typed ones after an error, else the suggested B and the
    /// recorded note.
    pub base_form: (String, String),
}

impl CredentialsPage {
    pub fn err_on(&self, field: &str) -> bool {
        self.field_error.0 == field
    }
}

fn view(
    c: &Caller,
    p: &Principal,
    q: &ReportQuery,
    err: Option<&Error>,
    typed: Option<&BaseForm>,
) -> Result<CredentialsPage, Error> {
    let session = parse_session(&q.session)?;
    let Credentials {
        session,
        figures,
        report,
    } = c.web.app.credentials(p, session, c.lang)?;
    let tr = Tr::new(&c.web, c.lang);
    let n = |x: u64| format_count(x, c.lang);
    let (sessions, party, base_now) = c.web.app.read(|s| {
        let sessions = s
            .sessions()
            .into_iter()
            .map(|x| {
                (
                    x.id.0,
                    format!("{} · {}", x.fields.title, tr.day(&x.fields.date)),
                    Some(x.id) == session,
                )
            })
            .collect::<Vec<_>>();
        let party = s.kind() == CongressKind::PartyCongress;
        let base = s.party_base().map(|(b, note)| (n(b), note.to_string()));
        (sessions, party, base)
    });
    let mut headline = vec![Headline {
        label: tr.t("credentials.ui.summoned"),
        value: n(figures.structure.officials),
        testid: "summoned",
    }];
    if let Some(a) = &figures.attendance {
        let absent = (a.absent_with_reason.len() + a.absent_without_reason.len()) as u64;
        headline.push(Headline {
            label: tr.t("credentials.ui.present"),
            value: n(a.present),
            testid: "present",
        });
        headline.push(Headline {
            label: tr.t("credentials.ui.absent"),
            value: n(absent),
            testid: "absent",
        });
        headline.push(Headline {
            label: tr.t("credentials.ui.not_arrived"),
            value: n(a.not_arrived.len() as u64),
            testid: "not-arrived",
        });
    }
    headline.push(Headline {
        label: tr.t("credentials.ui.suggested_base"),
        value: n(figures.suggested_base),
        testid: "suggested-base",
    });
    if party {
        headline.push(Headline {
            label: tr.t("credentials.ui.recorded_base"),
            value: base_now
                .as_ref()
                .map_or_else(|| tr.t("credentials.ui.not_recorded"), |b| b.0.clone()),
            testid: "recorded-base",
        });
    }
    let base_form = match typed {
        Some(f) => (f.base.clone(), f.note.clone()),
        None => (
            figures.suggested_base.to_string(),
            c.web
                .app
                .read(|s| s.party_base().map(|(_, n)| n.to_string()))
                .unwrap_or_default(),
        ),
    };
    let (error, field_error) = match err {
        Some(e) => {
            let fe = match e {
                Error::Invalid { field, problem } => (
                    (*field).to_string(),
                    c.web.app.catalogue.problem(c.lang, problem),
                ),
                _ => Default::default(),
            };
            (c.web.app.catalogue.error(c.lang, e), fe)
        }
        None => Default::default(),
    };
    let flash = if q.ok == "saved" && err.is_none() {
        tr.t("credentials.ui.saved")
    } else {
        String::new()
    };
    let query = session.map(|s| format!("?session={s}")).unwrap_or_default();
    Ok(CredentialsPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), PAGE),
        flash,
        error,
        field_error,
        title: tr.t("credentials.page_title"),
        congress: report.congress.clone(),
        place_dates: report.place_dates.clone(),
        sessions,
        headline,
        blocks: report.blocks.iter().map(block_view).collect(),
        query,
        session: session.map(|s| s.to_string()).unwrap_or_default(),
        party,
        can_record: p.role.can(Capability::RecordAttendance),
        base_now,
        base_form,
        tr,
    })
}

fn show(c: &Caller, q: &ReportQuery, err: Option<&Error>, typed: Option<&BaseForm>) -> Response {
    let p = match c.require(Capability::ViewDelegates) {
        Ok(p) => p.clone(),
        Err(e) => return c.page_err(e).into_response(),
    };
    match view(c, &p, q, err, typed) {
        Ok(page) => {
            let status = err.map_or(StatusCode::OK, status_of);
            (status, render(&page)).into_response()
        }
        Err(e) => c.page_err(e).into_response(),
    }
}

async fn page(c: Caller, Query(q): Query<ReportQuery>) -> Response {
    show(&c, &q, None, None)
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BaseForm {
    base: String,
    note: String,
    session: String,
}

async fn record(c: Caller, Form(f): Form<BaseForm>) -> Response {
    let p = match c.require(Capability::RecordAttendance) {
        Ok(p) => p.clone(),
        Err(e) => return c.page_err(e).into_response(),
    };
    let r = match f.base.trim().parse::<u64>() {
        Ok(b) => c.web.app.record_base(&p, b, &f.note).await,
        Err(_) => Err(Error::invalid("base", "invalid_count")),
    };
    let session = parse_session(&f.session).ok().flatten();
    match r {
        Ok(()) => {
            let q = session.map(|s| format!("session={s}&")).unwrap_or_default();
            Redirect::to(&format!("{PAGE}?{q}ok=saved#base")).into_response()
        }
        Err(e @ (Error::Unauthenticated | Error::Forbidden)) => c.page_err(e).into_response(),
        Err(e) => {
            let q = ReportQuery {
                session: f.session.clone(),
                ok: String::new(),
            };
            show(&c, &q, Some(&e), Some(&f))
        }
    }
}

fn file(bytes: Vec<u8>, name: &str, mime: &'static str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn export(c: Caller, q: ReportQuery, docx: bool) -> Response {
    let r = c
        .require(Capability::ViewDelegates)
        .cloned()
        .and_then(|p| Ok((p, parse_session(&q.session)?)))
        .and_then(|(p, s)| {
            if docx {
                c.web.app.credentials_docx(&p, s, c.lang)
            } else {
                c.web.app.credentials_pdf(&p, s, c.lang)
            }
        });
    match r {
        Ok((bytes, name)) if docx => file(
            bytes,
            &name,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Ok((bytes, name)) => file(bytes, &name, "application/pdf"),
        Err(e) => c.page_err(e).into_response(),
    }
}

async fn pdf(c: Caller, Query(q): Query<ReportQuery>) -> Response {
    export(c, q, false).await
}

async fn docx(c: Caller, Query(q): Query<ReportQuery>) -> Response {
    export(c, q, true).await
}

#[cfg(test)]
mod tests;
