//! The voting pages through the whole router: a real SQLite store, a fixed clock, a
//! Party congress with three official delegates present and B = 3.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, FixedClock, Principal};
use daihoi_domain::model::{DelegateFields, DelegateId, DelegateKind, PollId};
use daihoi_domain::poll::PollInput;
use daihoi_domain::state::{CongressInput, SessionInput};
use daihoi_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::WebOptions;

const PASSWORD: &str = "mật-khẩu-rất-dài";

struct Env {
    app: Arc<App>,
    router: Router,
    admin: Principal,
    /// (cookie header, CSRF token) of each delegate.
    delegates: Vec<(String, String)>,
    ids: Vec<DelegateId>,
    _dir: tempfile::TempDir,
}

struct Page {
    status: StatusCode,
    html: String,
}

fn official(i: usize) -> DelegateFields {
    DelegateFields {
        code: format!("DB{i:03}"),
        full_name: format!("Nguyễn Văn {i}"),
        birth_date: None,
        gender: None,
        ethnicity: "Kinh".into(),
        position: String::new(),
        unit: String::new(),
        delegation: "Đoàn 1".into(),
        group: "Tổ 1".into(),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: Default::default(),
    }
}

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
    let signed = app.sign_in_password("admin", PASSWORD, "t").unwrap();
    let admin = app.authenticate_cookie(&signed.cookie).unwrap();
    app.import_rows(&admin, "t", (1..=3).map(official).collect())
        .await
        .unwrap();
    app.record_base(&admin, 3, "Báo cáo thẩm tra tư cách")
        .await
        .unwrap();
    let s = app
        .add_session(
            &admin,
            &SessionInput {
                date: "01/12/2026".into(),
                title: "Phiên trù bị".into(),
                kind: "plenary".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.start_session(&admin, s).await.unwrap();
    let mut ids: Vec<DelegateId> = app.read(|st| st.delegates().map(|d| d.id).collect());
    ids.sort();
    for id in &ids {
        app.mark_attendance(&admin, s, *id, true).await.unwrap();
    }
    let mut delegates = Vec::new();
    for id in &ids {
        let url = app.read(|st| app.qr_url(st.delegate(*id).unwrap()));
        let token = url.rsplit('/').next().unwrap().to_string();
        let signed = app.sign_in_qr(&token, "t").unwrap();
        let p = app.authenticate_cookie(&signed.cookie).unwrap();
        delegates.push((format!("daihoi_session={}", signed.cookie), p.csrf.unwrap()));
    }
    let router = crate::router(app.clone(), WebOptions::default());
    Env {
        app,
        router,
        admin,
        delegates,
        ids,
        _dir: dir,
    }
}

impl Env {
    async fn poll(&self, title: &str, questions: &str, mode: &str) -> u64 {
        let id = self
            .app
            .create_poll(
                &self.admin,
                &PollInput {
                    title: title.into(),
                    questions: questions.into(),
                    mode: mode.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        self.app.open_poll(&self.admin, id).await.unwrap();
        id.0
    }

    async fn send(&self, req: Request<Body>) -> Page {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            html: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, cookie: &str, path: &str) -> Page {
        self.send(
            Request::builder()
                .uri(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A form post as a browser sends it (the CSRF token is one of the fields).
    async fn post(&self, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::error::urlencode(v)))
            .collect();
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.join("&")))
                .unwrap(),
        )
        .await
    }

    fn voted(&self, id: u64) -> usize {
        self.app
            .read(|s| s.poll(PollId(id)).map(|p| p.voted.len()))
            .unwrap()
    }
}

/// The value of the first `<input … name="{name}" value="…">` of the page.
fn field(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn receipt_code(html: &str) -> String {
    let marker = "data-testid=\"receipt-code\">";
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no receipt in {html}"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

#[tokio::test]
async fn a_vote_without_javascript_goes_form_confirm_receipt_and_counts_once() {
    let e = env().await;
    let id = e.poll("Thông qua Chương trình Đại hội", "", "named").await;
    let (cookie, csrf) = &e.delegates[0];

    let form = e.get(cookie, "/app/vote").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Thông qua Chương trình Đại hội"));
    assert!(form.html.contains("Biểu quyết công khai"));
    for label in ["Tán thành", "Không tán thành", "Không biểu quyết"] {
        assert!(form.html.contains(label), "{label}");
    }
    assert!(
        form.html
            .contains(&format!("action=\"/app/vote/{id}/confirm\""))
    );
    let key = field(&form.html, "key");
    assert_eq!(key.len(), 32, "16 random bytes in hex");

    // The confirmation changes nothing and carries the choice and the key.
    let confirm = e
        .post(
            cookie,
            &format!("/app/vote/{id}/confirm"),
            &[("_csrf", csrf), ("key", &key), ("q0", "disagree")],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.html);
    assert!(confirm.html.contains("Xác nhận biểu quyết"));
    assert!(confirm.html.contains("Không tán thành"));
    assert!(confirm.html.contains("Chọn lại"));
    assert_eq!(field(&confirm.html, "q0"), "disagree");
    assert_eq!(field(&confirm.html, "key"), key);
    assert_eq!(e.voted(id), 0, "confirming casts nothing");

    // "Chọn lại": the form again, the choice and the key kept.
    let again = e
        .get(cookie, &format!("/app/vote?key={key}&q0=disagree"))
        .await;
    assert!(again.html.contains("value=\"disagree\" checked"));
    assert_eq!(field(&again.html, "key"), key);

    let fields = [
        ("_csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("q0", "disagree"),
    ];
    let receipt = e.post(cookie, &format!("/app/vote/{id}"), &fields).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.html);
    assert!(receipt.html.contains("Phiếu biểu quyết đã được ghi nhận"));
    let code = receipt_code(&receipt.html);
    assert_eq!(code.len(), 19, "{code}");
    assert!(receipt.html.contains("08:00:00 01/12/2026"), "local time");

    // Back and resubmit: the same key gives the same receipt, and one vote.
    let replay = e.post(cookie, &format!("/app/vote/{id}"), &fields).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(receipt_code(&replay.html), code);
    assert_eq!(e.voted(id), 1);

    // The phone now says so instead of showing the buttons.
    let after = e.get(cookie, "/app/vote").await;
    assert!(after.html.contains("Đồng chí đã biểu quyết nội dung này."));
    assert!(!after.html.contains("data-testid=\"ballot\""));

    // Another key (another tab, a reloaded form): refused, clearly, nothing counted.
    let second = e
        .post(
            cookie,
            &format!("/app/vote/{id}"),
            &[("_csrf", csrf), ("key", "another-key-123"), ("q0", "agree")],
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.html.contains("Phiếu này chưa được ghi nhận"));
    assert!(second.html.contains("Đại biểu đã biểu quyết nội dung này."));
    assert!(second.html.contains("href=\"/app/vote\""));
    assert_eq!(e.voted(id), 1);
    let named = e
        .app
        .read(|s| s.poll(PollId(id)).unwrap().named_ballots.clone());
    assert_eq!(named.values().next().unwrap(), &vec![1], "still «disagree»");
}

#[tokio::test]
async fn a_closed_poll_refuses_clearly_and_the_phone_shows_its_result() {
    let e = env().await;
    let id = e.poll("Thông qua Quy chế làm việc", "", "secret").await;
    for (i, choice) in ["agree", "agree", "disagree"].iter().enumerate() {
        let (cookie, csrf) = &e.delegates[i];
        let key = format!("key-of-delegate-{i}");
        let r = e
            .post(
                cookie,
                &format!("/app/vote/{id}"),
                &[("_csrf", csrf), ("key", &key), ("q0", choice)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.html);
    }
    // The hall screen counts the ballots while the poll is open.
    let (cookie, csrf) = &e.delegates[0];
    let hall = e.get(cookie, "/fragments/hall").await;
    assert!(
        hall.html.contains("data-testid=\"hall-voted\">3<"),
        "{}",
        hall.html
    );
    assert!(hall.html.contains("/3"));
    assert!(hall.html.contains("Đang biểu quyết"));
    let live = e.get(cookie, "/fragments/live").await;
    assert!(live.html.contains("data-testid=\"poll-banner\""));
    assert!(live.html.contains("Thông qua Quy chế làm việc"));

    e.app.close_poll(&e.admin, PollId(id)).await.unwrap();
    let late = e
        .post(
            cookie,
            &format!("/app/vote/{id}/confirm"),
            &[("_csrf", csrf), ("key", "late-key-1234"), ("q0", "agree")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.html.contains("Cuộc biểu quyết đã kết thúc."),
        "{}",
        late.html
    );
    let late = e
        .post(
            cookie,
            &format!("/app/vote/{id}"),
            &[("_csrf", csrf), ("key", "late-key-1234"), ("q0", "agree")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.html.contains("Cuộc biểu quyết đã kết thúc."));

    // The phone shows the result: counts, percent of B, outcome, the base.
    let page = e.get(cookie, "/app/vote").await;
    assert!(
        page.html
            .contains("Hiện không có nội dung nào đang biểu quyết")
    );
    for want in [
        "Kết quả biểu quyết",
        "66,67% của B",
        "33,33% của B",
        "THÔNG QUA",
        "Tổng số đại biểu làm căn cứ (B): 3",
    ] {
        assert!(page.html.contains(want), "{want} in {}", page.html);
    }
    // And so does the hall screen, the same partial: the poll closed during the session.
    let hall = e.get(cookie, "/fragments/hall").await;
    assert!(hall.html.contains("66,67% của B"), "{}", hall.html);
    assert!(hall.html.contains("THÔNG QUA"));
    // To a client that takes gzip, the large shared fragment goes out compressed once: the
    // same bytes for every re-read at this sequence number, decoding to the same HTML.
    let gz = || {
        let router = e.router.clone();
        let req = Request::builder()
            .uri("/fragments/hall")
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .body(Body::empty())
            .unwrap();
        async move {
            let res = router.oneshot(req).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
            res.into_body().collect().await.unwrap().to_bytes()
        }
    };
    let (a, b) = (gz().await, gz().await);
    assert_eq!(a, b);
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&a[..]), &mut html).unwrap();
    assert_eq!(html, hall.html);
    assert!(hall.html.len() >= 1400, "large enough to be compressed");
    // The banner is gone from the delegates' live fragment.
    let live = e.get(cookie, "/fragments/live").await;
    assert!(!live.html.contains("poll-banner"));
}

#[tokio::test]
async fn staff_cannot_vote_and_forms_without_csrf_are_refused() {
    let e = env().await;
    let id = e.poll("Thông qua Chương trình Đại hội", "", "named").await;
    let signed = e.app.sign_in_password("admin", PASSWORD, "t").unwrap();
    let admin_cookie = format!("daihoi_session={}", signed.cookie);
    let admin_csrf = e
        .app
        .authenticate_cookie(&signed.cookie)
        .unwrap()
        .csrf
        .unwrap();
    assert_eq!(
        e.get(&admin_cookie, "/app/vote").await.status,
        StatusCode::FORBIDDEN
    );
    let r = e
        .post(
            &admin_cookie,
            &format!("/app/vote/{id}"),
            &[
                ("_csrf", &admin_csrf),
                ("key", "staff-key-123"),
                ("q0", "agree"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let (cookie, _) = &e.delegates[0];
    let r = e
        .post(
            cookie,
            &format!("/app/vote/{id}"),
            &[("key", "no-csrf-key-1"), ("q0", "agree")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.html.contains("Phiên làm việc của biểu mẫu đã hết hạn"));
    let r = e
        .post(
            cookie,
            &format!("/app/vote/{id}"),
            &[
                ("_csrf", "wrong"),
                ("key", "no-csrf-key-1"),
                ("q0", "agree"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(e.voted(id), 0);
    // Not signed in: off to the sign-in page.
    let r = e.get("", "/app/vote").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_or_missing_choices_are_named() {
    let e = env().await;
    let id = e.poll("Thông qua Chương trình Đại hội", "", "named").await;
    let (cookie, csrf) = &e.delegates[1];
    let r = e
        .post(
            cookie,
            &format!("/app/vote/{id}"),
            &[("_csrf", csrf), ("key", "bad-option-1"), ("q0", "maybe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.html.contains(
            "Nội dung số 1: lựa chọn «maybe» không có trong các phương án (Tán thành, Không tán thành, Không biểu quyết)."
        ),
        "{}",
        r.html
    );
    assert_eq!(e.voted(id), 0);

    // Confirming with nothing chosen: the form again, the gap named, the key kept.
    let r = e
        .post(
            cookie,
            &format!("/app/vote/{id}/confirm"),
            &[("_csrf", csrf), ("key", "kept-key-12345")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.html
            .contains("Đồng chí chưa chọn ý kiến cho nội dung số 1.")
    );
    assert!(r.html.contains("data-testid=\"ballot\""));
    assert_eq!(field(&r.html, "key"), "kept-key-12345");

    // In English too.
    let r = e
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/app/vote/{id}"))
                .header(header::COOKIE, format!("{cookie}; daihoi_lang=en"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "_csrf={csrf}&key=bad-option-2&q0=maybe"
                )))
                .unwrap(),
        )
        .await;
    assert!(
        r.html
            .contains("Question 1: “maybe” is not one of the options"),
        "{}",
        r.html
    );
    assert!(r.html.contains("This vote was not recorded"));
}

#[tokio::test]
async fn a_batch_poll_is_compact_and_its_shortcut_still_needs_confirming() {
    let e = env().await;
    let targets: Vec<String> = (1..=25).map(|i| format!("Chỉ tiêu số {i}")).collect();
    let id = e
        .poll(
            "Các chỉ tiêu chủ yếu nhiệm kỳ 2025–2030",
            &targets.join("\n"),
            "secret",
        )
        .await;
    let (cookie, csrf) = &e.delegates[2];
    let form = e.get(cookie, "/app/vote").await;
    assert!(form.html.contains("class=\"ballot batch\""));
    assert!(form.html.contains("name=\"q24\""));
    assert!(form.html.contains("Chỉ tiêu số 25"));
    let key = field(&form.html, "key");

    // One target against, the shortcut for the rest: a confirmation, not a vote.
    let confirm = e
        .post(
            cookie,
            &format!("/app/vote/{id}/confirm"),
            &[
                ("_csrf", csrf),
                ("key", &key),
                ("q6", "disagree"),
                ("fill", "agree"),
            ],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.html);
    assert_eq!(e.voted(id), 0);
    assert!(
        confirm
            .html
            .contains("<span>Tán thành</span> <strong>24</strong>"),
        "{}",
        confirm.html
    );
    assert!(
        confirm
            .html
            .contains("<span>Không tán thành</span> <strong>1</strong>")
    );
    assert_eq!(field(&confirm.html, "q6"), "disagree");
    assert_eq!(field(&confirm.html, "q24"), "agree");

    let mut fields: Vec<(String, String)> =
        vec![("_csrf".into(), csrf.clone()), ("key".into(), key.clone())];
    fields.extend((0..25).map(|i| (format!("q{i}"), field(&confirm.html, &format!("q{i}")))));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let receipt = e.post(cookie, &format!("/app/vote/{id}"), &refs).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.html);
    assert_eq!(e.voted(id), 1);

    e.app.close_poll(&e.admin, PollId(id)).await.unwrap();
    // Results as a table of 25 rows, split in two for the hall screen.
    let hall = e.get(cookie, "/fragments/hall").await;
    assert_eq!(hall.html.matches("<tr class=").count(), 25);
    assert_eq!(
        hall.html.matches("<table class=\"result-table\">").count(),
        2
    );
    // One vote of B = 3: nothing reaches more than half of B.
    assert!(
        hall.html.contains("0/25 nội dung được thông qua"),
        "{}",
        hall.html
    );
    let page = e.get(cookie, "/app/vote").await;
    assert!(page.html.contains("0/25 nội dung được thông qua"));
    assert!(page.html.contains("33,33% của B"));
}

#[tokio::test]
async fn a_delegate_not_marked_present_is_told_before_and_after_trying() {
    let e = env().await;
    let session = e.app.read(|s| s.running_session().unwrap().id);
    e.app
        .mark_attendance(&e.admin, session, e.ids[0], false)
        .await
        .unwrap();
    let id = e.poll("Thông qua Chương trình Đại hội", "", "named").await;
    let (cookie, csrf) = &e.delegates[0];
    let page = e.get(cookie, "/app/vote").await;
    assert!(
        page.html.contains("chưa được ghi nhận có mặt"),
        "{}",
        page.html
    );
    let r = e
        .post(
            cookie,
            &format!("/app/vote/{id}"),
            &[("_csrf", csrf), ("key", "absent-key-1"), ("q0", "agree")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.html
            .contains("Đại biểu chưa được ghi nhận có mặt tại phiên họp này")
    );
    assert_eq!(e.voted(id), 0);
}

#[tokio::test]
async fn the_hall_result_goes_when_the_presidium_moves_on() {
    let e = env().await;
    let id = e.poll("Thông qua Chương trình Đại hội", "", "named").await;
    let (cookie, csrf) = &e.delegates[0];
    e.post(
        cookie,
        &format!("/app/vote/{id}"),
        &[("_csrf", csrf), ("key", "hall-key-123"), ("q0", "agree")],
    )
    .await;
    e.app.close_poll(&e.admin, PollId(id)).await.unwrap();
    let hall = e.get(cookie, "/fragments/hall").await;
    assert!(
        hall.html.contains("KHÔNG THÔNG QUA"),
        "1 of B = 3: {}",
        hall.html
    );
    // The poll is on no agenda item: it stays for the session, and goes with it.
    let session = e.app.read(|s| s.running_session().unwrap().id);
    e.app.end_session(&e.admin, session).await.unwrap();
    let hall = e.get(cookie, "/fragments/hall").await;
    assert!(!hall.html.contains("THÔNG QUA"), "{}", hall.html);
}
