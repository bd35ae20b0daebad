//! DOCX: the text of `word/document.xml`, cut into the pages Word laid out.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::text::{clean_page, nfc};
use crate::{DocError, Extracted, Limits, Method};

/// The largest `word/document.xml` read (the XML of a 1,000-page report is about 10 MB).
const MAX_XML_BYTES: u64 = 256 * 1024 * 1024;

pub(crate) fn extract(
    bytes: &[u8],
    limits: &Limits,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Extracted, DocError> {
    progress(0, 1);
    let xml = document_xml(bytes, limits)?;
    let mut pages: Vec<String> = parse(&xml)?.iter().map(|p| nfc(p)).collect();
    let legacy = crate::convert_legacy(&mut pages);
    let pages: Vec<String> = pages.iter().map(|p| clean_page(p)).collect();
    let n = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    limits.check_pages(n)?;
    progress(n, n);
    Ok(Extracted {
        pages,
        method: Method::Docx,
        legacy,
        ocr_pages: Vec::new(),
        pdf: None,
    })
}

/// `word/document.xml` as text, read no further than the limits allow.
fn document_xml(bytes: &[u8], limits: &Limits) -> Result<String, DocError> {
    let corrupt = |e: zip::result::ZipError| DocError::Corrupt(format!("DOCX: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let index = archive
        .index_for_name("word/document.xml")
        .ok_or_else(|| DocError::Corrupt("DOCX without word/document.xml".into()))?;
    if archive.by_index_raw(index).map_err(corrupt)?.encrypted() {
        return Err(DocError::Encrypted);
    }
    let entry = archive.by_index(index).map_err(corrupt)?;
    let cap = MAX_XML_BYTES.min(limits.max_zip_total_bytes);
    if entry.size() > cap {
        return Err(DocError::ZipBomb(format!(
            "word/document.xml declares {} bytes",
            entry.size()
        )));
    }
    let mut raw = Vec::new();
    entry
        .take(cap + 1)
        .read_to_end(&mut raw)
        .map_err(|e| DocError::Corrupt(format!("DOCX: {e}")))?;
    if u64::try_from(raw.len()).unwrap_or(u64::MAX) > cap {
        return Err(DocError::ZipBomb(
            "word/document.xml expands beyond the limit".into(),
        ));
    }
    decode_xml(raw)
}

/// XML bytes to text: UTF-8 (with or without a byte order mark) or UTF-16 with one.
fn decode_xml(raw: Vec<u8>) -> Result<String, DocError> {
    let utf16 = |bytes: &[u8], from: fn([u8; 2]) -> u16| -> Result<String, DocError> {
        let units: Vec<u16> = bytes.chunks_exact(2).map(|c| from([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| DocError::Corrupt("DOCX: bad UTF-16 XML".into()))
    };
    match raw.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec())
            .map_err(|_| DocError::Corrupt("DOCX: the XML is not UTF-8".into())),
        _ => String::from_utf8(raw)
            .map_err(|_| DocError::Corrupt("DOCX: the XML is not UTF-8".into())),
    }
}

/// Pages being filled.
#[derive(Default)]
struct Pages {
    done: Vec<String>,
    current: String,
}

impl Pages {
    /// A break Word was told to make: always starts a page, even an empty one.
    fn hard_break(&mut self) {
        self.done.push(std::mem::take(&mut self.current));
    }

    /// A break Word recorded at layout time, or "page break before": starts a page unless
    /// the current one is still empty (it follows an explicit break).
    fn soft_break(&mut self) {
        if !self.current.trim().is_empty() {
            self.hard_break();
        }
    }

    fn finish(mut self) -> Vec<String> {
        if !self.current.trim().is_empty() || self.done.is_empty() {
            self.done.push(self.current);
        }
        self.done
    }
}

fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|&b| b == b':').next().unwrap_or(name)
}

/// The value of the attribute with local name `key` (any prefix).
fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref().as_bytes()) == key.as_bytes())
        .map(|a| a.value.into_owned())
}

fn is_off(e: &BytesStart<'_>) -> bool {
    matches!(attr(e, "val").as_deref(), Some("0" | "false" | "off"))
}

