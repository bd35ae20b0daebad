//! Voting minutes (biên bản biểu quyết) as printable PDFs: one record per poll, and one summary
//! record per session.
//!
//! A pure function from a view model to PDF bytes. Every figure, time and outcome arrives
//! already counted, formatted and translated ([`PollMinutes`], [`MinutesLabels`]): this module
//! only lays text out. It does no counting and reads no clock.
//!
//! Layout: A4 portrait, margins of a Vietnamese administrative document (Decree 30/2020/NĐ-CP:
//! left 30 mm, right 15 mm, top 20 mm), DejaVu Serif (the embedded stand-in for Times New
//! Roman, with every precomposed Vietnamese letter):
//!
//! * first page: the two-column header, the issuing body on the left (lines before the last in
//!   regular type, the last one in bold, a short rule under it) and the motto on the right (bold,
//!   centred, the last line underlined), the place and date in italics centred under the motto;
//!   then the title in large bold capitals and the poll (or session) in bold, centred;
//! * numbered sections: general facts (congress, agenda item, method, times, then the base,
//!   eligible and voted figures and the quorum as given), the results, a note (void reason,
//!   hand count), the list of named votes;
//! * results: for fewer than [`COMPACT_FROM`] questions, a table per question (option, count,
//!   share of the base), the rule and the outcome in bold, kept on one page when short; from
//!   [`COMPACT_FROM`] questions on (batch polls), one compact table with a row per question (the
//!   options as columns when every question has the same ones, at most four);
//! * the signature blocks, kept together on one page;
//! * on every page a footer: the position and hash of the record in the event log, the verify
//!   hint and "Trang n/N".
//!
//! Decisions:
//!
//! * Everything wraps, nothing is cut: titles, questions and table cells wrap at word
//!   boundaries (a word wider than its column is broken); a table row taller than what is left
//!   of the page moves to the next page, and one taller than a whole page is split across
//!   pages. Tables repeat their header row on every page. Only the header lines of the first
//!   page (issuing body, motto, place and date) shrink and, in absurd cases, end in "…".
//! * Text is put in NFC and cleaned as on the badges (control characters become spaces, runs
//!   of white space collapse); a character the font lacks prints as "?". In `header_left`, a
//!   line break separates lines ("ĐẢNG BỘ TỈNH X\nBAN KIỂM PHIẾU").
//! * The outcome is printed in bold, dark green when the question passed and dark red when it
//!   did not (both read as black on a greyscale printer).
//! * The session record lists every poll with its facts and results but not the named votes:
//!   a line says they are in the poll's own record (1,600 names per poll would bury the summary).
//! * No CMYK colour profile is embedded (printpdf's default, 650 kB): a one-page record is
//!   under 100 kB, the three DejaVu Serif faces subset to the glyphs used.
//! * The page count is known before anything is drawn: the whole document is laid out first,
//!   then written.

use printpdf::lopdf::Object;
use printpdf::lopdf::content::Operation;
use printpdf::{
    CustomPdfConformance, Mm, PdfConformance, PdfDocument, PdfDocumentReference, PdfLayerReference,
};

use crate::badges::{BadgeError, Font, PT_PER_MM, ascii_fold, clean, fit_text, num, pt};

// ----- the view model ------------------------------------------------------------------------

macro_rules! labels {
    ($($(#[doc = $doc:literal])* $field:ident,)*) => {
        /// Every fixed string of the minutes, already in the reader's language. Built from the
        /// catalogue (`crates/data/i18n/*.toml`, keys `minutes.<field>`) with
        /// [`MinutesLabels::from_catalogue`].
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct MinutesLabels {
            $($(#[doc = $doc])* pub $field: String,)*
        }

        impl MinutesLabels {
            /// The catalogue key of every field, in field order.
            pub const KEYS: &'static [&'static str] =
                &[$(concat!("minutes.", stringify!($field)),)*];

            /// Every field looked up by its catalogue key (`minutes.<field>`), e.g.
            /// `MinutesLabels::from_catalogue(|key| catalogue.get(lang, key).to_owned())`.
            pub fn from_catalogue(mut get: impl FnMut(&str) -> String) -> Self {
                Self { $($field: get(concat!("minutes.", stringify!($field))),)* }
            }
        }
    };
}

labels! {
    /// Title of a poll's record: "BIÊN BẢN KẾT QUẢ BIỂU QUYẾT".
    title_poll,
    /// Title of a session's record: "BIÊN BẢN TỔNG HỢP KẾT QUẢ BIỂU QUYẾT".
    title_session,
    /// Section heading (numbered I, II, … by the layout): "THÔNG TIN CHUNG".
    section_general,
    /// Section heading: "KẾT QUẢ BIỂU QUYẾT".
    section_results,
    /// Section heading of the named votes: "DANH SÁCH BIỂU QUYẾT CỦA TỪNG ĐẠI BIỂU".
    section_named,
    /// Section heading of the session's summary table: "TỔNG HỢP KẾT QUẢ".
    section_summary,
    /// Section heading of the session's polls one by one: "KẾT QUẢ TỪNG CUỘC BIỂU QUYẾT".
    section_details,
    /// "Đại hội".
    congress,
    /// "Nội dung chương trình" (the agenda item).
    item,
    /// "Hình thức biểu quyết".
    mode,
    /// "Bắt đầu biểu quyết".
    opened_at,
    /// "Kết thúc biểu quyết".
    closed_at,
    /// Before the text of a lone question: "Nội dung biểu quyết".
    question,
    /// A question by number, `{n}`: "Câu {n}".
    question_no,
    /// Column: "TT" (ordinal).
    col_no,
    /// Column: "Phương án".
    col_option,
    /// Column: "Số phiếu".
    col_count,
    /// Column: "Tỉ lệ".
    col_percent,
    /// Column of the compact table: "Nội dung".
    col_question,
    /// Column of the compact table when the questions have different options: "Kết quả kiểm phiếu".
    col_votes,
    /// Column: "Kết quả".
    col_outcome,
    /// Column of the session summary: "Nội dung biểu quyết".
    col_poll,
    /// Column of the session summary: "Hình thức".
    col_mode,
    /// Column: "Họ và tên".
    col_name,
    /// Column: "Mã đại biểu".
    col_code,
    /// Column: "Lựa chọn".
    col_choice,
    /// Before the rule: "Điều kiện thông qua".
    rule,
    /// Before the outcome: "Kết quả".
    outcome,
    /// Before the status note: "Ghi chú".
    note,
    /// In the session record, for a named poll: the names are in the poll's own record.
    named_elsewhere,
    /// A session without polls: "Phiên họp không có cuộc biểu quyết nào."
    no_polls,
    /// Left signature: "THƯ KÝ ĐẠI HỘI".
    sign_left,
    /// Right signature: "TRƯỞNG BAN KIỂM PHIẾU".
    sign_right,
    /// Under each signature title: "(Ký, ghi rõ họ tên)".
    sign_hint,
    /// The event-log position, `{seq}` and `{hash}`: "Nhật ký sự kiện: số {seq}, mã băm SHA-256 {hash}".
    log,
    /// Page number, `{page}` and `{pages}`: "Trang {page}/{pages}".
    page,
}

/// The record of one poll. Every string is printed as given (after NFC and white-space
/// cleaning): figures are formatted and every word translated by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollMinutes {
    /// The congress, e.g. "Đại hội đại biểu Đảng bộ tỉnh X lần thứ XV, nhiệm kỳ 2025–2030".
    pub congress: String,
    /// The issuing body, top left; a line break separates lines, the last one is printed in
    /// bold ("ĐẢNG BỘ TỈNH X\nBAN KIỂM PHIẾU").
    pub header_left: String,
    /// The motto, top right, one entry a line: `["ĐẢNG CỘNG SẢN VIỆT NAM"]` or
    /// `["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]`.
    pub motto: Vec<String>,
    /// "Hà Nội, ngày 24 tháng 11 năm 2026" (printed in italics under the motto).
    pub place_date: String,
    /// The poll's title, printed under the record's title.
    pub title: String,
    /// The agenda item the poll belongs to, if any.
    pub item: Option<String>,
    /// The method, translated: "Biểu quyết công khai" / "Biểu quyết kín".
    pub mode: String,
    /// When voting opened, formatted in local time: "08:15:02 ngày 24/11/2026".
    pub opened_at: String,
    /// When voting closed, formatted in local time.
    pub closed_at: String,
    /// The base and what it is: "Tổng số đại biểu được triệu tập (B): 449".
    pub base: String,
    /// Who could vote, with its meaning: "Số đại biểu có mặt, có quyền biểu quyết: 430".
    pub eligible: String,
    /// Who voted, with its meaning: "Số đại biểu đã biểu quyết: 428".
    pub voted: String,
    /// One entry per question, in order; a batch poll has many.
    pub questions: Vec<QuestionMinutes>,
    /// The quorum and whether it was met, if the rules ask for one: "Đủ 2/3 tổng số đại biểu…".
    pub quorum: Option<String>,
    /// How each delegate voted, in the order to print; empty for secret polls.
    pub named: Vec<NamedVote>,
    /// A note on the poll's status: a void reason, or "counted by hand, entered by X,
    /// confirmed by Y".
    pub status_note: Option<String>,
    /// Sequence number, in the hash-chained event log, of the event this record rests on.
    pub log_seq: u64,
    /// Hash of that event (hex).
    pub log_hash: String,
    /// How to check the record against the log: "Kiểm tra: daihoi audit verify --data DIR".
    pub verify_hint: String,
}

/// One question of a poll and its result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuestionMinutes {
    /// The question; may be long (it wraps).
    pub text: String,
    /// One row per option, in order.
    pub rows: Vec<OptionRow>,
    /// The outcome, translated, printed in bold: "THÔNG QUA" / "KHÔNG THÔNG QUA".
    pub outcome: String,
    /// Whether the question passed (sets the outcome's colour).
    pub passed: bool,
    /// The rule applied, with its figures: "Hơn 1/2 của B = 449, tức ít nhất 225 phiếu tán thành".
    pub rule: String,
}

/// One option's line in a result table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OptionRow {
    /// "Tán thành".
    pub label: String,
    /// The formatted count: "235".
    pub count: String,
    /// The formatted share of the base: "52,34% của B".
    pub percent: String,
}

