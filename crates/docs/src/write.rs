//! Writing simple documents from page texts: the demo congress's documents and test
//! fixtures of other crates. What [`crate::extract`] reads back from them is the same text,
//! page by page.

use std::io::{Cursor, Write};

use printpdf::PdfDocument;
use unicode_normalization::UnicodeNormalization;

use crate::DocError;
use crate::pdfgen::{Font, mm, save};

const A4: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 56.0;
const SIZE: f32 = 11.0;
const MIN_SIZE: f32 = 6.0;
const LEADING: f32 = 1.45;

/// A4 PDF with one page per entry of `pages` (lines separated by `\n`) in DejaVu Sans 11 pt,
/// lines wrapped at the margins. A page whose text does not fit is set smaller (down to
/// 6 pt), then cut: the page count always equals `pages.len()`. `title` goes into the
/// document information, folded to ASCII (printpdf writes it unencoded).
pub fn text_pdf<S: AsRef<str>>(title: &str, pages: &[S]) -> Result<Vec<u8>, DocError> {
    let (w, h) = A4;
    let (doc, p0, l0) = PdfDocument::new(ascii_fold(title), mm(w), mm(h), "text");
    let font = Font::load(&doc)?;
    let empty = [""];
    let texts: Vec<&str> = if pages.is_empty() {
        empty.to_vec()
    } else {
        pages.iter().map(AsRef::as_ref).collect()
    };
    for (i, text) in texts.iter().enumerate() {
        let layer = if i == 0 {
            doc.get_page(p0).get_layer(l0)
        } else {
            let (p, l) = doc.add_page(mm(w), mm(h), "text");
            doc.get_page(p).get_layer(l)
        };
        let text: String = text
            .nfc()
            .collect::<String>()
            .split('\n')
            .map(|line| font.printable(&line.replace('\t', "    ")))
            .collect::<Vec<_>>()
            .join("\n");
        let mut size = SIZE;
        let fits = |lines: usize, size: f32| lines as f32 * size * LEADING <= h - 2.0 * MARGIN;
        let mut lines = wrap_all(&font, &text, size, w - 2.0 * MARGIN);
        while !fits(lines.len(), size) && size > MIN_SIZE {
            size = (size - 0.5).max(MIN_SIZE);
            lines = wrap_all(&font, &text, size, w - 2.0 * MARGIN);
        }
        let mut y = h - MARGIN - size;
        for line in &lines {
            if y < MARGIN - size {
                break;
            }
            font.show(&layer, size, MARGIN, y, 0.0, line);
            y -= size * LEADING;
        }
    }
    save(doc)
}

/// A DOCX with one paragraph per line of each page and an explicit page break between
/// pages (as Word writes "Insert > Page break").
pub fn docx<S: AsRef<str>>(pages: &[S]) -> Vec<u8> {
    let mut body = String::new();
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
        }
        for line in page.as_ref().nfc().collect::<String>().split('\n') {
            body.push_str(r#"<w:p><w:r><w:t xml:space="preserve">"#);
            body.push_str(&escape(line));
            body.push_str("</w:t></w:r></w:p>");
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        ("word/document.xml", document.as_str()),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let written: zip::result::ZipResult<Vec<u8>> = (|| {
        for (name, content) in parts {
            zip.start_file(name, opts)?;
            zip.write_all(content.as_bytes())?;
        }
        Ok(zip.finish()?.into_inner())
    })();
    // Writing to memory fails only if memory runs out, which aborts before this.
    written.unwrap_or_default()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Characters XML 1.0 does not allow.
            c if c.is_control() && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// ASCII look-alike of a Vietnamese text: marks dropped, đ as d, other letters as "?".
fn ascii_fold(s: &str) -> String {
    s.nfd()
        .filter_map(|c| match c {
            'đ' => Some('d'),
            'Đ' => Some('D'),
            c if c.is_ascii() && !c.is_ascii_control() => Some(c),
            c if ('\u{0300}'..='\u{036F}').contains(&c) => None,
            _ => Some('?'),
        })
        .collect()
}

/// Every line of `text` wrapped to `max_w` points.
fn wrap_all(font: &Font, text: &str, size: f32, max_w: f32) -> Vec<String> {
    text.split('\n')
        .flat_map(|line| {
            let wrapped = wrap(font, line, size, max_w);
            if wrapped.is_empty() {
                vec![String::new()]
            } else {
                wrapped
            }
        })
        .collect()
}

/// Greedy word wrap to `max_w` points; a word longer than a line is cut.
pub(crate) fn wrap(font: &Font, text: &str, size: f32, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) <= max_w {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: cut it where it overflows.
        for c in word.chars() {
            line.push(c);
            if font.width(&line, size) > max_w && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::need;
    use crate::{Kind, Limits, Method, extract, page_count};

    fn pages() -> Vec<String> {
        vec![
            "BÁO CÁO CHÍNH TRỊ\nĐại hội đại biểu Đảng bộ tỉnh lần thứ XV".to_owned(),
            format!(
                "Phương hướng: {}\nKết luận & kiến nghị <tóm tắt>",
                "đẩy mạnh chuyển đổi số toàn diện, ".repeat(12)
            ),
        ]
    }

    #[test]
    fn a_written_docx_reads_back_page_by_page() {
        let file = docx(&pages());
        assert_eq!(crate::identify(&file), Ok(Kind::Docx));
        let got = extract(&file, Kind::Docx, &Limits::default(), &mut |_, _| {}).unwrap();
        assert_eq!(got.method, Method::Docx);
        let want: Vec<String> = pages()
            .iter()
            .map(|p| p.trim_end().replace(", \n", ",\n"))
            .collect();
        assert_eq!(got.pages.len(), 2);
        assert_eq!(got.pages[0], want[0]);
        assert_eq!(
            got.pages[1].split_whitespace().collect::<Vec<_>>(),
            want[1].split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_written_pdf_has_one_page_per_text_and_reads_back() {
        need(&["pdfinfo", "pdftotext"]);
        let limits = Limits::default();
        let long = "Dòng rất dài của một trang có nhiều chữ để thu nhỏ cỡ chữ. ".repeat(400);
        let mut texts = pages();
        texts.push(long);
        let pdf = text_pdf("Báo cáo chính trị", &texts).unwrap();
        assert_eq!(page_count(&pdf, &limits), Ok(3));
        let got = extract(&pdf, Kind::Pdf, &limits, &mut |_, _| {}).unwrap();
        for (got, want) in got.pages.iter().zip(&texts).take(2) {
            assert_eq!(
                got.split_whitespace().collect::<Vec<_>>(),
                want.split_whitespace().collect::<Vec<_>>()
            );
        }
        assert!(got.pages[1].contains("chuyển đổi số toàn diện"));
        assert_eq!(
            page_count(&text_pdf("", &[] as &[&str]).unwrap(), &limits),
            Ok(1)
        );
        assert_eq!(ascii_fold("Đại hội — 2026"), "Dai hoi ? 2026");
    }
}
