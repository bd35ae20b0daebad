//! Full-text search of congress documents, page by page (tantivy).
//!
//! One tantivy document per page of a document version. The extraction side (`daihoi-docs`)
//! turns a file into [`PageDoc`]s; the app calls [`SearchIndex::replace_document`] after
//! every upload or new version and [`SearchIndex::search`] for the search box.
//!
//! # API
//!
//! ```text
//! SearchIndex::open(dir) -> Result<SearchIndex, SearchError>   // NeedsRebuild on an old
//!                                                              // schema or a corrupt index
//! SearchIndex::recreate(dir) / SearchIndex::in_memory()
//! replace_document(doc, pages)     // one commit: old pages out, new pages in, atomically
//! replace_documents(iter)          // the same for many documents in one commit (reindex)
//! remove_document(doc) / clear() / page_count()
//! search(&Query) -> Results { total, hits: [Hit { doc, version, page, title, score,
//!                                                 snippet: [Fragment], terms }] }
//! highlight_ranges(text, query) / fold(s) / nfc(s)
//! ```
//!
//! [`SearchIndex`] is `Send + Sync`: share it in an `Arc`. Writes are serialised by a mutex;
//! searches never wait for them.
//!
//! # Text analysis
//!
//! Every text (page, title, query) is normalised to NFC first: PDF extractors and some phone
//! keyboards produce NFD, whose combining marks a tokenizer would treat as word breaks.
//! Words are runs of letters and digits (tantivy's `SimpleTokenizer` on NFC text); words
//! over 64 bytes are dropped. Each page's text goes into two fields:
//!
//! - `text`: folded terms ([`fold`]: lower case, marks stripped, đ → d), with positions, for
//!   matching and phrases. "dai hoi", "ĐẠI HỘI" and "đại hội" are the same terms here, as are
//!   the old and new tone placements "hoá"/"hóa". The field also stores the original NFC
//!   text, from which snippets are cut (tokenised with the folding analyzer, so highlights
//!   land on the accented words as written).
//! - `text_exact`: lower case with marks, frequencies only: a boost for pages that have the
//!   query's words with the accents the user typed ("đại hội" ranks a page with "đại hội"
//!   above one with "dài hơi", which folds to the same terms).
//! - `text_pairs`: every two adjacent folded words as one term ("dai hoi", "hoi dang",
//!   "dang bo"), with positions. A Vietnamese word is mostly two syllables, so adjacency
//!   (phrases, the boost for words side by side, the word being typed) is a term lookup
//!   on short posting lists rather than a position check on every page that has the
//!   syllables: that is what keeps queries of common words fast at 100,000 pages.
//!
//! # Queries
//!
//! Queries are built programmatically (no query-parser syntax: nothing the user types can be
//! a syntax error). See [`Query`] for the rules: every word is required (AND); each pair of
//! query words that is also adjacent, in order, on the page adds a boost, so pages with the
//! whole phrase rank first (a Vietnamese word is several syllables: "phát triển kinh tế"
//! wants the syllables side by side), and pages that only have them scattered are still
//! returned, below; text in double quotes is a strict phrase; with [`Query::prefix_last`]
//! the last word is a prefix (as-you-type). An empty query (or one with no letters or
//! digits) finds nothing.
//!
//! # Access
//!
//! Every page carries access tokens ("public", "delegates", "presidium", "group:7", ...).
//! A search with [`Allowed::Tokens`] gets a required filter clause "at least one of these
//! tokens" inside the tantivy query itself, so pages outside it are never scored, counted in
//! [`Results::total`], loaded, or cut into snippets. [`Allowed::All`] is for staff who
//! manage documents.
//!
//! # On disk
//!
//! The index directory holds tantivy's files and `daihoi-search.version` with the schema
//! version of this crate. [`SearchIndex::open`] answers [`SearchError::NeedsRebuild`] when
//! that version differs or the index cannot be read; the server then rebuilds it from the
//! documents (`daihoi docs reindex`, which calls [`SearchIndex::recreate`]).

mod analysis;
mod parse;
mod search;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use analysis::{fold, highlight_ranges, nfc};

/// Version of the schema and analysis. Bump it whenever the fields, their options or the
/// analyzers change: an index written by another version must be rebuilt.
pub const SCHEMA_VERSION: u32 = 2;
/// The file in the index directory that records [`SCHEMA_VERSION`].
pub const VERSION_FILE: &str = "daihoi-search.version";
/// Most hits one search returns (a larger [`Query::limit`] is lowered to this).
pub const MAX_LIMIT: usize = 100;
/// Deepest page of results (a larger [`Query::offset`] finds nothing).
pub const MAX_OFFSET: usize = 10_000;

