//! The credentials report (báo cáo thẩm tra tư cách đại biểu): the figures of one session's
//! attendance and the structure of the delegates, and the report as a PDF or a DOCX.
//!
//! Two halves, both pure (no clock, no storage):
//!
//! * [`figures`] counts from the congress state: who was summoned (the official delegates),
//!   who is present, absent with or without a reason, not arrived; the structure of the
//!   official delegates (women, ethnic minorities, age groups with the youngest and oldest,
//!   kinds, delegations, and every further import column with few distinct values); the
//!   official delegates absent for the whole congress and the base B they suggest. Counts are
//!   integers; every share is a [`Share`] (part and base), rounded once, half up, to one
//!   decimal, so a percentage can always name what it is a percentage of.
//! * [`report_pdf`] and [`report_docx`] lay out a [`Report`]: blocks of already translated
//!   text (headings, paragraphs, tables, bar charts). The app builds one `Report` for the page,
//!   the PDF and the DOCX, so the three say the same thing.
//!
//! Decisions:
//!
//! * Ages are whole years on the congress's first day (`CongressInfo::starts_on`), never
//!   "today". A birth date after that day counts as unknown.
//! * Ethnic minority: an ethnicity other than "Kinh", compared after NFC, trimming and
//!   lower-casing ("KINH", "kinh " are Kinh). An empty ethnicity is unknown and counted apart.
//! * Further import columns (`DelegateFields::extra`) get a distribution table when the
//!   official delegates have at most [`MAX_DISTINCT`] distinct non-empty values in them
//!   (education, political theory level); columns with more (free text, years, phone
//!   numbers) are listed as skipped with their number of distinct values.
//! * The DOCX draws its bar charts as tables whose middle column is a bar of "█" characters.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use daihoi_domain::attendance::Presence;
use daihoi_domain::model::{DelegateId, DelegateKind, Gender, SessionId, SessionStatus};
use daihoi_domain::state::natural_key;
use daihoi_domain::{CongressState, Delegate};
use printpdf::lopdf::Object;
use printpdf::lopdf::content::Operation;
use printpdf::{CustomPdfConformance, Mm, PdfConformance, PdfDocument, PdfLayerReference};
use unicode_normalization::UnicodeNormalization;

use crate::badges::{BadgeError, Font, PT_PER_MM, ascii_fold, clean, num, pt};

// ----- the figures ---------------------------------------------------------------------------

/// An age group: whole years from `min` to `max`, both included (`None`: no upper bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeBand {
    /// Catalogue key suffix: `credentials.age.<key>`.
    pub key: &'static str,
    pub min: u32,
    pub max: Option<u32>,
}

/// The age groups of the report, as Vietnamese credentials reports usually give them:
/// under 35 (dưới 35), 35 to 45, 46 to 55, 56 to 60, over 60 (trên 60). Contiguous, from 0.
pub const AGE_BANDS: [AgeBand; 5] = [
    AgeBand {
        key: "under_35",
        min: 0,
        max: Some(34),
    },
    AgeBand {
        key: "35_45",
        min: 35,
        max: Some(45),
    },
    AgeBand {
        key: "46_55",
        min: 46,
        max: Some(55),
    },
    AgeBand {
        key: "56_60",
        min: 56,
        max: Some(60),
    },
    AgeBand {
        key: "over_60",
        min: 61,
        max: None,
    },
];

/// A further import column gets a distribution table up to this many distinct values.
pub const MAX_DISTINCT: usize = 20;

/// A part of a base: both integers, the percentage computed once from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub part: u64,
    pub base: u64,
}

impl Share {
    pub fn new(part: u64, base: u64) -> Share {
        Share { part, base }
    }

    /// The share in tenths of a percent, rounded half up; `None` for an empty base.
    pub fn tenths(&self) -> Option<u64> {
        if self.base == 0 {
            return None;
        }
        let part = u128::from(self.part);
        let base = u128::from(self.base);
        u64::try_from((part * 2000 + base) / (2 * base)).ok()
    }

    /// "43,2%" (`decimal` = ',') or "43.2%"; "–" for an empty base.
    pub fn percent(&self, decimal: char) -> String {
        match self.tenths() {
            Some(t) => format!("{}{decimal}{}%", t / 10, t % 10),
            None => "–".to_owned(),
        }
    }
}

/// A delegate as the report names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: DelegateId,
    pub code: String,
    pub name: String,
    pub delegation: String,
    pub birth_date: Option<NaiveDate>,
    /// Whole years on the congress's first day.
    pub age: Option<u32>,
    /// Why absent (or why left early); empty when none was given.
    pub reason: String,
}

/// One session's attendance over the summoned (official) delegates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAttendance {
    pub session: SessionId,
    pub summoned: u64,
    /// Present (checked in and not left).
    pub present: u64,
    /// Of the present, how many arrived late.
    pub late: u64,
    pub left_early: Vec<Person>,
    pub absent_with_reason: Vec<Person>,
    pub absent_without_reason: Vec<Person>,
    /// Neither checked in nor marked absent.
    pub not_arrived: Vec<Person>,
}

/// The distribution of one further import column over the official delegates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    /// Each value and how many hold it, most frequent first.
    pub values: Vec<(String, u64)>,
    /// Official delegates with no value in this column.
    pub not_stated: u64,
}

/// A further import column left out of the report, with its number of distinct values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub header: String,
    pub distinct: usize,
}

/// The structure of the official delegates (and the kinds over the whole list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    /// The base of every share below: the official delegates.
    pub officials: u64,
    pub women: u64,
    pub gender_unknown: u64,
    pub minorities: u64,
    pub ethnicity_unknown: u64,
    /// Each minority ethnicity (NFC, as first written) and its count, largest first.
    pub minority_groups: Vec<(String, u64)>,
    /// One count per [`AGE_BANDS`] entry.
    pub age_bands: [u64; 5],
    pub age_unknown: u64,
    /// The youngest official delegates (all who share the latest birth date).
    pub youngest: Vec<Person>,
    /// The oldest (all who share the earliest birth date).
    pub oldest: Vec<Person>,
    /// Everyone on the list, by kind: official, alternate, invited.
    pub kinds: [(DelegateKind, u64); 3],
    pub listed: u64,
    /// Official delegates per delegation (đoàn), in natural order; "" is none.
    pub delegations: Vec<(String, u64)>,
    pub columns: Vec<Column>,
    pub skipped: Vec<Skipped>,
}

