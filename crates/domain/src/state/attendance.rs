//! Decisions about attendance (check-in, absence, leaving early) and face enrolments.

use chrono::{DateTime, Duration, Utc};

use super::{CongressState, MAX_NAME};
use crate::attendance::{
    AttendanceBook, AttendanceCounts, CheckInMethod, EnrolSource, Enrolment, Presence,
};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::model::{DelegateId, DelegateKind, SessionId, SessionStatus};
use crate::text;

/// What a check-in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInOutcome {
    /// Now present (`late` when the session had started beyond the grace period).
    CheckedIn { late: bool },
    /// Was already present: nothing appended.
    AlreadyPresent,
}

impl CheckInOutcome {
    /// Nothing was recorded: the delegate was already present.
    pub fn already(self) -> bool {
        self == CheckInOutcome::AlreadyPresent
    }

    /// Recorded as late (false when already present).
    pub fn late(self) -> bool {
        matches!(self, CheckInOutcome::CheckedIn { late: true })
    }
}

impl CongressState {
    pub fn attendance(&self) -> &AttendanceBook {
        &self.attendance
    }

    /// The session a kiosk checks delegates in for: the running one, else the next one not
    /// yet ended in program order (delegates arrive before the session starts).
    pub fn checkin_session(&self) -> Option<SessionId> {
        if let Some(s) = self.live.session {
            return Some(s);
        }
        self.sessions()
            .into_iter()
            .find(|s| s.status == SessionStatus::Planned)
            .map(|s| s.id)
    }

    /// A delegate arrives. `late_after` is the grace period after the session's start.
    pub fn decide_check_in(
        &self,
        session: SessionId,
        delegate: DelegateId,
        method: CheckInMethod,
        now: DateTime<Utc>,
        late_after: Duration,
    ) -> Result<(CheckInOutcome, Vec<Event>)> {
        let s = self.get_session(session)?;
        self.delegate(delegate)
            .ok_or(Error::NotFound { what: "delegate" })?;
        let manual = matches!(method, CheckInMethod::Manual { .. });
        if s.status == SessionStatus::Ended && !manual {
            return Err(Error::conflict("SESSION_ALREADY_ENDED"));
        }
        if let CheckInMethod::Manual { by, reason } = &method {
            text::required_line("by", by, MAX_NAME)?;
            text::optional_line("reason", reason, MAX_NAME)?;
        }
        if self.is_present(session, delegate) {
            return Ok((CheckInOutcome::AlreadyPresent, vec![]));
        }
        let late = s.started_at.is_some_and(|t| now > t + late_after);
        Ok((
            CheckInOutcome::CheckedIn { late },
            vec![Event::CheckedIn {
                session,
                delegate,
                method,
                late,
                at: now,
            }],
        ))
    }

    /// The secretariat marks a delegate absent; an empty reason is "absent without reason".
    pub fn decide_mark_absent(
        &self,
        session: SessionId,
        delegate: DelegateId,
        reason: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        self.get_session(session)?;
        self.delegate(delegate)
            .ok_or(Error::NotFound { what: "delegate" })?;
        let reason = text::optional_line("reason", reason, MAX_NAME)?;
        let by = text::required_line("by", by, MAX_NAME)?;
        if let Some(Presence::Absent { reason: r, .. }) =
            self.attendance.presence(session, delegate)
            && *r == reason
        {
            return Ok(vec![]);
        }
        Ok(vec![Event::MarkedAbsent {
            session,
            delegate,
            reason,
            by,
            at: now,
        }])
    }

    /// A present delegate leaves before the end of the session.
    pub fn decide_leave_early(
        &self,
        session: SessionId,
        delegate: DelegateId,
        reason: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        self.get_session(session)?;
        self.delegate(delegate)
            .ok_or(Error::NotFound { what: "delegate" })?;
        if !self.is_present(session, delegate) {
            return Err(Error::conflict("NOT_PRESENT"));
        }
        let reason = text::optional_line("reason", reason, MAX_NAME)?;
        let by = text::required_line("by", by, MAX_NAME)?;
        Ok(vec![Event::LeftEarly {
            session,
            delegate,
            reason,
            by,
            at: now,
        }])
    }

    /// Back to "not arrived": forget whatever the session's record of the delegate says
    /// (a mistaken check-in or absence). Nothing to forget, nothing appended.
    pub fn decide_reset_attendance(
        &self,
        session: SessionId,
        delegate: DelegateId,
    ) -> Result<Vec<Event>> {
        self.get_session(session)?;
        self.delegate(delegate)
            .ok_or(Error::NotFound { what: "delegate" })?;
        if self.attendance.presence(session, delegate).is_none() {
            return Ok(vec![]);
        }
        Ok(vec![Event::AttendanceMarked {
            session,
            delegate,
            present: false,
        }])
    }

