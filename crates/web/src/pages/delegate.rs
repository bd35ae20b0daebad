//! The delegate's phone: the live session and item, announcements, the program.

use axum::response::{IntoResponse, Response};
use daihoi_domain::Capability;

use crate::extract::Caller;
use crate::live::render_fragment;
use crate::views::{Chrome, DelegateHome, ProgramPage, Tr, render};

pub async fn home(c: Caller) -> Response {
    let p = match c.require(Capability::ViewProgram) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = DelegateHome {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        live: render_fragment(&c.web, "live", c.lang).unwrap_or_default(),
        announcements: render_fragment(&c.web, "announcements", c.lang).unwrap_or_default(),
        who: p.display_name.clone(),
        tr,
    };
    render(&page)
}

pub async fn program(c: Caller) -> Response {
    let p = match c.require(Capability::ViewProgram) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = ProgramPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        program: render_fragment(&c.web, "program", c.lang).unwrap_or_default(),
        tr,
    };
    render(&page)
}
