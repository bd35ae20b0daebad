//! What the API reads from a request, and how it refuses what it cannot read: every
//! rejection is our JSON error (`INVALID_INPUT` naming the body or the parameter), never
//! axum's plain-text default.
//!
//! Handlers take these extractors wrapped in `Result<_, Reject>` and unwrap them only after
//! checking the caller's capability, so an anonymous or unauthorised caller learns nothing
//! about the shape of the input it sent.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use daihoi_app::{Lang, Principal};
use daihoi_domain::model::{
    AccountId, AnnouncementId, DelegateId, DocumentId, FolderId, ItemId, PollId, SessionId, TokenId,
};
use daihoi_domain::{Error, Problem};
use serde::de::DeserializeOwned;

use crate::Web;
use crate::error::{ApiError, ApiErrorBody};
use crate::extract::{Caller, lang_of};

/// An API failure, ready to answer: our JSON error with its status (boxed: handlers
/// return it in every `Result`).
pub struct Reject(Box<Response>);

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<ApiError> for Reject {
    fn from(e: ApiError) -> Self {
        Reject(Box::new(e.into_response()))
    }
}

pub type ApiResult<T> = Result<T, Reject>;

/// `result.or_api(&caller)?`: a domain error answered as JSON in the caller's language.
pub trait OrApi<T> {
    fn or_api(self, c: &Caller) -> ApiResult<T>;
}

impl<T> OrApi<T> for Result<T, Error> {
    fn or_api(self, c: &Caller) -> ApiResult<T> {
        self.map_err(|e| Reject::from(c.api_err(e)))
    }
}

/// Check a capability; the principal on success.
pub fn allow(c: &Caller, cap: daihoi_domain::Capability) -> ApiResult<&Principal> {
    c.require(cap).or_api(c)
}

/// The request body (or a part of it) cannot be read.
pub fn malformed(detail: impl ToString) -> Error {
    Error::Invalid {
        field: "body",
        problem: Problem::new("malformed").arg("detail", detail),
    }
}

/// `INVALID_INPUT` for a path or query parameter the catalogue has no field name for:
/// `field` is the parameter's name, `label` the (translated) thing it names.
pub fn invalid_param(web: &Web, lang: Lang, field: &str, label: &str, problem: &Problem) -> Reject {
    let body = ApiErrorBody {
        code: "INVALID_INPUT".into(),
        message: format!(
            "{}: {}",
            capitalise(label),
            web.app.catalogue.problem(lang, problem)
        ),
        field: Some(field.to_string()),
        problems: Vec::new(),
    };
    Reject(Box::new(
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response(),
    ))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn content_type(headers: &HeaderMap) -> Option<mime::Mime> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn is_json(m: &mime::Mime) -> bool {
    m.type_() == mime::APPLICATION && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
}

/// Read the whole body, within the configured limit.
pub async fn body_bytes(web: &Web, lang: Lang, req: Request) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(req.into_body(), web.opts.max_body_bytes)
        .await
        .map_err(|_| {
            Reject::from(ApiError {
                web: web.clone(),
                lang,
                err: Error::TooLarge {
                    limit_bytes: web.opts.max_body_bytes as u64,
                },
            })
        })
}

/// A JSON request body. Wrong content type or unreadable JSON: 422 `INVALID_INPUT`, field
/// `body`, with what serde could not read.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Web> for JsonBody<T> {
    type Rejection = Reject;

    async fn from_request(req: Request, web: &Web) -> Result<Self, Self::Rejection> {
        let lang = lang_of(req.headers());
        let reject = |err: Error| {
            Reject::from(ApiError {
                web: web.clone(),
                lang,
                err,
            })
        };
        match content_type(req.headers()) {
            Some(m) if is_json(&m) => {}
            Some(m) => {
                return Err(reject(malformed(format!(
                    "expected Content-Type application/json, not {m}"
                ))));
            }
            None => return Err(reject(malformed("expected Content-Type application/json"))),
        }
        let bytes = body_bytes(web, lang, req).await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| reject(malformed(e)))
    }
}

/// An identifier in the path, named `{id}` by every route.
pub trait PathId: std::str::FromStr + Send {
    /// The catalogue's `what.*` key of the thing it identifies.
    const WHAT: &'static str;
}

macro_rules! path_id {
    ($($t:ty => $what:literal),*) => {$(
        impl PathId for $t {
            const WHAT: &'static str = $what;
        }
    )*};
}
path_id!(SessionId => "session", ItemId => "agenda_item", DelegateId => "delegate", AccountId => "account", TokenId => "api_token", AnnouncementId => "announcement", PollId => "poll", DocumentId => "document", FolderId => "folder");

/// `{id}` of the path, parsed. Not a number: 422 `INVALID_INPUT`, field `id`.
pub struct Id<T>(pub T);

impl<T: PathId> FromRequestParts<Web> for Id<T> {
    type Rejection = Reject;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let raw = Path::<Vec<(String, String)>>::from_request_parts(parts, web)
            .await
            .map(|p| p.0)
            .unwrap_or_default();
        let value = raw
            .iter()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        value.parse::<T>().map(Id).map_err(|_| {
            let label = web
                .app
                .catalogue
                .get(lang, &format!("what.{}", T::WHAT))
                .to_string();
            invalid_param(web, lang, "id", &label, &Problem::new("invalid_id"))
        })
    }
}

/// A query parameter (`?name=value`), percent-decoded.
pub fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query.and_then(|q| crate::extract::form_field(q.as_bytes(), name))
}
