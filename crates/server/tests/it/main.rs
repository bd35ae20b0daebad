//! The integration tests of the `daihoi` server, in ONE binary (each file directly under
//! `tests/` would be a separate binary and link: see `../DO_NOT_ADD_MORE_TEST_FILES_HERE`).
//!
//! Every test starts its own server on 127.0.0.1:0 over a fresh database. Tests that
//! depend on the storage backend run against both: `both_backends!` makes a `_sqlite` and
//! a `_postgres` test of one `async fn(Backend)`. PostgreSQL must answer at
//! `DAIHOI_TEST_POSTGRES` (default postgres://postgres@127.0.0.1:5432/test): the
//! `_postgres` tests fail, never skip, when it does not.

// This whole crate is test code. clippy.toml allows unwrap/expect/panic in tests, but its
// notion of "test" covers only #[test] functions, not the scenario functions and helpers
// they call: allow them here, for this binary only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// `both_backends!(scenario: scenario_sqlite, scenario_postgres);` where `scenario` is an
/// `async fn(daihoi_testkit::Backend)` of the current module.
macro_rules! both_backends {
    ($scenario:ident: $sqlite:ident, $postgres:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $scenario(daihoi_testkit::Backend::Sqlite).await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            $scenario(daihoi_testkit::Backend::Postgres).await
        }
    };
}

mod basics;
mod cli;
mod common;
mod csrf;
mod documents;
mod limits;
mod live;
mod postgres;
mod qr;
mod roles;
mod setup;
mod signin;
mod voting;
