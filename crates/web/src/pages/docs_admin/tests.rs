//! The secretariat's documents page through the whole router: uploads as plain multipart
//! forms (no JavaScript), the batch report, refusals in words, and who may open the page.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, FixedClock};
use daihoi_domain::Role;
use daihoi_domain::docs::Extraction;
use daihoi_domain::state::CongressInput;
use daihoi_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::WebOptions;

const PASSWORD: &str = "mật-khẩu-rất-dài";
const BOUNDARY: &str = "----daihoi-test-boundary";

struct Env {
    app: Arc<App>,
    router: Router,
    _dir: tempfile::TempDir,
}

async fn env() -> Env {
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
    app.start_documents(Some(dir.path())).await.unwrap();
    let router = crate::router(app.clone(), WebOptions::default());
    Env {
        app,
        router,
        _dir: dir,
    }
}

impl Env {
    /// Cookie and CSRF token of a signed-in account of `role`.
    async fn browser(&self, user: &str, role: Role) -> (String, String) {
        if user != "admin" {
            let a = self.app.sign_in_password("admin", PASSWORD, "t").unwrap();
            let admin = self.app.authenticate_cookie(&a.cookie).unwrap();
            self.app
                .create_account(&admin, user, user, role, Some(PASSWORD))
                .await
                .unwrap();
        }
        let s = self.app.sign_in_password(user, PASSWORD, "t").unwrap();
        let p = self.app.authenticate_cookie(&s.cookie).unwrap();
        (
            format!("{}={}", crate::extract::SESSION_COOKIE, s.cookie),
            p.csrf.unwrap(),
        )
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, String, String) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let loc = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, loc, String::from_utf8_lossy(&body).into_owned())
    }

    async fn get(&self, cookie: &str, path: &str) -> (StatusCode, String, String) {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// A multipart form post: text fields, then files (field name, file name, bytes).
    async fn post_form(
        &self,
        (cookie, csrf): &(String, String),
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> (StatusCode, String, String) {
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (field, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let req = Request::post(format!("{path}?_csrf={csrf}"))
            .header(header::COOKIE, cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn settled(&self) {
        for _ in 0..500 {
            if self.app.read(|s| s.docs().pending().is_empty()) && self.app.doc_service().idle() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("extraction did not finish");
    }
}

fn docx(pages: &[&str]) -> Vec<u8> {
    daihoi_docs::write::docx(pages)
}

#[tokio::test]
async fn the_secretariat_uploads_a_document_and_sees_it_processed() {
    let e = env().await;
    let sec = e.browser("thuky", Role::Secretariat).await;
    let (status, loc, _) = e
        .post_form(
            &sec,
            "/console/documents/upload",
            &[
                ("title", ""),
                ("access", "delegates"),
                ("label", "Dự thảo 1"),
            ],
            &[(
                "file",
                "Báo cáo chính trị.docx",
                docx(&["Đại hội Đảng bộ", "trang hai"]),
            )],
        )
        .await;
    assert_eq!(
        (status, loc.as_str()),
        (StatusCode::SEE_OTHER, "/console/documents?ok=uploaded")
    );
    e.settled().await;
    let (status, _, html) = e.get(&sec.0, "/console/documents?ok=uploaded").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã tải lên"), "flash");
    assert!(
        html.contains("Báo cáo chính trị"),
        "title from the file name"
    );
    assert!(
        html.contains("Dự thảo 1") && html.contains("2 trang"),
        "version and pages"
    );
    let id = e
        .app
        .read(|s| s.docs().documents().next().map(|d| d.id))
        .unwrap();
    let (status, _, html) = e.get(&sec.0, &format!("/console/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Báo cáo chính trị.docx"));
}

#[tokio::test]
async fn bad_files_are_refused_in_words_and_a_batch_reports_each_file() {
    let e = env().await;
    let sec = e.browser("thuky", Role::Secretariat).await;
    let (status, _, html) = e
        .post_form(
            &sec,
            "/console/documents/upload",
            &[],
            &[("file", "x.pdf", b"not a pdf".to_vec())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Tệp: không phải PDF, DOCX hay ảnh"),
        "named field and reason"
    );
    assert!(e.app.read(|s| s.docs().documents().next().is_none()));

    let (status, _, html) = e
        .post_form(
            &sec,
            "/console/documents/batch",
            &[("access", "delegates")],
            &[
                ("files", "Quy chế.docx", docx(&["quy chế"])),
                ("files", "rác.bin", vec![0u8; 64]),
                ("files", "Nghị quyết.docx", docx(&["nghị quyết"])),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã nhận: <strong>2</strong>"), "{html}");
    assert!(html.contains("rác.bin"));
    assert_eq!(e.app.read(|s| s.docs().documents().count()), 2);
    e.settled().await;
    assert!(e.app.read(|s| {
        s.docs()
            .documents()
            .all(|d| matches!(d.versions[0].extraction, Extraction::Done(_)))
    }));
}

#[tokio::test]
async fn only_document_managers_open_the_page() {
    let e = env().await;
    let chair = e.browser("chutich", Role::Presidium).await;
    let (status, _, _) = e.get(&chair.0, "/console/documents").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = e
        .post_form(
            &chair,
            "/console/documents/upload",
            &[],
            &[("file", "a.docx", docx(&["x"]))],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(e.app.read(|s| s.docs().documents().next().is_none()));
    let (status, loc, _) = e.get("", "/console/documents").await;
    assert!(
        status.is_redirection() || status == StatusCode::UNAUTHORIZED,
        "{status} {loc}"
    );
}
