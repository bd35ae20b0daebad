//! Document use cases: upload (one file, many, or a zip), versions, folders, search, reading,
//! page images and downloads, and the background extraction worker.

use std::path::Path;
use std::sync::Arc;

use daihoi_docs::{DocError, Kind};
use daihoi_domain::docs::{DocInput, Document, Extraction, Scope, StoredFile, TextInfo};
use daihoi_domain::model::{Actor, DocumentId, FolderId, ItemId};
use daihoi_domain::{Capability, Error, Problem, Result};
use daihoi_search::{Allowed, Query};
use tokio::sync::mpsc;

use super::App;
use crate::auth::{Principal, Subject};
use crate::docs::{DocService, Progress};

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a batch upload did with each file.
#[derive(Debug, Clone, Default)]
pub struct BatchReport {
    pub added: Vec<(String, DocumentId)>,
    pub rejected: Vec<(String, Problem)>,
}

/// A search as a reader asks it.
#[derive(Debug, Clone, Default)]
pub struct DocQuery {
    pub text: String,
    pub folder: Option<FolderId>,
    pub item: Option<ItemId>,
    pub limit: usize,
    pub offset: usize,
    /// As-you-type: the last word may be unfinished.
    pub prefix: bool,
}

/// One hit, checked against the reader's rights.
#[derive(Debug, Clone)]
pub struct DocHit {
    pub doc: DocumentId,
    pub title: String,
    pub folder: Option<String>,
    pub page: u32,
    /// (text, highlighted) pieces; the page layer escapes them.
    pub snippet: Vec<(String, bool)>,
}

#[derive(Debug, Clone, Default)]
pub struct DocResults {
    pub total: usize,
    pub hits: Vec<DocHit>,
}

/// A file to send back.
#[derive(Debug, Clone)]
pub struct Download {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

fn file_problem(e: &DocError) -> Error {
    Error::Invalid {
        field: "file",
        problem: Problem::new(e.code()).arg("detail", e.to_string()),
    }
}

fn hex_hash(h: [u8; 32]) -> String {
    hex::encode(h)
}

/// The bytes of a blob the state names; a missing one is a storage failure.
async fn blob(app: &App, hex_sha: &str) -> Result<Vec<u8>> {
    app.engine
        .store()
        .get_blob(&blob_key(hex_sha)?)
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
        .ok_or_else(|| Error::Storage(format!("blob {hex_sha} missing")))
}

fn blob_key(hex_sha: &str) -> Result<[u8; 32]> {
    let v = hex::decode(hex_sha).map_err(|_| Error::Storage("bad blob address".into()))?;
    v.try_into()
        .map_err(|_| Error::Storage("bad blob address".into()))
}

/// "Báo cáo chính trị.pdf" → "Báo cáo chính trị".
fn title_from_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem.replace('_', " "),
        _ => base.to_string(),
    }
}

impl App {
    pub fn doc_service(&self) -> &DocService {
        &self.docs
    }

    fn scope(&self, p: &Principal) -> Result<Scope> {
        p.require(Capability::ReadDocuments)?;
        let delegate = p
            .delegate_id()
            .and_then(|id| self.read(|s| s.delegate(id).cloned()));
        match Scope::of(p.role, delegate.as_ref()) {
            Scope::Nothing => Err(Error::Forbidden),
            s => Ok(s),
        }
    }

    /// The document if the caller may read it; otherwise "not found" (a reader without the
    /// right does not learn that it exists).
    pub fn readable_document(&self, p: &Principal, id: DocumentId) -> Result<Document> {
        let scope = self.scope(p)?;
        self.read(|s| s.docs().document(id).cloned())
            .filter(|d| scope.permits(&d.fields.access))
            .ok_or(Error::NotFound { what: "document" })
    }

    /// Documents the caller may read, newest first within each folder order.
    pub fn readable_documents(&self, p: &Principal) -> Result<Vec<Document>> {
        let scope = self.scope(p)?;
        Ok(self.read(|s| {
            s.docs()
                .documents()
                .filter(|d| scope.permits(&d.fields.access))
                .cloned()
                .collect()
        }))
    }

