//! The congress state, built only by applying events, and the decisions that produce them.
//!
//! A decision (`decide_*`) reads the state, validates its input and returns the events to
//! append; it never mutates. [`CongressState::apply`] is the only mutation and never fails:
//! an event in the log has already been decided valid.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::attendance::AttendanceBook;
use crate::docs::DocLibrary;
use crate::error::{Error, Problem, Result};
use crate::event::Event;
use crate::model::*;
use crate::poll::{
    CastOutcome, CloseFigures, Eligibility, Poll, PollInput, PollMode, PollResult, PollStatus,
    SecretBallot, Tally, Voter,
};
use crate::role::Role;
use crate::text;

/// Input limits, in characters.
pub const MAX_NAME: usize = 200;
pub const MAX_TITLE: usize = 300;
pub const MAX_NOTES: usize = 4000;
pub const MAX_ANNOUNCEMENT: usize = 2000;

#[derive(Debug, Clone, Default)]
pub struct CongressState {
    pub info: Option<CongressInfo>,
    sessions: BTreeMap<SessionId, Session>,
    session_order: BTreeMap<NaiveDate, Vec<SessionId>>,
    items: BTreeMap<ItemId, AgendaItem>,
    item_order: BTreeMap<SessionId, Vec<ItemId>>,
    delegates: BTreeMap<DelegateId, Delegate>,
    delegate_by_code: HashMap<String, DelegateId>,
    accounts: BTreeMap<AccountId, Account>,
    account_by_username: HashMap<String, AccountId>,
    tokens: BTreeMap<TokenId, ApiToken>,
    announcements: Vec<Announcement>,
    pub live: Live,
    next_id: u64,
    polls: BTreeMap<PollId, Poll>,
    /// Attendance per session and face enrolments (`state/attendance.rs`).
    attendance: AttendanceBook,
    /// Party congresses: B from the credentials report, and its note.
    party_base: Option<(u64, String)>,
    docs: DocLibrary,
}

/// Congress fields as a form or the API sends them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CongressInput {
    pub name: String,
    pub place: String,
    pub starts_on: String,
    pub ends_on: String,
    pub kind: String,
}

