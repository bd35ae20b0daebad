//! Attendance per session (check-in at the entrance, the secretariat's corrections) and the
//! biometric enrolments that face check-in matches against.
//!
//! Photos and face templates themselves are never in the event log (it is append-only and
//! hash-chained, so nothing in it could ever be deleted): an enrolment event holds only the
//! SHA-256 of the two blobs, which `daihoi privacy purge` deletes from the store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{DelegateId, SessionId};

/// How a delegate got into the hall.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckInMethod {
    /// Recognised by the kiosk's camera. `distance_milli` is the face distance × 1000;
    /// `confirmed_by` names the staff member who confirmed the match (confirmation mode).
    Face {
        distance_milli: u32,
        #[serde(default)]
        confirmed_by: Option<String>,
    },
    /// The badge's QR code shown to the kiosk.
    Qr,
    /// Checked in by the secretariat: who did it and why.
    Manual { by: String, reason: String },
}

impl CheckInMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            CheckInMethod::Face { .. } => "face",
            CheckInMethod::Qr => "qr",
            CheckInMethod::Manual { .. } => "manual",
        }
    }
}

/// One delegate's attendance at one session. No record = not (yet) arrived.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Presence {
    Present {
        method: CheckInMethod,
        /// Arrived after the session had started (beyond the grace period).
        late: bool,
        at: DateTime<Utc>,
    },
    /// Marked absent by the secretariat; `reason` may be empty ("vắng không lý do").
    Absent {
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// Was present, then left before the session ended.
    LeftEarly {
        method: CheckInMethod,
        late: bool,
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
}

impl Presence {
    pub fn is_present(&self) -> bool {
        matches!(self, Presence::Present { .. })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Presence::Present { .. } => "present",
            Presence::Absent { .. } => "absent",
            Presence::LeftEarly { .. } => "left_early",
        }
    }
}

/// Who sits where in the figures of one session. Counted over the summoned delegates
/// (official delegates); alternates and guests are listed but not counted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceCounts {
    /// Official delegates: those summoned (triệu tập).
    pub summoned: u64,
    /// Present now (checked in and not left).
    pub present: u64,
    /// Of the present, how many arrived late.
    pub late: u64,
    pub left_early: u64,
    /// Marked absent with a reason.
    pub absent_with_reason: u64,
    /// Marked absent without a reason.
    pub absent_without_reason: u64,
    /// Neither checked in nor marked absent.
    pub not_arrived: u64,
}

/// Where an enrolment photo came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolSource {
    /// Imported with others (a folder, a ZIP, the photo column of the delegate list).
    Import,
    /// Taken at the registration desk with a webcam.
    Desk,
}

/// A delegate's face enrolment: hex SHA-256 of the portrait blob (JPEG) and of the template
/// blob (the face descriptor, little-endian f32).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub photo: String,
    pub template: String,
    pub source: EnrolSource,
    pub at: DateTime<Utc>,
}

/// Attendance and enrolments, folded from events.
#[derive(Debug, Clone, Default)]
pub struct AttendanceBook {
    pub(crate) sessions: BTreeMap<SessionId, BTreeMap<DelegateId, Presence>>,
    pub(crate) enrolments: BTreeMap<DelegateId, Enrolment>,
    /// When biometric data was last purged, and how many enrolments it removed.
    pub(crate) purged: Option<(DateTime<Utc>, u64)>,
}

impl AttendanceBook {
    pub fn presence(&self, session: SessionId, delegate: DelegateId) -> Option<&Presence> {
        self.sessions.get(&session).and_then(|m| m.get(&delegate))
    }

    pub fn session(&self, session: SessionId) -> impl Iterator<Item = (DelegateId, &Presence)> {
        self.sessions
            .get(&session)
            .into_iter()
            .flatten()
            .map(|(d, p)| (*d, p))
    }

    pub fn enrolment(&self, delegate: DelegateId) -> Option<&Enrolment> {
        self.enrolments.get(&delegate)
    }

    pub fn enrolments(&self) -> impl Iterator<Item = (DelegateId, &Enrolment)> {
        self.enrolments.iter().map(|(d, e)| (*d, e))
    }

    pub fn purged(&self) -> Option<(DateTime<Utc>, u64)> {
        self.purged
    }
}