/// How one delegate voted in a named (open) poll.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedVote {
    /// "Nguyễn Văn An".
    pub name: String,
    /// Delegate code: "DB001".
    pub code: String,
    /// The chosen option's label for each question, in question order.
    pub choices: Vec<String>,
}

/// The summary record of one session: every poll of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionMinutes {
    /// As in [`PollMinutes::congress`].
    pub congress: String,
    /// As in [`PollMinutes::header_left`].
    pub header_left: String,
    /// As in [`PollMinutes::motto`].
    pub motto: Vec<String>,
    /// As in [`PollMinutes::place_date`].
    pub place_date: String,
    /// The session, printed under the title: "Phiên thứ hai, sáng ngày 24/11/2026".
    pub session: String,
    /// The polls, in order; their named votes are not printed here.
    pub polls: Vec<PollMinutes>,
    /// Sequence number of the last event of the session in the event log.
    pub log_seq: u64,
    /// Its hash (hex).
    pub log_hash: String,
    /// As in [`PollMinutes::verify_hint`].
    pub verify_hint: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MinutesError {
    /// An embedded DejaVu font could not be read.
    #[error("the minutes font could not be loaded: {0}")]
    Font(String),
    /// The PDF could not be written.
    #[error("the minutes PDF could not be written: {0}")]
    Pdf(String),
}

impl From<BadgeError> for MinutesError {
    fn from(e: BadgeError) -> Self {
        match e {
            BadgeError::Font(s) => MinutesError::Font(s),
            other => MinutesError::Pdf(other.to_string()),
        }
    }
}

/// From this many questions on, the results are one compact table with a row per question.
pub const COMPACT_FROM: usize = 4;

/// The record of one poll: A4 pages, see the module documentation.
pub fn poll_minutes_pdf(m: &PollMinutes, l: &MinutesLabels) -> Result<Vec<u8>, MinutesError> {
    let (doc, fonts) = new_document(&m.title)?;
    let footer = Footer::new(&fonts, l, m.log_seq, &m.log_hash, &m.verify_hint);
    let pages = layout_poll(&fonts, footer.height(), m, l);
    write_document(doc, &fonts, pages, &footer, l)
}

/// The summary record of one session: A4 pages, see the module documentation.
pub fn session_minutes_pdf(m: &SessionMinutes, l: &MinutesLabels) -> Result<Vec<u8>, MinutesError> {
    let (doc, fonts) = new_document(&m.session)?;
    let footer = Footer::new(&fonts, l, m.log_seq, &m.log_hash, &m.verify_hint);
    let pages = layout_session(&fonts, footer.height(), m, l);
    write_document(doc, &fonts, pages, &footer, l)
}

// ----- geometry (millimetres; PDF origin at the bottom left) ----------------------------------

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN_LEFT: f32 = 30.0;
const MARGIN_RIGHT: f32 = 15.0;
const MARGIN_TOP: f32 = 20.0;
const MARGIN_BOTTOM: f32 = 14.0;
const TEXT_W: f32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
/// Top of the text area.
const TOP: f32 = PAGE_H - MARGIN_TOP;
/// Width of the header's left column (issuing body); the motto takes the rest.
const HEADER_LEFT_W: f32 = 68.0;

/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;
/// Baseline below the top of its line box, as a multiple of the font size.
const BASELINE: f32 = 1.0;

const BODY_PT: f32 = 11.0;
const HEADER_PT: f32 = 11.0;
const TITLE_PT: f32 = 15.0;
const SUBTITLE_PT: f32 = 12.0;
const HEADING_PT: f32 = 11.0;
const TABLE_PT: f32 = 10.0;
const COMPACT_PT: f32 = 9.0;
const NAMED_PT: f32 = 9.0;
const FOOTER_PT: f32 = 7.0;
/// Cell padding across and down.
const PAD_X: f32 = 1.5;
const PAD_Y: f32 = 0.8;
/// A question with its table, rule and outcome is kept on one page up to this height.
const KEEP_TOGETHER: f32 = 90.0;
/// The question column of the compact table gets at least this.
const MIN_QUESTION_W: f32 = 48.0;
/// Space kept under a section heading before a page break is forced.
const HEADING_KEEP: f32 = 18.0;
/// Room left for signing under the signature titles.
const SIGN_SPACE: f32 = 26.0;
/// Gap between the content and the footer rule.
const FOOTER_GAP: f32 = 4.0;
/// The footer's right column (page number).
const FOOTER_PAGE_W: f32 = 28.0;

const LAYER_NAME: &str = "Minutes";

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(f32, f32, f32);

const INK: Rgb = Rgb(0.0, 0.0, 0.0);
const GREY: Rgb = Rgb(0.35, 0.35, 0.38);
const RULE_GREY: Rgb = Rgb(0.55, 0.55, 0.58);
const HEADER_FILL: Rgb = Rgb(0.9, 0.9, 0.9);
const PASSED: Rgb = Rgb(0.0, 0.38, 0.16);
const REJECTED: Rgb = Rgb(0.66, 0.04, 0.04);

fn outcome_colour(passed: bool) -> Rgb {
    if passed { PASSED } else { REJECTED }
}

/// Height of a line of text at `size` points, mm.
fn line_h(size: f32) -> f32 {
    size * LEADING / PT_PER_MM
}

/// Baseline of a line whose box starts at `top`, mm.
fn baseline(top: f32, size: f32) -> f32 {
    top - size * BASELINE / PT_PER_MM
}

/// "I", "II", … for section numbers.
fn roman(n: usize) -> String {
    const NUMERALS: [(usize, &str); 9] = [
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// `template` with each `{name}` replaced.
fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut s = template.to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

fn footer_text(l: &MinutesLabels, seq: u64, hash: &str) -> String {
    fill(
        &l.log,
        &[("seq", seq.to_string()), ("hash", hash.trim().to_owned())],
    )
}

// ----- fonts and rich text -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
    Italic,
}

struct Fonts {
    regular: Font,
    bold: Font,
    italic: Font,
}

impl Fonts {
    fn load(doc: &PdfDocumentReference) -> Result<Self, MinutesError> {
        Ok(Self {
            regular: Font::load(doc, dejavu::serif::regular())?,
            bold: Font::load(doc, dejavu::serif::bold())?,
            italic: Font::load(doc, dejavu::serif::italic())?,
        })
    }

    fn get(&self, face: Face) -> &Font {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
            Face::Italic => &self.italic,
        }
    }
}

/// A run of text in one face and colour; a paragraph is a list of spans, separated by spaces.
#[derive(Debug, Clone, PartialEq)]
struct Span {
    text: String,
    face: Face,
    colour: Rgb,
}

fn span(text: &str, face: Face) -> Span {
    Span {
        text: text.to_owned(),
        face,
        colour: INK,
    }
}

fn coloured(text: &str, face: Face, colour: Rgb) -> Span {
    Span {
        text: text.to_owned(),
        face,
        colour,
    }
}

/// "Label: " in bold followed by the value.
fn labelled(label: &str, value: &str) -> Vec<Span> {
    vec![
        span(&format!("{}:", clean(label)), Face::Bold),
        span(value, Face::Regular),
    ]
}

/// A piece of a laid-out line: text in one face, its offset from the line's start (mm).
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    text: String,
    face: Face,
    colour: Rgb,
    x: f32,
    width: f32,
}

/// A laid-out line and its width, mm.
#[derive(Debug, Clone, PartialEq, Default)]
struct Line {
    segments: Vec<Segment>,
    width: f32,
}

/// Wrap the spans into lines of at most `width_mm`: greedy at spaces, a word wider than a line
/// broken between characters. Nothing is dropped (characters the font lacks become "?").
fn wrap(fonts: &Fonts, spans: &[Span], size: f32, width_mm: f32) -> Vec<Line> {
    let max = pt(width_mm.max(1.0));
    let mut words: Vec<(String, Face, Rgb)> = Vec::new();
    for s in spans {
        let font = fonts.get(s.face);
        for w in font.printable(&clean(&s.text)).split_whitespace() {
            words.push((w.to_owned(), s.face, s.colour));
        }
    }
    let mut lines: Vec<Vec<(String, Face, Rgb)>> = Vec::new();
    let mut cur: Vec<(String, Face, Rgb)> = Vec::new();
    let mut cur_w = 0.0;
    for (word, face, colour) in words {
        let font = fonts.get(face);
        let w = font.width(&word, size);
        let space = cur
            .last()
            .map_or(0.0, |(_, f, _)| fonts.get(*f).width(" ", size));
        if !cur.is_empty() && (cur_w + space + w > max || w > max) {
            lines.push(std::mem::take(&mut cur));
            cur_w = 0.0;
        }
        if w > max {
            // A word wider than a line: on lines of its own, broken between characters.
            let mut piece = String::new();
            for ch in word.chars() {
                piece.push(ch);
                if font.width(&piece, size) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(vec![(std::mem::take(&mut piece), face, colour)]);
                    piece.push(ch);
                }
            }
            cur_w = font.width(&piece, size);
            cur.push((piece, face, colour));
        } else {
            cur_w += if cur.is_empty() { w } else { space + w };
            cur.push((word, face, colour));
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
        .into_iter()
        .map(|words| to_line(fonts, words, size))
        .collect()
}

/// Merge a line's words into segments of one face and colour and measure them.
fn to_line(fonts: &Fonts, words: Vec<(String, Face, Rgb)>, size: f32) -> Line {
    let mut merged: Vec<(String, Face, Rgb)> = Vec::new();
    for (word, face, colour) in words {
        match merged.last_mut() {
            Some((text, f, c)) if *f == face && *c == colour => {
                text.push(' ');
                text.push_str(&word);
            }
            Some((text, _, _)) => {
                // The space between two segments belongs to the first.
                text.push(' ');
                merged.push((word, face, colour));
            }
            None => merged.push((word, face, colour)),
        }
    }
    let mut x = 0.0;
    let mut segments = Vec::with_capacity(merged.len());
    let mut width = 0.0;
    for (text, face, colour) in merged {
        let w = fonts.get(face).width(&text, size) / PT_PER_MM;
        let visible = fonts.get(face).width(text.trim_end(), size) / PT_PER_MM;
        width = x + visible;
        segments.push(Segment {
            text,
            face,
            colour,
            x,
            width: w,
        });
        x += w;
    }
    Line { segments, width }
}

// ----- layout --------------------------------------------------------------------------------

/// Something drawn on a page, mm.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Text {
        text: String,
        face: Face,
        size: f32,
        /// Left end of the baseline.
        x: f32,
        y: f32,
        /// Measured width.
        width: f32,
        colour: Rgb,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        /// Line width, points.
        weight: f32,
        colour: Rgb,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Align {
    Left,
    Centre,
    Right,
}

/// A table column: width (mm) and alignment of its cells.
#[derive(Debug, Clone, Copy)]
struct Col {
    w: f32,
    align: Align,
}

/// A table cell: paragraphs, one under the other.
type Cell = Vec<Vec<Span>>;

fn cell(text: &str, face: Face) -> Cell {
    vec![vec![span(text, face)]]
}

/// Columns: the fixed widths given, and the `flex` one taking the rest of the text width.
fn columns(fixed: &[(f32, Align)], flex: usize) -> Vec<Col> {
    let used: f32 = fixed
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != flex)
        .map(|(_, (w, _))| *w)
        .sum();
    fixed
        .iter()
        .enumerate()
        .map(|(i, (w, align))| Col {
            w: if i == flex {
                (TEXT_W - used).max(20.0)
            } else {
                *w
            },
            align: *align,
        })
        .collect()
}

