//! First run over HTTP: the setup form, its pre-sign-in CSRF token, and only once.

use daihoi_testkit::{ADMIN_NAME, Backend, CONGRESS_NAME, StatusCode, form_csrf, spawn_app};

use crate::common::admin_client;

fn setup_fields(password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", CONGRESS_NAME.to_string()),
        ("place", "Hội trường Trung tâm Hội nghị tỉnh".to_string()),
        ("starts_on", "2026-12-01".to_string()),
        ("ends_on", "2026-12-03".to_string()),
        ("kind", "party_congress".to_string()),
        ("username", "admin".to_string()),
        ("display_name", ADMIN_NAME.to_string()),
        ("password", password.to_string()),
    ]
}

fn borrow<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn setup_flow(b: Backend) {
    let t = spawn_app(b).await;
    let c = t.client();

    // A fresh server sends everyone to the setup form.
    for path in ["/", "/login"] {
        let p = c.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(p.location(), Some("/setup"), "{path}");
    }
    let form = c.get("/setup").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.contains("action=\"/setup\"") && form.contains("name=\"password\""),
        "{}",
        form.body
    );
    let pre_cookie = form
        .set_cookie("daihoi_pre")
        .expect("the form sets the pre-sign-in cookie");
    assert!(
        pre_cookie.contains("HttpOnly") && pre_cookie.contains("SameSite=Lax"),
        "{pre_cookie}"
    );
    let pre = form_csrf(&form.body)
        .expect("hidden _csrf field")
        .to_string();

    let fields = setup_fields(daihoi_testkit::ADMIN_PASSWORD);

    // Without the token, and with a wrong one: refused, nothing created.
    let p = c.post_form_raw("/setup", &borrow(&fields)).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(
        p.contains("Phiên làm việc của biểu mẫu đã hết hạn"),
        "{}",
        p.body
    );
    let mut wrong = borrow(&fields);
    wrong.push(("_csrf", "AAAAAAAAAAAAAAAAAAAAAAAA"));
    let p = c.post_form_raw("/setup", &wrong).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    // The token of another browser does not work either (double submit).
    let other = t.client();
    let p = other
        .post_form_raw(
            "/setup",
            &[borrow(&fields), vec![("_csrf", pre.as_str())]].concat(),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(t.app.needs_setup());
    assert_eq!(t.app.engine.head_seq(), 0, "nothing was written");

    // A too short password is named, the form comes back filled in (but not the password).
    let short = setup_fields("ngắn");
    let p = c
        .post_form_raw(
            "/setup",
            &[borrow(&short), vec![("_csrf", pre.as_str())]].concat(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.contains("Mật khẩu: cần ít nhất 10 ký tự"), "{}", p.body);
    assert!(p.contains(CONGRESS_NAME), "the form keeps what was typed");
    assert!(!p.contains("value=\"ngắn\""), "never echo a password");
    assert!(t.app.needs_setup());

    // With it: created, signed in as the administrator, sent to /admin.
    let p = c
        .post_form_raw(
            "/setup",
            &[borrow(&fields), vec![("_csrf", pre.as_str())]].concat(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), Some("/admin"));
    assert!(
        p.session_cookie().is_some(),
        "signed in: {:?}",
        p.set_cookies()
    );
    assert!(!t.app.needs_setup());
    assert_eq!(
        t.app
            .read(|s| s.info.as_ref().map(|i| i.name.clone()))
            .as_deref(),
        Some(CONGRESS_NAME)
    );
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["role"], "admin");
    assert_eq!(me.json()["display_name"], ADMIN_NAME);
    let console = c.get("/console").await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.contains(CONGRESS_NAME), "{}", console.body);

    // Once only: the form is gone, and posting it anyway is refused.
    let p = c.get("/setup").await;
    assert_eq!((p.status, p.location()), (StatusCode::SEE_OTHER, Some("/")));
    let stranger = t.client();
    let login = stranger.get("/login").await;
    let pre2 = form_csrf(&login.body)
        .expect("login form token")
        .to_string();
    let mut again = setup_fields("mật-khẩu-của-kẻ-khác-2026");
    again[5].1 = "admin2".into();
    let p = stranger
        .post_form_raw(
            "/setup",
            &[borrow(&again), vec![("_csrf", pre2.as_str())]].concat(),
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(p.contains("Hệ thống đã được khởi tạo"), "{}", p.body);
    assert_eq!(t.app.read(|s| s.accounts().count()), 1);
    assert!(t.app.read(|s| s.account_by_username("admin2").is_none()));
    // The administrator can still sign in with the password chosen at setup.
    admin_client(&t).await;
}

both_backends!(setup_flow: setup_flow_sqlite, setup_flow_postgres);
