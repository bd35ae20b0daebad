//! Document ingest: pages per second from upload to searchable, for text PDFs (text layer)
//! and for scans (Vietnamese OCR), through the same `App` use cases and background worker
//! the server runs, on a fresh SQLite store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use daihoi_app::usecases::{App, SetupInput, Upload};
use daihoi_app::{Principal, SystemClock};
use daihoi_domain::docs::{DocInput, Extraction};
use daihoi_domain::state::CongressInput;
use daihoi_store_sqlite::SqliteStore;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Pages of the text PDF (one document).
    pub text_pages: usize,
    /// Scanned pages (one PNG per document, 300 dpi).
    pub scan_pages: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            text_pages: 500,
            scan_pages: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IngestRun {
    pub what: String,
    pub pages: usize,
    pub bytes: usize,
    pub seconds: f64,
    pub pages_per_second: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub runs: Vec<IngestRun>,
}

const SENTENCES: [&str; 6] = [
    "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV đánh giá kết quả thực hiện Nghị quyết nhiệm kỳ 2020 - 2025, xác định phương hướng, mục tiêu, nhiệm vụ nhiệm kỳ 2025 - 2030.",
    "Tốc độ tăng trưởng kinh tế bình quân đạt 7,2%/năm; thu ngân sách nhà nước trên địa bàn vượt dự toán; đời sống vật chất và tinh thần của nhân dân được cải thiện.",
    "Công tác xây dựng, chỉnh đốn Đảng được chú trọng; năng lực lãnh đạo và sức chiến đấu của tổ chức cơ sở đảng được nâng lên rõ rệt.",
    "Thúc đẩy chuyển đổi số, phát triển kinh tế số, xã hội số; huy động mọi nguồn lực đầu tư kết cấu hạ tầng đồng bộ, hiện đại.",
    "Giữ vững quốc phòng, an ninh; nâng cao hiệu quả công tác đối ngoại; bảo đảm trật tự an toàn xã hội trên địa bàn toàn tỉnh.",
    "Phát triển nguồn nhân lực chất lượng cao, giáo dục và đào tạo, y tế, văn hoá; giảm nghèo bền vững, chăm lo an sinh xã hội.",
];

/// A dense page (about 40 lines of A4 at 12 pt).
fn page_text(n: usize) -> String {
    let mut lines = vec![format!("Trang {n}. BÁO CÁO CHÍNH TRỊ")];
    for i in 0..9 {
        lines.push(SENTENCES[(n + i) % SENTENCES.len()].to_string());
    }
    lines.join("\n")
}

async fn app_in(dir: &std::path::Path) -> anyhow::Result<(Arc<App>, Principal)> {
    let store = SqliteStore::open(&dir.join("bench.db")).await?;
    let app = App::open(Arc::new(store), Arc::new(SystemClock), "http://127.0.0.1")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    app.setup(&SetupInput {
        congress: CongressInput {
            name: "Đại hội đo hiệu năng".into(),
            place: "Hội trường".into(),
            starts_on: "01/12/2026".into(),
            ends_on: "03/12/2026".into(),
            kind: "party_congress".into(),
        },
        username: "admin".into(),
        display_name: "Quản trị".into(),
        password: "mật-khẩu-đo-hiệu-năng".into(),
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let signed = app
        .sign_in_password("admin", "mật-khẩu-đo-hiệu-năng", "bench")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let p = app
        .authenticate_cookie(&signed.cookie)
        .ok_or_else(|| anyhow::anyhow!("no session"))?;
    app.start_documents(Some(dir))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((app, p))
}

/// Upload the files, wait until every version is extracted and indexed; time it.
async fn timed(what: &str, files: Vec<Upload>, pages: usize) -> anyhow::Result<IngestRun> {
    let dir = tempfile::tempdir()?;
    let (app, p) = app_in(dir.path()).await?;
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    let t0 = Instant::now();
    for f in files {
        let input = DocInput {
            title: f.name.clone(),
            ..DocInput::default()
        };
        app.upload_document(&p, &input, f, "", "")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    loop {
        let pending = app.read(|s| !s.docs().pending().is_empty());
        if !pending && app.doc_service().idle() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(1800) {
            anyhow::bail!("{what}: extraction did not finish in 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let seconds = t0.elapsed().as_secs_f64();
    let failed = app.read(|s| {
        s.docs()
            .documents()
            .flat_map(|d| d.versions.iter())
            .filter(|v| !matches!(v.extraction, Extraction::Done(_)))
            .count()
    });
    anyhow::ensure!(failed == 0, "{what}: {failed} versions not extracted");
    let indexed = app.doc_service().index().page_count() as usize;
    anyhow::ensure!(
        indexed == pages,
        "{what}: {indexed} pages indexed, expected {pages}"
    );
    Ok(IngestRun {
        what: what.into(),
        pages,
        bytes,
        seconds,
        pages_per_second: pages as f64 / seconds,
    })
}

pub async fn run(opts: &IngestOptions) -> anyhow::Result<IngestReport> {
    let texts: Vec<String> = (1..=opts.text_pages.max(1)).map(page_text).collect();
    let pdf = daihoi_docs::write::text_pdf("Báo cáo", &texts)?;
    let text = timed(
        "text PDF (text layer)",
        vec![Upload {
            name: "bao-cao.pdf".into(),
            bytes: pdf,
        }],
        texts.len(),
    )
    .await?;
    // Scans: each page of a text PDF rendered at 300 dpi to a grey PNG, uploaded as an image.
    let limits = daihoi_docs::Limits::default();
    let scan_src = daihoi_docs::write::text_pdf("Bản quét", &texts[..opts.scan_pages.max(1)])?;
    let mut scans = Vec::new();
    for n in 1..=opts.scan_pages.max(1) {
        let png = daihoi_docs::page_png(&scan_src, n as u32, 300, &limits)?;
        scans.push(Upload {
            name: format!("trang-{n}.png"),
            bytes: png,
        });
    }
    let ocr = timed("scans (OCR, vie)", scans, opts.scan_pages.max(1)).await?;
    Ok(IngestReport {
        runs: vec![text, ocr],
    })
}

pub fn markdown(r: &IngestReport) -> String {
    let mut s = String::from(
        "| input | pages | bytes | upload → searchable | pages/s |\n|---|---:|---:|---:|---:|\n",
    );
    for x in &r.runs {
        s.push_str(&format!(
            "| {} | {} | {} | {:.2} s | {:.1} |\n",
            x.what, x.pages, x.bytes, x.seconds, x.pages_per_second
        ));
    }
    s
}
