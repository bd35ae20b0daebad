//! The delegate list importer: CSV and XLSX files as Vietnamese organisers keep them.
//!
//! Organisers' lists come from Excel, from the Party's membership software, or from a
//! shareholder register; they have a title row above the header, Vietnamese headers spelt
//! in many ways, dates typed as text or stored as Excel serials, and decomposed (NFD)
//! Vietnamese from some keyboards. The importer accepts all of that, and rejects the whole
//! file with every problem listed (row, column, problem) when any row is wrong: a half
//! imported delegate list is worse than none.
//!
//! Decisions worth knowing:
//! - A column headed "Năm sinh" (birth year) that holds only a year keeps that year in
//!   `extra` under the header text and leaves `birth_date` empty: inventing 01/01/YYYY
//!   would print a false birth date on badges and reports. A full date in such a column
//!   is taken as the birth date. A bare year in a "Ngày sinh" column is a problem
//!   (`year_only_date`) whose message suggests renaming the column.
//! - Codes are compared case-insensitively for duplicates ("db01" and "DB01" are the
//!   same delegate to the people who type them) and kept as written.
//! - When two columns map to the same field ("Chức vụ" and "Chức vụ, đơn vị công tác"),
//!   the first one wins and the other is kept in `extra` under its header text.
//! - A row of column numbers right under the header ("1 2 3 ..." or "(1) (2) (3) ...",
//!   as official Vietnamese forms have) is skipped.
//! - A file with a header but no delegate is rejected (`import_no_rows`): importing
//!   nothing is always a mistake.
//! - Four-digit numbers from 1000 to 2999 in a birth date column are years, not Excel
//!   serials (those serials are 1902-1908); other numbers from 1 to 80000 are serials.
//! - At most [`MAX_COLUMNS`] columns are read; cells further right are ignored.
//! - `parse_delegates` reads the wall clock (for "born in the future" only); callers with
//!   a `Clock` use [`parse_delegates_on`].

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx, XlsxError};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use daihoi_domain::text::{clean_line, fold, parse_date};
use daihoi_domain::{DelegateFields, DelegateKind, Error, Gender, Problem, Result, RowProblem};

/// Most delegates one file may hold (the largest congresses have a few thousand).
pub const MAX_ROWS: usize = 20_000;
/// The header row must be among the first this many non-blank rows.
pub const HEADER_SCAN_ROWS: usize = 10;
/// Cells further right than this are ignored (bounds memory on hostile files).
pub const MAX_COLUMNS: usize = 512;

const CODE_MAX: usize = 32;
const NAME_MAX: usize = 200;
const SHORT_MAX: usize = 100;
const TEXT_MAX: usize = 500;
const EXTRA_MAX: usize = 1000;
const PHOTO_MAX: usize = 255;
/// Numbers from 1 to this are read as Excel date serials (80000 is the year 2119).
const SERIAL_MAX: f64 = 80_000.0;
/// Non-blank rows kept while reading: the header area, a column-number row, the data.
const MAX_SHEET_ROWS: usize = MAX_ROWS + HEADER_SCAN_ROWS + 1;

const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// An uploaded file: the name only helps pick an error message; the content decides.
pub struct ImportFile<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Parse a delegate list. Ok(rows) only when EVERY row is valid; otherwise
/// Err(Error::ImportRejected(problems)) listing every problem (row, column, problem), or
/// Err(Error::Invalid{field:"file", ..}) when the file itself cannot be read (unknown format, no header row, missing required column, empty file, not UTF-8/UTF-16 CSV, corrupt XLSX).
///
/// Birth dates in the future are judged against today's date in Vietnam (UTC+7), where
/// the lists are made, read from the wall clock; callers that carry a `Clock` should call
/// [`parse_delegates_on`] with its date instead.
// The one clock read of this crate: only the "birth date in the future" check depends
// on it, and a day's skew there changes nothing that matters.
#[allow(clippy::disallowed_methods)]
pub fn parse_delegates(file: ImportFile<'_>) -> Result<Vec<DelegateFields>> {
    parse_delegates_on(file, vietnam_today(Utc::now()))
}

/// The calendar date in Vietnam (UTC+7, no daylight saving) at `now`.
pub fn vietnam_today(now: DateTime<Utc>) -> NaiveDate {
    (now + TimeDelta::hours(7)).date_naive()
}

/// [`parse_delegates`] with an explicit "today" for the future-birth-date check.
pub fn parse_delegates_on(file: ImportFile<'_>, today: NaiveDate) -> Result<Vec<DelegateFields>> {
    let rows = read_rows(&file)?;
    let (header_at, columns) = find_header(&rows)?;
    let mut data = rows.get(header_at + 1..).unwrap_or(&[]);
    if data.first().is_some_and(is_column_number_row) {
        data = data.get(1..).unwrap_or(&[]);
    }
    if data.len() > MAX_ROWS {
        return Err(too_many_rows());
    }
    if data.is_empty() {
        return Err(file_error("import_no_rows"));
    }
    convert(data, &columns, today)
}

/// Vietnamese headers in the canonical order: the template's header row.
const TEMPLATE_HEADERS: [&str; 12] = [
    "Mã đại biểu",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Chức vụ",
    "Đơn vị công tác",
    "Đoàn",
    "Tổ",
    "Loại đại biểu",
    "Số cổ phần",
    "Ảnh",
];

/// The header row of a template file organisers can download (Vietnamese headers in the canonical order), as CSV bytes with a UTF-8 BOM.
pub fn template_csv() -> Vec<u8> {
    // The BOM makes Excel open the file as UTF-8 instead of the ANSI code page.
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend_from_slice(TEMPLATE_HEADERS.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

// ---------------------------------------------------------------------------------------
// Cells and rows, whatever the format

/// A cell as the importer sees it. Text is already `clean_line`d; blank text is `Empty`.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl Cell {
    fn is_blank(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    /// The text an organiser sees in the cell.
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::Error(s) => s.clone(),
            Cell::Number(f) => number_text(*f),
            Cell::Date(d) => show_date(*d),
        }
    }
}

fn text_cell(s: &str) -> Cell {
    let v = clean_line(s);
    if v.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(v)
    }
}

/// Whole numbers without ".0": codes and shares are often numeric cells.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn show_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A non-blank row with its spreadsheet row number (1-based, as the file has it).
#[derive(Debug)]
struct Row {
    number: usize,
    cells: Vec<Cell>,
}

fn file_error(key: &'static str) -> Error {
    Error::Invalid {
        field: "file",
        problem: Problem::new(key),
    }
}

