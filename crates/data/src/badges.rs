//! Delegate badges (thẻ đại biểu) as one printable PDF, for the organiser's one-click print.
//!
//! Layout: A4 portrait pages, 8 badges of 90 × 60 mm each (2 columns × 4 rows, the grid
//! centred on the page). Each badge has a thin grey border to cut along, and crop marks in
//! the page margin continue every cut line. On a badge:
//!
//! * a red band across the top with the congress name (white, bold, small, at most 2 lines)
//!   and the place and dates (one line) under it;
//! * the delegate's full name, large and bold, wrapped to at most 2 lines and shrunk to fit;
//! * the delegation (at most 2 lines);
//! * the kind in Vietnamese ("Đại biểu chính thức", "Đại biểu dự khuyết", "Khách mời"),
//!   in its own colour, and the code and discussion group ("Mã: … · Tổ: …");
//! * on the right, the QR code of the sign-in link: a symbol of 28 to 30 mm with its 4-module
//!   quiet zone kept white, and "Quét mã để đăng nhập" under it.
//!
//! Decisions:
//!
//! * All text is put in Unicode NFC first (DejaVu Sans has the precomposed Vietnamese
//!   letters as single glyphs); control characters become spaces and runs of white space
//!   collapse. A character the font lacks is printed as "?" rather than silently dropped.
//! * Text never overflows: widths are measured from the font's advance widths (the PDF is
//!   written without kerning, so the measure is exact to 1/1000 em, never short). A text is
//!   shrunk step by step down to a floor size; if it still does not fit in its lines there,
//!   the last line ends in "…". A name stays on one line down to 12.5 pt, else takes two
//!   lines broken where they are most even ("Trần Thị / Thu Hương").
//! * An empty list gives a valid one-page PDF that says "Chưa có đại biểu" (there is nobody
//!   to print yet) rather than an error: the organiser's button always downloads a PDF.
//! * A badge whose sign-in link is empty gets no QR code (the rest of it is printed).
//!   A link that would need a QR version above 10 (57 modules, about 210 bytes at error
//!   correction level M) is refused with [`BadgeError::QrTooLong`]: its modules would be too
//!   small to scan from a phone.
//! * Both fonts (DejaVu Sans and DejaVu Sans Bold) are embedded once per document, subset to
//!   the glyphs used. The PDF carries a ToUnicode map, so its text can be searched and
//!   extracted.

use daihoi_domain::DelegateKind;
use printpdf::lopdf::Object;
use printpdf::lopdf::content::Operation;
use printpdf::{IndirectFontRef, Mm, PdfDocument, PdfDocumentReference, PdfLayerReference};
use qrcode::{EcLevel, QrCode};
use unicode_normalization::UnicodeNormalization;

/// One delegate's badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub full_name: String,
    pub delegation: String,
    pub code: String,
    pub kind: DelegateKind,
    /// Discussion group (tổ); printed after the code when not empty.
    pub group: String,
    /// Encoded as the badge's QR code; not printed as text.
    pub sign_in_url: String,
}

/// What a badge PDF is made from.
#[derive(Debug, Clone, Copy)]
pub struct BadgeSheet<'a> {
    pub congress_name: &'a str,
    pub place_and_dates: &'a str,
    pub badges: &'a [Badge],
}

#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    /// The embedded DejaVu font could not be read.
    #[error("the badge font could not be loaded: {0}")]
    Font(String),
    /// The sign-in link is too long for a QR code that can be scanned from a printed badge.
    #[error(
        "the sign-in link of delegate {code} is too long for a badge QR code ({len} bytes); \
         a shorter public address is needed"
    )]
    QrTooLong { code: String, len: usize },
    /// The PDF could not be written.
    #[error("the badge PDF could not be written: {0}")]
    Pdf(String),
}

/// The Vietnamese label of a delegate kind, as printed on the badge.
pub fn kind_label(kind: DelegateKind) -> &'static str {
    match kind {
        DelegateKind::Official => "Đại biểu chính thức",
        DelegateKind::Alternate => "Đại biểu dự khuyết",
        DelegateKind::Invited => "Khách mời",
    }
}

/// A4 pages, badges laid out in a grid of 2 × 4 badges of 90 × 60 mm with thin cut borders and
/// crop marks; see the module documentation for what a badge shows. `ceil(n / 8)` pages for
/// `n` badges, in the order given (left to right, top to bottom); one page saying
/// "Chưa có đại biểu" when there are none.
pub fn badges_pdf(sheet: &BadgeSheet<'_>) -> Result<Vec<u8>, BadgeError> {
    let title = format!("The dai bieu - {}", ascii_fold(&clean(sheet.congress_name)));
    let (doc, page, layer) = PdfDocument::new(title.trim(), Mm(PAGE_W), Mm(PAGE_H), LAYER_NAME);
    let fonts = Fonts::load(&doc)?;
    let header = Header::fit(&fonts, sheet);

    if sheet.badges.is_empty() {
        let canvas = Canvas {
            layer: doc.get_page(page).get_layer(layer),
        };
        draw_empty_page(&canvas, &fonts, sheet);
    } else {
        let mut first = true;
        for chunk in sheet.badges.chunks(PER_PAGE) {
            let canvas = if first {
                first = false;
                Canvas {
                    layer: doc.get_page(page).get_layer(layer),
                }
            } else {
                let (p, l) = doc.add_page(Mm(PAGE_W), Mm(PAGE_H), LAYER_NAME);
                Canvas {
                    layer: doc.get_page(p).get_layer(l),
                }
            };
            draw_crop_marks(&canvas, chunk.len().div_ceil(COLS));
            for (i, badge) in chunk.iter().enumerate() {
                let (bx, by) = badge_origin(i);
                let drawing = layout_badge(&fonts, &header, badge, bx, by)?;
                canvas.draw(&fonts, &drawing);
            }
        }
    }
    save(doc)
}

fn save(doc: PdfDocumentReference) -> Result<Vec<u8>, BadgeError> {
    doc.save_to_bytes()
        .map_err(|e| BadgeError::Pdf(e.to_string()))
}

// ----- geometry (millimetres; PDF origin at the bottom left) ----------------------------------

pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const COLS: usize = 2;
const ROWS: usize = 4;
const PER_PAGE: usize = COLS * ROWS;
const BADGE_W: f32 = 90.0;
const BADGE_H: f32 = 60.0;
/// Left edge of the grid.
const GRID_X: f32 = (PAGE_W - COLS as f32 * BADGE_W) / 2.0;
/// Bottom edge of the grid.
const GRID_Y: f32 = (PAGE_H - ROWS as f32 * BADGE_H) / 2.0;
/// Inner padding of a badge.
const PAD: f32 = 4.0;
/// The red band: inset from the badge's top, left and right edges, and its height.
const BAND_INSET: f32 = 2.0;
const BAND_H: f32 = 12.0;
/// QR symbol (without quiet zone): at least this...
const QR_MIN_MM: f32 = 28.0;
/// ... at most this ...
const QR_MAX_MM: f32 = 30.0;
/// ... and together with its quiet zone at most this.
const QR_BOX_MAX_MM: f32 = 37.0;
const QR_QUIET_MODULES: usize = 4;
/// Version 10: beyond it modules drop under half a millimetre.
const QR_MAX_WIDTH: usize = 57;
/// Gap between the QR box and the badge's right edge.
const QR_RIGHT_GAP: f32 = 1.0;
/// Gap between the band and the top of the QR box.
const QR_TOP_GAP: f32 = 0.5;
const LINE_SPACING: f32 = 1.2;
/// Height above the baseline reserved for a line (em): DejaVu's ascender, room enough for
/// Vietnamese capitals with stacked marks (Ấ, Ỗ).
const ASCENT: f32 = 0.93;
/// Depth below the baseline reserved for a line (em).
const DESCENT: f32 = 0.24;
/// DejaVu Sans cap height (em), for centring the band text by eye.
const CAP_HEIGHT: f32 = 0.73;
const SIZE_STEP: f32 = 0.5;
const LAYER_NAME: &str = "Badges";

const NAME_MAX_PT: f32 = 16.0;
const NAME_MIN_PT: f32 = 7.0;
/// A name stays on one line down to this size before it is wrapped.
const NAME_ONE_LINE_MIN_PT: f32 = 12.5;
const DELEGATION_MAX_PT: f32 = 8.5;
const DELEGATION_MIN_PT: f32 = 6.0;
const KIND_PT: f32 = 9.0;
const CODE_MAX_PT: f32 = 8.0;
const CODE_MIN_PT: f32 = 6.0;
const CONGRESS_MAX_PT: f32 = 7.5;
const CONGRESS_MIN_PT: f32 = 5.5;
const PLACE_MAX_PT: f32 = 6.0;
const PLACE_MIN_PT: f32 = 5.0;
const CAPTION_PT: f32 = 5.5;

const QR_CAPTION: &str = "Quét mã để đăng nhập";
const NOBODY: &str = "Chưa có đại biểu";
const NO_CONGRESS_NAME: &str = "THẺ ĐẠI BIỂU";

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(f32, f32, f32);

const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
const INK: Rgb = Rgb(0.08, 0.08, 0.1);
const GREY_TEXT: Rgb = Rgb(0.3, 0.3, 0.33);
const CUT_GREY: Rgb = Rgb(0.7, 0.7, 0.7);
const BAND_RED: Rgb = Rgb(0.72, 0.05, 0.09);
const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);
const BAND_YELLOW: Rgb = Rgb(1.0, 0.9, 0.55);

fn kind_colour(kind: DelegateKind) -> Rgb {
    match kind {
        DelegateKind::Official => BAND_RED,
        DelegateKind::Alternate => Rgb(0.05, 0.3, 0.65),
        DelegateKind::Invited => Rgb(0.1, 0.42, 0.2),
    }
}

/// Lower-left corner of the `i`-th badge on a page (row-major from the top left).
fn badge_origin(i: usize) -> (f32, f32) {
    let (col, row) = (i % COLS, i / COLS);
    let x = GRID_X + col as f32 * BADGE_W;
    let y = GRID_Y + (ROWS - 1 - row) as f32 * BADGE_H;
    (x, y)
}

pub(crate) fn pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

/// A coordinate in points, rounded to 1/100 pt to keep the content streams short.
pub(crate) fn num(v: f32) -> Object {
    Object::Real((v * 100.0).round() / 100.0)
}

// ----- text ----------------------------------------------------------------------------------

