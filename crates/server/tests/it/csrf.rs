//! Every state-changing request made with a cookie carries the session's CSRF token.

use daihoi_testkit::{Backend, StatusCode, spawn_app};

use crate::common::{admin_client, delegate_client};

const ANNOUNCEMENT: &str = "Đề nghị các đồng chí đại biểu về vị trí, Đại hội tiếp tục làm việc.";

async fn csrf_required(b: Backend) {
    let t = spawn_app(b).await;
    t.setup_congress().await;
    t.import_delegates(1).await;
    let admin = admin_client(&t).await;
    let delegate = delegate_client(&t, "DB001").await;
    let head = t.app.engine.head_seq();
    let count = || t.app.read(|s| s.announcements().count());

    // No token, a wrong one, another session's: 403, nothing appended.
    let p = admin
        .post_form_raw("/console/announce", &[("text", ANNOUNCEMENT)])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(
        p.contains("Phiên làm việc của biểu mẫu đã hết hạn"),
        "{}",
        p.body
    );
    let p = admin
        .post_form_raw(
            "/console/announce",
            &[("text", ANNOUNCEMENT), ("_csrf", "khong-dung-ma-nay")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    let theirs = delegate.csrf().await.expect("delegate token");
    let p = admin
        .post_form_raw(
            "/console/announce",
            &[("text", ANNOUNCEMENT), ("_csrf", &theirs)],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    // A JSON call with the cookie but no header: 403 as JSON.
    let p = admin
        .http()
        .post(admin.url("/api/v1/announcements"))
        .json(&serde_json::json!({ "text": ANNOUNCEMENT }))
        .send()
        .await
        .expect("POST");
    assert_eq!(p.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = p.json().await.expect("JSON error");
    assert_eq!(body["code"], "CSRF");
    assert_eq!(t.app.engine.head_seq(), head, "nothing appended");
    assert_eq!(count(), 0);

    // With the page's token: accepted, shown to delegates.
    let p = admin
        .post_form("/console/announce", &[("text", ANNOUNCEMENT)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), Some("/console"));
    assert_eq!(t.app.engine.head_seq(), head + 1);
    assert_eq!(count(), 1);
    let home = delegate.get("/app").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains(ANNOUNCEMENT), "{}", home.body);

    // The header works as well as the field (scripts use it).
    let token = admin.csrf().await.expect("admin token");
    let p = admin
        .try_post_form_raw(
            "/console/announce",
            &[("text", "Thông báo thứ hai")],
            &[("x-csrf-token", &token), ("x-requested-with", "fetch")],
        )
        .await
        .expect("POST");
    assert_eq!(p.status, StatusCode::NO_CONTENT, "{}", p.body);
    assert_eq!(count(), 2);

    // Bearer tokens carry no ambient credential: no CSRF token needed.
    let bearer = t.token(daihoi_domain::Role::Presidium).await;
    let p = t
        .client()
        .post_json_bearer(
            "/api/v1/announcements",
            &bearer,
            &serde_json::json!({ "text": "Thông báo từ hệ thống" }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    assert_eq!(p.json()["text"], "Thông báo từ hệ thống");
    assert_eq!(count(), 3);
}

both_backends!(csrf_required: csrf_required_sqlite, csrf_required_postgres);
