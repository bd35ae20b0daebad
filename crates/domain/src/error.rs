//! One error type for the whole server, with stable codes.
//!
//! Messages are not formatted here: a [`Problem`] carries a catalogue key and arguments,
//! and the web layer renders it in the reader's language.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A translatable description of what is wrong: `key` names a catalogue entry
/// (`err.<key>`), `args` fill its `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// One problem in one row of an import file. `row` counts like a spreadsheet does
/// (the header is row 1); `column` is the header text as the file spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A field of the input is wrong; nothing was changed.
    #[error("invalid {field}: {}", problem.key)]
    Invalid {
        field: &'static str,
        problem: Problem,
    },
    /// The input is well formed but the current state does not allow it.
    #[error("conflict: {}", .0.key)]
    Conflict(Problem),
    #[error("not found: {what}")]
    NotFound { what: &'static str },
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("too many attempts")]
    RateLimited,
    #[error("payload too large (limit {limit_bytes} bytes)")]
    TooLarge { limit_bytes: u64 },
    /// An import file had problems; none of its rows was imported.
    #[error("import rejected: {} problem(s)", .0.len())]
    ImportRejected(Vec<RowProblem>),
    /// The storage failed; the cause is logged, the user sees a generic message.
    #[error("storage failure: {0}")]
    Storage(String),
}

impl Error {
    pub fn invalid(field: &'static str, key: &'static str) -> Self {
        Error::Invalid {
            field,
            problem: Problem::new(key),
        }
    }
    pub fn conflict(key: &'static str) -> Self {
        Error::Conflict(Problem::new(key))
    }

    /// The stable, machine-readable code. Clients may rely on these strings.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "INVALID_INPUT",
            Error::Conflict(p) => p.key,
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden => "FORBIDDEN",
            Error::RateLimited => "RATE_LIMITED",
            Error::TooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Error::ImportRejected(_) => "IMPORT_REJECTED",
            Error::Storage(_) => "STORAGE_FAILURE",
        }
    }
}
