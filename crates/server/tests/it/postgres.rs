//! PostgreSQL end to end: setup over HTTP, delegates through the API, the live flow, and
//! a restart that replays everything from the database.

use daihoi_domain::Role;
use daihoi_testkit::{
    ADMIN_NAME, Backend, CONGRESS_NAME, ITEM_TITLES, StatusCode, TestApp, form_csrf, spawn_app,
};

use crate::common::delegates_csv;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_end_to_end() {
    let mut t = spawn_app(Backend::Postgres).await;
    assert!(t.database_url().is_some_and(|u| u.starts_with("postgres")));
    assert_eq!(t.app.engine.store().backend(), "postgres");

    // Setup over HTTP.
    let admin = t.client();
    let form = admin.get("/setup").await;
    let pre = form_csrf(&form.body).expect("token").to_string();
    let s = TestApp::setup_input();
    let p = admin
        .post_form_raw(
            "/setup",
            &[
                ("name", s.congress.name.as_str()),
                ("place", s.congress.place.as_str()),
                ("starts_on", "2026-12-01"),
                ("ends_on", "2026-12-03"),
                ("kind", "party_congress"),
                ("username", s.username.as_str()),
                ("display_name", s.display_name.as_str()),
                ("password", s.password.as_str()),
                ("_csrf", &pre),
            ],
        )
        .await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, Some("/admin")),
        "{}",
        p.body
    );

    // Delegates through the API, the program through the use cases.
    let token = t.token(Role::Admin).await;
    let csv = delegates_csv(&[
        ("DB001", "Phạm Minh Đức", "Đoàn A"),
        ("DB002", "Hoàng Thu Hà", "Đoàn B"),
        ("DB003", "Vũ Hữu Phước", "Đoàn C"),
    ]);
    let p = admin
        .post_bytes_bearer("/api/v1/delegates/import", &token, "text/csv", csv)
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    t.start_program().await;

    crate::live::live_flow(&t).await;
    let head = t.app.engine.head_seq();
    let before = crate::common::delegate_client(&t, "DB002").await;

    // Restart: a new server replays the log from PostgreSQL; sessions and links survive
    // (the signing key is in the database too).
    t.restart().await;
    assert_eq!(t.app.engine.head_seq(), head);
    assert_eq!(
        t.app
            .read(|s| s.current_item().map(|i| i.fields.title.clone()))
            .as_deref(),
        Some(ITEM_TITLES[2])
    );
    let phone = daihoi_testkit::Client::new(&t.base);
    let p = phone.open_link(&t.qr_url("DB002")).await;
    assert_eq!((p.status, p.path()), (StatusCode::OK, "/app"));
    assert!(
        p.contains("Hoàng Thu Hà")
            && crate::common::current_item(&p.body) == Some(ITEM_TITLES[2])
            && p.contains("Giải lao 15 phút."),
        "{}",
        p.body
    );
    // The phone signed in before the restart still is (cookies do not depend on the port).
    let p = before.get(&t.url("/app")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.contains("Hoàng Thu Hà"));
    let admin = crate::common::admin_client(&t).await;
    let p = admin.get("/console").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.contains(CONGRESS_NAME) && p.contains(ADMIN_NAME),
        "{}",
        p.body
    );
    let p = admin.post_form("/console/previous", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(
        t.app.engine.head_seq(),
        head + 1,
        "the chain continues after the restart"
    );
}