/// The text of a WordprocessingML body, one string per page.
fn parse(xml: &str) -> Result<Vec<String>, DocError> {
    let mut reader = Reader::from_str(xml);
    let mut pages = Pages::default();
    // Depth inside elements whose content is not shown text (mc:Fallback repeats a text
    // box; w:del and w:moveFrom hold deleted or moved-away text).
    let mut skip = 0usize;
    let mut in_text = false;
    let mut in_run = 0usize;
    let mut in_ppr = false;
    let mut in_sect = false;
    let mut section_break = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DocError::Corrupt(format!("DOCX XML: {e}")))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.name();
                let name = local(name.as_ref().as_bytes());
                if skip > 0 || matches!(name, b"Fallback" | b"del" | b"moveFrom") {
                    skip += 1;
                    continue;
                }
                match name {
                    b"t" => in_text = true,
                    b"r" => in_run += 1,
                    b"pPr" => in_ppr = true,
                    b"sectPr" if in_ppr => {
                        in_sect = true;
                        section_break = true;
                    }
                    _ => element(
                        &e,
                        name,
                        in_run > 0,
                        in_ppr,
                        in_sect,
                        &mut section_break,
                        &mut pages,
                    ),
                }
            }
            Event::Empty(e) => {
                let name = e.name();
                let name = local(name.as_ref().as_bytes());
                if skip > 0 {
                    continue;
                }
                if name == b"sectPr" && in_ppr {
                    section_break = true;
                } else {
                    element(
                        &e,
                        name,
                        in_run > 0,
                        in_ppr,
                        in_sect,
                        &mut section_break,
                        &mut pages,
                    );
                }
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                match local(e.name().as_ref().as_bytes()) {
                    b"t" => in_text = false,
                    b"r" => in_run = in_run.saturating_sub(1),
                    b"pPr" => in_ppr = false,
                    b"sectPr" => in_sect = false,
                    b"p" => {
                        pages.current.push('\n');
                        if std::mem::take(&mut section_break) {
                            pages.hard_break();
                        }
                    }
                    b"tc" => pages.current.push('\t'),
                    _ => {}
                }
            }
            Event::Text(t) if in_text && skip == 0 => pages.current.push_str(&t.xml10_content()),
            Event::CData(t) if in_text && skip == 0 => pages.current.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text && skip == 0 => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    pages.current.push(c);
                } else if let Some(s) =
                    quick_xml::escape::resolve_predefined_entity(&r.into_inner())
                {
                    pages.current.push_str(s);
                }
            }
            _ => {}
        }
    }
    Ok(pages.finish())
}

