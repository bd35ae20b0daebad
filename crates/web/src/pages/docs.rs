//! The reader's side of the documents (tài liệu): the list, search, the reading view, page
//! images, downloads and saving for offline reading. Every page works without JavaScript;
//! `docs.js` adds search as you type, the text size buttons, jumping within the page and
//! the offline copy.
//!
//! Routes:
//! - `GET /app/docs`: search box, filters (folder, agenda item), the documents the reader may
//!   read grouped by folder. `?q=…` makes it the search page.
//! - `GET /app/docs/search?q=&folder=&item=&page=`: results, 20 a page; `&partial=1` answers
//!   only the results fragment (as-you-type: the last word is a prefix).
//! - `GET /app/docs/{id}?p=N&q=…`: the reading view. A window of [`WINDOW`] pages around
//!   page N (N − [`BEFORE`] onwards) with links to the earlier and later pages, so that a
//!   1,000-page report (about 3 MB of HTML) is not sent to a phone to show one page;
//!   `&all=1` sends every page (the copy saved for offline reading).
//! - `GET /app/docs/{id}/goto?p=N`: the jump-to-page form; redirects to `…?p=N#p-N`.
//! - `GET /app/docs/{id}/page/{n}`: the original page as an image; `…/page/{n}.png` the PNG.
//! - `GET /app/docs/{id}/download`: the file (confidential documents: a watermarked PDF).
//! - `GET /app/docs/offline.json`: what "save for offline" stores; `GET /app/docs/offline`:
//!   the page the service worker shows for what needs the network.
//!
//! A document the reader may not read is "not found" everywhere (never "forbidden"): the
//! page does not reveal that it exists. Confidential documents carry the reader's
//! watermark, are never stored by the browser (`Cache-Control: no-store`) and are not
//! offered for offline reading.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use daihoi_app::pollview::format_count;
use daihoi_app::usecases::{DocHit, DocQuery};
use daihoi_app::{Catalogue, Lang, Principal};
use daihoi_domain::docs::{Document, Extraction, TextInfo, Version};
use daihoi_domain::model::{DocumentId, FolderId, ItemId};
use daihoi_domain::{Capability, Error};
use serde::{Deserialize, Serialize};

use crate::Web;
use crate::assets;
use crate::error::urlencode;
use crate::extract::Caller;
use crate::views::{Chrome, Tr, render, render_string};

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/app/docs", get(index))
        .route("/app/docs/search", get(index))
        .route("/app/docs/offline", get(offline_page))
        .route("/app/docs/offline.json", get(offline_list))
        .route("/app/docs/{id}", get(read))
        .route("/app/docs/{id}/goto", get(goto))
        .route("/app/docs/{id}/page/{n}", get(page_or_png))
        .route("/app/docs/{id}/download", get(download))
}

/// Search results per page.
const PER_PAGE: usize = 20;
/// Pages of text the reading view sends at once…
pub const WINDOW: u32 = 30;
/// …starting this many pages before the one asked for.
pub const BEFORE: u32 = 10;
/// Copies of the watermark line laid over a confidential reading view: enough to cover a
/// 2,000-pixel screen (a phone shows a part of them; gzip makes the copies almost free).
const WATERMARK_TILES: usize = 240;
/// Longest query kept (the search box has no business sending more).
const MAX_QUERY: usize = 200;
/// The response header that tells the service worker a reading view holds the whole
/// document and may be kept for offline reading.
const OFFLINE_HEADER: &str = "x-daihoi-offline";

fn reader(c: &Caller) -> Result<&Principal, Error> {
    c.require(Capability::ReadDocuments)
}

fn doc_id(s: &str) -> Result<DocumentId, Error> {
    s.parse::<u64>()
        .map(DocumentId)
        .map_err(|_| Error::NotFound { what: "document" })
}

fn clip_query(q: &str) -> String {
    q.trim().chars().take(MAX_QUERY).collect()
}

/// Translations with arguments (the templates' `tr` only looks keys up).
struct Words<'a> {
    cat: &'a Catalogue,
    lang: Lang,
}