/// NFC, control characters as spaces, white space collapsed and trimmed.
pub(crate) fn clean(s: &str) -> String {
    let nfc: String = s
        .nfc()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A plain-ASCII rendering for the PDF's Info title (printpdf writes it as raw bytes).
pub(crate) fn ascii_fold(s: &str) -> String {
    s.nfd()
        .filter_map(|c| match c {
            'đ' => Some('d'),
            'Đ' => Some('D'),
            '–' | '—' => Some('-'),
            c if c.is_ascii() => Some(c),
            _ => None,
        })
        .collect()
}

/// An embedded font and its metrics.
pub(crate) struct Font {
    pub(crate) pdf: IndirectFontRef,
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl Font {
    pub(crate) fn load(
        doc: &PdfDocumentReference,
        bytes: &'static [u8],
    ) -> Result<Self, BadgeError> {
        let face =
            ttf_parser::Face::parse(bytes, 0).map_err(|e| BadgeError::Font(e.to_string()))?;
        let units_per_em = f32::from(face.units_per_em());
        if units_per_em <= 0.0 {
            return Err(BadgeError::Font("units per em is zero".into()));
        }
        let pdf = doc
            .add_external_font(bytes)
            .map_err(|e| BadgeError::Font(e.to_string()))?;
        Ok(Self {
            pdf,
            face,
            units_per_em,
        })
    }

    /// The glyphs of `s`, characters without one skipped (as printpdf does).
    pub(crate) fn glyph_ids<'s>(&'s self, s: &'s str) -> impl Iterator<Item = u16> + 's {
        s.chars()
            .filter_map(|c| self.face.glyph_index(c))
            .map(|g| g.0)
    }

    pub(crate) fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }

    /// Width of `s` in points at `size`, as printpdf lays it out (advance widths, no kerning,
    /// characters without a glyph skipped).
    pub(crate) fn width(&self, s: &str, size: f32) -> f32 {
        let units: u32 = s
            .chars()
            .filter_map(|c| self.face.glyph_index(c))
            .filter_map(|g| self.face.glyph_hor_advance(g))
            .map(u32::from)
            .sum();
        units as f32 / self.units_per_em * size
    }

    /// `s` with characters this font cannot show replaced by "?".
    pub(crate) fn printable(&self, s: &str) -> String {
        s.chars()
            .map(|c| if c == ' ' || self.has(c) { c } else { '?' })
            .collect()
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn load(doc: &PdfDocumentReference) -> Result<Self, BadgeError> {
        Ok(Self {
            regular: Font::load(doc, dejavu::sans::regular())?,
            bold: Font::load(doc, dejavu::sans::bold())?,
        })
    }

    fn get(&self, bold: bool) -> &Font {
        if bold { &self.bold } else { &self.regular }
    }
}

/// A text fitted into a width: the font size chosen and the lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fit {
    pub(crate) size: f32,
    pub(crate) lines: Vec<String>,
}

/// Fit `text` (already cleaned) into at most `max_lines` lines of `max_w` points: the largest
/// size from `max_size` down to `min_size` (in half points) at which whole words wrap into the
/// lines; failing that, at `min_size`, words are broken where needed and the last line is cut
/// with "…". No line is ever wider than `max_w`.
pub(crate) fn fit_text(
    font: &Font,
    text: &str,
    max_w: f32,
    max_lines: usize,
    max_size: f32,
    min_size: f32,
) -> Fit {
    let text = font.printable(text);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || max_lines == 0 {
        return Fit {
            size: max_size,
            lines: Vec::new(),
        };
    }
    try_fit(font, &words, max_w, max_lines, max_size, min_size).unwrap_or_else(|| Fit {
        size: min_size,
        lines: wrap_hard(font, &words, min_size, max_w, max_lines),
    })
}

/// A delegate's name: on one line if it fits there at `NAME_ONE_LINE_MIN_PT` or larger,
/// else on two lines, as large as fits.
fn fit_name(font: &Font, text: &str, max_w: f32) -> Fit {
    let printable = font.printable(text);
    let words: Vec<&str> = printable.split_whitespace().collect();
    try_fit(font, &words, max_w, 1, NAME_MAX_PT, NAME_ONE_LINE_MIN_PT)
        .unwrap_or_else(|| fit_text(font, text, max_w, 2, NAME_MAX_PT, NAME_MIN_PT))
}

/// The largest size from `max_size` down to `min_size`, in half points, at which whole words
/// wrap into `max_lines` lines.
fn try_fit(
    font: &Font,
    words: &[&str],
    max_w: f32,
    max_lines: usize,
    max_size: f32,
    min_size: f32,
) -> Option<Fit> {
    let mut size = max_size;
    while size >= min_size - 1e-3 {
        if let Some(lines) = wrap_words(font, words, size, max_w, max_lines) {
            return Some(Fit { size, lines });
        }
        size -= SIZE_STEP;
    }
    None
}

/// Greedy word wrap; `None` if a word is wider than a line or more lines are needed.
fn wrap_words(
    font: &Font,
    words: &[&str],
    size: f32,
    max_w: f32,
    max_lines: usize,
) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in words {
        if font.width(word, size) > max_w {
            return None;
        }
        let candidate = if cur.is_empty() {
            (*word).to_owned()
        } else {
            format!("{cur} {word}")
        };
        if font.width(&candidate, size) <= max_w {
            cur = candidate;
        } else {
            lines.push(std::mem::replace(&mut cur, (*word).to_owned()));
            if lines.len() >= max_lines {
                return None;
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() == 2 {
        // Two lines: break where the longer line is shortest ("Trần Thị / Thu Hương").
        let best = (1..words.len())
            .map(|i| (words[..i].join(" "), words[i..].join(" ")))
            .map(|(a, b)| (font.width(&a, size).max(font.width(&b, size)), a, b))
            .filter(|(w, _, _)| *w <= max_w)
            .min_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((_, a, b)) = best {
            lines = vec![a, b];
        }
    }
    (lines.len() <= max_lines).then_some(lines)
}

/// Wrap breaking words where they do not fit, keep `max_lines` lines, and end the last one
/// with "…" when text was left over.
fn wrap_hard(font: &Font, words: &[&str], size: f32, max_w: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in words {
        let candidate = if cur.is_empty() {
            (*word).to_owned()
        } else {
            format!("{cur} {word}")
        };
        if font.width(&candidate, size) <= max_w {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        for ch in word.chars() {
            cur.push(ch);
            if font.width(&cur, size) > max_w && cur.chars().count() > 1 {
                cur.pop();
                lines.push(std::mem::take(&mut cur));
                cur.push(ch);
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    let cut = lines.len() > max_lines;
    if cut {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(format!("{rest}…"));
    }
    let last = lines.len().saturating_sub(1);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| ellipsize(font, &l, size, max_w, cut && i == last))
        .collect()
}

/// `s` cut (with "…") to fit `max_w`; `force` means it already ends with a "…" to keep.
fn ellipsize(font: &Font, s: &str, size: f32, max_w: f32, force: bool) -> String {
    if font.width(s, size) <= max_w {
        return s.to_owned();
    }
    let mut base: String = if force {
        s.trim_end_matches('…').to_owned()
    } else {
        s.to_owned()
    };
    loop {
        let trimmed = base.trim_end();
        let candidate = format!("{trimmed}…");
        if font.width(&candidate, size) <= max_w {
            return candidate;
        }
        if base.pop().is_none() {
            return String::new();
        }
    }
}

// ----- badge layout --------------------------------------------------------------------------

/// A line of text placed on the page.
#[derive(Debug, Clone, PartialEq)]
struct TextRun {
    text: String,
    bold: bool,
    size: f32,
    /// Left end of the baseline, mm.
    x: f32,
    y: f32,
    /// Measured width, mm.
    width: f32,
    colour: Rgb,
}

/// A filled rectangle, mm.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FillRect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    colour: Rgb,
}

/// A QR symbol placed on the page.
#[derive(Debug, Clone, PartialEq)]
struct QrPlacement {
    /// Top-left corner of the symbol (quiet zone outside it), mm.
    x: f32,
    y_top: f32,
    /// Module size, mm.
    module: f32,
    grid: QrGrid,
}

/// The modules of a QR symbol, row by row from the top; `true` is dark.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QrGrid {
    width: usize,
    dark: Vec<bool>,
}

impl QrGrid {
    fn new(url: &str, code: &str) -> Result<Self, BadgeError> {
        let too_long = || BadgeError::QrTooLong {
            code: code.to_owned(),
            len: url.len(),
        };
        let qr = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
            .map_err(|_| too_long())?;
        let width = qr.width();
        if width > QR_MAX_WIDTH {
            return Err(too_long());
        }
        let dark = qr
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        Ok(Self { width, dark })
    }

    /// Horizontal runs of dark modules: (x, y, length), y counted from the top row.
    fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for (y, row) in self.dark.chunks(self.width.max(1)).enumerate() {
            let mut x = 0;
            while x < row.len() {
                if row[x] {
                    let start = x;
                    while x < row.len() && row[x] {
                        x += 1;
                    }
                    runs.push((start, y, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// Everything drawn for one badge.
#[derive(Debug, Clone, PartialEq)]
struct BadgeDrawing {
    /// Badge outline (the cut line), mm.
    x: f32,
    y: f32,
    fills: Vec<FillRect>,
    texts: Vec<TextRun>,
    qr: Option<QrPlacement>,
}

/// The band text, the same on every badge: fitted once.
struct Header {
    congress: Fit,
    place: Fit,
}

impl Header {
    fn band_text_width() -> f32 {
        BADGE_W - 2.0 * BAND_INSET - 2.0 * 2.0
    }

    fn fit(fonts: &Fonts, sheet: &BadgeSheet<'_>) -> Self {
        let mut name = clean(sheet.congress_name);
        if name.is_empty() {
            name = NO_CONGRESS_NAME.to_owned();
        }
        let w = pt(Self::band_text_width());
        Self {
            congress: fit_text(&fonts.bold, &name, w, 2, CONGRESS_MAX_PT, CONGRESS_MIN_PT),
            place: fit_text(
                &fonts.regular,
                &clean(sheet.place_and_dates),
                w,
                1,
                PLACE_MAX_PT,
                PLACE_MIN_PT,
            ),
        }
    }
}

/// How a block of lines is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    bold: bool,
    colour: Rgb,
}

/// Where a block of lines goes across: left-aligned at x, or centred in (x, width), mm.
#[derive(Debug, Clone, Copy)]
enum Align {
    Left(f32),
    Centre(f32, f32),
}

/// Push the lines of `fit`, first baseline at `y` (mm), each `LINE_SPACING` below the one
/// before; returns the baseline of the last line, if any.
fn push_lines(
    texts: &mut Vec<TextRun>,
    fonts: &Fonts,
    style: Style,
    fit: &Fit,
    align: Align,
    mut y: f32,
) -> Option<f32> {
    let font = fonts.get(style.bold);
    let step = fit.size * LINE_SPACING / PT_PER_MM;
    let mut last = None;
    for line in &fit.lines {
        let width = font.width(line, fit.size) / PT_PER_MM;
        let x = match align {
            Align::Left(x) => x,
            Align::Centre(x, w) => x + (w - width) / 2.0,
        };
        texts.push(TextRun {
            text: line.clone(),
            bold: style.bold,
            size: fit.size,
            x,
            y,
            width,
            colour: style.colour,
        });
        last = Some(y);
        y -= step;
    }
    last
}

fn layout_badge(
    fonts: &Fonts,
    header: &Header,
    badge: &Badge,
    bx: f32,
    by: f32,
) -> Result<BadgeDrawing, BadgeError> {
    let mut fills = Vec::new();
    let mut texts = Vec::new();
    let top = by + BADGE_H;

    // The red band and its text, centred vertically in it.
    let band = FillRect {
        x: bx + BAND_INSET,
        y: top - BAND_INSET - BAND_H,
        w: BADGE_W - 2.0 * BAND_INSET,
        h: BAND_H,
        colour: BAND_RED,
    };
    fills.push(band);
    let c = &header.congress;
    let p = &header.place;
    let c_step = c.size * LINE_SPACING / PT_PER_MM;
    let p_gap = (p.size * LINE_SPACING) / PT_PER_MM + 0.3;
    // Baselines relative to the first one, and the cap height above the first: centre that.
    let first_cap = if c.lines.is_empty() { p.size } else { c.size } * CAP_HEIGHT / PT_PER_MM;
    let c_depth = c.lines.len().saturating_sub(1) as f32 * c_step;
    let depth = if c.lines.is_empty() || p.lines.is_empty() {
        c_depth
    } else {
        c_depth + p_gap
    };
    let first_y = band.y + (band.h + first_cap + depth) / 2.0 - first_cap;
    let text_x = band.x + 2.0;
    let band_w = Header::band_text_width();
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: true,
            colour: WHITE,
        },
        c,
        Align::Centre(text_x, band_w),
        first_y,
    );
    let place_y = if c.lines.is_empty() {
        first_y
    } else {
        first_y - c_depth - p_gap
    };
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: false,
            colour: BAND_YELLOW,
        },
        p,
        Align::Centre(text_x, band_w),
        place_y,
    );

    // The QR code on the right under the band, with its quiet zone.
    let body_top = band.y;
    let mut col_right = bx + BADGE_W - PAD;
    let url = badge.sign_in_url.trim();
    let qr = if url.is_empty() {
        None
    } else {
        let grid = QrGrid::new(url, &badge.code)?;
        let w = grid.width as f32;
        let quiet = QR_QUIET_MODULES as f32;
        let symbol = (QR_BOX_MAX_MM * w / (w + 2.0 * quiet)).clamp(QR_MIN_MM, QR_MAX_MM);
        let module = symbol / w;
        let box_size = symbol + 2.0 * quiet * module;
        let box_right = bx + BADGE_W - QR_RIGHT_GAP;
        let box_top = body_top - QR_TOP_GAP;
        let x = box_right - box_size + quiet * module;
        let y_top = box_top - quiet * module;
        col_right = box_right - box_size;
        // Caption under the quiet zone.
        let caption = fit_text(&fonts.regular, QR_CAPTION, pt(box_size), 1, CAPTION_PT, 4.5);
        let box_bottom = box_top - box_size;
        let cap_y = box_bottom - 0.3 - ASCENT * caption.size / PT_PER_MM;
        push_lines(
            &mut texts,
            fonts,
            Style {
                bold: false,
                colour: GREY_TEXT,
            },
            &caption,
            Align::Centre(box_right - box_size, box_size),
            cap_y,
        );
        Some(QrPlacement {
            x,
            y_top,
            module,
            grid,
        })
    };

    // The text column on the left.
    let col_x = bx + PAD;
    let col_w = col_right - col_x;
    let col_w_pt = pt(col_w);

    let name = fit_name(&fonts.bold, &clean(&badge.full_name), col_w_pt);
    let name_y = body_top - 2.5 - ASCENT * name.size / PT_PER_MM;
    let name_last = push_lines(
        &mut texts,
        fonts,
        Style {
            bold: true,
            colour: INK,
        },
        &name,
        Align::Left(col_x),
        name_y,
    );

    let delegation = fit_text(
        &fonts.regular,
        &clean(&badge.delegation),
        col_w_pt,
        2,
        DELEGATION_MAX_PT,
        DELEGATION_MIN_PT,
    );
    let deleg_y = match name_last {
        Some(last) => last - DESCENT * name.size / PT_PER_MM - 1.5,
        None => body_top - 2.5,
    } - ASCENT * delegation.size / PT_PER_MM;
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: false,
            colour: GREY_TEXT,
        },
        &delegation,
        Align::Left(col_x),
        deleg_y,
    );

    // Kind and code anchored at the bottom.
    let mut code_line = format!("Mã: {}", clean(&badge.code));
    let group = clean(&badge.group);
    if !group.is_empty() {
        code_line.push_str(&format!("  ·  Tổ: {group}"));
    }
    let code = fit_text(
        &fonts.regular,
        &code_line,
        col_w_pt,
        1,
        CODE_MAX_PT,
        CODE_MIN_PT,
    );
    let code_y = by + PAD + 0.5;
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: false,
            colour: INK,
        },
        &code,
        Align::Left(col_x),
        code_y,
    );

    let marker = 2.6;
    let kind_colour = kind_colour(badge.kind);
    let kind = fit_text(
        &fonts.bold,
        kind_label(badge.kind),
        col_w_pt - pt(marker + 1.2),
        1,
        KIND_PT,
        6.0,
    );
    let kind_y = code_y + 4.6;
    fills.push(FillRect {
        x: col_x,
        y: kind_y - 0.2,
        w: marker,
        h: marker,
        colour: kind_colour,
    });
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: true,
            colour: kind_colour,
        },
        &kind,
        Align::Left(col_x + marker + 1.2),
        kind_y,
    );

    Ok(BadgeDrawing {
        x: bx,
        y: by,
        fills,
        texts,
        qr,
    })
}

