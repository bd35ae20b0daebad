//! Handler tests of the voting console: the whole router, a real SQLite store, a fixed
//! clock, browsers signed in with cookies posting plain forms (no JavaScript).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, FixedClock, Principal, Subject};
use daihoi_domain::Role;
use daihoi_domain::model::*;
use daihoi_domain::poll::PollStatus;
use daihoi_domain::state::{CongressInput, SessionInput};
use daihoi_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::WebOptions;
use crate::error::urlencode;

const PASSWORD: &str = "mật-khẩu-rất-dài";

/// A browser signed in as one account.
struct Browser {
    cookie: String,
    csrf: String,
}

struct Env {
    app: Arc<App>,
    router: Router,
    admin: Principal,
    /// Admin, secretariat, presidium.
    web_admin: Browser,
    secretary: Browser,
    chair: Browser,
    delegates: Vec<DelegateId>,
    session: SessionId,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
    fn header(&self, name: header::HeaderName) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

fn official(code: &str, name: &str, delegation: &str) -> DelegateFields {
    DelegateFields {
        code: code.into(),
        full_name: name.into(),
        birth_date: None,
        gender: None,
        ethnicity: "Kinh".into(),
        position: String::new(),
        unit: String::new(),
        delegation: delegation.into(),
        group: "Tổ 1".into(),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: Default::default(),
    }
}

fn sign_in(app: &App, username: &str) -> Browser {
    let signed = app.sign_in_password(username, PASSWORD, "test").unwrap();
    let p = app.authenticate_cookie(&signed.cookie).unwrap();
    Browser {
        cookie: format!("{}={}", crate::extract::SESSION_COOKIE, signed.cookie),
        csrf: p.csrf.unwrap(),
    }
}

/// A party congress with `n` official delegates in two delegations, a running session,
/// and three staff accounts signed in.
async fn env(n: usize) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
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
    let web_admin = sign_in(&app, "admin");
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
    let rows = (1..=n)
        .map(|i| {
            official(
                &format!("DB{i:03}"),
                &format!("Đại biểu Số {i}"),
                if i % 2 == 0 {
                    "Đoàn Hai"
                } else {
                    "Đoàn Một"
                },
            )
        })
        .collect();
    app.import_rows(&admin, "t", rows).await.unwrap();
    let session = app
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
    app.start_session(&admin, session).await.unwrap();
    let delegates = app.read(|s| s.delegates().map(|d| d.id).collect());
    let router = crate::router(app.clone(), WebOptions::default());
    Env {
        secretary: sign_in(&app, "thuky"),
        chair: sign_in(&app, "chutich"),
        web_admin,
        app,
        router,
        admin,
        delegates,
        session,
        _dir: dir,
    }
}

fn form_body(b: &Browser, fields: &[(&str, &str)]) -> String {
    let mut parts = vec![format!("_csrf={}", urlencode(&b.csrf))];
    parts.extend(
        fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))),
    );
    parts.join("&")
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
        let req = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::COOKIE, &b.cookie)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    async fn post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &b.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(b, fields)))
            .unwrap();
        self.send(req).await
    }

    /// As live.js posts a `data-enhance` form.
    async fn post_fetch(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, &b.cookie)
            .header("x-requested-with", "fetch")
            .header("x-csrf-token", &b.csrf)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(b, fields)))
            .unwrap();
        self.send(req).await
    }

    fn polls(&self) -> Vec<(PollId, PollStatus)> {
        self.app
            .read(|s| s.polls().map(|p| (p.id, p.status.clone())).collect())
    }

    fn voter(&self, i: usize) -> Principal {
        Principal {
            subject: Subject::Delegate(self.delegates[i]),
            role: Role::Delegate,
            display_name: String::new(),
            csrf: None,
        }
    }

    async fn all_present_and_base(&self, base: u64) {
        self.app
            .mark_attendance_many(&self.admin, self.session, &self.delegates, true)
            .await
            .unwrap();
        self.app
            .record_base(&self.admin, base, "Báo cáo thẩm tra tư cách")
            .await
            .unwrap();
    }

    /// Create a poll through the form; its id.
    async fn create(&self, b: &Browser, fields: &[(&str, &str)]) -> PollId {
        let before: Vec<PollId> = self.polls().into_iter().map(|p| p.0).collect();
        let a = self.post(b, "/console/polls", fields).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
        let new: Vec<PollId> = self
            .polls()
            .into_iter()
            .map(|p| p.0)
            .filter(|id| !before.contains(id))
            .collect();
        assert_eq!(new.len(), 1);
        assert!(a.location().starts_with("/console/polls?ok=created"));
        new[0]
    }
}

