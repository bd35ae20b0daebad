//! Personal copies: a name stamped across every page of a PDF.

use printpdf::{BlendMode, PdfDocument, SeperableBlendMode};
use unicode_normalization::UnicodeNormalization;

use crate::pdf::{OpenPdf, PageSize};
use crate::pdfgen::{self, Font, mm};
use crate::tool::{self, QPDF};
use crate::{DocError, Limits};

/// The longest watermark text kept, in characters.
const MAX_TEXT_CHARS: usize = 120;
/// Grey level of the stamp (0 black, 1 white). It is multiplied into the page, so the page's
/// own black text stays black under it and remains readable.
const GREY: f32 = 0.65;

/// `pdf` with `text` (e.g. "Nguyễn Văn An · ĐB0123 · 02/12/2026") stamped diagonally,
/// light grey and repeated over every page, and once more in small type along the bottom
/// edge. The original pages, their text layer and their size are kept: the stamp is a
/// second layer put over each page by `qpdf --overlay`, one stamp page per distinct page
/// size and orientation.
///
/// The text is NFC with control characters and runs of white space made single spaces, and
/// cut to 120 characters; an empty text is [`DocError::BadArgument`]. A PDF with owner-only
/// restrictions keeps them.
pub fn watermark_pdf(pdf: &[u8], text: &str, limits: &Limits) -> Result<Vec<u8>, DocError> {
    let text = stamp_text(text);
    if text.is_empty() {
        return Err(DocError::BadArgument("the watermark text is empty".into()));
    }
    let open = OpenPdf::open(pdf, limits)?;
    let pages = open.info.pages;
    let sizes = &open.info.sizes;

    // Pages grouped by shown size and rotation; one stamp page per group.
    let mut groups: Vec<(PageSize, Vec<u32>)> = Vec::new();
    for page in 1..=pages {
        let size = usize::try_from(page - 1)
            .ok()
            .and_then(|i| sizes.get(i).copied())
            .or_else(|| sizes.first().copied())
            .unwrap_or(PageSize {
                width: 595.0,
                height: 842.0,
                rotation: 0,
            });
        let same = |s: &PageSize| {
            (s.width - size.width).abs() < 1.0
                && (s.height - size.height).abs() < 1.0
                && s.rotation == size.rotation
        };
        match groups.iter_mut().find(|(s, _)| same(s)) {
            Some((_, list)) => list.push(page),
            None => groups.push((size, vec![page])),
        }
    }

    let shown: Vec<(f32, f32)> = groups.iter().map(|(s, _)| s.shown()).collect();
    let stamp = stamp_pdf(&text, &shown)?;
    std::fs::write(open.path().join("stamp.pdf"), stamp)?;

    // Each page gets the stamp page of its group: --from lists one stamp page per page
    // (qpdf 11.3 takes one --overlay; a stamp page used many times is stored once).
    let mut stamp_of = vec![0usize; usize::try_from(pages).unwrap_or(0)];
    for (k, (_, list)) in groups.iter().enumerate() {
        for &p in list {
            if let Some(slot) = usize::try_from(p - 1)
                .ok()
                .and_then(|i| stamp_of.get_mut(i))
            {
                *slot = k + 1;
            }
        }
    }
    let from: Vec<String> = stamp_of.iter().map(usize::to_string).collect();
    let mut args: Vec<String> = vec![OpenPdf::FILE.into(), "--warning-exit-0".into()];
    args.extend([
        "--overlay".into(),
        "stamp.pdf".into(),
        format!("--to=1-{pages}"),
        format!("--from={}", from.join(",")),
        "--".into(),
    ]);
    args.push("out.pdf".into());
    let out = tool::run(QPDF, &args, open.path(), limits.tool_timeout)?;
    if !out.success() {
        return Err(out.failure(QPDF));
    }
    std::fs::read(open.path().join("out.pdf"))
        .map_err(|e| DocError::Tool(format!("qpdf wrote no PDF: {e}")))
}

fn stamp_text(text: &str) -> String {
    let flat: String = text
        .nfc()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    flat.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TEXT_CHARS)
        .collect()
}