/// An element that is not a container we track: tabs, breaks, page-break properties.
fn element(
    e: &BytesStart<'_>,
    name: &[u8],
    in_run: bool,
    in_ppr: bool,
    in_sect: bool,
    section_break: &mut bool,
    pages: &mut Pages,
) {
    match name {
        b"tab" | b"ptab" if in_run => pages.current.push('\t'),
        b"br" if in_run => match attr(e, "type").as_deref() {
            Some("page") => pages.hard_break(),
            _ => pages.current.push('\n'),
        },
        b"cr" if in_run => pages.current.push('\n'),
        b"noBreakHyphen" if in_run => pages.current.push('-'),
        b"lastRenderedPageBreak" => pages.soft_break(),
        b"pageBreakBefore" if in_ppr && !is_off(e) => pages.soft_break(),
        // A section that starts on the same page is no page break.
        b"type" if in_sect && attr(e, "val").as_deref() == Some("continuous") => {
            *section_break = false;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(inner: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{inner}</w:body></w:document>"#
        )
    }

    #[test]
    fn runs_tabs_breaks_and_entities() {
        let xml = body(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
<w:r><w:t>Đại hội</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> A &amp; B &#272;</w:t></w:r></w:p>
<w:p><w:r><w:t>dòng</w:t><w:br/><w:t>hai</w:t></w:r></w:p>"#,
        );
        assert_eq!(parse(&xml).unwrap(), vec!["Đại hội\t A & B Đ\ndòng\nhai\n"]);
    }

    #[test]
    fn explicit_and_recorded_page_breaks() {
        let xml = body(
            r#"<w:p><w:r><w:t>Một</w:t></w:r><w:r><w:br w:type="page"/></w:r></w:p>
<w:p><w:r><w:lastRenderedPageBreak/><w:t>Hai</w:t></w:r></w:p>
<w:p><w:r><w:t>vẫn hai</w:t></w:r></w:p>
<w:p><w:r><w:lastRenderedPageBreak/><w:t>Ba</w:t></w:r></w:p>
<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>Bốn</w:t></w:r></w:p>
<w:p><w:pPr><w:sectPr><w:type w:val="continuous"/></w:sectPr></w:pPr><w:r><w:t>vẫn bốn</w:t></w:r></w:p>
<w:p><w:pPr><w:sectPr/></w:pPr><w:r><w:t>cuối bốn</w:t></w:r></w:p>
<w:p><w:r><w:t>Năm</w:t></w:r></w:p>"#,
        );
        let pages: Vec<String> = parse(&xml).unwrap().iter().map(|p| clean_page(p)).collect();
        assert_eq!(
            pages,
            vec!["Một", "Hai\nvẫn hai", "Ba", "Bốn\nvẫn bốn\ncuối bốn", "Năm"]
        );
    }

    #[test]
    fn text_boxes_once_and_deleted_text_never() {
        let xml = body(
            r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>
<w:p><w:r><w:t>Hộp</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>
<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Hộp</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>
</mc:AlternateContent></w:r></w:p>
<w:p><w:del><w:r><w:delText>xoá</w:delText></w:r></w:del><w:r><w:t>giữ</w:t></w:r></w:p>"#,
        );
        assert_eq!(clean_page(&parse(&xml).unwrap().join("|")), "Hộp\n\ngiữ");
    }
}

#[cfg(test)]
mod file_tests {
    use crate::testutil::{docx, para};
    use crate::{DocError, Kind, Legacy, Limits, Method, extract, identify, legacy};

    #[test]
    fn a_word_file_is_cut_at_its_page_breaks() {
        let body = [
            para("Chương trình Đại hội"),
            para("Phiên thứ nhất: khai mạc"),
            "<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>".to_owned(),
            "<w:p><w:r><w:lastRenderedPageBreak/><w:t>Phiên thứ hai: thảo luận &amp; biểu quyết</w:t></w:r></w:p>"
                .to_owned(),
            "<w:p><w:r><w:t>Tổ 1</w:t><w:tab/><w:t>Tổ 2</w:t></w:r></w:p>".to_owned(),
            "<w:p><w:r><w:lastRenderedPageBreak/><w:t>Phiên bế mạc</w:t></w:r></w:p>".to_owned(),
        ]
        .concat();
        let file = docx(&body);
        assert_eq!(identify(&file), Ok(Kind::Docx));
        let mut calls = Vec::new();
        let got = extract(&file, Kind::Docx, &Limits::default(), &mut |d, t| {
            calls.push((d, t))
        })
        .unwrap();
        assert_eq!(
            got.pages,
            vec![
                "Chương trình Đại hội\nPhiên thứ nhất: khai mạc",
                "Phiên thứ hai: thảo luận & biểu quyết\nTổ 1\tTổ 2",
                "Phiên bế mạc",
            ]
        );
        assert_eq!(got.method, Method::Docx);
        assert_eq!(got.legacy, None);
        assert_eq!(calls.last(), Some(&(3, 3)));
    }

    #[test]
    fn a_word_file_typed_in_tcvn3_is_converted() {
        let text = "Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XV về phương hướng, \
                    nhiệm vụ phát triển kinh tế - xã hội nhiệm kỳ tới";
        let file = docx(&para(&legacy::encode_tcvn3(text)));
        let got = extract(&file, Kind::Docx, &Limits::default(), &mut |_, _| {}).unwrap();
        assert_eq!(got.legacy, Some(Legacy::Tcvn3));
        assert_eq!(got.pages, vec![text]);
    }

    #[test]
    fn an_empty_or_encrypted_word_file_is_named() {
        let file = docx(&para("   "));
        assert_eq!(
            extract(&file, Kind::Docx, &Limits::default(), &mut |_, _| {}),
            Err(DocError::NoText)
        );
        // Word's "Encrypt with password" writes an OLE compound file holding the package.
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.resize(512, 0);
        ole.extend("EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes));
        ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            extract(&ole, Kind::Docx, &Limits::default(), &mut |_, _| {}),
            Err(DocError::Encrypted)
        );
    }
}