#[tokio::test]
async fn bad_input_comes_back_with_the_message_beside_the_field_and_creates_nothing() {
    let e = env(3).await;
    let a = e
        .post(
            &e.secretary,
            "/console/polls",
            &[
                ("title", "Thông qua Nghị quyết"),
                ("questions", "Chỉ tiêu 1\nChỉ tiêu 2"),
                ("options", "đồng ý"),
                ("mode", "named"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = a.text();
    // The translated problem beside the options field, the user's input kept.
    assert!(
        html.contains(r#"<span class="field-error" id="err-options">mỗi dòng một phương án"#),
        "{html}"
    );
    assert!(html.contains("Chỉ tiêu 1\nChỉ tiêu 2"));
    assert!(html.contains(r#"value="Thông qua Nghị quyết""#));
    assert!(html.contains(">đồng ý</textarea>"));
    assert!(e.polls().is_empty());

    // An empty title, a bad countdown, a secret poll that allows changes: each refused.
    for (fields, field) in [
        (vec![("title", "  ")], "title"),
        (
            vec![("title", "Bầu Ban Kiểm phiếu"), ("countdown_secs", "mười")],
            "countdown_secs",
        ),
        (
            vec![
                ("title", "Bầu Ban Kiểm phiếu"),
                ("mode", "secret"),
                ("allow_change", "on"),
            ],
            "allow_change",
        ),
        (
            vec![("title", "Bầu Ban Kiểm phiếu"), ("item_id", "abc")],
            "item_id",
        ),
    ] {
        let a = e.post(&e.chair, "/console/polls", &fields).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(
            a.text()
                .contains(&format!(r#"class="field-error" id="err-{field}""#)),
            "{field}: {}",
            a.text()
        );
    }
    // Garbage in the body is a refusal, never a crash or a half-write.
    let a = e
        .post(
            &e.chair,
            "/console/polls",
            &[("title", "x"), ("mode", "kín")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.polls().is_empty());

    // A good form then creates exactly one draft, and the edit form shows it back.
    let id = e
        .create(
            &e.chair,
            &[
                ("title", "Thông qua Nghị quyết"),
                ("questions", "Chỉ tiêu 1\nChỉ tiêu 2"),
                ("mode", "secret"),
            ],
        )
        .await;
    let a = e.get(&e.chair, &format!("/console/polls/{id}/edit")).await;
    assert_eq!(a.status, StatusCode::OK);
    let html = a.text();
    assert!(html.contains("Chỉ tiêu 1\nChỉ tiêu 2</textarea>"));
    assert!(html.contains(r#"value="secret" checked"#));
    // Saving bad input keeps the draft as it was.
    let a = e
        .post(&e.chair, &format!("/console/polls/{id}"), &[("title", "")])
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text().contains(r#"id="err-title">cần được nhập."#));
    let title = e.app.read(|s| s.poll(id).unwrap().fields.title.clone());
    assert_eq!(title, "Thông qua Nghị quyết");
}

#[tokio::test]
async fn a_poll_goes_from_form_to_published_result_without_javascript() {
    let e = env(5).await;
    e.all_present_and_base(5).await;
    let id = e
        .create(
            &e.secretary,
            &[
                ("title", "Thông qua Chương trình Đại hội"),
                ("mode", "named"),
            ],
        )
        .await;
    let list = e.get(&e.chair, "/console/polls").await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains(&format!(r#"data-testid="poll-row-{id}""#)));
    assert!(html.contains(&format!(r#"data-testid="poll-open-{id}""#)));
    assert!(html.contains(r#"data-fragment="polls""#));

    let a = e
        .post(&e.chair, &format!("/console/polls/{id}/open"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert_eq!(a.location(), format!("/console/polls?ok=opened#poll-{id}"));

    for (i, choice) in ["agree", "agree", "agree", "disagree"].iter().enumerate() {
        e.app
            .cast_vote(&e.voter(i), id, &[choice.to_string()], None)
            .await
            .unwrap();
    }
    let html = e.get(&e.chair, "/console/polls?ok=opened").await.text();
    assert!(html.contains("Đã biểu quyết 4/5"), "{html}");
    assert!(html.contains(&format!(r#"data-testid="poll-close-{id}""#)));
    assert!(html.contains("Đã bắt đầu biểu quyết."));
    // The live counter alone, and the whole list, as live.js re-reads them.
    let count = e.get(&e.chair, "/fragments/poll-count").await;
    assert_eq!(count.status, StatusCode::OK);
    assert!(count.text().contains("Đã biểu quyết 4/5"));
    assert!(
        e.get(&e.chair, "/fragments/polls")
            .await
            .text()
            .contains(&format!(r#"data-testid="poll-row-{id}""#))
    );
    // The console's home card follows the open poll.
    let console = e.get(&e.chair, "/console").await.text();
    assert!(console.contains("Thông qua Chương trình Đại hội"));
    assert!(console.contains("Đã biểu quyết 4/5"));

    let a = e
        .post(&e.chair, &format!("/console/polls/{id}/close"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let html = e.get(&e.chair, "/console/polls").await.text();
    assert!(
        html.contains("Tổng số đại biểu làm căn cứ (B): 5"),
        "{html}"
    );
    assert!(html.contains("THÔNG QUA"));
    assert!(html.contains("<strong>3</strong> · 60,00% của B"), "{html}");
    assert!(html.contains(&format!(r#"data-testid="poll-publish-{id}""#)));
    // The poll's own page: every option with its count against the named base.
    let detail = e
        .get(&e.chair, &format!("/console/polls/{id}"))
        .await
        .text();
    assert!(detail.contains("Không tán thành"));
    assert!(detail.contains("20,00% của B"), "{detail}");
    assert!(
        detail.contains("Hơn 1/2 B (5), tức ít nhất 3 tán thành"),
        "{detail}"
    );
    // A named poll: who voted what, once closed.
    assert!(
        detail.contains("Danh sách biểu quyết công khai (4)"),
        "{detail}"
    );
    let named = &detail[detail.find(r#"data-testid="named-ballots""#).unwrap()..];
    assert_eq!(named.matches("<td>Không tán thành</td>").count(), 1);
    assert_eq!(named.matches("<td>Tán thành</td>").count(), 3);

    let a = e
        .post(&e.chair, &format!("/console/polls/{id}/publish"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(matches!(e.polls()[0].1, PollStatus::Published { .. }));
    let html = e.get(&e.chair, "/console/polls").await.text();
    assert!(html.contains("Đã công bố"));
    assert!(html.contains(&format!("/console/polls/{id}/minutes.pdf")));
    assert!(html.contains(&format!("/console/sessions/{}/minutes.pdf", e.session)));

    // The minutes, in the caller's language, as an attachment with an ASCII name.
    let pdf = e
        .get(&e.chair, &format!("/console/polls/{id}/minutes.pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(
        pdf.header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"bien-ban-bieu-quyet-{id}.pdf\"")
    );
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let pdf = e
        .get(
            &e.chair,
            &format!("/console/sessions/{}/minutes.pdf", e.session),
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert!(pdf.bytes.starts_with(b"%PDF"));
}

#[tokio::test]
async fn actions_posted_by_live_js_answer_204_or_a_json_error() {
    let e = env(3).await;
    e.all_present_and_base(3).await;
    let id = e.create(&e.chair, &[("title", "Bầu Đoàn Chủ tịch")]).await;
    let a = e
        .post_fetch(&e.chair, &format!("/console/polls/{id}/open"), &[])
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = e
        .post_fetch(&e.chair, &format!("/console/polls/{id}/open"), &[])
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    let v: serde_json::Value = serde_json::from_slice(&a.bytes).unwrap();
    assert_eq!(v["code"], "POLL_NOT_DRAFT");
    assert_eq!(
        v["message"],
        "Cuộc biểu quyết đã mở, không thể sửa hoặc mở lại."
    );
    // The same conflict without JavaScript: the list again, with the message.
    let a = e
        .post(&e.chair, &format!("/console/polls/{id}/open"), &[])
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.text()
            .contains("Cuộc biểu quyết đã mở, không thể sửa hoặc mở lại.")
    );
    assert!(
        a.text()
            .contains(&format!(r#"data-testid="poll-row-{id}""#))
    );
}

#[tokio::test]
async fn voiding_needs_a_reason_and_a_void_poll_can_be_rerun() {
    let e = env(3).await;
    e.all_present_and_base(3).await;
    let id = e.create(&e.chair, &[("title", "Bầu Ban Thẩm tra")]).await;
    e.post(&e.chair, &format!("/console/polls/{id}/open"), &[])
        .await;
    let a = e
        .post(
            &e.chair,
            &format!("/console/polls/{id}/void"),
            &[("reason", "   ")],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.text()
            .contains("Lý do: cần nêu lý do huỷ kết quả biểu quyết."),
        "{}",
        a.text()
    );
    assert!(e.app.read(|s| s.poll(id).unwrap().is_open()));

    let a = e
        .post(
            &e.chair,
            &format!("/console/polls/{id}/void"),
            &[
                ("reason", "Sự cố mạng trong hội trường"),
                ("from", "detail"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location(), format!("/console/polls/{id}?ok=voided"));
    let html = e.get(&e.chair, "/console/polls").await.text();
    assert!(html.contains("Sự cố mạng trong hội trường"));
    assert!(html.contains(&format!(r#"data-testid="poll-rerun-{id}""#)));

    let a = e
        .post(&e.chair, &format!("/console/polls/{id}/rerun"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let new = e
        .app
        .read(|s| s.polls().find(|p| p.rerun_of == Some(id)).map(|p| p.id))
        .unwrap();
    assert_eq!(a.location(), format!("/console/polls/{new}/edit?ok=rerun"));
    let form = e.get(&e.chair, &a.location()).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains(r#"value="Bầu Ban Thẩm tra""#));
}

#[tokio::test]
async fn a_hand_count_counts_once_another_staff_member_confirms_it() {
    let e = env(5).await;
    e.all_present_and_base(5).await;
    let id = e
        .create(
            &e.secretary,
            &[
                ("title", "Thông qua các chỉ tiêu"),
                ("questions", "Tăng trưởng GRDP\nThu nhập bình quân"),
            ],
        )
        .await;
    let page = e.get(&e.secretary, &format!("/console/polls/{id}")).await;
    assert!(page.text().contains(r#"name="c1_2""#), "a 2×3 grid");

    // Rows that do not add up: refused, the figures kept in the grid.
    let a = e
        .post(
            &e.secretary,
            &format!("/console/polls/{id}/count"),
            &[
                ("ballots", "5"),
                ("c0_0", "4"),
                ("c0_1", "1"),
                ("c1_0", "2"),
                ("c1_1", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = a.text();
    assert!(
        html.contains(r#"id="err-counts">số liệu của mỗi nội dung"#),
        "{html}"
    );
    assert!(html.contains(r#"name="c0_0" value="4""#));
    assert!(e.app.read(|s| s.poll(id).unwrap().manual.is_none()));

    let a = e
        .post(
            &e.secretary,
            &format!("/console/polls/{id}/count"),
            &[
                ("ballots", "5"),
                ("c0_0", "4"),
                ("c0_1", "1"),
                ("c1_0", "2"),
                ("c1_1", "2"),
                ("c1_2", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let html = e
        .get(&e.secretary, &format!("/console/polls/{id}"))
        .await
        .text();
    assert!(html.contains("Nguyễn Thư Ký"));
    assert!(html.contains("Bạn đã nhập số liệu này"));

    // The same account cannot confirm its own count.
    let a = e
        .post(
            &e.secretary,
            &format!("/console/polls/{id}/count/confirm"),
            &[("from", "detail")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert!(
        a.text()
            .contains("Kết quả kiểm đếm thủ công phải do một cán bộ khác với người nhập xác nhận.")
    );
    assert!(e.app.read(|s| s.poll_result(id).is_err()));

    // Another one can: the poll closes with the hand count.
    let a = e
        .post(
            &e.chair,
            &format!("/console/polls/{id}/count/confirm"),
            &[("from", "detail")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let html = e
        .get(&e.chair, &format!("/console/polls/{id}"))
        .await
        .text();
    assert!(html.contains("kiểm phiếu thủ công"));
    assert!(html.contains("Số nội dung được thông qua"));
    assert!(html.contains("<strong>1/2</strong>"), "{html}");
    assert!(matches!(e.polls()[0].1, PollStatus::Closed { .. }));
}

#[tokio::test]
async fn delegates_and_guests_cannot_reach_the_console() {
    let e = env(2).await;
    let token = e.app.read(|s| {
        let d = s.delegates().next().unwrap();
        e.app.qr_url(d).rsplit('/').next().unwrap().to_string()
    });
    let a = e
        .send(
            Request::builder()
                .uri(format!("/q/{token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let cookie = a
        .header(header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let delegate = Browser {
        cookie,
        csrf: String::new(),
    };
    for path in [
        "/console/polls",
        "/console/polls/new",
        "/fragments/polls",
        "/fragments/poll-count",
        "/console/attendance",
        "/fragments/attendance",
    ] {
        let a = e.get(&delegate, path).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}");
    }
    // Not signed in: off to the sign-in page.
    let a = e
        .send(
            Request::builder()
                .uri("/console/polls")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(a.location().starts_with("/login?next="));
    // The presidium sees attendance but cannot mark it.
    let a = e.get(&e.chair, "/console/attendance").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.text().contains("attendance-all-present"));
    let a = e
        .post(
            &e.chair,
            &format!("/console/attendance/{}/all", e.session),
            &[],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn attendance_marks_everyone_present_and_one_by_one() {
    let e = env(6).await;
    let html = e.get(&e.secretary, "/console/attendance").await.text();
    assert!(html.contains("Có mặt 0/6"), "{html}");
    assert!(html.contains("Đoàn Một") && html.contains("Đoàn Hai"));
    assert!(html.contains(r#"data-testid="attendance-all-present""#));

    let a = e
        .post(
            &e.secretary,
            &format!("/console/attendance/{}/all", e.session),
            &[],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(
        e.app
            .read(|s| e.delegates.iter().all(|d| s.is_present(e.session, *d)))
    );
    let html = e.get(&e.secretary, &a.location()).await.text();
    assert!(html.contains("Có mặt 6/6"));
    assert!(html.contains("Đã đánh dấu tất cả có mặt."));

    // One delegate absent, from a filtered list: back to the same filter.
    let d = e.delegates[1];
    let a = e
        .post(
            &e.secretary,
            &format!("/console/attendance/{}/{d}/absent", e.session),
            &[("q", "số 2")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.location(),
        format!(
            "/console/attendance?session={}&q=s%E1%BB%91%202&ok=marked#d-{d}",
            e.session
        )
    );
    assert!(!e.app.read(|s| s.is_present(e.session, d)));
    let html = e.get(&e.secretary, &a.location()).await.text();
    assert!(html.contains("Có mặt 5/6"));
    assert!(html.contains("Đại biểu Số 2"));
    assert!(!html.contains("Đại biểu Số 3"), "filtered by name");
    // The live region re-reads the same filtered list.
    let frag = e
        .get(
            &e.secretary,
            &format!("/fragments/attendance?session={}&absent=1", e.session),
        )
        .await
        .text();
    assert!(frag.contains("Đại biểu Số 2") && !frag.contains("Đại biểu Số 4"));
    // A delegate that does not exist: refused, nothing written.
    let a = e
        .post(
            &e.secretary,
            &format!("/console/attendance/{}/999999/present", e.session),
            &[],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_base_b_is_recorded_on_the_attendance_page() {
    let e = env(4).await;
    let html = e.get(&e.secretary, "/console/attendance").await.text();
    assert!(html.contains("Tổng số đại biểu làm căn cứ (B)"));
    // Polls cannot open without B: the list says so.
    let list = e.get(&e.secretary, "/console/polls").await.text();
    assert!(list.contains("Chưa ghi nhận tổng số đại biểu làm căn cứ (B)"));

    for bad in ["", "năm", "9"] {
        let a = e
            .post(
                &e.secretary,
                "/console/base",
                &[("base", bad), ("note", "x")],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(a.text().contains(r#"id="err-base""#), "{bad}");
    }
    assert!(e.app.read(|s| s.party_base().is_none()));
    let a = e
        .post(
            &e.web_admin,
            "/console/base",
            &[("base", "4"), ("note", "Báo cáo thẩm tra tư cách đại biểu")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let html = e.get(&e.secretary, "/console/attendance").await.text();
    assert!(html.contains("B hiện tại: <strong>4</strong>"), "{html}");
    assert_eq!(e.app.read(|s| s.party_base().map(|(b, _)| b)), Some(4));
    // The presidium does not record B.
    let a = e.post(&e.chair, "/console/base", &[("base", "3")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_navigation_shows_the_voting_tabs_by_capability() {
    let e = env(1).await;
    let sec = e.get(&e.secretary, "/console/polls").await.text();
    assert!(sec.contains(r#"<a href="/console/polls" aria-current="page">Biểu quyết</a>"#));
    assert!(sec.contains(r#"<a href="/console/attendance">Điểm danh</a>"#));
    let chair = e.get(&e.chair, "/console").await.text();
    assert!(chair.contains(r#"<a href="/console/polls">Biểu quyết</a>"#));
    assert!(!chair.contains(r#"href="/console/attendance""#));
}