/// Memory the index writer may use before it writes a segment (all threads together).
const WRITER_MEMORY: usize = 96_000_000;

/// One page of one version of a document, as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDoc {
    /// The document (its id in the store).
    pub doc: i64,
    /// The document's version these pages come from.
    pub version: u32,
    /// 1-based page number (a file without pages, such as DOCX, is one page or is split
    /// by the extractor).
    pub page: u32,
    /// The document's title (stored for display; not searched).
    pub title: String,
    /// The folder the document is in.
    pub folder: Option<i64>,
    /// The agenda items the document belongs to.
    pub items: Vec<i64>,
    /// Access tokens: who may find this page ("public", "delegates", "presidium",
    /// "group:7", ...). A page without tokens is found only with [`Allowed::All`].
    pub access: Vec<String>,
    /// The page's text (any normalisation: it is indexed and stored as NFC).
    pub text: String,
}

/// Who is searching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// Everything: staff who manage documents.
    All,
    /// Only pages that carry at least one of these access tokens (none: nothing).
    Tokens(Vec<String>),
}

/// A search.
///
/// - Every word of [`Query::text`] is required (accent- and case-insensitively), anywhere on
///   the page. Each two consecutive query words that are also adjacent, in that order, on
///   the page add to the score, so a page with the whole phrase ranks above pages where
///   the words are scattered (which are still returned); words carrying the accents as
///   typed add to it too, so exact spellings rank above pages that only match folded.
/// - `"..."` (straight or curly double quotes) is a strict phrase: the page must have those
///   words adjacent and in order. An unclosed quote runs to the end of the text.
/// - Any other punctuation separates words and is otherwise ignored, so `AND`, `*`, `:`
///   and brackets are plain text ("and" is a word like any other).
/// - At most 1,000 characters and 24 words are read.
/// - With [`Query::prefix_last`], see there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    /// Only pages of documents in this folder.
    pub folder: Option<i64>,
    /// Only pages of documents of this agenda item.
    pub item: Option<i64>,
    pub allowed: Allowed,
    /// Hits to return (at most [`MAX_LIMIT`]; 0 only counts).
    pub limit: usize,
    /// Hits to skip (paging).
    pub offset: usize,
    /// As-you-type: when the text ends inside a word (no space or quote after it), that
    /// word is a prefix. It matches the 64 most frequent indexed words that start with
    /// it; when a word precedes it, only right after that word (the user is typing a
    /// phrase: "dai hoi dang b" finds "Đại hội Đảng bộ", not a page with "đảng viên" and
    /// "bộ" elsewhere). Once the word is complete (a space typed), it is an ordinary word.
    pub prefix_last: bool,
}

impl Query {
    /// A query for `text` by someone allowed `allowed`, first 10 hits, whole words.
    pub fn new(text: impl Into<String>, allowed: Allowed) -> Query {
        Query {
            text: text.into(),
            folder: None,
            item: None,
            allowed,
            limit: 10,
            offset: 0,
            prefix_last: false,
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// Pages that match (the caller may see), over all result pages.
    pub total: usize,
    /// Best first; one per page, so several pages of one document may appear.
    pub hits: Vec<Hit>,
}

/// One page that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: i64,
    pub version: u32,
    /// 1-based.
    pub page: u32,
    pub title: String,
    pub score: f32,
    /// A passage of the page around the best matches, as pieces of plain text (NOT HTML:
    /// the web layer escapes). Pieces with `highlighted` are matched words. A passage
    /// that does not start (end) the page starts (ends) with a piece "…".
    pub snippet: Vec<Fragment>,
    /// The distinct words of the page that matched, as written there (NFC), for the
    /// reading view to highlight.
    pub terms: Vec<String>,
}

/// A piece of a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub highlighted: bool,
}

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index on disk was written by another schema version, or cannot be read: rebuild
    /// it (`daihoi docs reindex`).
    #[error("the search index must be rebuilt: {0}")]
    NeedsRebuild(String),
    /// Another process has the index open for writing.
    #[error("the search index is in use by another process")]
    Locked,
    /// The caller passed pages that cannot be indexed (wrong document id, page 0).
    #[error("invalid page: {0}")]
    InvalidPage(String),
    /// The directory given to [`SearchIndex::recreate`] holds something else than an index.
    #[error("not a search index directory: {0}")]
    NotAnIndex(PathBuf),
    #[error("search index I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Anything else tantivy reports (disk full, ...).
    #[error("search index: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
            other => SearchError::Index(other.to_string()),
        }
    }
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub doc: Field,
    pub version: Field,
    pub page: Field,
    pub title: Field,
    pub folder: Field,
    pub item: Field,
    pub access: Field,
    /// Folded terms with positions; stores the original NFC text.
    pub text: Field,
    /// Exact (accented, lower-case) terms with frequencies.
    pub exact: Field,
    /// Adjacent pairs of folded words ("dai hoi"), with positions.
    pub pairs: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let doc = b.add_i64_field("doc", INDEXED | STORED);
    let version = b.add_u64_field("version", STORED);
    let page = b.add_u64_field("page", STORED);
    let title = b.add_text_field("title", STORED);
    let folder = b.add_i64_field("folder", INDEXED);
    let item = b.add_i64_field("item", INDEXED);
    let access = b.add_text_field("access", STRING);
    let text = b.add_text_field(
        "text",
        TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::FOLDED)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let exact = b.add_text_field(
        "text_exact",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::EXACT)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let pairs = b.add_text_field(
        "text_pairs",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::PAIRS)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let fields = Fields {
        doc,
        version,
        page,
        title,
        folder,
        item,
        access,
        text,
        exact,
        pairs,
    };
    (b.build(), fields)
}

