//! The credentials page through the whole router: a real SQLite store, a fixed clock,
//! browsers signed in with cookies posting plain forms (no JavaScript).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{NaiveDate, TimeZone, Utc};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, FixedClock};
use daihoi_domain::Role;
use daihoi_domain::state::CongressInput;
use daihoi_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::WebOptions;
use crate::error::urlencode;

const PASSWORD: &str = "mật-khẩu-rất-dài";

struct Browser {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

struct Env {
    app: Arc<App>,
    router: Router,
    secretary: Browser,
    chair: Browser,
    delegate: Browser,
    _dir: tempfile::TempDir,
}

fn sign_in(app: &App, username: &str) -> Browser {
    let signed = app.sign_in_password(username, PASSWORD, "test").unwrap();
    let p = app.authenticate_cookie(&signed.cookie).unwrap();
    Browser {
        cookie: format!("{}={}", crate::extract::SESSION_COOKIE, signed.cookie),
        csrf: p.csrf.unwrap(),
    }
}

/// The demo congress's 449 official delegates (and its alternates and guests), its first
/// two sessions, a secretary, a chair and a delegate signed in.
async fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap(),
    ));
    let app = App::open(Arc::new(store), clock, "http://test")
        .await
        .unwrap();
    app.setup(&SetupInput {
        congress: CongressInput {
            name: "Đại hội đại biểu Đảng bộ tỉnh".into(),
            place: "Hội trường".into(),
            starts_on: "01/12/2026".into(),
            ends_on: "03/12/2026".into(),
            kind: "party_congress".into(),
        },
        username: "admin".into(),
        display_name: "Quản trị viên".into(),
        password: PASSWORD.into(),
    })
    .await
    .unwrap();
    let admin = {
        let signed = app.sign_in_password("admin", PASSWORD, "test").unwrap();
        app.authenticate_cookie(&signed.cookie).unwrap()
    };
    for (user, name, role) in [
        ("thuky", "Nguyễn Thư Ký", Role::Secretariat),
        ("chutich", "Trần Chủ Tịch", Role::Presidium),
    ] {
        app.create_account(&admin, user, name, role, Some(PASSWORD))
            .await
            .unwrap();
    }
    let demo = daihoi_data::demo::provincial_party_congress(
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        2026,
    );
    app.import_rows(&admin, "demo", demo.delegates)
        .await
        .unwrap();
    for s in demo.sessions.iter().take(2) {
        app.add_session(&admin, &s.input).await.unwrap();
    }
    let delegate = {
        let url = app.read(|s| app.qr_url(s.delegates().next().unwrap()));
        let token = url.rsplit('/').next().unwrap().to_string();
        let signed = app.sign_in_qr(&token, "t").unwrap();
        Browser {
            cookie: format!("{}={}", crate::extract::SESSION_COOKIE, signed.cookie),
            csrf: String::new(),
        }
    };
    let router = crate::router(app.clone(), WebOptions::default());
    Env {
        secretary: sign_in(&app, "thuky"),
        chair: sign_in(&app, "chutich"),
        delegate,
        app,
        router,
        _dir: dir,
    }
}

impl Env {
    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    async fn get(&self, b: &Browser, path: &str) -> Answer {
        self.send(
            Request::builder()
                .method(Method::GET)
                .uri(path)
                .header(header::COOKIE, &b.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut parts = vec![format!("_csrf={}", urlencode(&b.csrf))];
        parts.extend(
            fields
                .iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))),
        );
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::COOKIE, &b.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(parts.join("&")))
                .unwrap(),
        )
        .await
    }
}

