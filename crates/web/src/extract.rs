//! Who is calling and in which language; CSRF and security headers.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use daihoi_app::{Lang, Principal};
use daihoi_domain::{Capability, Error};

use subtle::ConstantTimeEq;

use crate::Web;
use crate::error::{ApiError, PageError};

pub const SESSION_COOKIE: &str = "daihoi_session";
pub const LANG_COOKIE: &str = "daihoi_lang";
/// Double-submit token for forms posted before signing in (sign-in, setup).
pub const PRE_COOKIE: &str = "daihoi_pre";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    secure: bool,
    http_only: bool,
) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        s.push_str("; HttpOnly");
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

fn principal_of(web: &Web, headers: &HeaderMap) -> Option<Principal> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return auth
            .strip_prefix("Bearer ")
            .and_then(|t| web.app.authenticate_bearer(t.trim()));
    }
    cookie(headers, SESSION_COOKIE).and_then(|c| web.app.authenticate_cookie(c))
}

/// The caller of a handler: who (if anyone), in which language, at which path.
pub struct Caller {
    pub web: Web,
    pub principal: Option<Principal>,
    pub lang: Lang,
    pub path: String,
    pub client: String,
}

impl Caller {
    pub fn require(&self, cap: Capability) -> Result<&Principal, Error> {
        let p = self.principal.as_ref().ok_or(Error::Unauthenticated)?;
        p.require(cap)?;
        Ok(p)
    }
    pub fn signed_in(&self) -> Result<&Principal, Error> {
        self.principal.as_ref().ok_or(Error::Unauthenticated)
    }
    pub fn page_err(&self, err: Error) -> PageError {
        PageError {
            web: self.web.clone(),
            lang: self.lang,
            err,
            path: self.path.clone(),
        }
    }
    pub fn api_err(&self, err: Error) -> ApiError {
        ApiError {
            web: self.web.clone(),
            lang: self.lang,
            err,
        }
    }
}

impl FromRequestParts<Web> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".into());
        Ok(Caller {
            web: web.clone(),
            principal: principal_of(web, &parts.headers),
            lang: lang_of(&parts.headers),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            client,
        })
    }
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Every state-changing request made with cookies must carry the CSRF token (header
/// `X-CSRF-Token`, form field `_csrf`, or query `_csrf` for uploads). Bearer-token calls
/// carry no ambient credential and are exempt.
pub async fn csrf_guard(State(web): State<Web>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let lang = lang_of(&headers);
    // Either the session's token, or the double-submit token of forms shown before
    // signing in (the sign-in form may be posted from a browser that is already signed in).
    let session_token = cookie(&headers, SESSION_COOKIE)
        .and_then(|c| web.app.authenticate_cookie(c))
        .and_then(|p| p.csrf);
    let pre_token = cookie(&headers, PRE_COOKIE)
        .filter(|v| v.len() >= 16)
        .map(str::to_string);
    let mut given: Option<String> = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if given.is_none() {
        given = req
            .uri()
            .query()
            .and_then(|q| query_param(q, "_csrf"))
            .map(str::to_string);
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let req = if given.is_none() && is_form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, web.opts.max_body_bytes).await else {
            return too_large(&web, lang, parts.uri.path());
        };
        given = form_field(&bytes, "_csrf");
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let ok = given.as_deref().is_some_and(|g| {
        [&session_token, &pre_token]
            .into_iter()
            .flatten()
            .any(|e| !e.is_empty() && bool::from(e.as_bytes().ct_eq(g.as_bytes())))
    });
    match ok {
        true => next.run(req).await,
        false => {
            let err = Error::conflict("CSRF");
            let path = req.uri().path().to_string();
            if path.starts_with("/api/") {
                ApiError { web, lang, err }.into_response()
            } else {
                PageError {
                    web,
                    lang,
                    err,
                    path,
                }
                .into_response()
            }
        }
    }
}

fn too_large(web: &Web, lang: Lang, path: &str) -> Response {
    let err = Error::TooLarge {
        limit_bytes: web.opts.max_body_bytes as u64,
    };
    if path.starts_with("/api/") {
        ApiError {
            web: web.clone(),
            lang,
            err,
        }
        .into_response()
    } else {
        PageError {
            web: web.clone(),
            lang,
            err,
            path: path.to_string(),
        }
        .into_response()
    }
}

/// Refuse bodies over the limit up front, with a translated 413 (the body-limit layer
/// behind this catches chunked uploads that lie about nothing).
pub async fn body_limit(State(web): State<Web>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > web.opts.max_body_bytes) {
        let lang = lang_of(req.headers());
        return too_large(&web, lang, req.uri().path());
    }
    next.run(req).await
}

pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name)
            .then(|| v.replace('+', " "))
            .map(|v| percent_decode(&v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    );
    res
}
