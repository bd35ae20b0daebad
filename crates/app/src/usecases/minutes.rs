//! Minutes (biên bản) of voting: one PDF per poll and one per session, in the layout of a
//! Vietnamese official record. Each names the event-log position it rests on (sequence
//! number and hash), so a reader can check it with `daihoi audit verify`.

use chrono::{Datelike, NaiveDate};
use daihoi_data::minutes::{
    MinutesLabels, NamedVote, OptionRow, PollMinutes, QuestionMinutes, SessionMinutes,
    poll_minutes_pdf, session_minutes_pdf,
};
use daihoi_domain::event::Event;
use daihoi_domain::model::{CongressKind, PollId, SessionId};
use daihoi_domain::poll::PollStatus;
use daihoi_domain::{Capability, CongressState, Error, Result};

use super::App;
use crate::auth::Principal;
use crate::i18n::Lang;
use crate::pollview::{self, PollView};

/// How far back the log is read per request when looking for a poll's closing event.
const PAGE: usize = 5_000;

fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}

/// The kinds of event that settle a poll, or end a session.
pub(super) const SETTLING: &[&str] = &[
    "poll_closed",
    "poll_published",
    "poll_voided",
    "manual_count_confirmed",
    "session_ended",
];

/// Does `ev` settle poll `id` (close, hand count confirmed, publish, void)?
pub(super) fn settles(ev: &Event, id: PollId) -> bool {
    match ev {
        Event::PollClosed { id: x, .. }
        | Event::PollPublished { id: x, .. }
        | Event::PollVoided { id: x, .. } => *x == id,
        Event::ManualCountConfirmed { poll, .. } => *poll == id,
        _ => false,
    }
}

