//! Health check and the two faces of "not found".

use daihoi_testkit::{Backend, StatusCode, spawn_app};

use crate::common::api_error;

async fn health_and_not_found(b: Backend) {
    let t = spawn_app(b).await;
    t.setup_congress().await;
    let c = t.client();

    let p = c.get("/healthz").await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.body, "ok");

    let p = c.get("/khong-co-trang-nay").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    assert!(
        p.content_type().starts_with("text/html"),
        "{}",
        p.content_type()
    );
    assert!(p.contains("Không tìm thấy"), "{}", p.body);
    assert!(
        p.contains("<html lang=\"vi\""),
        "Vietnamese by default: {}",
        p.body
    );

    for path in ["/api/v1/khong-co", "/api/v2/live", "/api/"] {
        let p = c.get(path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}: {}", p.body);
        assert!(
            p.content_type().starts_with("application/json"),
            "{path}: {}",
            p.content_type()
        );
        let (code, message) = api_error(&p);
        assert_eq!(code, "NOT_FOUND", "{path}");
        assert!(message.contains("Không tìm thấy"), "{path}: {message}");
    }

    // Security headers on every answer.
    let p = c.get("/login").await;
    assert_eq!(
        p.headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(
        p.headers
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    assert!(p.headers.contains_key("content-security-policy"));
}

both_backends!(health_and_not_found: health_and_not_found_sqlite, health_and_not_found_postgres);