/// A PDF with one stamp page per size (width, height in points, as shown).
fn stamp_pdf(text: &str, sizes: &[(f32, f32)]) -> Result<Vec<u8>, DocError> {
    let (w0, h0) = sizes.first().copied().unwrap_or((595.0, 842.0));
    let (doc, first_page, first_layer) = PdfDocument::new("", mm(w0), mm(h0), "stamp");
    let font = Font::load(&doc)?;
    let text = font.printable(text);
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let layer = if i == 0 {
            doc.get_page(first_page).get_layer(first_layer)
        } else {
            let (page, layer) = doc.add_page(mm(w), mm(h), "stamp");
            doc.get_page(page).get_layer(layer)
        };
        layer.set_blend_mode(BlendMode::Seperable(SeperableBlendMode::Multiply));
        layer.set_fill_color(printpdf::Color::Greyscale(printpdf::Greyscale::new(
            GREY, None,
        )));
        draw(&font, &layer, &text, w, h);
    }
    pdfgen::save(doc)
}

/// The diagonal tiling (as outlines) and the bottom line (as text).
fn draw(font: &Font, layer: &printpdf::PdfLayerReference, text: &str, w: f32, h: f32) {
    let size = (w.min(h) / 32.0).clamp(8.0, 24.0);
    let angle = h.atan2(w).to_degrees().clamp(30.0, 60.0);
    let (sin, cos) = angle.to_radians().sin_cos();
    let text_w = font.width(text, size);
    let unit = text_w + 3.0 * size;
    let row = 4.0 * size;
    // The page's corners in the turned frame (u along the text, v across it).
    let corners = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)];
    let us = corners.map(|(x, y)| x * cos + y * sin);
    let vs = corners.map(|(x, y)| -x * sin + y * cos);
    let (u0, u1) = (min(&us) - unit, max(&us));
    let (v0, v1) = (min(&vs) - row, max(&vs));
    let on_page = |u: f32, v: f32| {
        let (x, y) = (u * cos - v * sin, u * sin + v * cos);
        (0.0..=w).contains(&x) && (0.0..=h).contains(&y)
    };
    let mut v = v0;
    let mut odd = false;
    while v <= v1 {
        let mut u = u0 + if odd { unit / 2.0 } else { 0.0 };
        while u <= u1 {
            // Stamps that touch the page are drawn; the page edge cuts them.
            let touches = (0..=8).any(|i| on_page(u + text_w * i as f32 / 8.0, v))
                || (0..=8).any(|i| on_page(u + text_w * i as f32 / 8.0, v + size));
            if touches {
                font.outline(
                    layer,
                    size,
                    u * cos - v * sin,
                    u * sin + v * cos,
                    angle,
                    text,
                );
            }
            u += unit;
        }
        v += row;
        odd = !odd;
    }
    // Along the bottom edge, centred, small: the one copy text extraction finds.
    let small = (size * 0.4).max(6.0);
    let x = ((w - font.width(text, small)) / 2.0).max(2.0);
    font.show(layer, small, x, small * 0.8, 0.0, text);
}

fn min(v: &[f32; 4]) -> f32 {
    v.iter().copied().fold(f32::INFINITY, f32::min)
}

