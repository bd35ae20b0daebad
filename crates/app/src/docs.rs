//! The document service: the search index, the background text extraction (one job at a
//! time, so the server stays responsive), and a small cache of extracted texts.
//!
//! The event log is the truth: a version whose extraction has no result event is pending and
//! is queued again at start, so a crash loses no work that was acknowledged. The index is
//! derived from the text blobs and can always be rebuilt (`daihoi docs reindex`).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use daihoi_docs::Limits;
use daihoi_domain::docs::{DocLibrary, Document};
use daihoi_domain::model::DocumentId;
use daihoi_domain::{Error, Result};
use daihoi_search::{PageDoc, SearchIndex};
use tokio::sync::mpsc;

/// Where one extraction job stands, for the secretariat's documents page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    /// Waiting in the queue (not started yet).
    pub queued: bool,
}

pub struct DocService {
    index: RwLock<Arc<SearchIndex>>,
    pub(crate) limits: Limits,
    progress: Mutex<HashMap<(DocumentId, u32), Progress>>,
    queue: Mutex<Option<mpsc::UnboundedSender<(DocumentId, u32)>>>,
    texts: Mutex<TextCache>,
    cache_dir: RwLock<Option<PathBuf>>,
    /// Where the open index lives on disk (none: in memory).
    index_dir: RwLock<Option<PathBuf>>,
}

/// Extracted texts by blob hash, bounded by total size.
#[derive(Default)]
struct TextCache {
    map: HashMap<String, Arc<Vec<String>>>,
    order: VecDeque<String>,
    bytes: usize,
}

const TEXT_CACHE_BYTES: usize = 64 << 20;

impl TextCache {
    fn get(&self, k: &str) -> Option<Arc<Vec<String>>> {
        self.map.get(k).cloned()
    }
    fn put(&mut self, k: String, v: Arc<Vec<String>>) {
        let size: usize = v.iter().map(|p| p.len()).sum();
        while self.bytes + size > TEXT_CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(o) = self.map.remove(&old) {
                self.bytes -= o.iter().map(|p| p.len()).sum::<usize>();
            }
        }
        if self.map.insert(k.clone(), v).is_none() {
            self.order.push_back(k);
            self.bytes += size;
        }
    }
}

fn search_err(e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("search index: {e}"))
}

impl DocService {
    pub fn new() -> Result<DocService> {
        Ok(DocService {
            index: RwLock::new(Arc::new(SearchIndex::in_memory().map_err(search_err)?)),
            // One OCR job at a time: the other core keeps serving the hall.
            limits: Limits {
                ocr_jobs: 1,
                ..Limits::default()
            },
            progress: Mutex::new(HashMap::new()),
            queue: Mutex::new(None),
            texts: Mutex::new(TextCache::default()),
            cache_dir: RwLock::new(None),
            index_dir: RwLock::new(None),
        })
    }