impl Words<'_> {
    fn t(&self, key: &str) -> String {
        self.cat.get(self.lang, key).to_string()
    }
    fn f(&self, key: &str, args: &[(&str, String)]) -> String {
        self.cat.format(self.lang, key, args)
    }
    fn count(&self, n: u64) -> String {
        format_count(n, self.lang)
    }
    fn pages(&self, n: u32) -> String {
        if n == 1 {
            self.t("docs.one_page")
        } else {
            self.f("docs.pages", &[("n", self.count(u64::from(n)))])
        }
    }
    fn page_no(&self, n: u32) -> String {
        self.f("docs.page_n", &[("n", n.to_string())])
    }
    fn version(&self, v: &Version) -> String {
        if v.info.label.trim().is_empty() {
            self.f("docs.version_n", &[("n", v.info.no.to_string())])
        } else {
            v.info.label.clone()
        }
    }
    /// "850 KB", "1,2 MB" (vi) / "1.2 MB" (en).
    fn size(&self, bytes: u64) -> String {
        if bytes < 1_000_000 {
            return format!("{} KB", bytes.div_ceil(1000).max(1));
        }
        let tenths = bytes.div_ceil(100_000);
        let sep = if self.lang == Lang::Vi { ',' } else { '.' };
        format!("{}{sep}{} MB", tenths / 10, tenths % 10)
    }
}

fn words(c: &Caller) -> Words<'_> {
    Words {
        cat: &c.web.app.catalogue,
        lang: c.lang,
    }
}

fn set_header(res: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        res.headers_mut().insert(name, v);
    }
}

/// Pages of confidential documents are never kept by the browser; the others may be kept
/// but are checked with the server each time.
fn cache_policy(res: &mut Response, confidential: bool) {
    let v = if confidential {
        "no-store"
    } else {
        "private, no-cache"
    };
    set_header(res, header::CACHE_CONTROL, v);
}

/// Whether the document's pages exist as images: PDFs, and scans (read into a PDF).
fn has_page_images(v: &Version, t: &TextInfo) -> bool {
    v.info.file.kind == "pdf" || t.pdf.is_some()
}

// ----- the list and the search ----------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    folder: String,
    item: String,
    page: String,
    partial: String,
}

pub struct Choice {
    pub value: u64,
    pub label: String,
    pub selected: bool,
}

pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

pub struct DocRow {
    pub id: u64,
    pub title: String,
    /// "ready", "processing" or "failed".
    pub state: &'static str,
    pub state_label: String,
    pub version: String,
    pub pages: String,
    pub items: Vec<String>,
    pub confidential: bool,
    /// A newer version is being read while this one is shown.
    pub updating: bool,
}

pub struct FolderGroup {
    pub name: String,
    pub docs: Vec<DocRow>,
}

pub struct Piece {
    pub text: String,
    pub mark: bool,
}

pub struct HitView {
    pub href: String,
    pub title: String,
    pub folder: String,
    pub page_label: String,
    pub snippet: Vec<Piece>,
}

pub struct Results {
    pub summary: String,
    pub hits: Vec<HitView>,
    pub prev: String,
    pub next: String,
    pub position: String,
}

#[derive(Template)]
#[template(path = "docs/index.html")]
pub struct IndexPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub js: String,
    pub q: String,
    pub folders: Vec<Choice>,
    pub item_groups: Vec<ChoiceGroup>,
    pub filtered: bool,
    pub results: Option<Results>,
    pub groups: Vec<FolderGroup>,
    /// Documents that can be saved for offline reading.
    pub savable: usize,
}

#[derive(Template)]
#[template(path = "docs/_results.html")]
pub struct ResultsFragment {
    pub tr: Tr,
    pub results: Option<Results>,
}

fn doc_row(w: &Words<'_>, d: &Document, item_title: &HashMap<ItemId, String>) -> DocRow {
    let latest = d.latest();
    let (state, state_label, version, pages) = match d.readable() {
        Some((v, t)) => ("ready", String::new(), w.version(v), w.pages(t.pages)),
        None => match latest.map(|v| &v.extraction) {
            Some(Extraction::Failed { .. }) => (
                "failed",
                w.t("docs.state_failed"),
                latest.map(|v| w.version(v)).unwrap_or_default(),
                String::new(),
            ),
            _ => (
                "processing",
                w.t("docs.state_processing"),
                latest.map(|v| w.version(v)).unwrap_or_default(),
                String::new(),
            ),
        },
    };
    let updating =
        d.readable().is_some() && latest.is_some_and(|v| v.extraction == Extraction::Pending);
    DocRow {
        id: d.id.0,
        title: d.fields.title.clone(),
        state,
        state_label,
        version,
        pages,
        items: d
            .fields
            .items
            .iter()
            .filter_map(|i| item_title.get(i).cloned())
            .collect(),
        confidential: d.fields.confidential,
        updating,
    }
}

