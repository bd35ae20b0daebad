//! What each role may open: delegates and hall screens never reach the console or the
//! organiser pages.

use daihoi_domain::Role;
use daihoi_testkit::{Backend, ITEM_TITLES, SESSION_TITLE, StatusCode, spawn_app};

use crate::common::delegate_client;

const FORBIDDEN: &str = "Bạn không có quyền thực hiện thao tác này.";

async fn roles(b: Backend) {
    let t = spawn_app(b).await;
    t.setup_congress().await;
    t.import_delegates(2).await;
    let (_, items) = t.start_program().await;
    let current = || t.app.read(|s| s.current_item().map(|i| i.id));
    assert_eq!(current(), Some(items[0]));

    // A delegate.
    let d = delegate_client(&t, "DB001").await;
    for path in [
        "/console",
        "/admin",
        "/admin/delegates",
        "/admin/accounts",
        "/admin/audit",
        "/fragments/console",
    ] {
        let p = d.get(path).await;
        assert_eq!(
            p.status,
            StatusCode::FORBIDDEN,
            "delegate GET {path}: {}",
            p.body
        );
        if p.content_type().starts_with("text/html") {
            assert!(p.contains(FORBIDDEN), "{path}: {}", p.body);
        }
    }
    let csrf = d
        .csrf()
        .await
        .expect("a signed-in delegate has a CSRF token");
    let head = t.app.engine.head_seq();
    for path in ["/console/next", "/console/announce"] {
        let p = d
            .post_form(path, &[("text", "Đại biểu tự thông báo")])
            .await;
        assert_eq!(
            p.status,
            StatusCode::FORBIDDEN,
            "delegate POST {path} (CSRF token {csrf}): {}",
            p.body
        );
    }
    let p = d.get("/api/v1/delegates").await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "the delegate list holds personal data: {}",
        p.body
    );
    assert_eq!(t.app.engine.head_seq(), head, "nothing was written");
    assert_eq!(current(), Some(items[0]));
    // What a delegate may see.
    for path in [
        "/app",
        "/app/program",
        "/fragments/live",
        "/fragments/announcements",
    ] {
        assert_eq!(
            d.get(path).await.status,
            StatusCode::OK,
            "delegate GET {path}"
        );
    }

    // The hall screen, signed in by its link.
    let screen = t
        .create_account("manhinh1", "Màn hình hội trường", Role::HallScreen, None)
        .await;
    let hall = t.client();
    let p = hall.open_link(&t.link_url(screen)).await;
    assert_eq!(
        (p.status, p.path()),
        (StatusCode::OK, "/hall"),
        "{}",
        p.body
    );
    assert!(
        p.contains(SESSION_TITLE) && p.contains(ITEM_TITLES[0]),
        "{}",
        p.body
    );
    let p = hall.get("/fragments/hall").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.contains(ITEM_TITLES[0]));
    for path in ["/console", "/admin", "/fragments/console"] {
        let p = hall.get(path).await;
        assert_eq!(
            p.status,
            StatusCode::FORBIDDEN,
            "hall screen GET {path}: {}",
            p.body
        );
    }
    let p = hall.post_form("/console/next", &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert_eq!(current(), Some(items[0]));

    // Nobody signed in: sent to the sign-in page, back here afterwards.
    let anon = t.client();
    let p = anon.get("/console").await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, Some("/login?next=/console"))
    );
    let p = anon.get("/api/v1/live").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);
    let p = anon.get("/events").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);
}

both_backends!(roles: roles_sqlite, roles_postgres);
