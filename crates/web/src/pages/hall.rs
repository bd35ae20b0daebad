//! The hall screen (16:9, read from the back of the hall) and the entrance kiosk.

use axum::response::{IntoResponse, Response};
use daihoi_domain::Capability;

use crate::extract::Caller;
use crate::live::render_fragment;
use crate::views::{Chrome, HallPage, Tr, render};

fn hall_page(c: Caller, kiosk: bool) -> Response {
    let p = match c.require(Capability::ViewProgram) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = HallPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        hall: render_fragment(&c.web, "hall", c.lang).unwrap_or_default(),
        kiosk,
        tr,
    };
    render(&page)
}

pub async fn page(c: Caller) -> Response {
    hall_page(c, false)
}

pub async fn kiosk(c: Caller) -> Response {
    hall_page(c, true)
}