    // ----- folders -----------------------------------------------------------------------

    pub async fn create_folder(&self, p: &Principal, name: &str) -> Result<FolderId> {
        self.exec(p, Capability::ManageDocuments, |s, _| {
            s.decide_create_folder(name)
        })
        .await
    }

    pub async fn rename_folder(&self, p: &Principal, id: FolderId, name: &str) -> Result<()> {
        self.exec_unit(p, Capability::ManageDocuments, |s, _| {
            s.decide_rename_folder(id, name)
        })
        .await
    }

    pub async fn remove_folder(&self, p: &Principal, id: FolderId) -> Result<()> {
        self.exec_unit(p, Capability::ManageDocuments, |s, _| {
            s.decide_remove_folder(id)
        })
        .await
    }

    // ----- uploads -----------------------------------------------------------------------

    /// Check and store one file; returns what the version records. Nothing is stored for a
    /// file that is refused.
    async fn store_file(&self, file: &Upload) -> Result<StoredFile> {
        let max = self.docs.limits.max_file_bytes;
        if file.bytes.len() as u64 > max {
            return Err(Error::TooLarge { limit_bytes: max });
        }
        if file.bytes.is_empty() {
            return Err(Error::invalid("file", "DOC_EMPTY"));
        }
        let kind = match daihoi_docs::sniff(&file.bytes) {
            Some(Kind::Zip) => return Err(Error::invalid("file", "DOC_ZIP_NOT_HERE")),
            Some(k) => k,
            None => return Err(Error::invalid("file", "DOC_UNSUPPORTED")),
        };
        let h = self
            .engine
            .store()
            .put_blob(&file.bytes)
            .await
            .map_err(|e| Error::Storage(e.to_string()))?;
        Ok(StoredFile {
            sha256: hex_hash(h),
            name: file.name.clone(),
            kind: kind.as_str().to_string(),
            size: file.bytes.len() as u64,
        })
    }

    pub async fn upload_document(
        &self,
        p: &Principal,
        input: &DocInput,
        file: Upload,
        label: &str,
        note: &str,
    ) -> Result<DocumentId> {
        p.require(Capability::ManageDocuments)?;
        let mut input = input.clone();
        if input.title.trim().is_empty() {
            input.title = title_from_name(&file.name);
        }
        let fields = input.parse()?;
        let stored = self.store_file(&file).await?;
        let id = self
            .exec(p, Capability::ManageDocuments, |s, now| {
                s.decide_add_document(fields, stored, label, note, now)
            })
            .await?;
        self.docs.enqueue(id, 1);
        Ok(id)
    }

    /// Many files at once (zips are opened: their top folder names the document folder,
    /// created when missing). Each file becomes a document titled by its name; a refused
    /// file is reported and the others still go in.
    pub async fn upload_batch(
        &self,
        p: &Principal,
        input: &DocInput,
        files: Vec<Upload>,
    ) -> Result<BatchReport> {
        p.require(Capability::ManageDocuments)?;
        let mut report = BatchReport::default();
        for f in files {
            if daihoi_docs::sniff(&f.bytes) == Some(Kind::Zip) {
                let limits = self.docs.limits.clone();
                let bytes = f.bytes;
                let unpacked =
                    tokio::task::spawn_blocking(move || daihoi_docs::unpack_zip(&bytes, &limits))
                        .await
                        .map_err(|e| Error::Storage(e.to_string()))?;
                let (entries, bad) = match unpacked {
                    Ok(v) => v,
                    Err(e) => {
                        report
                            .rejected
                            .push((f.name, problem_of(&file_problem(&e))));
                        continue;
                    }
                };
                for (name, e) in bad {
                    report.rejected.push((
                        format!("{} › {name}", f.name),
                        problem_of(&file_problem(&e)),
                    ));
                }
                for entry in entries {
                    let shown = format!("{} › {}", f.name, entry.path.join("/"));
                    let mut inp = input.clone();
                    if entry.path.len() > 1 {
                        match self.folder_for(p, &entry.path[0]).await {
                            Ok(id) => inp.folder = id.to_string(),
                            Err(e) => {
                                report.rejected.push((shown, problem_of(&e)));
                                continue;
                            }
                        }
                    }
                    let name = entry.path.last().cloned().unwrap_or_default();
                    inp.title = title_from_name(&name);
                    let up = Upload {
                        name,
                        bytes: entry.bytes,
                    };
                    match self.upload_document(p, &inp, up, "", "").await {
                        Ok(id) => report.added.push((shown, id)),
                        Err(e) => report.rejected.push((shown, problem_of(&e))),
                    }
                }
            } else {
                let mut inp = input.clone();
                inp.title = title_from_name(&f.name);
                let shown = f.name.clone();
                match self.upload_document(p, &inp, f, "", "").await {
                    Ok(id) => report.added.push((shown, id)),
                    Err(e) => report.rejected.push((shown, problem_of(&e))),
                }
            }
        }
        Ok(report)
    }

