//! Voting (biểu quyết) use cases. A named vote is an event; a secret vote is an event that
//! marks the voter plus counter increments that hold the choice, committed together
//! (`Engine::execute_with_tally`), so storage never holds a row per secret ballot.

use daihoi_domain::event::Event;
use daihoi_domain::model::{Actor, DelegateId, PollId, SessionId};
use daihoi_domain::poll::{ManualCountInput, PollInput, PollMode, PollStatus, SecretBallot, Tally};
use daihoi_domain::{Capability, Error, Result};
use daihoi_store::TallyDelta;

use super::App;
use crate::auth::Principal;

/// What a voter gets once the vote is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub code: String,
}

/// Counter increments for one secret ballot: one per question.
fn deltas(b: &SecretBallot) -> Result<Vec<TallyDelta>> {
    let weight = i64::try_from(b.weight).map_err(|_| Error::conflict("WEIGHT_OVERFLOW"))?;
    let poll = i64::try_from(b.poll.0).map_err(|_| Error::conflict("WEIGHT_OVERFLOW"))?;
    Ok(b.choices
        .iter()
        .enumerate()
        .map(|(q, o)| TallyDelta {
            poll,
            question: q as i32,
            option: *o as i32,
            ballots: 1,
            weight,
        })
        .collect())
}

impl App {
    pub async fn create_poll(&self, p: &Principal, input: &PollInput) -> Result<PollId> {
        self.exec(p, Capability::ManagePolls, |s, _| {
            s.decide_create_poll(input)
        })
        .await
    }

    pub async fn edit_poll(&self, p: &Principal, id: PollId, input: &PollInput) -> Result<()> {
        self.exec_unit(p, Capability::ManagePolls, |s, _| {
            s.decide_edit_poll(id, input)
        })
        .await
    }

    pub async fn open_poll(&self, p: &Principal, id: PollId) -> Result<()> {
        self.exec_unit(p, Capability::ManagePolls, |s, now| {
            s.decide_open_poll(id, now)
        })
        .await
    }

    pub async fn publish_poll(&self, p: &Principal, id: PollId) -> Result<()> {
        self.exec_unit(p, Capability::ManagePolls, |s, now| {
            s.decide_publish_poll(id, now)
        })
        .await
    }

    pub async fn void_poll(&self, p: &Principal, id: PollId, reason: &str) -> Result<()> {
        self.exec_unit(p, Capability::ManagePolls, |s, now| {
            s.decide_void_poll(id, reason, now)
        })
        .await
    }

    pub async fn rerun_poll(&self, p: &Principal, id: PollId) -> Result<PollId> {
        self.exec(p, Capability::ManagePolls, |s, _| s.decide_rerun_poll(id))
            .await
    }

    /// The secretariat's tick box: present appends a manual check-in (who, and the reason
    /// "Điểm danh tại hội trường"); not present puts the delegate back to "not arrived".
    pub async fn mark_attendance(
        &self,
        p: &Principal,
        session: SessionId,
        delegate: DelegateId,
        present: bool,
    ) -> Result<()> {
        self.mark_attendance_many(p, session, &[delegate], present)
            .await
    }

    /// Mark many delegates at once (e.g. everyone present), in one append.
    pub async fn mark_attendance_many(
        &self,
        p: &Principal,
        session: SessionId,
        delegates: &[DelegateId],
        present: bool,
    ) -> Result<()> {
        let method = self.manual_method(p);
        let late_after = chrono::Duration::minutes(super::attendance::LATE_AFTER_MINUTES);
        let mut list = delegates.to_vec();
        list.sort();
        list.dedup();
        self.exec_unit(p, Capability::RecordAttendance, |s, now| {
            let mut events = Vec::new();
            for d in &list {
                if present {
                    let (_, e) = s.decide_check_in(session, *d, method.clone(), now, late_after)?;
                    events.extend(e);
                } else {
                    events.extend(s.decide_reset_attendance(session, *d)?);
                }
            }
            Ok(events)
        })
        .await
    }

    /// The base B from the credentials report (Party congresses).
    pub async fn record_base(&self, p: &Principal, base: u64, note: &str) -> Result<()> {
        self.exec_unit(p, Capability::RecordAttendance, |s, _| {
            s.decide_record_base(base, note)
        })
        .await
    }

    /// Cast the signed-in delegate's vote: the voter is the caller, never an input.
    /// `key` is the client's idempotency key (see `decide_cast`). A refused vote changes
    /// nothing but is written to the audit log with its reason.
    pub async fn cast_vote(
        &self,
        p: &Principal,
        poll: PollId,
        choices: &[String],
        key: Option<&str>,
    ) -> Result<Receipt> {
        let r = self.try_cast(p, poll, choices, key).await;
        if let Err(e) = &r {
            self.audit_refusal(p, Some(poll), e).await;
        }
        r
    }