fn too_many_rows() -> Error {
    Error::Invalid {
        field: "file",
        problem: Problem::new("import_too_many_rows").arg("max", MAX_ROWS),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn extension(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => String::new(),
    }
}

/// The non-blank rows of the file, in order.
fn read_rows(file: &ImportFile<'_>) -> Result<Vec<Row>> {
    let bytes = file.bytes;
    if bytes.is_empty() {
        return Err(file_error("import_empty"));
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return read_xlsx(file);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(file_error(ole_problem(file)));
    }
    let text = decode_text(file)?;
    read_csv(&text)
}

/// An OLE compound file: an encrypted .xlsx, a legacy .xls, or a Word/PowerPoint file.
fn ole_problem(file: &ImportFile<'_>) -> &'static str {
    // Office stores password-protected .xlsx files as an OLE container with this stream.
    let encrypted: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    if contains(file.bytes, &encrypted) {
        return "import_xlsx_encrypted";
    }
    match extension(file.file_name).as_str() {
        "doc" | "dot" | "ppt" | "pps" | "pot" | "msg" | "msi" | "vsd" | "pub" => {
            "import_unknown_format"
        }
        _ => "import_xls_legacy",
    }
}

// ---------------------------------------------------------------------------------------
// XLSX

fn read_xlsx(file: &ImportFile<'_>) -> Result<Vec<Row>> {
    // calamine 0.30 trusts some indices inside the workbook (a shared-string number in the
    // sheet XML, for one) and panics on a damaged file; that file is corrupt, not a crash.
    std::panic::catch_unwind(|| read_xlsx_unguarded(file))
        .unwrap_or_else(|_| Err(file_error("import_corrupt_xlsx")))
}

fn read_xlsx_unguarded(file: &ImportFile<'_>) -> Result<Vec<Row>> {
    let mut book = match Xlsx::new(Cursor::new(file.bytes)) {
        Ok(book) => book,
        Err(XlsxError::Password) => return Err(file_error("import_xlsx_encrypted")),
        Err(_) => {
            // Zip entry names are stored uncompressed: a damaged workbook still names them.
            let looks_xlsx = contains(file.bytes, b"xl/")
                || matches!(extension(file.file_name).as_str(), "xlsx" | "xlsm");
            return Err(file_error(if looks_xlsx {
                "import_corrupt_xlsx"
            } else {
                "import_unknown_format"
            }));
        }
    };
    let Some(first) = book.sheet_names().into_iter().next() else {
        return Err(file_error("import_empty"));
    };
    let corrupt = |_| file_error("import_corrupt_xlsx");
    let mut reader = book.worksheet_cells_reader(&first).map_err(corrupt)?;
    // Streamed cell by cell: a sheet's declared dimensions can be huge and sparse.
    let mut rows: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(corrupt)? {
        let (r, c) = cell.get_position();
        let c = c as usize;
        if c >= MAX_COLUMNS {
            continue;
        }
        let value = xlsx_cell(cell.get_value());
        if value.is_blank() {
            continue;
        }
        let count = rows.len();
        let row = match rows.entry(r) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                if count >= MAX_SHEET_ROWS {
                    return Err(too_many_rows());
                }
                e.insert(Vec::new())
            }
        };
        if row.len() <= c {
            row.resize(c + 1, Cell::Empty);
        }
        if let Some(slot) = row.get_mut(c) {
            *slot = value;
        }
    }
    Ok(rows
        .into_iter()
        .map(|(r, cells)| Row {
            number: r as usize + 1,
            cells,
        })
        .collect())
}

fn xlsx_cell(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DurationIso(s) => text_cell(s),
        DataRef::DateTimeIso(s) => match s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        {
            Some(d) => Cell::Date(d),
            None => text_cell(s),
        },
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_string()),
        // calamine applies the workbook's 1900/1904 date system here.
        DataRef::DateTime(dt) => match dt.as_datetime().filter(|_| dt.is_datetime()) {
            Some(t) => Cell::Date(t.date()),
            None => Cell::Number(dt.as_f64()),
        },
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

// ---------------------------------------------------------------------------------------
// CSV

/// CSV text: UTF-8 with or without BOM, or UTF-16 with BOM (Excel's "Unicode text").
fn decode_text(file: &ImportFile<'_>) -> Result<String> {
    let bytes = file.bytes;
    let not_unicode = || file_error("import_not_utf8");
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8(rest.to_vec()).map_err(|_| not_unicode())?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes).ok_or_else(not_unicode)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes).ok_or_else(not_unicode)?
    } else {
        let head = bytes.get(..8192).unwrap_or(bytes);
        if head
            .iter()
            .any(|b| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        {
            return Err(file_error("import_unknown_format"));
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            // Text in a legacy code page (Windows-1258, TCVN3) is a CSV saved the wrong way;
            // anything else that is not UTF-8 is simply not a delegate list.
            Err(_)
                if matches!(
                    extension(file.file_name).as_str(),
                    "csv" | "txt" | "tsv" | "tab"
                ) =>
            {
                return Err(not_unicode());
            }
            Err(_) => return Err(file_error("import_unknown_format")),
        }
    };
    let start = text.trim_start();
    if text.contains('\0')
        || start.starts_with('<')
        || start.starts_with("%PDF")
        || start.starts_with("{\\rtf")
    {
        return Err(file_error("import_unknown_format"));
    }
    Ok(text)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .ok()
}

fn read_csv(text: &str) -> Result<Vec<Row>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (forced, body) = split_sep_line(text);
    let delimiter = match forced {
        Some(d) => d,
        None => detect_delimiter(body)?,
    };
    csv_rows(body, delimiter, MAX_SHEET_ROWS + 1)
}

/// Excel writes and honours a first line `sep=;` naming the delimiter; it is not a row.
fn split_sep_line(text: &str) -> (Option<u8>, &str) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let first = first.trim_end_matches('\r');
    match first.get(..4).map(str::to_ascii_lowercase).as_deref() {
        Some("sep=") => match first.as_bytes().get(4..) {
            Some([d]) if matches!(d, b',' | b';' | b'\t' | b'|') => (Some(*d), rest),
            _ => (None, text),
        },
        _ => (None, text),
    }
}

/// The delimiter under which the header area reads best; Vietnamese Excel writes `;`
/// (the list separator of a locale whose decimal mark is `,`), others `,` or tab.
fn detect_delimiter(body: &str) -> Result<u8> {
    let mut best = (0, b',');
    for d in [b',', b';', b'\t'] {
        let rows = csv_rows(body, d, HEADER_SCAN_ROWS)?;
        let score = rows.iter().map(header_score).max().unwrap_or(0);
        if score > best.0 {
            best = (score, d);
        }
    }
    Ok(best.1)
}

fn header_score(row: &Row) -> usize {
    let known: HashSet<Known> = row
        .cells
        .iter()
        .filter_map(|c| classify(&c.text()))
        .filter(|k| *k != Known::RowNumber)
        .collect();
    let both = known.contains(&Known::Code) && known.contains(&Known::Name);
    known.len() + if both { 100 } else { 0 }
}