// ----- drawing -------------------------------------------------------------------------------

/// One page's content stream.
struct Canvas {
    layer: PdfLayerReference,
}

impl Canvas {
    fn op(&self, operator: &str, operands: Vec<Object>) {
        self.layer.add_operation(Operation::new(operator, operands));
    }

    fn fill_colour(&self, c: Rgb) {
        self.op("rg", vec![num(c.0), num(c.1), num(c.2)]);
    }

    fn stroke_colour(&self, c: Rgb) {
        self.op("RG", vec![num(c.0), num(c.1), num(c.2)]);
    }

    fn rect(&self, x: f32, y: f32, w: f32, h: f32) {
        self.op("re", vec![num(pt(x)), num(pt(y)), num(pt(w)), num(pt(h))]);
    }

    fn line(&self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.op("m", vec![num(pt(x1)), num(pt(y1))]);
        self.op("l", vec![num(pt(x2)), num(pt(y2))]);
    }

    fn text(&self, fonts: &Fonts, run: &TextRun) {
        let font = fonts.get(run.bold);
        self.fill_colour(run.colour);
        self.layer.begin_text_section();
        self.layer.set_font(&font.pdf, run.size);
        self.op("Td", vec![num(pt(run.x)), num(pt(run.y))]);
        // Glyph ids straight from the font (as printpdf's `write_text` would find them), which
        // spares a copy of the whole font file that `write_text` makes on every call.
        self.layer.write_codepoints(font.glyph_ids(&run.text));
        self.layer.end_text_section();
    }

