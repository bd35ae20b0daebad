//! Documents end to end through the use cases: uploads, the background extraction, search
//! with and without diacritics, who may read what, confidential reads in the audit log,
//! bad files, batches, a restart with pending work, and the index rebuilt.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use daihoi_domain::docs::{DocInput, Extraction};
use daihoi_domain::model::{DelegateId, DocumentId};
use daihoi_domain::{Error, Role};

use crate::auth::{Principal, Subject};
use crate::usecases::tests::{admin, app_in, set_up};
use crate::usecases::{App, DocQuery, Upload};

/// A DOCX: one paragraph per line, a page break between pages.
pub(crate) fn docx(pages: &[&[&str]]) -> Vec<u8> {
    let pages: Vec<String> = pages.iter().map(|p| p.join("\n")).collect();
    daihoi_docs::write::docx(&pages)
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        for (name, bytes) in entries {
            z.start_file(*name, o).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn input(title: &str, access: &str) -> DocInput {
    DocInput {
        title: title.into(),
        access: access.into(),
        ..Default::default()
    }
}

fn up(name: &str, bytes: Vec<u8>) -> Upload {
    Upload {
        name: name.into(),
        bytes,
    }
}

fn delegate(app: &App, code: &str) -> Principal {
    let id: DelegateId = app
        .read(|s| s.delegate_by_code(code).map(|d| d.id))
        .unwrap();
    Principal {
        subject: Subject::Delegate(id),
        role: Role::Delegate,
        display_name: "Nguyễn Thị An".into(),
        csrf: None,
    }
}

/// Wait until no version is pending (the worker runs in the background).
async fn settled(app: &App) {
    for _ in 0..600 {
        if app.read(|s| s.docs().pending().is_empty()) && app.doc_service().idle() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("extraction did not finish");
}

async fn ready() -> (tempfile::TempDir, Arc<App>, Principal) {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path()).await;
    set_up(&app).await;
    let a = admin(&app);
    let csv = "Mã đại biểu,Họ và tên,Đoàn,Tổ\r\nDB001,Nguyễn Thị An,Đoàn Hà Nội,Tổ 1\r\nDB002,Trần Văn Bình,Đoàn Huế,Tổ 2\r\n";
    app.import_delegates(&a, "ds.csv", csv.as_bytes())
        .await
        .unwrap();
    app.start_documents(Some(dir.path())).await.unwrap();
    (dir, app, a)
}

fn query(text: &str) -> DocQuery {
    DocQuery {
        text: text.into(),
        limit: 10,
        ..Default::default()
    }
}

#[tokio::test]
async fn an_upload_is_extracted_in_the_background_and_found_without_diacritics() {
    let (dir, app, a) = ready().await;
    let bytes = docx(&[
        &["Báo cáo chính trị của Ban Chấp hành"],
        &["Đại hội Đảng bộ tỉnh lần thứ XV", "chuyển đổi số toàn diện"],
    ]);
    let id = app
        .upload_document(
            &a,
            &input("", "delegates"),
            up("Báo cáo chính trị.docx", bytes),
            "Dự thảo 1",
            "",
        )
        .await
        .unwrap();
    settled(&app).await;
    let d = app.read(|s| s.docs().document(id).cloned()).unwrap();
    assert_eq!(
        d.fields.title, "Báo cáo chính trị",
        "title from the file name"
    );
    let Extraction::Done(t) = &d.versions[0].extraction else {
        panic!("{:?}", d.versions[0].extraction)
    };
    assert_eq!((t.pages, t.method.as_str()), (2, "docx"));
    let me = delegate(&app, "DB001");
    for q in [
        "dai hoi dang bo",
        "ĐẠI HỘI ĐẢNG BỘ",
        "Đa\u{323}i hô\u{323}i",
    ] {
        let r = app.search_documents(&me, &query(q)).unwrap();
        assert_eq!(r.hits.len(), 1, "{q}");
        assert_eq!((r.hits[0].doc, r.hits[0].page), (id, 2), "{q}");
        let marked: String = r.hits[0]
            .snippet
            .iter()
            .filter(|(_, h)| *h)
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            marked.contains("Đại"),
            "highlight on the accented words: {marked}"
        );
    }
    let (_, no, pages) = app.document_pages(&me, id).await.unwrap();
    assert_eq!(no, 1);
    assert_eq!(
        pages[1],
        "Đại hội Đảng bộ tỉnh lần thứ XV\nchuyển đổi số toàn diện"
    );
    // The index on disk survives a restart and matches: no rebuild needed, still found.
    drop(app);
    let app = app_in(dir.path()).await;
    app.start_documents(Some(dir.path())).await.unwrap();
    let me = delegate(&app, "DB001");
    assert_eq!(
        app.search_documents(&me, &query("chuyen doi so"))
            .unwrap()
            .hits
            .len(),
        1
    );
}

#[tokio::test]
async fn a_delegate_never_receives_what_is_not_theirs() {
    let (_dir, app, a) = ready().await;
    let secret = app
        .upload_document(
            &a,
            &input("Dự kiến nhân sự", "presidium"),
            up("ns.docx", docx(&[&["nhân sự khoá mới"]])),
            "",
            "",
        )
        .await
        .unwrap();
    let mut g = input("Tài liệu tổ 2", "groups");
    g.groups = "Tổ 2".into();
    let group = app
        .upload_document(&a, &g, up("t2.docx", docx(&[&["nhân sự tổ hai"]])), "", "")
        .await
        .unwrap();
    settled(&app).await;
    let an = delegate(&app, "DB001"); // Tổ 1
    let binh = delegate(&app, "DB002"); // Tổ 2
    let r = app.search_documents(&an, &query("nhan su")).unwrap();
    assert_eq!(
        (r.total, r.hits.len()),
        (0, 0),
        "neither hit nor count leaks"
    );
    let r = app.search_documents(&binh, &query("nhan su")).unwrap();
    assert_eq!(
        r.hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
        vec![group]
    );
    assert_eq!(r.total, 1);
    for id in [secret, group] {
        assert_eq!(
            app.readable_document(&an, id).unwrap_err(),
            Error::NotFound { what: "document" }
        );
        assert!(matches!(
            app.document_pages(&an, id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            app.document_download(&an, id, None).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            app.document_page_png(&an, id, 1).await,
            Err(Error::NotFound { .. })
        ));
    }
    assert!(app.readable_documents(&an).unwrap().is_empty());
    assert_eq!(
        app.search_documents(&a, &query("nhan su"))
            .unwrap()
            .hits
            .len(),
        2,
        "staff see all"
    );
    // Changing the access re-indexes: now Tổ 1 may read the group document.
    g.groups = "Tổ 1".into();
    app.edit_document(&a, group, &g).await.unwrap();
    assert_eq!(
        app.search_documents(&an, &query("nhan su"))
            .unwrap()
            .hits
            .len(),
        1
    );
    assert!(
        app.search_documents(&binh, &query("nhan su"))
            .unwrap()
            .hits
            .is_empty()
    );
}

#[tokio::test]
async fn reading_a_confidential_document_is_in_the_audit_log() {
    let (_dir, app, a) = ready().await;
    let mut i = input("Báo cáo mật", "delegates");
    i.confidential = true;
    let id = app
        .upload_document(&a, &i, up("m.docx", docx(&[&["nội dung mật"]])), "", "")
        .await
        .unwrap();
    settled(&app).await;
    let me = delegate(&app, "DB001");
    let before = app.engine.head_seq();
    app.document_pages(&me, id).await.unwrap();
    let events = app.engine.store().read(before, 10).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["document_read"]);
    assert!(events[0].actor.starts_with("delegate:"));
    // A confidential DOCX has no watermarked PDF to download.
    assert_eq!(
        app.document_download(&me, id, None)
            .await
            .unwrap_err()
            .code(),
        "CONFIDENTIAL_NO_PDF"
    );
    assert!(app.watermark_line(&me).contains("DB001"));
}

#[tokio::test]
async fn bad_files_get_a_clear_reason_and_change_nothing() {
    let (_dir, app, a) = ready().await;
    let seq = app.engine.head_seq();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("trống.pdf", Vec::new(), "DOC_EMPTY"),
        (
            "rác.pdf",
            b"this is not a document at all".to_vec(),
            "DOC_UNSUPPORTED",
        ),
        (
            "lô.zip",
            zip_of(&[("a.txt", b"x".to_vec())]),
            "DOC_ZIP_NOT_HERE",
        ),
    ];
    for (name, bytes, code) in cases {
        let e = app
            .upload_document(&a, &input("", ""), up(name, bytes), "", "")
            .await
            .unwrap_err();
        match e {
            Error::Invalid { field, problem } => {
                assert_eq!((field, problem.key), ("file", code), "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(app.engine.head_seq(), seq, "nothing appended");
    // A PDF that is cut off is accepted, then fails in the background with a reason; it is
    // never indexed.
    let id = app
        .upload_document(
            &a,
            &input("Hỏng", ""),
            up("hong.pdf", b"%PDF-1.7\n1 0 obj <<".to_vec()),
            "",
            "",
        )
        .await
        .unwrap();
    settled(&app).await;
    let v = app.read(|s| {
        s.docs().document(id).unwrap().versions[0]
            .extraction
            .clone()
    });
    assert!(
        matches!(&v, Extraction::Failed { code, .. } if code == "DOC_CORRUPT"),
        "{v:?}"
    );
    assert_eq!(app.doc_service().index().page_count(), 0);
}

#[tokio::test]
async fn a_zip_batch_takes_the_good_files_and_reports_the_rest() {
    let (_dir, app, a) = ready().await;
    let zip = zip_of(&[
        (
            "Dự thảo nghị quyết/Nghị quyết.docx",
            docx(&[&["nghị quyết đại hội"]]),
        ),
        (
            "Dự thảo nghị quyết/Phụ lục.docx",
            docx(&[&["phụ lục chỉ tiêu"]]),
        ),
        ("../thoát.docx", docx(&[&["x"]])),
        ("lồng.zip", zip_of(&[("a.docx", docx(&[&["y"]]))])),
        ("ghi-chú.txt", b"plain text".to_vec()),
    ]);
    let report = app
        .upload_batch(
            &a,
            &input("-", "delegates"),
            vec![
                up("tai-lieu.zip", zip),
                up("Quy chế.docx", docx(&[&["quy chế làm việc"]])),
            ],
        )
        .await
        .unwrap();
    assert_eq!(report.added.len(), 3, "{:?}", report);
    let codes: Vec<&str> = report.rejected.iter().map(|(_, p)| p.key).collect();
    assert_eq!(report.rejected.len(), 3, "{:?}", report.rejected);
    assert!(codes.contains(&"ZIP_UNSAFE_PATH"), "{codes:?}");
    assert!(codes.contains(&"ZIP_NESTED"), "{codes:?}");
    assert!(codes.contains(&"DOC_UNSUPPORTED"), "{codes:?}");
    let folder = app
        .read(|s| s.docs().folder_by_name("Dự thảo nghị quyết").map(|f| f.id))
        .unwrap();
    let in_folder = app.read(|s| {
        s.docs()
            .documents()
            .filter(|d| d.fields.folder == Some(folder))
            .count()
    });
    assert_eq!(in_folder, 2, "the zip's folder became a document folder");
    settled(&app).await;
    let q = DocQuery {
        folder: Some(folder),
        ..query("nghi quyet")
    };
    let r = app.search_documents(&a, &q).unwrap();
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].title, "Nghị quyết");
}

#[tokio::test]
async fn pending_work_resumes_after_a_restart_and_the_index_can_be_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let id: DocumentId;
    {
        let app = app_in(dir.path()).await;
        set_up(&app).await;
        let a = admin(&app);
        // No worker: the upload is acknowledged and stays pending (as if killed right after).
        id = app
            .upload_document(
                &a,
                &input("Quy chế", ""),
                up("qc.docx", docx(&[&["quy chế bầu cử"]])),
                "",
                "",
            )
            .await
            .unwrap();
        assert_eq!(app.read(|s| s.docs().pending()), vec![(id, 1)]);
    }
    let app = app_in(dir.path()).await;
    app.start_documents(Some(dir.path())).await.unwrap();
    settled(&app).await;
    let a = admin(&app);
    assert_eq!(
        app.search_documents(&a, &query("quy che bau cu"))
            .unwrap()
            .hits
            .len(),
        1
    );
    // Throw the index away: it is rebuilt from the stored texts.
    app.doc_service().index().clear().unwrap();
    assert!(
        app.search_documents(&a, &query("quy che"))
            .unwrap()
            .hits
            .is_empty()
    );
    assert_eq!(app.rebuild_document_index(dir.path()).await.unwrap(), 1);
    assert_eq!(
        app.search_documents(&a, &query("quy che")).unwrap().hits[0].doc,
        id
    );
}

#[tokio::test]
async fn a_confidential_pdf_is_shown_and_downloaded_watermarked_and_logged() {
    let (_dir, app, a) = ready().await;
    let pages = vec![
        "Dự kiến nhân sự".to_string(),
        "Trang hai của tài liệu mật".to_string(),
    ];
    let pdf = daihoi_docs::write::text_pdf("Mật", &pages).unwrap();
    let mut i = input("Dự kiến nhân sự", "delegates");
    i.confidential = true;
    let id = app
        .upload_document(&a, &i, up("mat.pdf", pdf.clone()), "", "")
        .await
        .unwrap();
    settled(&app).await;
    let me = delegate(&app, "DB001");
    let before = app.engine.head_seq();
    let png = app.document_page_png(&me, id, 2).await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert!(matches!(
        app.document_page_png(&me, id, 3).await,
        Err(Error::NotFound { what: "page" })
    ));
    let f = app.document_download(&me, id, None).await.unwrap();
    assert_eq!((f.mime, f.name.as_str()), ("application/pdf", "mat.pdf"));
    assert!(
        f.bytes.starts_with(b"%PDF") && f.bytes != pdf,
        "a stamped copy"
    );
    let limits = daihoi_docs::Limits::default();
    assert_eq!(daihoi_docs::page_count(&f.bytes, &limits).unwrap(), 2);
    let events = app.engine.store().read(before, 10).await.unwrap();
    let how: Vec<String> = events
        .iter()
        .map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            format!("{}:{}", e.kind, v["how"].as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(how, ["document_read:page", "document_read:download"]);
    // A plain document's page is cached and logs nothing.
    let plain = app
        .upload_document(
            &a,
            &input("Công khai", "delegates"),
            up("p.pdf", daihoi_docs::write::text_pdf("P", &pages).unwrap()),
            "",
            "",
        )
        .await
        .unwrap();
    settled(&app).await;
    let seq = app.engine.head_seq();
    let first = app.document_page_png(&me, plain, 1).await.unwrap();
    assert_eq!(app.document_page_png(&me, plain, 1).await.unwrap(), first);
    assert_eq!(app.engine.head_seq(), seq);
}