/// Everything the report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// The day ages are counted on: the congress's first day.
    pub as_of: NaiveDate,
    /// The chosen session's attendance; `None` when the program has no session.
    pub attendance: Option<SessionAttendance>,
    pub structure: Structure,
    /// How many sessions have ended.
    pub ended_sessions: u64,
    /// Official delegates absent (marked absent or never arrived) in every ended session.
    /// Empty while no session has ended.
    pub absent_throughout: Vec<Person>,
    /// The B the report suggests: official delegates minus those absent throughout.
    pub suggested_base: u64,
}

/// Whole years from `birth` to `on`; `None` when born after `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The index in [`AGE_BANDS`] of an age.
pub fn age_band(age: u32) -> usize {
    AGE_BANDS
        .iter()
        .position(|b| age >= b.min && b.max.is_none_or(|m| age <= m))
        .unwrap_or(AGE_BANDS.len() - 1)
}

fn nfc(s: &str) -> String {
    s.nfc().collect::<String>().trim().to_owned()
}

/// Whether an ethnicity is Kinh (NFC, trimmed, case-insensitive); `None` when empty.
pub fn is_kinh(ethnicity: &str) -> Option<bool> {
    let e = nfc(ethnicity).to_lowercase();
    (!e.is_empty()).then(|| e == "kinh")
}

fn person(d: &Delegate, as_of: NaiveDate, reason: &str) -> Person {
    Person {
        id: d.id,
        code: d.fields.code.clone(),
        name: d.fields.full_name.clone(),
        delegation: d.fields.delegation.clone(),
        birth_date: d.fields.birth_date,
        age: d.fields.birth_date.and_then(|b| age_on(b, as_of)),
        reason: reason.to_owned(),
    }
}

fn sort_people(people: &mut [Person]) {
    people.sort_by_cached_key(|p| (natural_key(&p.delegation), natural_key(&p.code)));
}

/// Counts grouped by a key (NFC, trimmed; the first spelling met is shown), most first.
fn tally<'a>(values: impl Iterator<Item = &'a str>) -> Vec<(String, u64)> {
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for v in values {
        *by.entry(nfc(v)).or_default() += 1;
    }
    let mut out: Vec<(String, u64)> = by.into_iter().collect();
    out.sort_by_cached_key(|(v, n)| (std::cmp::Reverse(*n), natural_key(v)));
    out
}

/// The report's figures for `session` (resolved by the caller: it must be a session of the
/// program, or `None` when there is none). `None` when the congress is not configured.
pub fn figures(state: &CongressState, session: Option<SessionId>) -> Option<Figures> {
    let as_of = state.info.as_ref()?.starts_on;
    let mut all: Vec<&Delegate> = state.delegates().collect();
    all.sort_by_cached_key(|d| natural_key(&d.fields.code));
    let officials: Vec<&Delegate> = all
        .iter()
        .copied()
        .filter(|d| d.fields.kind == DelegateKind::Official)
        .collect();
    let book = state.attendance();

    let attendance = session.map(|sid| {
        let mut a = SessionAttendance {
            session: sid,
            summoned: officials.len() as u64,
            present: 0,
            late: 0,
            left_early: Vec::new(),
            absent_with_reason: Vec::new(),
            absent_without_reason: Vec::new(),
            not_arrived: Vec::new(),
        };
        for d in &officials {
            match book.presence(sid, d.id) {
                Some(Presence::Present { late, .. }) => {
                    a.present += 1;
                    a.late += u64::from(*late);
                }
                Some(Presence::LeftEarly { reason, .. }) => {
                    a.left_early.push(person(d, as_of, reason))
                }
                Some(Presence::Absent { reason, .. }) if reason.trim().is_empty() => {
                    a.absent_without_reason.push(person(d, as_of, ""))
                }
                Some(Presence::Absent { reason, .. }) => {
                    a.absent_with_reason.push(person(d, as_of, reason))
                }
                None => a.not_arrived.push(person(d, as_of, "")),
            }
        }
        for list in [
            &mut a.left_early,
            &mut a.absent_with_reason,
            &mut a.absent_without_reason,
            &mut a.not_arrived,
        ] {
            sort_people(list);
        }
        a
    });

    let ended: Vec<SessionId> = state
        .sessions()
        .into_iter()
        .filter(|s| s.status == SessionStatus::Ended)
        .map(|s| s.id)
        .collect();
    let mut absent_throughout = Vec::new();
    if !ended.is_empty() {
        for d in &officials {
            let mut reason = String::new();
            let away = ended.iter().all(|sid| match book.presence(*sid, d.id) {
                None => true,
                Some(Presence::Absent { reason: r, .. }) => {
                    if !r.trim().is_empty() {
                        reason = r.clone();
                    }
                    true
                }
                Some(_) => false,
            });
            if away {
                absent_throughout.push(person(d, as_of, &reason));
            }
        }
        sort_people(&mut absent_throughout);
    }
    let suggested_base = (officials.len() - absent_throughout.len()) as u64;

    Some(Figures {
        as_of,
        attendance,
        structure: structure(&all, &officials, as_of),
        ended_sessions: ended.len() as u64,
        absent_throughout,
        suggested_base,
    })
}