    /// The symbol as one path of horizontal runs in module units, filled at once (no seams
    /// between modules in viewers that anti-alias).
    fn qr(&self, qr: &QrPlacement) {
        let m = pt(qr.module);
        self.op("q", vec![]);
        self.fill_colour(BLACK);
        self.op(
            "cm",
            vec![
                Object::Real(m),
                0.into(),
                0.into(),
                Object::Real(-m),
                num(pt(qr.x)),
                num(pt(qr.y_top)),
            ],
        );
        for (x, y, len) in qr.grid.runs() {
            let ints = [x, y, len, 1].map(|v| Object::Integer(i64::try_from(v).unwrap_or(0)));
            self.op("re", ints.to_vec());
        }
        self.op("f", vec![]);
        self.op("Q", vec![]);
    }

    fn draw(&self, fonts: &Fonts, d: &BadgeDrawing) {
        // The cut line.
        self.op("q", vec![]);
        self.stroke_colour(CUT_GREY);
        self.op("w", vec![num(0.35)]);
        self.rect(d.x, d.y, BADGE_W, BADGE_H);
        self.op("S", vec![]);
        self.op("Q", vec![]);
        for f in &d.fills {
            self.fill_colour(f.colour);
            self.rect(f.x, f.y, f.w, f.h);
            self.op("f", vec![]);
        }
        for run in &d.texts {
            self.text(fonts, run);
        }
        if let Some(qr) = &d.qr {
            self.qr(qr);
        }
    }
}

/// Crop marks in the page margin on the extension of every cut line of the first `rows` rows.
fn draw_crop_marks(c: &Canvas, rows: usize) {
    const GAP: f32 = 2.0;
    const LEN: f32 = 6.0;
    let rows = rows.min(ROWS);
    let (left, right) = (GRID_X, GRID_X + COLS as f32 * BADGE_W);
    let top = GRID_Y + ROWS as f32 * BADGE_H;
    let bottom = top - rows as f32 * BADGE_H;
    c.op("q", vec![]);
    c.stroke_colour(BLACK);
    c.op("w", vec![num(0.3)]);
    for i in 0..=COLS {
        let x = left + i as f32 * BADGE_W;
        c.line(x, top + GAP, x, top + GAP + LEN);
        c.line(x, bottom - GAP, x, bottom - GAP - LEN);
    }
    for j in 0..=rows {
        let y = bottom + j as f32 * BADGE_H;
        c.line(left - GAP, y, left - GAP - LEN, y);
        c.line(right + GAP, y, right + GAP + LEN, y);
    }
    c.op("S", vec![]);
    c.op("Q", vec![]);
}