    async fn folder_for(&self, p: &Principal, name: &str) -> Result<FolderId> {
        if let Some(f) = self.read(|s| s.docs().folder_by_name(name).map(|f| f.id)) {
            return Ok(f);
        }
        match self.create_folder(p, name).await {
            Err(Error::Conflict(c)) if c.key == "FOLDER_EXISTS" => self
                .read(|s| s.docs().folder_by_name(name).map(|f| f.id))
                .ok_or(Error::NotFound { what: "folder" }),
            r => r,
        }
    }

    pub async fn add_version(
        &self,
        p: &Principal,
        doc: DocumentId,
        file: Upload,
        label: &str,
        note: &str,
    ) -> Result<u32> {
        p.require(Capability::ManageDocuments)?;
        if self.read(|s| s.docs().document(doc).is_none()) {
            return Err(Error::NotFound { what: "document" });
        }
        let stored = self.store_file(&file).await?;
        let no = self
            .exec(p, Capability::ManageDocuments, |s, now| {
                s.decide_add_version(doc, stored, label, note, now)
            })
            .await?;
        self.docs.enqueue(doc, no);
        Ok(no)
    }

    pub async fn edit_document(
        &self,
        p: &Principal,
        id: DocumentId,
        input: &DocInput,
    ) -> Result<()> {
        let fields = input.parse()?;
        self.exec_unit(p, Capability::ManageDocuments, |s, _| {
            s.decide_edit_document(id, fields)
        })
        .await?;
        self.reindex_one(id).await
    }

    pub async fn remove_document(&self, p: &Principal, id: DocumentId) -> Result<()> {
        self.exec_unit(p, Capability::ManageDocuments, |s, _| {
            s.decide_remove_document(id)
        })
        .await?;
        self.docs
            .index()
            .remove_document(id.0 as i64)
            .map_err(|e| Error::Storage(e.to_string()))
    }

    // ----- reading -------------------------------------------------------------------------

    /// The pages of a text blob (cached).
    async fn text_pages(&self, t: &TextInfo) -> Result<Arc<Vec<String>>> {
        if let Some(p) = self.docs.cached_text(&t.blob) {
            return Ok(p);
        }
        let bytes = blob(self, &t.blob).await?;
        let pages: Vec<String> =
            serde_json::from_slice(&bytes).map_err(|e| Error::Storage(e.to_string()))?;
        let pages = Arc::new(pages);
        self.docs.cache_text(&t.blob, pages.clone());
        Ok(pages)
    }

    async fn audit_read(
        &self,
        p: &Principal,
        d: &Document,
        version: u32,
        how: &str,
        page: Option<u32>,
    ) -> Result<()> {
        if d.fields.confidential {
            let now = self.now();
            self.engine
                .execute(&p.actor(), now, |s| {
                    Ok(((), s.decide_document_read(d.id, version, how, page)?))
                })
                .await?;
        }
        Ok(())
    }

