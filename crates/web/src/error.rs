//! The one place an [`Error`] becomes an HTTP status, and its two renderings: JSON for the
//! API, an HTML page in the app's style for browsers.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daihoi_app::Lang;
use daihoi_domain::Error;
use serde::Serialize;

use crate::Web;
use crate::views::{ErrorPage, Tr, render};

pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Invalid { .. } | Error::ImportRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict(p) if p.key == "BAD_CREDENTIALS" => StatusCode::UNAUTHORIZED,
        Error::Conflict(p)
            if matches!(
                p.key,
                "QR_REVOKED" | "LINK_REVOKED" | "QR_INVALID" | "LINK_INVALID"
            ) =>
        {
            StatusCode::FORBIDDEN
        }
        Error::Conflict(p) if p.key == "CSRF" => StatusCode::FORBIDDEN,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Stable machine-readable code, e.g. `INVALID_INPUT`, `SESSION_NOT_RUNNING`.
    pub code: String,
    /// Translated, human-readable message naming the problem.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Row-by-row problems of a rejected import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RowProblemBody>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RowProblemBody {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// An error answered as JSON.
pub struct ApiError {
    pub web: Web,
    pub lang: Lang,
    pub err: Error,
}

pub fn row_problems(web: &Web, lang: Lang, err: &Error) -> Vec<RowProblemBody> {
    match err {
        Error::ImportRejected(list) => list
            .iter()
            .map(|p| RowProblemBody {
                row: p.row,
                column: p.column.clone(),
                message: web.app.catalogue.problem(lang, &p.problem),
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Error::Storage(cause) = &self.err {
            tracing::error!(cause, "storage failure");
        }
        let body = ApiErrorBody {
            code: self.err.code().to_string(),
            message: self.web.app.catalogue.error(self.lang, &self.err),
            field: match &self.err {
                Error::Invalid { field, .. } => Some(field.to_string()),
                _ => None,
            },
            problems: row_problems(&self.web, self.lang, &self.err),
        };
        (status_of(&self.err), Json(body)).into_response()
    }
}

/// An error answered as a page. Not signed in: off to the sign-in page.
pub struct PageError {
    pub web: Web,
    pub lang: Lang,
    pub err: Error,
    pub path: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.err == Error::Unauthenticated {
            let next = urlencode(&self.path);
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        if let Error::Storage(cause) = &self.err {
            tracing::error!(cause, "storage failure");
        }
        let tr = Tr::new(&self.web, self.lang);
        let page = ErrorPage {
            message: self.web.app.catalogue.error(self.lang, &self.err),
            problems: row_problems(&self.web, self.lang, &self.err),
            status: status_of(&self.err).as_u16(),
            chrome: crate::views::Chrome::bare(&self.web, &tr, &self.path),
            tr,
        };
        (status_of(&self.err), render(&page)).into_response()
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
