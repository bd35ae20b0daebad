//! Congress documents to per-page Unicode text, and a few file utilities.
//!
//! Pure library code, synchronous and blocking (the server calls it inside `spawn_blocking`):
//! no HTTP, no database, no clock. External programs do the heavy lifting, each run with
//! arguments (never a shell), in a private temporary directory, with a timeout after which it
//! is killed: `pdfinfo`, `pdftotext`, `pdftoppm` (Debian poppler-utils), `tesseract` with the
//! Vietnamese model (tesseract-ocr, tesseract-ocr-vie) and `qpdf`. A missing program is
//! reported as [`DocError::ToolMissing`] with its Debian package.
//!
//! # API
//!
//! ```text
//! pub enum Kind { Pdf, Docx, Jpeg, Png, Tiff, Webp, Zip }      // as_str(), mime(), parse()
//! pub fn identify(bytes: &[u8]) -> Result<Kind, DocError>;      // Empty, Encrypted, OldFormat, Unsupported
//! pub fn sniff(bytes: &[u8]) -> Option<Kind>;                   // identify(..).ok()
//! pub struct Limits { max_file_bytes, max_pages, max_image_pixels, max_zip_entries,
//!                     max_zip_total_bytes, max_zip_ratio, tool_timeout, ocr_dpi, ocr_jobs }
//! pub enum Method { TextLayer, Docx, Ocr, Mixed }
//! pub enum Legacy { Tcvn3, Vni }
//! pub struct Extracted { pages: Vec<String>, method: Method, legacy: Option<Legacy>,
//!                        ocr_pages: Vec<u32>, pdf: Option<Vec<u8>> }
//! pub fn extract(bytes: &[u8], kind: Kind, limits: &Limits,
//!                progress: &mut dyn FnMut(u32, u32)) -> Result<Extracted, DocError>;
//! pub struct ZipEntry { path: Vec<String>, bytes: Vec<u8> }
//! pub type Unpacked = (Vec<ZipEntry>, Vec<(String /* entry name */, DocError)>);
//! pub fn unpack_zip(bytes: &[u8], limits: &Limits) -> Result<Unpacked, DocError>;
//! pub fn page_count(pdf: &[u8], limits: &Limits) -> Result<u32, DocError>;
//! pub fn page_png(pdf: &[u8], page: u32, dpi: u32, limits: &Limits) -> Result<Vec<u8>, DocError>;
//! pub fn page_jpeg(pdf: &[u8], page: u32, dpi: u32, limits: &Limits) -> Result<Vec<u8>, DocError>;
//! pub fn watermark_pdf(pdf: &[u8], text: &str, limits: &Limits) -> Result<Vec<u8>, DocError>;
//! pub mod legacy { pub fn detect(text: &str) -> Option<Legacy>;
//!                  pub fn to_unicode(text: &str, enc: Legacy) -> String; }
//! pub mod write { pub fn text_pdf<S: AsRef<str>>(title: &str, pages: &[S]) -> Result<Vec<u8>, DocError>;
//!                 pub fn docx<S: AsRef<str>>(pages: &[S]) -> Vec<u8>; }   // demo data, fixtures
//! pub enum DocError { .. }                                      // code(): "DOC_ENCRYPTED", "ZIP_BOMB", ...
//! ```
//!
//! # What each kind gives
//!
//! * **PDF**: `pdfinfo` gives the page count and refuses a PDF that needs a password to open
//!   ([`DocError::Encrypted`]; one with only an owner password, i.e. copy or print
//!   restrictions, opens and is read). `pdftotext` gives the text layer, page by page. A page
//!   with fewer than 20 letters and digits (a scan, or text drawn as outlines) is rendered
//!   with `pdftoppm` at [`Limits::ocr_dpi`] and read by `tesseract -l vie`; the OCR text is
//!   kept when it has more letters than the text layer. Pages are OCR-ed
//!   [`Limits::ocr_jobs`] at a time; `progress(done, total)` is called after each.
//! * **DOCX**: the text of `word/document.xml` (runs, tabs, line and paragraph breaks,
//!   text boxes once). Pages are cut where Word wrote page breaks: explicit ones
//!   (`w:br w:type="page"`, "page break before", section breaks) and the breaks Word
//!   recorded at its last layout (`w:lastRenderedPageBreak`), so a DOCX saved by Word has
//!   the page numbers Word showed. A DOCX from a program that records no layout is one page.
//!   An encrypted DOCX (an OLE compound file) is [`DocError::Encrypted`].
//! * **Images** (JPEG, PNG, WebP, TIFF with one page per frame): one `tesseract` run gives the
//!   text and a searchable PDF ([`Extracted::pdf`]), so every scan can be shown and
//!   downloaded as PDF pages. The EXIF orientation of a JPEG or WebP is applied first
//!   (tesseract ignores it; a phone photo taken sideways would read as nothing). An image
//!   that does not state its resolution is taken for an A4 page (tesseract would size the
//!   PDF page at 70 dpi). A page scanned upside down is not turned (tesseract's orientation
//!   detection is not used).
//! * **ZIP**: not extracted; [`unpack_zip`] gives its files, which are then extracted one by
//!   one.
//!
//! All text is NFC (poppler emits NFD), with control and invisible characters removed.
//! Text typed with the old TCVN3 (ABC) or VNI fonts is detected per document and converted to
//! Unicode ([`legacy`]). A document where no page has any text is [`DocError::NoText`].
//!
//! # Limits
//!
//! [`Limits`] bounds what an upload may cost: file size, pages, image pixels (a page is
//! rendered at a lower resolution rather than above the pixel budget), ZIP entries, expanded
//! size and compression ratio (checked against the declared sizes first, then enforced while
//! reading: reading stops at the limit whatever the headers say), and the running time of
//! every external program.

