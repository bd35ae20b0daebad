//! Attendance use cases: check-in fallbacks (badge QR at the kiosk, the secretariat's manual check-in with who and why), absences with reasons, late arrivals, leaving early, the counts and lists per session.

use std::collections::BTreeMap;

use chrono::Duration;
use daihoi_domain::attendance::{AttendanceCounts, CheckInMethod, Presence};
use daihoi_domain::model::{Delegate, DelegateId, DelegateKind, SessionId};
use daihoi_domain::{Capability, CongressState, Error, Result, text};

use super::App;
use crate::auth::Principal;
use crate::i18n::Lang;

/// The grace period, in minutes after a session's start, within which an arrival is not
/// late. A delegate who checks in later than `started_at + LATE_AFTER_MINUTES` is recorded
/// as late (đến muộn); before the session starts nobody is late.
pub const LATE_AFTER_MINUTES: i64 = 15;

/// Headers of the import's extra column that holds the seat (compared folded: case and
/// diacritics do not matter).
const SEAT_HEADERS: &[&str] = &["Ghế", "Số ghế", "Vị trí ngồi", "Chỗ ngồi", "Seat"];

/// What a kiosk or the secretariat shows after a check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInResult {
    pub delegate: DelegateId,
    pub code: String,
    pub name: String,
    pub delegation: String,
    pub group: String,
    pub seat: Option<String>,
    pub kind: DelegateKind,
    pub session: SessionId,
    pub session_title: String,
    /// Arrived beyond the grace period (for `already`, the flag of the earlier check-in).
    pub late: bool,
    /// Was already present: nothing was recorded.
    pub already: bool,
}

/// One delegate's line in a session's attendance list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    pub delegate: DelegateId,
    pub code: String,
    pub name: String,
    pub delegation: String,
    pub group: String,
    pub kind: DelegateKind,
    pub seat: Option<String>,
    /// `None`: not (yet) arrived.
    pub presence: Option<Presence>,
}

impl AttendanceRow {
    pub fn is_present(&self) -> bool {
        self.presence.as_ref().is_some_and(Presence::is_present)
    }

    /// `present`, `absent`, `left_early` or `not_arrived`.
    pub fn status(&self) -> &'static str {
        self.presence
            .as_ref()
            .map_or("not_arrived", Presence::as_str)
    }
}

/// Present over summoned (official) delegates of one delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationCount {
    pub name: String,
    pub present: u64,
    pub summoned: u64,
}

/// A session's attendance: the figures, per delegation, and the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceSummary {
    pub session: SessionId,
    pub session_title: String,
    pub counts: AttendanceCounts,
    /// In the order delegations first appear in the delegate list (codes ascending).
    pub delegations: Vec<DelegationCount>,
    /// Every delegate (officials, alternates, guests), by code.
    pub rows: Vec<AttendanceRow>,
    /// Official delegates not present now (not arrived, absent, left early).
    pub missing: Vec<AttendanceRow>,
    /// Present delegates who arrived late.
    pub late: Vec<AttendanceRow>,
    pub left_early: Vec<AttendanceRow>,
}

/// The seat from the delegate's extra columns, if the import carried one.
pub fn seat_of(d: &Delegate) -> Option<String> {
    let wanted: Vec<String> = SEAT_HEADERS.iter().map(|h| text::fold(h)).collect();
    d.fields
        .extra
        .iter()
        .find(|(k, v)| !v.trim().is_empty() && wanted.contains(&text::fold(k)))
        .map(|(_, v)| v.trim().to_string())
}

/// The token inside a badge QR: the sign-in URL `…/q/{token}` or the bare token.
fn badge_token(text: &str) -> &str {
    let t = text.trim();
    let t = match t.rfind("/q/") {
        Some(i) => &t[i + 3..],
        None => t,
    };
    let t = t.split(['?', '#']).next().unwrap_or_default();
    t.trim_end_matches('/')
}

