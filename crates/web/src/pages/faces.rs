//! Face enrolment (secretariat) and the entrance kiosk.

use axum::Router;

use crate::Web;

pub fn routes() -> Router<Web> {
    Router::new()
}