    /// The text of a document's readable version, one string per page. Confidential
    /// documents: the access is recorded in the audit log.
    pub async fn document_pages(
        &self,
        p: &Principal,
        id: DocumentId,
    ) -> Result<(Document, u32, Arc<Vec<String>>)> {
        let d = self.readable_document(p, id)?;
        let Some((v, t)) = d.readable() else {
            return Ok((d.clone(), 0, Arc::new(Vec::new())));
        };
        let (no, t) = (v.info.no, t.clone());
        let pages = self.text_pages(&t).await?;
        self.audit_read(p, &d, no, "text", None).await?;
        Ok((d, no, pages))
    }

    /// The text a watermark carries: who is reading, their code, and the date.
    pub fn watermark_line(&self, p: &Principal) -> String {
        // A delegate's code, a staff member's user name.
        let code = self
            .read(|s| match p.subject {
                Subject::Delegate(id) => s.delegate(id).map(|d| d.fields.code.clone()),
                Subject::Account(id) => s.account(id).map(|a| a.username.clone()),
                Subject::Token(_) => None,
            })
            .unwrap_or_else(|| p.actor().to_string());
        let date = self
            .now()
            .with_timezone(&crate::pollview::hall_tz())
            .format("%d/%m/%Y %H:%M");
        format!("{} · {} · {}", p.display_name, code, date)
    }

    /// The PDF whose pages are shown: the upload itself, or the searchable PDF made from a
    /// scan. DOCX files have none.
    async fn page_source(&self, d: &Document) -> Result<(u32, Vec<u8>)> {
        let (v, t) = d.readable().ok_or(Error::NotFound { what: "page" })?;
        let file = if v.info.file.kind == "pdf" {
            &v.info.file
        } else {
            t.pdf.as_ref().ok_or(Error::NotFound { what: "page" })?
        };
        let bytes = blob(self, &file.sha256).await?;
        Ok((v.info.no, bytes))
    }

    /// One page as a PNG (150 dpi), watermarked for confidential documents.
    pub async fn document_page_png(
        &self,
        p: &Principal,
        id: DocumentId,
        page: u32,
    ) -> Result<Vec<u8>> {
        let d = self.readable_document(p, id)?;
        let pages = d.readable().map(|(_, t)| t.pages).unwrap_or(0);
        if page == 0 || page > pages {
            return Err(Error::NotFound { what: "page" });
        }
        let cache = (!d.fields.confidential)
            .then(|| self.docs.page_cache_path(&d, page))
            .flatten();
        if let Some(path) = &cache
            && let Ok(b) = std::fs::read(path)
        {
            return Ok(b);
        }
        let (no, pdf) = self.page_source(&d).await?;
        let limits = self.docs.limits.clone();
        let mark = d.fields.confidential.then(|| self.watermark_line(p));
        let png = tokio::task::spawn_blocking(move || {
            let pdf = match mark {
                Some(m) => daihoi_docs::watermark_pdf(&pdf, &m, &limits)?,
                None => pdf,
            };
            daihoi_docs::page_png(&pdf, page, 150, &limits)
        })
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
        .map_err(|e| file_problem(&e))?;
        if let Some(path) = cache {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(path, &png);
        }
        self.audit_read(p, &d, no, "page", Some(page)).await?;
        Ok(png)
    }

    /// The file of a version (the readable one by default). Confidential documents are
    /// downloaded as a PDF watermarked on every page; a confidential DOCX has no such PDF
    /// and is not downloadable (its pages are read in the reading view).
    pub async fn document_download(
        &self,
        p: &Principal,
        id: DocumentId,
        version: Option<u32>,
    ) -> Result<Download> {
        let d = self.readable_document(p, id)?;
        let v = match version {
            Some(n) => d.version(n),
            None => d.readable().map(|(v, _)| v).or_else(|| d.latest()),
        }
        .ok_or(Error::NotFound { what: "version" })?
        .clone();
        if !d.fields.confidential {
            let bytes = blob(self, &v.info.file.sha256).await?;
            return Ok(Download {
                name: v.info.file.name.clone(),
                mime: Kind::parse(&v.info.file.kind)
                    .map(|k| k.mime())
                    .unwrap_or("application/octet-stream"),
                bytes,
            });
        }
        let pdf_file = if v.info.file.kind == "pdf" {
            Some(v.info.file.clone())
        } else {
            match &v.extraction {
                Extraction::Done(t) => t.pdf.clone(),
                _ => None,
            }
        };
        let Some(pdf_file) = pdf_file else {
            return Err(Error::conflict("CONFIDENTIAL_NO_PDF"));
        };
        let bytes = blob(self, &pdf_file.sha256).await?;
        let mark = self.watermark_line(p);
        let limits = self.docs.limits.clone();
        let out =
            tokio::task::spawn_blocking(move || daihoi_docs::watermark_pdf(&bytes, &mark, &limits))
                .await
                .map_err(|e| Error::Storage(e.to_string()))?
                .map_err(|e| file_problem(&e))?;
        self.audit_read(p, &d, v.info.no, "download", None).await?;
        let stem = title_from_name(&v.info.file.name);
        Ok(Download {
            name: format!("{stem}.pdf"),
            mime: "application/pdf",
            bytes: out,
        })
    }