impl App {
    /// Minutes may be read by the staff who run votes, and by everyone once published.
    fn may_read_minutes(&self, p: &Principal, published: bool) -> Result<()> {
        if p.require(Capability::ManagePolls).is_ok()
            || (published && p.require(Capability::ViewProgram).is_ok())
        {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// For each of `n` questions, the last event-log entry that answers it, as (seq, hex
    /// hash); the head for those none answers. `which` says which question an event
    /// answers, if any; only the events of `kinds` are read (ballots, the bulk of the log,
    /// are skipped without parsing). One pass over the log however many questions.
    pub(super) async fn log_positions(
        &self,
        kinds: &[&str],
        n: usize,
        which: impl Fn(&Event) -> Option<usize>,
    ) -> Result<Vec<(u64, String)>> {
        let store = self.engine.store();
        let mut after = 0;
        let mut found: Vec<Option<(i64, [u8; 32])>> = vec![None; n];
        loop {
            let page = store.read(after, PAGE).await.map_err(storage)?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in page.iter().filter(|e| kinds.contains(&e.kind.as_str())) {
                if let Ok(ev) = serde_json::from_str::<Event>(&e.payload)
                    && let Some(slot) = which(&ev).and_then(|k| found.get_mut(k))
                {
                    *slot = Some((e.seq, e.hash));
                }
            }
            if page.len() < PAGE {
                break;
            }
        }
        let head = store.head().await.map_err(storage)?.unwrap_or((0, [0; 32]));
        Ok(found
            .into_iter()
            .map(|f| {
                let (seq, hash) = f.unwrap_or(head);
                (u64::try_from(seq).unwrap_or(0), hex::encode(hash))
            })
            .collect())
    }

    fn labels(&self, lang: Lang) -> MinutesLabels {
        MinutesLabels::from_catalogue(|k| self.catalogue.get(lang, k).to_owned())
    }

    /// Header, motto and place/date of a record, in `lang`.
    fn heading(
        &self,
        s: &CongressState,
        lang: Lang,
        day: NaiveDate,
    ) -> (String, String, Vec<String>, String) {
        let cat = &self.catalogue;
        let (name, place) = match &s.info {
            Some(i) => (i.name.clone(), i.place.clone()),
            None => (String::new(), String::new()),
        };
        let kind = s.kind();
        let header = format!(
            "{}\n{}",
            name.to_uppercase(),
            cat.get(lang, "minutes_ui.issuer")
        );
        let motto = if kind == CongressKind::PartyCongress {
            vec![cat.get(lang, "minutes_ui.motto_party").to_owned()]
        } else {
            vec![
                cat.get(lang, "minutes_ui.motto_state").to_owned(),
                cat.get(lang, "minutes_ui.motto_state_2").to_owned(),
            ]
        };
        let place_date = cat.format(
            lang,
            "minutes_ui.place_date",
            &[
                ("place", place),
                ("d", format!("{:02}", day.day())),
                ("m", format!("{:02}", day.month())),
                ("y", day.year().to_string()),
            ],
        );
        (name, header, motto, place_date)
    }

    /// One poll's record; `log` is its position in the event log.
    fn poll_record(
        &self,
        s: &CongressState,
        lang: Lang,
        v: &PollView,
        log: (u64, String),
    ) -> Result<PollMinutes> {
        let cat = &self.catalogue;
        let id = PollId(v.id);
        let p = s.poll(id).ok_or(Error::NotFound { what: "poll" })?;
        let r = v
            .result
            .as_ref()
            .ok_or_else(|| Error::conflict("POLL_NOT_CLOSED"))?;
        let day = p
            .opened_at
            .map(|a| a.with_timezone(&pollview::hall_tz()).date_naive())
            .unwrap_or_else(|| self.now().with_timezone(&pollview::hall_tz()).date_naive());
        let (congress, header_left, motto, place_date) = self.heading(s, lang, day);
        let named: Vec<NamedVote> = r
            .named
            .iter()
            .map(|n| NamedVote {
                name: n.name.clone(),
                code: n.code.clone(),
                choices: n.choices.clone(),
            })
            .collect();
        let status_note = match (&p.status, &p.manual) {
            (PollStatus::Voided { reason, .. }, _) => {
                Some(cat.format(lang, "minutes_ui.voided", &[("reason", reason.clone())]))
            }
            (_, Some(m)) => Some(
                cat.format(
                    lang,
                    "minutes_ui.by_hand",
                    &[
                        ("entered", pollview::actor_name(s, &m.entered_by)),
                        (
                            "confirmed",
                            m.confirmed_by
                                .as_ref()
                                .map(|a| pollview::actor_name(s, a))
                                .unwrap_or_default(),
                        ),
                    ],
                ),
            ),
            _ => None,
        };
        Ok(PollMinutes {
            congress,
            header_left,
            motto,
            place_date,
            title: v.title.clone(),
            item: (!v.item.is_empty()).then(|| v.item.clone()),
            mode: v.mode.clone(),
            opened_at: v.opened_at.clone(),
            closed_at: v.closed_at.clone(),
            base: r.base_line.clone(),
            eligible: cat.format(
                lang,
                "minutes_ui.eligible",
                &[("n", pollview::format_count(v.eligible, lang))],
            ),
            voted: cat.format(
                lang,
                "minutes_ui.voted",
                &[("n", pollview::format_count(r.ballots, lang))],
            ),
            questions: r
                .questions
                .iter()
                .map(|q| QuestionMinutes {
                    text: q.text.clone(),
                    rows: q
                        .rows
                        .iter()
                        .map(|row| OptionRow {
                            label: row.label.clone(),
                            count: pollview::format_count(row.count, lang),
                            percent: row.percent.clone(),
                        })
                        .collect(),
                    outcome: q.outcome.clone(),
                    passed: q.passed,
                    rule: q.rule.clone(),
                })
                .collect(),
            quorum: r.quorum.clone(),
            named,
            status_note,
            log_seq: log.0,
            log_hash: log.1,
            verify_hint: cat.get(lang, "minutes_ui.verify").to_owned(),
        })
    }

    /// The record of one closed or published poll, as a PDF.
    pub async fn poll_minutes_pdf(&self, p: &Principal, id: PollId, lang: Lang) -> Result<Vec<u8>> {
        let published = self
            .read(|s| {
                s.poll(id)
                    .map(|x| matches!(x.status, PollStatus::Published { .. }))
            })
            .ok_or(Error::NotFound { what: "poll" })?;
        self.may_read_minutes(p, published)?;
        let log = self
            .log_positions(SETTLING, 1, |ev| settles(ev, id).then_some(0))
            .await?
            .pop()
            .unwrap_or_default();
        let m = self.read(|s| {
            let v = pollview::poll_view(s, &self.catalogue, lang, id)
                .ok_or(Error::NotFound { what: "poll" })?;
            self.poll_record(s, lang, &v, log)
        })?;
        poll_minutes_pdf(&m, &self.labels(lang)).map_err(storage)
    }

    /// The summary record of a session: every closed or published poll on its agenda items,
    /// or opened while it ran.
    pub async fn session_minutes_pdf(
        &self,
        p: &Principal,
        id: SessionId,
        lang: Lang,
    ) -> Result<Vec<u8>> {
        self.may_read_minutes(p, false)?;
        let (polls, ended) = self.read(|s| {
            let session = s.session(id).ok_or(Error::NotFound { what: "session" })?;
            let during = |at: Option<chrono::DateTime<chrono::Utc>>| match (at, session.started_at)
            {
                (Some(a), Some(start)) => a >= start && session.ended_at.is_none_or(|e| a <= e),
                _ => false,
            };
            let mut polls: Vec<_> = s
                .polls()
                .filter(|x| {
                    x.fields
                        .item_id
                        .and_then(|i| s.item(i))
                        .map_or(during(x.opened_at), |i| i.session_id == id)
                })
                .filter(|x| s.poll_result(x.id).is_ok())
                .map(|x| (x.opened_at, x.id))
                .collect();
            polls.sort();
            Ok::<_, Error>((
                polls.into_iter().map(|(_, id)| id).collect::<Vec<_>>(),
                session.ended_at.is_some(),
            ))
        })?;
        // One pass: slot k is poll k, the last slot the session's end (the head while it
        // runs).
        let mut positions = self
            .log_positions(SETTLING, polls.len() + 1, |ev| match ev {
                Event::SessionEnded { id: x, .. } if *x == id => Some(polls.len()),
                _ => polls.iter().position(|p| settles(ev, *p)),
            })
            .await?;
        let log = if ended {
            positions.pop().unwrap_or_default()
        } else {
            // Running: the head of the log.
            let (seq, hash) = self
                .engine
                .store()
                .head()
                .await
                .map_err(storage)?
                .unwrap_or((0, [0; 32]));
            positions.pop();
            (u64::try_from(seq).unwrap_or(0), hex::encode(hash))
        };
        let m = self.read(|s| {
            let session = s.session(id).ok_or(Error::NotFound { what: "session" })?;
            let (congress, header_left, motto, place_date) =
                self.heading(s, lang, session.fields.date);
            let mut records = Vec::new();
            for (pid, pos) in polls.iter().zip(positions) {
                let Some(v) = pollview::poll_view(s, &self.catalogue, lang, *pid) else {
                    continue;
                };
                records.push(self.poll_record(s, lang, &v, pos)?);
            }
            Ok::<_, Error>(SessionMinutes {
                congress,
                header_left,
                motto,
                place_date,
                session: format!(
                    "{}, {}",
                    session.fields.title,
                    session.fields.date.format("%d/%m/%Y")
                ),
                polls: records,
                log_seq: log.0,
                log_hash: log.1,
                verify_hint: self.catalogue.get(lang, "minutes_ui.verify").to_owned(),
            })
        })?;
        session_minutes_pdf(&m, &self.labels(lang)).map_err(storage)
    }
}