/// The page for an empty list: the congress name and "Chưa có đại biểu".
fn draw_empty_page(c: &Canvas, fonts: &Fonts, sheet: &BadgeSheet<'_>) {
    let width = PAGE_W - 2.0 * GRID_X;
    let mut texts = Vec::new();
    let name = clean(sheet.congress_name);
    let title = fit_text(&fonts.bold, &name, pt(width), 3, 14.0, 8.0);
    let mut y = PAGE_H - 40.0;
    if let Some(last) = push_lines(
        &mut texts,
        fonts,
        Style {
            bold: true,
            colour: INK,
        },
        &title,
        Align::Centre(GRID_X, width),
        y,
    ) {
        y = last - 10.0;
    }
    let place = fit_text(
        &fonts.regular,
        &clean(sheet.place_and_dates),
        pt(width),
        2,
        11.0,
        7.0,
    );
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: false,
            colour: GREY_TEXT,
        },
        &place,
        Align::Centre(GRID_X, width),
        y,
    );
    let note = fit_text(&fonts.bold, NOBODY, pt(width), 1, 20.0, 10.0);
    push_lines(
        &mut texts,
        fonts,
        Style {
            bold: true,
            colour: GREY_TEXT,
        },
        &note,
        Align::Centre(GRID_X, width),
        PAGE_H / 2.0,
    );
    for run in &texts {
        c.text(fonts, run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use printpdf::lopdf;

    const LONG_NAME: &str = "Tôn Nữ Thị Hoàng Phương Khánh Ngọc Bích Thuỷ Tiên";
    const VERY_LONG_NAME: &str =
        "Tôn Nữ Thị Hoàng Phương Khánh Ngọc Bích Thuỷ Tiên Huyền Trân Diễm Kiều Nguyệt Ánh";
    const CONGRESS: &str =
        "Đại hội đại biểu Đảng bộ tỉnh Thừa Thiên Huế lần thứ XVII, nhiệm kỳ 2025 – 2030";
    const PLACE: &str = "Trung tâm Hội nghị tỉnh, 14/10/2025 – 16/10/2025";

    fn url(i: usize) -> String {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mac: String = (0..22)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                B64[(x % 64) as usize] as char
            })
            .collect();
        format!("https://daihoi.thuathienhue.gov.vn/q/{}.0.{mac}", i + 1)
    }

    fn demo_badges(n: usize) -> Vec<Badge> {
        const NAMES: [&str; 10] = [
            "Nguyễn Văn Hùng",
            "Trần Thị Thu Hương",
            "Lê Hoàng Phúc",
            "Phạm Ngọc Ánh",
            "Hoàng Thị Kim Oanh",
            "Vũ Đức Thắng",
            "Đặng Quốc Việt",
            "Bùi Thị Hồng Nhung",
            "Đỗ Minh Trường",
            LONG_NAME,
        ];
        const DELEGATIONS: [&str; 6] = [
            "Đảng bộ Khối các cơ quan tỉnh",
            "Đảng bộ thành phố Huế",
            "Đảng bộ Quân sự tỉnh",
            "Đảng bộ Công an tỉnh",
            "Đảng bộ huyện Phong Điền",
            "Đảng bộ Khối Doanh nghiệp tỉnh Thừa Thiên Huế và các đơn vị sự nghiệp trực thuộc",
        ];
        (0..n)
            .map(|i| Badge {
                full_name: NAMES[i % NAMES.len()].to_owned(),
                delegation: DELEGATIONS[i % DELEGATIONS.len()].to_owned(),
                code: format!("DB{:03}", i + 1),
                kind: match i % 7 {
                    5 => DelegateKind::Alternate,
                    6 => DelegateKind::Invited,
                    _ => DelegateKind::Official,
                },
                group: if i % 4 == 3 {
                    String::new()
                } else {
                    format!("{}", i % 12 + 1)
                },
                sign_in_url: url(i),
            })
            .collect()
    }

    fn pdf(badges: &[Badge]) -> Vec<u8> {
        let sheet = BadgeSheet {
            congress_name: CONGRESS,
            place_and_dates: PLACE,
            badges,
        };
        badges_pdf(&sheet).expect("badge pdf")
    }

    fn page_count(bytes: &[u8]) -> usize {
        lopdf::Document::load_mem(bytes)
            .expect("parse")
            .get_pages()
            .len()
    }

    fn extract(bytes: &[u8]) -> String {
        // Lines wrapped on the badge come out as separate lines: compare with single spaces.
        let text: String = pdf_extract::extract_text_from_mem(bytes)
            .expect("extract")
            .nfc()
            .collect();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn test_fonts() -> (PdfDocumentReference, Fonts) {
        let (doc, _, _) = PdfDocument::new("t", Mm(PAGE_W), Mm(PAGE_H), LAYER_NAME);
        let fonts = Fonts::load(&doc).expect("fonts");
        (doc, fonts)
    }

    #[test]
    fn badges_pdf_has_one_a4_page_per_eight_badges() {
        for (n, pages) in [(1, 1), (8, 1), (9, 2), (17, 3)] {
            let bytes = pdf(&demo_badges(n));
            assert!(bytes.starts_with(b"%PDF"), "n = {n}");
            assert_eq!(page_count(&bytes), pages, "n = {n}");
            assert_eq!(page_count(&bytes), n.div_ceil(PER_PAGE));
        }
        let doc = lopdf::Document::load_mem(&pdf(&demo_badges(3))).expect("parse");
        for (_, id) in doc.get_pages() {
            let page = doc.get_dictionary(id).expect("page");
            let mediabox = page
                .get(b"MediaBox")
                .and_then(|o| o.as_array())
                .expect("mediabox");
            let wh: Vec<f32> = mediabox
                .iter()
                .map(|o| {
                    o.as_float()
                        .or_else(|_| o.as_i64().map(|i| i as f32))
                        .expect("num")
                })
                .collect();
            assert!(
                (wh[2] - pt(PAGE_W)).abs() < 1.0 && (wh[3] - pt(PAGE_H)).abs() < 1.0,
                "{wh:?}"
            );
        }
    }

    #[test]
    fn badges_pdf_empty_list_is_one_page_saying_nobody() {
        let bytes = pdf(&[]);
        assert!(bytes.starts_with(b"%PDF"));
        assert_eq!(page_count(&bytes), 1);
        let text = extract(&bytes);
        assert!(text.contains(NOBODY), "{text}");
        assert!(text.contains("Thừa Thiên Huế"), "{text}");
    }

    #[test]
    fn badges_text_is_extractable_in_nfc() {
        // The name arrives decomposed (NFD), as some spreadsheets write it.
        let mut badges = demo_badges(8);
        badges[0].full_name = "Nguyễn Thị Phượng".nfd().collect();
        badges[0].delegation = "Đảng bộ Khối các cơ quan tỉnh".into();
        let text = extract(&pdf(&badges));
        for needle in [
            "Nguyễn Thị Phượng",
            "Trần Thị Thu Hương",
            "Bùi Thị Hồng Nhung",
            "Đảng bộ Khối các cơ quan tỉnh",
            "Đại biểu chính thức",
            "Đại biểu dự khuyết",
            "Khách mời",
            "DB002",
            "Quét mã để đăng nhập",
            "Thừa Thiên Huế",
        ] {
            assert!(text.contains(needle), "{needle:?} not in {text}");
        }
    }

    #[test]
    fn badges_text_is_nfc_and_cleaned() {
        assert_eq!(
            clean(&"  Lê\tHoàng \n Phúc ".nfd().collect::<String>()),
            "Lê Hoàng Phúc"
        );
        assert_eq!(clean("Thuỷ"), "Thuỷ".nfc().collect::<String>());
        assert_eq!(
            ascii_fold("Đại hội Đảng bộ tỉnh, 2025 – 2030"),
            "Dai hoi Dang bo tinh, 2025 - 2030"
        );
        let (_doc, fonts) = test_fonts();
        // Precomposed Vietnamese letters are single glyphs in DejaVu; CJK is not covered.
        for c in clean("ệữởẤỖđĐ").chars() {
            assert!(fonts.bold.has(c) && fonts.regular.has(c), "{c}");
        }
        assert_eq!(fonts.regular.printable("Lý 李"), "Lý ?");
    }

    #[test]
    fn badges_long_name_is_wrapped_and_shrunk_never_overflowing() {
        let (_doc, fonts) = test_fonts();
        let width = pt(45.0);
        let fit = fit_text(&fonts.bold, LONG_NAME, width, 2, NAME_MAX_PT, NAME_MIN_PT);
        assert_eq!(fit.lines.len(), 2, "{fit:?}");
        assert!(fit.size < NAME_MAX_PT, "{fit:?}");
        assert!(
            fit.lines
                .iter()
                .all(|l| fonts.bold.width(l, fit.size) <= width),
            "{fit:?}"
        );

        // Short names stay on one line, as large as that allows; two lines break evenly.
        let short = fit_name(&fonts.bold, "Lê Hoàng Phúc", width);
        assert_eq!(short.lines, vec!["Lê Hoàng Phúc".to_owned()]);
        assert!(short.size >= NAME_ONE_LINE_MIN_PT, "{short:?}");
        let two = fit_name(&fonts.bold, "Trần Thị Thu Hương Giang", width);
        assert_eq!(
            two.lines,
            vec!["Trần Thị Thu".to_owned(), "Hương Giang".to_owned()]
        );

        // Absurd input: cut with an ellipsis at the floor size, still within the width.
        let absurd = format!("{VERY_LONG_NAME} {}", "Ư".repeat(80));
        let fit = fit_text(&fonts.bold, &absurd, width, 2, NAME_MAX_PT, NAME_MIN_PT);
        assert_eq!(fit.size, NAME_MIN_PT);
        assert_eq!(fit.lines.len(), 2);
        assert!(fit.lines[1].ends_with('…'), "{fit:?}");
        assert!(
            fit.lines
                .iter()
                .all(|l| fonts.bold.width(l, fit.size) <= width),
            "{fit:?}"
        );
        let one_word = fit_text(&fonts.bold, &"Ữ".repeat(200), width, 1, 10.0, 8.0);
        assert_eq!(one_word.lines.len(), 1);
        assert!(fonts.bold.width(&one_word.lines[0], 8.0) <= width);
        assert!(
            fit_text(&fonts.bold, "   ", width, 2, 10.0, 8.0)
                .lines
                .is_empty()
        );

        let mut badges = demo_badges(2);
        badges[1].full_name = absurd;
        assert_eq!(page_count(&pdf(&badges)), 1);
    }

    /// Every text run lies inside its badge, left-column text stays clear of the QR code and
    /// its quiet zone, band text stays inside the band, and lines do not overlap.
    #[test]
    fn badges_layout_keeps_everything_inside() {
        let (_doc, fonts) = test_fonts();
        let header = Header::fit(
            &fonts,
            &BadgeSheet {
                congress_name: &CONGRESS.repeat(3),
                place_and_dates: &PLACE.repeat(3),
                badges: &[],
            },
        );
        let mut badges = demo_badges(PER_PAGE);
        badges[0].full_name = VERY_LONG_NAME.to_owned();
        badges[1].delegation = "Đảng bộ Khối Doanh nghiệp ".repeat(10);
        badges[2].code = "MÃ-RẤT-DÀI-".repeat(10);
        badges[2].group = "Tổ thảo luận số ".repeat(5);
        badges[3].sign_in_url = String::new();
        for (i, b) in badges.iter().enumerate() {
            let (bx, by) = badge_origin(i);
            let d = layout_badge(&fonts, &header, b, bx, by).expect("layout");
            let band = d.fills[0];
            let qr_box = d.qr.as_ref().map(|q| {
                let quiet = QR_QUIET_MODULES as f32 * q.module;
                let size = q.grid.width as f32 * q.module;
                assert!(
                    (QR_MIN_MM - 1e-3..=QR_MAX_MM + 1e-3).contains(&size),
                    "{size}"
                );
                (
                    q.x - quiet,
                    q.y_top - size - quiet,
                    q.x + size + quiet,
                    q.y_top + quiet,
                )
            });
            if let Some((x0, y0, x1, y1)) = qr_box {
                assert!(
                    x0 > bx && x1 < bx + BADGE_W && y0 > by && y1 <= band.y,
                    "qr {i}"
                );
            }
            let mut boxes: Vec<(f32, f32, f32, f32)> = Vec::new();
            for t in &d.texts {
                let top = t.y + ASCENT * t.size / PT_PER_MM;
                let bottom = t.y - DESCENT * t.size / PT_PER_MM;
                let (x0, x1) = (t.x, t.x + t.width);
                assert!(x0 >= bx + 1.0 && x1 <= bx + BADGE_W - 1.0, "{i}: {t:?}");
                assert!(
                    bottom >= by + 1.0 && top <= by + BADGE_H - 1.0,
                    "{i}: {t:?}"
                );
                let in_band = t.y > band.y;
                if in_band {
                    assert!(x0 >= band.x && x1 <= band.x + band.w, "{i}: {t:?}");
                    assert!(
                        bottom >= band.y && top <= band.y + band.h + 0.5,
                        "{i}: {t:?}"
                    );
                } else if let Some((qx0, qy0, qx1, qy1)) = qr_box {
                    let overlaps = x0 < qx1 && x1 > qx0 && bottom < qy1 && top > qy0;
                    assert!(!overlaps, "{i}: {t:?} overlaps the QR code");
                }
                for &(ox0, ob, ox1, ot) in &boxes {
                    let overlaps = x0 < ox1 && x1 > ox0 && bottom < ot - 0.05 && top > ob + 0.05;
                    assert!(!overlaps, "{i}: {t:?} overlaps another line");
                }
                boxes.push((x0, bottom, x1, top));
            }
            assert_eq!(d.qr.is_none(), i == 3);
        }
    }

    /// The QR code drawn in the PDF, read back from the content stream and rasterised, is the
    /// module matrix qrcode computes for the sign-in link.
    #[test]
    fn badges_qr_in_pdf_matches_the_qrcode_matrix() {
        let badges = demo_badges(3);
        let doc = lopdf::Document::load_mem(&pdf(&badges)).expect("parse");
        let (_, page) = doc.get_pages().into_iter().next().expect("page");
        let content = doc.get_page_content(page).expect("content");
        let ops = lopdf::content::Content::decode(&content)
            .expect("decode")
            .operations;
        let mut found = Vec::new();
        let mut i = 0;
        while i < ops.len() {
            let op = &ops[i];
            let scale = op
                .operands
                .first()
                .and_then(|o| o.as_float().ok())
                .unwrap_or(0.0);
            let d = op
                .operands
                .get(3)
                .and_then(|o| o.as_float().ok())
                .unwrap_or(0.0);
            if op.operator == "cm" && scale > 0.0 && d == -scale {
                let mut runs = Vec::new();
                i += 1;
                while ops[i].operator == "re" {
                    let v: Vec<i64> = ops[i]
                        .operands
                        .iter()
                        .map(|o| o.as_i64().expect("int"))
                        .collect();
                    runs.push(v);
                    i += 1;
                }
                assert_eq!(ops[i].operator, "f");
                found.push((scale, runs));
            }
            i += 1;
        }
        assert_eq!(found.len(), badges.len());
        for ((scale, runs), badge) in found.iter().zip(&badges) {
            let qr = QrCode::with_error_correction_level(badge.sign_in_url.as_bytes(), EcLevel::M)
                .expect("qr");
            let w = qr.width();
            let mut grid = vec![false; w * w];
            for r in runs {
                assert_eq!(r[3], 1);
                for x in r[0]..r[0] + r[2] {
                    let cell = &mut grid[r[1] as usize * w + x as usize];
                    assert!(!*cell, "runs overlap");
                    *cell = true;
                }
            }
            let want: Vec<bool> = qr
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            assert_eq!(grid, want, "QR of {}", badge.code);
            // Large enough to scan from a phone.
            let size_mm = *scale * w as f32 / PT_PER_MM;
            assert!(size_mm >= QR_MIN_MM - 0.01, "{size_mm} mm");
            // Merging runs keeps the stream small: far fewer rectangles than dark modules.
            assert!(runs.len() * 3 < want.iter().filter(|d| **d).count() * 2);
        }
    }

    #[test]
    fn badges_qr_too_long_is_an_error() {
        let mut badges = demo_badges(2);
        badges[1].sign_in_url = format!("https://example.vn/q/{}", "x".repeat(400));
        let sheet = BadgeSheet {
            congress_name: CONGRESS,
            place_and_dates: PLACE,
            badges: &badges,
        };
        match badges_pdf(&sheet) {
            Err(BadgeError::QrTooLong { code, len }) => {
                assert_eq!(code, "DB002");
                assert_eq!(len, badges[1].sign_in_url.len());
            }
            other => panic!("expected QrTooLong, got {:?}", other.map(|b| b.len())),
        }
        badges[1].sign_in_url = format!("https://example.vn/q/{}", "x".repeat(9000));
        let sheet = BadgeSheet {
            congress_name: CONGRESS,
            place_and_dates: PLACE,
            badges: &badges,
        };
        assert!(matches!(
            badges_pdf(&sheet),
            Err(BadgeError::QrTooLong { .. })
        ));
    }

    /// Each font file is embedded once, whatever the number of badges.
    #[test]
    fn badges_fonts_are_embedded_once() {
        let doc = lopdf::Document::load_mem(&pdf(&demo_badges(20))).expect("parse");
        let font_files = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.has(b"FontFile2"))
            .count();
        assert_eq!(font_files, 2);
    }

    #[test]
    fn badges_kind_labels_are_vietnamese() {
        assert_eq!(kind_label(DelegateKind::Official), "Đại biểu chính thức");
        assert_eq!(kind_label(DelegateKind::Alternate), "Đại biểu dự khuyết");
        assert_eq!(kind_label(DelegateKind::Invited), "Khách mời");
    }

    /// `cargo test -p daihoi-data badges_write_sample -- --ignored` writes
    /// `/tmp/badges-sample.pdf` (10 demo badges) and `/tmp/badges-empty.pdf` to look at, e.g.
    /// after `pdftoppm -png -r 60 /tmp/badges-sample.pdf /tmp/badges`.
    #[test]
    #[ignore = "writes /tmp/badges-sample.pdf for a human to look at"]
    fn badges_write_sample() {
        let path = std::env::temp_dir().join("badges-sample.pdf");
        std::fs::write(&path, pdf(&demo_badges(10))).expect("write");
        println!("wrote {}", path.display());
        let empty = std::env::temp_dir().join("badges-empty.pdf");
        std::fs::write(&empty, pdf(&[])).expect("write");
        println!("wrote {}", empty.display());
    }

    /// `cargo test --release -p daihoi-data badges_449 -- --ignored --nocapture`
    #[test]
    #[ignore = "timing and size; meaningful in release mode"]
    fn badges_449_time_and_size() {
        let badges = demo_badges(449);
        let start = std::time::Instant::now();
        let bytes = pdf(&badges);
        let elapsed = start.elapsed();
        println!("449 badges: {} bytes in {elapsed:?}", bytes.len());
        assert_eq!(page_count(&bytes), 57);
        // printpdf compresses the content streams only in release builds.
        if !cfg!(debug_assertions) {
            assert!(bytes.len() < 3_000_000);
        }
    }
}
