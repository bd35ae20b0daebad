//! Organiser pages: congress, program, delegates, accounts, audit.

use axum::Router;

use crate::Web;

pub fn routes() -> Router<Web> {
    Router::new()
}
