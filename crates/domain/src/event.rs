//! Every change to a congress is one of these events, appended to the hash-chained log.
//! The state is built by folding them in order ([`crate::CongressState::apply`]).
//! Variants are only ever added, never changed: old logs must replay forever.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::attendance::{CheckInMethod, EnrolSource};
use crate::docs::{DocFields, TextInfo, VersionInfo};
use crate::model::*;
use crate::poll::{PollFields, Tally, Voter};
use crate::role::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    CongressConfigured {
        info: CongressInfo,
    },

    SessionAdded {
        id: SessionId,
        fields: SessionFields,
    },
    SessionEdited {
        id: SessionId,
        fields: SessionFields,
    },
    SessionRemoved {
        id: SessionId,
    },
    /// The order of the sessions of one day.
    SessionOrderSet {
        date: NaiveDate,
        order: Vec<SessionId>,
    },

    ItemAdded {
        id: ItemId,
        session_id: SessionId,
        fields: ItemFields,
    },
    ItemEdited {
        id: ItemId,
        session_id: SessionId,
        fields: ItemFields,
    },
    ItemRemoved {
        id: ItemId,
    },
    ItemOrderSet {
        session_id: SessionId,
        order: Vec<ItemId>,
    },

    /// One import: only the delegates it created or changed.
    DelegatesImported {
        source: String,
        created: Vec<Delegate>,
        updated: Vec<Delegate>,
    },
    DelegateQrRevoked {
        id: DelegateId,
    },

    AccountCreated {
        account: Account,
    },
    AccountEdited {
        id: AccountId,
        display_name: String,
        role: Role,
        active: bool,
    },
    AccountPasswordSet {
        id: AccountId,
        password_hash: String,
    },
    AccountSignInRevoked {
        id: AccountId,
    },

    ApiTokenCreated {
        token: ApiToken,
    },
    ApiTokenRevoked {
        id: TokenId,
    },

    SessionStarted {
        id: SessionId,
        at: DateTime<Utc>,
        first_item: Option<ItemId>,
    },
    SessionEnded {
        id: SessionId,
        at: DateTime<Utc>,
    },
    CurrentItemSet {
        item: Option<ItemId>,
    },

    AnnouncementPosted {
        announcement: Announcement,
    },
    AnnouncementWithdrawn {
        id: AnnouncementId,
    },

    // ----- voting (see `crate::poll` for how secrecy works) -----
    PollCreated {
        id: PollId,
        fields: PollFields,
        rerun_of: Option<PollId>,
    },
    /// Only while a draft.
    PollEdited {
        id: PollId,
        fields: PollFields,
    },
    PollOpened {
        id: PollId,
        at: DateTime<Utc>,
        closes_at: Option<DateTime<Utc>>,
        /// The voting members and their weights at the opening.
        eligible: Vec<Voter>,
    },
    /// A named poll's ballot (a later one replaces an earlier one when changes are allowed).
    VoteCast {
        poll: PollId,
        voter: DelegateId,
        /// Option key per question.
        choices: Vec<String>,
        at: DateTime<Utc>,
        /// The client's idempotency key: a resubmission with it gets the same receipt.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// A secret poll: THAT the voter voted; the ballot itself is never an event.
    VoterMarked {
        poll: PollId,
        voter: DelegateId,
        /// The client's idempotency key (random, chosen before the choice is known to the
        /// server; it says nothing about the choice).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// Paper ballots or a show of hands: the counts entered by one staff member. They
    /// count only once a second staff member confirms them.
    ManualCountEntered {
        poll: PollId,
        tally: Tally,
        by: Actor,
        /// The voting members at the entry (a draft has no snapshot yet).
        eligible: Vec<Voter>,
    },
    /// A second staff member confirmed the entered counts: the poll is closed with them.
    ManualCountConfirmed {
        poll: PollId,
        by: Actor,
        at: DateTime<Utc>,
        party_base: Option<u64>,
        attending: u64,
    },
    /// The entered counts were thrown away (by either staff member) to be entered again.
    ManualCountDiscarded {
        poll: PollId,
        by: Actor,
    },
    /// A ballot was refused (closed poll, twice, not eligible, unknown option, malformed):
    /// kept for the audit; changes nothing. Never carries a choice.
    VoteRefused {
        poll: Option<PollId>,
        voter: Option<DelegateId>,
        code: String,
    },
    PollClosed {
        id: PollId,
        at: DateTime<Utc>,
        /// Secret polls: the aggregate, revealed here for the first time.
        secret_tally: Option<Tally>,
        /// Party congresses: B as recorded at the close.
        party_base: Option<u64>,
        /// Weight of the eligible voters attending at the close.
        attending: u64,
    },
    PollPublished {
        id: PollId,
        at: DateTime<Utc>,
    },
    PollVoided {
        id: PollId,
        reason: String,
        at: DateTime<Utc>,
    },
    AttendanceMarked {
        session: SessionId,
        delegate: DelegateId,
        present: bool,
    },
    /// Party congresses: the base B from the credentials report.
    BaseRecorded {
        base: u64,
        note: String,
    },

    // ----- check-in and biometrics (see `crate::attendance`) -----
    /// A delegate arrived for a session (kiosk face match, badge QR, or the secretariat).
    CheckedIn {
        session: SessionId,
        delegate: DelegateId,
        method: CheckInMethod,
        late: bool,
        at: DateTime<Utc>,
    },
    /// The secretariat marks a delegate absent, with or without a reason.
    MarkedAbsent {
        session: SessionId,
        delegate: DelegateId,
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// A present delegate left before the session ended.
    LeftEarly {
        session: SessionId,
        delegate: DelegateId,
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// A face enrolment: hex SHA-256 of the portrait and template blobs (never the data).
    FaceEnrolled {
        delegate: DelegateId,
        photo: String,
        template: String,
        source: EnrolSource,
        at: DateTime<Utc>,
    },
    FaceEnrolmentRemoved {
        delegate: DelegateId,
    },
    /// Every photo and template of the congress was deleted (`daihoi privacy purge`).
    BiometricsPurged {
        enrolments: u64,
        blobs: u64,
        at: DateTime<Utc>,
    },

    // ----- documents (see `crate::docs`) -----
    FolderCreated {
        id: FolderId,
        name: String,
    },
    FolderRenamed {
        id: FolderId,
        name: String,
    },
    /// Only an empty folder.
    FolderRemoved {
        id: FolderId,
    },
    DocumentAdded {
        id: DocumentId,
        fields: DocFields,
        at: DateTime<Utc>,
    },
    DocumentEdited {
        id: DocumentId,
        fields: DocFields,
    },
    DocumentRemoved {
        id: DocumentId,
    },
    /// A new file for a document (its first, or draft 2, final…); its text is extracted
    /// in the background.
    DocumentVersionAdded {
        doc: DocumentId,
        version: VersionInfo,
    },
    DocumentTextExtracted {
        doc: DocumentId,
        version: u32,
        text: TextInfo,
    },
    DocumentExtractionFailed {
        doc: DocumentId,
        version: u32,
        code: String,
        detail: String,
    },
    /// A confidential document was shown or downloaded (audit only; the actor is the reader).
    DocumentRead {
        doc: DocumentId,
        version: u32,
        /// text, page or download.
        how: String,
        page: Option<u32>,
    },
}

/// What changed, for live clients: each notice names topics, clients re-read those.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Congress,
    Program,
    Live,
    Announcements,
    Delegates,
    Accounts,
    Polls,
    /// A ballot was cast: only the voted/eligible counters move. Kept apart from `Polls`
    /// so that a burst of votes does not wake every delegate's phone.
    Votes,
    Documents,
    /// Check-ins, absences, departures: the attendance counters move.
    Attendance,
    /// Face enrolments changed (staff pages only).
    Enrolment,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Congress => "congress",
            Topic::Program => "program",
            Topic::Live => "live",
            Topic::Announcements => "announcements",
            Topic::Delegates => "delegates",
            Topic::Accounts => "accounts",
            Topic::Polls => "polls",
            Topic::Votes => "votes",
            Topic::Documents => "documents",
            Topic::Attendance => "attendance",
            Topic::Enrolment => "enrolment",
        }
    }
}

