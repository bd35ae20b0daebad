//! PDF: page count and sizes (pdfinfo), text layer (pdftotext), page images (pdftoppm) and
//! OCR of the pages that have no text layer.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::text::{alnum_count, clean_page, nfc};
use crate::tool::{self, Output, PDFINFO, PDFTOPPM, PDFTOTEXT, Tool};
use crate::{DocError, Extracted, Kind, Limits, Method, identify, scan};

/// A page with fewer letters and digits than this in its text layer is OCR-ed.
const OCR_BELOW_CHARS: usize = 20;

/// One page's size in points (1/72 inch) and its rotation in degrees, as pdfinfo reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PageSize {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) rotation: u32,
}

impl PageSize {
    /// The size as the page is shown (width and height swapped for 90° and 270°).
    pub(crate) fn shown(self) -> (f32, f32) {
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// The highest resolution up to `dpi` at which the page stays within `max_pixels`.
    fn dpi_within(self, dpi: u32, max_pixels: u64) -> u32 {
        let square_inches = f64::from(self.width / 72.0) * f64::from(self.height / 72.0);
        if square_inches.is_nan() || square_inches <= 0.0 {
            return dpi;
        }
        let fit = (max_pixels as f64 / square_inches).sqrt().floor();
        if fit >= f64::from(dpi) {
            dpi
        } else {
            // In range: 0 < fit < dpi <= u32::MAX.
            (fit as u32).max(1)
        }
    }
}

/// What pdfinfo says of a PDF.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Info {
    pub(crate) pages: u32,
    /// One per page, up to `max_pages`.
    pub(crate) sizes: Vec<PageSize>,
}

/// A PDF written to a private directory, with what pdfinfo says of it.
pub(crate) struct OpenPdf {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) info: Info,
}

impl OpenPdf {
    pub(crate) const FILE: &'static str = "in.pdf";

