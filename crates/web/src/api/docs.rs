//! Documents: list, details, search, text, downloads, uploads, folders.
//!
//! A caller only ever sees the documents their access level allows: anything else answers
//! 404, as if it did not exist.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Query, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daihoi_app::usecases::{DocQuery, Upload};
use daihoi_domain::docs::{Access, DocInput, Document, Extraction, Folder};
use daihoi_domain::model::{DocumentId, FolderId, ItemId};
use daihoi_domain::{Capability, Error};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::input::{ApiResult, Id, JsonBody, OrApi, Reject, allow, malformed};
use crate::error::ApiErrorBody;
use crate::extract::Caller;

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub no: u32,
    pub label: String,
    pub note: String,
    pub file_name: String,
    /// pdf, docx, jpeg, png, tiff, webp (from the content, not the name).
    pub kind: String,
    pub size: u64,
    pub uploaded_at: String,
    /// pending, done or failed.
    pub state: String,
    pub pages: Option<u32>,
    /// text_layer, docx or ocr.
    pub method: Option<String>,
    /// tcvn3 or vni when the text was converted from a legacy encoding.
    pub legacy: Option<String>,
    /// Why extraction failed (a stable code such as `DOC_ENCRYPTED`).
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: u64,
    pub title: String,
    pub folder: Option<u64>,
    pub access: Access,
    pub confidential: bool,
    pub items: Vec<u64>,
    /// The version shown to readers: the newest one whose text is ready.
    pub readable_version: Option<u32>,
    pub versions: Vec<VersionOut>,
}

fn doc_out(d: &Document) -> DocumentOut {
    DocumentOut {
        id: d.id.0,
        title: d.fields.title.clone(),
        folder: d.fields.folder.map(|f| f.0),
        access: d.fields.access.clone(),
        confidential: d.fields.confidential,
        items: d.fields.items.iter().map(|i| i.0).collect(),
        readable_version: d.readable().map(|(v, _)| v.info.no),
        versions: d
            .versions
            .iter()
            .map(|v| {
                let (state, pages, method, legacy, error) = match &v.extraction {
                    Extraction::Pending => ("pending", None, None, None, None),
                    Extraction::Done(t) => (
                        "done",
                        Some(t.pages),
                        Some(t.method.clone()),
                        t.legacy.clone(),
                        None,
                    ),
                    Extraction::Failed { code, .. } => {
                        ("failed", None, None, None, Some(code.clone()))
                    }
                };
                VersionOut {
                    no: v.info.no,
                    label: v.info.label.clone(),
                    note: v.info.note.clone(),
                    file_name: v.info.file.name.clone(),
                    kind: v.info.file.kind.clone(),
                    size: v.info.file.size,
                    uploaded_at: v.info.at.to_rfc3339(),
                    state: state.into(),
                    pages,
                    method,
                    legacy,
                    error,
                }
            })
            .collect(),
    }
}

/// The documents the caller may read.
#[utoipa::path(
    get, path = "/documents", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Documents the caller may read", body = [DocumentOut]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn documents_get(c: Caller) -> ApiResult<Json<Vec<DocumentOut>>> {
    let p = allow(&c, Capability::ReadDocuments)?;
    let docs = c.web.app.readable_documents(p).or_api(&c)?;
    Ok(Json(docs.iter().map(doc_out).collect()))
}

/// One document, with its versions and the state of their text extraction.
#[utoipa::path(
    get, path = "/documents/{id}", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = u64, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 404, description = "No such document, or not readable by the caller", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (a bad id or field)", body = ApiErrorBody),
    )
)]
pub async fn document_get(
    c: Caller,
    id: Result<Id<DocumentId>, Reject>,
) -> ApiResult<Json<DocumentOut>> {
    let p = allow(&c, Capability::ReadDocuments)?;
    let Id(id) = id?;
    let d = c.web.app.readable_document(p, id).or_api(&c)?;
    Ok(Json(doc_out(&d)))
}

#[derive(Serialize, ToSchema)]
pub struct TextOut {
    pub id: u64,
    pub version: u32,
    /// One NFC string per page; page 1 first.
    pub pages: Vec<String>,
}