fn structure(all: &[&Delegate], officials: &[&Delegate], as_of: NaiveDate) -> Structure {
    let count = |f: &dyn Fn(&Delegate) -> bool| officials.iter().filter(|d| f(d)).count() as u64;
    let women = count(&|d| d.fields.gender == Some(Gender::Female));
    let gender_unknown = count(&|d| d.fields.gender.is_none());
    let minorities = count(&|d| is_kinh(&d.fields.ethnicity) == Some(false));
    let ethnicity_unknown = count(&|d| is_kinh(&d.fields.ethnicity).is_none());
    let minority_groups = tally(
        officials
            .iter()
            .filter(|d| is_kinh(&d.fields.ethnicity) == Some(false))
            .map(|d| d.fields.ethnicity.as_str()),
    );

    let mut age_bands = [0u64; 5];
    let mut age_unknown = 0;
    let mut dated: Vec<(NaiveDate, &Delegate)> = Vec::new();
    for d in officials {
        match d.fields.birth_date.filter(|b| age_on(*b, as_of).is_some()) {
            Some(b) => {
                if let Some(age) = age_on(b, as_of)
                    && let Some(slot) = age_bands.get_mut(age_band(age))
                {
                    *slot += 1;
                }
                dated.push((b, d));
            }
            None => age_unknown += 1,
        }
    }
    let pick = |target: Option<NaiveDate>| {
        let mut v: Vec<Person> = dated
            .iter()
            .filter(|(b, _)| Some(*b) == target)
            .map(|(_, d)| person(d, as_of, ""))
            .collect();
        sort_people(&mut v);
        v
    };
    let youngest = pick(dated.iter().map(|(b, _)| *b).max());
    let oldest = pick(dated.iter().map(|(b, _)| *b).min());

    let kinds = [
        DelegateKind::Official,
        DelegateKind::Alternate,
        DelegateKind::Invited,
    ]
    .map(|k| (k, all.iter().filter(|d| d.fields.kind == k).count() as u64));

    let mut delegations = tally(officials.iter().map(|d| d.fields.delegation.as_str()));
    delegations.sort_by_cached_key(|(v, _)| (v.is_empty(), natural_key(v)));

    let mut headers: Vec<String> = Vec::new();
    for d in officials {
        for k in d.fields.extra.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for header in headers {
        let values: Vec<&str> = officials
            .iter()
            .filter_map(|d| d.fields.extra.get(&header))
            .map(|v| v.as_str())
            .filter(|v| !nfc(v).is_empty())
            .collect();
        let not_stated = officials.len() as u64 - values.len() as u64;
        let values = tally(values.into_iter());
        if values.is_empty() {
            continue;
        }
        if values.len() > MAX_DISTINCT {
            skipped.push(Skipped {
                header: nfc(&header),
                distinct: values.len(),
            });
        } else {
            columns.push(Column {
                header: nfc(&header),
                values,
                not_stated,
            });
        }
    }

    Structure {
        officials: officials.len() as u64,
        women,
        gender_unknown,
        minorities,
        ethnicity_unknown,
        minority_groups,
        age_bands,
        age_unknown,
        youngest,
        oldest,
        kinds,
        listed: all.len() as u64,
        delegations,
        columns,
        skipped,
    }
}

// ----- the document --------------------------------------------------------------------------

/// A bar of a chart: what it is, its value and the text printed after it ("201 · 44,8%").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub text: String,
}

/// One piece of the report, already translated and formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Para(String),
    /// A table: the header row, then the rows (each as long as the header).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A horizontal bar chart; the longest bar is the largest value.
    Chart {
        title: String,
        bars: Vec<Bar>,
    },
}

/// The report as the page, the PDF and the DOCX show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// "BÁO CÁO THẨM TRA TƯ CÁCH ĐẠI BIỂU".
    pub title: String,
    pub congress: String,
    /// "Hội trường tỉnh, 01/12/2026 – 03/12/2026".
    pub place_dates: String,
    pub blocks: Vec<Block>,
    /// Page numbers, with `{page}` and `{pages}`: "Trang {page}/{pages}".
    pub page_label: String,
}

/// What the credentials page shows: the figures and the report made from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The session the attendance figures are of (`None`: the program has none).
    pub session: Option<SessionId>,
    pub figures: Figures,
    pub report: Report,
}

// ----- PDF -----------------------------------------------------------------------------------

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 25.0;
const RIGHT: f32 = 15.0;
const TOP: f32 = PAGE_H - 20.0;
const BOTTOM: f32 = 18.0;
const TEXT_W: f32 = PAGE_W - LEFT - RIGHT;
const LEADING: f32 = 1.3;
const PAD: f32 = 1.2;
const INK: (f32, f32, f32) = (0.0, 0.0, 0.0);
const BAR: (f32, f32, f32) = (0.647, 0.075, 0.106);
const SHADE: (f32, f32, f32) = (0.93, 0.93, 0.91);