/// "…/search?q=…&folder=…&item=…&page=N".
fn search_href(q: &str, folder: Option<FolderId>, item: Option<ItemId>, page: usize) -> String {
    let mut s = format!("/app/docs/search?q={}", urlencode(q));
    if let Some(f) = folder {
        s.push_str(&format!("&folder={}", f.0));
    }
    if let Some(i) = item {
        s.push_str(&format!("&item={}", i.0));
    }
    if page > 1 {
        s.push_str(&format!("&page={page}"));
    }
    s
}

/// The words the reading view should mark for a hit. As-you-type searches end in a prefix
/// ("toan d"): the link carries the words the snippet marked, so "diện" is marked too.
fn link_query(q: &str, hit: &DocHit, prefix: bool) -> String {
    if !prefix {
        return q.to_string();
    }
    let mut out = q.to_string();
    let mut seen: HashSet<String> = q.split_whitespace().map(daihoi_search::fold).collect();
    for (text, marked) in &hit.snippet {
        if !marked {
            continue;
        }
        for word in text.split_whitespace() {
            if seen.insert(daihoi_search::fold(word)) {
                out.push(' ');
                out.push_str(word);
            }
        }
    }
    out
}

fn read_href(id: DocumentId, page: u32, q: &str) -> String {
    let mut s = format!("/app/docs/{}?p={page}", id.0);
    if !q.is_empty() {
        s.push_str(&format!("&q={}", urlencode(q)));
    }
    s.push_str(&format!("#p-{page}"));
    s
}