/// Lays the document out page by page, top to bottom.
struct Writer<'a> {
    fonts: &'a Fonts,
    pages: Vec<Vec<Item>>,
    /// Top of the next line box.
    y: f32,
    /// Lowest point content may reach (above the footer).
    bottom: f32,
    /// Sections numbered so far.
    sections: usize,
}

impl<'a> Writer<'a> {
    fn new(fonts: &'a Fonts, footer_h: f32) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            bottom: MARGIN_BOTTOM + footer_h + FOOTER_GAP,
            sections: 0,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn at_page_top(&self) -> bool {
        (self.y - TOP).abs() < 1e-3
    }

    /// Start a new page unless `h` mm are left on this one.
    fn ensure(&mut self, h: f32) {
        if self.y - h < self.bottom && !self.at_page_top() {
            self.new_page();
        }
    }

    fn gap(&mut self, h: f32) {
        if !self.at_page_top() {
            self.y -= h;
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// Draw a laid-out line with its box top at `top`, aligned in (x, w).
    fn emit(&mut self, line: &Line, size: f32, x: f32, w: f32, align: Align, top: f32) {
        let x0 = match align {
            Align::Left => x,
            Align::Centre => x + (w - line.width) / 2.0,
            Align::Right => x + w - line.width,
        };
        let y = baseline(top, size);
        for s in &line.segments {
            self.push(Item::Text {
                text: s.text.clone(),
                face: s.face,
                size,
                x: x0 + s.x,
                y,
                width: s.width,
                colour: s.colour,
            });
        }
    }

    /// A paragraph wrapped into (x, w), breaking pages between lines.
    fn para(&mut self, spans: &[Span], size: f32, x: f32, w: f32, align: Align) {
        let h = line_h(size);
        for line in wrap(self.fonts, spans, size, w) {
            self.ensure(h);
            let top = self.y;
            self.emit(&line, size, x, w, align, top);
            self.y -= h;
        }
    }

    /// A full-width paragraph.
    fn text(&mut self, spans: &[Span], size: f32, align: Align) {
        self.para(spans, size, MARGIN_LEFT, TEXT_W, align);
    }

    /// A paragraph after a dash, its other lines indented under its first.
    fn bullet(&mut self, spans: &[Span]) {
        const INDENT: f32 = 5.0;
        let lines = wrap(self.fonts, spans, BODY_PT, TEXT_W - INDENT);
        if lines.is_empty() {
            return;
        }
        let h = line_h(BODY_PT);
        self.ensure(h);
        let dash = wrap(self.fonts, &[span("-", Face::Regular)], BODY_PT, INDENT);
        if let Some(dash) = dash.first() {
            let top = self.y;
            self.emit(dash, BODY_PT, MARGIN_LEFT + 1.0, INDENT, Align::Left, top);
        }
        for line in lines {
            self.ensure(h);
            let top = self.y;
            self.emit(
                &line,
                BODY_PT,
                MARGIN_LEFT + INDENT,
                TEXT_W - INDENT,
                Align::Left,
                top,
            );
            self.y -= h;
        }
    }

    /// "II. KẾT QUẢ BIỂU QUYẾT", kept with what follows.
    fn section(&mut self, heading: &str) {
        self.sections += 1;
        self.gap(3.0);
        self.ensure(HEADING_KEEP);
        let text = format!("{}. {}", roman(self.sections), clean(heading));
        self.text(&[span(&text, Face::Bold)], HEADING_PT, Align::Left);
        self.gap(1.0);
    }

    /// A bold sub-heading kept with what follows.
    fn subheading(&mut self, spans: &[Span]) {
        self.gap(2.0);
        self.ensure(HEADING_KEEP);
        self.text(spans, BODY_PT, Align::Left);
    }

    /// The two-column header, the place and date, on the first page.
    fn doc_header(&mut self, header_left: &str, motto: &[String], place_date: &str) {
        let top = self.y;
        let right_x = MARGIN_LEFT + HEADER_LEFT_W;
        let right_w = TEXT_W - HEADER_LEFT_W;

        // Left: the issuing body; the last line (the body itself) in bold, a short rule under it.
        let body: Vec<String> = header_left
            .split('\n')
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect();
        let mut y = top;
        let mut widest: f32 = 0.0;
        for (i, text) in body.iter().enumerate() {
            let face = if i + 1 == body.len() {
                Face::Bold
            } else {
                Face::Regular
            };
            widest = widest.max(self.fitted(
                text,
                face,
                HEADER_PT,
                HEADER_LEFT_W,
                2,
                MARGIN_LEFT,
                &mut y,
            ));
        }
        if !body.is_empty() {
            let w = (widest / 3.0).clamp(12.0, HEADER_LEFT_W);
            let cx = MARGIN_LEFT + HEADER_LEFT_W / 2.0;
            let ry = y - 0.8;
            self.push(Item::Rule {
                x1: cx - w / 2.0,
                y1: ry,
                x2: cx + w / 2.0,
                y2: ry,
                weight: 0.6,
                colour: INK,
            });
            y = ry - 1.0;
        }
        let left_bottom = y;

        // Right: the motto, bold and centred; the last line underlined over its width.
        let mut y = top;
        let mut last_width: f32 = 0.0;
        let motto: Vec<String> = motto
            .iter()
            .map(|s| clean(s))
            .filter(|s| !s.is_empty())
            .collect();
        for text in &motto {
            last_width = self.fitted(text, Face::Bold, HEADER_PT, right_w, 2, right_x, &mut y);
        }
        if !motto.is_empty() {
            let cx = right_x + right_w / 2.0;
            let ry = y - 0.6;
            self.push(Item::Rule {
                x1: cx - last_width / 2.0,
                y1: ry,
                x2: cx + last_width / 2.0,
                y2: ry,
                weight: 0.6,
                colour: INK,
            });
            y = ry - 1.0;
        }
        let place = clean(place_date);
        if !place.is_empty() {
            y -= 3.0;
            self.fitted(&place, Face::Italic, HEADER_PT, right_w, 2, right_x, &mut y);
        }
        self.y = left_bottom.min(y) - 8.0;
    }

    /// One header line fitted (shrunk, then cut) into `max_lines` lines centred in (x, w);
    /// moves `y` down; returns the widest line's width.
    #[allow(clippy::too_many_arguments)]
    fn fitted(
        &mut self,
        text: &str,
        face: Face,
        size: f32,
        w: f32,
        max_lines: usize,
        x: f32,
        y: &mut f32,
    ) -> f32 {
        let font = self.fonts.get(face);
        let fit = fit_text(font, text, pt(w), max_lines, size, size - 2.5);
        let mut widest: f32 = 0.0;
        for line in &fit.lines {
            let width = font.width(line, fit.size) / PT_PER_MM;
            widest = widest.max(width);
            self.push(Item::Text {
                text: line.clone(),
                face,
                size: fit.size,
                x: x + (w - width) / 2.0,
                y: baseline(*y, fit.size),
                width,
                colour: INK,
            });
            *y -= line_h(fit.size);
        }
        widest
    }

    /// The record's title and what it is about, centred.
    fn title(&mut self, title: &str, subtitle: &str) {
        self.text(&[span(title, Face::Bold)], TITLE_PT, Align::Centre);
        self.gap(1.0);
        self.text(&[span(subtitle, Face::Bold)], SUBTITLE_PT, Align::Centre);
        self.gap(5.0);
    }

    /// A table with a header row repeated on every page it spans.
    fn table(&mut self, cols: &[Col], header: &[Cell], rows: &[Vec<Cell>], size: f32) {
        let lh = line_h(size);
        let header_lines = self.wrap_row(cols, header, size);
        let header_n = header_lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let header_h = header_n as f32 * lh + 2.0 * PAD_Y;
        let fresh = ((TOP - self.bottom - header_h - 2.0 * PAD_Y) / lh)
            .floor()
            .max(1.0) as usize;

        let first = rows
            .first()
            .map_or(1, |r| {
                self.wrap_row(cols, r, size)
                    .iter()
                    .map(Vec::len)
                    .max()
                    .unwrap_or(1)
            })
            .clamp(1, 3);
        self.ensure(header_h + first as f32 * lh + 2.0 * PAD_Y);
        self.table_header(cols, &header_lines, header_n, size);

        for row in rows {
            let lines = self.wrap_row(cols, row, size);
            let n = lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
            let mut done = 0;
            loop {
                let remaining = n - done;
                let room = ((self.y - self.bottom - 2.0 * PAD_Y) / lh + 1e-3).floor();
                let avail = room.max(0.0) as usize;
                if remaining <= avail {
                    self.segment(cols, &lines, done, n, n, size, None, done == 0);
                    break;
                }
                let header_only = (self.y - (TOP - header_h)).abs() < 1e-3;
                if done == 0 && remaining <= fresh && !header_only {
                    self.table_page(cols, &header_lines, header_n, size);
                    continue;
                }
                // Taller than a page: split it, at least one line per page.
                let take = if header_only { avail.max(1) } else { avail };
                if take > 0 {
                    self.segment(cols, &lines, done, done + take, take, size, None, false);
                    done += take;
                }
                if done < n {
                    self.table_page(cols, &header_lines, header_n, size);
                }
            }
        }
    }

    /// Height of a paragraph wrapped into `w`, mm.
    fn para_height(&self, spans: &[Span], size: f32, w: f32) -> f32 {
        wrap(self.fonts, spans, size, w).len() as f32 * line_h(size)
    }

    /// Height of a table laid out on one page, mm.
    fn table_height(&self, cols: &[Col], header: &[Cell], rows: &[Vec<Cell>], size: f32) -> f32 {
        std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .map(|r| {
                let n = self
                    .wrap_row(cols, r, size)
                    .iter()
                    .map(Vec::len)
                    .max()
                    .unwrap_or(0)
                    .max(1);
                n as f32 * line_h(size) + 2.0 * PAD_Y
            })
            .sum()
    }

    /// The width (mm, with padding, within `min..=max`) that shows each paragraph of the cells
    /// on one line; with `words`, only each word.
    fn natural_width(&self, cells: &[&Cell], size: f32, words: bool, min: f32, max: f32) -> f32 {
        let mut widest: f32 = 0.0;
        for para in cells.iter().flat_map(|c| c.iter()) {
            if words {
                for s in para {
                    let font = self.fonts.get(s.face);
                    for word in clean(&s.text).split_whitespace() {
                        widest = widest.max(font.width(word, size) / PT_PER_MM);
                    }
                }
            } else if let Some(line) = wrap(self.fonts, para, size, PAGE_W).first() {
                widest = widest.max(line.width);
            }
        }
        (widest + 2.0 * PAD_X + 0.3).clamp(min, max)
    }

    fn table_page(&mut self, cols: &[Col], header: &[Vec<Line>], n: usize, size: f32) {
        self.new_page();
        self.table_header(cols, header, n, size);
    }

    /// The header row: shaded, every cell centred.
    fn table_header(&mut self, cols: &[Col], header: &[Vec<Line>], n: usize, size: f32) {
        let centred: Vec<Col> = cols
            .iter()
            .map(|c| Col {
                w: c.w,
                align: Align::Centre,
            })
            .collect();
        self.segment(&centred, header, 0, n, n, size, Some(HEADER_FILL), true);
    }

    fn wrap_row(&self, cols: &[Col], cells: &[Cell], size: f32) -> Vec<Vec<Line>> {
        cols.iter()
            .enumerate()
            .map(|(i, col)| {
                cells.get(i).map_or_else(Vec::new, |paras| {
                    paras
                        .iter()
                        .flat_map(|p| wrap(self.fonts, p, size, col.w - 2.0 * PAD_X))
                        .collect()
                })
            })
            .collect()
    }

    /// Lines `from..to` of every cell as one row of `n` lines with its borders; centred
    /// vertically when `centre`.
    #[allow(clippy::too_many_arguments)]
    fn segment(
        &mut self,
        cols: &[Col],
        cells: &[Vec<Line>],
        from: usize,
        to: usize,
        n: usize,
        size: f32,
        fill: Option<Rgb>,
        centre: bool,
    ) {
        let lh = line_h(size);
        let top = self.y;
        let h = n as f32 * lh + 2.0 * PAD_Y;
        let bottom = top - h;
        let width: f32 = cols.iter().map(|c| c.w).sum();
        if let Some(colour) = fill {
            self.push(Item::Fill {
                x: MARGIN_LEFT,
                y: bottom,
                w: width,
                h,
                colour,
            });
        }
        let mut x = MARGIN_LEFT;
        for (col, lines) in cols.iter().zip(cells) {
            let shown: Vec<&Line> = lines
                .iter()
                .skip(from)
                .take(to.saturating_sub(from))
                .collect();
            let offset = if centre {
                (n - shown.len().min(n)) as f32 * lh / 2.0
            } else {
                0.0
            };
            for (i, line) in shown.into_iter().enumerate() {
                let line_top = top - PAD_Y - offset - i as f32 * lh;
                self.emit(
                    line,
                    size,
                    x + PAD_X,
                    col.w - 2.0 * PAD_X,
                    col.align,
                    line_top,
                );
            }
            x += col.w;
        }
        let rule = |x1, y1, x2, y2| Item::Rule {
            x1,
            y1,
            x2,
            y2,
            weight: 0.5,
            colour: INK,
        };
        self.push(rule(MARGIN_LEFT, top, MARGIN_LEFT + width, top));
        self.push(rule(MARGIN_LEFT, bottom, MARGIN_LEFT + width, bottom));
        let mut x = MARGIN_LEFT;
        self.push(rule(x, top, x, bottom));
        for col in cols {
            x += col.w;
            self.push(rule(x, top, x, bottom));
        }
        self.y = bottom;
    }

    /// The two signature blocks, kept together.
    fn signatures(&mut self, l: &MinutesLabels) {
        let half = TEXT_W / 2.0;
        let blocks = [
            (&l.sign_left, MARGIN_LEFT),
            (&l.sign_right, MARGIN_LEFT + half),
        ];
        let laid: Vec<(Vec<Line>, Vec<Line>, f32)> = blocks
            .iter()
            .map(|(title, x)| {
                (
                    wrap(self.fonts, &[span(title, Face::Bold)], BODY_PT, half - 4.0),
                    wrap(
                        self.fonts,
                        &[span(&l.sign_hint, Face::Italic)],
                        BODY_PT,
                        half - 4.0,
                    ),
                    *x,
                )
            })
            .collect();
        let lines = laid
            .iter()
            .map(|(a, b, _)| a.len() + b.len())
            .max()
            .unwrap_or(0);
        let lh = line_h(BODY_PT);
        self.gap(8.0);
        self.ensure(lines as f32 * lh + SIGN_SPACE);
        let top = self.y;
        for (title, hint, x) in &laid {
            let mut y = top;
            for line in title.iter().chain(hint) {
                self.emit(line, BODY_PT, *x + 2.0, half - 4.0, Align::Centre, y);
                y -= lh;
            }
        }
        self.y = top - lines as f32 * lh - SIGN_SPACE;
    }
}

// ----- the records ---------------------------------------------------------------------------

fn layout_poll(fonts: &Fonts, footer_h: f32, m: &PollMinutes, l: &MinutesLabels) -> Vec<Vec<Item>> {
    let mut w = Writer::new(fonts, footer_h);
    w.doc_header(&m.header_left, &m.motto, &m.place_date);
    w.title(&l.title_poll, &m.title);

    w.section(&l.section_general);
    w.bullet(&labelled(&l.congress, &m.congress));
    poll_facts(&mut w, m, l);

    w.section(&l.section_results);
    results(&mut w, &m.questions, l);
    if let Some(note) = non_empty(m.status_note.as_deref()) {
        w.gap(2.0);
        w.text(
            &[
                span(&format!("{}:", clean(&l.note)), Face::Bold),
                span(note, Face::Italic),
            ],
            BODY_PT,
            Align::Left,
        );
    }

    if !m.named.is_empty() {
        w.section(&l.section_named);
        named_table(&mut w, m, l);
    }
    w.signatures(l);
    w.pages
}

fn layout_session(
    fonts: &Fonts,
    footer_h: f32,
    m: &SessionMinutes,
    l: &MinutesLabels,
) -> Vec<Vec<Item>> {
    let mut w = Writer::new(fonts, footer_h);
    w.doc_header(&m.header_left, &m.motto, &m.place_date);
    w.title(&l.title_session, &m.session);

    w.section(&l.section_general);
    w.bullet(&labelled(&l.congress, &m.congress));

    w.section(&l.section_summary);
    if m.polls.is_empty() {
        w.text(&[span(&l.no_polls, Face::Italic)], BODY_PT, Align::Left);
    } else {
        summary_table(&mut w, m, l);
        w.section(&l.section_details);
        for (i, p) in m.polls.iter().enumerate() {
            if i > 0 {
                w.gap(3.0);
            }
            w.subheading(&[span(&format!("{}. {}", i + 1, clean(&p.title)), Face::Bold)]);
            poll_facts(&mut w, p, l);
            w.gap(1.5);
            results(&mut w, &p.questions, l);
            if let Some(note) = non_empty(p.status_note.as_deref()) {
                w.gap(1.5);
                w.text(
                    &[
                        span(&format!("{}:", clean(&l.note)), Face::Bold),
                        span(note, Face::Italic),
                    ],
                    BODY_PT,
                    Align::Left,
                );
            }
            if !p.named.is_empty() {
                w.text(
                    &[span(&l.named_elsewhere, Face::Italic)],
                    BODY_PT,
                    Align::Left,
                );
            }
            w.gap(1.0);
            w.text(
                &[coloured(
                    &footer_text(l, p.log_seq, &p.log_hash),
                    Face::Italic,
                    GREY,
                )],
                FOOTER_PT,
                Align::Left,
            );
        }
    }
    w.signatures(l);
    w.pages
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

/// Agenda item, method, times and the figures, as dashed lines.
fn poll_facts(w: &mut Writer<'_>, m: &PollMinutes, l: &MinutesLabels) {
    if let Some(item) = non_empty(m.item.as_deref()) {
        w.bullet(&labelled(&l.item, item));
    }
    w.bullet(&labelled(&l.mode, &m.mode));
    w.bullet(&labelled(&l.opened_at, &m.opened_at));
    w.bullet(&labelled(&l.closed_at, &m.closed_at));
    for figure in [
        Some(m.base.as_str()),
        Some(m.eligible.as_str()),
        Some(m.voted.as_str()),
    ]
    .into_iter()
    .chain([m.quorum.as_deref()])
    {
        if let Some(f) = non_empty(figure) {
            w.bullet(&[span(f, Face::Regular)]);
        }
    }
}

/// One table per question, or one compact table for a batch.
fn results(w: &mut Writer<'_>, questions: &[QuestionMinutes], l: &MinutesLabels) {
    if questions.len() >= COMPACT_FROM {
        compact_table(w, questions, l);
        return;
    }
    let many = questions.len() > 1;
    for (i, q) in questions.iter().enumerate() {
        if i > 0 {
            w.gap(3.0);
        }
        let label = if many {
            fill(&l.question_no, &[("n", (i + 1).to_string())])
        } else {
            l.question.clone()
        };
        let cols = columns(
            &[
                (12.0, Align::Centre),
                (0.0, Align::Left),
                (28.0, Align::Right),
                (42.0, Align::Right),
            ],
            1,
        );
        let header =
            [&l.col_no, &l.col_option, &l.col_count, &l.col_percent].map(|h| cell(h, Face::Bold));
        let rows: Vec<Vec<Cell>> = q
            .rows
            .iter()
            .enumerate()
            .map(|(j, r)| {
                vec![
                    cell(&(j + 1).to_string(), Face::Regular),
                    cell(&r.label, Face::Regular),
                    cell(&r.count, Face::Regular),
                    cell(&r.percent, Face::Regular),
                ]
            })
            .collect();
        let rule = [
            span(&format!("{}:", clean(&l.rule)), Face::Regular),
            span(&q.rule, Face::Italic),
        ];
        let outcome = [
            span(&format!("{}:", clean(&l.outcome)), Face::Bold),
            coloured(&q.outcome, Face::Bold, outcome_colour(q.passed)),
        ];
        let question = labelled(&label, &q.text);
        // The question, its table, rule and outcome on one page when they fit in a third of it.
        let together = w.para_height(&question, BODY_PT, TEXT_W)
            + w.table_height(&cols, &header, &rows, TABLE_PT)
            + w.para_height(&rule, BODY_PT, TEXT_W)
            + w.para_height(&outcome, SUBTITLE_PT, TEXT_W)
            + 3.0;
        w.ensure(if together <= KEEP_TOGETHER {
            together
        } else {
            HEADING_KEEP
        });
        w.text(&question, BODY_PT, Align::Left);
        w.gap(1.5);
        w.table(&cols, &header, &rows, TABLE_PT);
        w.gap(1.5);
        if !q.rule.trim().is_empty() {
            w.text(&rule, BODY_PT, Align::Left);
        }
        w.text(&outcome, SUBTITLE_PT, Align::Left);
    }
}

/// A batch poll: one row per question; the options as columns when every question has the
/// same ones (at most four), else listed in one column.
fn compact_table(w: &mut Writer<'_>, questions: &[QuestionMinutes], l: &MinutesLabels) {
    let labels_of =
        |q: &QuestionMinutes| q.rows.iter().map(|r| clean(&r.label)).collect::<Vec<_>>();
    let first = questions.first().map(labels_of).unwrap_or_default();
    let shared =
        !first.is_empty() && first.len() <= 4 && questions.iter().all(|q| labels_of(q) == first);
    let first_rule = questions
        .first()
        .map(|q| q.rule.as_str())
        .unwrap_or_default();
    let same_rule = questions
        .iter()
        .all(|q| clean(&q.rule) == clean(first_rule));

    let mut spec = vec![(10.0, Align::Centre), (0.0, Align::Left)];
    let mut header = vec![
        cell(&l.col_no, Face::Bold),
        cell(&l.col_question, Face::Bold),
    ];
    let outcomes: Vec<Cell> = questions
        .iter()
        .map(|q| cell(&q.outcome, Face::Bold))
        .collect();
    let outcome_w = w.natural_width(
        &outcomes.iter().collect::<Vec<_>>(),
        COMPACT_PT,
        false,
        20.0,
        28.0,
    );
    if shared {
        // Wide enough for the figures on one line and the options' words, narrower if the
        // question would get too little.
        let figures: Vec<Cell> = questions
            .iter()
            .flat_map(|q| &q.rows)
            .map(|r| {
                vec![
                    vec![span(&r.count, Face::Bold)],
                    vec![span(&r.percent, Face::Regular)],
                ]
            })
            .collect();
        let labels: Vec<Cell> = first.iter().map(|label| cell(label, Face::Bold)).collect();
        let figures_w = w.natural_width(
            &figures.iter().collect::<Vec<_>>(),
            COMPACT_PT,
            false,
            16.0,
            30.0,
        );
        let labels_w = w.natural_width(
            &labels.iter().collect::<Vec<_>>(),
            COMPACT_PT,
            true,
            16.0,
            30.0,
        );
        let room = (TEXT_W - 10.0 - outcome_w - MIN_QUESTION_W) / first.len() as f32;
        let option_w = figures_w.max(labels_w).min(room.max(14.0));
        for label in labels {
            spec.push((option_w, Align::Centre));
            header.push(label);
        }
    } else {
        spec.push((52.0, Align::Left));
        header.push(cell(&l.col_votes, Face::Bold));
    }
    spec.push((outcome_w, Align::Centre));
    header.push(cell(&l.col_outcome, Face::Bold));
    let cols = columns(&spec, 1);

    let rows: Vec<Vec<Cell>> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut text = vec![vec![span(&q.text, Face::Regular)]];
            if !same_rule && !q.rule.trim().is_empty() {
                text.push(vec![coloured(&q.rule, Face::Italic, GREY)]);
            }
            let mut row = vec![cell(&(i + 1).to_string(), Face::Regular), text];
            if shared {
                for r in &q.rows {
                    row.push(vec![
                        vec![span(&r.count, Face::Bold)],
                        vec![span(&r.percent, Face::Regular)],
                    ]);
                }
            } else {
                row.push(
                    q.rows
                        .iter()
                        .map(|r| {
                            vec![
                                span(&format!("{}:", clean(&r.label)), Face::Regular),
                                span(&r.count, Face::Bold),
                                span(&format!("({})", clean(&r.percent)), Face::Regular),
                            ]
                        })
                        .collect(),
                );
            }
            row.push(vec![vec![coloured(
                &q.outcome,
                Face::Bold,
                outcome_colour(q.passed),
            )]]);
            row
        })
        .collect();
    w.table(&cols, &header, &rows, COMPACT_PT);
    if same_rule && !first_rule.trim().is_empty() {
        w.gap(1.5);
        w.text(
            &[
                span(&format!("{}:", clean(&l.rule)), Face::Regular),
                span(first_rule, Face::Italic),
            ],
            BODY_PT,
            Align::Left,
        );
    }
}

/// How each delegate voted: a column per question for up to three, else one column.
fn named_table(w: &mut Writer<'_>, m: &PollMinutes, l: &MinutesLabels) {
    let n_questions = m
        .named
        .iter()
        .map(|v| v.choices.len())
        .max()
        .unwrap_or(0)
        .max(m.questions.len())
        .max(1);
    let per_column = n_questions <= 3;
    let mut spec = vec![
        (13.0, Align::Right),
        (0.0, Align::Left),
        (26.0, Align::Left),
    ];
    let mut header = vec![
        cell(&l.col_no, Face::Bold),
        cell(&l.col_name, Face::Bold),
        cell(&l.col_code, Face::Bold),
    ];
    if per_column && n_questions > 1 {
        for i in 0..n_questions {
            spec.push((30.0, Align::Left));
            header.push(cell(
                &fill(&l.question_no, &[("n", (i + 1).to_string())]),
                Face::Bold,
            ));
        }
    } else {
        spec.push((if per_column { 40.0 } else { 70.0 }, Align::Left));
        header.push(cell(&l.col_choice, Face::Bold));
    }
    let cols = columns(&spec, 1);
    let rows: Vec<Vec<Cell>> = m
        .named
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut row = vec![
                cell(&(i + 1).to_string(), Face::Regular),
                cell(&v.name, Face::Regular),
                cell(&v.code, Face::Regular),
            ];
            if per_column {
                for q in 0..n_questions.max(1) {
                    row.push(cell(
                        v.choices.get(q).map_or("", String::as_str),
                        Face::Regular,
                    ));
                }
            } else {
                let joined = v
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(q, c)| format!("{}. {};", q + 1, clean(c)))
                    .collect::<Vec<_>>()
                    .join(" ");
                row.push(cell(joined.trim_end_matches(';'), Face::Regular));
            }
            row
        })
        .collect();
    w.table(&cols, &header, &rows, NAMED_PT);
}

