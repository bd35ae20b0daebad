//! Page handlers: parse, call one use case, render.

pub mod admin;
pub mod attendance;
pub mod console;
pub mod credentials;
pub mod delegate;
pub mod docs;
pub mod docs_admin;
pub mod faces;
pub mod hall;
pub mod polls;
pub mod vote;

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{Lang, auth::random_bytes};
use daihoi_domain::{CongressKind, Error, Role};
use serde::Deserialize;

use crate::extract::{Caller, LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::views::{Chrome, LoginPage, SetupPage, Tr, render};

/// Where each role lands after signing in.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::Delegate | Role::Guest | Role::CountingCommittee => "/app",
        Role::Presidium => "/console",
        Role::Admin | Role::Secretariat => "/admin",
        Role::HallScreen => "/hall",
        Role::Kiosk => "/kiosk",
    }
}

pub async fn home(c: Caller) -> Response {
    if c.web.app.needs_setup() {
        return Redirect::to("/setup").into_response();
    }
    match &c.principal {
        Some(p) => Redirect::to(landing(p.role)).into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// Only same-site paths are accepted as a post-sign-in destination.
fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

/// A double-submit token for anonymous forms: reuse the browser's, or mint one.
fn pre_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, PRE_COOKIE).filter(|v| v.len() >= 16) {
        Some(v) => (v.to_string(), None),
        None => {
            use base64::Engine as _;
            let v = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<18>());
            let h = set_cookie(PRE_COOKIE, &v, 86400, false, true);
            (v, Some(h))
        }
    }
}

fn with_cookie(mut res: Response, c: Option<HeaderValue>) -> Response {
    if let Some(c) = c {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_page(
    c: &Caller,
    headers: &HeaderMap,
    error: String,
    username: String,
    next: String,
    status: StatusCode,
) -> Response {
    let (pre, set) = pre_token(headers);
    let tr = Tr::new(&c.web, c.lang);
    let page = LoginPage {
        chrome: Chrome::bare(&c.web, &tr, &c.path),
        tr,
        error,
        username,
        next,
        pre,
    };
    with_cookie((status, render(&page)).into_response(), set)
}

pub async fn login_form(c: Caller, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    if c.web.app.needs_setup() {
        return Redirect::to("/setup").into_response();
    }
    login_page(
        &c,
        &headers,
        String::new(),
        String::new(),
        q.next,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(c: Caller, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    match c
        .web
        .app
        .sign_in_password(&f.username, &f.password, &c.client)
    {
        Ok(signed) => {
            let to = safe_next(&f.next)
                .unwrap_or(landing(signed.role))
                .to_string();
            session_response(&c, &signed.cookie, signed.max_age.num_seconds(), &to)
        }
        Err(e) => {
            let msg = c.web.app.catalogue.error(c.lang, &e);
            login_page(
                &c,
                &headers,
                msg,
                f.username,
                f.next,
                crate::error::status_of(&e),
            )
        }
    }
}

fn session_response(c: &Caller, value: &str, max_age: i64, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            value,
            max_age,
            c.web.opts.secure_cookies,
            true,
        ),
    );
    res
}

pub async fn logout(c: Caller) -> Response {
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, c.web.opts.secure_cookies, true),
    );
    res
}

/// A delegate's QR code opens a session on the phone that scanned it.
pub async fn qr_sign_in(c: Caller, Path(token): Path<String>) -> Response {
    match c.web.app.sign_in_qr(&token, &c.client) {
        Ok(s) => session_response(&c, &s.cookie, s.max_age.num_seconds(), landing(s.role)),
        Err(e) => c
            .page_err(if e == Error::Unauthenticated {
                Error::conflict("QR_INVALID")
            } else {
                e
            })
            .into_response(),
    }
}

pub async fn link_sign_in(c: Caller, Path(token): Path<String>) -> Response {
    match c.web.app.sign_in_link(&token, &c.client) {
        Ok(s) => session_response(&c, &s.cookie, s.max_age.num_seconds(), landing(s.role)),
        Err(e) => c
            .page_err(if e == Error::Unauthenticated {
                Error::conflict("LINK_INVALID")
            } else {
                e
            })
            .into_response(),
    }
}

pub async fn set_lang(c: Caller, Path(code): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let to = safe_next(&q.next).unwrap_or("/").to_string();
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            31_536_000,
            c.web.opts.secure_cookies,
            false,
        ),
    );
    res
}

fn setup_page(
    c: &Caller,
    headers: &HeaderMap,
    form: SetupInput,
    error: String,
    status: StatusCode,
) -> Response {
    let (pre, set) = pre_token(headers);
    let tr = Tr::new(&c.web, c.lang);
    let kinds = CongressKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), tr.kind(k)))
        .collect();
    let page = SetupPage {
        chrome: Chrome::bare(&c.web, &tr, &c.path),
        tr,
        error,
        pre,
        form,
        kinds,
    };
    with_cookie((status, render(&page)).into_response(), set)
}

pub async fn setup_form(c: Caller, headers: HeaderMap) -> Response {
    if !c.web.app.needs_setup() {
        return Redirect::to("/").into_response();
    }
    let mut form = SetupInput::default();
    form.congress.kind = CongressKind::PartyCongress.as_str().into();
    setup_page(&c, &headers, form, String::new(), StatusCode::OK)
}

pub async fn setup(c: Caller, headers: HeaderMap, Form(mut form): Form<SetupInput>) -> Response {
    match c.web.app.setup(&form).await {
        Ok(_) => match c
            .web
            .app
            .sign_in_password(&form.username, &form.password, &c.client)
        {
            Ok(s) => session_response(&c, &s.cookie, s.max_age.num_seconds(), "/admin"),
            Err(_) => Redirect::to("/login").into_response(),
        },
        Err(e) => {
            form.password.clear();
            let msg = c.web.app.catalogue.error(c.lang, &e);
            setup_page(&c, &headers, form, msg, crate::error::status_of(&e))
        }
    }
}

pub async fn not_found(c: Caller) -> Response {
    if c.path.starts_with("/api/") {
        return c.api_err(Error::NotFound { what: "page" }).into_response();
    }
    c.page_err(Error::NotFound { what: "page" }).into_response()
}

/// Answer a form post: a script asking (`X-Requested-With: fetch`) gets 204 or a JSON
/// error; a plain browser is redirected back, or sees the error page.
pub fn form_result(c: &Caller, headers: &HeaderMap, back: &str, r: Result<(), Error>) -> Response {
    let fetch = headers
        .get("x-requested-with")
        .is_some_and(|v| v == "fetch");
    match (r, fetch) {
        (Ok(()), true) => StatusCode::NO_CONTENT.into_response(),
        (Ok(()), false) => Redirect::to(back).into_response(),
        (Err(e), true) => c.api_err(e).into_response(),
        (Err(e), false) => c.page_err(e).into_response(),
    }
}