/// The text of the readable version, page by page (confidential documents: the access is
/// recorded in the audit log).
#[utoipa::path(
    get, path = "/documents/{id}/text", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = u64, Path, description = "Document id")),
    responses(
        (status = 200, description = "The pages' text", body = TextOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 404, description = "No such document, or not readable by the caller", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (a bad id or field)", body = ApiErrorBody),
    )
)]
pub async fn document_text(
    c: Caller,
    id: Result<Id<DocumentId>, Reject>,
) -> ApiResult<Json<TextOut>> {
    let p = allow(&c, Capability::ReadDocuments)?;
    let Id(id) = id?;
    let (d, version, pages) = c.web.app.document_pages(p, id).await.or_api(&c)?;
    Ok(Json(TextOut {
        id: d.id.0,
        version,
        pages: pages.as_ref().clone(),
    }))
}

/// The file (confidential documents: a PDF watermarked with the caller's name on every
/// page, and the download recorded in the audit log).
#[utoipa::path(
    get, path = "/documents/{id}/download", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = u64, Path, description = "Document id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 404, description = "No such document, or not readable by the caller", body = ApiErrorBody),
        (status = 409, description = "`CONFIDENTIAL_NO_PDF`: a confidential DOCX", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (a bad id or field)", body = ApiErrorBody),
    )
)]
pub async fn document_download(
    c: Caller,
    id: Result<Id<DocumentId>, Reject>,
) -> ApiResult<Response> {
    let p = allow(&c, Capability::ReadDocuments)?;
    let Id(id) = id?;
    let f = c.web.app.document_download(p, id, None).await.or_api(&c)?;
    Ok(file_response(f.bytes, f.mime, &f.name))
}

/// A file answer with an RFC 6266 name (Vietnamese names survive as `filename*`).
pub fn file_response(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let ascii: String = daihoi_domain::text::fold(name)
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::error::urlencode(name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct SearchParams {
    /// The words, with or without diacritics; "quoted" for an exact phrase.
    pub q: String,
    pub folder: Option<u64>,
    pub item: Option<u64>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// As-you-type: the last word may be unfinished.
    pub prefix: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SnippetPart {
    pub text: String,
    pub highlighted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct HitOut {
    pub document: u64,
    pub title: String,
    pub folder: Option<String>,
    pub page: u32,
    pub snippet: Vec<SnippetPart>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// Matching pages the caller may read.
    pub total: usize,
    pub hits: Vec<HitOut>,
}

/// Search the documents the caller may read: accent-insensitive (exactly accented matches
/// first), phrases for several words, one hit per page with a highlighted snippet.
#[utoipa::path(
    get, path = "/documents/search", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "Hits", body = SearchOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn documents_search(
    c: Caller,
    q: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SearchOut>> {
    let p = allow(&c, Capability::ReadDocuments)?;
    let Query(q) = q.map_err(|e| malformed(e.body_text())).or_api(&c)?;
    let r = c
        .web
        .app
        .search_documents(
            p,
            &DocQuery {
                text: q.q,
                folder: q.folder.map(FolderId),
                item: q.item.map(ItemId),
                limit: q.limit.unwrap_or(20),
                offset: q.offset.unwrap_or(0),
                prefix: q.prefix.unwrap_or(false),
            },
        )
        .or_api(&c)?;
    Ok(Json(SearchOut {
        total: r.total,
        hits: r
            .hits
            .into_iter()
            .map(|h| HitOut {
                document: h.doc.0,
                title: h.title,
                folder: h.folder,
                page: h.page,
                snippet: h
                    .snippet
                    .into_iter()
                    .map(|(text, highlighted)| SnippetPart { text, highlighted })
                    .collect(),
            })
            .collect(),
    }))
}

/// Multipart fields of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, DOCX, JPEG, PNG, TIFF or WebP (a ZIP for `/documents/batch`).
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// Empty: the file name.
    title: Option<String>,
    folder: Option<u64>,
    /// public, delegates (default), presidium or groups.
    access: Option<String>,
    /// For `groups`: delegation or group names, one per line.
    groups: Option<String>,
    confidential: Option<bool>,
    /// Agenda item ids (repeat the field).
    items: Option<Vec<u64>>,
    /// Version label, e.g. "Dự thảo 1".
    label: Option<String>,
    /// What changed.
    note: Option<String>,
}

struct Parts {
    input: DocInput,
    label: String,
    note: String,
    files: Vec<Upload>,
}

async fn parts(c: &Caller, req: Request) -> ApiResult<Parts> {
    let mut form = Multipart::from_request(req, &c.web)
        .await
        .map_err(|e| malformed(e.body_text()))
        .or_api(c)?;
    let mut out = Parts {
        input: DocInput::default(),
        label: String::new(),
        note: String::new(),
        files: Vec::new(),
    };
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| upload_error(c, e.status()))
        .or_api(c)?
    {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| upload_error(c, e.status()))
                .or_api(c)?;
            out.files.push(Upload {
                name: file_name,
                bytes: bytes.to_vec(),
            });
            continue;
        }
        let v = field
            .text()
            .await
            .map_err(|e| upload_error(c, e.status()))
            .or_api(c)?;
        match name.as_str() {
            "title" => out.input.title = v,
            "folder" => out.input.folder = v,
            "access" => out.input.access = v,
            "groups" => out.input.groups = v,
            "confidential" => out.input.confidential = matches!(v.as_str(), "true" | "1" | "on"),
            "items" => out.input.items.push(v),
            "label" => out.label = v,
            "note" => out.note = v,
            _ => {}
        }
    }
    Ok(out)
}

fn upload_error(c: &Caller, status: StatusCode) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Error::TooLarge {
            limit_bytes: c.web.opts.max_body_bytes as u64,
        }
    } else {
        Error::invalid("file", "upload_failed")
    }
}