    async fn try_cast(
        &self,
        p: &Principal,
        poll: PollId,
        choices: &[String],
        key: Option<&str>,
    ) -> Result<Receipt> {
        p.require(Capability::Vote)?;
        let voter = p.delegate_id().ok_or(Error::Forbidden)?;
        let now = self.now();
        let (basis, _) = self
            .engine
            .execute_with_tally(&p.actor(), now, |s| {
                let out = s.decide_cast(poll, voter, choices, key, now)?;
                let tally = match &out.secret {
                    Some(b) => deltas(b)?,
                    None => Vec::new(),
                };
                Ok((out.receipt_basis, out.events, tally))
            })
            .await?;
        Ok(Receipt {
            code: self.keys.receipt(&basis),
        })
    }

    /// Record a refused vote in the audit log. A refusal that cannot be recorded (storage
    /// failing) is not reported over the refusal itself.
    pub async fn audit_refusal(&self, p: &Principal, poll: Option<PollId>, e: &Error) {
        if matches!(e, Error::Storage(_)) {
            return;
        }
        let ev = Event::VoteRefused {
            poll,
            voter: p.delegate_id(),
            code: e.code().to_string(),
        };
        let now = self.now();
        if let Err(err) = self
            .engine
            .execute(&p.actor(), now, |_| Ok(((), vec![ev])))
            .await
        {
            tracing::warn!(error = %err, "could not record a refused vote");
        }
    }

    /// A hand count (paper ballots, show of hands) entered by the secretariat. It counts
    /// only once a second staff member confirms it.
    pub async fn enter_manual_count(
        &self,
        p: &Principal,
        id: PollId,
        input: &ManualCountInput,
    ) -> Result<()> {
        let by = p.actor();
        self.exec_unit(p, Capability::ManagePolls, |s, _| {
            s.decide_enter_manual_count(id, input, &by)
        })
        .await
    }

    /// A second staff member confirms the hand count; the poll closes with it.
    pub async fn confirm_manual_count(&self, p: &Principal, id: PollId) -> Result<()> {
        let by = p.actor();
        self.exec_unit(p, Capability::ManagePolls, |s, now| {
            s.decide_confirm_manual_count(id, &by, now)
        })
        .await
    }

    pub async fn discard_manual_count(&self, p: &Principal, id: PollId) -> Result<()> {
        let by = p.actor();
        self.exec_unit(p, Capability::ManagePolls, |s, _| {
            s.decide_discard_manual_count(id, &by)
        })
        .await
    }

    /// Close every open poll whose countdown has ended (the server runs this on a short
    /// tick). Returns the polls closed.
    pub async fn close_expired_polls(&self) -> Result<Vec<PollId>> {
        let now = self.now();
        let due: Vec<PollId> = self.read(|s| {
            s.polls()
                .filter(|p| {
                    matches!(p.status, PollStatus::Open { closes_at: Some(end), .. } if now >= end)
                })
                .map(|p| p.id)
                .collect()
        });
        let mut closed = Vec::new();
        for id in due {
            match self.close_as(&Actor::System, id).await {
                Ok(()) => closed.push(id),
                // Closed by the presidium meanwhile.
                Err(e) if e.code() == "POLL_NOT_OPEN" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(closed)
    }

    /// A secret poll's aggregate, read from the durable counters.
    async fn secret_tally(&self, id: PollId) -> Result<Tally> {
        let mut tally = self
            .read(|s| s.poll(id).map(|p| p.empty_tally()))
            .ok_or(Error::NotFound { what: "poll" })?;
        let poll = i64::try_from(id.0).map_err(|_| Error::NotFound { what: "poll" })?;
        let counters = self
            .engine
            .store()
            .read_tally(poll)
            .await
            .map_err(|e| Error::Storage(e.to_string()))?;
        for c in counters {
            let (q, o) = (c.question as usize, c.option as usize);
            let cell = tally
                .counts
                .get_mut(q)
                .and_then(|row| row.get_mut(o))
                .ok_or_else(|| Error::conflict("TALLY_MISMATCH"))?;
            *cell = u64::try_from(c.weight).map_err(|_| Error::conflict("TALLY_MISMATCH"))?;
            if q == 0 {
                tally.ballots +=
                    u64::try_from(c.ballots).map_err(|_| Error::conflict("TALLY_MISMATCH"))?;
                tally.weight += *cell;
            }
        }
        Ok(tally)
    }

    /// Close a poll. A secret poll is closed with the aggregate of its durable counters; a
    /// vote still being written when the count is read makes the totals disagree with the
    /// voters marked, and the close is tried again.
    pub async fn close_poll(&self, p: &Principal, id: PollId) -> Result<()> {
        p.require(Capability::ManagePolls)?;
        self.close_as(&p.actor(), id).await
    }

    async fn close_as(&self, actor: &Actor, id: PollId) -> Result<()> {
        let mut attempt = 0;
        loop {
            let mode = self
                .read(|s| s.poll(id).map(|x| x.fields.mode))
                .ok_or(Error::NotFound { what: "poll" })?;
            let secret = match mode {
                PollMode::Secret => Some(self.secret_tally(id).await?),
                PollMode::Named => None,
            };
            let now = self.now();
            match self
                .engine
                .execute(actor, now, |s| {
                    Ok(((), s.decide_close_poll(id, now, secret)?))
                })
                .await
            {
                Err(e) if e.code() == "TALLY_MISMATCH" && attempt < 50 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                r => return r.map(|_| ()),
            }
        }
    }
}
