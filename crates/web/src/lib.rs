//! The HTTP face of daihoi: server-rendered pages (askama) for every role, the JSON API
//! under `/api/v1` with its OpenAPI document, live updates over Server-Sent Events and
//! the embedded, content-hashed assets. Handlers are thin: parse, call one use case,
//! render.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use daihoi_app::App;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::limit::RequestBodyLimitLayer;

mod api;
mod assets;
mod error;
mod extract;
mod live;
mod pages;
mod views;

pub use error::status_of;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Mark cookies `Secure` (serve over TLS, or behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// Largest request body accepted (uploads included), in bytes.
    pub max_body_bytes: usize,
}

impl Default for WebOptions {
    fn default() -> Self {
        WebOptions {
            secure_cookies: false,
            max_body_bytes: 20 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct Web {
    pub app: Arc<App>,
    pub opts: Arc<WebOptions>,
    pub fragments: Arc<live::FragmentCache>,
}

pub fn router(app: Arc<App>, opts: WebOptions) -> Router {
    let max = opts.max_body_bytes;
    let web = Web {
        app,
        opts: Arc::new(opts),
        fragments: Arc::new(live::FragmentCache::default()),
    };
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/q/{token}", get(pages::qr_sign_in))
        .route("/l/{token}", get(pages::link_sign_in))
        .route("/lang/{code}", get(pages::set_lang))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/app", get(pages::delegate::home))
        .route("/app/program", get(pages::delegate::program))
        .route("/console", get(pages::console::page))
        .route("/console/session/{id}/start", post(pages::console::start))
        .route("/console/session/{id}/end", post(pages::console::end))
        .route("/console/item", post(pages::console::set_item))
        .route("/console/next", post(pages::console::next))
        .route("/console/previous", post(pages::console::previous))
        .route("/console/announce", post(pages::console::announce))
        .route(
            "/console/announcement/{id}/withdraw",
            post(pages::console::withdraw),
        )
        .route("/hall", get(pages::hall::page))
        .route("/kiosk", get(pages::hall::kiosk))
        .merge(pages::admin::routes())
        .merge(pages::vote::routes())
        .merge(pages::polls::routes())
        .merge(pages::docs::routes())
        .merge(pages::docs_admin::routes())
        .merge(pages::attendance::routes())
        .merge(pages::credentials::routes())
        .merge(pages::faces::routes())
        .route("/fragments/{name}", get(live::fragment))
        .route("/events", get(live::events))
        .nest("/api/v1", api::routes())
        .merge(assets::routes())
        .fallback(pages::not_found)
        // Layers run outside-in from the last one added: compression, security headers,
        // the translated 413 for a declared oversized body, then the hard body limit
        // (chunked uploads), then CSRF.
        .layer(axum::middleware::from_fn_with_state(
            web.clone(),
            extract::csrf_guard,
        ))
        .layer(RequestBodyLimitLayer::new(max))
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            web.clone(),
            extract::body_limit,
        ))
        .layer(axum::middleware::from_fn(extract::security_headers))
        // Small bodies (the live fragments every phone re-reads after a notice) go out as
        // they are: compressing 600 bytes for 10,000 phones cost more CPU than it saved.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(1400))),
        )
        .with_state(web)
}