/// The session's polls in one table: title and agenda item, method, outcomes.
fn summary_table(w: &mut Writer<'_>, m: &SessionMinutes, l: &MinutesLabels) {
    let header = [&l.col_no, &l.col_poll, &l.col_mode, &l.col_outcome].map(|h| cell(h, Face::Bold));
    let outcomes: Vec<Cell> = m
        .polls
        .iter()
        .map(|p| {
            let many = p.questions.len() > 1;
            p.questions
                .iter()
                .enumerate()
                .map(|(j, q)| {
                    let mut para = Vec::new();
                    if many {
                        para.push(span(
                            &format!("{}:", fill(&l.question_no, &[("n", (j + 1).to_string())])),
                            Face::Regular,
                        ));
                    }
                    para.push(coloured(&q.outcome, Face::Bold, outcome_colour(q.passed)));
                    para
                })
                .collect()
        })
        .collect();
    let modes: Vec<Cell> = m
        .polls
        .iter()
        .map(|p| cell(&p.mode, Face::Regular))
        .collect();
    let outcome_w = w.natural_width(
        &outcomes.iter().collect::<Vec<_>>(),
        TABLE_PT,
        false,
        28.0,
        62.0,
    );
    let mode_w = w.natural_width(
        &modes.iter().collect::<Vec<_>>(),
        TABLE_PT,
        false,
        24.0,
        36.0,
    );
    let cols = columns(
        &[
            (10.0, Align::Centre),
            (0.0, Align::Left),
            (mode_w, Align::Left),
            (outcome_w, Align::Left),
        ],
        1,
    );
    let rows: Vec<Vec<Cell>> = m
        .polls
        .iter()
        .zip(outcomes.into_iter().zip(modes))
        .enumerate()
        .map(|(i, (p, (mut outcome, mode)))| {
            let mut what = vec![vec![span(&p.title, Face::Bold)]];
            if let Some(item) = non_empty(p.item.as_deref()) {
                what.push(vec![coloured(item, Face::Italic, GREY)]);
            }
            if let Some(note) = non_empty(p.status_note.as_deref()) {
                outcome.push(vec![coloured(note, Face::Italic, GREY)]);
            }
            vec![
                cell(&(i + 1).to_string(), Face::Regular),
                what,
                mode,
                outcome,
            ]
        })
        .collect();
    w.table(&cols, &header, &rows, TABLE_PT);
}