impl Event {
    /// The stable name of the variant, stored beside the payload.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::CongressConfigured { .. } => "congress_configured",
            Event::SessionAdded { .. } => "session_added",
            Event::SessionEdited { .. } => "session_edited",
            Event::SessionRemoved { .. } => "session_removed",
            Event::SessionOrderSet { .. } => "session_order_set",
            Event::ItemAdded { .. } => "item_added",
            Event::ItemEdited { .. } => "item_edited",
            Event::ItemRemoved { .. } => "item_removed",
            Event::ItemOrderSet { .. } => "item_order_set",
            Event::DelegatesImported { .. } => "delegates_imported",
            Event::DelegateQrRevoked { .. } => "delegate_qr_revoked",
            Event::AccountCreated { .. } => "account_created",
            Event::AccountEdited { .. } => "account_edited",
            Event::AccountPasswordSet { .. } => "account_password_set",
            Event::AccountSignInRevoked { .. } => "account_sign_in_revoked",
            Event::ApiTokenCreated { .. } => "api_token_created",
            Event::ApiTokenRevoked { .. } => "api_token_revoked",
            Event::SessionStarted { .. } => "session_started",
            Event::SessionEnded { .. } => "session_ended",
            Event::CurrentItemSet { .. } => "current_item_set",
            Event::AnnouncementPosted { .. } => "announcement_posted",
            Event::AnnouncementWithdrawn { .. } => "announcement_withdrawn",
            Event::PollCreated { .. } => "poll_created",
            Event::PollEdited { .. } => "poll_edited",
            Event::PollOpened { .. } => "poll_opened",
            Event::VoteCast { .. } => "vote_cast",
            Event::VoterMarked { .. } => "voter_marked",
            Event::PollClosed { .. } => "poll_closed",
            Event::PollPublished { .. } => "poll_published",
            Event::PollVoided { .. } => "poll_voided",
            Event::AttendanceMarked { .. } => "attendance_marked",
            Event::BaseRecorded { .. } => "base_recorded",
            Event::ManualCountEntered { .. } => "manual_count_entered",
            Event::ManualCountConfirmed { .. } => "manual_count_confirmed",
            Event::ManualCountDiscarded { .. } => "manual_count_discarded",
            Event::VoteRefused { .. } => "vote_refused",
            Event::FolderCreated { .. } => "folder_created",
            Event::FolderRenamed { .. } => "folder_renamed",
            Event::FolderRemoved { .. } => "folder_removed",
            Event::DocumentAdded { .. } => "document_added",
            Event::DocumentEdited { .. } => "document_edited",
            Event::DocumentRemoved { .. } => "document_removed",
            Event::DocumentVersionAdded { .. } => "document_version_added",
            Event::DocumentTextExtracted { .. } => "document_text_extracted",
            Event::DocumentExtractionFailed { .. } => "document_extraction_failed",
            Event::DocumentRead { .. } => "document_read",
            Event::CheckedIn { .. } => "checked_in",
            Event::MarkedAbsent { .. } => "marked_absent",
            Event::LeftEarly { .. } => "left_early",
            Event::FaceEnrolled { .. } => "face_enrolled",
            Event::FaceEnrolmentRemoved { .. } => "face_enrolment_removed",
            Event::BiometricsPurged { .. } => "biometrics_purged",
        }
    }

    pub fn topics(&self) -> &'static [Topic] {
        use Topic::*;
        match self {
            Event::CongressConfigured { .. } => &[Congress, Live],
            Event::SessionAdded { .. }
            | Event::SessionEdited { .. }
            | Event::SessionOrderSet { .. }
            | Event::ItemAdded { .. }
            | Event::ItemEdited { .. }
            | Event::ItemOrderSet { .. } => &[Program, Live],
            Event::SessionRemoved { .. } | Event::ItemRemoved { .. } => &[Program, Live],
            Event::DelegatesImported { .. } | Event::DelegateQrRevoked { .. } => &[Delegates],
            Event::AccountCreated { .. }
            | Event::AccountEdited { .. }
            | Event::AccountPasswordSet { .. }
            | Event::AccountSignInRevoked { .. }
            | Event::ApiTokenCreated { .. }
            | Event::ApiTokenRevoked { .. } => &[Accounts],
            Event::SessionStarted { .. }
            | Event::SessionEnded { .. }
            | Event::CurrentItemSet { .. } => &[Live, Program],
            Event::AnnouncementPosted { .. } | Event::AnnouncementWithdrawn { .. } => {
                &[Announcements]
            }
            Event::PollCreated { .. }
            | Event::PollEdited { .. }
            | Event::PollOpened { .. }
            | Event::PollClosed { .. }
            | Event::PollPublished { .. }
            | Event::PollVoided { .. }
            | Event::ManualCountEntered { .. }
            | Event::ManualCountConfirmed { .. }
            | Event::ManualCountDiscarded { .. } => &[Polls, Live],
            // Audit only: nothing a screen shows changes.
            Event::VoteCast { .. } | Event::VoterMarked { .. } => &[Votes],
            Event::VoteRefused { .. } => &[],
            Event::AttendanceMarked { .. } => &[Delegates, Polls, Attendance],
            Event::BaseRecorded { .. } => &[Congress, Polls],
            Event::FolderCreated { .. }
            | Event::FolderRenamed { .. }
            | Event::FolderRemoved { .. }
            | Event::DocumentAdded { .. }
            | Event::DocumentEdited { .. }
            | Event::DocumentRemoved { .. }
            | Event::DocumentVersionAdded { .. }
            | Event::DocumentTextExtracted { .. }
            | Event::DocumentExtractionFailed { .. } => &[Documents],
            Event::DocumentRead { .. } => &[],
            Event::CheckedIn { .. } | Event::MarkedAbsent { .. } | Event::LeftEarly { .. } => {
                &[Attendance]
            }
            Event::FaceEnrolled { .. }
            | Event::FaceEnrolmentRemoved { .. }
            | Event::BiometricsPurged { .. } => &[Enrolment],
        }
    }
}