/// Up to `limit` non-blank rows; more than [`MAX_SHEET_ROWS`] is an error.
fn csv_rows(body: &str, delimiter: u8, limit: usize) -> Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line breaks inside quoted cells advance the line count but not the spreadsheet row.
    let mut inner_breaks = 0usize;
    let (mut scanned, mut breaks_before) = (0usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => return Err(file_error("import_unknown_format")),
        }
        // The csv crate's own line count skips blank lines; count line breaks up to the
        // record's first byte instead (a blank line is a spreadsheet row too). Its position
        // may point at blank lines before the record: skip them. Counted incrementally.
        let bytes = body.as_bytes();
        let mut byte = (record.position().map_or(0, |p| p.byte()) as usize).min(bytes.len());
        while byte < bytes.len() && matches!(bytes[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte > scanned {
            breaks_before += bytes[scanned..byte].iter().filter(|b| **b == b'\n').count();
            scanned = byte;
        }
        let line = 1 + breaks_before;
        let number = line.saturating_sub(inner_breaks);
        inner_breaks += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();
        let cells: Vec<Cell> = record.iter().take(MAX_COLUMNS).map(text_cell).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        if rows.len() >= limit {
            break;
        }
        if rows.len() >= MAX_SHEET_ROWS {
            return Err(too_many_rows());
        }
        rows.push(Row { number, cells });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Header

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Known {
    Code,
    Name,
    BirthDate,
    /// "Năm sinh": may hold only a year (kept in `extra`).
    BirthYear,
    Gender,
    Ethnicity,
    Position,
    Unit,
    Delegation,
    Group,
    Kind,
    Shares,
    Photo,
    /// "STT": the row number, ignored.
    RowNumber,
}

/// Header aliases, as `header_key` folds them (no diacritics, lower case, punctuation
/// turned into spaces, a trailing "(...)" note dropped).
const ALIASES: &[(Known, &[&str])] = &[
    (
        Known::Code,
        &[
            "ma dai bieu",
            "ma db",
            "ma so",
            "ma",
            "ma so dai bieu",
            "ma co dong",
            "ma so co dong",
            "code",
            "delegate code",
        ],
    ),
    (
        Known::Name,
        &[
            "ho va ten",
            "ho ten",
            "ho va ten dai bieu",
            "ho ten dai bieu",
            "ten dai bieu",
            "ho va ten co dong",
            "ho ten co dong",
            "ten co dong",
            "full name",
            "fullname",
            "name",
        ],
    ),
    (
        Known::BirthDate,
        &[
            "ngay sinh",
            "ngay thang nam sinh",
            "sinh ngay",
            "birth date",
            "date of birth",
            "birthdate",
            "dob",
        ],
    ),
    (
        Known::BirthYear,
        &["nam sinh", "year of birth", "birth year"],
    ),
    (
        Known::Gender,
        &["gioi tinh", "gioi", "nam nu", "gender", "sex"],
    ),
    (Known::Ethnicity, &["dan toc", "ethnicity"]),
    (
        Known::Position,
        &[
            "chuc vu",
            "chuc danh",
            "chuc vu chuc danh",
            "chuc vu don vi cong tac",
            "chuc vu don vi",
            "chuc vu noi cong tac",
            "chuc vu co quan don vi",
            "position",
            "job title",
        ],
    ),
    (
        Known::Unit,
        &[
            "don vi",
            "don vi cong tac",
            "co quan",
            "co quan don vi",
            "co quan cong tac",
            "noi cong tac",
            "unit",
            "organisation",
            "organization",
        ],
    ),
    (Known::Delegation, &["doan", "doan dai bieu", "delegation"]),
    (
        Known::Group,
        &[
            "to",
            "to thao luan",
            "to dai bieu",
            "group",
            "discussion group",
        ],
    ),
    (
        Known::Kind,
        &["loai dai bieu", "loai", "kind", "delegate kind", "type"],
    ),
    (
        Known::Shares,
        &[
            "so co phan",
            "co phan bieu quyet",
            "so co phan bieu quyet",
            "so co phan so huu",
            "so luong co phan",
            "co phan",
            "shares",
            "voting shares",
            "number of shares",
        ],
    ),
    (
        Known::Photo,
        &[
            "anh",
            "tep anh",
            "anh chan dung",
            "anh the",
            "file anh",
            "photo",
            "photo file",
            "picture",
        ],
    ),
    (Known::RowNumber, &["stt", "tt", "so tt", "so thu tu", "no"]),
];

/// Canonical Vietnamese header of a required column, for messages about its absence.
fn canonical_header(k: Known) -> &'static str {
    match k {
        Known::Code => "Mã đại biểu",
        _ => "Họ và tên",
    }
}

/// Headers and values compared whatever the keyboard: "Họ và tên (*)", "HỌ VÀ TÊN",
/// "ho_va_ten" and "Ngày, tháng, năm sinh" / "ngay thang nam sinh" are the same.
fn header_key(s: &str) -> String {
    let mut f = fold(s);
    while f.ends_with(')') {
        match f.rfind('(') {
            Some(p) => f.truncate(p),
            None => break,
        }
    }
    let spaced: String = f
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn classify(header: &str) -> Option<Known> {
    let key = header_key(header);
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(k, _)| *k)
}

#[derive(Debug, Clone, PartialEq)]
enum Field {
    Known(Known),
    /// Kept in `extra` under this key.
    Extra(String),
    /// No header: the column is ignored.
    Unnamed,
}

#[derive(Debug, Clone)]
struct Column {
    /// The header text as the file has it (after `clean_line`).
    header: String,
    field: Field,
}

fn map_columns(row: &Row) -> Vec<Column> {
    let mut taken: HashSet<Known> = HashSet::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut columns = Vec::with_capacity(row.cells.len());
    for cell in &row.cells {
        let header = cell.text();
        let field = if header.is_empty() {
            Field::Unnamed
        } else {
            match classify(&header) {
                Some(Known::RowNumber) => Field::Known(Known::RowNumber),
                Some(k) if taken.insert(k) => Field::Known(k),
                // A second column for a field already mapped, or any other header.
                _ => {
                    let mut key = header.clone();
                    let mut n = 2;
                    while keys.contains(&key) {
                        key = format!("{header} ({n})");
                        n += 1;
                    }
                    Field::Extra(key)
                }
            }
        };
        // Known headers reserve their text too: the "Năm sinh" year is stored under it.
        keys.insert(match &field {
            Field::Extra(k) => k.clone(),
            _ => header.clone(),
        });
        columns.push(Column { header, field });
    }
    columns
}

/// The header row: the first of the first [`HEADER_SCAN_ROWS`] rows naming both the code
/// and the name columns. Rows above it (titles) are ignored.
fn find_header(rows: &[Row]) -> Result<(usize, Vec<Column>)> {
    if rows.is_empty() {
        return Err(file_error("import_empty"));
    }
    let mut partial: Option<Vec<Column>> = None;
    for (i, row) in rows.iter().enumerate().take(HEADER_SCAN_ROWS) {
        let columns = map_columns(row);
        let has = |k: Known| columns.iter().any(|c| c.field == Field::Known(k));
        if has(Known::Code) && has(Known::Name) {
            return Ok((i, columns));
        }
        let some_known = columns
            .iter()
            .any(|c| matches!(c.field, Field::Known(k) if k != Known::RowNumber));
        if partial.is_none() && some_known {
            partial = Some(columns);
        }
    }
    // A row with some known headers is the header row missing a required column.
    let Some(columns) = partial else {
        return Err(file_error("import_no_header"));
    };
    let missing = if columns.iter().any(|c| c.field == Field::Known(Known::Code)) {
        Known::Name
    } else {
        Known::Code
    };
    Err(Error::Invalid {
        field: "file",
        problem: Problem::new("import_missing_column").arg("column", canonical_header(missing)),
    })
}

/// "1 2 3 ..." or "(1) (2) (3) ..." under the header of official forms.
fn is_column_number_row(row: &Row) -> bool {
    let mut last = 0u32;
    let mut count = 0;
    for cell in &row.cells {
        let n = match cell {
            Cell::Empty => continue,
            Cell::Number(f) if f.fract() == 0.0 && (1.0..=999.0).contains(f) => *f as u32,
            Cell::Text(s) => match s
                .trim_start_matches('(')
                .trim_end_matches(')')
                .parse::<u32>()
            {
                Ok(n) => n,
                Err(_) => return false,
            },
            _ => return false,
        };
        if n <= last {
            return false;
        }
        last = n;
        count += 1;
    }
    count >= 3
}

// ---------------------------------------------------------------------------------------
// Rows

struct Problems {
    list: Vec<RowProblem>,
}

impl Problems {
    fn push(&mut self, row: usize, column: &str, problem: Problem) {
        self.list.push(RowProblem {
            row,
            column: column.to_string(),
            problem,
        });
    }
}

fn too_long(max: usize, len: usize) -> Problem {
    Problem::new("too_long").arg("max", max).arg("len", len)
}

fn convert(rows: &[Row], columns: &[Column], today: NaiveDate) -> Result<Vec<DelegateFields>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut problems = Problems { list: Vec::new() };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let code_header = columns
        .iter()
        .find(|c| c.field == Field::Known(Known::Code))
        .map_or(canonical_header(Known::Code), |c| c.header.as_str());
    for row in rows {
        let delegate = convert_row(row, columns, today, &mut problems);
        if !delegate.code.is_empty() {
            match seen.entry(delegate.code.to_lowercase()) {
                std::collections::hash_map::Entry::Occupied(first) => problems.push(
                    row.number,
                    code_header,
                    Problem::new("duplicate_code_in_file")
                        .arg("value", &delegate.code)
                        .arg("first_row", first.get()),
                ),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(row.number);
                }
            }
        }
        out.push(delegate);
    }
    if problems.list.is_empty() {
        Ok(out)
    } else {
        Err(Error::ImportRejected(problems.list))
    }
}