// ----- footer and writing --------------------------------------------------------------------

/// The footer of every page: a rule, the log position and hash, the verify hint and the page.
struct Footer {
    log: Vec<Line>,
    hint: Vec<Line>,
}

impl Footer {
    fn new(fonts: &Fonts, l: &MinutesLabels, seq: u64, hash: &str, hint: &str) -> Self {
        let log = footer_text(l, seq, hash);
        Self {
            log: wrap(fonts, &[span(&log, Face::Regular)], FOOTER_PT, TEXT_W),
            hint: wrap(
                fonts,
                &[span(hint, Face::Italic)],
                FOOTER_PT,
                TEXT_W - FOOTER_PAGE_W,
            ),
        }
    }

    /// Height above the bottom margin, mm.
    fn height(&self) -> f32 {
        (self.log.len() + self.hint.len().max(1)) as f32 * line_h(FOOTER_PT) + 1.5
    }

    fn items(&self, fonts: &Fonts, l: &MinutesLabels, page: usize, pages: usize) -> Vec<Item> {
        let lh = line_h(FOOTER_PT);
        let mut w = Writer::new(fonts, 0.0);
        w.pages = vec![Vec::new()];
        let top = MARGIN_BOTTOM + self.height();
        w.push(Item::Rule {
            x1: MARGIN_LEFT,
            y1: top,
            x2: MARGIN_LEFT + TEXT_W,
            y2: top,
            weight: 0.4,
            colour: RULE_GREY,
        });
        let mut y = top - 1.5;
        for line in &self.log {
            w.emit(line, FOOTER_PT, MARGIN_LEFT, TEXT_W, Align::Left, y);
            y -= lh;
        }
        let page_text = fill(
            &l.page,
            &[("page", page.to_string()), ("pages", pages.to_string())],
        );
        let page_line = wrap(
            fonts,
            &[span(&page_text, Face::Bold)],
            FOOTER_PT,
            FOOTER_PAGE_W,
        );
        if let Some(p) = page_line.first() {
            w.emit(
                p,
                FOOTER_PT,
                MARGIN_LEFT + TEXT_W - FOOTER_PAGE_W,
                FOOTER_PAGE_W,
                Align::Right,
                y,
            );
        }
        for line in &self.hint {
            w.emit(
                line,
                FOOTER_PT,
                MARGIN_LEFT,
                TEXT_W - FOOTER_PAGE_W,
                Align::Left,
                y,
            );
            y -= lh;
        }
        w.pages.into_iter().flatten().collect()
    }
}

