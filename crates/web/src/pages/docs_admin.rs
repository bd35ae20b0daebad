//! The secretariat's documents page: folders, uploads (one file, many, or a zip), versions,
//! who may read what, and the progress of text extraction.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daihoi_app::Principal;
use daihoi_app::usecases::{BatchReport, Upload};
use daihoi_domain::docs::{Access, DocInput, Document, Extraction};
use daihoi_domain::model::{DocumentId, FolderId};
use daihoi_domain::{Capability, Error};
use serde::Deserialize;

use crate::Web;
use crate::error::{PageError, status_of};
use crate::extract::Caller;
use crate::views::{Chrome, Tr, hall_tz, render};

const PAGE: &str = "/console/documents";

pub fn routes() -> Router<Web> {
    Router::new()
        .route(PAGE, get(index))
        .route("/console/documents/jobs", get(jobs))
        .route("/console/documents/upload", post(upload))
        .route("/console/documents/batch", post(batch))
        .route("/console/documents/folders", post(folder_create))
        .route("/console/documents/folders/{id}", post(folder_rename))
        .route(
            "/console/documents/folders/{id}/remove",
            post(folder_remove),
        )
        .route("/console/documents/{id}", get(detail).post(edit))
        .route("/console/documents/{id}/version", post(version))
        .route("/console/documents/{id}/remove", post(remove))
}

fn allow(c: &Caller) -> Result<Principal, Box<Response>> {
    c.require(Capability::ManageDocuments)
        .cloned()
        .map_err(|e| Box::new(refuse(c, e)))
}

fn refuse(c: &Caller, err: Error) -> Response {
    PageError {
        web: c.web.clone(),
        lang: c.lang,
        err,
        path: PAGE.to_string(),
    }
    .into_response()
}

// ----- view models ---------------------------------------------------------------------

pub struct FolderRow {
    pub id: u64,
    pub name: String,
    pub count: usize,
}

pub struct DocRow {
    pub id: u64,
    pub title: String,
    pub access: String,
    pub confidential: bool,
    pub version: String,
    pub state: String,
    /// pending, done or failed: the badge's class.
    pub state_class: &'static str,
}

pub struct FolderGroup {
    pub name: String,
    pub docs: Vec<DocRow>,
}

pub struct VersionRow {
    pub label: String,
    pub note: String,
    pub file: String,
    pub size: String,
    pub at: String,
    pub state: String,
    pub state_class: &'static str,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "docs_admin/index.html")]
struct IndexPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    folders: Vec<FolderRow>,
    groups: Vec<FolderGroup>,
    folder_choices: Vec<Choice>,
    access_choices: Vec<Choice>,
    report: Option<ReportView>,
    jobs: String,
    total: usize,
}

pub struct ReportView {
    pub added: Vec<String>,
    pub rejected: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "docs_admin/jobs.html")]
struct JobsFragment {
    tr: Tr,
    running: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "docs_admin/detail.html")]
struct DetailPage {
    tr: Tr,
    chrome: Chrome,
    flash: String,
    error: String,
    error_anchor: String,
    id: u64,
    title: String,
    confidential: bool,
    groups_text: String,
    folder_choices: Vec<Choice>,
    access_choices: Vec<Choice>,
    item_choices: Vec<Choice>,
    versions: Vec<VersionRow>,
}

// ----- helpers -------------------------------------------------------------------------

fn frame(c: &Caller, page: &str) -> (Tr, Chrome) {
    let tr = Tr::new(&c.web, c.lang);
    let chrome = Chrome::new(&c.web, &tr, c.principal.as_ref(), page);
    (tr, chrome)
}

fn access_label(tr: &Tr, a: &Access) -> String {
    match a {
        Access::Groups { names } => {
            format!("{}: {}", tr.t("docs_admin.levels.groups"), names.join(", "))
        }
        other => tr.t(&format!("docs_admin.levels.{}", other.level())),
    }
}