/// Upload a document (its first version); its text is extracted in the background
/// (`versions[0].state` goes from `pending` to `done` or `failed`).
#[utoipa::path(
    post, path = "/documents", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Accepted; extraction pending", body = DocumentOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (field `file`: `DOC_UNSUPPORTED`, `DOC_EMPTY`, …)", body = ApiErrorBody),
    )
)]
pub async fn document_upload(
    c: Caller,
    req: Request,
) -> ApiResult<(StatusCode, Json<DocumentOut>)> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let mut parts = parts(&c, req).await?;
    if parts.files.is_empty() {
        return Err(Error::invalid("file", "required")).or_api(&c);
    }
    let file = parts.files.remove(0);
    let app = &c.web.app;
    let id = app
        .upload_document(&p, &parts.input, file, &parts.label, &parts.note)
        .await
        .or_api(&c)?;
    let d = app.readable_document(&p, id).or_api(&c)?;
    Ok((StatusCode::CREATED, Json(doc_out(&d))))
}

/// A new version of a document (draft 2, final…).
#[utoipa::path(
    post, path = "/documents/{id}/versions", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Document id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Accepted; extraction pending", body = DocumentOut),
        (status = 404, description = "No such document", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (field `file`)", body = ApiErrorBody),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn document_version(
    c: Caller,
    id: Result<Id<DocumentId>, Reject>,
    req: Request,
) -> ApiResult<(StatusCode, Json<DocumentOut>)> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let Id(id) = id?;
    let mut parts = parts(&c, req).await?;
    if parts.files.is_empty() {
        return Err(Error::invalid("file", "required")).or_api(&c);
    }
    let file = parts.files.remove(0);
    let app = &c.web.app;
    app.add_version(&p, id, file, &parts.label, &parts.note)
        .await
        .or_api(&c)?;
    let d = app.readable_document(&p, id).or_api(&c)?;
    Ok((StatusCode::CREATED, Json(doc_out(&d))))
}

#[derive(Serialize, ToSchema)]
pub struct BatchOut {
    pub added: Vec<BatchAdded>,
    pub rejected: Vec<BatchRejected>,
}

#[derive(Serialize, ToSchema)]
pub struct BatchAdded {
    pub name: String,
    pub id: u64,
}

#[derive(Serialize, ToSchema)]
pub struct BatchRejected {
    pub name: String,
    pub code: String,
    pub message: String,
}