fn new_document(title: &str) -> Result<(PdfDocumentReference, Fonts), MinutesError> {
    let title = format!("Bien ban - {}", ascii_fold(&clean(title)));
    // No print-shop colour profile (a 650 kB CMYK ICC profile that printpdf embeds by default):
    // these records are read on screen and printed on office printers.
    let doc = PdfDocument::empty(title.trim())
        .with_conformance(PdfConformance::Custom(CustomPdfConformance::default()));
    let fonts = Fonts::load(&doc)?;
    Ok((doc, fonts))
}

fn write_document(
    doc: PdfDocumentReference,
    fonts: &Fonts,
    pages: Vec<Vec<Item>>,
    footer: &Footer,
    l: &MinutesLabels,
) -> Result<Vec<u8>, MinutesError> {
    let total = pages.len();
    for (i, items) in pages.into_iter().enumerate() {
        let (page, layer) = doc.add_page(Mm(PAGE_W), Mm(PAGE_H), LAYER_NAME);
        let canvas = Canvas {
            layer: doc.get_page(page).get_layer(layer),
        };
        for item in items.iter().chain(&footer.items(fonts, l, i + 1, total)) {
            canvas.draw(fonts, item);
        }
    }
    doc.save_to_bytes()
        .map_err(|e| MinutesError::Pdf(e.to_string()))
}

/// One page's content stream.
struct Canvas {
    layer: PdfLayerReference,
}

impl Canvas {
    fn op(&self, operator: &str, operands: Vec<Object>) {
        self.layer.add_operation(Operation::new(operator, operands));
    }