/// `GET /app/docs` and `GET /app/docs/search`: one page, the list below the search box;
/// with a query the results take the list's place.
async fn index(c: Caller, Query(lq): Query<ListQuery>) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let w = words(&c);
    let q = clip_query(&lq.q);
    let partial = lq.partial == "1";
    let docs = match c.web.app.readable_documents(p) {
        Ok(d) => d,
        Err(e) => return c.page_err(e).into_response(),
    };
    // Filters offer only the folders and agenda items the reader's documents are in.
    let used_folders: HashSet<FolderId> = docs.iter().filter_map(|d| d.fields.folder).collect();
    let used_items: HashSet<ItemId> = docs
        .iter()
        .flat_map(|d| d.fields.items.iter().copied())
        .collect();
    let (folder_names, sessions) = c.web.app.read(|s| {
        let folders: Vec<(FolderId, String)> = s
            .docs()
            .folders()
            .into_iter()
            .filter(|f| used_folders.contains(&f.id))
            .map(|f| (f.id, f.name.clone()))
            .collect();
        let sessions: Vec<(String, Vec<(ItemId, String)>)> = s
            .sessions()
            .into_iter()
            .map(|sess| {
                (
                    sess.fields.title.clone(),
                    s.items_of(sess.id)
                        .into_iter()
                        .filter(|i| used_items.contains(&i.id))
                        .map(|i| (i.id, i.fields.title.clone()))
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, items)| !items.is_empty())
            .collect();
        (folders, sessions)
    });
    let folder = lq
        .folder
        .trim()
        .parse::<u64>()
        .ok()
        .map(FolderId)
        .filter(|f| used_folders.contains(f));
    let item = lq
        .item
        .trim()
        .parse::<u64>()
        .ok()
        .map(ItemId)
        .filter(|i| used_items.contains(i));

    let results = if q.is_empty() {
        None
    } else {
        let max_page = daihoi_search::MAX_OFFSET / PER_PAGE;
        let page = lq
            .page
            .trim()
            .parse::<usize>()
            .unwrap_or(1)
            .clamp(1, max_page);
        let query = DocQuery {
            text: q.clone(),
            folder,
            item,
            limit: PER_PAGE,
            offset: (page - 1) * PER_PAGE,
            prefix: partial,
        };
        let res = match c.web.app.search_documents(p, &query) {
            Ok(r) => r,
            Err(e) => return c.page_err(e).into_response(),
        };
        let pages = res.total.div_ceil(PER_PAGE).min(max_page);
        let first = (page - 1) * PER_PAGE + 1;
        Some(Results {
            summary: if res.total == 0 {
                w.f("docs.no_results", &[("q", q.clone())])
            } else {
                w.f(
                    "docs.results",
                    &[("n", w.count(res.total as u64)), ("q", q.clone())],
                )
            },
            position: if pages > 1 {
                w.f(
                    "docs.results_range",
                    &[
                        ("from", w.count(first as u64)),
                        (
                            "to",
                            w.count((first + res.hits.len()).saturating_sub(1) as u64),
                        ),
                        ("total", w.count(res.total as u64)),
                    ],
                )
            } else {
                String::new()
            },
            prev: if page > 1 {
                search_href(&q, folder, item, page - 1)
            } else {
                String::new()
            },
            next: if page < pages {
                search_href(&q, folder, item, page + 1)
            } else {
                String::new()
            },
            hits: res
                .hits
                .iter()
                .map(|h| HitView {
                    href: read_href(h.doc, h.page, &link_query(&q, h, partial)),
                    title: h.title.clone(),
                    folder: h.folder.clone().unwrap_or_default(),
                    page_label: w.page_no(h.page),
                    snippet: h
                        .snippet
                        .iter()
                        .map(|(text, mark)| Piece {
                            text: text.clone(),
                            mark: *mark,
                        })
                        .collect(),
                })
                .collect(),
        })
    };
    let tr = Tr::new(&c.web, c.lang);
    if partial {
        let frag = ResultsFragment { tr, results };
        let mut res = render(&frag);
        cache_policy(&mut res, false);
        return res;
    }

    let item_title: HashMap<ItemId, String> = sessions
        .iter()
        .flat_map(|(_, items)| items.iter().cloned())
        .collect();
    let savable = docs
        .iter()
        .filter(|d| !d.fields.confidential && d.readable().is_some())
        .count();
    let shown: Vec<&Document> = docs
        .iter()
        .filter(|d| folder.is_none() || d.fields.folder == folder)
        .filter(|d| item.is_none_or(|i| d.fields.items.contains(&i)))
        .collect();
    let mut groups: Vec<FolderGroup> = folder_names
        .iter()
        .map(|(id, name)| FolderGroup {
            name: name.clone(),
            docs: shown
                .iter()
                .filter(|d| d.fields.folder == Some(*id))
                .map(|d| doc_row(&w, d, &item_title))
                .collect(),
        })
        .collect();
    let known: HashSet<FolderId> = folder_names.iter().map(|(id, _)| *id).collect();
    groups.push(FolderGroup {
        name: w.t("docs.no_folder"),
        docs: shown
            .iter()
            .filter(|d| d.fields.folder.is_none_or(|f| !known.contains(&f)))
            .map(|d| doc_row(&w, d, &item_title))
            .collect(),
    });
    groups.retain(|g| !g.docs.is_empty());

    let page = IndexPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        js: assets::url("docs.js"),
        folders: folder_names
            .iter()
            .map(|(id, name)| Choice {
                value: id.0,
                label: name.clone(),
                selected: folder == Some(*id),
            })
            .collect(),
        item_groups: sessions
            .iter()
            .map(|(title, items)| ChoiceGroup {
                label: title.clone(),
                choices: items
                    .iter()
                    .map(|(id, t)| Choice {
                        value: id.0,
                        label: t.clone(),
                        selected: item == Some(*id),
                    })
                    .collect(),
            })
            .collect(),
        filtered: folder.is_some() || item.is_some(),
        savable,
        q,
        results,
        groups,
        tr,
    };
    let whole_list = page.q.is_empty() && !page.filtered;
    let mut res = render(&page);
    cache_policy(&mut res, false);
    if whole_list {
        set_header(
            &mut res,
            header::HeaderName::from_static(OFFLINE_HEADER),
            "full",
        );
    }
    res
}

// ----- the reading view -----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadQuery {
    p: String,
    q: String,
    all: String,
}

pub struct PageView {
    pub no: u32,
    pub label: String,
    pub paras: Vec<Vec<Piece>>,
}

