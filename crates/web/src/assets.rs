//! Static assets, embedded in the binary and served under content-hashed names with a
//! year-long cache lifetime. The service worker and the manifest keep fixed names at the
//! root (a worker's scope is its path).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::Web;

struct Asset {
    hashed: String,
    mime: &'static str,
    bytes: &'static [u8],
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/live.js"),
    ),
    (
        "docs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/docs.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../assets/icon.svg"),
    ),
    (
        "icon-192.png",
        "image/png",
        include_bytes!("../assets/icon-192.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../assets/icon-512.png"),
    ),
];

/// Assets by plain name, and plain names by hashed name.
type Table = (HashMap<&'static str, Asset>, HashMap<String, &'static str>);

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut by_name = HashMap::new();
        let mut by_hashed = HashMap::new();
        for (name, mime, bytes) in FILES {
            let h = hex::encode(&Sha256::digest(bytes)[..6]);
            let hashed = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{h}.{ext}"),
                None => format!("{name}.{h}"),
            };
            by_hashed.insert(hashed.clone(), *name);
            by_name.insert(
                *name,
                Asset {
                    hashed,
                    mime,
                    bytes,
                },
            );
        }
        (by_name, by_hashed)
    })
}

/// The URL of an asset by its plain name, e.g. `url("app.css")` → `/static/app.1a2b3c.css`.
pub fn url(name: &str) -> String {
    match table().0.get(name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// Every hashed asset URL, for the service worker's precache list.
pub fn all_urls() -> Vec<String> {
    let mut v: Vec<String> = table()
        .0
        .values()
        .map(|a| format!("/static/{}", a.hashed))
        .collect();
    v.sort();
    v
}

async fn serve(Path(file): Path<String>) -> Response {
    let (by_name, by_hashed) = table();
    let Some(a) = by_hashed.get(&file).and_then(|n| by_name.get(n)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(a.mime)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        a.bytes,
    )
        .into_response()
}

const SW: &str = include_str!("../assets/sw.js");

/// The service worker, with the current asset list and a version derived from it.
async fn service_worker() -> Response {
    let urls = all_urls();
    let version = hex::encode(&Sha256::digest(urls.join(",").as_bytes())[..6]);
    let body = SW.replace("__VERSION__", &version).replace(
        "__ASSETS__",
        &serde_json::to_string(&urls).unwrap_or_default(),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

async fn manifest() -> Response {
    let m = serde_json::json!({
        "name": "daihoi – Đại hội không giấy",
        "short_name": "Đại hội",
        "description": "Chương trình, tài liệu, thông báo và biểu quyết của đại hội.",
        "lang": "vi",
        "start_url": "/app",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#a5131b",
        "icons": [
            {"src": url("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": url("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            {"src": url("icon.svg"), "sizes": "any", "type": "image/svg+xml"}
        ]
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        )],
        m.to_string(),
    )
        .into_response()
}

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/static/{file}", get(serve))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
}