    fn draw(&self, fonts: &Fonts, item: &Item) {
        match item {
            Item::Text {
                text,
                face,
                size,
                x,
                y,
                colour,
                ..
            } => {
                let font = fonts.get(*face);
                self.op("rg", vec![num(colour.0), num(colour.1), num(colour.2)]);
                self.layer.begin_text_section();
                self.layer.set_font(&font.pdf, *size);
                self.op("Td", vec![num(pt(*x)), num(pt(*y))]);
                self.layer.write_codepoints(font.glyph_ids(text));
                self.layer.end_text_section();
            }
            Item::Rule {
                x1,
                y1,
                x2,
                y2,
                weight,
                colour,
            } => {
                self.op("RG", vec![num(colour.0), num(colour.1), num(colour.2)]);
                self.op("w", vec![num(*weight)]);
                self.op("m", vec![num(pt(*x1)), num(pt(*y1))]);
                self.op("l", vec![num(pt(*x2)), num(pt(*y2))]);
                self.op("S", vec![]);
            }
            Item::Fill { x, y, w, h, colour } => {
                self.op("rg", vec![num(colour.0), num(colour.1), num(colour.2)]);
                self.op(
                    "re",
                    vec![num(pt(*x)), num(pt(*y)), num(pt(*w)), num(pt(*h))],
                );
                self.op("f", vec![]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use printpdf::lopdf;
    use std::collections::BTreeMap;
    use unicode_normalization::UnicodeNormalization;

    const HASH: &str = "9f2c4e1ab07d3c58e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
    const SESSION_HASH: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
    const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
    const GIVEN: [&str; 8] = [
        "Văn Hùng",
        "Thị Thu Hương",
        "Hoàng Phúc",
        "Ngọc Ánh",
        "Thị Kim Oanh",
        "Đức Thắng",
        "Quốc Việt",
        "Thị Hồng Nhung",
    ];

    fn catalogue(text: &str) -> BTreeMap<String, String> {
        let table: toml::Table = toml::from_str(text).expect("toml");
        table
            .into_iter()
            .map(|(k, v)| (k, v.as_str().expect("string").to_owned()))
            .collect()
    }

    fn labels(text: &str) -> MinutesLabels {
        let map = catalogue(text);
        MinutesLabels::from_catalogue(|k| map.get(k).cloned().unwrap_or_else(|| k.to_owned()))
    }

    fn vi() -> MinutesLabels {
        labels(include_str!("../i18n/vi.toml"))
    }

    fn en() -> MinutesLabels {
        labels(include_str!("../i18n/en.toml"))
    }

    fn row(label: &str, count: u32, base: u32) -> OptionRow {
        let pct = f64::from(count) * 100.0 / f64::from(base);
        OptionRow {
            label: label.to_owned(),
            count: count.to_string(),
            percent: format!("{}% của B", format!("{pct:.2}").replace('.', ",")),
        }
    }

    fn question(text: &str, counts: [u32; 3]) -> QuestionMinutes {
        let passed = counts[0] * 2 > 449;
        QuestionMinutes {
            text: text.to_owned(),
            rows: vec![
                row("Tán thành", counts[0], 449),
                row("Không tán thành", counts[1], 449),
                row("Không biểu quyết", counts[2], 449),
            ],
            outcome: if passed {
                "THÔNG QUA"
            } else {
                "KHÔNG THÔNG QUA"
            }
            .to_owned(),
            passed,
            rule: "Hơn 1/2 của B = 449, tức ít nhất 225 phiếu tán thành".to_owned(),
        }
    }

    fn name(i: usize) -> String {
        format!(
            "{} {} {}",
            FAMILY[i % FAMILY.len()],
            GIVEN[(i / FAMILY.len()) % GIVEN.len()],
            i + 1
        )
    }

    fn poll() -> PollMinutes {
        PollMinutes {
            congress:
                "Đại hội đại biểu Đảng bộ tỉnh Thừa Thiên Huế lần thứ XVII, nhiệm kỳ 2025–2030"
                    .to_owned(),
            header_left: "ĐẢNG BỘ TỈNH THỪA THIÊN HUẾ\nBAN KIỂM PHIẾU".to_owned(),
            motto: vec!["ĐẢNG CỘNG SẢN VIỆT NAM".to_owned()],
            place_date: "Huế, ngày 24 tháng 11 năm 2026".to_owned(),
            title: "Biểu quyết thông qua Nghị quyết Đại hội".to_owned(),
            item: Some("Thảo luận và thông qua dự thảo Nghị quyết Đại hội".to_owned()),
            mode: "Biểu quyết kín".to_owned(),
            opened_at: "09:30:00 ngày 24/11/2026".to_owned(),
            closed_at: "09:35:12 ngày 24/11/2026".to_owned(),
            base: "Tổng số đại biểu được triệu tập (B): 449".to_owned(),
            eligible: "Số đại biểu có mặt, có quyền biểu quyết: 430".to_owned(),
            voted: "Số đại biểu đã biểu quyết: 428".to_owned(),
            // The question arrives decomposed (NFD), as some editors write it.
            questions: vec![question(
                &"Thông qua Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XVII, nhiệm kỳ 2025–2030"
                    .nfd()
                    .collect::<String>(),
                [235, 150, 43],
            )],
            quorum: Some("Đủ số lượng: 430/449 đại biểu có mặt, hơn 2/3 tổng số".to_owned()),
            named: Vec::new(),
            status_note: None,
            log_seq: 12_345,
            log_hash: HASH.to_owned(),
            verify_hint: "Kiểm tra: daihoi audit verify --data /var/lib/daihoi".to_owned(),
        }
    }

    fn batch_poll(questions: usize) -> PollMinutes {
        let mut p = poll();
        p.title = "Biểu quyết thông qua các chỉ tiêu chủ yếu của nhiệm kỳ 2025–2030".to_owned();
        p.mode = "Biểu quyết công khai".to_owned();
        p.questions = (0..questions)
            .map(|i| {
                let yes = 200 + (i as u32 * 7) % 80;
                question(
                    &format!(
                        "Nội dung số {}: chỉ tiêu tăng trưởng kinh tế bình quân và thu nhập \
                         bình quân đầu người của tỉnh đến năm 2030",
                        i + 1
                    ),
                    [yes, 420 - yes, 8],
                )
            })
            .collect();
        p
    }

    fn named_poll(n: usize) -> PollMinutes {
        let mut p = poll();
        p.title = "Biểu quyết thông qua danh sách Đoàn Chủ tịch Đại hội".to_owned();
        p.mode = "Biểu quyết công khai".to_owned();
        let choices = ["Tán thành", "Không tán thành", "Không biểu quyết"];
        p.named = (0..n)
            .map(|i| NamedVote {
                name: name(i),
                code: format!("DB{:04}", i + 1),
                choices: vec![
                    choices[usize::from(i % 11 == 5) + usize::from(i % 23 == 7)].to_owned(),
                ],
            })
            .collect();
        p
    }

    fn session(polls: Vec<PollMinutes>) -> SessionMinutes {
        let p = poll();
        SessionMinutes {
            congress: p.congress,
            header_left: p.header_left,
            motto: p.motto,
            place_date: p.place_date,
            session: "Phiên thứ hai, sáng ngày 24/11/2026".to_owned(),
            polls,
            log_seq: 20_001,
            log_hash: SESSION_HASH.to_owned(),
            verify_hint: p.verify_hint,
        }
    }

    fn several_polls() -> Vec<PollMinutes> {
        let mut void = poll();
        void.title = "Biểu quyết thông qua Quy chế làm việc của Đại hội".to_owned();
        void.item = None;
        void.log_seq = 15_002;
        void.log_hash = "ab".repeat(32);
        void.status_note =
            Some("Biểu quyết bị hủy: sự cố thiết bị tại khu vực Đoàn Quân sự tỉnh.".to_owned());
        let mut named = named_poll(40);
        named.log_seq = 16_003;
        vec![poll(), batch_poll(6), void, named]
    }

    /// Text of the whole PDF, white space collapsed, as extracted (not normalised again).
    fn extract(bytes: &[u8]) -> String {
        let text = pdf_extract::extract_text_from_mem(bytes).expect("extract");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn extract_pages(bytes: &[u8]) -> Vec<String> {
        pdf_extract::extract_text_from_mem_by_pages(bytes)
            .expect("extract")
            .into_iter()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    fn page_count(bytes: &[u8]) -> usize {
        lopdf::Document::load_mem(bytes)
            .expect("parse")
            .get_pages()
            .len()
    }

    /// The laid-out text in drawing order, without white space.
    fn laid_text(pages: &[Vec<Item>]) -> String {
        pages
            .iter()
            .flatten()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.split_whitespace().collect::<String>()),
                _ => None,
            })
            .collect()
    }

    fn test_fonts() -> Fonts {
        let doc = PdfDocument::empty("t");
        Fonts::load(&doc).expect("fonts")
    }

    /// Every text run inside the text area, clear of the footer, no line box overlapping another.
    fn assert_inside(pages: &[Vec<Item>], footer_h: f32) {
        let floor = MARGIN_BOTTOM + footer_h + FOOTER_GAP;
        for (p, items) in pages.iter().enumerate() {
            let mut boxes: Vec<(f32, f32, f32, f32)> = Vec::new();
            for item in items {
                if let Item::Text {
                    text,
                    size,
                    x,
                    y,
                    width,
                    ..
                } = item
                {
                    let top = y + 0.93 * size / PT_PER_MM;
                    let bottom = y - 0.24 * size / PT_PER_MM;
                    assert!(*x >= MARGIN_LEFT - 0.01, "page {p}: {text:?} at x = {x}");
                    let right = x + width;
                    assert!(
                        right <= PAGE_W - MARGIN_RIGHT + 0.01,
                        "page {p}: {text:?} ends at {right}"
                    );
                    assert!(bottom >= floor - 0.01, "page {p}: {text:?} low at {bottom}");
                    assert!(top <= TOP + 0.01, "page {p}: {text:?} high at {top}");
                    let visible = (*x, bottom, right, top);
                    for b in &boxes {
                        let overlaps = visible.0 < b.2 - 0.01
                            && visible.2 > b.0 + 0.01
                            && visible.1 < b.3 - 0.3
                            && visible.3 > b.1 + 0.3;
                        assert!(!overlaps, "page {p}: {text:?} overlaps {b:?}");
                    }
                    boxes.push(visible);
                }
            }
        }
    }

    #[test]
    fn minutes_labels_are_in_both_catalogues() {
        let vi_map = catalogue(include_str!("../i18n/vi.toml"));
        let en_map = catalogue(include_str!("../i18n/en.toml"));
        for map in [&vi_map, &en_map] {
            for key in MinutesLabels::KEYS {
                assert!(map.contains_key(*key), "{key} missing");
            }
            let ours: Vec<&String> = map.keys().filter(|k| k.starts_with("minutes.")).collect();
            assert_eq!(
                ours.len(),
                MinutesLabels::KEYS.len(),
                "unused minutes.* keys"
            );
        }
        let (vi, en) = (vi(), en());
        assert_eq!(vi.title_poll, "BIÊN BẢN KẾT QUẢ BIỂU QUYẾT");
        assert_eq!(vi.page, "Trang {page}/{pages}");
        assert_ne!(vi, en);
        assert_eq!(
            fill(&vi.page, &[("page", "2".into()), ("pages", "5".into())]),
            "Trang 2/5"
        );
        assert_eq!(roman(1), "I");
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(14), "XIV");
    }

    #[test]
    fn minutes_poll_with_three_options_reads_back() {
        let m = poll();
        let bytes = poll_minutes_pdf(&m, &vi()).expect("pdf");
        assert!(bytes.starts_with(b"%PDF"));
        assert_eq!(page_count(&bytes), 1);
        // Subset fonts, no colour profile (content streams are compressed only in release).
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
        let text = extract(&bytes);
        for needle in [
            "ĐẢNG BỘ TỈNH THỪA THIÊN HUẾ",
            "BAN KIỂM PHIẾU",
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Huế, ngày 24 tháng 11 năm 2026",
            "BIÊN BẢN KẾT QUẢ BIỂU QUYẾT",
            "Biểu quyết thông qua Nghị quyết Đại hội",
            "Biểu quyết kín",
            "09:35:12 ngày 24/11/2026",
            "Tổng số đại biểu được triệu tập (B): 449",
            "Số đại biểu đã biểu quyết: 428",
            "Đủ số lượng: 430/449",
            // NFD in, NFC out.
            "Thông qua Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XVII",
            "Tán thành",
            "Không tán thành",
            "Không biểu quyết",
            "235",
            "150",
            "43",
            "52,34% của B",
            "33,41% của B",
            "9,58% của B",
            "Hơn 1/2 của B = 449",
            "THÔNG QUA",
            "TRƯỞNG BAN KIỂM PHIẾU",
            "THƯ KÝ ĐẠI HỘI",
            "(Ký, ghi rõ họ tên)",
            HASH,
            "số 12345",
            "daihoi audit verify --data /var/lib/daihoi",
            "Trang 1/1",
        ] {
            assert!(text.contains(needle), "{needle:?} not in {text}");
        }
        assert!(unicode_normalization::is_nfc(&text), "{text}");
        assert!(!text.contains("KHÔNG THÔNG QUA"));
        assert_eq!(
            text.matches("TT Phương án Số phiếu Tỉ lệ").count(),
            1,
            "{text}"
        );
        assert!(!text.contains('?'), "a glyph is missing: {text}");
    }

    #[test]
    fn minutes_batch_poll_is_one_compact_table() {
        let m = batch_poll(25);
        let fonts = test_fonts();
        let l = vi();
        let footer = Footer::new(&fonts, &l, m.log_seq, &m.log_hash, &m.verify_hint);
        let pages = layout_poll(&fonts, footer.height(), &m, &l);
        assert_inside(&pages, footer.height());

        let bytes = poll_minutes_pdf(&m, &l).expect("pdf");
        let n = page_count(&bytes);
        assert!(n > 1, "{n} pages");
        let texts = extract_pages(&bytes);
        assert_eq!(texts.len(), n);
        for (i, t) in texts.iter().enumerate() {
            assert!(t.contains(HASH), "page {}: {t}", i + 1);
            assert!(
                t.contains(&format!("Trang {}/{n}", i + 1)),
                "page {}: {t}",
                i + 1
            );
        }
        let all = texts.join(" ");
        for i in 1..=25 {
            assert!(all.contains(&format!("Nội dung số {i}:")), "question {i}");
        }
        // The options are the columns, the rule printed once under the table.
        assert!(all.contains("Kết quả"));
        assert_eq!(all.matches("Hơn 1/2 của B = 449").count(), 1, "{all}");
        assert!(all.contains("KHÔNG THÔNG QUA") && all.contains("THÔNG QUA"));
        // A question's row is never split when it fits on a page: every page after the first
        // starts its table with the header row.
        for t in texts.iter().skip(1).filter(|t| t.contains("Nội dung số")) {
            assert!(t.contains("TT Nội dung Tán thành"), "{t}");
        }
    }

    #[test]
    fn minutes_named_poll_of_1600_paginates_without_losing_anyone() {
        let m = named_poll(1600);
        let fonts = test_fonts();
        let l = vi();
        let footer = Footer::new(&fonts, &l, m.log_seq, &m.log_hash, &m.verify_hint);
        let pages = layout_poll(&fonts, footer.height(), &m, &l);
        assert_inside(&pages, footer.height());

        let bytes = poll_minutes_pdf(&m, &l).expect("pdf");
        let n = page_count(&bytes);
        assert!(n > 10, "{n} pages");
        let texts = extract_pages(&bytes);
        assert_eq!(texts.len(), n);
        for (i, t) in texts.iter().enumerate() {
            assert!(t.contains(HASH), "page {}: {t}", i + 1);
            assert!(
                t.contains(&format!("Trang {}/{n}", i + 1)),
                "page {}",
                i + 1
            );
        }
        // The header row repeats on every page of the list.
        let list_pages = texts.iter().filter(|t| t.contains(" DB")).count();
        let headers = texts
            .iter()
            .filter(|t| t.contains("Họ và tên Mã đại biểu Lựa chọn"))
            .count();
        assert!(
            list_pages >= n - 1 && headers == list_pages,
            "{headers}/{list_pages}/{n}"
        );
        let all = texts.join(" ");
        for i in [0, 1, 799, 1598, 1599] {
            let who = format!("{} DB{:04}", name(i), i + 1);
            assert!(all.contains(&who), "{who} missing");
        }
        assert_eq!(all.matches(" DB").count(), 1600);
        assert!(all.contains("DANH SÁCH BIỂU QUYẾT CỦA TỪNG ĐẠI BIỂU"));
        // The signatures come after the last name.
        let last = texts.last().expect("last page");
        assert!(last.contains("TRƯỞNG BAN KIỂM PHIẾU"), "{last}");
    }

    #[test]
    fn minutes_named_batch_poll_lists_every_choice() {
        let mut m = batch_poll(2);
        m.named = named_poll(3).named;
        for v in &mut m.named {
            v.choices.push("Không tán thành".to_owned());
        }
        let text = extract(&poll_minutes_pdf(&m, &vi()).expect("pdf"));
        assert!(text.contains("Câu 1 Câu 2"), "{text}");
        assert!(text.contains("Câu 2: Nội dung số 2"), "{text}");

        let mut m = batch_poll(5);
        m.named = named_poll(3).named;
        for v in &mut m.named {
            v.choices = (0..5).map(|_| "Tán thành".to_owned()).collect();
        }
        let text = extract(&poll_minutes_pdf(&m, &vi()).expect("pdf"));
        assert!(text.contains("1. Tán thành; 2. Tán thành;"), "{text}");
        assert!(text.contains("5. Tán thành"), "{text}");
    }

    #[test]
    fn minutes_session_lists_several_polls() {
        let m = session(several_polls());
        let fonts = test_fonts();
        let l = vi();
        let footer = Footer::new(&fonts, &l, m.log_seq, &m.log_hash, &m.verify_hint);
        let pages = layout_session(&fonts, footer.height(), &m, &l);
        assert_inside(&pages, footer.height());

        let bytes = session_minutes_pdf(&m, &l).expect("pdf");
        let texts = extract_pages(&bytes);
        let n = texts.len();
        assert_eq!(n, page_count(&bytes));
        for (i, t) in texts.iter().enumerate() {
            assert!(t.contains(SESSION_HASH), "page {}: {t}", i + 1);
            assert!(
                t.contains(&format!("Trang {}/{n}", i + 1)),
                "page {}",
                i + 1
            );
        }
        let all = texts.join(" ");
        for needle in [
            "BIÊN BẢN TỔNG HỢP KẾT QUẢ BIỂU QUYẾT",
            "Phiên thứ hai, sáng ngày 24/11/2026",
            "I. THÔNG TIN CHUNG",
            "II. TỔNG HỢP KẾT QUẢ",
            "III. KẾT QUẢ TỪNG CUỘC BIỂU QUYẾT",
            "1. Biểu quyết thông qua Nghị quyết Đại hội",
            "2. Biểu quyết thông qua các chỉ tiêu chủ yếu",
            "3. Biểu quyết thông qua Quy chế làm việc của Đại hội",
            "4. Biểu quyết thông qua danh sách Đoàn Chủ tịch Đại hội",
            "Biểu quyết bị hủy: sự cố thiết bị",
            "Câu 1: KHÔNG THÔNG QUA",
            "Câu 6: THÔNG QUA",
            "52,34% của B",
            "Danh sách biểu quyết của từng đại biểu được lập trong biên bản riêng",
            "số 15002",
            &"ab".repeat(32),
            "số 16003",
            "TRƯỞNG BAN KIỂM PHIẾU",
        ] {
            assert!(all.contains(needle), "{needle:?} not in {all}");
        }
        // Named votes stay in the poll's own record.
        assert!(!all.contains("DB0001"), "{all}");
        assert!(unicode_normalization::is_nfc(&all));
    }

    #[test]
    fn minutes_session_without_polls_says_so() {
        let text = extract(&session_minutes_pdf(&session(Vec::new()), &vi()).expect("pdf"));
        assert!(
            text.contains("Phiên họp không có cuộc biểu quyết nào."),
            "{text}"
        );
        assert!(text.contains(SESSION_HASH), "{text}");
    }

    #[test]
    fn minutes_long_title_and_question_wrap_inside_the_page() {
        let mut m = poll();
        let long = "Biểu quyết thông qua Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh khóa XVI \
                    trình Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII về phương hướng, mục tiêu, \
                    nhiệm vụ và giải pháp phát triển kinh tế - xã hội, bảo đảm quốc phòng, an ninh \
                    và xây dựng Đảng bộ, hệ thống chính trị trong sạch, vững mạnh nhiệm kỳ 2025–2030";
        m.title = long.to_owned();
        m.questions[0].text = long.repeat(6);
        m.questions[0].rows[0].label = long.to_owned();
        let word = "Ư".repeat(150);
        m.item = Some(word.clone());
        m.header_left = format!("{}\n{}", long, long);
        m.motto = vec![long.to_owned(), long.to_owned()];
        m.status_note = Some(long.repeat(3));

        let fonts = test_fonts();
        let l = vi();
        let footer = Footer::new(&fonts, &l, m.log_seq, &m.log_hash, &m.verify_hint);
        let pages = layout_poll(&fonts, footer.height(), &m, &l);
        assert_inside(&pages, footer.height());

        let bytes = poll_minutes_pdf(&m, &l).expect("pdf");
        let text = extract(&bytes);
        assert!(text.contains(long), "title lost");
        let squeezed: String = text.split_whitespace().collect();
        assert!(squeezed.contains(&word), "the long word lost");
        // The question runs over a page break (where the footer comes in between).
        let long_squeezed: String = long.split_whitespace().collect();
        assert!(laid_text(&pages).contains(&long_squeezed.repeat(6)));
        assert!(squeezed.matches(&long_squeezed).count() >= 1 + 5 + 1 + 2);

        // A question too long for one page is split across pages, header repeated.
        let mut m = poll();
        m.questions = (0..COMPACT_FROM)
            .map(|_| question(&long.repeat(60), [300, 100, 20]))
            .collect();
        let footer = Footer::new(&fonts, &l, m.log_seq, &m.log_hash, &m.verify_hint);
        let pages = layout_poll(&fonts, footer.height(), &m, &l);
        assert_inside(&pages, footer.height());
        assert!(pages.len() > 3, "{}", pages.len());
        // Every line is laid out: only the page breaks (at most two per page, between the
        // question column and the rest of its row) cut a repetition.
        let laid = laid_text(&pages).matches(&long_squeezed).count();
        assert!(
            laid <= 60 * COMPACT_FROM && laid + 2 * pages.len() >= 60 * COMPACT_FROM,
            "{laid}"
        );
        let bytes = poll_minutes_pdf(&m, &l).expect("pdf");
        let texts = extract_pages(&bytes);
        assert_eq!(texts.len(), pages.len());
        for t in texts
            .iter()
            .skip(1)
            .filter(|t| !t.contains("THƯ KÝ ĐẠI HỘI"))
        {
            assert!(t.contains("TT Nội dung Tán thành"), "{t}");
        }
    }

    #[test]
    fn minutes_wrap_keeps_every_word_within_the_width() {
        let fonts = test_fonts();
        let spans = vec![
            span("Kết quả:", Face::Bold),
            coloured("KHÔNG THÔNG QUA", Face::Bold, REJECTED),
            span(&format!("vì {} không đủ", "Ữ".repeat(90)), Face::Italic),
        ];
        let lines = wrap(&fonts, &spans, 11.0, 60.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(line.width <= 60.0 + 1e-3, "{line:?}");
        }
        let back: String = lines
            .iter()
            .flat_map(|l| l.segments.iter().map(|s| s.text.as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        let back: String = back.split_whitespace().collect();
        assert_eq!(
            back,
            format!("Kếtquả:KHÔNGTHÔNGQUAvì{}khôngđủ", "Ữ".repeat(90))
        );
        assert!(wrap(&fonts, &[span("  ", Face::Regular)], 11.0, 60.0).is_empty());
        // Every Vietnamese letter is in the three faces.
        for face in [Face::Regular, Face::Bold, Face::Italic] {
            for c in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƯƠ".chars()
            {
                assert!(fonts.get(face).has(c), "{c} in {face:?}");
            }
        }
    }

    #[test]
    fn minutes_render_in_english_too() {
        let text = extract(&poll_minutes_pdf(&poll(), &en()).expect("pdf"));
        assert!(text.contains("RECORD OF VOTING RESULTS"), "{text}");
        assert!(text.contains("Page 1 of 1"), "{text}");
    }

    /// `cargo test -p daihoi-data minutes_write_samples -- --ignored` writes
    /// `/tmp/minutes-{poll,long,state,batch,named,session,en}.pdf` to look at, e.g. after
    /// `pdftoppm -png -r 60 -f 1 -l 1 /tmp/minutes-poll.pdf /tmp/minutes-poll`.
    #[test]
    #[ignore = "writes /tmp/minutes-*.pdf for a human to look at"]
    fn minutes_write_samples() {
        let dir = std::env::temp_dir();
        let mut state = poll();
        state.header_left = "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ\nBAN KIỂM PHIẾU".to_owned();
        state.motto = vec![
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(),
            "Độc lập - Tự do - Hạnh phúc".to_owned(),
        ];
        let mut named = named_poll(1600);
        named.status_note = Some(
            "Kiểm phiếu bằng tay, nhập kết quả: Nguyễn Văn An; xác nhận: Trần Thị Bình.".to_owned(),
        );
        let mut long = poll();
        long.title = "Biểu quyết thông qua Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh khóa \
                      XVI trình Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII về phương hướng, mục \
                      tiêu, nhiệm vụ và giải pháp phát triển kinh tế - xã hội nhiệm kỳ 2025–2030"
            .to_owned();
        long.questions[0].text = long.title.repeat(3);
        long.item = Some("Ư".repeat(120));
        let samples = [
            ("poll", poll_minutes_pdf(&poll(), &vi())),
            ("long", poll_minutes_pdf(&long, &vi())),
            ("state", poll_minutes_pdf(&state, &vi())),
            ("batch", poll_minutes_pdf(&batch_poll(25), &vi())),
            ("named", poll_minutes_pdf(&named, &vi())),
            (
                "session",
                session_minutes_pdf(&session(several_polls()), &vi()),
            ),
            ("en", poll_minutes_pdf(&poll(), &en())),
        ];
        for (name, bytes) in samples {
            let path = dir.join(format!("minutes-{name}.pdf"));
            std::fs::write(&path, bytes.expect("pdf")).expect("write");
            println!("wrote {}", path.display());
        }
    }
}
