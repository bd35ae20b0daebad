//! Use cases: each authorises the caller, validates through the domain, appends its events
//! durably and publishes a notice after commit. The web layer and the command line call
//! these; they never touch the state or the store directly.

pub mod auth;
pub mod clock;
pub mod docs;
pub mod engine;
pub mod i18n;
pub mod pollview;
pub mod usecases;

pub use auth::{Keys, Principal, Subject};
pub use clock::{Clock, FixedClock, SystemClock};
pub use engine::{Engine, Notice};
pub use i18n::{Catalogue, Lang};
pub use usecases::App;