    // ----- search --------------------------------------------------------------------------

    pub fn search_documents(&self, p: &Principal, q: &DocQuery) -> Result<DocResults> {
        let scope = self.scope(p)?;
        let allowed = match &scope {
            Scope::All => Allowed::All,
            Scope::Tokens(t) => Allowed::Tokens(t.clone()),
            Scope::Nothing => return Err(Error::Forbidden),
        };
        let query = Query {
            text: q.text.clone(),
            folder: q.folder.map(|f| f.0 as i64),
            item: q.item.map(|i| i.0 as i64),
            allowed,
            limit: q.limit.clamp(1, 100),
            offset: q.offset,
            prefix_last: q.prefix,
        };
        let res = self
            .docs
            .index()
            .search(&query)
            .map_err(|e| Error::Storage(e.to_string()))?;
        // The index is derived data: check every hit against the state once more, so a
        // stale entry can never show a reader what they may not read.
        let hits = self.read(|s| {
            res.hits
                .into_iter()
                .filter_map(|h| {
                    let d = s.docs().document(DocumentId(h.doc as u64))?;
                    if !scope.permits(&d.fields.access) {
                        return None;
                    }
                    let (v, _) = d.readable()?;
                    if v.info.no != h.version {
                        return None;
                    }
                    Some(DocHit {
                        doc: d.id,
                        title: d.fields.title.clone(),
                        folder: d
                            .fields
                            .folder
                            .and_then(|f| s.docs().folder(f).map(|f| f.name.clone())),
                        page: h.page,
                        snippet: h
                            .snippet
                            .into_iter()
                            .map(|f| (f.text, f.highlighted))
                            .collect(),
                    })
                })
                .collect()
        });
        Ok(DocResults {
            total: res.total,
            hits,
        })
    }

    // ----- the worker ----------------------------------------------------------------------