fn row(s: &CongressState, session: SessionId, d: &Delegate) -> AttendanceRow {
    AttendanceRow {
        delegate: d.id,
        code: d.fields.code.clone(),
        name: d.fields.full_name.clone(),
        delegation: d.fields.delegation.clone(),
        group: d.fields.group.clone(),
        kind: d.fields.kind,
        seat: seat_of(d),
        presence: s.attendance().presence(session, d.id).cloned(),
    }
}

fn session_title(s: &CongressState, session: SessionId) -> Result<String> {
    s.session(session)
        .map(|x| x.fields.title.clone())
        .ok_or(Error::NotFound { what: "session" })
}

fn late_after() -> Duration {
    Duration::minutes(LATE_AFTER_MINUTES)
}

/// Who did it, as the record shows it: the principal's display name (never empty).
fn by_name(p: &Principal) -> String {
    let n = p.display_name.trim();
    if n.is_empty() {
        p.role.as_str().to_string()
    } else {
        n.to_string()
    }
}

fn required_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(Error::invalid("reason", "required"));
    }
    Ok(())
}

impl App {
    /// Check a delegate in for the check-in session (the running one, else the next
    /// planned one). Checking in twice records nothing the second time (`already`).
    pub async fn check_in(
        &self,
        p: &Principal,
        delegate: DelegateId,
        method: CheckInMethod,
    ) -> Result<CheckInResult> {
        let (session, outcome) = self
            .exec(p, Capability::CheckIn, |s, now| {
                let session = s
                    .checkin_session()
                    .ok_or_else(|| Error::conflict("NO_SESSION"))?;
                let (outcome, events) =
                    s.decide_check_in(session, delegate, method, now, late_after())?;
                Ok(((session, outcome.already()), events))
            })
            .await?;
        self.check_in_result(session, delegate, outcome)
    }

    /// Check in by the badge's QR code as the kiosk reads it (the sign-in URL or the bare
    /// token). Foreign or malformed codes are `unknown_badge`, revoked ones `revoked_badge`.
    pub async fn check_in_by_qr(&self, p: &Principal, text: &str) -> Result<CheckInResult> {
        p.require(Capability::CheckIn)?;
        let token = badge_token(text);
        let delegate = self.read(|s| self.keys.open_qr(s, token)).map_err(|e| {
            if e.code() == "QR_REVOKED" {
                Error::invalid("qr", "revoked_badge")
            } else {
                Error::invalid("qr", "unknown_badge")
            }
        })?;
        self.check_in(p, delegate, CheckInMethod::Qr).await
    }

    /// The secretariat checks a delegate in by hand: who (the signed-in user) and why (required).
    pub async fn check_in_manual(
        &self,
        p: &Principal,
        session: SessionId,
        delegate: DelegateId,
        reason: &str,
    ) -> Result<CheckInResult> {
        p.require(Capability::RecordAttendance)?;
        required_reason(reason)?;
        let method = CheckInMethod::Manual {
            by: by_name(p),
            reason: reason.trim().to_string(),
        };
        let outcome = self
            .exec(p, Capability::RecordAttendance, |s, now| {
                let (o, events) =
                    s.decide_check_in(session, delegate, method, now, late_after())?;
                Ok((o.already(), events))
            })
            .await?;
        self.check_in_result(session, delegate, outcome)
    }

    /// Mark a delegate absent; an empty reason records "absent without reason".
    pub async fn mark_absent(
        &self,
        p: &Principal,
        session: SessionId,
        delegate: DelegateId,
        reason: &str,
    ) -> Result<()> {
        let by = by_name(p);
        self.exec_unit(p, Capability::RecordAttendance, |s, now| {
            s.decide_mark_absent(session, delegate, reason, &by, now)
        })
        .await
    }

    /// A present delegate leaves before the end: no longer present (nor eligible to vote
    /// in present-only polls) until checked in again.
    pub async fn leave_early(
        &self,
        p: &Principal,
        session: SessionId,
        delegate: DelegateId,
        reason: &str,
    ) -> Result<()> {
        let by = by_name(p);
        self.exec_unit(p, Capability::RecordAttendance, |s, now| {
            s.decide_leave_early(session, delegate, reason, &by, now)
        })
        .await
    }