    pub fn index(&self) -> Arc<SearchIndex> {
        match self.index.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Use the index on disk under `dir` (created if missing). Returns false when it had to
    /// be created afresh (missing, another schema, or unreadable) and needs filling.
    pub(crate) fn open_index(&self, dir: &Path) -> Result<bool> {
        // Already open here (this process holds its lock): keep using it.
        if self
            .index_dir
            .read()
            .ok()
            .and_then(|d| d.clone())
            .as_deref()
            == Some(dir)
        {
            return Ok(true);
        }
        let (idx, fresh) = match SearchIndex::open(dir) {
            Ok(i) => (i, false),
            // Another process holds it: never delete an index in use.
            Err(e @ daihoi_search::SearchError::Locked) => return Err(search_err(e)),
            Err(e) => {
                tracing::warn!(
                    "search index at {} is unusable ({e}); rebuilding",
                    dir.display()
                );
                (SearchIndex::recreate(dir).map_err(search_err)?, true)
            }
        };
        *self.index.write().map_err(|_| search_err("lock"))? = Arc::new(idx);
        if let Ok(mut d) = self.index_dir.write() {
            *d = Some(dir.to_path_buf());
        }
        Ok(!fresh)
    }

    pub(crate) fn set_queue(&self, tx: mpsc::UnboundedSender<(DocumentId, u32)>) {
        if let Ok(mut q) = self.queue.lock() {
            *q = Some(tx);
        }
    }

    /// Queue a version for extraction. Without a running worker (tests that do not start
    /// one) the version stays pending.
    pub(crate) fn enqueue(&self, doc: DocumentId, version: u32) {
        let sent = self
            .queue
            .lock()
            .ok()
            .and_then(|q| q.as_ref().map(|tx| tx.send((doc, version)).is_ok()))
            .unwrap_or(false);
        if sent {
            self.set_progress(
                doc,
                version,
                Progress {
                    queued: true,
                    ..Progress::default()
                },
            );
        }
    }

    pub(crate) fn set_progress(&self, doc: DocumentId, version: u32, p: Progress) {
        if let Ok(mut m) = self.progress.lock() {
            m.insert((doc, version), p);
        }
    }

    pub(crate) fn clear_progress(&self, doc: DocumentId, version: u32) {
        if let Ok(mut m) = self.progress.lock() {
            m.remove(&(doc, version));
        }
    }

    /// No extraction queued or running (its index update included).
    pub fn idle(&self) -> bool {
        self.progress.lock().map(|m| m.is_empty()).unwrap_or(false)
    }

    pub fn progress(&self, doc: DocumentId, version: u32) -> Option<Progress> {
        self.progress.lock().ok()?.get(&(doc, version)).copied()
    }

    pub(crate) fn cached_text(&self, blob: &str) -> Option<Arc<Vec<String>>> {
        self.texts.lock().ok()?.get(blob)
    }

    pub(crate) fn cache_text(&self, blob: &str, pages: Arc<Vec<String>>) {
        if let Ok(mut c) = self.texts.lock() {
            c.put(blob.to_string(), pages);
        }
    }

    /// Put one document's readable version into the index (or take it out).
    pub(crate) fn index_document(&self, doc: &Document, pages: Option<&[String]>) -> Result<()> {
        let idx = self.index();
        let id = doc.id.0 as i64;
        let (Some(pages), Some((v, _))) = (pages, doc.readable()) else {
            return idx.remove_document(id).map_err(search_err);
        };
        let rows = pages
            .iter()
            .enumerate()
            .map(|(i, text)| PageDoc {
                doc: id,
                version: v.info.no,
                page: i as u32 + 1,
                title: doc.fields.title.clone(),
                folder: doc.fields.folder.map(|f| f.0 as i64),
                items: doc.fields.items.iter().map(|i| i.0 as i64).collect(),
                access: doc.fields.access.tokens(),
                text: text.clone(),
            })
            .collect();
        idx.replace_document(id, rows).map_err(search_err)
    }

    pub(crate) fn set_cache_dir(&self, dir: PathBuf) {
        if let Ok(mut c) = self.cache_dir.write() {
            *c = Some(dir);
        }
    }

    /// Where a page image of a non-confidential document is cached (derived data: safe to
    /// delete). Keyed by the source file's hash, so a new version never shows an old page.
    pub(crate) fn page_cache_path(&self, doc: &Document, page: u32) -> Option<PathBuf> {
        let (v, t) = doc.readable()?;
        let src = if v.info.file.kind == "pdf" {
            &v.info.file.sha256
        } else {
            &t.pdf.as_ref()?.sha256
        };
        let dir = self.cache_dir.read().ok()?.clone()?;
        Some(dir.join("pages").join(format!("{src}-{page}.png")))
    }

    /// Pages the index should hold: the readable version of every document.
    pub(crate) fn expected_pages(lib: &DocLibrary) -> u64 {
        lib.documents()
            .filter_map(|d| d.readable().map(|(_, t)| u64::from(t.pages)))
            .sum()
    }
}
