//! The reader's document pages through the whole router: a real SQLite store, a fixed
//! clock, the extraction worker running, documents uploaded by the secretariat (DOCX files
//! made here, with Vietnamese text and page breaks, and one small PDF).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use daihoi_app::usecases::{SetupInput, Upload};
use daihoi_app::{App, FixedClock, Principal};
use daihoi_domain::Role;
use daihoi_domain::docs::{DocInput, Extraction};
use daihoi_domain::model::{DelegateFields, DelegateKind, DocumentId};
use daihoi_domain::state::{CongressInput, ItemInput, SessionInput};
use daihoi_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{content_disposition, mark, paragraphs, window};
use crate::WebOptions;

const PASSWORD: &str = "mật-khẩu-rất-dài";

/// The phrase of page 4 of the political report (and of no other page).
const PHRASE: &str = "chuyển đổi số toàn diện";

struct Env {
    app: Arc<App>,
    router: Router,
    /// Cookie headers.
    delegate: String,
    presidium: String,
    /// The documents, by what they are for.
    report: u64,
    secret: u64,
    staff_only: u64,
    html_doc: u64,
    long: u64,
    _dir: tempfile::TempDir,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
    bytes: Vec<u8>,
}

impl Page {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

fn delegate(i: usize) -> DelegateFields {
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

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A ZIP archive of stored (uncompressed) entries.
fn zip_stored(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let offset = out.len() as u32;
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        // Local file header: version 2.0, no flags, stored, 1980-01-01 00:00.
        out.extend(0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, 0, 0, 0x21] {
            out.extend(v.to_le_bytes());
        }
        for v in [crc, size, size] {
            out.extend(v.to_le_bytes());
        }
        out.extend(name_len.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(data);
        // Its central directory record.
        central.extend(0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, 0, 0, 0x21] {
            central.extend(v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend(v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            central.extend(v.to_le_bytes());
        }
        central.extend(0u32.to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    let n = files.len() as u16;
    for v in [0u16, 0, n, n] {
        out.extend(v.to_le_bytes());
    }
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A DOCX with these pages, each a list of paragraphs, separated by Word page breaks.
fn docx(pages: &[Vec<String>]) -> Vec<u8> {
    let mut body = String::new();
    for (i, paras) in pages.iter().enumerate() {
        if i > 0 {
            body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
        }
        for p in paras {
            body.push_str(&format!(
                r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
                xml_escape(p)
            ));
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
    );
    zip_stored(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#
                .to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#
                .to_vec(),
        ),
        ("word/document.xml", document.into_bytes()),
    ])
}

/// A one-page PDF with a line of ASCII text in Helvetica (pdftotext reads it).
fn pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 16 Tf 60 760 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

fn report_pages() -> Vec<Vec<String>> {
    vec![
        vec![
            "BÁO CÁO CHÍNH TRỊ".into(),
            "Của Ban Chấp hành Đảng bộ tỉnh khóa XIV trình Đại hội đại biểu lần thứ XV.".into(),
        ],
        vec!["I. Kết quả thực hiện Nghị quyết nhiệm kỳ 2020 - 2025.".into()],
        vec![
            "Tăng trưởng kinh tế bình quân đạt 7,2% mỗi năm; thu ngân sách tăng gấp 1,6 lần."
                .into(),
        ],
        vec![format!(
            "Đẩy mạnh {PHRASE} trong các cơ quan đảng, chính quyền và xã hội."
        )],
        vec!["Đại hội thống nhất mười chỉ tiêu chủ yếu và ba khâu đột phá.".into()],
    ]
}

async fn sign_in_password(app: &App, user: &str) -> (Principal, String) {
    let signed = app.sign_in_password(user, PASSWORD, "t").unwrap();
    let p = app.authenticate_cookie(&signed.cookie).unwrap();
    (p, format!("daihoi_session={}", signed.cookie))
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
    app.start_documents(None).await.unwrap();
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
    let (admin, _) = sign_in_password(&app, "admin").await;
    for (user, name, role) in [
        ("thuky", "Thư ký Đại hội", Role::Secretariat),
        ("chutich", "Đoàn Chủ tịch", Role::Presidium),
    ] {
        app.create_account(&admin, user, name, role, Some(PASSWORD))
            .await
            .unwrap();
    }
    let (sec, _) = sign_in_password(&app, "thuky").await;
    let (_, presidium) = sign_in_password(&app, "chutich").await;
    app.import_rows(&admin, "t", vec![delegate(1)])
        .await
        .unwrap();
    let delegate = {
        let url = app.read(|s| app.qr_url(s.delegates().next().unwrap()));
        let token = url.rsplit('/').next().unwrap().to_string();
        let signed = app.sign_in_qr(&token, "t").unwrap();
        format!("daihoi_session={}", signed.cookie)
    };
    let session = app
        .add_session(
            &admin,
            &SessionInput {
                date: "01/12/2026".into(),
                title: "Phiên thảo luận".into(),
                kind: "plenary".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let item = app
        .add_item(
            &admin,
            session,
            &ItemInput {
                title: "Thảo luận Báo cáo chính trị".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let texts = app.create_folder(&sec, "Văn kiện Đại hội").await.unwrap();
    let people = app.create_folder(&sec, "Nhân sự").await.unwrap();

    let upload = |title: &str, folder: Option<u64>, access: &str, confidential: bool| DocInput {
        title: title.into(),
        folder: folder.map(|f| f.to_string()).unwrap_or_default(),
        access: access.into(),
        groups: String::new(),
        confidential,
        items: Vec::new(),
    };
    let add = async |input: DocInput, name: &str, bytes: Vec<u8>| {
        app.upload_document(
            &sec,
            &input,
            Upload {
                name: name.into(),
                bytes,
            },
            "Dự thảo 2",
            "Bổ sung mục chuyển đổi số",
        )
        .await
        .unwrap()
        .0
    };
    let report = add(
        DocInput {
            items: vec![item.0.to_string()],
            ..upload("Báo cáo chính trị", Some(texts.0), "delegates", false)
        },
        "Báo cáo chính trị.docx",
        docx(&report_pages()),
    )
    .await;
    let secret = add(
        upload(
            "Danh sách dự kiến nhân sự",
            Some(people.0),
            "delegates",
            true,
        ),
        "Danh sách dự kiến.docx",
        docx(&[vec![
            "Danh sách dự kiến nhân sự Ban Chấp hành khóa mới.".into(),
        ]]),
    )
    .await;
    let staff_only = add(
        upload("Phương án nhân sự", Some(people.0), "presidium", false),
        "phuong-an.pdf",
        pdf("Phuong an nhan su khoa moi: Zanzibar ket qua tham do"),
    )
    .await;
    let html_doc = add(
        upload("Ghi chú kỹ thuật", None, "public", false),
        "ghi-chu.docx",
        docx(&[vec![
            "Thẻ <script>alert(\"xin chào\")</script> & <b>đậm</b> không được chạy.".into(),
        ]]),
    )
    .await;
    let long = add(
        upload("Phụ lục số liệu", Some(texts.0), "delegates", false),
        "Phụ lục.docx",
        docx(
            &(1..=45)
                .map(|i| vec![format!("Phụ lục bảng số liệu trang thứ {i}.")])
                .collect::<Vec<_>>(),
        ),
    )
    .await;

    // Wait for the extraction worker.
    let ids = [report, secret, staff_only, html_doc, long];
    for _ in 0..1500 {
        let done = app.read(|s| {
            ids.iter().all(|id| {
                s.docs()
                    .document(DocumentId(*id))
                    .and_then(|d| d.latest())
                    .is_some_and(|v| v.extraction != Extraction::Pending)
            })
        });
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for id in ids {
        let state = app.read(|s| {
            s.docs()
                .document(DocumentId(id))
                .and_then(|d| d.latest())
                .map(|v| v.extraction.clone())
        });
        assert!(
            matches!(state, Some(Extraction::Done(_))),
            "document {id}: {state:?}"
        );
    }
    let router = crate::router(app.clone(), WebOptions::default());
    Env {
        app,
        router,
        delegate,
        presidium,
        report,
        secret,
        staff_only,
        html_doc,
        long,
        _dir: dir,
    }
}

impl Env {
    async fn get(&self, cookie: &str, path: &str) -> Page {
        let res = self
            .router
            .clone()
            .oneshot(
                Request::builder()
                    .uri(path)
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    async fn log_kinds(&self) -> Vec<(String, String, String)> {
        self.app
            .engine
            .store()
            .read(0, 100_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.actor, e.payload))
            .collect()
    }
}

fn q(s: &str) -> String {
    crate::error::urlencode(s)
}

#[tokio::test]
async fn each_reader_sees_only_what_they_may_read_everywhere() {
    let e = env().await;
    let d = &e.delegate;

    // The list: grouped by folder, the delegate without the presidium's document.
    let list = e.get(d, "/app/docs").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.html);
    for title in [
        "Báo cáo chính trị",
        "Danh sách dự kiến nhân sự",
        "Ghi chú kỹ thuật",
        "Phụ lục số liệu",
        "Văn kiện Đại hội",
        "Nhân sự",
        "Tài liệu khác",
        "Dự thảo 2",
        "5 trang",
        "Thảo luận Báo cáo chính trị",
    ] {
        assert!(list.html.contains(title), "{title} in the list");
    }
    assert!(!list.html.contains("Phương án nhân sự"));
    assert!(!list.html.contains(&format!("/app/docs/{}\"", e.staff_only)));
    assert_eq!(
        list.header(header::HeaderName::from_static("x-daihoi-offline")),
        "full"
    );
    let staff = e.get(&e.presidium, "/app/docs").await;
    assert!(staff.html.contains("Phương án nhân sự"));

    // Search: no hit, no snippet, no title.
    let found = e.get(d, "/app/docs/search?q=zanzibar").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(!found.html.to_lowercase().contains("zanzibar</mark>"));
    assert!(!found.html.contains("Phương án nhân sự"));
    assert!(found.html.contains("Không tìm thấy «zanzibar»"));
    let staff_found = e.get(&e.presidium, "/app/docs/search?q=zanzibar").await;
    assert!(staff_found.html.contains("Phương án nhân sự"));
    assert!(staff_found.html.contains("<mark>Zanzibar</mark>"));

    // Every route of the document: "not found", without the title.
    let id = e.staff_only;
    for path in [
        format!("/app/docs/{id}"),
        format!("/app/docs/{id}?p=1"),
        format!("/app/docs/{id}/goto?p=1"),
        format!("/app/docs/{id}/page/1"),
        format!("/app/docs/{id}/page/1.png"),
        format!("/app/docs/{id}/download"),
    ] {
        let page = e.get(d, &path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.html.contains("Phương án"), "{path}");
        assert!(!page.html.contains("Zanzibar"), "{path}");
    }
    // Nor a document that does not exist, or a path that is not one.
    for path in ["/app/docs/999999", "/app/docs/abc", "/app/docs/abc/page/1"] {
        assert_eq!(e.get(d, path).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    // The presidium reads it, page images included.
    let read = e.get(&e.presidium, &format!("/app/docs/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.html.contains("Zanzibar"));
    assert!(
        read.html
            .contains(&format!("href=\"/app/docs/{id}/page/1\""))
    );
    let view = e.get(&e.presidium, &format!("/app/docs/{id}/page/1")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(
        view.html
            .contains(&format!("src=\"/app/docs/{id}/page/1.png\""))
    );
    assert!(view.html.contains("Trang 1/1"));
    let png = e
        .get(&e.presidium, &format!("/app/docs/{id}/page/1.png"))
        .await;
    assert_eq!(png.status, StatusCode::OK);
    assert!(png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(png.header(header::CONTENT_TYPE), "image/png");
    assert!(png.header(header::CACHE_CONTROL).starts_with("private"));
    for path in ["page/2", "page/2.png", "page/0", "page/x.png"] {
        let page = e.get(&e.presidium, &format!("/app/docs/{id}/{path}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    let file = e
        .get(&e.presidium, &format!("/app/docs/{id}/download"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.bytes.starts_with(b"%PDF-"));
    assert_eq!(file.header(header::CONTENT_TYPE), "application/pdf");

    // Offline: the delegate's readable, non-confidential documents only.
    let offline = e.get(d, "/app/docs/offline.json").await;
    assert_eq!(offline.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&offline.bytes).unwrap();
    let keys: Vec<&str> = json["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    let key = |id: u64| format!("/app/docs/{id}");
    assert!(keys.contains(&key(e.report).as_str()));
    assert!(keys.contains(&key(e.long).as_str()));
    assert!(!keys.contains(&key(e.secret).as_str()), "confidential");
    assert!(!keys.contains(&key(e.staff_only).as_str()), "not theirs");
    assert_eq!(
        json["docs"][0]["url"].as_str().unwrap(),
        format!("{}?all=1", json["docs"][0]["key"].as_str().unwrap())
    );
    assert_eq!(offline.header(header::CACHE_CONTROL), "no-store");

    // Without signing in: off to the sign-in page.
    let anon = e.get("", "/app/docs").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn search_without_accents_finds_and_marks_the_accented_words() {
    let e = env().await;
    let d = &e.delegate;
    let plain = e
        .get(
            d,
            &format!("/app/docs/search?q={}", q("chuyen doi so toan dien")),
        )
        .await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.html.contains("Báo cáo chính trị"));
    assert!(plain.html.contains("Trang 4"));
    assert_eq!(
        plain.html.matches("data-testid=\"hit\"").count(),
        1,
        "only page 4"
    );
    for word in PHRASE.split(' ') {
        assert!(
            plain.html.contains(&format!("{word}</mark>")),
            "{word} marked"
        );
    }
    let href = format!(
        "/app/docs/{}?p=4&#38;q=chuyen%20doi%20so%20toan%20dien#p-4",
        e.report
    );
    let hits = &plain.html[plain.html.find("class=\"hits\"").unwrap()..];
    assert!(plain.html.contains(&href), "link to page 4: {hits}");
    assert!(
        plain
            .html
            .contains("1 trang tài liệu có «chuyen doi so toan dien»")
    );
    // The list stays in the page (for script), hidden.
    assert!(plain.html.contains("data-doc-list hidden"));

    // NFD (decomposed) input, as some keyboards send it.
    let nfd = "chuye\u{0302}\u{0309}n đo\u{0302}\u{0309}i so\u{0302}\u{0301}";
    let decomposed = e.get(d, &format!("/app/docs/search?q={}", q(nfd))).await;
    assert!(decomposed.html.contains("Trang 4"));
    assert!(decomposed.html.contains("chuyển</mark>"));

    // As you type: only the fragment; the last word is a prefix, and the link carries the
    // whole words the snippet marked.
    let partial = e
        .get(
            d,
            &format!(
                "/app/docs/search?q={}&partial=1",
                q("chuyen doi so toan di")
            ),
        )
        .await;
    assert_eq!(partial.status, StatusCode::OK);
    assert!(!partial.html.contains("<html"));
    assert!(partial.html.contains("Trang 4"));
    assert!(partial.html.contains(&q("diện")), "{}", partial.html);
    let not_prefix = e
        .get(
            d,
            &format!("/app/docs/search?q={}", q("chuyen doi so toan di")),
        )
        .await;
    assert!(!not_prefix.html.contains("data-testid=\"hit\""));

    // Filters: another folder finds nothing; the agenda item finds it.
    let (texts, people, item) = e.app.read(|s| {
        let f = s.docs().folders();
        let item = s.sessions()[0].id;
        (f[1].id.0, f[0].id.0, s.items_of(item)[0].id.0)
    });
    let folder_names = e.app.read(|s| {
        s.docs()
            .folders()
            .iter()
            .map(|f| f.name.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(folder_names, ["Nhân sự", "Văn kiện Đại hội"]);
    let words = q("chuyen doi so");
    let inside = e
        .get(d, &format!("/app/docs/search?q={words}&folder={texts}"))
        .await;
    assert!(inside.html.contains("Trang 4"));
    let outside = e
        .get(d, &format!("/app/docs/search?q={words}&folder={people}"))
        .await;
    assert!(!outside.html.contains("data-testid=\"hit\""));
    let by_item = e
        .get(d, &format!("/app/docs/search?q={words}&item={item}"))
        .await;
    assert!(by_item.html.contains("Trang 4"));
    // The list filtered the same way, without words.
    let filtered = e.get(d, &format!("/app/docs?folder={people}")).await;
    assert!(filtered.html.contains("Danh sách dự kiến nhân sự"));
    assert!(!filtered.html.contains("Phụ lục số liệu"));
    assert_eq!(
        filtered.header(header::HeaderName::from_static("x-daihoi-offline")),
        "",
        "a filtered list is not the list saved for offline reading"
    );

    // An empty query: the form and the list, no results.
    let empty = e.get(d, "/app/docs/search?q=").await;
    assert!(!empty.html.contains("results-summary"));
    assert!(empty.html.contains("Phụ lục số liệu"));

    // English.
    let en = e
        .get(
            &format!("{d}; daihoi_lang=en"),
            &format!("/app/docs/search?q={}", q("chuyen doi")),
        )
        .await;
    assert!(en.html.contains("Page 4"));
    assert!(en.html.contains("Documents"));
}

#[tokio::test]
async fn the_reading_view_marks_the_query_and_sends_a_window_of_long_documents() {
    let e = env().await;
    let d = &e.delegate;
    let id = e.report;
    let read = e
        .get(
            d,
            &format!("/app/docs/{id}?p=4&q={}", q("chuyen doi so toan dien")),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.html.contains("id=\"p-4\""));
    assert!(
        read.html.contains(&format!("<mark>{PHRASE}</mark>")),
        "one mark for the phrase"
    );
    assert_eq!(read.html.matches("<mark>").count(), 1, "{}", read.html);
    for n in 1..=5 {
        assert!(read.html.contains(&format!("id=\"p-{n}\"")), "page {n}");
    }
    assert!(read.html.contains("Dự thảo 2 · 08:00 01/12/2026 · 5 trang"));
    assert!(
        read.html.contains("Bổ sung mục chuyển đổi số"),
        "what changed"
    );
    assert!(
        read.html.contains("Thảo luận Báo cáo chính trị"),
        "agenda item"
    );
    assert!(read.html.contains(&format!("/app/docs/{id}/download")));
    assert!(
        read.html
            .contains("Đánh dấu 1 chỗ có «chuyen doi so toan dien»")
    );
    // A Word file has no page images.
    assert!(!read.html.contains("Xem bản gốc"));
    assert_eq!(
        e.get(d, &format!("/app/docs/{id}/page/1")).await.status,
        StatusCode::NOT_FOUND
    );
    // The whole document is here: the service worker may keep it.
    assert_eq!(
        read.header(header::HeaderName::from_static("x-daihoi-offline")),
        "full"
    );
    assert_eq!(read.header(header::CACHE_CONTROL), "private, no-cache");
    for bad in ["?p=6", "?p=0", "?p=abc"] {
        let page = e.get(d, &format!("/app/docs/{id}{bad}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{bad}");
    }

    // A long document: the pages around the one asked for, links to the others.
    let long = e.long;
    let window = e.get(d, &format!("/app/docs/{long}?p=40")).await;
    assert_eq!(window.status, StatusCode::OK);
    assert!(window.html.contains("id=\"p-40\""));
    assert!(window.html.contains("id=\"p-16\""));
    assert!(window.html.contains("id=\"p-45\""));
    assert!(!window.html.contains("id=\"p-15\""));
    assert!(window.html.contains("Các trang trước (1–15)"));
    assert!(window.html.contains(&format!("/app/docs/{long}?p=15#p-15")));
    assert_eq!(
        window.header(header::HeaderName::from_static("x-daihoi-offline")),
        ""
    );
    let first = e.get(d, &format!("/app/docs/{long}")).await;
    assert!(first.html.contains("id=\"p-30\""));
    assert!(!first.html.contains("id=\"p-31\""));
    assert!(first.html.contains("Các trang sau (31–45)"));
    let all = e.get(d, &format!("/app/docs/{long}?all=1")).await;
    assert_eq!(all.html.matches("class=\"doc-page\"").count(), 45);
    assert_eq!(
        all.header(header::HeaderName::from_static("x-daihoi-offline")),
        "full"
    );

    // The jump form: a redirect that carries the anchor; out of range goes to the end.
    let jump = e
        .get(d, &format!("/app/docs/{long}/goto?p=99&q={}", q("bảng")))
        .await;
    assert_eq!(jump.status, StatusCode::SEE_OTHER);
    assert_eq!(
        jump.header(header::LOCATION),
        format!("/app/docs/{long}?p=45&q=b%E1%BA%A3ng#p-45")
    );
}

#[tokio::test]
async fn a_confidential_document_is_watermarked_kept_from_caches_and_audited() {
    let e = env().await;
    let id = e.secret;
    let before = e
        .log_kinds()
        .await
        .iter()
        .filter(|(k, _, _)| k == "document_read")
        .count();
    let read = e.get(&e.delegate, &format!("/app/docs/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.html.contains("data-testid=\"confidential-notice\""));
    let line = "Nguyễn Văn 1 · DB001 · 01/12/2026 08:00";
    assert!(
        read.html.contains(&format!("<span>{line}</span>")),
        "{}",
        read.html
    );
    assert!(
        read.html.matches(line).count() > 10,
        "repeated over the page"
    );
    assert!(
        read.html
            .contains("Danh sách dự kiến nhân sự Ban Chấp hành khóa mới.")
    );
    assert_eq!(read.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(
        read.header(header::HeaderName::from_static("x-daihoi-offline")),
        ""
    );
    // A Word file: no watermarked PDF to download, so no download link.
    assert!(!read.html.contains(&format!("/app/docs/{id}/download")));

    let log = e.log_kinds().await;
    let reads: Vec<_> = log
        .iter()
        .filter(|(k, _, _)| k == "document_read")
        .collect();
    assert_eq!(reads.len(), before + 1);
    let (_, actor, payload) = reads[reads.len() - 1];
    assert!(actor.starts_with("delegate:"), "{actor}");
    assert!(payload.contains(&id.to_string()), "{payload}");
    assert!(payload.contains("\"text\""), "{payload}");

    // An ordinary document leaves no trace in the log.
    e.get(&e.delegate, &format!("/app/docs/{}", e.report)).await;
    let after = e.log_kinds().await;
    assert_eq!(
        after
            .iter()
            .filter(|(k, _, _)| k == "document_read")
            .count(),
        before + 1
    );
}

#[tokio::test]
async fn document_text_is_shown_as_text_never_as_html() {
    let e = env().await;
    let read = e
        .get(
            &e.delegate,
            &format!("/app/docs/{}?q={}", e.html_doc, q("dam")),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let text = &read.html[read.html.find("doc-text").unwrap()..];
    assert!(
        text.contains("&#60;script&#62;alert(&#34;xin chào&#34;)&#60;/script&#62; &#38; "),
        "{text}"
    );
    assert!(!read.html.contains("<script>alert"));
    assert!(!read.html.contains("<b>"));
    assert!(
        read.html
            .contains("&#60;b&#62;<mark>đậm</mark>&#60;/b&#62;")
    );
    let found = e
        .get(
            &e.delegate,
            &format!("/app/docs/search?q={}", q("script dam")),
        )
        .await;
    assert!(found.html.contains("Ghi chú kỹ thuật"));
    assert!(!found.html.contains("<script>alert"));
    assert!(!found.html.contains("<b>"));
    assert!(found.html.contains("&#60;<mark>script</mark>&#62;"));
}

#[tokio::test]
async fn downloads_keep_vietnamese_file_names() {
    let e = env().await;
    let file = e
        .get(&e.delegate, &format!("/app/docs/{}/download", e.report))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.bytes.starts_with(b"PK"));
    assert_eq!(
        file.header(header::CONTENT_TYPE),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        file.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"bao cao chinh tri.docx\"; \
         filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20ch%C3%ADnh%20tr%E1%BB%8B.docx"
    );
}

#[test]
fn content_disposition_quotes_nothing_it_should_not() {
    assert_eq!(
        content_disposition("a\"b\\c;d.pdf"),
        "attachment; filename=\"a_b_c_d.pdf\"; filename*=UTF-8''a%22b%5Cc%3Bd.pdf"
    );
    assert_eq!(
        content_disposition("Đề án.pdf"),
        "attachment; filename=\"de an.pdf\"; filename*=UTF-8''%C4%90%E1%BB%81%20%C3%A1n.pdf"
    );
    assert!(content_disposition("").contains("filename=\"document\""));
}

#[test]
fn pdf_lines_are_reflowed_into_paragraphs() {
    let page = "Phương hướng nhiệm kỳ tới là tiếp tục đẩy mạnh đổi mới, phát huy sức\n\
                mạnh đại đoàn kết toàn dân, huy động mọi nguồn lực để phát triển nhanh\n\
                và bền vững.\n\
                II. NHIỆM VỤ\n\
                - Giữ vững ổn định chính trị, bảo đảm quốc phòng, an ninh, đối ngoại;\n\
                - Xây dựng Đảng bộ trong sạch, vững mạnh toàn diện về mọi mặt, nhất\n\
                là về chính trị.";
    assert_eq!(
        paragraphs(page, false),
        [
            "Phương hướng nhiệm kỳ tới là tiếp tục đẩy mạnh đổi mới, phát huy sức mạnh đại đoàn kết toàn dân, huy động mọi nguồn lực để phát triển nhanh và bền vững.",
            "II. NHIỆM VỤ",
            "- Giữ vững ổn định chính trị, bảo đảm quốc phòng, an ninh, đối ngoại;",
            "- Xây dựng Đảng bộ trong sạch, vững mạnh toàn diện về mọi mặt, nhất là về chính trị.",
        ]
    );
    // A paragraph whose last line is as wide as the others.
    let ragged = "Thúc đẩy chuyển đổi số toàn diện trong các cơ quan đảng, chính quyền, doanh\n\
                  nghiệp và đời sống xã hội; phát triển chính quyền số, kinh tế số và xã hội số.\n\
                  Huy động mọi nguồn lực đầu tư kết cấu hạ tầng đồng bộ, hiện đại, nhất là giao\n\
                  thông và đô thị.";
    assert_eq!(
        paragraphs(ragged, false),
        [
            "Thúc đẩy chuyển đổi số toàn diện trong các cơ quan đảng, chính quyền, doanh nghiệp và đời sống xã hội; phát triển chính quyền số, kinh tế số và xã hội số.",
            "Huy động mọi nguồn lực đầu tư kết cấu hạ tầng đồng bộ, hiện đại, nhất là giao thông và đô thị.",
        ]
    );
    // A heading in capitals, on two lines, before text as wide as it.
    let heading = "I. ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NGHỊ QUYẾT ĐẠI HỘI NHIỆM KỲ 2020 - 2025 VÀ\n\
                   BÀI HỌC KINH NGHIỆM\n\
                   Nhiệm kỳ qua, Đảng bộ tỉnh đã lãnh đạo toàn Đảng bộ, chính quyền và nhân dân\n\
                   vượt qua nhiều khó khăn.";
    assert_eq!(
        paragraphs(heading, false),
        [
            "I. ĐÁNH GIÁ KẾT QUẢ THỰC HIỆN NGHỊ QUYẾT ĐẠI HỘI NHIỆM KỲ 2020 - 2025 VÀ BÀI HỌC KINH NGHIỆM",
            "Nhiệm kỳ qua, Đảng bộ tỉnh đã lãnh đạo toàn Đảng bộ, chính quyền và nhân dân vượt qua nhiều khó khăn.",
        ]
    );
    // Word: one line per paragraph already.
    assert_eq!(paragraphs("Một.\nHai\n\nBa", true), ["Một.", "Hai", "Ba"]);
    assert!(paragraphs("", false).is_empty());
}

#[test]
fn marks_merge_across_spaces_only() {
    let (pieces, n) = mark(
        "Đẩy mạnh chuyển đổi số, toàn diện.",
        "chuyen doi so toan dien",
    );
    let html: String = pieces
        .iter()
        .map(|p| {
            if p.mark {
                format!("[{}]", p.text)
            } else {
                p.text.clone()
            }
        })
        .collect();
    assert_eq!(html, "Đẩy mạnh [chuyển đổi số], [toàn diện].");
    assert_eq!(n, 2);
    let (pieces, n) = mark("không có gì", "");
    assert_eq!((pieces.len(), n), (1, 0));
}

#[test]
fn the_window_starts_before_the_page_and_stays_inside_the_document() {
    assert_eq!(window(1, 5, false), (1, 5));
    assert_eq!(window(1, 1000, false), (1, 30));
    assert_eq!(window(500, 1000, false), (490, 519));
    assert_eq!(window(1000, 1000, false), (971, 1000));
    assert_eq!(window(7, 1000, false), (1, 30));
    assert_eq!(window(7, 1000, true), (1, 1000));
}