enum Item {
    Text {
        text: String,
        bold: bool,
        size: f32,
        x: f32,
        y: f32,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: (f32, f32, f32),
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Centre,
    Right,
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn get(&self, bold: bool) -> &Font {
        if bold { &self.bold } else { &self.regular }
    }
    /// Width in millimetres.
    fn width(&self, s: &str, bold: bool, size: f32) -> f32 {
        self.get(bold).width(s, size) / PT_PER_MM
    }
    /// Greedy word wrap to `w` millimetres; a word longer than a line is cut.
    fn wrap(&self, text: &str, bold: bool, size: f32, w: f32) -> Vec<String> {
        let text = self.get(bold).printable(&clean(text));
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, bold, size) <= w {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if self.width(&line, bold, size) > w && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

fn line_h(size: f32) -> f32 {
    size * LEADING / PT_PER_MM
}

struct Writer<'a> {
    fonts: &'a Fonts,
    pages: Vec<Vec<Item>>,
    /// Top of the next line, in millimetres from the bottom of the page.
    y: f32,
}

impl<'a> Writer<'a> {
    fn new(fonts: &'a Fonts) -> Self {
        Writer {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM && self.y < TOP {
            self.new_page();
        }
    }

    fn push(&mut self, item: Item) {
        if let Some(p) = self.pages.last_mut() {
            p.push(item);
        }
    }

    /// One line of text whose box starts at `top`.
    /// `room`: the left edge and the width the text is aligned in.
    fn line(
        &mut self,
        text: &str,
        bold: bool,
        size: f32,
        room: (f32, f32),
        align: Align,
        top: f32,
    ) {
        let (x, w) = room;
        let tw = self.fonts.width(text, bold, size);
        let x = match align {
            Align::Left => x,
            Align::Centre => x + (w - tw) / 2.0,
            Align::Right => x + w - tw,
        };
        self.push(Item::Text {
            text: text.to_owned(),
            bold,
            size,
            x,
            y: top - size / PT_PER_MM,
        });
    }

    fn para(&mut self, text: &str, bold: bool, size: f32, align: Align) {
        for l in self.fonts.wrap(text, bold, size, TEXT_W) {
            self.ensure(line_h(size));
            let top = self.y;
            self.line(&l, bold, size, (LEFT, TEXT_W), align, top);
            self.y -= line_h(size);
        }
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        const SIZE: f32 = 9.5;
        let n = header.len().max(1);
        // Natural widths, then shrunk in proportion when the table is wider than the text.
        let mut widths: Vec<f32> = (0..n)
            .map(|j| {
                let head = header
                    .get(j)
                    .map_or(0.0, |h| self.fonts.width(&clean(h), true, SIZE));
                let cells = rows
                    .iter()
                    .filter_map(|r| r.get(j))
                    .map(|c| self.fonts.width(&clean(c), false, SIZE))
                    .fold(0.0f32, f32::max);
                (head.min(40.0).max(cells) + 2.0 * PAD).max(12.0)
            })
            .collect();
        let total: f32 = widths.iter().sum();
        if total > TEXT_W {
            for w in &mut widths {
                *w *= TEXT_W / total;
            }
        }
        let numeric: Vec<bool> = (0..n)
            .map(|j| {
                j > 0
                    && !rows.is_empty()
                    && rows.iter().all(|r| {
                        r.get(j)
                            .is_some_and(|c| c.starts_with(|ch: char| ch.is_ascii_digit()))
                    })
            })
            .collect();
        let lh = line_h(SIZE);
        let fonts: &Fonts = self.fonts;
        let wrap_row = |cells: &[String], bold: bool| -> Vec<Vec<String>> {
            (0..n)
                .map(|j| {
                    let w = widths.get(j).copied().unwrap_or(12.0) - 2.0 * PAD;
                    fonts.wrap(
                        cells.get(j).map_or("", |s| s.as_str()),
                        bold,
                        SIZE,
                        w.max(4.0),
                    )
                })
                .collect()
        };
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD
        };
        let head = wrap_row(header, true);
        let head_h = height(&head);
        let draw = |w: &mut Writer<'_>, cells: &[Vec<String>], bold: bool, shade: bool| {
            let h = height(cells);
            let top = w.y;
            let total: f32 = widths.iter().sum();
            if shade {
                w.push(Item::Fill {
                    x: LEFT,
                    y: top - h,
                    w: total,
                    h,
                    colour: SHADE,
                });
            }
            let mut x = LEFT;
            for (j, lines) in cells.iter().enumerate() {
                let cw = widths.get(j).copied().unwrap_or(12.0);
                let align = if numeric.get(j).copied().unwrap_or(false) && !bold {
                    Align::Right
                } else {
                    Align::Left
                };
                for (i, l) in lines.iter().enumerate() {
                    w.line(
                        l,
                        bold,
                        SIZE,
                        (x + PAD, cw - 2.0 * PAD),
                        align,
                        top - PAD - i as f32 * lh,
                    );
                }
                x += cw;
            }
            w.push(Item::Rule {
                x1: LEFT,
                x2: LEFT + total,
                y: top - h,
            });
            w.y -= h;
        };
        self.ensure(head_h + lh + 2.0 * PAD);
        draw(self, &head, true, true);
        for r in rows {
            let cells = wrap_row(r, false);
            let h = height(&cells);
            if self.y - h < BOTTOM {
                self.new_page();
                draw(self, &head, true, true);
            }
            draw(self, &cells, false, false);
        }
    }

    fn chart(&mut self, title: &str, bars: &[Bar]) {
        const SIZE: f32 = 9.5;
        const LABEL_W: f32 = 52.0;
        const TEXT_AFTER: f32 = 34.0;
        let area = TEXT_W - LABEL_W - TEXT_AFTER - 2.0;
        let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
        let lh = line_h(SIZE);
        self.ensure(line_h(10.5) + 7.0);
        self.para(title, true, 10.5, Align::Left);
        self.gap(1.0);
        for b in bars {
            let lines = self.fonts.wrap(&b.label, false, SIZE, LABEL_W - PAD);
            let h = (lines.len() as f32 * lh).max(5.0) + 1.5;
            self.ensure(h);
            let top = self.y;
            for (i, l) in lines.iter().enumerate() {
                self.line(
                    l,
                    false,
                    SIZE,
                    (LEFT, LABEL_W),
                    Align::Left,
                    top - i as f32 * lh,
                );
            }
            let len = area * (b.value as f32 / max as f32);
            let x = LEFT + LABEL_W + 1.0;
            if b.value > 0 {
                self.push(Item::Fill {
                    x,
                    y: top - 4.0,
                    w: len.max(0.4),
                    h: 3.6,
                    colour: BAR,
                });
            }
            self.line(
                &b.text,
                false,
                SIZE,
                (x + len + 1.5, TEXT_AFTER),
                Align::Left,
                top,
            );
            self.y -= h;
        }
    }
}

fn layout(fonts: &Fonts, r: &Report) -> Vec<Vec<Item>> {
    let mut w = Writer::new(fonts);
    w.para(&r.title, true, 15.0, Align::Centre);
    w.gap(1.5);
    w.para(&r.congress, true, 12.0, Align::Centre);
    w.para(&r.place_dates, false, 11.0, Align::Centre);
    w.gap(4.0);
    for b in &r.blocks {
        match b {
            Block::Heading(h) => {
                w.gap(3.0);
                w.ensure(line_h(12.0) * 3.0);
                w.para(h, true, 12.0, Align::Left);
                w.gap(1.0);
            }
            Block::Para(p) => {
                w.para(p, false, 11.0, Align::Left);
                w.gap(1.0);
            }
            Block::Table { header, rows } => {
                w.table(header, rows);
                w.gap(3.0);
            }
            Block::Chart { title, bars } => {
                w.chart(title, bars);
                w.gap(3.0);
            }
        }
    }
    w.pages
}

/// The report as an A4 PDF (DejaVu Serif, embedded and subset, text extractable).
pub fn report_pdf(r: &Report) -> Result<Vec<u8>, BadgeError> {
    let title = ascii_fold(&clean(&r.title));
    let doc = PdfDocument::empty(title.trim())
        .with_conformance(PdfConformance::Custom(CustomPdfConformance::default()));
    let fonts = Fonts {
        regular: Font::load(&doc, dejavu::serif::regular())?,
        bold: Font::load(&doc, dejavu::serif::bold())?,
    };
    let pages = layout(&fonts, r);
    let total = pages.len();
    for (i, items) in pages.into_iter().enumerate() {
        let (page, layer) = doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "report");
        let layer = doc.get_page(page).get_layer(layer);
        let footer = r
            .page_label
            .replace("{page}", &(i + 1).to_string())
            .replace("{pages}", &total.to_string());
        let fw = fonts.width(&footer, false, 8.0);
        let footer = Item::Text {
            text: footer,
            bold: false,
            size: 8.0,
            x: (PAGE_W - fw) / 2.0,
            y: 10.0,
        };
        for item in items.iter().chain(std::iter::once(&footer)) {
            draw(&layer, &fonts, item);
        }
    }
    doc.save_to_bytes()
        .map_err(|e| BadgeError::Pdf(e.to_string()))
}

