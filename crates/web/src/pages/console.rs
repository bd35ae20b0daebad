//! The presidium console: start and end sessions, move between items, announce.

use axum::Form;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use daihoi_domain::model::{AnnouncementId, ItemId, SessionId};
use daihoi_domain::{Capability, Error};
use serde::Deserialize;

use super::form_result;
use crate::extract::Caller;
use crate::views::{
    Chrome, ConsoleFragment, ConsolePage, Tr, announcements, live_view, program_view, render,
    render_string,
};

pub fn console_fragment(c: &Caller) -> Result<String, Error> {
    let p = c.require(Capability::RunSession)?;
    let tr = Tr::new(&c.web, c.lang);
    let csrf = p.csrf.clone().unwrap_or_default();
    let open = c.web.app.read(|s| {
        s.open_poll()
            .and_then(|p| daihoi_app::pollview::poll_view(s, &c.web.app.catalogue, c.lang, p.id))
    });
    let open_poll = open.as_ref().map(|v| (v.id, v.title.clone()));
    let poll_count = render_string(&crate::pages::polls::CountFragment { v: open });
    let frag = c.web.app.read(|s| {
        let running = s.running_session().map(|x| x.id);
        let items = match running {
            Some(id) => program_view(s, &tr)
                .into_iter()
                .flat_map(|d| d.sessions)
                .find(|x| x.id == id.0)
                .map(|x| x.items)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        ConsoleFragment {
            v: live_view(s, &tr),
            running_id: running.map(|x| x.0).unwrap_or_default(),
            items,
            days: program_view(s, &tr),
            announcements: announcements(s, &tr, 20),
            has_next: s.next_item().is_some(),
            has_previous: s.previous_item().is_some(),
            open_poll,
            poll_count,
            csrf,
            tr: tr.clone(),
        }
    });
    Ok(render_string(&frag))
}

pub async fn page(c: Caller) -> Response {
    let console = match console_fragment(&c) {
        Ok(h) => h,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = ConsolePage {
        chrome: Chrome::new(&c.web, &tr, c.principal.as_ref(), &c.path),
        console,
        flash: String::new(),
        error: String::new(),
        tr,
    };
    render(&page)
}

fn principal(c: &Caller) -> Result<&daihoi_app::Principal, Error> {
    c.require(Capability::RunSession)
}

pub async fn start(c: Caller, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let r = match principal(&c) {
        Ok(p) => c.web.app.start_session(p, SessionId(id)).await,
        Err(e) => Err(e),
    };
    form_result(&c, &headers, "/console", r)
}

pub async fn end(c: Caller, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let r = match principal(&c) {
        Ok(p) => c.web.app.end_session(p, SessionId(id)).await,
        Err(e) => Err(e),
    };
    form_result(&c, &headers, "/console", r)
}

#[derive(Deserialize)]
pub struct ItemForm {
    item: String,
}

pub async fn set_item(c: Caller, headers: HeaderMap, Form(f): Form<ItemForm>) -> Response {
    let r = match (principal(&c), f.item.trim().parse::<u64>()) {
        (Ok(p), Ok(id)) => c.web.app.set_item(p, Some(ItemId(id))).await,
        (Err(e), _) => Err(e),
        (_, Err(_)) => Err(Error::invalid("item", "invalid_id")),
    };
    form_result(&c, &headers, "/console", r)
}

pub async fn next(c: Caller, headers: HeaderMap) -> Response {
    let r = match principal(&c) {
        Ok(p) => c.web.app.next_item(p).await,
        Err(e) => Err(e),
    };
    form_result(&c, &headers, "/console", r)
}

pub async fn previous(c: Caller, headers: HeaderMap) -> Response {
    let r = match principal(&c) {
        Ok(p) => c.web.app.previous_item(p).await,
        Err(e) => Err(e),
    };
    form_result(&c, &headers, "/console", r)
}

#[derive(Deserialize)]
pub struct AnnounceForm {
    #[serde(default)]
    text: String,
}

pub async fn announce(c: Caller, headers: HeaderMap, Form(f): Form<AnnounceForm>) -> Response {
    let r = match c.require(Capability::Announce) {
        Ok(p) => c.web.app.announce(p, &f.text).await.map(|_| ()),
        Err(e) => Err(e),
    };
    form_result(&c, &headers, "/console", r)
}

pub async fn withdraw(c: Caller, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    let r = match c.require(Capability::Announce) {
        Ok(p) => c.web.app.withdraw_announcement(p, AnnouncementId(id)).await,
        Err(e) => Err(e),
    };
    form_result(&c, &headers, "/console", r)
}