fn access_choices(tr: &Tr, current: &str) -> Vec<Choice> {
    ["delegates", "public", "presidium", "groups"]
        .into_iter()
        .map(|v| Choice {
            value: v.into(),
            label: tr.t(&format!("docs_admin.levels.{v}")),
            selected: v == current,
        })
        .collect()
}

fn folder_choices(c: &Caller, tr: &Tr, current: Option<FolderId>) -> Vec<Choice> {
    let mut v = vec![Choice {
        value: String::new(),
        label: tr.t("docs_admin.no_folder"),
        selected: current.is_none(),
    }];
    v.extend(c.web.app.read(|s| {
        s.docs()
            .folders()
            .into_iter()
            .map(|f| Choice {
                value: f.id.to_string(),
                label: f.name.clone(),
                selected: Some(f.id) == current,
            })
            .collect::<Vec<_>>()
    }));
    v
}

/// A version's extraction state in words ("OCR 3/12 trang", "12 trang", the failure).
fn state_of(
    c: &Caller,
    tr: &Tr,
    doc: DocumentId,
    no: u32,
    e: &Extraction,
) -> (String, &'static str) {
    match e {
        Extraction::Done(t) => {
            let mut s = c.web.app.catalogue.format(
                c.lang,
                "docs_admin.states.done",
                &[("pages", t.pages.to_string())],
            );
            if t.method == "ocr" {
                s.push_str(&format!(" · {}", tr.t("docs_admin.states.ocr")));
            }
            if let Some(l) = &t.legacy {
                s.push_str(&format!(" · {}", tr.t(&format!("docs_admin.legacy.{l}"))));
            }
            (s, "done")
        }
        Extraction::Failed { code, .. } => {
            let key = format!("err.{code}");
            let why = if c.web.app.catalogue.has(c.lang, &key) {
                tr.t(&key)
            } else {
                code.clone()
            };
            (
                format!("{}: {why}", tr.t("docs_admin.states.failed")),
                "failed",
            )
        }
        Extraction::Pending => {
            let p = c.web.app.doc_service().progress(doc, no);
            let s = match p {
                Some(p) if p.total > 0 => c.web.app.catalogue.format(
                    c.lang,
                    "docs_admin.states.progress",
                    &[("done", p.done.to_string()), ("total", p.total.to_string())],
                ),
                Some(p) if !p.queued => tr.t("docs_admin.states.working"),
                _ => tr.t("docs_admin.states.queued"),
            };
            (s, "pending")
        }
    }
}

fn doc_row(c: &Caller, tr: &Tr, d: &Document) -> DocRow {
    let (version, state, state_class) = match d.latest() {
        Some(v) => {
            let (s, cls) = state_of(c, tr, d.id, v.info.no, &v.extraction);
            (version_label(tr, v.info.no, &v.info.label), s, cls)
        }
        None => (String::new(), String::new(), "pending"),
    };
    DocRow {
        id: d.id.0,
        title: d.fields.title.clone(),
        access: access_label(tr, &d.fields.access),
        confidential: d.fields.confidential,
        version,
        state,
        state_class,
    }
}

fn version_label(tr: &Tr, no: u32, label: &str) -> String {
    if label.is_empty() {
        format!("{} {no}", tr.t("docs_admin.version"))
    } else {
        label.to_string()
    }
}