fn draw(layer: &PdfLayerReference, fonts: &Fonts, item: &Item) {
    let op = |o: &str, args: Vec<Object>| layer.add_operation(Operation::new(o, args));
    match item {
        Item::Text {
            text,
            bold,
            size,
            x,
            y,
        } => {
            let font = fonts.get(*bold);
            op("rg", vec![num(INK.0), num(INK.1), num(INK.2)]);
            layer.begin_text_section();
            layer.set_font(&font.pdf, *size);
            op("Td", vec![num(pt(*x)), num(pt(*y))]);
            layer.write_codepoints(font.glyph_ids(text));
            layer.end_text_section();
        }
        Item::Fill { x, y, w, h, colour } => {
            op("rg", vec![num(colour.0), num(colour.1), num(colour.2)]);
            op(
                "re",
                vec![num(pt(*x)), num(pt(*y)), num(pt(*w)), num(pt(*h))],
            );
            op("f", vec![]);
        }
        Item::Rule { x1, x2, y } => {
            op("RG", vec![num(0.6), num(0.6), num(0.6)]);
            op("w", vec![num(0.4)]);
            op("m", vec![num(pt(*x1)), num(pt(*y))]);
            op("l", vec![num(pt(*x2)), num(pt(*y))]);
            op("S", vec![]);
        }
    }
}

// ----- DOCX ----------------------------------------------------------------------------------

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const FONT: &str =
    r#"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>"#;

fn run(text: &str, bold: bool, half_points: u32) -> String {
    format!(
        r#"<w:r><w:rPr>{FONT}{}<w:sz w:val="{half_points}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
        if bold { "<w:b/>" } else { "" },
        xml(text)
    )
}

fn paragraph(text: &str, bold: bool, half_points: u32, centre: bool) -> String {
    format!(
        r#"<w:p><w:pPr><w:spacing w:after="80"/>{}</w:pPr>{}</w:p>"#,
        if centre {
            r#"<w:jc w:val="center"/>"#
        } else {
            ""
        },
        run(text, bold, half_points)
    )
}

