//! Face enrolment, kiosk matching with liveness, privacy purge.

use super::App;

impl App {}
