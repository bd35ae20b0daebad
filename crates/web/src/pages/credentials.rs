//! The credentials report page and its PDF/DOCX exports.

use axum::Router;

use crate::Web;

pub fn routes() -> Router<Web> {
    Router::new()
}