pub struct Link {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "docs/read.html")]
pub struct ReadPage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub js: String,
    pub id: u64,
    pub title: String,
    pub folder: String,
    pub items: Vec<String>,
    pub version: String,
    pub date: String,
    pub note: String,
    pub updating: bool,
    /// "ready", "processing" or "failed".
    pub state: &'static str,
    pub state_label: String,
    pub pages_total: u32,
    pub pages_label: String,
    pub pages: Vec<PageView>,
    pub earlier: Option<Link>,
    pub later: Option<Link>,
    pub q: String,
    pub marks_label: String,
    pub clear_href: String,
    pub images: bool,
    pub download: Option<Link>,
    pub confidential: bool,
    pub watermark: Vec<String>,
    pub target: u32,
}

/// Splits a page's text into paragraphs to reflow on the screen. Word's text has one line
/// per paragraph. The lines of a PDF or a scan are as wide as the printed page: a line
/// joins the next unless it is short (the last line of a paragraph, a heading), it ends a
/// sentence and the next begins with a capital or a digit, or the next starts a list entry.
/// A sentence that happens to end a line inside a paragraph splits it in two: a smaller
/// harm than a heading run into its text.
pub fn paragraphs(text: &str, docx: bool) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if docx {
        return lines
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
    }
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut out = Vec::new();
    let mut cur = String::new();
    // Whether `cur` is a heading in capitals (which may take two lines).
    let mut cur_heading = false;
    for (i, &line) in lines.iter().enumerate() {
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let heading = in_capitals(line);
        if !cur.is_empty() && (starts_entry(line) || heading != cur_heading) {
            out.push(std::mem::take(&mut cur));
        }
        if cur.is_empty() {
            cur_heading = heading;
        } else {
            cur.push(' ');
        }
        cur.push_str(line);
        let short = line.chars().count() * 4 < widest * 3;
        let sentence = line.ends_with(['.', '!', '?', ':', ';'])
            && lines
                .get(i + 1)
                .and_then(|next| next.chars().next())
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        if short || sentence {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// "I. ĐÁNH GIÁ KẾT QUẢ": a line with letters, none of them lower case.
fn in_capitals(line: &str) -> bool {
    let mut letters = line.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(|c| !c.is_lowercase())
}

/// "- …", "• …", "a) …", "1. …", "IV. …": the start of a list entry or a numbered heading.
fn starts_entry(line: &str) -> bool {
    let mut chars = line.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if matches!(first, '-' | '–' | '—' | '+' | '•' | '*' | '·') {
        return chars.next().is_some_and(char::is_whitespace);
    }
    let head: String = line.chars().take_while(|c| c.is_alphanumeric()).collect();
    let rest = line.get(head.len()..).unwrap_or_default();
    let numbered = !head.is_empty()
        && (head.chars().all(|c| c.is_ascii_digit())
            || head.chars().all(|c| "IVXLC".contains(c))
            || (head.chars().count() == 1 && head.chars().all(|c| c.is_lowercase())));
    numbered && (rest.starts_with(". ") || rest.starts_with(") "))
}

/// The text cut into pieces, the query's words marked; marks only a space apart are
/// merged ("chuyển đổi số" is one mark, not three).
pub fn mark(text: &str, query: &str) -> (Vec<Piece>, usize) {
    if query.is_empty() {
        return (
            vec![Piece {
                text: text.to_string(),
                mark: false,
            }],
            0,
        );
    }
    let text = daihoi_search::nfc(text);
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in daihoi_search::highlight_ranges(&text, query) {
        match merged.last_mut() {
            Some(last)
                if text
                    .get(last.1..a)
                    .is_some_and(|gap| gap.chars().all(char::is_whitespace)) =>
            {
                last.1 = b;
            }
            _ => merged.push((a, b)),
        }
    }
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut count = 0;
    for (a, b) in merged {
        let (Some(before), Some(word)) = (text.get(at..a), text.get(a..b)) else {
            continue;
        };
        if !before.is_empty() {
            pieces.push(Piece {
                text: before.to_string(),
                mark: false,
            });
        }
        pieces.push(Piece {
            text: word.to_string(),
            mark: true,
        });
        count += 1;
        at = b;
    }
    if let Some(rest) = text.get(at..)
        && !rest.is_empty()
    {
        pieces.push(Piece {
            text: rest.to_string(),
            mark: false,
        });
    }
    (pieces, count)
}

/// The first and last page sent for a reader who asked for page `p` of `n`.
pub fn window(p: u32, n: u32, all: bool) -> (u32, u32) {
    if all || n <= WINDOW {
        return (1, n);
    }
    let start = p.saturating_sub(BEFORE).max(1);
    let end = (start + WINDOW - 1).min(n);
    (end + 1 - WINDOW, end)
}

/// `GET /app/docs/{id}?p=N&q=…[&all=1]`.
async fn read(c: Caller, Path(id): Path<String>, Query(rq): Query<ReadQuery>) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    match read_page(&c, p, &id, &rq).await {
        Ok(res) => res,
        Err(e) => c.page_err(e).into_response(),
    }
}

async fn read_page(c: &Caller, p: &Principal, id: &str, rq: &ReadQuery) -> Result<Response, Error> {
    let app = &c.web.app;
    let id = doc_id(id)?;
    // Checks the reader's right first; records the access of a confidential document.
    let (d, no, texts) = app.document_pages(p, id).await?;
    let w = words(c);
    let n = u32::try_from(texts.len()).unwrap_or(u32::MAX);
    let target = match rq.p.trim() {
        "" => 1,
        s => s
            .parse::<u32>()
            .map_err(|_| Error::NotFound { what: "page" })?,
    };
    if (n > 0 && (target == 0 || target > n)) || (n == 0 && target != 1) {
        return Err(Error::NotFound { what: "page" });
    }
    let all = rq.all == "1";
    let q = clip_query(&rq.q);
    let readable = d.readable();
    let docx = readable.is_some_and(|(_, t)| t.method == "docx");
    let images = readable.is_some_and(|(v, t)| has_page_images(v, t));
    let (first, last) = window(target, n, all);
    let mut marks = 0;
    let pages: Vec<PageView> = (first..=last)
        .filter_map(|no| {
            let text = texts.get(no as usize - 1)?;
            let paras = paragraphs(text, docx)
                .iter()
                .map(|para| {
                    let (pieces, count) = mark(para, &q);
                    marks += count;
                    pieces
                })
                .collect();
            Some(PageView {
                no,
                label: w.page_no(no),
                paras,
            })
        })
        .collect();
    let keep_q = |page: u32| read_href(id, page, &q);
    let earlier = (first > 1).then(|| Link {
        href: keep_q(first - 1),
        label: w.f(
            "docs.earlier",
            &[("from", "1".into()), ("to", w.count(u64::from(first - 1)))],
        ),
    });
    let later = (last < n).then(|| Link {
        href: keep_q(last + 1),
        label: w.f(
            "docs.later",
            &[
                ("from", w.count(u64::from(last + 1))),
                ("to", w.count(u64::from(n))),
            ],
        ),
    });
    let shown = d.version(no).or_else(|| d.latest());
    let (state, state_label) = match (readable, d.latest().map(|v| &v.extraction)) {
        (Some(_), _) => ("ready", String::new()),
        (None, Some(Extraction::Failed { .. })) => ("failed", w.t("docs.state_failed_long")),
        (None, _) => ("processing", w.t("docs.state_processing_long")),
    };
    // Confidential documents are downloaded as a watermarked PDF: a Word file has none.
    let download = readable
        .map(|(v, _)| v)
        .or_else(|| d.latest())
        .filter(|v| {
            !d.fields.confidential
                || v.info.file.kind == "pdf"
                || matches!(&v.extraction, Extraction::Done(t) if t.pdf.is_some())
        })
        .map(|v| Link {
            href: format!("/app/docs/{}/download", id.0),
            label: if d.fields.confidential {
                "PDF".to_string()
            } else {
                format!(
                    "{} · {}",
                    v.info.file.kind.to_uppercase(),
                    w.size(v.info.file.size)
                )
            },
        });
    let (folder, items) = app.read(|s| {
        (
            d.fields
                .folder
                .and_then(|f| s.docs().folder(f).map(|f| f.name.clone()))
                .unwrap_or_default(),
            d.fields
                .items
                .iter()
                .filter_map(|i| s.item(*i).map(|i| i.fields.title.clone()))
                .collect::<Vec<_>>(),
        )
    });
    let whole = first <= 1 && last >= n && !d.fields.confidential;
    let tr = Tr::new(&c.web, c.lang);
    let page = ReadPage {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        js: assets::url("docs.js"),
        id: id.0,
        title: d.fields.title.clone(),
        folder,
        items,
        version: shown.map(|v| w.version(v)).unwrap_or_default(),
        date: shown.map(|v| tr.date_time(&v.info.at)).unwrap_or_default(),
        note: readable
            .map(|(v, _)| v.info.note.clone())
            .unwrap_or_default(),
        updating: readable.is_some()
            && d.latest()
                .is_some_and(|v| v.extraction == Extraction::Pending),
        state,
        state_label,
        pages_total: n,
        pages_label: if n > 0 { w.pages(n) } else { String::new() },
        pages,
        earlier,
        later,
        marks_label: if q.is_empty() {
            String::new()
        } else if marks == 0 {
            w.f("docs.marks_none", &[("q", q.clone())])
        } else {
            w.f(
                "docs.marks",
                &[("n", w.count(marks as u64)), ("q", q.clone())],
            )
        },
        clear_href: read_href(id, target, ""),
        q,
        images,
        download,
        confidential: d.fields.confidential,
        watermark: if d.fields.confidential {
            vec![app.watermark_line(p); WATERMARK_TILES]
        } else {
            Vec::new()
        },
        target,
        tr,
    };
    let mut res = render(&page);
    cache_policy(&mut res, d.fields.confidential);
    if whole && n > 0 {
        set_header(
            &mut res,
            header::HeaderName::from_static(OFFLINE_HEADER),
            "full",
        );
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GotoQuery {
    p: String,
    q: String,
}

/// `GET /app/docs/{id}/goto?p=N&q=…`: the jump-to-page form. A redirect may carry the
/// `#p-N` anchor that a form cannot, so the page scrolls there without script. A number
/// out of range goes to the nearest page.
async fn goto(c: Caller, Path(id): Path<String>, Query(gq): Query<GotoQuery>) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let d = match doc_id(&id).and_then(|id| c.web.app.readable_document(p, id)) {
        Ok(d) => d,
        Err(e) => return c.page_err(e).into_response(),
    };
    let n = d.readable().map(|(_, t)| t.pages).unwrap_or(0).max(1);
    let page = gq.p.trim().parse::<u32>().unwrap_or(1).clamp(1, n);
    Redirect::to(&read_href(d.id, page, &clip_query(&gq.q))).into_response()
}

// ----- page images and downloads --------------------------------------------------------

#[derive(Template)]
#[template(path = "docs/page.html")]
pub struct ImagePage {
    pub tr: Tr,
    pub chrome: Chrome,
    pub id: u64,
    pub no: u32,
    pub title: String,
    pub position: String,
    pub alt: String,
    pub back: String,
    pub prev: Option<Link>,
    pub next: Option<Link>,
    pub confidential: bool,
}

/// `GET /app/docs/{id}/page/{n}` (the page view) and `…/page/{n}.png` (the image).
async fn page_or_png(
    c: Caller,
    Path((id, n)): Path<(String, String)>,
    Query(rq): Query<ReadQuery>,
) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let result = match n.strip_suffix(".png") {
        Some(n) => page_png(&c, p, &id, n).await,
        None => image_page(&c, p, &id, &n, &clip_query(&rq.q)),
    };
    result.unwrap_or_else(|e| c.page_err(e).into_response())
}

/// The document and the page number, if that page exists as an image for this reader.
fn page_of(c: &Caller, p: &Principal, id: &str, n: &str) -> Result<(Document, u32, u32), Error> {
    let d = c.web.app.readable_document(p, doc_id(id)?)?;
    let not_found = || Error::NotFound { what: "page" };
    let Some((v, t)) = d.readable() else {
        return Err(not_found());
    };
    let total = t.pages;
    let no = n.parse::<u32>().map_err(|_| not_found())?;
    if !has_page_images(v, t) || no == 0 || no > total {
        return Err(not_found());
    }
    Ok((d, no, total))
}

fn image_page(c: &Caller, p: &Principal, id: &str, n: &str, q: &str) -> Result<Response, Error> {
    let (d, no, total) = page_of(c, p, id, n)?;
    let w = words(c);
    let link = |to: u32, key: &str| Link {
        href: format!("/app/docs/{}/page/{to}", d.id.0),
        label: w.f(key, &[("n", to.to_string())]),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = ImagePage {
        chrome: Chrome::new(&c.web, &tr, Some(p), &c.path),
        id: d.id.0,
        no,
        position: w.f(
            "docs.page_of",
            &[("n", no.to_string()), ("total", w.count(u64::from(total)))],
        ),
        alt: w.f(
            "docs.image_alt",
            &[("n", no.to_string()), ("title", d.fields.title.clone())],
        ),
        back: read_href(d.id, no, q),
        prev: (no > 1).then(|| link(no - 1, "docs.prev_page")),
        next: (no < total).then(|| link(no + 1, "docs.next_page")),
        title: d.fields.title.clone(),
        confidential: d.fields.confidential,
        tr,
    };
    let mut res = render(&page);
    cache_policy(&mut res, d.fields.confidential);
    Ok(res)
}

async fn page_png(c: &Caller, p: &Principal, id: &str, n: &str) -> Result<Response, Error> {
    let (d, no, _) = page_of(c, p, id, n)?;
    let png = c.web.app.document_page_png(p, d.id, no).await?;
    let mut res = png.into_response();
    set_header(&mut res, header::CONTENT_TYPE, "image/png");
    let cache = if d.fields.confidential {
        "no-store"
    } else {
        "private, max-age=86400"
    };
    set_header(&mut res, header::CACHE_CONTROL, cache);
    Ok(res)
}

/// `Content-Disposition` for a file name in any script (RFC 6266 and RFC 5987): an ASCII
/// fallback for old clients, and the name itself as UTF-8.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = daihoi_domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let fallback = fallback.trim();
    let fallback = if fallback.is_empty() {
        "document"
    } else {
        fallback
    };
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// `GET /app/docs/{id}/download`.
async fn download(c: Caller, Path(id): Path<String>) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let result = async {
        let id = doc_id(&id)?;
        let confidential = c.web.app.readable_document(p, id)?.fields.confidential;
        let file = c.web.app.document_download(p, id, None).await?;
        Ok::<_, Error>((confidential, file))
    }
    .await;
    let (confidential, file) = match result {
        Ok(x) => x,
        Err(e) => return c.page_err(e).into_response(),
    };
    let mut res = file.bytes.into_response();
    set_header(&mut res, header::CONTENT_TYPE, file.mime);
    set_header(
        &mut res,
        header::CONTENT_DISPOSITION,
        &content_disposition(&file.name),
    );
    cache_policy(&mut res, confidential);
    res
}

// ----- offline ---------------------------------------------------------------------------

#[derive(Serialize)]
pub struct OfflineList {
    /// Pages stored as they are.
    pub pages: Vec<String>,
    pub docs: Vec<OfflineDoc>,
}

#[derive(Serialize)]
pub struct OfflineDoc {
    pub id: u64,
    pub title: String,
    /// What to fetch: the whole reading view.
    pub url: String,
    /// Where the service worker looks it up: the path without query, so that
    /// `?p=N&q=…` finds it.
    pub key: String,
}

/// `GET /app/docs/offline.json`: the list, every readable non-confidential document.
async fn offline_list(c: Caller) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.api_err(e).into_response(),
    };
    let docs = match c.web.app.readable_documents(p) {
        Ok(d) => d,
        Err(e) => return c.api_err(e).into_response(),
    };
    let list = OfflineList {
        pages: vec!["/app/docs".into(), "/app/docs/offline".into()],
        docs: docs
            .iter()
            .filter(|d| !d.fields.confidential && d.readable().is_some())
            .map(|d| OfflineDoc {
                id: d.id.0,
                title: d.fields.title.clone(),
                url: format!("/app/docs/{}?all=1", d.id.0),
                key: format!("/app/docs/{}", d.id.0),
            })
            .collect(),
    };
    let mut res = axum::Json(list).into_response();
    set_header(&mut res, header::CACHE_CONTROL, "no-store");
    res
}

#[derive(Template)]
#[template(path = "docs/offline.html")]
pub struct OfflinePage {
    pub tr: Tr,
    pub chrome: Chrome,
}

/// `GET /app/docs/offline`: shown by the service worker, without a network, for a search or
/// a document that was not saved.
async fn offline_page(c: Caller) -> Response {
    let p = match reader(&c) {
        Ok(p) => p,
        Err(e) => return c.page_err(e).into_response(),
    };
    let tr = Tr::new(&c.web, c.lang);
    let page = OfflinePage {
        chrome: Chrome::new(&c.web, &tr, Some(p), "/app/docs"),
        tr,
    };
    let html = render_string(&page);
    let mut res = axum::response::Html(html).into_response();
    cache_policy(&mut res, false);
    res
}

#[cfg(test)]
mod tests;