fn docx_table(header: &[String], rows: &[Vec<String>]) -> String {
    let cell = |t: &str, bold: bool| {
        format!(
            r#"<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/>{}</w:tcPr><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>{}</w:p></w:tc>"#,
            if bold {
                r#"<w:shd w:val="clear" w:color="auto" w:fill="EDEDE8"/>"#
            } else {
                ""
            },
            run(t, bold, 22)
        )
    };
    let border =
        |side: &str| format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="999999"/>"#);
    let mut out = format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>{}{}{}{}{}{}</w:tblBorders></w:tblPr><w:tblGrid>"#,
        border("top"),
        border("left"),
        border("bottom"),
        border("right"),
        border("insideH"),
        border("insideV")
    );
    for _ in header {
        out.push_str("<w:gridCol/>");
    }
    out.push_str("</w:tblGrid>");
    out.push_str(r#"<w:tr><w:trPr><w:tblHeader/></w:trPr>"#);
    for h in header {
        out.push_str(&cell(h, true));
    }
    out.push_str("</w:tr>");
    for r in rows {
        out.push_str("<w:tr>");
        for j in 0..header.len() {
            out.push_str(&cell(r.get(j).map_or("", |s| s.as_str()), false));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out.push_str(&paragraph("", false, 22, false));
    out
}

/// The report as a DOCX (WordprocessingML by hand, a stored ZIP): the charts are tables with
/// a bar of "█" characters.
pub fn report_docx(r: &Report) -> Vec<u8> {
    let mut body = String::new();
    body.push_str(&paragraph(&r.title, true, 30, true));
    body.push_str(&paragraph(&r.congress, true, 26, true));
    body.push_str(&paragraph(&r.place_dates, false, 24, true));
    for b in &r.blocks {
        match b {
            Block::Heading(h) => body.push_str(&paragraph(h, true, 26, false)),
            Block::Para(p) => body.push_str(&paragraph(p, false, 24, false)),
            Block::Table { header, rows } => body.push_str(&docx_table(header, rows)),
            Block::Chart { title, bars } => {
                body.push_str(&paragraph(title, true, 22, false));
                let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
                let rows: Vec<Vec<String>> = bars
                    .iter()
                    .map(|b| {
                        let n = (b.value * 30 + max / 2) / max;
                        vec![
                            b.label.clone(),
                            "█".repeat(usize::try_from(n).unwrap_or(0)),
                            b.text.clone(),
                        ]
                    })
                    .collect();
                body.push_str(&docx_table(
                    &[String::new(), String::new(), String::new()],
                    &rows,
                ));
            }
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="851" w:bottom="1134" w:left="1418" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let core = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:language>vi-VN</dc:language></cp:coreProperties>"#,
        xml(&r.title)
    );
    zip_stored(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#,
        ),
        ("docProps/core.xml", core.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ])
}

/// CRC-32 (IEEE), as ZIP uses it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A ZIP archive of stored (uncompressed) entries; names are ASCII. Sizes fit in 32 bits
/// (a report is far smaller than 4 GB).
fn zip_stored(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    let u32_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let u16_of = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    for (name, data) in files {
        let crc = crc32(data);
        let offset = u32_of(out.len());
        let size = u32_of(data.len());
        let name_len = u16_of(name.len());
        // Local header: version 2.0, no flags, stored, 1980-01-01 00:00.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, 0, 0, 0x21] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, 0, 0, 0x21] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32_of(out.len());
    let cd_size = u32_of(central.len());
    out.extend(central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    let n = u16_of(files.len());
    for v in [0u16, 0, n, n] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use daihoi_domain::Event;
    use daihoi_domain::attendance::CheckInMethod;
    use daihoi_domain::model::DelegateFields;
    use daihoi_domain::state::{CongressInput, SessionInput};

    fn apply(s: &mut CongressState, events: Vec<Event>) {
        for e in &events {
            s.apply(e);
        }
    }

    fn d(code: &str, name: &str, delegation: &str) -> DelegateFields {
        DelegateFields {
            code: code.into(),
            full_name: name.into(),
            birth_date: None,
            gender: Some(Gender::Male),
            ethnicity: "Kinh".into(),
            position: String::new(),
            unit: String::new(),
            delegation: delegation.into(),
            group: String::new(),
            kind: DelegateKind::Official,
            shares: 0,
            photo: None,
            extra: BTreeMap::new(),
        }
    }

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// A small congress opening on 01/12/2026, counted by hand:
    ///
    /// | code | kind      | gender | ethnicity       | born       | age | education | year |
    /// |------|-----------|--------|-----------------|------------|-----|-----------|------|
    /// | A1   | official  | F      | Kinh            | 02/12/1991 | 34  | Thạc sĩ   | 2001 |
    /// | A2   | official  | F      | "Mường" (NFD)   | 02/12/1991 | 34  | Đại học   | 2002 |
    /// | A3   | official  | M      | "KINH "         | 01/12/1966 | 60  | Thạc sĩ   | 2003 |
    /// | B1   | official  | M      | Mường (NFC)     | 10/05/1950 | 76  | Tiến sĩ   | 2004 |
    /// | B2   | official  | M      | Tày             | 10/05/1950 | 76  |           | 2005 |
    /// | B3   | official  | ?      | (empty)         | (none)     |  ?  | Đại học   | 2006 |
    /// | B4   | official  | F      | Kinh            | 01/12/1990 | 36  | Đại học   | 2007 |
    /// | C1   | alternate | F      | Kinh            | 01/01/2000 | 26  |           |      |
    /// | G1   | invited   | M      | Kinh            | (none)     |     |           |      |
    ///
    /// "year" has 7 distinct values: with 21 officials it would be skipped; here the test
    /// adds a 21-value column ("Số điện thoại") to the officials only through extra rows.
    fn congress() -> (CongressState, Vec<SessionId>) {
        let mut s = CongressState::default();
        let ev = s
            .decide_configure(&CongressInput {
                name: "Đại hội đại biểu Đảng bộ tỉnh".into(),
                place: "Hội trường tỉnh".into(),
                starts_on: "01/12/2026".into(),
                ends_on: "03/12/2026".into(),
                kind: "party_congress".into(),
            })
            .unwrap();
        apply(&mut s, ev);
        let nfd_muong: String = "Mường".nfd().collect();
        assert_ne!(nfd_muong, "Mường");
        let rows = vec![
            (
                "A1",
                "Lê Thị Một",
                "Đoàn 1",
                Some(Gender::Female),
                "Kinh",
                ymd(1991, 12, 2),
                "Thạc sĩ",
            ),
            (
                "A2",
                "Bùi Thị Hai",
                "Đoàn 1",
                Some(Gender::Female),
                nfd_muong.as_str(),
                ymd(1991, 12, 2),
                "Đại học",
            ),
            (
                "A3",
                "Trần Văn Ba",
                "Đoàn 1",
                Some(Gender::Male),
                "KINH ",
                ymd(1966, 12, 1),
                "Thạc sĩ",
            ),
            (
                "B1",
                "Quách Văn Bốn",
                "Đoàn 10",
                Some(Gender::Male),
                "Mường",
                ymd(1950, 5, 10),
                "Tiến sĩ",
            ),
            (
                "B2",
                "Nông Văn Năm",
                "Đoàn 10",
                Some(Gender::Male),
                "Tày",
                ymd(1950, 5, 10),
                "",
            ),
            ("B3", "Hà Văn Sáu", "Đoàn 2", None, "", None, "Đại học"),
            (
                "B4",
                "Phạm Thị Bảy",
                "Đoàn 2",
                Some(Gender::Female),
                "Kinh",
                ymd(1990, 12, 1),
                "Đại học",
            ),
        ];
        let mut fields: Vec<DelegateFields> = rows
            .into_iter()
            .enumerate()
            .map(|(i, (code, name, del, g, eth, born, edu))| {
                let mut f = d(code, name, del);
                f.gender = g;
                f.ethnicity = eth.into();
                f.birth_date = born;
                if !edu.is_empty() {
                    f.extra.insert("Trình độ chuyên môn".into(), edu.into());
                }
                f.extra
                    .insert("Năm vào Đảng".into(), format!("{}", 2001 + i));
                f
            })
            .collect();
        let mut alt = d("C1", "Đỗ Thị Tám", "Đoàn 1");
        alt.kind = DelegateKind::Alternate;
        alt.gender = Some(Gender::Female);
        alt.birth_date = ymd(2000, 1, 1);
        let mut guest = d("G1", "Khách Mời", "");
        guest.kind = DelegateKind::Invited;
        fields.push(alt);
        fields.push(guest);
        let (_, ev) = s.decide_import("t", fields).unwrap();
        apply(&mut s, ev);
        let mut sessions = Vec::new();
        for (date, title) in [
            ("01/12/2026", "Phiên trù bị"),
            ("02/12/2026", "Phiên khai mạc"),
        ] {
            let (id, ev) = s
                .decide_add_session(&SessionInput {
                    date: date.into(),
                    title: title.into(),
                    kind: "plenary".into(),
                    ..Default::default()
                })
                .unwrap();
            apply(&mut s, ev);
            sessions.push(id);
        }
        (s, sessions)
    }

    fn id(s: &CongressState, code: &str) -> DelegateId {
        s.delegate_by_code(code).unwrap().id
    }

    fn names(list: &[Person]) -> Vec<&str> {
        list.iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn shares_round_half_up_from_integers() {
        assert_eq!(Share::new(194, 449).percent(','), "43,2%");
        assert_eq!(Share::new(194, 449).percent('.'), "43.2%");
        // 1/8 = 12.5% exactly; 1/16 = 6.25% → 6.3% (half up), 1/3 → 33.3%, 2/3 → 66.7%.
        assert_eq!(Share::new(1, 8).percent(','), "12,5%");
        assert_eq!(Share::new(1, 16).percent(','), "6,3%");
        assert_eq!(Share::new(1, 3).percent(','), "33,3%");
        assert_eq!(Share::new(2, 3).percent(','), "66,7%");
        assert_eq!(Share::new(0, 7).percent(','), "0,0%");
        assert_eq!(Share::new(7, 7).percent(','), "100,0%");
        assert_eq!(Share::new(1, 0).percent(','), "–");
        // 0.05% is the half: 1 of 2000 → 0.1%; 1 of 2001 → 0.0%.
        assert_eq!(Share::new(1, 2000).tenths(), Some(1));
        assert_eq!(Share::new(1, 2001).tenths(), Some(0));
        assert_eq!(Share::new(u64::MAX, u64::MAX).tenths(), Some(1000));
    }

    #[test]
    fn age_bands_are_contiguous_and_ages_count_whole_years() {
        for pair in AGE_BANDS.windows(2) {
            assert_eq!(pair[0].max.map(|m| m + 1), Some(pair[1].min));
        }
        assert_eq!(AGE_BANDS[0].min, 0);
        assert_eq!(AGE_BANDS[4].max, None);
        let on = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(age_on(ymd(1991, 12, 2).unwrap(), on), Some(34));
        assert_eq!(age_on(ymd(1991, 12, 1).unwrap(), on), Some(35));
        assert_eq!(age_on(ymd(2027, 1, 1).unwrap(), on), None);
        assert_eq!(
            [34, 35, 45, 46, 55, 56, 60, 61, 99].map(age_band),
            [0, 1, 1, 2, 2, 3, 3, 4, 4]
        );
    }

    #[test]
    fn structure_of_a_small_congress_counted_by_hand() {
        let (mut s, _) = congress();
        // A 21-value column on officials (phone numbers) must be skipped: add 14 more
        // officials so that the column has 21 distinct values.
        let more: Vec<DelegateFields> = (1..=14)
            .map(|i| {
                let mut f = d(&format!("Z{i:02}"), &format!("Người Số {i}"), "Đoàn 3");
                f.gender = None;
                f.ethnicity = String::new();
                f
            })
            .collect();
        let mut all: Vec<DelegateFields> = s.delegates().map(|d| d.fields.clone()).collect();
        all.extend(more);
        for (i, f) in all.iter_mut().enumerate() {
            if f.kind == DelegateKind::Official {
                f.extra.insert("Số điện thoại".into(), format!("09{i:08}"));
            }
        }
        let (_, ev) = s.decide_import("t2", all).unwrap();
        apply(&mut s, ev);

        let f = figures(&s, None).unwrap();
        let st = &f.structure;
        assert_eq!(f.as_of, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(st.officials, 21);
        assert_eq!(st.listed, 23);
        assert_eq!(
            st.kinds,
            [
                (DelegateKind::Official, 21),
                (DelegateKind::Alternate, 1),
                (DelegateKind::Invited, 1)
            ]
        );
        // Women: A1, A2, B4 (the alternate is not counted); gender unknown: B3 + 14.
        assert_eq!((st.women, st.gender_unknown), (3, 15));
        // Minorities: A2 (NFD Mường), B1 (Mường), B2 (Tày); "KINH " is Kinh; B3 and the 14
        // new ones are unknown.
        assert_eq!((st.minorities, st.ethnicity_unknown), (3, 15));
        assert_eq!(
            st.minority_groups,
            vec![("Mường".to_owned(), 2), ("Tày".to_owned(), 1)]
        );
        // Ages on 01/12/2026: 34, 34 | 36 | — | 60 | 76, 76; unknown: B3 + 14.
        assert_eq!(st.age_bands, [2, 1, 0, 1, 2]);
        assert_eq!(st.age_unknown, 15);
        assert_eq!(names(&st.youngest), ["A1", "A2"]);
        assert_eq!(names(&st.oldest), ["B1", "B2"]);
        assert!(st.youngest.iter().all(|p| p.age == Some(34)));
        assert!(st.oldest.iter().all(|p| p.age == Some(76)));
        // Delegations in natural order: Đoàn 1, 2, 3, 10.
        assert_eq!(
            st.delegations,
            vec![
                ("Đoàn 1".to_owned(), 3),
                ("Đoàn 2".to_owned(), 2),
                ("Đoàn 3".to_owned(), 14),
                ("Đoàn 10".to_owned(), 2)
            ]
        );
        // Columns: education (3 values, most frequent first) and the 7-value year; the
        // 21-value phone column is skipped.
        let edu = st
            .columns
            .iter()
            .find(|c| c.header == "Trình độ chuyên môn")
            .unwrap();
        assert_eq!(
            edu.values,
            vec![
                ("Đại học".to_owned(), 3),
                ("Thạc sĩ".to_owned(), 2),
                ("Tiến sĩ".to_owned(), 1)
            ]
        );
        assert_eq!(edu.not_stated, 15);
        assert!(st.columns.iter().any(|c| c.header == "Năm vào Đảng"));
        assert_eq!(
            st.skipped,
            vec![Skipped {
                header: "Số điện thoại".into(),
                distinct: 21
            }]
        );
        // Shares name their base: 3 of 21 women = 14,3%.
        assert_eq!(Share::new(st.women, st.officials).percent(','), "14,3%");
    }

    #[test]
    fn attendance_lists_and_the_suggested_base() {
        let (mut s, sessions) = congress();
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let (first, second) = (sessions[0], sessions[1]);
        // Session 1: A1 present, A2 absent with a reason, A3 absent without, B1 left early;
        // the rest not arrived.
        let check_in = |s: &mut CongressState, sid, code: &str| {
            let who = id(s, code);
            let (_, ev) = s
                .decide_check_in(
                    sid,
                    who,
                    CheckInMethod::Qr,
                    t,
                    chrono::Duration::minutes(15),
                )
                .unwrap();
            apply(s, ev);
        };
        check_in(&mut s, first, "A1");
        check_in(&mut s, first, "B1");
        let ev = s
            .decide_mark_absent(first, id(&s, "A2"), "Ốm, có giấy", "Thư ký", t)
            .unwrap();
        apply(&mut s, ev);
        let ev = s
            .decide_mark_absent(first, id(&s, "A3"), "", "Thư ký", t)
            .unwrap();
        apply(&mut s, ev);
        let ev = s
            .decide_leave_early(first, id(&s, "B1"), "Công tác", "Thư ký", t)
            .unwrap();
        apply(&mut s, ev);

        let f = figures(&s, Some(first)).unwrap();
        let a = f.attendance.as_ref().unwrap();
        assert_eq!((a.summoned, a.present, a.late), (7, 1, 0));
        assert_eq!(names(&a.absent_with_reason), ["A2"]);
        assert_eq!(a.absent_with_reason[0].reason, "Ốm, có giấy");
        assert_eq!(names(&a.absent_without_reason), ["A3"]);
        assert_eq!(names(&a.left_early), ["B1"]);
        assert_eq!(names(&a.not_arrived), ["B3", "B4", "B2"]);
        // The same figures as the domain's own counts.
        let c = s.attendance_counts(first);
        assert_eq!(
            (
                c.summoned,
                c.present,
                c.left_early,
                c.absent_with_reason,
                c.absent_without_reason,
                c.not_arrived
            ),
            (a.summoned, a.present, 1, 1, 1, 3)
        );
        // No session ended: nobody is absent throughout, B = 7.
        assert_eq!(f.ended_sessions, 0);
        assert!(f.absent_throughout.is_empty());
        assert_eq!(f.suggested_base, 7);

        // End both sessions; in the second, A2 and B1 come, A3 has a reason now.
        for sid in [first, second] {
            let ev = s.decide_start_session(sid, t).unwrap();
            apply(&mut s, ev);
            if sid == second {
                check_in(&mut s, second, "A2");
                check_in(&mut s, second, "B1");
                check_in(&mut s, second, "A1");
                let ev = s
                    .decide_mark_absent(second, id(&s, "A3"), "Nằm viện", "Thư ký", t)
                    .unwrap();
                apply(&mut s, ev);
            }
            let ev = s.decide_end_session(sid, t).unwrap();
            apply(&mut s, ev);
        }
        let f = figures(&s, Some(second)).unwrap();
        assert_eq!(f.ended_sessions, 2);
        // Absent throughout: A3 (absent twice), B2, B3, B4 (never came). B1 left early once
        // but came: not absent throughout.
        assert_eq!(names(&f.absent_throughout), ["A3", "B3", "B4", "B2"]);
        assert_eq!(f.absent_throughout[0].reason, "Nằm viện");
        assert_eq!(f.suggested_base, 3);
        // The default (no session) is reported by the caller; without sessions, none.
        assert!(figures(&s, None).unwrap().attendance.is_none());
        assert!(figures(&CongressState::default(), None).is_none());
    }

    fn sample_report() -> Report {
        Report {
            title: "BÁO CÁO THẨM TRA TƯ CÁCH ĐẠI BIỂU".into(),
            congress: "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV".into(),
            place_dates: "Hội trường tỉnh, 01/12/2026 – 03/12/2026".into(),
            page_label: "Trang {page}/{pages}".into(),
            blocks: vec![
                Block::Heading("I. TÌNH HÌNH ĐẠI BIỂU CÓ MẶT".into()),
                Block::Para("Tổng số đại biểu chính thức được triệu tập: 449.".into()),
                Block::Table {
                    header: vec!["Nội dung".into(), "Số lượng".into(), "Tỉ lệ".into()],
                    rows: vec![vec![
                        "Nữ".into(),
                        "194".into(),
                        "43,2% của 449 đại biểu chính thức".into(),
                    ]],
                },
                Block::Chart {
                    title: "Độ tuổi (trên 449 đại biểu chính thức)".into(),
                    bars: vec![
                        Bar {
                            label: "Dưới 35 tuổi".into(),
                            value: 12,
                            text: "12 · 2,7% của 449".into(),
                        },
                        Bar {
                            label: "Trên 60 tuổi".into(),
                            value: 0,
                            text: "0 · 0,0% của 449".into(),
                        },
                    ],
                },
                Block::Table {
                    header: vec!["TT".into(), "Họ và tên".into(), "Lý do".into()],
                    rows: (1..=120)
                        .map(|i| vec![i.to_string(), format!("Nguyễn Thị Hương {i}"), "Ốm".into()])
                        .collect(),
                },
            ],
        }
    }

    #[test]
    fn the_pdf_is_valid_and_paginates() {
        let pdf = report_pdf(&sample_report()).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let doc = printpdf::lopdf::Document::load_mem(&pdf).unwrap();
        assert!(doc.get_pages().len() >= 2, "120 rows need a second page");
    }

    #[test]
    fn the_docx_is_a_zip_with_the_text_in_nfc() {
        let docx = report_docx(&sample_report());
        assert!(docx.starts_with(b"PK\x03\x04"));
        let text = String::from_utf8_lossy(&docx);
        assert!(text.contains("word/document.xml"));
        assert!(text.contains("43,2% của 449 đại biểu chính thức"));
        assert!(text.contains("BÁO CÁO THẨM TRA TƯ CÁCH ĐẠI BIỂU"));
        assert!(text.contains("<w:tbl>"));
        // The chart became a table with bars of "█".
        assert!(text.contains("██████████████████████████████"));
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
