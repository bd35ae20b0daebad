//! The JSON API under `/api/v1`.

use axum::Router;

use crate::Web;

pub fn routes() -> Router<Web> {
    Router::new()
}
