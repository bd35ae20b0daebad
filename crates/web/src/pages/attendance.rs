//! Attendance pages: the secretariat's per-session list with check-in fallbacks, the live count.

use axum::Router;

use crate::Web;

pub fn routes() -> Router<Web> {
    Router::new()
}