fn max(v: &[f32; 4]) -> f32 {
    v.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_text_is_one_clean_line() {
        assert_eq!(
            stamp_text("  Nguye\u{0302}\u{0303}n Văn An\n·\tĐB0123  "),
            "Nguyễn Văn An · ĐB0123"
        );
        assert_eq!(stamp_text(&"x".repeat(500)).len(), 120);
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use crate::testutil::{A4, A6, cli, need, text_pdf};
    use crate::{Kind, Method, extract, page_count};

    #[test]
    fn every_page_carries_the_stamp_and_keeps_its_text() {
        need(&["pdfinfo", "pdftotext", "qpdf"]);
        let pages: Vec<Vec<String>> = (1..=3)
            .map(|i| vec![format!("Trang {i}: nội dung của tài liệu Đại hội")])
            .collect();
        let pdf = text_pdf(&pages, 12.0, A4.0, A4.1);
        let stamp = "Nguyễn Văn An · ĐB0123 · 02/12/2026";
        let limits = Limits::default();
        let out = watermark_pdf(&pdf, stamp, &limits).unwrap();
        assert_eq!(page_count(&out, &limits), Ok(3));
        let got = extract(&out, Kind::Pdf, &limits, &mut |_, _| {}).unwrap();
        assert_eq!(got.method, Method::TextLayer);
        for (i, page) in got.pages.iter().enumerate() {
            assert!(page.contains(&pages[i][0]), "page {}: {page}", i + 1);
            let flat = page.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(stamp), "page {}: {page}", i + 1);
        }
    }

    #[test]
    fn pages_of_other_sizes_and_turned_pages_are_stamped_too() {
        need(&["pdfinfo", "pdftotext", "pdftoppm", "qpdf"]);
        // Page 1 A4 portrait, page 2 A6, page 3 A4 turned a quarter (/Rotate 90).
        let (doc, p0, l0) = PdfDocument::new("t", mm(A4.0), mm(A4.1), "t");
        let font = Font::load(&doc).unwrap();
        let text = ["Trang một", "Trang hai", "Trang ba"];
        font.show(
            &doc.get_page(p0).get_layer(l0),
            12.0,
            50.0,
            700.0,
            0.0,
            text[0],
        );
        let (p, l) = doc.add_page(mm(A6.0), mm(A6.1), "t");
        font.show(
            &doc.get_page(p).get_layer(l),
            12.0,
            30.0,
            300.0,
            0.0,
            text[1],
        );
        let (p, l) = doc.add_page(mm(A4.0), mm(A4.1), "t");
        font.show(
            &doc.get_page(p).get_layer(l),
            12.0,
            50.0,
            700.0,
            0.0,
            text[2],
        );
        let dir = crate::tool::workdir().unwrap();
        std::fs::write(dir.path().join("in.pdf"), pdfgen::save(doc).unwrap()).unwrap();
        cli(
            "qpdf",
            &["--rotate=+90:3", "--", "in.pdf", "turned.pdf"],
            dir.path(),
        );
        let pdf = std::fs::read(dir.path().join("turned.pdf")).unwrap();

        let limits = Limits::default();
        let stamp = "Trần Thị Bình · ĐB0456";
        let out = watermark_pdf(&pdf, stamp, &limits).unwrap();
        let before = OpenPdf::open(&pdf, &limits).unwrap().info;
        let after = OpenPdf::open(&out, &limits).unwrap().info;
        assert_eq!(after, before, "page count, sizes and rotation are kept");
        assert_eq!(after.sizes[2].rotation, 90);
        let got = extract(&out, Kind::Pdf, &limits, &mut |_, _| {}).unwrap();
        for (page, original) in got.pages.iter().zip(text) {
            assert!(page.contains(original), "{page}");
            assert_eq!(page.matches(stamp).count(), 1, "{page}");
        }
        // The diagonal stamp covers the page: grey (not white, not black) pixels in every
        // quarter of each page as shown.
        for page in 1..=3 {
            let png = crate::page_png(&out, page, 20, &limits).unwrap();
            let img = image::load_from_memory(&png).unwrap().to_luma8();
            let (w, h) = img.dimensions();
            if page == 3 {
                assert!(w > h, "the turned page shows in landscape");
            }
            for (qx, qy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let grey = (qx * w / 2..(qx + 1) * w / 2)
                    .flat_map(|x| (qy * h / 2..(qy + 1) * h / 2).map(move |y| (x, y)))
                    .filter(|&(x, y)| (100..240).contains(&img.get_pixel(x, y).0[0]))
                    .count();
                assert!(grey > 0, "page {page}, quarter {qx},{qy}");
            }
        }
    }

    #[test]
    fn an_empty_stamp_or_a_file_that_is_no_pdf_is_refused() {
        let pdf = text_pdf(&[vec!["x".to_owned()]], 12.0, A4.0, A4.1);
        assert_eq!(
            watermark_pdf(&pdf, " \n\t ", &Limits::default())
                .unwrap_err()
                .code(),
            "DOC_BAD_ARGUMENT"
        );
        assert_eq!(
            watermark_pdf(b"PK\x03\x04 not a pdf", "x", &Limits::default())
                .unwrap_err()
                .code(),
            "DOC_CORRUPT"
        );
    }
}
