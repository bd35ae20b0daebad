//! Images (JPEG, PNG, WebP, TIFF): OCR with tesseract, which also makes a searchable PDF.

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use image::{ImageDecoder, ImageFormat, ImageReader, metadata::Orientation};

use crate::text::{clean_page, nfc};
use crate::tool::{self, Output, TESSERACT};
use crate::{DocError, Extracted, Kind, Limits, Method};

/// The tesseract model: Vietnamese (it reads Latin text as well).
const LANG: &str = "vie";

/// The text tesseract reads in `file` (in `dir`). `dpi` tells it the resolution when the
/// image file does not (a page rendered from a PDF).
pub(crate) fn ocr_text(
    dir: &Path,
    file: &str,
    dpi: Option<u32>,
    timeout: Duration,
) -> Result<String, DocError> {
    let dpi = dpi.map(|d| d.to_string());
    let mut args = vec![file, "stdout", "-l", LANG];
    if let Some(d) = &dpi {
        args.extend(["--dpi", d.as_str()]);
    }
    let out = tool::run(TESSERACT, &args, dir, timeout)?;
    if !out.success() {
        return Err(tesseract_failure(&out));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tesseract_failure(out: &Output) -> DocError {
    let e = &out.stderr;
    if e.contains("Failed loading language") || e.contains("couldn't load any languages") {
        DocError::ToolMissing {
            tool: "the Vietnamese OCR model",
            package: "tesseract-ocr-vie",
        }
    } else if e.contains("Error in pix") || e.contains("Unsupported image type") {
        DocError::Corrupt(format!("tesseract could not read the image: {e}"))
    } else {
        out.failure(TESSERACT)
    }
}

pub(crate) fn extract(
    bytes: &[u8],
    kind: Kind,
    limits: &Limits,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Extracted, DocError> {
    let (frames, (width, height)) = check_image(bytes, kind, limits)?;
    progress(0, frames);
    let dir = tool::workdir()?;
    let (input, turned) = write_input(bytes, kind, dir.path())?;
    let timeout = limits.tool_timeout.saturating_mul(frames.max(1));
    // One run, two outputs: out.txt (pages separated by form feeds) and out.pdf.
    let mut args = vec![input, "out".into(), "-l".into(), LANG.into()];
    if turned || !has_resolution(bytes, kind) {
        // Without a resolution tesseract sizes the PDF page at 70 dpi (a phone photo would
        // be a page of a metre); take the image for an A4 page instead.
        let long_side = f64::from(width.max(height));
        let dpi = (long_side / A4_LONG_INCHES).round().clamp(150.0, 600.0);
        args.extend(["--dpi".into(), format!("{dpi}")]);
    }
    args.extend(["txt".into(), "pdf".into()]);
    let out = tool::run(TESSERACT, &args, dir.path(), timeout)?;
    if !out.success() {
        return Err(tesseract_failure(&out));
    }
    let txt = std::fs::read(dir.path().join("out.txt"))
        .map_err(|e| DocError::Tool(format!("tesseract wrote no text: {e}")))?;
    let pdf = std::fs::read(dir.path().join("out.pdf"))
        .map_err(|e| DocError::Tool(format!("tesseract wrote no PDF: {e}")))?;
    let txt = String::from_utf8_lossy(&txt);
    let count = usize::try_from(frames).unwrap_or(usize::MAX);
    let mut pages: Vec<String> = txt
        .split('\u{c}')
        .take(count)
        .map(|p| clean_page(&nfc(p)))
        .collect();
    pages.resize(count, String::new());
    progress(frames, frames);
    Ok(Extracted {
        pages,
        method: Method::Ocr,
        legacy: None,
        ocr_pages: (1..=frames).collect(),
        pdf: Some(pdf),
    })
}

fn format_of(kind: Kind) -> Option<ImageFormat> {
    match kind {
        Kind::Jpeg => Some(ImageFormat::Jpeg),
        Kind::Png => Some(ImageFormat::Png),
        Kind::Tiff => Some(ImageFormat::Tiff),
        Kind::Webp => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// The long side of an A4 page in inches.
const A4_LONG_INCHES: f64 = 11.69;

/// Whether the image file states its resolution the way tesseract (leptonica) reads it: a
/// PNG pHYs chunk in metres, a JFIF density in dots per inch or centimetre, a TIFF
/// XResolution tag. WebP has none.
fn has_resolution(bytes: &[u8], kind: Kind) -> bool {
    match kind {
        Kind::Png => {
            // Chunks: length, type, data, CRC; pHYs comes before the image data.
            let mut at = 8usize;
            while let Some(head) = bytes.get(at..at + 8) {
                let len = usize::try_from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
                    .unwrap_or(usize::MAX);
                match &head[4..8] {
                    b"pHYs" => return bytes.get(at + 16) == Some(&1),
                    b"IDAT" | b"IEND" => return false,
                    _ => at = at.saturating_add(12).saturating_add(len),
                }
            }
            false
        }
        Kind::Jpeg => {
            // SOI, then APP0 "JFIF\0" version(2) units(1) x-density(2) y-density(2).
            bytes.get(2..4) == Some(&[0xFF, 0xE0])
                && bytes.get(6..11) == Some(b"JFIF\0")
                && matches!(bytes.get(13), Some(1 | 2))
                && bytes
                    .get(14..16)
                    .is_some_and(|d| u16::from_be_bytes([d[0], d[1]]) > 1)
        }
        Kind::Tiff => tiff::decoder::Decoder::new(Cursor::new(bytes))
            .ok()
            .and_then(|mut d| d.find_tag(tiff::tags::Tag::XResolution).ok().flatten())
            .is_some(),
        _ => false,
    }
}

/// The number of frames and the first frame's size, after checking each frame's size
/// against the pixel budget and the frame count against the page limit, reading headers only.
fn check_image(bytes: &[u8], kind: Kind, limits: &Limits) -> Result<(u32, (u32, u32)), DocError> {
    let corrupt = |e: &dyn std::fmt::Display| DocError::Corrupt(format!("{kind} image: {e}"));
    let check = |(width, height): (u32, u32)| {
        if u64::from(width) * u64::from(height) > limits.max_image_pixels {
            Err(DocError::ImageTooLarge {
                width,
                height,
                max_pixels: limits.max_image_pixels,
            })
        } else {
            Ok(())
        }
    };
    if kind == Kind::Tiff {
        let mut decoder =
            tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
        let mut frames = 0u32;
        let mut first = None;
        loop {
            frames += 1;
            limits.check_pages(frames)?;
            let dims = decoder.dimensions().map_err(|e| corrupt(&e))?;
            check(dims)?;
            first.get_or_insert(dims);
            if !decoder.more_images() {
                break;
            }
            decoder.next_image().map_err(|e| corrupt(&e))?;
        }
        return Ok((frames, first.unwrap_or((0, 0))));
    }
    let format = format_of(kind).ok_or(DocError::Unsupported)?;
    let dims = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| corrupt(&e))?;
    check(dims)?;
    Ok((1, dims))
}

/// Writes the image for tesseract; returns its file name and whether it was turned. A JPEG
/// or WebP whose EXIF data says it is turned is turned upright first, as a PNG (tesseract
/// ignores EXIF orientation).
fn write_input(bytes: &[u8], kind: Kind, dir: &Path) -> Result<(String, bool), DocError> {
    if let Some(format @ (ImageFormat::Jpeg | ImageFormat::WebP)) = format_of(kind) {
        let corrupt = |e: image::ImageError| DocError::Corrupt(format!("{kind} image: {e}"));
        let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
            .into_decoder()
            .map_err(corrupt)?;
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        if orientation != Orientation::NoTransforms {
            let mut img = image::DynamicImage::from_decoder(decoder).map_err(corrupt)?;
            img.apply_orientation(orientation);
            let name = "in.png";
            img.save_with_format(dir.join(name), ImageFormat::Png)
                .map_err(|e| DocError::Io(format!("cannot write the turned image: {e}")))?;
            return Ok((name.to_owned(), true));
        }
    }
    let name = format!("in.{}", kind.as_str());
    std::fs::write(dir.join(&name), bytes)?;
    Ok((name, false))
}

#[cfg(test)]
mod file_tests {
    use std::time::Instant;

    use image::{GrayImage, ImageFormat};

    use crate::testutil::{self, A4, A6, cer, need, text_pdf, with_font};
    use crate::{DocError, Kind, Limits, Method, extract, identify, page_count};

    /// A small page of text as a 300 dpi grey image.
    fn small_scan(lines: &[&str]) -> GrayImage {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        let pdf = text_pdf(&[lines], 14.0, A6.0, A6.1);
        testutil::render_gray(&pdf, 1, 300)
    }

    fn run(bytes: &[u8], kind: Kind) -> Result<crate::Extracted, DocError> {
        extract(bytes, kind, &Limits::default(), &mut |_, _| {})
    }

    #[test]
    fn a_degraded_dense_scan_reads_with_under_two_percent_errors() {
        need(&["pdftoppm", "pdfinfo", "tesseract"]);
        let lines = with_font(testutil::dense_page);
        assert!((20..=30).contains(&lines.len()), "{} lines", lines.len());
        let pdf = text_pdf(std::slice::from_ref(&lines), 11.0, A4.0, A4.1);
        let started = Instant::now();
        let clean = testutil::render_gray(&pdf, 1, 300);
        let scan = testutil::degrade(&clean, 0.7, 0.8, 12.0, 42);
        let jpeg = testutil::jpeg(&scan, 60);
        let made = started.elapsed();
        assert_eq!(identify(&jpeg), Ok(Kind::Jpeg));

        let started = Instant::now();
        let mut calls = Vec::new();
        let got = extract(&jpeg, Kind::Jpeg, &Limits::default(), &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        let ocr = started.elapsed();
        let reference = lines.join("\n");
        let rate = cer(&reference, &got.pages[0]);
        println!(
            "dense page: {} lines, {} characters; scan made in {made:?}; OCR in {ocr:?}; CER {:.3}%",
            lines.len(),
            reference.chars().count(),
            rate * 100.0
        );
        assert!(rate < 0.02, "CER {rate}:\n{}", got.pages[0]);
        assert_eq!(got.method, Method::Ocr);
        assert_eq!(got.ocr_pages, vec![1]);
        assert_eq!(calls, vec![(0, 1), (1, 1)]);
        // The searchable PDF: one page, with the recognised text in it.
        let searchable = got.pdf.unwrap();
        assert_eq!(identify(&searchable), Ok(Kind::Pdf));
        assert_eq!(page_count(&searchable, &Limits::default()), Ok(1));
        // No resolution in the JPEG: the page is sized as A4 (300 dpi), not at 70 dpi.
        let open = crate::pdf::OpenPdf::open(&searchable, &Limits::default()).unwrap();
        let (w, h) = open.info.sizes[0].shown();
        assert!(
            (w - A4.0).abs() < 3.0 && (h - A4.1).abs() < 3.0,
            "{w} x {h}"
        );
        let again = run(&searchable, Kind::Pdf).unwrap();
        assert_eq!(again.method, Method::TextLayer);
        assert!(
            cer(&reference, &again.pages[0]) < 0.03,
            "{}",
            again.pages[0]
        );
    }

    #[test]
    fn a_multi_page_tiff_gives_one_page_per_frame() {
        need(&["pdfinfo", "pdftoppm", "tesseract"]);
        let one = small_scan(&["Trang một", "Danh sách đại biểu"]);
        let two = small_scan(&["Trang hai", "Kết quả bầu cử"]);
        let file = testutil::tiff(&[one, two]);
        assert_eq!(identify(&file), Ok(Kind::Tiff));
        let got = run(&file, Kind::Tiff).unwrap();
        assert_eq!(got.pages.len(), 2);
        assert!(
            cer("Trang một\nDanh sách đại biểu", &got.pages[0]) < 0.05,
            "{:?}",
            got.pages
        );
        assert!(
            cer("Trang hai\nKết quả bầu cử", &got.pages[1]) < 0.05,
            "{:?}",
            got.pages
        );
        assert_eq!(got.ocr_pages, vec![1, 2]);
        assert_eq!(page_count(&got.pdf.unwrap(), &Limits::default()), Ok(2));

        let limits = Limits {
            max_pages: 1,
            ..Limits::default()
        };
        assert_eq!(
            extract(&file, Kind::Tiff, &limits, &mut |_, _| {}),
            Err(DocError::TooManyPages { pages: 2, max: 1 })
        );
    }

    #[test]
    fn webp_and_a_sideways_phone_photo_are_read() {
        need(&["pdftoppm", "pdfinfo", "tesseract"]);
        let img = small_scan(&["Biểu quyết thông qua", "Nghị quyết Đại hội"]);
        let webp = testutil::encode(&img, ImageFormat::WebP);
        assert_eq!(identify(&webp), Ok(Kind::Webp));
        let got = run(&webp, Kind::Webp).unwrap();
        assert!(
            cer("Biểu quyết thông qua\nNghị quyết Đại hội", &got.pages[0]) < 0.05,
            "{:?}",
            got.pages
        );

        // Stored turned a quarter to the left, with EXIF orientation 6 ("turn right to view").
        let sideways = image::imageops::rotate270(&img);
        let photo = with_exif_orientation(&testutil::jpeg(&sideways, 85), 6);
        let got = run(&photo, Kind::Jpeg).unwrap();
        assert!(
            cer("Biểu quyết thông qua\nNghị quyết Đại hội", &got.pages[0]) < 0.05,
            "{:?}",
            got.pages
        );
    }

    #[test]
    fn images_over_the_pixel_budget_are_refused() {
        let img = GrayImage::new(400, 300);
        let png = testutil::encode(&img, ImageFormat::Png);
        let limits = Limits {
            max_image_pixels: 100_000,
            ..Limits::default()
        };
        assert_eq!(
            extract(&png, Kind::Png, &limits, &mut |_, _| {}),
            Err(DocError::ImageTooLarge {
                width: 400,
                height: 300,
                max_pixels: 100_000
            })
        );
        let mut broken = png.clone();
        broken.truncate(20);
        assert_eq!(run(&broken, Kind::Png).unwrap_err().code(), "DOC_CORRUPT");
    }

    /// `jpeg` with an EXIF block whose orientation tag is `value`.
    fn with_exif_orientation(jpeg: &[u8], value: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend(1u16.to_be_bytes()); // one entry
        tiff.extend(0x0112u16.to_be_bytes()); // Orientation
        tiff.extend(3u16.to_be_bytes()); // SHORT
        tiff.extend(1u32.to_be_bytes()); // count
        tiff.extend(value.to_be_bytes());
        tiff.extend([0, 0]);
        tiff.extend(0u32.to_be_bytes()); // no next IFD
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let len = u16::try_from(app1.len() + 2).unwrap();
        let mut out = jpeg[..2].to_vec(); // SOI
        out.extend([0xFF, 0xE1]);
        out.extend(len.to_be_bytes());
        out.extend(app1);
        out.extend(&jpeg[2..]);
        out
    }
}