    /// Checks size, kind, password and page count; the file is `dir/in.pdf`.
    pub(crate) fn open(bytes: &[u8], limits: &Limits) -> Result<OpenPdf, DocError> {
        limits.check_size(bytes)?;
        match identify(bytes)? {
            Kind::Pdf => {}
            other => {
                return Err(DocError::Corrupt(format!(
                    "the content is {other}, not pdf"
                )));
            }
        }
        let dir = tool::workdir()?;
        std::fs::write(dir.path().join(Self::FILE), bytes)?;
        let info = info(dir.path(), Self::FILE, limits)?;
        limits.check_pages(info.pages)?;
        Ok(OpenPdf { dir, info })
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn info(dir: &Path, file: &str, limits: &Limits) -> Result<Info, DocError> {
    let last = limits.max_pages.to_string();
    let out = tool::run(
        PDFINFO,
        &["-enc", "UTF-8", "-f", "1", "-l", &last, file],
        dir,
        limits.tool_timeout,
    )?;
    if !out.success() {
        return Err(pdf_failure(&out, PDFINFO));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut pages = None;
    let mut sizes: Vec<PageSize> = Vec::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Pages:") {
            pages = v.trim().parse::<u32>().ok();
        } else if let Some(rest) = line.strip_prefix("Page ") {
            // "Page    1 size:  595.276 x 841.89 pts (A4)" / "Page    1 rot:   90"
            let mut words = rest.split_whitespace();
            let (Some(_number), Some(field)) = (words.next(), words.next()) else {
                continue;
            };
            match field {
                "size:" => {
                    let w = words.next().and_then(|v| v.parse::<f32>().ok());
                    let _x = words.next();
                    let h = words.next().and_then(|v| v.parse::<f32>().ok());
                    if let (Some(width), Some(height)) = (w, h) {
                        sizes.push(PageSize {
                            width,
                            height,
                            rotation: 0,
                        });
                    }
                }
                "rot:" => {
                    let rot = words
                        .next()
                        .and_then(|v| v.parse::<i64>().ok())
                        .unwrap_or(0);
                    if let Some(last) = sizes.last_mut() {
                        last.rotation = u32::try_from(rot.rem_euclid(360)).unwrap_or(0);
                    }
                }
                _ => {}
            }
        }
    }
    match pages {
        Some(0) => Err(DocError::Corrupt("the PDF has no pages".into())),
        Some(pages) => Ok(Info { pages, sizes }),
        None => Err(DocError::Corrupt("pdfinfo found no page count".into())),
    }
}

/// A poppler program failed on the file: a password, or damage.
fn pdf_failure(out: &Output, tool: Tool) -> DocError {
    if out.stderr.contains("Incorrect password") {
        DocError::Encrypted
    } else if out.status.code().is_none() {
        out.failure(tool)
    } else if out.stderr.is_empty() {
        DocError::Corrupt(format!("{} could not read it", tool.program))
    } else {
        DocError::Corrupt(out.stderr.clone())
    }
}

/// The number of pages of a PDF ([`DocError::Encrypted`] if it needs a password,
/// [`DocError::Corrupt`] if it cannot be read).
pub fn page_count(pdf: &[u8], limits: &Limits) -> Result<u32, DocError> {
    Ok(OpenPdf::open(pdf, limits)?.info.pages)
}

/// One page (1-based) as a PNG image at `dpi` (clamped to 1..=1200, and lowered so the
/// image stays within [`Limits::max_image_pixels`]). Sharp for text pages; for scanned pages
/// [`page_jpeg`] is several times smaller and faster (PNG compresses scanner noise badly).
pub fn page_png(pdf: &[u8], page: u32, dpi: u32, limits: &Limits) -> Result<Vec<u8>, DocError> {
    page_image(pdf, page, dpi, Format::Png, limits)
}

/// One page (1-based) as a JPEG image (quality 85) at `dpi`, limited as [`page_png`].
pub fn page_jpeg(pdf: &[u8], page: u32, dpi: u32, limits: &Limits) -> Result<Vec<u8>, DocError> {
    page_image(pdf, page, dpi, Format::Jpeg, limits)
}

fn page_image(
    pdf: &[u8],
    page: u32,
    dpi: u32,
    format: Format,
    limits: &Limits,
) -> Result<Vec<u8>, DocError> {
    let open = OpenPdf::open(pdf, limits)?;
    let pages = open.info.pages;
    if page == 0 || page > pages {
        return Err(DocError::NoSuchPage { page, pages });
    }
    let (name, _) = render(&open, page, dpi.clamp(1, 1200), format, limits)?;
    let path = open.path().join(name);
    let bytes = std::fs::read(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(bytes)
}

/// What pdftoppm writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Jpeg,
    /// Grey PGM, uncompressed: for OCR (compressing a noisy 300 dpi scan to PNG took
    /// pdftoppm 10 s, longer than reading it).
    GrayPgm,
}

/// Renders `page` of an open PDF to a file in its directory; returns the file's name and
/// the resolution used.
fn render(
    open: &OpenPdf,
    page: u32,
    dpi: u32,
    format: Format,
    limits: &Limits,
) -> Result<(String, u32), DocError> {
    let size = usize::try_from(page - 1)
        .ok()
        .and_then(|i| open.info.sizes.get(i).copied());
    let dpi = size.map_or(dpi, |s| s.dpi_within(dpi, limits.max_image_pixels));
    let base = format!("page-{page}");
    let (p, r) = (page.to_string(), dpi.to_string());
    let mut args = vec!["-r", &r, "-f", &p, "-l", &p, "-singlefile"];
    let ext = match format {
        Format::Png => {
            args.push("-png");
            "png"
        }
        Format::Jpeg => {
            args.extend(["-jpeg", "-jpegopt", "quality=85"]);
            "jpg"
        }
        Format::GrayPgm => {
            args.push("-gray");
            "pgm"
        }
    };
    args.extend([OpenPdf::FILE, &base]);
    let out = tool::run(PDFTOPPM, &args, open.path(), limits.tool_timeout)?;
    let name = format!("{base}.{ext}");
    let path = open.path().join(&name);
    if !out.success() {
        let _ = std::fs::remove_file(&path);
        return Err(pdf_failure(&out, PDFTOPPM));
    }
    if !path.exists() {
        return Err(DocError::Tool(format!(
            "pdftoppm wrote no image for page {page}"
        )));
    }
    Ok((name, dpi))
}

pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Extracted, DocError> {
    let open = OpenPdf::open(bytes, limits)?;
    let n = open.info.pages;
    progress(0, n);

    let last = n.to_string();
    let out = tool::run(
        PDFTOTEXT,
        &["-enc", "UTF-8", "-f", "1", "-l", &last, OpenPdf::FILE, "-"],
        open.path(),
        limits.tool_timeout,
    )?;
    if !out.success() {
        return Err(pdf_failure(&out, PDFTOTEXT));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // pdftotext ends every page with a form feed.
    let count = usize::try_from(n).unwrap_or(usize::MAX);
    let mut pages: Vec<String> = text.split('\u{c}').take(count).map(nfc).collect();
    pages.resize(count, String::new());
    let legacy = crate::convert_legacy(&mut pages);

    let scanned: Vec<u32> = (1..=n)
        .zip(&pages)
        .filter(|(_, p)| alnum_count(p) < OCR_BELOW_CHARS)
        .map(|(no, _)| no)
        .collect();
    let mut done = n - u32::try_from(scanned.len()).unwrap_or(n);
    progress(done, n);

    let mut ocr_pages = Vec::new();
    ocr_each(&open, &scanned, limits, &mut |page, text| {
        let i = usize::try_from(page - 1).unwrap_or(usize::MAX);
        if let Some(slot) = pages.get_mut(i)
            && alnum_count(&text) > alnum_count(slot)
        {
            *slot = text;
            ocr_pages.push(page);
        }
        done += 1;
        progress(done, n);
    })?;
    ocr_pages.sort_unstable();

    let method = if ocr_pages.is_empty() {
        Method::TextLayer
    } else if ocr_pages.len() == pages.len() {
        Method::Ocr
    } else {
        Method::Mixed
    };
    Ok(Extracted {
        pages: pages.iter().map(|p| clean_page(p)).collect(),
        method,
        legacy,
        ocr_pages,
        pdf: None,
    })
}

/// OCR of `pages` of an open PDF, [`Limits::ocr_jobs`] at a time; `each(page, text)` is
/// called on this thread as pages finish. The first failure stops the work and is returned.
fn ocr_each(
    open: &OpenPdf,
    pages: &[u32],
    limits: &Limits,
    each: &mut dyn FnMut(u32, String),
) -> Result<(), DocError> {
    if pages.is_empty() {
        return Ok(());
    }
    let jobs = limits.ocr_jobs.clamp(1, pages.len());
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(u32, Result<String, DocError>)>();
    let mut first_error = None;
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(&page) = pages.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let result = ocr_page(open, page, limits);
                    if tx.send((page, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (page, result) in rx {
            match result {
                Ok(text) if first_error.is_none() => each(page, text),
                Ok(_) => {}
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    first_error.get_or_insert(e);
                }
            }
        }
    });
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn ocr_page(open: &OpenPdf, page: u32, limits: &Limits) -> Result<String, DocError> {
    let (name, dpi) = render(
        open,
        page,
        limits.ocr_dpi.clamp(72, 600),
        Format::GrayPgm,
        limits,
    )?;
    let path = open.path().join(&name);
    let text = scan::ocr_text(open.path(), &name, Some(dpi), limits.tool_timeout);
    let _ = std::fs::remove_file(&path);
    Ok(nfc(text?.trim_end_matches('\u{c}')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_fit_the_pixel_budget() {
        let a4 = PageSize {
            width: 595.0,
            height: 842.0,
            rotation: 0,
        };
        assert_eq!(a4.dpi_within(300, 100_000_000), 300);
        // 8.26 x 11.69 in = 96.6 sq in; 10 MP allow sqrt(103,500) = 321 dpi, 5 MP 227.
        assert_eq!(a4.dpi_within(300, 10_000_000), 300);
        assert_eq!(a4.dpi_within(300, 5_000_000), 227);
        let rotated = PageSize { rotation: 90, ..a4 };
        assert_eq!(rotated.shown(), (842.0, 595.0));
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use crate::testutil::{self, A4, Page, cli, need, text_pdf};
    use crate::{extract, identify};

    fn pages3() -> Vec<Vec<String>> {
        [
            vec![
                "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV",
                "Phiên trù bị — sáng thứ Hai",
            ],
            vec![
                "Báo cáo chính trị: tăng trưởng bình quân 7,2%/năm",
                "Ý kiến của các tổ thảo luận",
            ],
            vec![
                "Nghị quyết Đại hội được biểu quyết thông qua",
                "Bế mạc; Quốc ca",
            ],
        ]
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect()
    }

    fn run(bytes: &[u8], kind: Kind) -> Result<Extracted, DocError> {
        extract(bytes, kind, &Limits::default(), &mut |_, _| {})
    }

    #[test]
    fn a_text_pdf_gives_exact_nfc_text_per_page() {
        need(&["pdfinfo", "pdftotext"]);
        let pages = pages3();
        let pdf = text_pdf(&pages, 12.0, A4.0, A4.1);
        assert_eq!(identify(&pdf), Ok(Kind::Pdf));
        assert_eq!(page_count(&pdf, &Limits::default()), Ok(3));
        let mut calls = Vec::new();
        let got = extract(&pdf, Kind::Pdf, &Limits::default(), &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        let want: Vec<String> = pages.iter().map(|p| p.join("\n")).collect();
        assert_eq!(got.pages, want);
        assert_eq!(got.method, Method::TextLayer);
        assert_eq!(got.legacy, None);
        assert!(got.ocr_pages.is_empty());
        assert_eq!(calls, vec![(0, 3), (3, 3)]);
    }

    #[test]
    fn page_png_renders_one_page() {
        need(&["pdfinfo", "pdftoppm"]);
        let pdf = text_pdf(&pages3(), 12.0, A4.0, A4.1);
        let png = page_png(&pdf, 2, 50, &Limits::default()).unwrap();
        assert_eq!(identify(&png), Ok(Kind::Png));
        let jpeg = page_jpeg(&pdf, 2, 50, &Limits::default()).unwrap();
        assert_eq!(identify(&jpeg), Ok(Kind::Jpeg));
        let img = image::load_from_memory(&png).unwrap();
        // A4 at 50 dpi: 413 x 585 pixels.
        assert!((413..=414).contains(&img.width()), "{}", img.width());
        assert_eq!(img.height(), 585);
        assert_eq!(
            page_png(&pdf, 4, 50, &Limits::default()),
            Err(DocError::NoSuchPage { page: 4, pages: 3 })
        );
        assert_eq!(
            page_png(&pdf, 0, 50, &Limits::default()),
            Err(DocError::NoSuchPage { page: 0, pages: 3 })
        );
        // A pixel budget lowers the resolution instead of failing.
        let small = Limits {
            max_image_pixels: 60_000,
            ..Limits::default()
        };
        let png = page_png(&pdf, 1, 300, &small).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert!(u64::from(img.width()) * u64::from(img.height()) <= 60_000);
    }

    #[test]
    fn too_many_pages_are_refused() {
        need(&["pdfinfo"]);
        let pdf = text_pdf(&pages3(), 12.0, A4.0, A4.1);
        let limits = Limits {
            max_pages: 2,
            ..Limits::default()
        };
        assert_eq!(
            page_count(&pdf, &limits),
            Err(DocError::TooManyPages { pages: 3, max: 2 })
        );
    }

    #[test]
    fn password_protected_pdfs_are_refused_and_restricted_ones_read() {
        need(&["pdfinfo", "pdftotext", "qpdf"]);
        let dir = tool::workdir().unwrap();
        std::fs::write(
            dir.path().join("in.pdf"),
            text_pdf(&pages3(), 12.0, A4.0, A4.1),
        )
        .unwrap();
        cli(
            "qpdf",
            &["--encrypt", "u", "o", "256", "--", "in.pdf", "user.pdf"],
            dir.path(),
        );
        cli(
            "qpdf",
            &[
                "--encrypt",
                "",
                "o",
                "256",
                "--extract=n",
                "--print=none",
                "--",
                "in.pdf",
                "owner.pdf",
            ],
            dir.path(),
        );
        let user = std::fs::read(dir.path().join("user.pdf")).unwrap();
        assert_eq!(run(&user, Kind::Pdf), Err(DocError::Encrypted));
        assert_eq!(
            page_count(&user, &Limits::default()),
            Err(DocError::Encrypted)
        );
        let owner = std::fs::read(dir.path().join("owner.pdf")).unwrap();
        let got = run(&owner, Kind::Pdf).unwrap();
        assert_eq!(got.pages[0], pages3()[0].join("\n"));
    }

    #[test]
    fn damaged_and_foreign_files_are_named() {
        need(&["pdfinfo"]);
        let pdf = text_pdf(&pages3(), 12.0, A4.0, A4.1);
        for cut in [400, pdf.len() / 2] {
            let err = run(&pdf[..cut], Kind::Pdf).unwrap_err();
            assert_eq!(err.code(), "DOC_CORRUPT", "cut at {cut}: {err}");
        }
        let mut noise = b"%PDF-1.7\n".to_vec();
        let mut rng = testutil::Rng::new(7);
        noise.extend((0..5000).map(|_| rng.next_u64() as u8));
        assert_eq!(run(&noise, Kind::Pdf).unwrap_err().code(), "DOC_CORRUPT");
        let random: Vec<u8> = (0..5000).map(|_| rng.next_u64() as u8).collect();
        assert_eq!(identify(&random), Err(DocError::Unsupported));
        assert_eq!(run(&random, Kind::Pdf), Err(DocError::Unsupported));
        assert_eq!(run(b"", Kind::Pdf), Err(DocError::Empty));
        // A PNG given as a PDF (named ".pdf" by its sender) is a PNG.
        let png = testutil::encode(&image::GrayImage::new(8, 8), image::ImageFormat::Png);
        assert_eq!(identify(&png), Ok(Kind::Png));
        let err = run(&png, Kind::Pdf).unwrap_err();
        assert_eq!(err, DocError::Corrupt("the content is png, not pdf".into()));
    }

    /// Timings for the report: `cargo test -p daihoi-docs -- --ignored --nocapture timings`.
    #[test]
    #[ignore = "a measurement, not a check; takes a minute"]
    fn timings() {
        need(&["pdfinfo", "pdftotext", "pdftoppm", "tesseract"]);
        let lines = testutil::with_font(testutil::dense_page);
        let pages: Vec<Vec<String>> = (0..100).map(|_| lines.clone()).collect();
        let pdf = text_pdf(&pages, 11.0, A4.0, A4.1);
        let started = std::time::Instant::now();
        let got = run(&pdf, Kind::Pdf).unwrap();
        let took = started.elapsed();
        assert_eq!(got.pages.len(), 100);
        println!(
            "text layer: 100 dense pages ({} KB) in {took:?}, {:.0} pages/s",
            pdf.len() / 1024,
            100.0 / took.as_secs_f64()
        );

        let img = testutil::render_gray(
            &text_pdf(std::slice::from_ref(&lines), 11.0, A4.0, A4.1),
            1,
            300,
        );
        let jpeg = testutil::jpeg(&testutil::degrade(&img, 0.5, 0.7, 10.0, 1), 75);
        let scans: Vec<Page<'_>> = (0..4)
            .map(|_| Page::Scan(&jpeg, img.width(), img.height()))
            .collect();
        let scanned = testutil::scanned_pdf(&scans, A4.0, A4.1);
        for jobs in [1, 2] {
            let limits = Limits {
                ocr_jobs: jobs,
                ..Limits::default()
            };
            let started = std::time::Instant::now();
            let got = extract(&scanned, Kind::Pdf, &limits, &mut |_, _| {}).unwrap();
            let took = started.elapsed();
            assert_eq!(got.ocr_pages, vec![1, 2, 3, 4]);
            let worst = got
                .pages
                .iter()
                .map(|p| testutil::cer(&lines.join("\n"), p))
                .fold(0.0, f64::max);
            println!(
                "OCR: 4 scanned dense A4 pages, {jobs} at a time: {took:?}, {:.2} s/page, worst CER {:.3}%",
                took.as_secs_f64() / 4.0,
                worst * 100.0
            );
        }
    }

    #[test]
    fn a_scanned_page_is_read_by_ocr_and_a_blank_scan_has_no_text() {
        need(&["pdfinfo", "pdftotext", "pdftoppm", "tesseract"]);
        let (w, h) = testutil::A6;
        let lines = vec![
            "Danh sách đoàn chủ tịch".to_owned(),
            "Đồng chí Nguyễn Văn An".to_owned(),
            "Đồng chí Trần Thị Bình".to_owned(),
        ];
        let scan = text_pdf(std::slice::from_ref(&lines), 14.0, w, h);
        let img = testutil::render_gray(&scan, 1, 300);
        let jpeg = testutil::jpeg(&img, 85);
        let text_page = vec!["Trang có lớp chữ: chương trình".to_owned()];
        let pdf = testutil::scanned_pdf(
            &[
                Page::Text(text_page.clone()),
                Page::Scan(&jpeg, img.width(), img.height()),
            ],
            w,
            h,
        );
        let mut calls = Vec::new();
        let got = extract(&pdf, Kind::Pdf, &Limits::default(), &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        assert_eq!(got.method, Method::Mixed);
        assert_eq!(got.ocr_pages, vec![2]);
        assert_eq!(got.pages[0], text_page[0]);
        let cer = testutil::cer(&lines.join("\n"), &got.pages[1]);
        assert!(cer < 0.02, "CER {cer}: {:?}", got.pages[1]);
        assert_eq!(calls, vec![(0, 2), (1, 2), (2, 2)]);

        let blank = image::GrayImage::from_pixel(img.width(), img.height(), image::Luma([255]));
        let blank_jpeg = testutil::jpeg(&blank, 85);
        let pdf = testutil::scanned_pdf(
            &[Page::Scan(&blank_jpeg, blank.width(), blank.height())],
            w,
            h,
        );
        assert_eq!(run(&pdf, Kind::Pdf), Err(DocError::NoText));
    }
}