/// One delegate; `code` stays empty when the code cell is wrong (so it is not compared).
fn convert_row(
    row: &Row,
    columns: &[Column],
    today: NaiveDate,
    problems: &mut Problems,
) -> DelegateFields {
    let mut d = DelegateFields {
        code: String::new(),
        full_name: String::new(),
        birth_date: None,
        gender: None,
        ethnicity: String::new(),
        position: String::new(),
        unit: String::new(),
        delegation: String::new(),
        group: String::new(),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: BTreeMap::new(),
    };
    for (i, column) in columns.iter().enumerate() {
        let known = match &column.field {
            Field::Unnamed | Field::Known(Known::RowNumber) => continue,
            Field::Known(k) => Some(*k),
            Field::Extra(_) => None,
        };
        let cell = row.cells.get(i).unwrap_or(&Cell::Empty);
        let mut report = |p: Problem| problems.push(row.number, &column.header, p);
        if let Cell::Error(e) = cell {
            report(Problem::new("cell_error").arg("value", e));
            continue;
        }
        let mut text = |max: usize| {
            let v = cell.text();
            let n = v.chars().count();
            if n > max {
                report(too_long(max, n));
                return String::new();
            }
            v
        };
        let Some(known) = known else {
            if let Field::Extra(key) = &column.field {
                let v = text(EXTRA_MAX);
                if !v.is_empty() {
                    d.extra.insert(key.clone(), v);
                }
            }
            continue;
        };
        match known {
            Known::Code => {
                let v = cell.text();
                if v.is_empty() {
                    report(Problem::new("required"));
                } else if v.chars().any(char::is_whitespace) {
                    report(Problem::new("code_has_spaces").arg("value", v));
                } else if v.chars().count() > CODE_MAX {
                    report(too_long(CODE_MAX, v.chars().count()));
                } else {
                    d.code = v;
                }
            }
            Known::Name => {
                let v = text(NAME_MAX);
                if cell.is_blank() {
                    report(Problem::new("required"));
                }
                d.full_name = v;
            }
            Known::BirthDate | Known::BirthYear => {
                match parse_birth(cell, known == Known::BirthYear, today) {
                    Ok(Birth::None) => {}
                    Ok(Birth::Date(date)) => {
                        d.birth_date.get_or_insert(date);
                    }
                    Ok(Birth::Year(y)) => {
                        d.extra.insert(column.header.clone(), y.to_string());
                    }
                    Err(p) => report(p),
                }
            }
            Known::Gender => match parse_gender(cell) {
                Ok(g) => d.gender = g,
                Err(p) => report(p),
            },
            Known::Kind => match parse_kind(cell) {
                Ok(k) => d.kind = k,
                Err(p) => report(p),
            },
            Known::Shares => match parse_shares(cell) {
                Ok(n) => d.shares = n,
                Err(p) => report(p),
            },
            Known::Photo => match parse_photo(cell.text()) {
                Ok(p) => d.photo = p,
                Err(p) => report(p),
            },
            Known::Ethnicity => d.ethnicity = text(SHORT_MAX),
            Known::Position => d.position = text(TEXT_MAX),
            Known::Unit => d.unit = text(TEXT_MAX),
            Known::Delegation => d.delegation = text(NAME_MAX),
            Known::Group => d.group = text(NAME_MAX),
            Known::RowNumber => {}
        }
    }
    d
}

enum Birth {
    None,
    Date(NaiveDate),
    /// Only a year, from a "Năm sinh" column.
    Year(i32),
}

fn parse_birth(
    cell: &Cell,
    year_column: bool,
    today: NaiveDate,
) -> std::result::Result<Birth, Problem> {
    let shown = cell.text();
    let invalid = || {
        let p = if year_column {
            Problem::new("invalid_birth_year")
        } else {
            Problem::new("invalid_birth_date")
        };
        p.arg("value", &shown)
    };
    let date = match cell {
        Cell::Empty => return Ok(Birth::None),
        Cell::Error(e) => return Err(Problem::new("cell_error").arg("value", e)),
        Cell::Date(d) => *d,
        // A four-digit number is a year, not a serial (serials 1000-2999 are 1902-1908).
        Cell::Number(f) if f.fract() == 0.0 && (1000.0..=2999.0).contains(f) => {
            return birth_year(*f as i32, year_column, today, &shown);
        }
        Cell::Number(f) => serial_date(*f).ok_or_else(invalid)?,
        Cell::Text(s) => match text_date(s) {
            Some(d) => d,
            // A year, or a CSV saved from a sheet whose date cells were formatted as numbers.
            None if s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()) => {
                let n = s.parse::<u32>().map_err(|_| invalid())?;
                if (1000..=2999).contains(&n) {
                    return birth_year(n as i32, year_column, today, &shown);
                }
                serial_date(f64::from(n)).ok_or_else(invalid)?
            }
            None => return Err(invalid()),
        },
    };
    if date > today {
        Err(Problem::new("date_in_future").arg("value", show_date(date)))
    } else if date.year() < 1900 {
        Err(Problem::new("date_before_1900").arg("value", show_date(date)))
    } else {
        Ok(Birth::Date(date))
    }
}

fn birth_year(
    y: i32,
    year_column: bool,
    today: NaiveDate,
    shown: &str,
) -> std::result::Result<Birth, Problem> {
    if !year_column {
        Err(Problem::new("year_only_date").arg("value", shown))
    } else if y < 1900 {
        Err(Problem::new("date_before_1900").arg("value", y))
    } else if y > today.year() {
        Err(Problem::new("date_in_future").arg("value", y))
    } else {
        Ok(Birth::Year(y))
    }
}

/// `text::parse_date` forms, also with a time part as some exports add ("30/04/1975 00:00").
fn text_date(s: &str) -> Option<NaiveDate> {
    parse_date(s).or_else(|| {
        let (day, time) = s.split_once([' ', 'T'])?;
        if time.contains(':') {
            parse_date(day)
        } else {
            None
        }
    })
}

/// An Excel 1900-system serial: 1 is 1900-01-01, and Excel counts a 29/02/1900 that never
/// was (serial 60, rejected), so serials from 61 on are one day ahead of a plain count.
fn serial_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..SERIAL_MAX + 1.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = match days {
        60 => return None,
        ..60 => NaiveDate::from_ymd_opt(1899, 12, 31)?,
        _ => NaiveDate::from_ymd_opt(1899, 12, 30)?,
    };
    base.checked_add_signed(TimeDelta::try_days(days)?)
}

fn parse_gender(cell: &Cell) -> std::result::Result<Option<Gender>, Problem> {
    let v = cell.text();
    if v.is_empty() {
        return Ok(None);
    }
    match header_key(&v).as_str() {
        "nam" | "male" | "m" | "trai" => Ok(Some(Gender::Male)),
        "nu" | "female" | "f" | "gai" => Ok(Some(Gender::Female)),
        "khac" | "other" => Ok(Some(Gender::Other)),
        _ => Err(Problem::new("invalid_gender").arg("value", v)),
    }
}

fn parse_kind(cell: &Cell) -> std::result::Result<DelegateKind, Problem> {
    let v = cell.text();
    match header_key(&v).as_str() {
        "" | "chinh thuc" | "dai bieu chinh thuc" | "official" | "ct" => Ok(DelegateKind::Official),
        "du khuyet" | "dai bieu du khuyet" | "alternate" | "dk" => Ok(DelegateKind::Alternate),
        "khach moi" | "khach" | "dai bieu khach moi" | "invited" | "guest" | "km" => {
            Ok(DelegateKind::Invited)
        }
        _ => Err(Problem::new("invalid_kind").arg("value", v)),
    }
}

