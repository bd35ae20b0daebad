//! What the API sends and receives, beyond the domain types it reuses as they are
//! (`CongressInfo`, `CongressInput`, `SessionInput`, `ItemInput`, `ImportSummary`,
//! `Announcement`, `Direction`, `Role`, ...).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use daihoi_app::App;
use daihoi_domain::model::*;
use daihoi_domain::state::{Direction, ItemInput};
use daihoi_domain::{CongressState, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The identifier of what was just created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Created {
    pub id: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    pub id: ItemId,
    pub title: String,
    pub presenter: String,
    pub notes: String,
}

impl From<&AgendaItem> for ItemOut {
    fn from(i: &AgendaItem) -> Self {
        ItemOut {
            id: i.id,
            title: i.fields.title.clone(),
            presenter: i.fields.presenter.clone(),
            notes: i.fields.notes.clone(),
        }
    }
}

/// A session (phiên). Times are local wall-clock `HH:MM`; `started_at` and `ended_at`
/// are instants (UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: SessionId,
    pub date: NaiveDate,
    pub title: String,
    pub kind: SessionKind,
    #[schema(required = true, example = "07:30")]
    pub starts_at: Option<String>,
    #[schema(required = true, example = "11:30")]
    pub ends_at: Option<String>,
    pub location: String,
    pub status: SessionStatus,
    #[schema(required = true)]
    pub started_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub ended_at: Option<DateTime<Utc>>,
}

fn hm(t: Option<NaiveTime>) -> Option<String> {
    t.map(|t| t.format("%H:%M").to_string())
}

impl From<&Session> for SessionOut {
    fn from(s: &Session) -> Self {
        SessionOut {
            id: s.id,
            date: s.fields.date,
            title: s.fields.title.clone(),
            kind: s.fields.kind,
            starts_at: hm(s.fields.starts_at),
            ends_at: hm(s.fields.ends_at),
            location: s.fields.location.clone(),
            status: s.status,
            started_at: s.started_at,
            ended_at: s.ended_at,
        }
    }
}

/// A session of the program with its agenda items, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramSession {
    #[serde(flatten)]
    pub session: SessionOut,
    pub items: Vec<ItemOut>,
}

/// One day of the program: its sessions in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDay {
    pub date: NaiveDate,
    pub sessions: Vec<ProgramSession>,
}

pub fn program(s: &CongressState) -> Vec<ProgramDay> {
    s.days()
        .into_iter()
        .map(|date| ProgramDay {
            date,
            sessions: s
                .sessions_on(date)
                .into_iter()
                .map(|sess| ProgramSession {
                    session: sess.into(),
                    items: s.items_of(sess.id).into_iter().map(ItemOut::from).collect(),
                })
                .collect(),
        })
        .collect()
}

/// What is happening in the hall now.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveOut {
    /// Sequence number of the last durable event; the `/events` stream's notices carry the
    /// same numbers, so a client can tell whether this answer is older than a notice.
    pub seq: i64,
    /// `null` until the congress is configured.
    #[schema(required = true)]
    pub congress_name: Option<String>,
    /// The running session, if any.
    #[schema(required = true)]
    pub session: Option<SessionOut>,
    /// The agenda item being presented, if any.
    #[schema(required = true)]
    pub item: Option<ItemOut>,
    /// The item after the current one in the running session.
    #[schema(required = true)]
    pub next_item: Option<ItemOut>,
    /// Place of the current item in its session, e.g. `2/5`.
    #[schema(required = true, example = "2/5")]
    pub position: Option<String>,
}

pub fn live(app: &App) -> LiveOut {
    // The sequence number first: the state read after it is at least as new.
    let seq = app.engine.head_seq();
    app.read(|s| {
        let session = s.running_session();
        let item = s.current_item();
        let position = match (session, item) {
            (Some(sess), Some(cur)) => {
                let items = s.items_of(sess.id);
                items
                    .iter()
                    .position(|x| x.id == cur.id)
                    .map(|i| format!("{}/{}", i + 1, items.len()))
            }
            _ => None,
        };
        LiveOut {
            seq,
            congress_name: s.info.as_ref().map(|i| i.name.clone()),
            session: session.map(SessionOut::from),
            item: item.map(ItemOut::from),
            next_item: s.next_item().map(ItemOut::from),
            position,
        }
    })
}

/// A delegate as the list holds them (the QR epoch stays inside).
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegateOut {
    pub id: DelegateId,
    #[serde(flatten)]
    pub fields: DelegateFields,
}