impl CongressInput {
    pub fn parse(&self) -> Result<CongressInfo> {
        let name = text::required_line("name", &self.name, MAX_NAME)?;
        let place = text::required_line("place", &self.place, MAX_NAME)?;
        let starts_on = text::required_date("starts_on", &self.starts_on)?;
        let ends_on = text::required_date("ends_on", &self.ends_on)?;
        if ends_on < starts_on {
            return Err(Error::invalid("ends_on", "date_before_start"));
        }
        if (ends_on - starts_on).num_days() > 60 {
            return Err(Error::invalid("ends_on", "congress_too_long"));
        }
        let kind = CongressKind::parse(self.kind.trim())
            .ok_or_else(|| Error::invalid("kind", "invalid_choice"))?;
        Ok(CongressInfo {
            name,
            place,
            starts_on,
            ends_on,
            kind,
        })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionInput {
    pub date: String,
    pub title: String,
    pub kind: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub location: String,
}

fn parse_time(field: &'static str, s: &str) -> Result<Option<NaiveTime>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .or_else(|_| NaiveTime::parse_from_str(s, "%Hh%M"))
        .map(Some)
        .map_err(|_| Error::invalid(field, "invalid_time"))
}

impl SessionInput {
    pub fn parse(&self) -> Result<SessionFields> {
        let date = text::required_date("date", &self.date)?;
        let title = text::required_line("title", &self.title, MAX_TITLE)?;
        let kind = SessionKind::parse(self.kind.trim())
            .ok_or_else(|| Error::invalid("kind", "invalid_choice"))?;
        let starts_at = parse_time("starts_at", &self.starts_at)?;
        let ends_at = parse_time("ends_at", &self.ends_at)?;
        if let (Some(a), Some(b)) = (starts_at, ends_at)
            && b <= a
        {
            return Err(Error::invalid("ends_at", "time_before_start"));
        }
        let location = text::optional_line("location", &self.location, MAX_NAME)?;
        Ok(SessionFields {
            date,
            title,
            kind,
            starts_at,
            ends_at,
            location,
        })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ItemInput {
    pub title: String,
    #[serde(default)]
    pub presenter: String,
    #[serde(default)]
    pub notes: String,
}

impl ItemInput {
    pub fn parse(&self) -> Result<ItemFields> {
        Ok(ItemFields {
            title: text::required_line("title", &self.title, MAX_TITLE)?,
            presenter: text::optional_line("presenter", &self.presenter, MAX_NAME)?,
            notes: text::optional_text("notes", &self.notes, MAX_NOTES)?,
        })
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

/// The result of comparing an import with the current delegates.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn move_in<T: PartialEq + Copy>(order: &mut [T], id: T, dir: Direction) -> bool {
    let Some(i) = order.iter().position(|x| *x == id) else {
        return false;
    };
    let j = match dir {
        Direction::Up if i > 0 => i - 1,
        Direction::Down if i + 1 < order.len() => i + 1,
        _ => return false,
    };
    order.swap(i, j);
    true
}

impl CongressState {
    // ----- queries -------------------------------------------------------------------

    pub fn is_configured(&self) -> bool {
        self.info.is_some()
    }

    /// Program days: the congress's dates, plus any date a session is on.
    pub fn days(&self) -> Vec<NaiveDate> {
        let mut days: Vec<NaiveDate> = self.session_order.keys().copied().collect();
        if let Some(info) = &self.info {
            let mut d = info.starts_on;
            while d <= info.ends_on {
                days.push(d);
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        }
        days.sort();
        days.dedup();
        days
    }

    pub fn sessions_on(&self, date: NaiveDate) -> Vec<&Session> {
        self.session_order
            .get(&date)
            .map(|ids| ids.iter().filter_map(|id| self.sessions.get(id)).collect())
            .unwrap_or_default()
    }

    /// All sessions in program order.
    pub fn sessions(&self) -> Vec<&Session> {
        self.session_order
            .values()
            .flatten()
            .filter_map(|id| self.sessions.get(id))
            .collect()
    }

    pub fn session(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(&id)
    }

    pub fn items_of(&self, session: SessionId) -> Vec<&AgendaItem> {
        self.item_order
            .get(&session)
            .map(|ids| ids.iter().filter_map(|id| self.items.get(id)).collect())
            .unwrap_or_default()
    }

    pub fn item(&self, id: ItemId) -> Option<&AgendaItem> {
        self.items.get(&id)
    }

    pub fn running_session(&self) -> Option<&Session> {
        self.live.session.and_then(|id| self.sessions.get(&id))
    }

    pub fn current_item(&self) -> Option<&AgendaItem> {
        self.live.item.and_then(|id| self.items.get(&id))
    }

    /// The item after the current one in the running session, if any.
    pub fn next_item(&self) -> Option<&AgendaItem> {
        let session = self.live.session?;
        let order = self.item_order.get(&session)?;
        let next = match self.live.item {
            None => order.first(),
            Some(cur) => order
                .iter()
                .position(|x| *x == cur)
                .and_then(|i| order.get(i + 1)),
        }?;
        self.items.get(next)
    }

    pub fn previous_item(&self) -> Option<&AgendaItem> {
        let session = self.live.session?;
        let order = self.item_order.get(&session)?;
        let cur = self.live.item?;
        let i = order.iter().position(|x| *x == cur)?;
        self.items.get(order.get(i.checked_sub(1)?)?)
    }

    pub fn delegates(&self) -> impl Iterator<Item = &Delegate> {
        self.delegates.values()
    }

    pub fn delegate(&self, id: DelegateId) -> Option<&Delegate> {
        self.delegates.get(&id)
    }

    pub fn delegate_by_code(&self, code: &str) -> Option<&Delegate> {
        self.delegate_by_code
            .get(code)
            .and_then(|id| self.delegates.get(id))
    }

    pub fn delegate_count(&self) -> usize {
        self.delegates.len()
    }

    /// Distinct delegations (đoàn) and discussion groups (tổ), sorted with Vietnamese folding.
    pub fn delegations(&self) -> Vec<String> {
        self.distinct(|d| &d.fields.delegation)
    }

    pub fn groups(&self) -> Vec<String> {
        self.distinct(|d| &d.fields.group)
    }

    fn distinct(&self, f: impl Fn(&Delegate) -> &String) -> Vec<String> {
        let mut v: Vec<String> = self
            .delegates
            .values()
            .map(|d| f(d).clone())
            .filter(|s| !s.is_empty())
            .collect();
        v.sort_by_key(|s| natural_key(s));
        v.dedup();
        v
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(&id)
    }

    pub fn account_by_username(&self, username: &str) -> Option<&Account> {
        self.account_by_username
            .get(&username.to_lowercase())
            .and_then(|id| self.accounts.get(id))
    }

    pub fn tokens(&self) -> impl Iterator<Item = &ApiToken> {
        self.tokens.values()
    }

    pub fn token(&self, id: TokenId) -> Option<&ApiToken> {
        self.tokens.get(&id)
    }

    /// Announcements still shown, newest first.
    pub fn announcements(&self) -> impl Iterator<Item = &Announcement> {
        self.announcements.iter().rev().filter(|a| !a.withdrawn)
    }

    fn active_admins(&self) -> usize {
        self.accounts
            .values()
            .filter(|a| a.active && a.role == Role::Admin)
            .count()
    }

    fn new_id(&self, offset: u64) -> u64 {
        self.next_id.max(1) + offset
    }

    // ----- decisions -----------------------------------------------------------------

    fn require_configured(&self) -> Result<&CongressInfo> {
        self.info
            .as_ref()
            .ok_or_else(|| Error::conflict("CONGRESS_NOT_CONFIGURED"))
    }

    pub fn decide_configure(&self, input: &CongressInput) -> Result<Vec<Event>> {
        let info = input.parse()?;
        if let Some(old) = &self.info {
            if *old == info {
                return Ok(vec![]);
            }
            // Sessions must stay inside the congress's dates.
            if let Some(s) = self
                .sessions
                .values()
                .find(|s| s.fields.date < info.starts_on || s.fields.date > info.ends_on)
            {
                return Err(Error::Conflict(
                    Problem::new("SESSIONS_OUTSIDE_DATES")
                        .arg("title", &s.fields.title)
                        .arg("date", s.fields.date.format("%d/%m/%Y")),
                ));
            }
        }
        Ok(vec![Event::CongressConfigured { info }])
    }

    fn check_session_date(&self, fields: &SessionFields) -> Result<()> {
        let info = self.require_configured()?;
        if fields.date < info.starts_on || fields.date > info.ends_on {
            return Err(Error::Invalid {
                field: "date",
                problem: Problem::new("date_outside_congress")
                    .arg("from", info.starts_on.format("%d/%m/%Y"))
                    .arg("to", info.ends_on.format("%d/%m/%Y")),
            });
        }
        Ok(())
    }

    pub fn decide_add_session(&self, input: &SessionInput) -> Result<(SessionId, Vec<Event>)> {
        let fields = input.parse()?;
        self.check_session_date(&fields)?;
        let id = SessionId(self.new_id(0));
        Ok((id, vec![Event::SessionAdded { id, fields }]))
    }

    fn get_session(&self, id: SessionId) -> Result<&Session> {
        self.sessions
            .get(&id)
            .ok_or(Error::NotFound { what: "session" })
    }

    fn get_item(&self, id: ItemId) -> Result<&AgendaItem> {
        self.items.get(&id).ok_or(Error::NotFound {
            what: "agenda_item",
        })
    }

    pub fn decide_edit_session(&self, id: SessionId, input: &SessionInput) -> Result<Vec<Event>> {
        let s = self.get_session(id)?;
        let fields = input.parse()?;
        self.check_session_date(&fields)?;
        if s.status == SessionStatus::Running && fields.date != s.fields.date {
            return Err(Error::conflict("SESSION_RUNNING"));
        }
        if s.fields == fields {
            return Ok(vec![]);
        }
        Ok(vec![Event::SessionEdited { id, fields }])
    }

    pub fn decide_remove_session(&self, id: SessionId) -> Result<Vec<Event>> {
        let s = self.get_session(id)?;
        if s.status != SessionStatus::Planned {
            return Err(Error::conflict("SESSION_NOT_PLANNED"));
        }
        Ok(vec![Event::SessionRemoved { id }])
    }

    pub fn decide_move_session(&self, id: SessionId, dir: Direction) -> Result<Vec<Event>> {
        let s = self.get_session(id)?;
        let date = s.fields.date;
        let mut order = self.session_order.get(&date).cloned().unwrap_or_default();
        if !move_in(&mut order, id, dir) {
            return Ok(vec![]);
        }
        Ok(vec![Event::SessionOrderSet { date, order }])
    }

    pub fn decide_add_item(
        &self,
        session_id: SessionId,
        input: &ItemInput,
    ) -> Result<(ItemId, Vec<Event>)> {
        self.get_session(session_id)?;
        let fields = input.parse()?;
        let id = ItemId(self.new_id(0));
        Ok((
            id,
            vec![Event::ItemAdded {
                id,
                session_id,
                fields,
            }],
        ))
    }

    pub fn decide_edit_item(
        &self,
        id: ItemId,
        session_id: SessionId,
        input: &ItemInput,
    ) -> Result<Vec<Event>> {
        let item = self.get_item(id)?;
        self.get_session(session_id)?;
        let fields = input.parse()?;
        if session_id != item.session_id && self.live.item == Some(id) {
            return Err(Error::conflict("ITEM_IS_CURRENT"));
        }
        if item.fields == fields && item.session_id == session_id {
            return Ok(vec![]);
        }
        Ok(vec![Event::ItemEdited {
            id,
            session_id,
            fields,
        }])
    }

    pub fn decide_remove_item(&self, id: ItemId) -> Result<Vec<Event>> {
        self.get_item(id)?;
        if self.live.item == Some(id) {
            return Err(Error::conflict("ITEM_IS_CURRENT"));
        }
        Ok(vec![Event::ItemRemoved { id }])
    }

    pub fn decide_move_item(&self, id: ItemId, dir: Direction) -> Result<Vec<Event>> {
        let item = self.get_item(id)?;
        let session_id = item.session_id;
        let mut order = self
            .item_order
            .get(&session_id)
            .cloned()
            .unwrap_or_default();
        if !move_in(&mut order, id, dir) {
            return Ok(vec![]);
        }
        Ok(vec![Event::ItemOrderSet { session_id, order }])
    }

    pub fn decide_start_session(&self, id: SessionId, now: DateTime<Utc>) -> Result<Vec<Event>> {
        let s = self.get_session(id)?;
        match s.status {
            SessionStatus::Running => return Err(Error::conflict("SESSION_ALREADY_RUNNING")),
            SessionStatus::Ended => return Err(Error::conflict("SESSION_ALREADY_ENDED")),
            SessionStatus::Planned => {}
        }
        if let Some(other) = self.running_session() {
            return Err(Error::Conflict(
                Problem::new("ANOTHER_SESSION_RUNNING").arg("title", &other.fields.title),
            ));
        }
        let first_item = self.item_order.get(&id).and_then(|o| o.first().copied());
        Ok(vec![Event::SessionStarted {
            id,
            at: now,
            first_item,
        }])
    }

    pub fn decide_end_session(&self, id: SessionId, now: DateTime<Utc>) -> Result<Vec<Event>> {
        let s = self.get_session(id)?;
        if s.status != SessionStatus::Running {
            return Err(Error::conflict("SESSION_NOT_RUNNING"));
        }
        Ok(vec![Event::SessionEnded { id, at: now }])
    }

    /// Move the hall to an agenda item of the running session (or to none).
    pub fn decide_set_item(&self, item: Option<ItemId>) -> Result<Vec<Event>> {
        let Some(running) = self.live.session else {
            return Err(Error::conflict("NO_SESSION_RUNNING"));
        };
        if let Some(id) = item {
            let it = self.get_item(id)?;
            if it.session_id != running {
                return Err(Error::conflict("ITEM_NOT_IN_RUNNING_SESSION"));
            }
        }
        if self.live.item == item {
            return Ok(vec![]);
        }
        Ok(vec![Event::CurrentItemSet { item }])
    }

    pub fn decide_next_item(&self) -> Result<Vec<Event>> {
        if self.live.session.is_none() {
            return Err(Error::conflict("NO_SESSION_RUNNING"));
        }
        let next = self
            .next_item()
            .ok_or_else(|| Error::conflict("NO_NEXT_ITEM"))?;
        self.decide_set_item(Some(next.id))
    }

    pub fn decide_previous_item(&self) -> Result<Vec<Event>> {
        if self.live.session.is_none() {
            return Err(Error::conflict("NO_SESSION_RUNNING"));
        }
        let prev = self
            .previous_item()
            .ok_or_else(|| Error::conflict("NO_PREVIOUS_ITEM"))?;
        self.decide_set_item(Some(prev.id))
    }

    pub fn decide_announce(
        &self,
        text: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(AnnouncementId, Vec<Event>)> {
        self.require_configured()?;
        let text = text::required_text("text", text, MAX_ANNOUNCEMENT)?;
        let id = AnnouncementId(self.new_id(0));
        Ok((
            id,
            vec![Event::AnnouncementPosted {
                announcement: Announcement {
                    id,
                    text,
                    posted_at: now,
                    posted_by: by.to_string(),
                    withdrawn: false,
                },
            }],
        ))
    }

    pub fn decide_withdraw_announcement(&self, id: AnnouncementId) -> Result<Vec<Event>> {
        match self.announcements.iter().find(|a| a.id == id) {
            None => Err(Error::NotFound {
                what: "announcement",
            }),
            Some(a) if a.withdrawn => Ok(vec![]),
            Some(_) => Ok(vec![Event::AnnouncementWithdrawn { id }]),
        }
    }

    /// Compare parsed delegate records with the current ones (by code). Returns no event
    /// when nothing changed, so importing the same file twice changes nothing.
    pub fn decide_import(
        &self,
        source: &str,
        rows: Vec<DelegateFields>,
    ) -> Result<(ImportSummary, Vec<Event>)> {
        let mut seen = std::collections::HashSet::new();
        for r in &rows {
            if r.code.is_empty() {
                return Err(Error::invalid("code", "required"));
            }
            if !seen.insert(r.code.as_str()) {
                return Err(Error::Invalid {
                    field: "code",
                    problem: Problem::new("duplicate_code").arg("code", &r.code),
                });
            }
        }
        let mut summary = ImportSummary::default();
        let (mut created, mut updated) = (Vec::new(), Vec::new());
        for fields in rows {
            match self.delegate_by_code(&fields.code) {
                Some(d) if d.fields == fields => summary.unchanged += 1,
                Some(d) => {
                    summary.updated += 1;
                    updated.push(Delegate {
                        id: d.id,
                        fields,
                        qr_epoch: d.qr_epoch,
                    });
                }
                None => {
                    let id = DelegateId(self.new_id(created.len() as u64));
                    summary.created += 1;
                    created.push(Delegate {
                        id,
                        fields,
                        qr_epoch: 0,
                    });
                }
            }
        }
        if created.is_empty() && updated.is_empty() {
            return Ok((summary, vec![]));
        }
        Ok((
            summary,
            vec![Event::DelegatesImported {
                source: text::clean_line(source),
                created,
                updated,
            }],
        ))
    }

    pub fn decide_revoke_qr(&self, id: DelegateId) -> Result<Vec<Event>> {
        self.delegates
            .get(&id)
            .ok_or(Error::NotFound { what: "delegate" })?;
        Ok(vec![Event::DelegateQrRevoked { id }])
    }

    pub fn decide_create_account(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: Option<String>,
    ) -> Result<(AccountId, Vec<Event>)> {
        let username = text::username(username)?;
        let display_name = text::required_line("display_name", display_name, MAX_NAME)?;
        if self.account_by_username.contains_key(&username) {
            return Err(Error::Invalid {
                field: "username",
                problem: Problem::new("username_taken").arg("username", &username),
            });
        }
        if role == Role::Delegate {
            return Err(Error::invalid("role", "delegate_role_by_import"));
        }
        let id = AccountId(self.new_id(0));
        let account = Account {
            id,
            username,
            display_name,
            role,
            password_hash,
            active: true,
            epoch: 0,
        };
        Ok((id, vec![Event::AccountCreated { account }]))
    }

    fn get_account(&self, id: AccountId) -> Result<&Account> {
        self.accounts
            .get(&id)
            .ok_or(Error::NotFound { what: "account" })
    }

    pub fn decide_edit_account(
        &self,
        id: AccountId,
        display_name: &str,
        role: Role,
        active: bool,
    ) -> Result<Vec<Event>> {
        let a = self.get_account(id)?;
        let display_name = text::required_line("display_name", display_name, MAX_NAME)?;
        if role == Role::Delegate {
            return Err(Error::invalid("role", "delegate_role_by_import"));
        }
        let loses_admin = a.role == Role::Admin && a.active && (role != Role::Admin || !active);
        if loses_admin && self.active_admins() <= 1 {
            return Err(Error::conflict("LAST_ADMIN"));
        }
        if a.display_name == display_name && a.role == role && a.active == active {
            return Ok(vec![]);
        }
        Ok(vec![Event::AccountEdited {
            id,
            display_name,
            role,
            active,
        }])
    }

    pub fn decide_set_password(&self, id: AccountId, password_hash: String) -> Result<Vec<Event>> {
        self.get_account(id)?;
        Ok(vec![Event::AccountPasswordSet { id, password_hash }])
    }

    pub fn decide_revoke_sign_in(&self, id: AccountId) -> Result<Vec<Event>> {
        self.get_account(id)?;
        Ok(vec![Event::AccountSignInRevoked { id }])
    }

    pub fn decide_create_token(
        &self,
        label: &str,
        role: Role,
        secret_sha256: String,
    ) -> Result<(TokenId, Vec<Event>)> {
        let label = text::optional_line("label", label, MAX_NAME)?;
        let id = TokenId(self.new_id(0));
        Ok((
            id,
            vec![Event::ApiTokenCreated {
                token: ApiToken {
                    id,
                    label,
                    role,
                    secret_sha256,
                    revoked: false,
                },
            }],
        ))
    }

    pub fn decide_revoke_token(&self, id: TokenId) -> Result<Vec<Event>> {
        let t = self
            .tokens
            .get(&id)
            .ok_or(Error::NotFound { what: "api_token" })?;
        if t.revoked {
            return Ok(vec![]);
        }
        Ok(vec![Event::ApiTokenRevoked { id }])
    }

    // ----- voting (see `crate::poll`) ------------------------------------------------

    pub fn polls(&self) -> impl Iterator<Item = &Poll> {
        self.polls.values()
    }

    pub fn poll(&self, id: PollId) -> Option<&Poll> {
        self.polls.get(&id)
    }

    /// The poll open in the hall, if any (there is at most one).
    pub fn open_poll(&self) -> Option<&Poll> {
        self.polls.values().find(|p| p.is_open())
    }

    pub fn is_present(&self, session: SessionId, delegate: DelegateId) -> bool {
        self.attendance
            .presence(session, delegate)
            .is_some_and(|p| p.is_present())
    }

    pub fn present_in(&self, session: SessionId) -> impl Iterator<Item = DelegateId> + '_ {
        self.attendance
            .session(session)
            .filter(|(_, p)| p.is_present())
            .map(|(d, _)| d)
    }

    /// Party congresses: the recorded base B and its note.
    pub fn party_base(&self) -> Option<(u64, &str)> {
        self.party_base.as_ref().map(|(b, n)| (*b, n.as_str()))
    }

    /// The congress kind (its counting rules); a general assembly until configured.
    pub fn kind(&self) -> CongressKind {
        self.info
            .as_ref()
            .map_or(CongressKind::GeneralAssembly, |i| i.kind)
    }

    /// The voting members and the weight of their vote: official delegates (1 each), or
    /// for a shareholders' meeting those holding voting shares (weight = shares).
    pub fn voting_members(&self) -> Vec<Voter> {
        let shares = self.kind() == CongressKind::ShareholdersMeeting;
        self.delegates
            .values()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .map(|d| Voter {
                delegate: d.id,
                weight: if shares { d.fields.shares } else { 1 },
            })
            .filter(|v| v.weight > 0)
            .collect()
    }

    fn get_poll(&self, id: PollId) -> Result<&Poll> {
        self.polls.get(&id).ok_or(Error::NotFound { what: "poll" })
    }

    fn check_poll_item(&self, fields: &crate::poll::PollFields) -> Result<()> {
        if let Some(item) = fields.item_id {
            self.get_item(item)?;
        }
        Ok(())
    }

    pub fn decide_create_poll(&self, input: &PollInput) -> Result<(PollId, Vec<Event>)> {
        self.require_configured()?;
        let fields = input.parse()?;
        self.check_poll_item(&fields)?;
        let id = PollId(self.new_id(0));
        Ok((
            id,
            vec![Event::PollCreated {
                id,
                fields,
                rerun_of: None,
            }],
        ))
    }

    pub fn decide_edit_poll(&self, id: PollId, input: &PollInput) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        if p.status != PollStatus::Draft {
            return Err(Error::conflict("POLL_NOT_DRAFT"));
        }
        let fields = input.parse()?;
        self.check_poll_item(&fields)?;
        if p.fields == fields {
            return Ok(vec![]);
        }
        Ok(vec![Event::PollEdited { id, fields }])
    }

    /// Open a draft: one poll at a time in the hall. Snapshots the voting members.
    pub fn decide_open_poll(&self, id: PollId, now: DateTime<Utc>) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        if p.status != PollStatus::Draft {
            return Err(Error::conflict("POLL_NOT_DRAFT"));
        }
        if p.manual.is_some() {
            return Err(Error::conflict("MANUAL_COUNT_PENDING"));
        }
        if let Some(other) = self.open_poll() {
            return Err(Error::Conflict(
                Problem::new("ANOTHER_POLL_OPEN").arg("title", &other.fields.title),
            ));
        }
        if self.kind() == CongressKind::PartyCongress && self.party_base.is_none() {
            return Err(Error::conflict("BASE_NOT_RECORDED"));
        }
        if p.fields.eligibility == Eligibility::PresentOnly && self.live.session.is_none() {
            return Err(Error::conflict("NO_SESSION_RUNNING"));
        }
        let eligible = self.voting_members();
        if eligible.is_empty() {
            return Err(Error::conflict("NO_VOTING_MEMBERS"));
        }
        let total: u128 = eligible.iter().map(|v| v.weight as u128).sum();
        if total > u64::MAX as u128 {
            return Err(Error::conflict("WEIGHT_OVERFLOW"));
        }
        let closes_at = p
            .fields
            .countdown_secs
            .map(|s| now + chrono::Duration::seconds(s as i64));
        Ok(vec![Event::PollOpened {
            id,
            at: now,
            closes_at,
            eligible,
        }])
    }

    /// One voter's ballot: `choices` holds one option key per question. The voter is the
    /// signed-in delegate (the app layer never takes it from the input), so nobody can
    /// vote for another delegate. A secret poll's choices come back as
    /// [`CastOutcome::secret`], never inside an event.
    ///
    /// `key` is the client's idempotency key: when this voter's ballot on this poll was
    /// already stored with the same key, nothing is cast again and the same receipt basis
    /// comes back (even if the poll has closed since), so a resubmission after a lost
    /// answer is safe and can never count twice.
    pub fn decide_cast(
        &self,
        poll: PollId,
        voter: DelegateId,
        choices: &[String],
        key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CastOutcome> {
        let p = self.get_poll(poll)?;
        let key = key.map(crate::poll::parse_idempotency_key).transpose()?;
        let receipt_basis = match &key {
            Some(k) => format!("poll:{poll};voter:{voter};key:{k}"),
            None => format!("poll:{poll};voter:{voter};at:{}", now.to_rfc3339()),
        };
        if let Some(k) = &key
            && p.voted.contains(&voter)
            && p.keys.get(&voter) == Some(k)
        {
            return Ok(CastOutcome {
                events: vec![],
                secret: None,
                receipt_basis,
            });
        }
        if p.manual.is_some() {
            return Err(Error::conflict("MANUAL_COUNT_PENDING"));
        }
        match &p.status {
            PollStatus::Draft => return Err(Error::conflict("POLL_NOT_OPEN")),
            PollStatus::Open {
                closes_at: Some(end),
                ..
            } if now > *end => return Err(Error::conflict("COUNTDOWN_OVER")),
            PollStatus::Open { .. } => {}
            PollStatus::Closed { .. }
            | PollStatus::Published { .. }
            | PollStatus::Voided { .. } => return Err(Error::conflict("POLL_CLOSED")),
        }
        let weight = p
            .weight_of(voter)
            .ok_or_else(|| Error::conflict("NOT_ELIGIBLE"))?;
        if p.fields.eligibility == Eligibility::PresentOnly
            && !self.live.session.is_some_and(|s| self.is_present(s, voter))
        {
            return Err(Error::conflict("NOT_PRESENT"));
        }
        if p.voted.contains(&voter) && !(p.fields.allow_change && p.fields.mode == PollMode::Named)
        {
            return Err(Error::conflict("ALREADY_VOTED"));
        }
        let indices = p.parse_choices(choices)?;
        Ok(match p.fields.mode {
            PollMode::Named => CastOutcome {
                events: vec![Event::VoteCast {
                    poll,
                    voter,
                    choices: indices
                        .iter()
                        .filter_map(|i| p.fields.options.get(*i as usize))
                        .map(|o| o.key.clone())
                        .collect(),
                    at: now,
                    key,
                }],
                secret: None,
                receipt_basis,
            },
            PollMode::Secret => CastOutcome {
                events: vec![Event::VoterMarked { poll, voter, key }],
                secret: Some(SecretBallot {
                    poll,
                    weight,
                    choices: indices,
                }),
                receipt_basis,
            },
        })
    }

    /// Close an open poll. For a secret poll the app layer passes the aggregate it kept
    /// (`secret_tally`); it must count exactly the voters marked. Named polls pass None.
    pub fn decide_close_poll(
        &self,
        id: PollId,
        now: DateTime<Utc>,
        secret_tally: Option<Tally>,
    ) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        if !p.is_open() {
            return Err(Error::conflict("POLL_NOT_OPEN"));
        }
        if p.manual.is_some() {
            return Err(Error::conflict("MANUAL_COUNT_PENDING"));
        }
        let secret_tally = match (p.fields.mode, secret_tally) {
            (PollMode::Named, None) => None,
            (PollMode::Secret, Some(t)) => {
                let shape = p.empty_tally();
                let expected_weight: u128 = p
                    .voted
                    .iter()
                    .map(|v| p.weight_of(*v).unwrap_or(0) as u128)
                    .sum();
                if t.counts.len() != shape.counts.len()
                    || t.counts
                        .iter()
                        .zip(&shape.counts)
                        .any(|(a, b)| a.len() != b.len())
                    || t.ballots != p.voted.len() as u64
                    || t.weight as u128 != expected_weight
                    || !t.is_consistent()
                {
                    return Err(Error::conflict("TALLY_MISMATCH"));
                }
                Some(t)
            }
            _ => return Err(Error::conflict("TALLY_MISMATCH")),
        };
        let attending = self.attending_weight(p, &p.eligible);
        Ok(vec![Event::PollClosed {
            id,
            at: now,
            secret_tally,
            party_base: self.party_base.as_ref().map(|(b, _)| *b),
            attending,
        }])
    }

    pub fn decide_publish_poll(&self, id: PollId, now: DateTime<Utc>) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        match p.status {
            PollStatus::Closed { .. } => {}
            PollStatus::Published { .. } => return Ok(vec![]),
            _ => return Err(Error::conflict("POLL_NOT_CLOSED")),
        }
        self.poll_result(id)?;
        Ok(vec![Event::PollPublished { id, at: now }])
    }

    /// Void a poll (any state but void), stating why; it may then be re-run.
    pub fn decide_void_poll(
        &self,
        id: PollId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        if matches!(p.status, PollStatus::Voided { .. }) {
            return Err(Error::conflict("POLL_VOIDED"));
        }
        let reason = text::optional_text("reason", reason, crate::poll::MAX_REASON)?;
        if reason.is_empty() {
            return Err(Error::invalid("reason", "VOID_NEEDS_REASON"));
        }
        Ok(vec![Event::PollVoided {
            id,
            reason,
            at: now,
        }])
    }

    /// A new draft with the fields of a void poll.
    pub fn decide_rerun_poll(&self, id: PollId) -> Result<(PollId, Vec<Event>)> {
        let p = self.get_poll(id)?;
        if !matches!(p.status, PollStatus::Voided { .. }) {
            return Err(Error::conflict("POLL_NOT_VOIDED"));
        }
        let new = PollId(self.new_id(0));
        Ok((
            new,
            vec![Event::PollCreated {
                id: new,
                fields: p.fields.clone(),
                rerun_of: Some(id),
            }],
        ))
    }

    /// Weight of the eligible voters attending: voted, or marked present for the running
    /// session.
    fn attending_weight(&self, p: &Poll, eligible: &[Voter]) -> u64 {
        eligible
            .iter()
            .filter(|v| {
                p.voted.contains(&v.delegate)
                    || self
                        .live
                        .session
                        .is_some_and(|s| self.is_present(s, v.delegate))
            })
            .map(|v| v.weight)
            .sum()
    }

    /// Paper ballots or a show of hands: a staff member enters the counts of a draft or an
    /// open poll nobody has voted on from a device. They count only once a second staff
    /// member confirms them ([`Self::decide_confirm_manual_count`]).
    pub fn decide_enter_manual_count(
        &self,
        id: PollId,
        input: &crate::poll::ManualCountInput,
        by: &Actor,
    ) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        match p.status {
            PollStatus::Draft | PollStatus::Open { .. } => {}
            _ => return Err(Error::conflict("POLL_CLOSED")),
        }
        if p.manual.is_some() {
            return Err(Error::conflict("MANUAL_COUNT_PENDING"));
        }
        if !p.voted.is_empty() {
            return Err(Error::conflict("DEVICE_VOTES_EXIST"));
        }
        if self.kind() == CongressKind::PartyCongress && self.party_base.is_none() {
            return Err(Error::conflict("BASE_NOT_RECORDED"));
        }
        let eligible = if p.status == PollStatus::Draft {
            self.voting_members()
        } else {
            p.eligible.clone()
        };
        let tally = input.parse(p)?;
        // One vote per ballot unless votes are weighted by shares: the figures of each
        // question add up to the ballots.
        if self.kind() != CongressKind::ShareholdersMeeting && tally.weight != tally.ballots {
            return Err(Error::invalid("counts", "counts_disagree"));
        }
        let entitled: u128 = eligible.iter().map(|v| v.weight as u128).sum();
        if tally.ballots > eligible.len() as u64 || tally.weight as u128 > entitled {
            return Err(Error::Invalid {
                field: "counts",
                problem: Problem::new("counts_exceed_eligible").arg("max", eligible.len()),
            });
        }
        Ok(vec![Event::ManualCountEntered {
            poll: id,
            tally,
            by: by.clone(),
            eligible,
        }])
    }

    /// A second staff member (not the one who entered them) confirms the hand count: the
    /// poll closes with it.
    pub fn decide_confirm_manual_count(
        &self,
        id: PollId,
        by: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        let m = p
            .manual
            .as_ref()
            .ok_or_else(|| Error::conflict("NO_MANUAL_COUNT"))?;
        if m.confirmed_by.is_some() {
            return Err(Error::conflict("POLL_CLOSED"));
        }
        if m.entered_by == *by {
            return Err(Error::conflict("SAME_STAFF_CONFIRM"));
        }
        Ok(vec![Event::ManualCountConfirmed {
            poll: id,
            by: by.clone(),
            at: now,
            party_base: self.party_base.as_ref().map(|(b, _)| *b),
            attending: self.attending_weight(p, &p.eligible),
        }])
    }

    /// Throw away hand-entered counts not yet confirmed, to enter them again.
    pub fn decide_discard_manual_count(&self, id: PollId, by: &Actor) -> Result<Vec<Event>> {
        let p = self.get_poll(id)?;
        match &p.manual {
            Some(m) if m.confirmed_by.is_none() => Ok(vec![Event::ManualCountDiscarded {
                poll: id,
                by: by.clone(),
            }]),
            Some(_) => Err(Error::conflict("POLL_CLOSED")),
            None => Err(Error::conflict("NO_MANUAL_COUNT")),
        }
    }

    /// The results of a closed (or published) poll under the congress kind's rules.
    pub fn poll_result(&self, id: PollId) -> Result<PollResult> {
        let p = self.get_poll(id)?;
        let (Some(figures), Some(tally)) = (p.figures.as_ref(), p.tally()) else {
            return Err(Error::conflict("POLL_NOT_CLOSED"));
        };
        if !matches!(
            p.status,
            PollStatus::Closed { .. } | PollStatus::Published { .. }
        ) {
            return Err(Error::conflict("POLL_NOT_CLOSED"));
        }
        crate::poll::results(self.kind(), &p.fields, figures, &tally)
    }

    /// The secretariat marks a delegate present (or not) for a session.
    pub fn decide_mark_attendance(
        &self,
        session: SessionId,
        delegate: DelegateId,
        present: bool,
    ) -> Result<Vec<Event>> {
        self.get_session(session)?;
        self.delegates
            .get(&delegate)
            .ok_or(Error::NotFound { what: "delegate" })?;
        if self.is_present(session, delegate) == present {
            return Ok(vec![]);
        }
        Ok(vec![Event::AttendanceMarked {
            session,
            delegate,
            present,
        }])
    }

    /// Party congresses: record B from the credentials report (1 ..= official delegates).
    pub fn decide_record_base(&self, base: u64, note: &str) -> Result<Vec<Event>> {
        let info = self.require_configured()?;
        if info.kind != CongressKind::PartyCongress {
            return Err(Error::conflict("NOT_PARTY_CONGRESS"));
        }
        let officials = self
            .delegates
            .values()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .count() as u64;
        if base == 0 || base > officials {
            return Err(Error::Invalid {
                field: "base",
                problem: Problem::new("base_out_of_range").arg("max", officials),
            });
        }
        let note = text::optional_text("note", note, MAX_NOTES)?;
        if self.party_base.as_ref() == Some(&(base, note.clone())) {
            return Ok(vec![]);
        }
        Ok(vec![Event::BaseRecorded { base, note }])
    }

    // ----- the fold --------------------------------------------------------------------

    fn saw_id(&mut self, id: u64) {
        if id >= self.next_id {
            self.next_id = id + 1;
        }
    }

    /// Fold one event into the state. Never fails: events in the log were valid when
    /// decided; an id that no longer exists is ignored.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::CongressConfigured { info } => self.info = Some(info.clone()),
            Event::SessionAdded { id, fields } => {
                self.saw_id(id.0);
                self.sessions.insert(
                    *id,
                    Session {
                        id: *id,
                        fields: fields.clone(),
                        status: SessionStatus::Planned,
                        started_at: None,
                        ended_at: None,
                    },
                );
                self.session_order.entry(fields.date).or_default().push(*id);
            }
            Event::SessionEdited { id, fields } => {
                if let Some(s) = self.sessions.get_mut(id) {
                    if s.fields.date != fields.date {
                        if let Some(o) = self.session_order.get_mut(&s.fields.date) {
                            o.retain(|x| x != id);
                        }
                        self.session_order.entry(fields.date).or_default().push(*id);
                    }
                    s.fields = fields.clone();
                }
            }
            Event::SessionRemoved { id } => {
                if let Some(s) = self.sessions.remove(id)
                    && let Some(o) = self.session_order.get_mut(&s.fields.date)
                {
                    o.retain(|x| x != id);
                    if o.is_empty() {
                        self.session_order.remove(&s.fields.date);
                    }
                }
                for item in self.item_order.remove(id).unwrap_or_default() {
                    self.items.remove(&item);
                }
            }
            Event::SessionOrderSet { date, order } => {
                self.session_order.insert(*date, order.clone());
            }
            Event::ItemAdded {
                id,
                session_id,
                fields,
            } => {
                self.saw_id(id.0);
                self.items.insert(
                    *id,
                    AgendaItem {
                        id: *id,
                        session_id: *session_id,
                        fields: fields.clone(),
                    },
                );
                self.item_order.entry(*session_id).or_default().push(*id);
            }
            Event::ItemEdited {
                id,
                session_id,
                fields,
            } => {
                if let Some(item) = self.items.get_mut(id) {
                    if item.session_id != *session_id {
                        if let Some(o) = self.item_order.get_mut(&item.session_id) {
                            o.retain(|x| x != id);
                        }
                        self.item_order.entry(*session_id).or_default().push(*id);
                        item.session_id = *session_id;
                    }
                    item.fields = fields.clone();
                }
            }
            Event::ItemRemoved { id } => {
                if let Some(item) = self.items.remove(id)
                    && let Some(o) = self.item_order.get_mut(&item.session_id)
                {
                    o.retain(|x| x != id);
                }
            }
            Event::ItemOrderSet { session_id, order } => {
                self.item_order.insert(*session_id, order.clone());
            }
            Event::DelegatesImported {
                created, updated, ..
            } => {
                for d in created.iter().chain(updated) {
                    self.saw_id(d.id.0);
                    if let Some(old) = self.delegates.get(&d.id)
                        && old.fields.code != d.fields.code
                    {
                        self.delegate_by_code.remove(&old.fields.code);
                    }
                    self.delegate_by_code.insert(d.fields.code.clone(), d.id);
                    self.delegates.insert(d.id, d.clone());
                }
            }
            Event::DelegateQrRevoked { id } => {
                if let Some(d) = self.delegates.get_mut(id) {
                    d.qr_epoch += 1;
                }
            }
            Event::AccountCreated { account } => {
                self.saw_id(account.id.0);
                self.account_by_username
                    .insert(account.username.clone(), account.id);
                self.accounts.insert(account.id, account.clone());
            }
            Event::AccountEdited {
                id,
                display_name,
                role,
                active,
            } => {
                if let Some(a) = self.accounts.get_mut(id) {
                    a.display_name = display_name.clone();
                    a.role = *role;
                    if a.active && !*active {
                        a.epoch += 1; // disabling signs the account out everywhere
                    }
                    a.active = *active;
                }
            }
            Event::AccountPasswordSet { id, password_hash } => {
                if let Some(a) = self.accounts.get_mut(id) {
                    a.password_hash = Some(password_hash.clone());
                }
            }
            Event::AccountSignInRevoked { id } => {
                if let Some(a) = self.accounts.get_mut(id) {
                    a.epoch += 1;
                }
            }
            Event::ApiTokenCreated { token } => {
                self.saw_id(token.id.0);
                self.tokens.insert(token.id, token.clone());
            }
            Event::ApiTokenRevoked { id } => {
                if let Some(t) = self.tokens.get_mut(id) {
                    t.revoked = true;
                }
            }
            Event::SessionStarted { id, at, first_item } => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.status = SessionStatus::Running;
                    s.started_at = Some(*at);
                    self.live = Live {
                        session: Some(*id),
                        item: *first_item,
                    };
                }
            }
            Event::SessionEnded { id, at } => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.status = SessionStatus::Ended;
                    s.ended_at = Some(*at);
                }
                if self.live.session == Some(*id) {
                    self.live = Live::default();
                }
            }
            Event::CurrentItemSet { item } => self.live.item = *item,
            Event::AnnouncementPosted { announcement } => {
                self.saw_id(announcement.id.0);
                self.announcements.push(announcement.clone());
            }
            Event::AnnouncementWithdrawn { id } => {
                if let Some(a) = self.announcements.iter_mut().find(|a| a.id == *id) {
                    a.withdrawn = true;
                }
            }
            Event::PollCreated {
                id,
                fields,
                rerun_of,
            } => {
                self.saw_id(id.0);
                self.polls
                    .insert(*id, Poll::new(*id, fields.clone(), *rerun_of));
            }
            Event::PollEdited { id, fields } => {
                if let Some(p) = self.polls.get_mut(id) {
                    p.fields = fields.clone();
                }
            }
            Event::PollOpened {
                id,
                at,
                closes_at,
                eligible,
            } => {
                if let Some(p) = self.polls.get_mut(id) {
                    p.status = PollStatus::Open {
                        opened_at: *at,
                        closes_at: *closes_at,
                    };
                    p.opened_at = Some(*at);
                    p.set_eligible(eligible);
                }
            }
            Event::VoteCast {
                poll,
                voter,
                choices,
                key,
                ..
            } => {
                if let Some(p) = self.polls.get_mut(poll)
                    && let Ok(idx) = p.parse_choices(choices)
                {
                    p.voted.insert(*voter);
                    p.named_ballots.insert(*voter, idx);
                    match key {
                        Some(k) => p.keys.insert(*voter, k.clone()),
                        None => p.keys.remove(voter),
                    };
                }
            }
            Event::VoterMarked { poll, voter, key } => {
                if let Some(p) = self.polls.get_mut(poll) {
                    p.voted.insert(*voter);
                    if let Some(k) = key {
                        p.keys.insert(*voter, k.clone());
                    }
                }
            }
            Event::ManualCountEntered {
                poll,
                tally,
                by,
                eligible,
            } => {
                if let Some(p) = self.polls.get_mut(poll) {
                    if p.status == PollStatus::Draft {
                        p.set_eligible(eligible);
                    }
                    p.manual = Some(crate::poll::ManualCount {
                        tally: tally.clone(),
                        entered_by: by.clone(),
                        confirmed_by: None,
                    });
                }
            }
            Event::ManualCountConfirmed {
                poll,
                by,
                at,
                party_base,
                attending,
            } => {
                if let Some(p) = self.polls.get_mut(poll)
                    && let Some(m) = p.manual.as_mut()
                {
                    m.confirmed_by = Some(by.clone());
                    p.status = PollStatus::Closed { closed_at: *at };
                    p.figures = Some(CloseFigures {
                        party_base: *party_base,
                        attending: *attending,
                        entitled: p.eligible.iter().map(|v| v.weight).sum(),
                    });
                }
            }
            Event::ManualCountDiscarded { poll, .. } => {
                if let Some(p) = self.polls.get_mut(poll) {
                    p.manual = None;
                }
            }
            Event::VoteRefused { .. } => {}
            Event::PollClosed {
                id,
                at,
                secret_tally,
                party_base,
                attending,
            } => {
                if let Some(p) = self.polls.get_mut(id) {
                    p.status = PollStatus::Closed { closed_at: *at };
                    p.secret_tally = secret_tally.clone();
                    p.figures = Some(CloseFigures {
                        party_base: *party_base,
                        attending: *attending,
                        entitled: p.eligible.iter().map(|v| v.weight).sum(),
                    });
                }
            }
            Event::PollPublished { id, at } => {
                if let Some(p) = self.polls.get_mut(id)
                    && let PollStatus::Closed { closed_at } = p.status
                {
                    p.status = PollStatus::Published {
                        closed_at,
                        published_at: *at,
                    };
                }
            }
            Event::PollVoided { id, reason, at } => {
                if let Some(p) = self.polls.get_mut(id) {
                    p.status = PollStatus::Voided {
                        reason: reason.clone(),
                        at: *at,
                    };
                }
            }
            Event::AttendanceMarked { .. }
            | Event::CheckedIn { .. }
            | Event::MarkedAbsent { .. }
            | Event::LeftEarly { .. }
            | Event::FaceEnrolled { .. }
            | Event::FaceEnrolmentRemoved { .. }
            | Event::BiometricsPurged { .. } => self.apply_attendance(event),
            Event::BaseRecorded { base, note } => {
                self.party_base = Some((*base, note.clone()));
            }
            Event::FolderCreated { id, .. } => {
                self.saw_id(id.0);
                self.docs.apply(event);
            }
            Event::DocumentAdded { id, .. } => {
                self.saw_id(id.0);
                self.docs.apply(event);
            }
            Event::FolderRenamed { .. }
            | Event::FolderRemoved { .. }
            | Event::DocumentEdited { .. }
            | Event::DocumentRemoved { .. }
            | Event::DocumentVersionAdded { .. }
            | Event::DocumentTextExtracted { .. }
            | Event::DocumentExtractionFailed { .. } => self.docs.apply(event),
            Event::DocumentRead { .. } => {}
        }
    }
}

/// Sort key that orders "Tổ 2" before "Tổ 10" and ignores diacritics.
pub fn natural_key(s: &str) -> (String, u64, String) {
    let folded = text::fold(s);
    let digits: String = folded
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let stem = folded[..folded.len() - digits.len()].to_string();
    (stem, digits.parse().unwrap_or(0), folded)
}

mod attendance;
mod docs;
#[cfg(test)]
mod tests;
