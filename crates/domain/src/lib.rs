//! The congress domain: plain types, events and the state they build.
//!
//! Nothing here knows about HTTP, SQL or the wall clock: time arrives as a parameter
//! (`now`) and every change is expressed as an [`Event`] that [`CongressState::apply`]
//! folds into the state. Decisions (`CongressState::decide_*`) validate a command against
//! the current state and return the events to append, or an [`Error`] naming the problem.

pub mod attendance;
pub mod docs;
pub mod error;
pub mod event;
pub mod model;
pub mod poll;
pub mod role;
pub mod rules;
pub mod state;
pub mod text;

pub use error::{Error, Problem, Result, RowProblem};
pub use event::Event;
pub use model::*;
pub use role::{Capability, Role};
pub use state::CongressState;
