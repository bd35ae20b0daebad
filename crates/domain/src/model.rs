//! The things a congress is made of.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::role::Role;

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }
        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { s.parse().map(Self) }
        }
    )*};
}
id_type!(
    SessionId,
    ItemId,
    DelegateId,
    AccountId,
    TokenId,
    AnnouncementId,
    PollId,
    FolderId,
    DocumentId
);

/// The kind of assembly; it selects the counting rules (see `rules.md` in the guide).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CongressKind {
    /// Đại hội Đảng: majorities are measured against the base B from the credentials report.
    PartyCongress,
    /// Đại hội đồng cổ đông: votes weighted by voting shares.
    ShareholdersMeeting,
    /// Any other assembly: majority and base are settings.
    GeneralAssembly,
}

impl CongressKind {
    pub const ALL: [CongressKind; 3] = [
        CongressKind::PartyCongress,
        CongressKind::ShareholdersMeeting,
        CongressKind::GeneralAssembly,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CongressKind::PartyCongress => "party_congress",
            CongressKind::ShareholdersMeeting => "shareholders_meeting",
            CongressKind::GeneralAssembly => "general_assembly",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CongressInfo {
    pub name: String,
    pub place: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub kind: CongressKind,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Preparatory,
    Opening,
    Plenary,
    GroupDiscussion,
    Closing,
    Other,
}

impl SessionKind {
    pub const ALL: [SessionKind; 6] = [
        SessionKind::Preparatory,
        SessionKind::Opening,
        SessionKind::Plenary,
        SessionKind::GroupDiscussion,
        SessionKind::Closing,
        SessionKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Preparatory => "preparatory",
            SessionKind::Opening => "opening",
            SessionKind::Plenary => "plenary",
            SessionKind::GroupDiscussion => "group_discussion",
            SessionKind::Closing => "closing",
            SessionKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Planned,
    Running,
    Ended,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Planned => "planned",
            SessionStatus::Running => "running",
            SessionStatus::Ended => "ended",
        }
    }
}

/// What an organiser types to describe a session (phiên).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFields {
    pub date: NaiveDate,
    pub title: String,
    pub kind: SessionKind,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub location: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    #[serde(flatten)]
    pub fields: SessionFields,
    pub status: SessionStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFields {
    pub title: String,
    pub presenter: String,
    pub notes: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub id: ItemId,
    pub session_id: SessionId,
    #[serde(flatten)]
    pub fields: ItemFields,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelegateKind {
    /// Đại biểu chính thức: votes.
    Official,
    /// Đại biểu dự khuyết: votes only when seated in place of an official delegate.
    Alternate,
    /// Khách mời: attends, never votes.
    Invited,
}

impl DelegateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DelegateKind::Official => "official",
            DelegateKind::Alternate => "alternate",
            DelegateKind::Invited => "invited",
        }
    }
}

/// A delegate's record as the organiser's list holds it; `code` is the key.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegateFields {
    pub code: String,
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub gender: Option<Gender>,
    pub ethnicity: String,
    pub position: String,
    pub unit: String,
    pub delegation: String,
    pub group: String,
    pub kind: DelegateKind,
    /// Voting shares (shareholders' meetings); 0 elsewhere.
    pub shares: u64,
    pub photo: Option<String>,
    /// Further columns the import carried (education, political theory level, ...),
    /// keyed by their header text.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegate {
    pub id: DelegateId,
    #[serde(flatten)]
    pub fields: DelegateFields,
    /// Bumped when the sign-in QR is revoked: older QR codes and sessions stop working.
    pub qr_epoch: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// argon2 PHC string; `None` for device accounts that sign in by link only.
    pub password_hash: Option<String>,
    pub active: bool,
    /// Bumped to revoke every sign-in link and session of the account at once.
    pub epoch: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub label: String,
    pub role: Role,
    /// Hex SHA-256 of the secret part; the secret itself is shown once and never stored.
    pub secret_sha256: String,
    pub revoked: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: AnnouncementId,
    pub text: String,
    pub posted_at: DateTime<Utc>,
    pub posted_by: String,
    pub withdrawn: bool,
}

/// What is happening in the hall now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Live {
    pub session: Option<SessionId>,
    pub item: Option<ItemId>,
}

/// Who did something, as recorded in the event log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    Account(AccountId),
    Delegate(DelegateId),
    Token(TokenId),
    /// The command line or the server itself (setup, demo, migrations).
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Account(id) => write!(f, "account:{id}"),
            Actor::Delegate(id) => write!(f, "delegate:{id}"),
            Actor::Token(id) => write!(f, "token:{id}"),
            Actor::System => f.write_str("system"),
        }
    }
}
