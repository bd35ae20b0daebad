//! Roles and what each may do. The server asks [`Role::can`] on every request.

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Presidium,
    Secretariat,
    CountingCommittee,
    Delegate,
    Guest,
    Kiosk,
    HallScreen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Create and edit the congress itself.
    ManageCongress,
    /// Accounts, roles, API tokens.
    ManageAccounts,
    /// Days, sessions, agenda items and their order.
    EditProgram,
    /// Import delegates, print badges, revoke QR codes.
    ManageDelegates,
    /// See the delegate list with personal data.
    ViewDelegates,
    /// Start and end sessions, move between agenda items.
    RunSession,
    /// Post and withdraw announcements.
    Announce,
    /// See the program, the live state and announcements.
    ViewProgram,
    /// Read and export the audit log.
    ViewAudit,
    /// Create, open, close, publish and void polls (biểu quyết).
    ManagePolls,
    /// Cast one's own ballot.
    Vote,
    /// Mark delegates present for a session; record the base B.
    RecordAttendance,
    /// Upload documents, manage folders, versions and who may read what.
    ManageDocuments,
    /// Read and search the documents one's access level allows.
    ReadDocuments,
    /// Check delegates in at the entrance (face, badge QR): the kiosk.
    CheckIn,
    /// Enrol faces, see portraits and templates, remove enrolments.
    ManageBiometrics,
    /// The attendance figures of a session (counts, not names).
    ViewAttendance,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Presidium,
        Role::Secretariat,
        Role::CountingCommittee,
        Role::Delegate,
        Role::Guest,
        Role::Kiosk,
        Role::HallScreen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Presidium => "presidium",
            Role::Secretariat => "secretariat",
            Role::CountingCommittee => "counting_committee",
            Role::Delegate => "delegate",
            Role::Guest => "guest",
            Role::Kiosk => "kiosk",
            Role::HallScreen => "hall_screen",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff roles sign in with a password; devices and delegates with a link or QR code.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Presidium | Role::Secretariat | Role::CountingCommittee
        )
    }

    pub fn can(self, cap: Capability) -> bool {
        use Capability::*;
        use Role::*;
        match cap {
            ManageCongress | ManageAccounts | ViewAudit => self == Admin,
            EditProgram | ManageDelegates => matches!(self, Admin | Secretariat),
            ViewDelegates => matches!(self, Admin | Secretariat | Presidium | CountingCommittee),
            RunSession | Announce => matches!(self, Admin | Presidium | Secretariat),
            ViewProgram => true,
            ManagePolls => matches!(self, Admin | Presidium | Secretariat),
            Vote => self == Delegate,
            RecordAttendance => matches!(self, Admin | Secretariat),
            ManageDocuments => matches!(self, Admin | Secretariat),
            ReadDocuments => !matches!(self, Kiosk | HallScreen),
            CheckIn => matches!(self, Admin | Secretariat | Kiosk),
            ManageBiometrics => matches!(self, Admin | Secretariat),
            ViewAttendance => matches!(
                self,
                Admin | Presidium | Secretariat | CountingCommittee | HallScreen | Kiosk
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_delegates_vote() {
        for r in Role::ALL {
            assert_eq!(r.can(Capability::Vote), r == Role::Delegate);
        }
        assert!(Role::Presidium.can(Capability::ManagePolls));
        assert!(!Role::Presidium.can(Capability::RecordAttendance));
        assert!(Role::Secretariat.can(Capability::RecordAttendance));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn biometrics_are_for_the_secretariat_and_admin_only() {
        for r in Role::ALL {
            assert_eq!(
                r.can(Capability::ManageBiometrics),
                matches!(r, Role::Admin | Role::Secretariat),
                "{r:?}"
            );
            assert_eq!(
                r.can(Capability::CheckIn),
                matches!(r, Role::Admin | Role::Secretariat | Role::Kiosk),
                "{r:?}"
            );
        }
        assert!(!Role::Delegate.can(Capability::ViewAttendance));
        assert!(Role::HallScreen.can(Capability::ViewAttendance));
    }

    #[test]
    fn only_admin_manages_accounts_and_delegates_run_nothing() {
        for r in Role::ALL {
            assert_eq!(r.can(Capability::ManageAccounts), r == Role::Admin);
        }
        for cap in [
            Capability::RunSession,
            Capability::Announce,
            Capability::EditProgram,
            Capability::ViewDelegates,
            Capability::ManagePolls,
            Capability::RecordAttendance,
        ] {
            assert!(!Role::Delegate.can(cap));
            assert!(!Role::HallScreen.can(cap));
            assert!(!Role::Kiosk.can(cap));
            assert!(!Role::Guest.can(cap));
        }
    }
}