    /// Figures of one session over the summoned (official) delegates.
    pub fn attendance_counts(&self, session: SessionId) -> AttendanceCounts {
        let mut c = AttendanceCounts::default();
        for d in self.delegates() {
            if d.fields.kind != DelegateKind::Official {
                continue;
            }
            c.summoned += 1;
            match self.attendance.presence(session, d.id) {
                Some(Presence::Present { late, .. }) => {
                    c.present += 1;
                    c.late += u64::from(*late);
                }
                Some(Presence::LeftEarly { .. }) => c.left_early += 1,
                Some(Presence::Absent { reason, .. }) if reason.is_empty() => {
                    c.absent_without_reason += 1
                }
                Some(Presence::Absent { .. }) => c.absent_with_reason += 1,
                None => c.not_arrived += 1,
            }
        }
        c
    }

    /// Record a face enrolment (replacing an earlier one). The hashes name blobs that the
    /// caller has already stored.
    pub fn decide_enrol_face(
        &self,
        delegate: DelegateId,
        photo: &str,
        template: &str,
        source: EnrolSource,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        self.delegate(delegate)
            .ok_or(Error::NotFound { what: "delegate" })?;
        let is_hash = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hash(photo) || !is_hash(template) {
            return Err(Error::invalid("photo", "invalid_blob_hash"));
        }
        if self
            .attendance
            .enrolment(delegate)
            .is_some_and(|e| e.photo == photo && e.template == template)
        {
            return Ok(vec![]);
        }
        Ok(vec![Event::FaceEnrolled {
            delegate,
            photo: photo.to_owned(),
            template: template.to_owned(),
            source,
            at: now,
        }])
    }

    pub fn decide_remove_enrolment(&self, delegate: DelegateId) -> Result<Vec<Event>> {
        if self.attendance.enrolment(delegate).is_none() {
            return Err(Error::NotFound { what: "enrolment" });
        }
        Ok(vec![Event::FaceEnrolmentRemoved { delegate }])
    }

    /// Forget every enrolment; `blobs` is how many photo/template blobs the caller deletes.
    pub fn decide_purge_biometrics(&self, blobs: u64, now: DateTime<Utc>) -> Vec<Event> {
        vec![Event::BiometricsPurged {
            enrolments: self.attendance.enrolments.len() as u64,
            blobs,
            at: now,
        }]
    }

    pub(super) fn apply_attendance(&mut self, event: &Event) {
        let book = &mut self.attendance;
        match event {
            // The secretariat's tick box before check-in existed: no time, no reason.
            Event::AttendanceMarked {
                session,
                delegate,
                present,
            } => {
                let m = book.sessions.entry(*session).or_default();
                if *present {
                    m.insert(
                        *delegate,
                        Presence::Present {
                            method: CheckInMethod::Manual {
                                by: String::new(),
                                reason: String::new(),
                            },
                            late: false,
                            at: DateTime::<Utc>::UNIX_EPOCH,
                        },
                    );
                } else {
                    m.remove(delegate);
                }
            }
            Event::CheckedIn {
                session,
                delegate,
                method,
                late,
                at,
            } => {
                book.sessions.entry(*session).or_default().insert(
                    *delegate,
                    Presence::Present {
                        method: method.clone(),
                        late: *late,
                        at: *at,
                    },
                );
            }
            Event::MarkedAbsent {
                session,
                delegate,
                reason,
                by,
                at,
            } => {
                book.sessions.entry(*session).or_default().insert(
                    *delegate,
                    Presence::Absent {
                        reason: reason.clone(),
                        by: by.clone(),
                        at: *at,
                    },
                );
            }
            Event::LeftEarly {
                session,
                delegate,
                reason,
                by,
                at,
            } => {
                let m = book.sessions.entry(*session).or_default();
                let (method, late) = match m.get(delegate) {
                    Some(Presence::Present { method, late, .. }) => (method.clone(), *late),
                    _ => (
                        CheckInMethod::Manual {
                            by: String::new(),
                            reason: String::new(),
                        },
                        false,
                    ),
                };
                m.insert(
                    *delegate,
                    Presence::LeftEarly {
                        method,
                        late,
                        reason: reason.clone(),
                        by: by.clone(),
                        at: *at,
                    },
                );
            }
            Event::FaceEnrolled {
                delegate,
                photo,
                template,
                source,
                at,
            } => {
                book.enrolments.insert(
                    *delegate,
                    Enrolment {
                        photo: photo.clone(),
                        template: template.clone(),
                        source: *source,
                        at: *at,
                    },
                );
            }
            Event::FaceEnrolmentRemoved { delegate } => {
                book.enrolments.remove(delegate);
            }
            Event::BiometricsPurged { enrolments, at, .. } => {
                book.enrolments.clear();
                book.purged = Some((*at, *enrolments));
            }
            _ => {}
        }
    }
}