    /// Back to "not arrived" (a mistaken check-in or absence).
    pub async fn reset_attendance(
        &self,
        p: &Principal,
        session: SessionId,
        delegate: DelegateId,
    ) -> Result<()> {
        self.exec_unit(p, Capability::RecordAttendance, |s, _| {
            s.decide_reset_attendance(session, delegate)
        })
        .await
    }

    /// The reason recorded when the secretariat ticks delegates present in the hall.
    pub(crate) fn hall_reason(&self) -> String {
        self.catalogue
            .get(Lang::Vi, "attendance.reason_hall")
            .to_string()
    }

    pub(crate) fn manual_method(&self, p: &Principal) -> CheckInMethod {
        CheckInMethod::Manual {
            by: by_name(p),
            reason: self.hall_reason(),
        }
    }

    /// A session's attendance for the pages and the API.
    pub fn attendance_summary(
        &self,
        p: &Principal,
        session: SessionId,
    ) -> Result<AttendanceSummary> {
        p.require(Capability::ViewAttendance)?;
        self.read(|s| {
            let title = session_title(s, session)?;
            let mut list: Vec<&Delegate> = s.delegates().collect();
            list.sort_by(|a, b| a.fields.code.cmp(&b.fields.code));
            let rows: Vec<AttendanceRow> = list.iter().map(|d| row(s, session, d)).collect();
            let mut order: Vec<String> = Vec::new();
            let mut per: BTreeMap<String, (u64, u64)> = BTreeMap::new();
            for r in rows.iter().filter(|r| r.kind == DelegateKind::Official) {
                let e = per.entry(r.delegation.clone()).or_insert_with(|| {
                    order.push(r.delegation.clone());
                    (0, 0)
                });
                e.1 += 1;
                e.0 += u64::from(r.is_present());
            }
            let delegations = order
                .into_iter()
                .map(|name| {
                    let (present, summoned) = per.get(&name).copied().unwrap_or_default();
                    DelegationCount {
                        name,
                        present,
                        summoned,
                    }
                })
                .collect();
            let missing = rows
                .iter()
                .filter(|r| r.kind == DelegateKind::Official && !r.is_present())
                .cloned()
                .collect();
            let late = rows
                .iter()
                .filter(|r| matches!(r.presence, Some(Presence::Present { late: true, .. })))
                .cloned()
                .collect();
            let left_early = rows
                .iter()
                .filter(|r| matches!(r.presence, Some(Presence::LeftEarly { .. })))
                .cloned()
                .collect();
            Ok(AttendanceSummary {
                session,
                session_title: title,
                counts: s.attendance_counts(session),
                delegations,
                rows,
                missing,
                late,
                left_early,
            })
        })
    }

    /// The check-in session and its figures, for the live count on the console and the
    /// hall screen ("Có mặt 441/449"). `None` when no session is running or planned.
    pub fn checkin_counts(&self, p: &Principal) -> Result<Option<(SessionId, AttendanceCounts)>> {
        p.require(Capability::ViewAttendance)?;
        Ok(self.read(|s| s.checkin_session().map(|id| (id, s.attendance_counts(id)))))
    }

    fn check_in_result(
        &self,
        session: SessionId,
        delegate: DelegateId,
        already: bool,
    ) -> Result<CheckInResult> {
        self.read(|s| {
            let d = s
                .delegate(delegate)
                .ok_or(Error::NotFound { what: "delegate" })?;
            let session_title = session_title(s, session)?;
            let late = matches!(
                s.attendance().presence(session, delegate),
                Some(Presence::Present { late: true, .. })
            );
            Ok(CheckInResult {
                delegate,
                code: d.fields.code.clone(),
                name: d.fields.full_name.clone(),
                delegation: d.fields.delegation.clone(),
                group: d.fields.group.clone(),
                seat: seat_of(d),
                kind: d.fields.kind,
                session,
                session_title,
                late,
                already,
            })
        })
    }
}

#[cfg(test)]
mod tests;