fn parse_shares(cell: &Cell) -> std::result::Result<u64, Problem> {
    let invalid = || Problem::new("invalid_shares").arg("value", cell.text());
    match cell {
        Cell::Empty => Ok(0),
        Cell::Number(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 9e15 => {
            Ok(*f as u64)
        }
        Cell::Text(s) => shares_text(s).ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

/// A whole number of shares with optional digit grouping: "1.000.000" (Vietnamese),
/// "1,000,000", "1 000 000"; a zero decimal part ("1.000.000,00") is allowed.
fn shares_text(s: &str) -> Option<u64> {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .collect();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let (int, frac) = match (dots, commas) {
        (0, 0) => (s.as_str(), ""),
        (n, 0) | (0, n) => {
            let sep = if dots > 0 { '.' } else { ',' };
            let (a, b) = s.split_once(sep)?;
            // One separator before exactly three digits groups thousands ("1.500" is 1500).
            if n > 1 || (b.len() == 3 && (1..=3).contains(&a.len())) {
                (s.as_str(), "")
            } else {
                (a, b)
            }
        }
        _ => {
            // Both marks: the last one is the decimal separator and occurs once.
            let last = s.rfind(['.', ','])?;
            let (int, frac) = (s.get(..last)?, s.get(last + 1..)?);
            if frac.contains(['.', ',']) || int.contains(s.get(last..=last)?) {
                return None;
            }
            (int, frac)
        }
    };
    if !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    let groups: Vec<&str> = int.split(['.', ',']).collect();
    if let [first, rest @ ..] = groups.as_slice()
        && !rest.is_empty()
        && (!(1..=3).contains(&first.len()) || rest.iter().any(|g| g.len() != 3))
    {
        return None;
    }
    groups.concat().parse().ok()
}

/// A bare file name: the photos are uploaded separately and looked up by this name.
fn parse_photo(v: String) -> std::result::Result<Option<String>, Problem> {
    if v.is_empty() {
        return Ok(None);
    }
    if v.contains(['/', '\\', ':'])
        || v.contains("..")
        || v.starts_with('.')
        || v.chars().any(char::is_control)
    {
        return Err(Problem::new("invalid_photo_name").arg("value", v));
    }
    let n = v.chars().count();
    if n > PHOTO_MAX {
        return Err(too_long(PHOTO_MAX, n));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_xlsxwriter::{Format, Workbook};
    use unicode_normalization::UnicodeNormalization;

    fn today() -> NaiveDate {
        date(2025, 6, 1)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn parse(file_name: &str, bytes: &[u8]) -> Result<Vec<DelegateFields>> {
        parse_delegates_on(ImportFile { file_name, bytes }, today())
    }

    fn csv(text: &str) -> Result<Vec<DelegateFields>> {
        parse("danh-sach.csv", text.as_bytes())
    }

    fn ok(r: Result<Vec<DelegateFields>>) -> Vec<DelegateFields> {
        match r {
            Ok(v) => v,
            Err(e) => panic!("expected rows, got {e:?}"),
        }
    }

    fn rejected(r: Result<Vec<DelegateFields>>) -> Vec<RowProblem> {
        match r {
            Err(Error::ImportRejected(p)) => p,
            other => panic!("expected ImportRejected, got {other:?}"),
        }
    }

    fn keys(r: Result<Vec<DelegateFields>>) -> Vec<(usize, String, &'static str)> {
        rejected(r)
            .into_iter()
            .map(|p| (p.row, p.column, p.problem.key))
            .collect()
    }

    fn file_problem(r: Result<Vec<DelegateFields>>) -> Problem {
        match r {
            Err(Error::Invalid {
                field: "file",
                problem,
            }) => problem,
            other => panic!("expected a file error, got {other:?}"),
        }
    }

    fn arg(p: &Problem, name: &str) -> String {
        p.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            out.extend_from_slice(&if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn vietnamese_headers_under_a_title_row() {
        let text = "DANH SÁCH ĐẠI BIỂU DỰ ĐẠI HỘI ĐẢNG BỘ PHƯỜNG BA ĐÌNH,,,,,,,,,,,,\n\
            ,,,,,,,,,,,,\n\
            STT,Mã ĐB,Họ và tên,\"Ngày, tháng, năm sinh\",Giới tính,Dân tộc,\"Chức vụ, đơn vị công tác\",Cơ quan,Đoàn đại biểu,Tổ thảo luận,Loại,Trình độ học vấn,Lý luận chính trị\n\
            1,DB001,Nguyễn Văn An,30/04/1975,Nam,Kinh,Bí thư Đảng ủy,UBND phường,Đoàn 1,Tổ 1,Chính thức,12/12,Cao cấp\n\
            2,DB002,  Trần   Thị Bình ,5/9/1980,nữ,Tày,Phó Bí thư,,Đoàn 2,Tổ 2,dự khuyết,,\n\
            3,DB003,Lê Văn Cường,1962-01-15,,Kinh,,,Đoàn 1,Tổ 1,,Đại học,Trung cấp\n";
        let rows = ok(csv(text));
        assert_eq!(rows.len(), 3);
        let a = &rows[0];
        assert_eq!(a.code, "DB001");
        assert_eq!(a.full_name, "Nguyễn Văn An");
        assert_eq!(a.birth_date, Some(date(1975, 4, 30)));
        assert_eq!(a.gender, Some(Gender::Male));
        assert_eq!(a.ethnicity, "Kinh");
        assert_eq!(a.position, "Bí thư Đảng ủy");
        assert_eq!(a.unit, "UBND phường");
        assert_eq!(a.delegation, "Đoàn 1");
        assert_eq!(a.group, "Tổ 1");
        assert_eq!(a.kind, DelegateKind::Official);
        assert_eq!(a.shares, 0);
        assert_eq!(a.photo, None);
        let extra: Vec<(&str, &str)> = a
            .extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            extra,
            [
                ("Lý luận chính trị", "Cao cấp"),
                ("Trình độ học vấn", "12/12")
            ]
        );
        let b = &rows[1];
        assert_eq!(b.full_name, "Trần Thị Bình");
        assert_eq!(b.birth_date, Some(date(1980, 9, 5)));
        assert_eq!(b.gender, Some(Gender::Female));
        assert_eq!(b.kind, DelegateKind::Alternate);
        assert!(
            b.extra.is_empty(),
            "empty values are omitted: {:?}",
            b.extra
        );
        let c = &rows[2];
        assert_eq!(c.birth_date, Some(date(1962, 1, 15)));
        assert_eq!(c.gender, None);
        assert_eq!(c.kind, DelegateKind::Official);
        assert_eq!(c.extra.len(), 2);
    }

    #[test]
    fn english_headers() {
        let rows = ok(csv(
            "Code,Full name,Birth date,Gender,Ethnicity,Position,Unit,Delegation,Group,Kind,Shares,Photo\n\
             S1,Jane Doe,01/02/1990,F,Kinh,Director,ACME,North,G1,invited,\"1,000\",jane.png\n",
        ));
        let d = &rows[0];
        assert_eq!((d.code.as_str(), d.full_name.as_str()), ("S1", "Jane Doe"));
        assert_eq!(d.birth_date, Some(date(1990, 2, 1)));
        assert_eq!(d.gender, Some(Gender::Female));
        assert_eq!((d.position.as_str(), d.unit.as_str()), ("Director", "ACME"));
        assert_eq!((d.delegation.as_str(), d.group.as_str()), ("North", "G1"));
        assert_eq!(d.kind, DelegateKind::Invited);
        assert_eq!(d.shares, 1000);
        assert_eq!(d.photo.as_deref(), Some("jane.png"));
    }

    #[test]
    fn decomposed_text_comes_out_nfc() {
        let nfd = |s: &str| s.nfd().collect::<String>();
        let text = format!(
            "{},{},{}\nA1,{},{}\n",
            nfd("Mã đại biểu"),
            nfd("Họ và tên"),
            nfd("Ghi chú"),
            nfd("Nguyễn Thị Ánh"),
            nfd("Đã đến")
        );
        assert_ne!(text.nfc().collect::<String>(), text);
        let rows = ok(csv(&text));
        assert_eq!(rows[0].full_name, "Nguyễn Thị Ánh");
        assert_eq!(
            rows[0].extra.get("Ghi chú").map(String::as_str),
            Some("Đã đến")
        );
    }

    #[test]
    fn date_forms_and_serials_in_csv() {
        let rows = ok(csv("Mã,Họ tên,Ngày sinh\n\
             A1,Một,30/04/1975\n\
             A2,Hai,30-4-1975\n\
             A3,Ba,30.04.1975\n\
             A4,Bốn,1975-04-30\n\
             A5,Năm,27514\n\
             A6,Sáu,30/04/1975 00:00:00\n\
             A7,Bảy,\n"));
        for d in &rows[..6] {
            assert_eq!(d.birth_date, Some(date(1975, 4, 30)), "{}", d.code);
        }
        assert_eq!(rows[6].birth_date, None);
    }

    #[test]
    fn excel_serials_follow_the_1900_leap_year_bug() {
        assert_eq!(serial_date(1.0), Some(date(1900, 1, 1)));
        assert_eq!(serial_date(59.0), Some(date(1900, 2, 28)));
        assert_eq!(serial_date(60.0), None);
        assert_eq!(serial_date(61.0), Some(date(1900, 3, 1)));
        assert_eq!(serial_date(25569.0), Some(date(1970, 1, 1)));
        assert_eq!(serial_date(27514.75), Some(date(1975, 4, 30)));
        assert_eq!(serial_date(0.0), None);
        assert_eq!(serial_date(80_001.0), None);
        assert_eq!(serial_date(f64::NAN), None);
    }

    #[test]
    fn utf16_unicode_text_with_tabs() {
        let text = "Mã đại biểu\tHọ và tên\tChức vụ\r\nDB1\tNguyễn Văn An\tChủ tịch, Trưởng ban\r\nDB2\tLê Thị Hoa\t\r\n";
        for be in [false, true] {
            let rows = ok(parse("ds.txt", &utf16(text, be)));
            assert_eq!(rows.len(), 2);
            assert_eq!(rows[0].full_name, "Nguyễn Văn An");
            assert_eq!(rows[0].position, "Chủ tịch, Trưởng ban");
        }
        let mut odd = utf16(text, false);
        odd.push(b'x');
        assert_eq!(file_problem(parse("ds.txt", &odd)).key, "import_not_utf8");
    }

    #[test]
    fn semicolon_csv_with_bom() {
        let text = "\u{feff}Mã cổ đông;Họ và tên cổ đông;Số cổ phần biểu quyết;Địa chỉ\r\n\
            CD1;Công ty Cổ phần A;1.000.000;Hà Nội, Việt Nam\r\n\
            CD2;Ông Nguyễn Văn B;2 500;\r\n";
        let rows = ok(csv(text));
        assert_eq!(rows[0].code, "CD1");
        assert_eq!(rows[0].shares, 1_000_000);
        assert_eq!(
            rows[0].extra.get("Địa chỉ").map(String::as_str),
            Some("Hà Nội, Việt Nam")
        );
        assert_eq!(rows[1].shares, 2500);
    }

    #[test]
    fn excel_sep_line_names_the_delimiter_and_is_not_a_row() {
        let r = csv("sep=|\nMã|Họ tên|Giới tính\nA1|An|Nam\nA2|Bình|?\n");
        assert_eq!(keys(r), [(3, "Giới tính".to_string(), "invalid_gender")]);
    }

    #[test]
    fn every_problem_with_its_row_and_column() {
        let long_name = "N".repeat(201);
        let long_code = "C".repeat(33);
        let text = format!(
            "Danh sách cổ đông dự họp\n\
             Mã đại biểu,Họ và tên,Ngày sinh,Giới tính,Loại đại biểu,Số cổ phần,Ảnh,Đơn vị\n\
             A01,Người Một,30/04/1975,Nam,,100,a01.jpg,\"Phòng A\nTầng 2\"\n\
             ,Người Hai,,,,,,\n\
             A 03,Người Ba,,,,,,\n\
             A04,,,,,,,\n\
             A05,{long_name},,,,,,\n\
             A06,Người Sáu,31/02/1980,,,,,\n\
             A07,Người Bảy,01/01/2030,,,,,\n\
             A08,Người Tám,31/12/1899,,,,,\n\
             A09,Người Chín,,X,,,,\n\
             A10,Người Mười,,,VIP,,,\n\
             A11,Người 11,,,,-5,,\n\
             A12,Người 12,,,,\"1,5\",,\n\
             A13,Người 13,,,,,../a.jpg,\n\
             a01,Người 14,,,,,,\n\
             A15,Người 15,1975,,,,,\n\
             A16,Người 16,30/04/75,,,,,\n\
             {long_code},Người 17,,,,,,\n"
        );
        let problems = rejected(csv(&text));
        let got: Vec<(usize, &str, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.problem.key))
            .collect();
        assert_eq!(
            got,
            [
                (4, "Mã đại biểu", "required"),
                (5, "Mã đại biểu", "code_has_spaces"),
                (6, "Họ và tên", "required"),
                (7, "Họ và tên", "too_long"),
                (8, "Ngày sinh", "invalid_birth_date"),
                (9, "Ngày sinh", "date_in_future"),
                (10, "Ngày sinh", "date_before_1900"),
                (11, "Giới tính", "invalid_gender"),
                (12, "Loại đại biểu", "invalid_kind"),
                (13, "Số cổ phần", "invalid_shares"),
                (14, "Số cổ phần", "invalid_shares"),
                (15, "Ảnh", "invalid_photo_name"),
                (16, "Mã đại biểu", "duplicate_code_in_file"),
                (17, "Ngày sinh", "year_only_date"),
                (18, "Ngày sinh", "invalid_birth_date"),
                (19, "Mã đại biểu", "too_long"),
            ]
        );
        let p = |row: usize| &problems.iter().find(|p| p.row == row).unwrap().problem;
        assert_eq!(arg(p(5), "value"), "A 03");
        assert_eq!(
            (arg(p(7), "max"), arg(p(7), "len")),
            ("200".to_string(), "201".to_string())
        );
        assert_eq!(arg(p(8), "value"), "31/02/1980");
        assert_eq!(arg(p(9), "value"), "01/01/2030");
        assert_eq!(arg(p(11), "value"), "X");
        assert_eq!(arg(p(13), "value"), "-5");
        assert_eq!(arg(p(15), "value"), "../a.jpg");
        assert_eq!(
            (arg(p(16), "value"), arg(p(16), "first_row")),
            ("a01".to_string(), "3".to_string())
        );
        assert_eq!(arg(p(17), "value"), "1975");
    }

    #[test]
    fn one_bad_row_rejects_the_whole_file() {
        let r = csv("Mã,Họ tên,Ngày sinh\nA1,An,01/01/1970\nA2,Bình,32/01/1970\nA3,Cường,\n");
        let problems = rejected(r);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].row, 3);
    }

    #[test]
    fn duplicate_code_is_reported_on_every_later_occurrence() {
        let r = csv("Mã,Họ tên\nA1,An\nA2,Bình\nA1,Cường\nA1,Dũng\n");
        let problems = rejected(r);
        let got: Vec<(usize, String)> = problems
            .iter()
            .map(|p| (p.row, arg(&p.problem, "first_row")))
            .collect();
        assert_eq!(got, [(4, "2".to_string()), (5, "2".to_string())]);
    }

    #[test]
    fn missing_required_columns() {
        let p = file_problem(csv("Mã đại biểu,Ngày sinh\nA1,01/01/1970\n"));
        assert_eq!(
            (p.key, arg(&p, "column")),
            ("import_missing_column", "Họ và tên".to_string())
        );
        let p = file_problem(csv("Tiêu đề\nSTT,Họ và tên,Đơn vị\n1,An,X\n"));
        assert_eq!(
            (p.key, arg(&p, "column")),
            ("import_missing_column", "Mã đại biểu".to_string())
        );
        assert_eq!(file_problem(csv("foo,bar\n1,2\n")).key, "import_no_header");
    }

    #[test]
    fn header_must_be_within_the_first_ten_rows() {
        let mut text = String::new();
        for i in 0..10 {
            text.push_str(&format!("Dòng tiêu đề {i}\n"));
        }
        text.push_str("Mã,Họ tên\nA1,An\n");
        assert_eq!(file_problem(csv(&text)).key, "import_no_header");
    }

    #[test]
    fn empty_files_and_header_only() {
        assert_eq!(file_problem(parse("x.csv", b"")).key, "import_empty");
        assert_eq!(file_problem(csv("\u{feff}\n \n,,,\n")).key, "import_empty");
        assert_eq!(file_problem(csv("Mã,Họ tên\n,\n")).key, "import_no_rows");
    }

    #[test]
    fn unknown_and_unreadable_formats() {
        let key = |name: &str, bytes: &[u8]| file_problem(parse(name, bytes)).key;
        assert_eq!(
            key(
                "ds.pdf",
                b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n"
            ),
            "import_unknown_format"
        );
        assert_eq!(
            key("ds.csv", b"%PDF-1.4\n1 0 obj\n"),
            "import_unknown_format"
        );
        assert_eq!(
            key("ds.bin", &[0x00, 0x9F, 0x92, 0x96, 0xFF, 0x01]),
            "import_unknown_format"
        );
        assert_eq!(
            key(
                "ds.xls",
                b"<html><body><table><tr><td>M\xC3\xA3</td></tr></table></body></html>"
            ),
            "import_unknown_format"
        );
        let mut ole = CFB_MAGIC.to_vec();
        ole.extend_from_slice(&[0u8; 504]);
        assert_eq!(key("danh sach.xls", &ole), "import_xls_legacy");
        assert_eq!(key("bien ban.doc", &ole), "import_unknown_format");
        let mut encrypted = ole.clone();
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(key("ds.xlsx", &encrypted), "import_xlsx_encrypted");
        // Windows-1258 text: a CSV saved in the legacy code page.
        assert_eq!(
            key("ds.csv", b"M\xE3 \xF0\xE1i bi\xEAu,H\xF4 t\xEAn\n"),
            "import_not_utf8"
        );
        assert_eq!(
            key("ds.dat", b"M\xE3 \xF0\xE1i bi\xEAu,H\xF4 t\xEAn\n"),
            "import_unknown_format"
        );
        let mut zip = ZIP_MAGIC.to_vec();
        zip.extend_from_slice(b"garbage that is not a zip archive");
        assert_eq!(key("ds.xlsx", &zip), "import_corrupt_xlsx");
        assert_eq!(key("ds.zip", &zip), "import_unknown_format");
    }

    #[test]
    fn too_many_rows() {
        let mut text = String::from("Mã,Họ tên\n");
        for i in 0..MAX_ROWS {
            text.push_str(&format!("D{i},Đại biểu {i}\n"));
        }
        assert_eq!(ok(csv(&text)).len(), MAX_ROWS);
        text.push_str("X,Một người nữa\n");
        let p = file_problem(csv(&text));
        assert_eq!(
            (p.key, arg(&p, "max")),
            ("import_too_many_rows", MAX_ROWS.to_string())
        );
        text.push_str(&"Y,Thêm\n".repeat(100));
        assert_eq!(file_problem(csv(&text)).key, "import_too_many_rows");
    }

    #[test]
    fn shares_with_thousand_separators() {
        let cases = [
            ("1.000.000", Some(1_000_000)),
            ("1,000,000", Some(1_000_000)),
            ("1 000 000", Some(1_000_000)),
            ("1\u{a0}000\u{a0}000", Some(1_000_000)),
            ("1.500", Some(1500)),
            ("2500", Some(2500)),
            ("1.000.000,00", Some(1_000_000)),
            ("1,000,000.00", Some(1_000_000)),
            ("100.0", Some(100)),
            ("0", Some(0)),
            ("1,5", None),
            ("1.25", None),
            ("-5", None),
            ("1.000,5", None),
            ("1.00.000", None),
            ("1,000.000,00", None),
            ("abc", None),
            ("99999999999999999999", None),
        ];
        for (s, want) in cases {
            assert_eq!(shares_text(s), want, "{s}");
        }
        let rows = ok(csv("Mã,Họ tên,Số cổ phần\nA1,An,\nA2,Bình,\"12.345\"\n"));
        assert_eq!((rows[0].shares, rows[1].shares), (0, 12_345));
    }

    #[test]
    fn gender_and_kind_variants() {
        let cell = |s: &str| text_cell(s);
        for (s, g) in [
            ("Nam", Gender::Male),
            ("NAM", Gender::Male),
            ("male", Gender::Male),
            ("M", Gender::Male),
            ("Nữ", Gender::Female),
            ("nu", Gender::Female),
            ("NỮ", Gender::Female),
            ("Female", Gender::Female),
            ("f", Gender::Female),
            ("Khác", Gender::Other),
            ("other", Gender::Other),
        ] {
            assert_eq!(parse_gender(&cell(s)), Ok(Some(g)), "{s}");
        }
        assert_eq!(parse_gender(&Cell::Empty), Ok(None));
        assert_eq!(
            parse_gender(&cell("Nam giới?")).map_err(|p| p.key),
            Err("invalid_gender")
        );
        for (s, k) in [
            ("", DelegateKind::Official),
            ("Chính thức", DelegateKind::Official),
            ("chinh thuc", DelegateKind::Official),
            ("Official", DelegateKind::Official),
            ("Dự khuyết", DelegateKind::Alternate),
            ("DỰ KHUYẾT", DelegateKind::Alternate),
            ("alternate", DelegateKind::Alternate),
            ("Khách mời", DelegateKind::Invited),
            ("invited", DelegateKind::Invited),
        ] {
            assert_eq!(parse_kind(&cell(s)), Ok(k), "{s}");
        }
        assert_eq!(
            parse_kind(&cell("Dự thính")).map_err(|p| p.key),
            Err("invalid_kind")
        );
    }

    #[test]
    fn birth_year_column_keeps_the_year_in_extra() {
        let rows = ok(csv(
            "Mã,Họ tên,Năm sinh\nA1,An,1975\nA2,Bình,30/04/1975\nA3,Cường,\n",
        ));
        assert_eq!(rows[0].birth_date, None);
        assert_eq!(
            rows[0].extra.get("Năm sinh").map(String::as_str),
            Some("1975")
        );
        assert_eq!(rows[1].birth_date, Some(date(1975, 4, 30)));
        assert!(rows[1].extra.is_empty() && rows[2].extra.is_empty());
        let r = csv("Mã,Họ tên,Năm sinh\nA1,An,khoảng 1975\nA2,Bình,2031\nA3,Cường,1850\n");
        assert_eq!(
            keys(r),
            [
                (2, "Năm sinh".to_string(), "invalid_birth_year"),
                (3, "Năm sinh".to_string(), "date_in_future"),
                (4, "Năm sinh".to_string(), "date_before_1900"),
            ]
        );
    }

    #[test]
    fn column_number_row_under_the_header_is_skipped() {
        let r = csv("Mã,Họ tên,Giới tính\n(1),(2),(3)\nA1,An,Nam\nA2,Bình,??\n");
        assert_eq!(keys(r), [(4, "Giới tính".to_string(), "invalid_gender")]);
    }

    #[test]
    fn repeated_and_unnamed_headers() {
        let rows = ok(csv(
            "STT,Mã,Họ tên,Chức vụ,\"Chức vụ, đơn vị công tác\",Ghi chú,Ghi chú,\n1,A1,An,Bí thư,Bí thư Chi bộ 1,x,y,lost\n",
        ));
        let d = &rows[0];
        assert_eq!(d.position, "Bí thư");
        let extra: Vec<(&str, &str)> = d
            .extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            extra,
            [
                ("Chức vụ, đơn vị công tác", "Bí thư Chi bộ 1"),
                ("Ghi chú", "x"),
                ("Ghi chú (2)", "y")
            ]
        );
    }

    #[test]
    fn header_variants_fold_to_aliases() {
        for (h, k) in [
            ("HỌ VÀ TÊN", Known::Name),
            ("Họ và tên (*)", Known::Name),
            ("ho_va_ten", Known::Name),
            ("Mã ĐB", Known::Code),
            ("Mã số:", Known::Code),
            ("Ngày sinh (dd/mm/yyyy)", Known::BirthDate),
            ("Ngày, tháng, năm sinh", Known::BirthDate),
            ("Năm sinh", Known::BirthYear),
            ("Nam/Nữ", Known::Gender),
            ("Số TT", Known::RowNumber),
            ("Ảnh chân dung", Known::Photo),
            ("Cổ phần biểu quyết", Known::Shares),
        ] {
            assert_eq!(classify(h), Some(k), "{h}");
        }
        assert_eq!(classify("Trình độ học vấn"), None);
    }

    #[test]
    fn photo_names() {
        assert_eq!(parse_photo("an.jpg".into()), Ok(Some("an.jpg".into())));
        assert_eq!(parse_photo(String::new()), Ok(None));
        for bad in [
            "anh/an.jpg",
            "C:\\anh\\an.jpg",
            "..",
            ".hidden",
            "a..jpg",
            "C:an.jpg",
        ] {
            assert_eq!(
                parse_photo(bad.into()).map_err(|p| p.key),
                Err("invalid_photo_name"),
                "{bad}"
            );
        }
    }

    #[test]
    fn template_lists_the_canonical_headers_and_round_trips() {
        let t = template_csv();
        assert!(t.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&t[3..]).unwrap();
        assert_eq!(text, format!("{}\r\n", TEMPLATE_HEADERS.join(",")));
        let known: Vec<Option<Known>> = TEMPLATE_HEADERS.iter().map(|h| classify(h)).collect();
        use Known::*;
        let want = [
            Code, Name, BirthDate, Gender, Ethnicity, Position, Unit, Delegation, Group, Kind,
            Shares, Photo,
        ];
        assert_eq!(known, want.map(Some));
        let mut file = t.clone();
        file.extend_from_slice("DB01,Nguyễn Văn An,30/04/1975,Nam,Kinh,Bí thư,Đảng ủy,Đoàn 1,Tổ 1,Chính thức,0,an.jpg\r\n".as_bytes());
        let rows = ok(parse("mau.csv", &file));
        assert_eq!(rows[0].photo.as_deref(), Some("an.jpg"));
        assert_eq!(file_problem(parse("mau.csv", &t)).key, "import_no_rows");
    }

    fn sample_xlsx() -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date_format = Format::new().set_num_format("dd/mm/yyyy");
        sheet
            .write_string(0, 0, "DANH SÁCH ĐẠI BIỂU CHÍNH THỨC")
            .unwrap();
        let headers = [
            "STT",
            "Mã đại biểu",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số cổ phần",
            "Trình độ",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(2, c as u16, *h).unwrap();
        }
        let nfd: String = "Nguyễn Thị Ánh".nfd().collect();
        sheet.write_number(3, 0, 1).unwrap();
        sheet.write_string(3, 1, "DB01").unwrap();
        sheet.write_string(3, 2, &nfd).unwrap();
        let born = rust_xlsxwriter::ExcelDateTime::from_ymd(1975, 4, 30).unwrap();
        sheet
            .write_datetime_with_format(3, 3, &born, &date_format)
            .unwrap();
        sheet.write_string(3, 4, "Nữ").unwrap();
        sheet.write_number(3, 5, 1_500_000).unwrap();
        sheet.write_string(3, 6, "Đại học").unwrap();
        sheet.write_number(4, 0, 2).unwrap();
        sheet.write_number(4, 1, 2).unwrap();
        sheet.write_string(4, 2, "Trần Văn Bình").unwrap();
        sheet.write_number(4, 3, 29966).unwrap();
        sheet.write_string(4, 4, "nam").unwrap();
        sheet.write_string(4, 5, "2.000").unwrap();
        sheet.write_number(6, 0, 3).unwrap();
        sheet.write_string(6, 1, "DB03").unwrap();
        sheet.write_string(6, 2, "Lê Văn Cường").unwrap();
        sheet.write_string(6, 3, "15/01/1982").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_with_date_cells_serials_and_nfd() {
        let bytes = sample_xlsx();
        // Detected by content: the name says nothing.
        let rows = ok(parse("upload", &bytes));
        assert_eq!(rows.len(), 3);
        let a = &rows[0];
        assert_eq!(a.code, "DB01");
        assert_eq!(a.full_name, "Nguyễn Thị Ánh");
        assert!(unicode_normalization::is_nfc(&a.full_name));
        assert_eq!(a.birth_date, Some(date(1975, 4, 30)));
        assert_eq!(a.gender, Some(Gender::Female));
        assert_eq!(a.shares, 1_500_000);
        assert_eq!(a.extra.get("Trình độ").map(String::as_str), Some("Đại học"));
        let b = &rows[1];
        assert_eq!(b.code, "2");
        assert_eq!(b.birth_date, Some(date(1982, 1, 15)));
        assert_eq!(b.shares, 2000);
        assert_eq!(rows[2].birth_date, Some(date(1982, 1, 15)));
    }

    #[test]
    fn xlsx_problems_carry_sheet_row_numbers() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(1, 1, "Mã số").unwrap();
        sheet.write_string(1, 2, "Họ tên").unwrap();
        sheet.write_string(1, 3, "Ngày sinh").unwrap();
        sheet.write_string(2, 1, "A1").unwrap();
        sheet.write_string(2, 2, "An").unwrap();
        sheet.write_number(2, 3, 1975).unwrap();
        sheet.write_string(5, 1, "A2").unwrap();
        sheet.write_string(5, 2, "Bình").unwrap();
        sheet.write_number(5, 3, 27514.5).unwrap();
        sheet.write_string(6, 1, "A3").unwrap();
        sheet.write_number(6, 3, 200_000).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(
            keys(parse("ds.xlsx", &bytes)),
            [
                (3, "Ngày sinh".to_string(), "year_only_date"),
                (7, "Họ tên".to_string(), "required"),
                (7, "Ngày sinh".to_string(), "invalid_birth_date"),
            ]
        );
    }

    #[test]
    fn xlsx_too_many_rows() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Mã").unwrap();
        sheet.write_string(0, 1, "Họ tên").unwrap();
        for r in 1..=(MAX_ROWS as u32 + 1) {
            sheet.write_number(r, 0, r).unwrap();
            sheet.write_string(r, 1, "Tên").unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(
            file_problem(parse("ds.xlsx", &bytes)).key,
            "import_too_many_rows"
        );
    }

    /// Both catalogues hold the same keys, an entry for every key this file emits, and the
    /// same placeholders in both languages.
    #[test]
    fn catalogues_cover_every_key() {
        fn load(text: &str) -> BTreeMap<String, String> {
            let table: toml::Table = toml::from_str(text).unwrap();
            table
                .into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap().to_string()))
                .collect()
        }
        let vi = load(include_str!("../i18n/vi.toml"));
        let en = load(include_str!("../i18n/en.toml"));
        assert_eq!(vi.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
        let placeholders = |s: &str| -> Vec<String> {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v
        };
        for (k, v) in &vi {
            assert!(unicode_normalization::is_nfc(v), "{k} is not NFC");
            assert_eq!(placeholders(v), placeholders(&en[k]), "{k}");
        }
        assert!(vi.contains_key("field.file"));
        // Shared with the app catalogue, which owns them.
        let app_keys = ["required", "too_long"];
        let source = include_str!("import.rs");
        let source = source.split("#[cfg(test)]").next().unwrap();
        for marker in ["Problem::new(\"", "file_error(\""] {
            for part in source.split(marker).skip(1) {
                let key = part.split('"').next().unwrap();
                if app_keys.contains(&key) {
                    continue;
                }
                assert!(vi.contains_key(&format!("err.{key}")), "err.{key} missing");
            }
        }
    }

    fn no_panic(name: &str, bytes: &[u8]) {
        let _ = parse(name, bytes);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            no_panic("x.csv", &bytes);
            for prefix in [ZIP_MAGIC, CFB_MAGIC, b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF"] {
                let mut b = prefix.to_vec();
                b.extend_from_slice(&bytes);
                no_panic("x.xlsx", &b);
            }
        }

        #[test]
        fn never_panics_on_text(text in "[\\PC\t\n\r,;\"]{0,400}") {
            no_panic("x.csv", text.as_bytes());
            no_panic("x.csv", format!("Mã,Họ tên,Ngày sinh,Số cổ phần,Giới tính\n{text}").as_bytes());
            no_panic("x.csv", format!("Mã;Họ tên;Năm sinh;Ảnh;Loại\n{text}").as_bytes());
        }

        #[test]
        fn never_panics_on_damaged_xlsx(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
            let mut bytes = sample_xlsx();
            let n = bytes.len();
            for (at, b) in edits {
                bytes[at % n] = b;
            }
            no_panic("x.xlsx", &bytes);
        }
    }
}

#[cfg(test)]
mod crlf_tests {
    use super::*;

    fn rows_of(text: &str) -> Vec<usize> {
        match parse_delegates_on(
            ImportFile {
                file_name: "x.csv",
                bytes: text.as_bytes(),
            },
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        ) {
            Err(Error::ImportRejected(p)) => p.iter().map(|p| p.row).collect(),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    /// Excel writes CRLF: the reported rows must be the spreadsheet's rows either way.
    #[test]
    fn row_numbers_are_the_same_with_crlf_and_lf() {
        let lf = "Mã,Họ tên,Ngày sinh\nA1,Một,30/04/1975\nA2,Hai,31/02/1975\n\nA3,Ba,xx\n";
        assert_eq!(rows_of(lf), vec![3, 5]);
        assert_eq!(rows_of(&lf.replace('\n', "\r\n")), vec![3, 5]);
    }
}