mod docx;
mod error;
pub mod legacy;
mod pdf;
mod pdfgen;
mod scan;
mod text;
mod tool;
mod unzip;
mod watermark;
pub mod write;
mod zipdir;

#[cfg(test)]
mod testutil;

use std::time::Duration;

pub use error::DocError;
pub use legacy::Legacy;
pub use pdf::{page_count, page_jpeg, page_png};
pub use unzip::{Unpacked, ZipEntry, unpack_zip};
pub use watermark::watermark_pdf;

/// A file kind, recognised by its content ([`identify`]), never by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Pdf,
    Docx,
    Jpeg,
    Png,
    Tiff,
    Webp,
    Zip,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Pdf,
        Kind::Docx,
        Kind::Jpeg,
        Kind::Png,
        Kind::Tiff,
        Kind::Webp,
        Kind::Zip,
    ];

    /// A short lower-case name, also the usual file extension: `"pdf"`, `"docx"`, `"jpeg"`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Jpeg => "jpeg",
            Kind::Png => "png",
            Kind::Tiff => "tiff",
            Kind::Webp => "webp",
            Kind::Zip => "zip",
        }
    }

    /// The inverse of [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The media type to serve the file with.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Tiff => "image/tiff",
            Kind::Webp => "image/webp",
            Kind::Zip => "application/zip",
        }
    }

    /// Whether the kind is a picture (read by OCR).
    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Tiff | Kind::Webp)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a file by its magic bytes, or why it cannot be taken: [`DocError::Empty`],
