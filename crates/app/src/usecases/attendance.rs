//! Attendance use cases: check-in fallbacks (badge QR at the kiosk, the secretariat's manual check-in with who and why), absences with reasons, late arrivals, leaving early, the counts and lists per session.

use super::App;

impl App {}