#[tokio::test]
async fn staff_read_the_report_delegates_do_not() {
    let e = env().await;
    let page = e.get(&e.chair, "/console/credentials").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Báo cáo thẩm tra tư cách đại biểu"));
    assert!(html.contains(r#"data-testid="summoned">449<"#));
    assert!(html.contains(r#"data-testid="suggested-base">449<"#));
    assert!(html.contains("<svg"), "bar charts");
    assert!(html.contains("của 449 đại biểu chính thức"));
    assert!(html.contains("Trình độ chuyên môn"));
    assert!(html.contains(r#"href="/console/credentials""#), "nav link");
    // The chair reads but cannot record B: no form, and a POST is refused.
    assert!(!html.contains(r#"action="/console/credentials/base""#));
    assert!(html.contains("base-read-only"));
    let r = e
        .post(
            &e.chair,
            "/console/credentials/base",
            &[("base", "440"), ("note", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(e.app.read(|s| s.party_base().is_none()));

    for path in [
        "/console/credentials",
        "/console/credentials.pdf",
        "/console/credentials.docx",
    ] {
        let r = e.get(&e.delegate, path).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {}",
            r.status
        );
    }
    // An unknown session is 404.
    let r = e.get(&e.chair, "/console/credentials?session=999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = e.get(&e.chair, "/console/credentials?session=abc").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_secretariat_records_b_from_the_report() {
    let e = env().await;
    let html = e.get(&e.secretary, "/console/credentials").await.text();
    assert!(html.contains(r#"action="/console/credentials/base""#));
    assert!(html.contains(r#"name="base" value="449""#), "prefilled");
    let r = e
        .post(
            &e.secretary,
            "/console/credentials/base",
            &[
                ("base", "447"),
                ("note", "Theo báo cáo thẩm tra tư cách"),
                ("session", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.header(header::LOCATION),
        "/console/credentials?ok=saved#base"
    );
    assert_eq!(
        e.app
            .read(|s| s.party_base().map(|(b, n)| (b, n.to_owned()))),
        Some((447, "Theo báo cáo thẩm tra tư cách".to_owned()))
    );
    let html = e
        .get(&e.secretary, "/console/credentials?ok=saved")
        .await
        .text();
    assert!(html.contains("Đã ghi nhận B."));
    assert!(html.contains(r#"data-testid="recorded-base">447<"#));
    assert!(html.contains("Theo báo cáo thẩm tra tư cách"));

    // Out of range: the page again, 422, the message next to the field, the typed value kept.
    let r = e
        .post(
            &e.secretary,
            "/console/credentials/base",
            &[("base", "450"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains(r#"name="base" value="450""#));
    assert!(html.contains("field-error"));
    let r = e
        .post(
            &e.secretary,
            "/console/credentials/base",
            &[("base", "abc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Without the CSRF token nothing is recorded.
    let no_csrf = Browser {
        cookie: e.secretary.cookie.clone(),
        csrf: "wrong".into(),
    };
    let r = e
        .post(&no_csrf, "/console/credentials/base", &[("base", "440")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(e.app.read(|s| s.party_base().map(|(b, _)| b)), Some(447));
}

#[tokio::test]
async fn exports_carry_vietnamese_names_and_the_figures() {
    let e = env().await;
    let second = e.app.read(|s| s.sessions()[1].id);
    let pdf = e
        .get(
            &e.secretary,
            &format!("/console/credentials.pdf?session={second}"),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
    assert!(
        pdf.header(header::CONTENT_DISPOSITION)
            .contains("filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20th%E1%BA%A9m%20tra"),
        "{}",
        pdf.header(header::CONTENT_DISPOSITION)
    );
    let docx = e.get(&e.chair, "/console/credentials.docx").await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(docx.bytes.starts_with(b"PK"));
    assert!(docx.header(header::CONTENT_DISPOSITION).ends_with(".docx"));
    let got = daihoi_docs::extract(
        &docx.bytes,
        daihoi_docs::Kind::Docx,
        &daihoi_docs::Limits::default(),
        &mut |_, _| {},
    )
    .unwrap();
    let text = got.pages.join("\n");
    assert!(text.contains("BÁO CÁO THẨM TRA TƯ CÁCH ĐẠI BIỂU"), "{text}");
    assert!(text.contains("Tổng số đại biểu chính thức được triệu tập: 449."));
}

#[tokio::test]
async fn nothing_is_english_in_vietnamese_and_the_reverse() {
    let e = env().await;
    let html = e.get(&e.secretary, "/console/credentials").await.text();
    let html = html.replace("/console/credentials.", "/");
    assert!(!html.contains("credentials."), "a catalogue key leaked");
    // What a reader sees: the text between tags (links such as /admin/delegates are not).
    let mut seen = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                seen.push(' ');
            }
            c if !in_tag => seen.push(c),
            _ => {}
        }
    }
    for english in [
        "Present",
        "Absent",
        "Record B",
        "Download",
        "Women",
        "delegates",
    ] {
        assert!(!seen.contains(english), "{english} in the Vietnamese page");
    }
    let en = Browser {
        cookie: format!("{}; {}=en", e.secretary.cookie, crate::extract::LANG_COOKIE),
        csrf: e.secretary.csrf.clone(),
    };
    let html = e.get(&en, "/console/credentials").await.text();
    let html = html.replace("/console/credentials.", "/");
    assert!(html.contains("Credentials report"));
    assert!(html.contains("of 449 official delegates"));
    assert!(!html.contains("credentials."), "a catalogue key leaked");
}