/// [`DocError::Encrypted`] (an encrypted Office file), [`DocError::OldFormat`] (.doc, .xls,
/// .ppt) or [`DocError::Unsupported`]. A ZIP holding `[Content_Types].xml` and
/// `word/document.xml` is a DOCX. The file name plays no part: a ".pdf" that is a PNG is a
/// PNG.
pub fn identify(bytes: &[u8]) -> Result<Kind, DocError> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Err(DocError::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(Kind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Ok(Kind::Tiff);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(Kind::Webp);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(if zipdir::is_docx(bytes) {
            Kind::Docx
        } else {
            Kind::Zip
        });
    }
    if bytes.starts_with(OLE) {
        // An encrypted OOXML file is an OLE compound file with an "EncryptedPackage" stream
        // (its directory names are UTF-16LE).
        let name: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        return Err(if bytes.windows(name.len()).any(|w| w == name) {
            DocError::Encrypted
        } else {
            DocError::OldFormat
        });
    }
    // The PDF header may follow some junk; readers look in the first 1024 bytes. Checked
    // last, so that an image whose metadata holds "%PDF-" stays an image.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    Err(DocError::Unsupported)
}

/// [`identify`] without the reason: `None` for anything this crate does not take.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    identify(bytes).ok()
}

/// What an upload may cost. [`Limits::default`] suits a congress server; tests and the
/// server's configuration may lower or raise each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (default 200 MiB).
    pub max_file_bytes: u64,
    /// Most pages of a PDF or frames of a TIFF (default 5,000).
    pub max_pages: u32,
    /// Largest image given to OCR or rendered, in pixels (default 100 million: A0 at
    /// 150 dpi, A4 at 600 dpi). Uploaded images above it are refused; PDF pages are rendered
    /// at a lower resolution instead.
    pub max_image_pixels: u64,
    /// Most entries in a ZIP, directories included (default 2,000).
    pub max_zip_entries: usize,
    /// Most bytes a ZIP may expand to (default 2 GiB).
    pub max_zip_total_bytes: u64,
    /// Largest expanded size / ZIP size once the expanded size passes 16 MiB (default 200).
    pub max_zip_ratio: u64,
    /// Longest one run of an external program may take (default 120 s). Runs are per page
    /// for OCR and rendering, per document for pdfinfo, pdftotext and qpdf (hundreds of
    /// pages a second); a multi-frame TIFF is OCR-ed in one run allowed this long per frame.
    pub tool_timeout: Duration,
    /// Resolution PDF pages are rendered at for OCR (default 300 dpi).
    pub ocr_dpi: u32,
    /// Pages OCR-ed side by side (default: the number of CPUs). Each tesseract runs on one
    /// thread.
    pub ocr_jobs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_pages: 5_000,
            max_image_pixels: 100_000_000,
            max_zip_entries: 2_000,
            max_zip_total_bytes: 2 * 1024 * 1024 * 1024,
            max_zip_ratio: 200,
            tool_timeout: Duration::from_secs(120),
            ocr_dpi: 300,
            ocr_jobs: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

impl Limits {
    pub(crate) fn check_size(&self, bytes: &[u8]) -> Result<(), DocError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > self.max_file_bytes {
            return Err(DocError::TooLarge {
                size,
                max: self.max_file_bytes,
            });
        }
        Ok(())
    }

    pub(crate) fn check_pages(&self, pages: u32) -> Result<(), DocError> {
        if pages > self.max_pages {
            return Err(DocError::TooManyPages {
                pages,
                max: self.max_pages,
            });
        }
        Ok(())
    }
}

/// How the text was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The PDF's own text layer, every page.
    TextLayer,
    /// The Word document's text.
    Docx,
    /// Optical character recognition, every page (images, scanned PDFs).
    Ocr,
    /// A PDF read partly from its text layer, partly by OCR ([`Extracted::ocr_pages`]).
    Mixed,
}

impl Method {
    /// `"text_layer"`, `"docx"`, `"ocr"` or `"mixed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::TextLayer => "text_layer",
            Method::Docx => "docx",
            Method::Ocr => "ocr",
            Method::Mixed => "mixed",
        }
    }
}

/// A document's text, page by page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// NFC text of each page; `pages[0]` is page 1. A page may be empty (a blank page).
    pub pages: Vec<String>,
    pub method: Method,
    /// The legacy font encoding the text was converted from, if any.
    pub legacy: Option<Legacy>,
    /// Page numbers (1-based) whose text came from OCR.
    pub ocr_pages: Vec<u32>,
    /// For image inputs: the searchable PDF tesseract made (the image as PDF pages with an
    /// invisible text layer), one page per image frame. `None` for PDF and DOCX.
    pub pdf: Option<Vec<u8>>,
}