/// Many files at once (`file` repeated; ZIPs are opened, their top folder names the
/// document folder). A bad file is reported and the others still go in.
#[utoipa::path(
    post, path = "/documents/batch", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "What was added and what was refused, file by file", body = BatchOut),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`", body = ApiErrorBody),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (a bad id or field)", body = ApiErrorBody),
    )
)]
pub async fn documents_batch(c: Caller, req: Request) -> ApiResult<Json<BatchOut>> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let mut parts = parts(&c, req).await?;
    if parts.files.is_empty() {
        return Err(Error::invalid("file", "required")).or_api(&c);
    }
    parts.input.title = "-".into();
    let r = c
        .web
        .app
        .upload_batch(&p, &parts.input, parts.files)
        .await
        .or_api(&c)?;
    let cat = &c.web.app.catalogue;
    Ok(Json(BatchOut {
        added: r
            .added
            .into_iter()
            .map(|(name, id)| BatchAdded { name, id: id.0 })
            .collect(),
        rejected: r
            .rejected
            .into_iter()
            .map(|(name, p)| BatchRejected {
                name,
                code: p.key.to_string(),
                message: cat.problem(c.lang, &p),
            })
            .collect(),
    }))
}

/// Change a document's title, folder, access, confidentiality or agenda items.
#[utoipa::path(
    put, path = "/documents/{id}", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Document id")),
    request_body = DocInput,
    responses(
        (status = 200, description = "The document", body = DocumentOut),
        (status = 404, description = "No such document", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT`", body = ApiErrorBody),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn document_edit(
    c: Caller,
    id: Result<Id<DocumentId>, Reject>,
    body: Result<JsonBody<DocInput>, Reject>,
) -> ApiResult<Json<DocumentOut>> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let Id(id) = id?;
    let JsonBody(input) = body?;
    c.web.app.edit_document(&p, id, &input).await.or_api(&c)?;
    let d = c.web.app.readable_document(&p, id).or_api(&c)?;
    Ok(Json(doc_out(&d)))
}

/// Delete a document (its versions stay in the audit log).
#[utoipa::path(
    delete, path = "/documents/{id}", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such document", body = ApiErrorBody),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (a bad id or field)", body = ApiErrorBody),
    )
)]
pub async fn document_remove(
    c: Caller,
    id: Result<Id<DocumentId>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let Id(id) = id?;
    c.web.app.remove_document(&p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The document folders.
#[utoipa::path(
    get, path = "/folders", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Folders, by name", body = [Folder]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn folders_get(c: Caller) -> ApiResult<Json<Vec<Folder>>> {
    allow(&c, Capability::ReadDocuments)?;
    Ok(Json(c.web.app.read(|s| {
        s.docs().folders().into_iter().cloned().collect()
    })))
}

#[derive(Deserialize, ToSchema)]
pub struct FolderIn {
    pub name: String,
}

/// Create a folder.
#[utoipa::path(
    post, path = "/folders", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = FolderIn,
    responses(
        (status = 201, description = "The folder", body = Folder),
        (status = 409, description = "`FOLDER_EXISTS`", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (field `name`)", body = ApiErrorBody),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn folder_create(
    c: Caller,
    body: Result<JsonBody<FolderIn>, Reject>,
) -> ApiResult<(StatusCode, Json<Folder>)> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let JsonBody(input) = body?;
    let id = c.web.app.create_folder(&p, &input.name).await.or_api(&c)?;
    let f = c.web.app.read(|s| s.docs().folder(id).cloned());
    let f = f.ok_or(Error::NotFound { what: "folder" }).or_api(&c)?;
    Ok((StatusCode::CREATED, Json(f)))
}

/// Delete an empty folder.
#[utoipa::path(
    delete, path = "/folders/{id}", tag = "documents",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Folder id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such folder", body = ApiErrorBody),
        (status = 409, description = "`FOLDER_NOT_EMPTY`", body = ApiErrorBody),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 422, description = "`INVALID_INPUT` (a bad id or field)", body = ApiErrorBody),
    )
)]
pub async fn folder_remove(c: Caller, id: Result<Id<FolderId>, Reject>) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::ManageDocuments)?.clone();
    let Id(id) = id?;
    c.web.app.remove_folder(&p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}