fn size_label(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / f64::from(1u32 << 20))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// Jobs that are not finished, for the progress region.
fn running_jobs(c: &Caller, tr: &Tr) -> Vec<(String, String)> {
    let docs: Vec<Document> = c.web.app.read(|s| {
        s.docs()
            .documents()
            .filter(|d| {
                d.versions
                    .iter()
                    .any(|v| v.extraction == Extraction::Pending)
            })
            .cloned()
            .collect()
    });
    docs.iter()
        .flat_map(|d| {
            d.versions
                .iter()
                .filter(|v| v.extraction == Extraction::Pending)
                .map(|v| {
                    let (s, _) = state_of(c, tr, d.id, v.info.no, &v.extraction);
                    (
                        format!(
                            "{} — {}",
                            d.fields.title,
                            version_label(tr, v.info.no, &v.info.label)
                        ),
                        s,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OkQuery {
    ok: String,
}

fn flash(c: &Caller, tr: &Tr, q: &OkQuery) -> String {
    let key = format!("docs_admin.ok.{}", q.ok);
    let valid = !q.ok.is_empty() && q.ok.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if valid && c.web.app.catalogue.has(c.lang, &key) {
        tr.t(&key)
    } else {
        String::new()
    }
}

// ----- pages ---------------------------------------------------------------------------

async fn index(c: Caller, Query(q): Query<OkQuery>) -> Response {
    if let Err(r) = allow(&c) {
        return *r;
    }
    let (tr, _) = frame(&c, PAGE);
    let f = flash(&c, &tr, &q);
    index_page(&c, f, String::new(), None, StatusCode::OK)
}

fn index_page(
    c: &Caller,
    flash: String,
    error: String,
    report: Option<ReportView>,
    status: StatusCode,
) -> Response {
    let (tr, chrome) = frame(c, PAGE);
    let (folders, docs): (Vec<daihoi_domain::docs::Folder>, Vec<Document>) = c.web.app.read(|s| {
        (
            s.docs().folders().into_iter().cloned().collect(),
            s.docs().documents().cloned().collect(),
        )
    });
    let mut groups: Vec<FolderGroup> = Vec::new();
    let mut rows: Vec<FolderRow> = Vec::new();
    for f in &folders {
        let in_f: Vec<&Document> = docs
            .iter()
            .filter(|d| d.fields.folder == Some(f.id))
            .collect();
        rows.push(FolderRow {
            id: f.id.0,
            name: f.name.clone(),
            count: in_f.len(),
        });
        if !in_f.is_empty() {
            groups.push(FolderGroup {
                name: f.name.clone(),
                docs: in_f.iter().map(|d| doc_row(c, &tr, d)).collect(),
            });
        }
    }
    let loose: Vec<DocRow> = docs
        .iter()
        .filter(|d| {
            d.fields
                .folder
                .is_none_or(|f| !folders.iter().any(|x| x.id == f))
        })
        .map(|d| doc_row(c, &tr, d))
        .collect();
    if !loose.is_empty() {
        groups.push(FolderGroup {
            name: tr.t("docs_admin.no_folder"),
            docs: loose,
        });
    }
    let jobs = JobsFragment {
        tr: Tr::new(&c.web, c.lang),
        running: running_jobs(c, &tr),
    }
    .render()
    .unwrap_or_default();
    let error_anchor = if error.is_empty() {
        String::new()
    } else {
        "upload".into()
    };
    let page = IndexPage {
        flash,
        error,
        error_anchor,
        folders: rows,
        groups,
        folder_choices: folder_choices(c, &tr, None),
        access_choices: access_choices(&tr, "delegates"),
        report,
        jobs,
        total: docs.len(),
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

/// The progress region, re-read by live.js every few seconds while jobs run.
async fn jobs(c: Caller) -> Response {
    if let Err(r) = allow(&c) {
        return *r;
    }
    let tr = Tr::new(&c.web, c.lang);
    let running = running_jobs(&c, &tr);
    match (JobsFragment { tr, running }).render() {
        Ok(html) => ([("cache-control", "no-store")], axum::response::Html(html)).into_response(),
        Err(e) => refuse(&c, Error::Storage(e.to_string())),
    }
}

/// Fields and files of a multipart form.
struct Parts {
    fields: HashMap<String, Vec<String>>,
    files: Vec<Upload>,
}

impl Parts {
    fn one(&self, k: &str) -> String {
        self.fields
            .get(k)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
    fn doc_input(&self) -> DocInput {
        DocInput {
            title: self.one("title"),
            folder: self.one("folder"),
            access: self.one("access"),
            groups: self.one("groups"),
            confidential: matches!(self.one("confidential").as_str(), "on" | "true" | "1"),
            items: self.fields.get("items").cloned().unwrap_or_default(),
        }
    }
}

async fn parts(c: &Caller, mp: Result<Multipart, MultipartRejection>) -> Result<Parts, Error> {
    let too_large = || Error::TooLarge {
        limit_bytes: c.web.opts.max_body_bytes as u64,
    };
    let fail = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            Error::invalid("file", "upload_failed")
        }
    };
    let mut mp = mp.map_err(|_| Error::invalid("file", "required"))?;
    let mut out = Parts {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                if let Some(file_name) = field.file_name().map(str::to_string) {
                    let bytes = field.bytes().await.map_err(|e| fail(e.status()))?;
                    if !(file_name.is_empty() && bytes.is_empty()) {
                        out.files.push(Upload {
                            name: file_name,
                            bytes: bytes.to_vec(),
                        });
                    }
                } else {
                    let text = field.text().await.map_err(|e| fail(e.status()))?;
                    out.fields.entry(name).or_default().push(text);
                }
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(fail(e.status())),
        }
    }
}

fn message(c: &Caller, e: &Error) -> String {
    c.web.app.catalogue.error(c.lang, e)
}

async fn upload(c: Caller, mp: Result<Multipart, MultipartRejection>) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r = async {
        let mut parts = parts(&c, mp).await?;
        if parts.files.is_empty() {
            return Err(Error::invalid("file", "required"));
        }
        let file = parts.files.remove(0);
        let (label, note) = (parts.one("label"), parts.one("note"));
        c.web
            .app
            .upload_document(&p, &parts.doc_input(), file, &label, &note)
            .await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("{PAGE}?ok=uploaded")).into_response(),
        Err(e) => index_page(&c, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

async fn batch(c: Caller, mp: Result<Multipart, MultipartRejection>) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r: Result<BatchReport, Error> = async {
        let parts = parts(&c, mp).await?;
        if parts.files.is_empty() {
            return Err(Error::invalid("file", "required"));
        }
        let mut input = parts.doc_input();
        input.title = "-".into();
        c.web.app.upload_batch(&p, &input, parts.files).await
    }
    .await;
    match r {
        Ok(rep) => {
            let view = ReportView {
                added: rep.added.into_iter().map(|(n, _)| n).collect(),
                rejected: rep
                    .rejected
                    .into_iter()
                    .map(|(n, prob)| (n, c.web.app.catalogue.problem(c.lang, &prob)))
                    .collect(),
            };
            index_page(&c, String::new(), String::new(), Some(view), StatusCode::OK)
        }
        Err(e) => index_page(&c, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NameForm {
    name: String,
}

async fn folder_create(c: Caller, Form(f): Form<NameForm>) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match c.web.app.create_folder(&p, &f.name).await {
        Ok(_) => Redirect::to(&format!("{PAGE}?ok=folder_created#folders")).into_response(),
        Err(e) => index_page(&c, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

async fn folder_rename(c: Caller, Path(id): Path<u64>, Form(f): Form<NameForm>) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match c.web.app.rename_folder(&p, FolderId(id), &f.name).await {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=folder_renamed#folders")).into_response(),
        Err(e) => index_page(&c, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

async fn folder_remove(c: Caller, Path(id): Path<u64>) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match c.web.app.remove_folder(&p, FolderId(id)).await {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=folder_removed#folders")).into_response(),
        Err(e) => index_page(&c, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

async fn detail(c: Caller, Path(id): Path<u64>, Query(q): Query<OkQuery>) -> Response {
    if let Err(r) = allow(&c) {
        return *r;
    }
    let tr = Tr::new(&c.web, c.lang);
    let f = flash(&c, &tr, &q);
    detail_page(&c, DocumentId(id), f, String::new(), None, StatusCode::OK)
}

fn detail_page(
    c: &Caller,
    id: DocumentId,
    flash: String,
    error: String,
    input: Option<DocInput>,
    status: StatusCode,
) -> Response {
    let Some(d) = c.web.app.read(|s| s.docs().document(id).cloned()) else {
        return refuse(c, Error::NotFound { what: "document" });
    };
    let path = format!("{PAGE}/{id}");
    let (tr, chrome) = frame(c, &path);
    let (title, folder, access, groups_text, confidential, items) = match &input {
        Some(i) => (
            i.title.clone(),
            i.folder.parse().ok().map(FolderId),
            i.access.clone(),
            i.groups.clone(),
            i.confidential,
            i.items.clone(),
        ),
        None => (
            d.fields.title.clone(),
            d.fields.folder,
            d.fields.access.level().to_string(),
            match &d.fields.access {
                Access::Groups { names } => names.join("\n"),
                _ => String::new(),
            },
            d.fields.confidential,
            d.fields.items.iter().map(|i| i.to_string()).collect(),
        ),
    };
    let item_choices = c.web.app.read(|s| {
        s.sessions()
            .into_iter()
            .flat_map(|sess| {
                s.items_of(sess.id)
                    .into_iter()
                    .map(|it| Choice {
                        value: it.id.to_string(),
                        label: format!("{} — {}", sess.fields.title, it.fields.title),
                        selected: items.contains(&it.id.to_string()),
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    });
    let tz = hall_tz();
    let versions = d
        .versions
        .iter()
        .rev()
        .map(|v| {
            let (state, state_class) = state_of(c, &tr, d.id, v.info.no, &v.extraction);
            VersionRow {
                label: version_label(&tr, v.info.no, &v.info.label),
                note: v.info.note.clone(),
                file: v.info.file.name.clone(),
                size: size_label(v.info.file.size),
                at: v
                    .info
                    .at
                    .with_timezone(&tz)
                    .format("%d/%m/%Y %H:%M")
                    .to_string(),
                state,
                state_class,
            }
        })
        .collect();
    let error_anchor = if error.is_empty() {
        String::new()
    } else {
        "edit".into()
    };
    let page = DetailPage {
        flash,
        error,
        error_anchor,
        id: d.id.0,
        title,
        confidential,
        groups_text,
        folder_choices: folder_choices(c, &tr, folder),
        access_choices: access_choices(&tr, &access),
        item_choices,
        versions,
        chrome,
        tr,
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EditForm {
    title: String,
    folder: String,
    access: String,
    groups: String,
    confidential: Option<String>,
    #[serde(rename = "items")]
    items: Vec<String>,
}

async fn edit(c: Caller, Path(id): Path<u64>, body: axum::body::Bytes) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // Repeated `items` fields: parse the urlencoded body by hand.
    let mut f = EditForm::default();
    for (k, v) in form_urlencoded(&body) {
        match k.as_str() {
            "title" => f.title = v,
            "folder" => f.folder = v,
            "access" => f.access = v,
            "groups" => f.groups = v,
            "confidential" => f.confidential = Some(v),
            "items" => f.items.push(v),
            _ => {}
        }
    }
    let input = DocInput {
        title: f.title,
        folder: f.folder,
        access: f.access,
        groups: f.groups,
        confidential: f.confidential.is_some(),
        items: f.items,
    };
    let id = DocumentId(id);
    match c.web.app.edit_document(&p, id, &input).await {
        Ok(()) => Redirect::to(&format!("{PAGE}/{id}?ok=saved")).into_response(),
        Err(e) => detail_page(
            &c,
            id,
            String::new(),
            message(&c, &e),
            Some(input),
            status_of(&e),
        ),
    }
}

fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

async fn version(
    c: Caller,
    Path(id): Path<u64>,
    mp: Result<Multipart, MultipartRejection>,
) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = DocumentId(id);
    let r = async {
        let mut parts = parts(&c, mp).await?;
        if parts.files.is_empty() {
            return Err(Error::invalid("file", "required"));
        }
        let file = parts.files.remove(0);
        c.web
            .app
            .add_version(&p, id, file, &parts.one("label"), &parts.one("note"))
            .await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("{PAGE}/{id}?ok=version_added")).into_response(),
        Err(e) => detail_page(&c, id, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

async fn remove(c: Caller, Path(id): Path<u64>) -> Response {
    let p = match allow(&c) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match c.web.app.remove_document(&p, DocumentId(id)).await {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=removed")).into_response(),
        Err(e) => index_page(&c, String::new(), message(&c, &e), None, status_of(&e)),
    }
}

#[cfg(test)]
mod tests;