/// The text of a document, page by page.
///
/// `kind` is what [`identify`] said of the same bytes; a file whose content is another kind
/// is [`DocError::Corrupt`]. ZIP archives are not extracted ([`DocError::Unsupported`]); use
/// [`unpack_zip`]. `progress(done, total)` is called as pages are done (often only at the
/// start and the end; per page while OCR runs).
pub fn extract(
    bytes: &[u8],
    kind: Kind,
    limits: &Limits,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Extracted, DocError> {
    limits.check_size(bytes)?;
    let actual = identify(bytes)?;
    if actual != kind {
        return Err(DocError::Corrupt(format!(
            "the content is {actual}, not {kind}"
        )));
    }
    let extracted = match kind {
        Kind::Pdf => pdf::extract(bytes, limits, progress)?,
        Kind::Docx => docx::extract(bytes, limits, progress)?,
        Kind::Jpeg | Kind::Png | Kind::Tiff | Kind::Webp => {
            scan::extract(bytes, kind, limits, progress)?
        }
        Kind::Zip => return Err(DocError::Unsupported),
    };
    if extracted.pages.iter().all(|p| text::alnum_count(p) == 0) {
        return Err(DocError::NoText);
    }
    Ok(extracted)
}

/// Converts every page from the legacy encoding the pages as a whole are in, if any.
pub(crate) fn convert_legacy(pages: &mut [String]) -> Option<Legacy> {
    let enc = legacy::detect(&pages.join("\n"))?;
    for page in pages.iter_mut() {
        *page = legacy::to_unicode(page, enc);
    }
    Some(enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_magic_bytes() {
        assert_eq!(identify(b""), Err(DocError::Empty));
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(Kind::Pdf));
        assert_eq!(sniff(b"\xEF\xBB\xBF junk %PDF-1.4\n"), Some(Kind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0..JFIF"), Some(Kind::Jpeg));
        assert_eq!(sniff(b"II*\0...."), Some(Kind::Tiff));
        assert_eq!(sniff(b"MM\0*...."), Some(Kind::Tiff));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE1..Exif..%PDF-1.4"), Some(Kind::Jpeg));
        assert_eq!(identify(b"hello, world"), Err(DocError::Unsupported));
        assert_eq!(
            identify(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 Word.Document.8"),
            Err(DocError::OldFormat)
        );
        let mut encrypted = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....".to_vec();
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(identify(&encrypted), Err(DocError::Encrypted));
    }

    #[test]
    fn kind_names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert!(!k.mime().is_empty());
        }
        assert_eq!(Kind::parse("exe"), None);
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(DocError::Encrypted.code(), "DOC_ENCRYPTED");
        assert_eq!(DocError::Corrupt("x".into()).code(), "DOC_CORRUPT");
        assert_eq!(DocError::Unsupported.code(), "DOC_UNSUPPORTED");
        assert_eq!(
            DocError::TooLarge { size: 2, max: 1 }.code(),
            "DOC_TOO_LARGE"
        );
        assert_eq!(DocError::NoText.code(), "DOC_NO_TEXT");
        assert_eq!(DocError::ZipBomb("x".into()).code(), "ZIP_BOMB");
        assert_eq!(DocError::UnsafePath("x".into()).code(), "ZIP_UNSAFE_PATH");
        assert_eq!(DocError::NestedZip.code(), "ZIP_NESTED");
    }

    #[test]
    fn too_large_is_refused_before_anything_runs() {
        let limits = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        let err = extract(b"%PDF-1.7 and more", Kind::Pdf, &limits, &mut |_, _| {}).unwrap_err();
        assert_eq!(err, DocError::TooLarge { size: 17, max: 10 });
    }
}