impl From<&Delegate> for DelegateOut {
    fn from(d: &Delegate) -> Self {
        DelegateOut {
            id: d.id,
            fields: d.fields.clone(),
        }
    }
}

/// An account; never its password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Whether the account can sign in with a password (staff); devices sign in by link.
    pub has_password: bool,
}

impl From<&Account> for AccountOut {
    fn from(a: &Account) -> Self {
        AccountOut {
            id: a.id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            active: a.active,
            has_password: a.password_hash.is_some(),
        }
    }
}

/// An API token; never its secret or the secret's hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: TokenId,
    pub label: String,
    pub role: Role,
    pub revoked: bool,
}

impl From<&ApiToken> for TokenOut {
    fn from(t: &ApiToken) -> Self {
        TokenOut {
            id: t.id,
            label: t.label.clone(),
            role: t.role,
            revoked: t.revoked,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UrlOut {
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignInUrlOut {
    /// The URL of the delegate's new QR code; every older code has stopped working.
    pub sign_in_url: String,
}

/// One event of the hash-chained log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// `account:<id>`, `delegate:<id>`, `token:<id>` or `system`.
    pub actor: String,
    pub kind: String,
    /// The event as recorded, with password hashes replaced by `"[redacted]"`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Hex SHA-256 of the previous event (zeros before the first).
    pub prev_hash: String,
    /// Hex SHA-256 over the previous hash and this event's fields.
    pub hash: String,
}

pub const REDACTED: &str = "[redacted]";

/// Replace every `password_hash` value (at any depth) that is not null.
pub fn redact(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if k == "password_hash" && !x.is_null() {
                    *x = serde_json::Value::String(REDACTED.into());
                } else {
                    redact(x);
                }
            }
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(redact),
        _ => {}
    }
}

impl From<daihoi_store::StoredEvent> for AuditEventOut {
    fn from(e: daihoi_store::StoredEvent) -> Self {
        let mut payload = serde_json::from_str(&e.payload)
            .unwrap_or(serde_json::Value::String(e.payload.clone()));
        redact(&mut payload);
        AuditEventOut {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            kind: e.kind,
            payload,
            prev_hash: hex::encode(e.prev_hash),
            hash: hex::encode(e.hash),
        }
    }
}

/// The outcome of checking every link of the event chain.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditVerifyOut {
    /// Events checked before the end or the first broken link.
    pub events: u64,
    pub intact: bool,
    /// Sequence number of the first broken event.
    #[schema(required = true)]
    pub broken_at: Option<i64>,
    /// What is wrong there.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// Hex hash of the last event when the chain is intact and not empty.
    #[schema(required = true)]
    pub head_hash: Option<String>,
}

/// Who is calling.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeOut {
    pub role: Role,
    pub display_name: String,
    /// `account:<id>`, `delegate:<id>` or `token:<id>`.
    pub subject: String,
    /// For cookie sessions: the value to send as `X-CSRF-Token` on state-changing calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

// ----- request bodies ------------------------------------------------------------------

/// The multipart form of `POST /delegates/import` (only described: the handler reads the
/// parts itself).
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ImportForm {
    /// The CSV or XLSX file; its file name is recorded in the audit log.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveInput {
    pub direction: Direction,
}

/// An agenda item's fields; `session_id` moves it to another session.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemUpdate {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub presenter: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub session_id: Option<SessionId>,
}

impl ItemUpdate {
    pub fn item(&self) -> ItemInput {
        ItemInput {
            title: self.title.clone(),
            presenter: self.presenter.clone(),
            notes: self.notes.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetItemInput {
    /// An item of the running session, or `null` for none.
    pub item_id: Option<ItemId>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnnounceInput {
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[schema(value_type = Role)]
    #[serde(default)]
    pub role: String,
    /// Required for staff roles; device accounts sign in by link.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountUpdate {
    #[serde(default)]
    pub display_name: String,
    #[schema(value_type = Role)]
    #[serde(default)]
    pub role: String,
    pub active: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordInput {
    #[serde(default)]
    pub password: String,
}

/// Roles arrive as text so that a wrong one is a validation error naming the field.
pub fn role(s: &str) -> Result<Role, daihoi_domain::Error> {
    Role::parse(s.trim()).ok_or_else(|| daihoi_domain::Error::invalid("role", "invalid_choice"))
}

/// A new API token: a label to recognise it by and the role it acts as.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct TokenCreateInput {
    #[serde(default)]
    pub label: String,
    pub role: Role,
}

/// The token's secret is in `token`, shown this once: only its hash is kept.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub token: String,
}