    /// Start the document service: the index on disk under `data_dir/index` (in memory
    /// without a directory), the page cache, the extraction worker, and the versions left
    /// pending by an earlier run. Rebuilds the index when it does not match the documents.
    pub async fn start_documents(self: &Arc<Self>, data_dir: Option<&Path>) -> Result<()> {
        if let Some(dir) = data_dir {
            self.docs.open_index(&dir.join("index").join("documents"))?;
            self.docs.set_cache_dir(dir.join("cache"));
        }
        let expected = self.read(|s| DocService::expected_pages(s.docs()));
        if self.docs.index().page_count() != expected {
            tracing::info!("rebuilding the document index ({expected} pages)");
            self.reindex_documents().await?;
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.docs.set_queue(tx);
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            while let Some((doc, version)) = rx.recv().await {
                let Some(app) = app.upgrade() else { break };
                app.run_extraction(doc, version).await;
            }
        });
        for (doc, version) in self.read(|s| s.docs().pending()) {
            self.docs.enqueue(doc, version);
        }
        Ok(())
    }

    /// `daihoi docs reindex`: open the index under `data_dir` and rebuild it.
    pub async fn rebuild_document_index(&self, data_dir: &Path) -> Result<u64> {
        self.docs
            .open_index(&data_dir.join("index").join("documents"))?;
        self.reindex_documents().await
    }

    /// Rebuild the whole index from the stored texts. Returns the pages indexed.
    pub async fn reindex_documents(&self) -> Result<u64> {
        self.docs
            .index()
            .clear()
            .map_err(|e| Error::Storage(e.to_string()))?;
        let ids: Vec<DocumentId> = self.read(|s| s.docs().documents().map(|d| d.id).collect());
        let mut pages = 0u64;
        for id in ids {
            pages += self.reindex_one_counted(id).await?;
        }
        Ok(pages)
    }

    async fn reindex_one(&self, id: DocumentId) -> Result<()> {
        self.reindex_one_counted(id).await.map(|_| ())
    }

    async fn reindex_one_counted(&self, id: DocumentId) -> Result<u64> {
        let Some(d) = self.read(|s| s.docs().document(id).cloned()) else {
            return Ok(0);
        };
        match d.readable() {
            None => {
                self.docs.index_document(&d, None)?;
                Ok(0)
            }
            Some((_, t)) => {
                let pages = self.text_pages(&t.clone()).await?;
                self.docs.index_document(&d, Some(&pages))?;
                Ok(pages.len() as u64)
            }
        }
    }

    async fn run_extraction(&self, doc: DocumentId, version: u32) {
        if let Err(e) = self.extract_one(doc, version).await {
            tracing::error!("extraction of document {doc} version {version}: {e}");
        }
        self.docs.clear_progress(doc, version);
    }

    async fn extract_one(&self, doc: DocumentId, version: u32) -> Result<()> {
        let Some(file) = self.read(|s| {
            let v = s.docs().document(doc)?.version(version)?;
            (v.extraction == Extraction::Pending).then(|| v.info.file.clone())
        }) else {
            return Ok(());
        };
        self.docs.set_progress(doc, version, Progress::default());
        let bytes = blob(self, &file.sha256).await?;
        let kind = Kind::parse(&file.kind).ok_or_else(|| Error::Storage("unknown kind".into()))?;
        let limits = self.docs.limits.clone();
        let svc = self.docs.clone();
        let extracted = tokio::task::spawn_blocking(move || {
            daihoi_docs::extract(&bytes, kind, &limits, &mut |done, total| {
                svc.set_progress(
                    doc,
                    version,
                    Progress {
                        done,
                        total,
                        queued: false,
                    },
                );
            })
        })
        .await
        .map_err(|e| Error::Storage(e.to_string()))?;
        let result = match extracted {
            Ok(x) => {
                let json =
                    serde_json::to_vec(&x.pages).map_err(|e| Error::Storage(e.to_string()))?;
                let store = self.engine.store();
                let blob = store
                    .put_blob(&json)
                    .await
                    .map_err(|e| Error::Storage(e.to_string()))?;
                let pdf = match &x.pdf {
                    Some(pdf) => Some(StoredFile {
                        sha256: hex_hash(
                            store
                                .put_blob(pdf)
                                .await
                                .map_err(|e| Error::Storage(e.to_string()))?,
                        ),
                        name: format!("{}.pdf", title_from_name(&file.name)),
                        kind: "pdf".into(),
                        size: pdf.len() as u64,
                    }),
                    None => None,
                };
                Ok(TextInfo {
                    blob: hex_hash(blob),
                    pages: x.pages.len() as u32,
                    method: x.method.as_str().to_string(),
                    legacy: x.legacy.map(|l| l.as_str().to_string()),
                    pdf,
                })
            }
            Err(e) => Err((e.code().to_string(), e.to_string())),
        };
        let now = self.now();
        self.engine
            .execute(&Actor::System, now, |s| {
                Ok(((), s.decide_extraction_result(doc, version, result)?))
            })
            .await?;
        self.reindex_one(doc).await
    }
}

fn problem_of(e: &Error) -> Problem {
    match e {
        Error::Invalid { problem, .. } => problem.clone(),
        Error::Conflict(p) => p.clone(),
        Error::TooLarge { limit_bytes } => {
            Problem::new("too_large").arg("limit", format!("{} MB", limit_bytes >> 20))
        }
        other => Problem::new(other.code()),
    }
}

#[cfg(test)]
pub(crate) mod tests;
