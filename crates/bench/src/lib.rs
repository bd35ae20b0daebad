//! Benchmarks of daihoi (not timed tests): durable events per second through the engine,
//! durable votes per second through the voting use case, and the latency of live notices
//! (and of a poll's result after its close) at thousands of connected clients. The binary
//! `daihoi-bench` runs them; `scripts/bench.sh` runs them all and rewrites the results
//! section of BENCHMARKS.md.

pub mod docs;
pub mod events;
pub mod ingest;
pub mod live;
pub mod report;
pub mod server;
pub mod stats;
pub mod votes;

/// Name prefix of the benchmark runtime's threads (clients, writers), for CPU accounting.
pub const CLIENT_THREADS: &str = "bench-rt";
/// Name of the thread that runs the engine's writer when it gets a runtime of its own.
pub const WRITER_THREAD: &str = "bench-writer";
/// Name prefix of sqlx's SQLite worker threads (truncated to 15 bytes by Linux).
pub const SQLITE_THREADS: &str = "sqlx-sqlite";

#[cfg(test)]
mod tests;