/// The full-text index of congress documents. See the crate documentation.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("pages", &self.page_count())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Open the index in `dir`, creating the directory and an empty index if there is none.
    /// [`SearchError::NeedsRebuild`] when the index there has another schema version or
    /// cannot be read; [`SearchError::Locked`] when another process writes to it.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir)?;
        let directory = MmapDirectory::open(dir)
            .map_err(|e| SearchError::Index(format!("{}: {e}", dir.display())))?;
        let exists = Index::exists(&directory)
            .map_err(|e| SearchError::NeedsRebuild(format!("cannot read the index: {e}")))?;
        let (schema, fields) = schema();
        if !exists {
            let index = Index::create(directory, schema, Default::default())?;
            std::fs::write(dir.join(VERSION_FILE), format!("{SCHEMA_VERSION}\n"))?;
            return SearchIndex::from_index(index, fields);
        }
        let recorded = std::fs::read_to_string(dir.join(VERSION_FILE)).unwrap_or_default();
        if recorded.trim() != SCHEMA_VERSION.to_string() {
            return Err(SearchError::NeedsRebuild(format!(
                "schema version {:?} on disk, {SCHEMA_VERSION} expected",
                recorded.trim()
            )));
        }
        let index = match Index::open(directory) {
            Ok(index) => index,
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(SearchError::Locked),
            Err(e) => return Err(SearchError::NeedsRebuild(e.to_string())),
        };
        if index.schema() != schema {
            return Err(SearchError::NeedsRebuild(
                "the index's fields differ from this version's".into(),
            ));
        }
        // tantivy may panic, not only fail, on a damaged file (a truncated footer): that
        // too means "rebuild", not a crashed server.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            SearchIndex::from_index(index, fields)
        }));
        match opened {
            Ok(Ok(index)) => Ok(index),
            Ok(Err(SearchError::Locked)) => Err(SearchError::Locked),
            Ok(Err(e)) => Err(SearchError::NeedsRebuild(e.to_string())),
            Err(_) => Err(SearchError::NeedsRebuild(
                "a file of the index is damaged".into(),
            )),
        }
    }

    /// Delete the index in `dir` (if any) and create an empty one: for rebuilding. Refuses
    /// ([`SearchError::NotAnIndex`]) a non-empty directory that holds no index.
    pub fn recreate(dir: &Path) -> Result<SearchIndex, SearchError> {
        if dir.exists() {
            let is_index = dir.join("meta.json").exists() || dir.join(VERSION_FILE).exists();
            let is_empty = std::fs::read_dir(dir)?.next().is_none();
            if !is_index && !is_empty {
                return Err(SearchError::NotAnIndex(dir.to_path_buf()));
            }
            std::fs::remove_dir_all(dir)?;
        }
        SearchIndex::open(dir)
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        SearchIndex::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        let tokenizers = index.tokenizers();
        tokenizers.register(analysis::FOLDED, analysis::folded_analyzer());
        tokenizers.register(analysis::EXACT, analysis::exact_analyzer());
        tokenizers.register(analysis::PAIRS, analysis::pairs_analyzer());
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 2);
        let writer = index.writer_with_num_threads(threads, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// The writer; after a panic in another writer call, its uncommitted operations are
    /// rolled back first so that no half-indexed document is ever committed.
    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter<TantivyDocument>>, SearchError> {
        match self.writer.lock() {
            Ok(w) => Ok(w),
            Err(poisoned) => {
                let mut w = poisoned.into_inner();
                w.rollback()?;
                self.writer.clear_poison();
                Ok(w)
            }
        }
    }

    fn page_document(&self, p: &PageDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_i64(f.doc, p.doc);
        d.add_u64(f.version, u64::from(p.version));
        d.add_u64(f.page, u64::from(p.page));
        d.add_text(f.title, nfc(&p.title));
        if let Some(folder) = p.folder {
            d.add_i64(f.folder, folder);
        }
        for item in &p.items {
            d.add_i64(f.item, *item);
        }
        for token in &p.access {
            d.add_text(f.access, token);
        }
        let text = nfc(&p.text);
        d.add_text(f.exact, &text);
        d.add_text(f.pairs, &text);
        d.add_text(f.text, text);
        d
    }

    fn check_pages(doc: i64, pages: &[PageDoc]) -> Result<(), SearchError> {
        for p in pages {
            if p.doc != doc {
                return Err(SearchError::InvalidPage(format!(
                    "page {} belongs to document {}, not {doc}",
                    p.page, p.doc
                )));
            }
            if p.page == 0 {
                return Err(SearchError::InvalidPage(format!(
                    "document {doc}: pages are numbered from 1"
                )));
            }
        }
        Ok(())
    }

    /// Run `ops` on the writer, commit once and reload the reader, so that searches see all
    /// of it or (before) none of it. On an error nothing of it is committed.
    fn write(
        &self,
        ops: impl FnOnce(&IndexWriter<TantivyDocument>) -> Result<(), SearchError>,
    ) -> Result<(), SearchError> {
        let mut w = self.writer()?;
        let done = ops(&w).and_then(|()| w.commit().map(|_| ()).map_err(SearchError::from));
        if let Err(e) = done {
            let _ = w.rollback();
            return Err(e);
        }
        // Under the writer's lock: once this returns, every later search sees the commit.
        self.reader.reload()?;
        Ok(())
    }

    /// Replace every indexed page of document `doc` by `pages` (all of `doc`; empty removes
    /// the document), in one commit: a concurrent search sees either the old pages or the
    /// new ones, never a mix or none.
    pub fn replace_document(&self, doc: i64, pages: Vec<PageDoc>) -> Result<(), SearchError> {
        SearchIndex::check_pages(doc, &pages)?;
        self.write(|w| {
            w.delete_term(Term::from_field_i64(self.fields.doc, doc));
            for p in &pages {
                w.add_document(self.page_document(p))?;
            }
            Ok(())
        })
    }

    /// [`SearchIndex::replace_document`] for many documents in one commit (rebuilding,
    /// bulk import): much faster than a commit per document. Nothing is committed if one
    /// of them is invalid.
    pub fn replace_documents<I>(&self, docs: I) -> Result<(), SearchError>
    where
        I: IntoIterator<Item = (i64, Vec<PageDoc>)>,
    {
        self.write(|w| {
            for (doc, pages) in docs {
                SearchIndex::check_pages(doc, &pages)?;
                w.delete_term(Term::from_field_i64(self.fields.doc, doc));
                for p in &pages {
                    w.add_document(self.page_document(p))?;
                }
            }
            Ok(())
        })
    }

    /// Remove every page of document `doc` (one commit).
    pub fn remove_document(&self, doc: i64) -> Result<(), SearchError> {
        self.write(|w| {
            w.delete_term(Term::from_field_i64(self.fields.doc, doc));
            Ok(())
        })
    }

    /// Remove everything (one commit).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.write(|w| {
            w.delete_all_documents()?;
            Ok(())
        })
    }

    /// Merge all segments into one and wait for it: after a bulk build, for the fastest
    /// searches. Not needed for correctness; the writer also merges in the background.
    pub fn merge_all(&self) -> Result<(), SearchError> {
        let mut w = self.writer()?;
        let ids = self.index.searchable_segment_ids()?;
        if ids.len() > 1 {
            w.merge(&ids).wait()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Close the index: wait for the writer's background merges to finish and release the
    /// directory's lock. Dropping the index also releases it, but merges may still be
    /// writing files for a moment.
    pub fn close(self) -> Result<(), SearchError> {
        let writer = match self.writer.into_inner() {
            Ok(w) => w,
            Err(poisoned) => {
                let mut w = poisoned.into_inner();
                w.rollback()?;
                w
            }
        };
        writer.wait_merging_threads()?;
        Ok(())
    }

    /// Pages in the index.
    pub fn page_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments the searches read (for benchmarks and diagnostics).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }
}
