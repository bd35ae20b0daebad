//! `daihoi-bench`: benchmarks of daihoi. See BENCHMARKS.md and scripts/bench.sh.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use daihoi_bench::docs::DocsOptions;
use daihoi_bench::events::{Backend, EventsOptions};
use daihoi_bench::live::{LiveOptions, ServerMode};
use daihoi_bench::report;
use daihoi_bench::server::{Scenario, ServerSetup};
use daihoi_bench::stats::raise_nofile;
use daihoi_bench::votes::{VoteMode, VotesOptions};

#[derive(Parser)]
#[command(
    name = "daihoi-bench",
    about = "Benchmarks of daihoi: durable events per second, live-notice latency"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Durable events per second through the engine (and the raw store for reference).
    Events {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: Backend,
        /// Events per writer level; without it each level runs for --seconds.
        #[arg(long)]
        events: Option<u64>,
        /// Concurrent writers, one run each.
        #[arg(long, value_delimiter = ',', default_values_t = [1usize, 16, 64, 256])]
        writers: Vec<usize>,
        #[arg(long, default_value_t = 6.0)]
        seconds: f64,
        /// Raw Store::append batch sizes (0: skip).
        #[arg(long, value_delimiter = ',', default_values_t = [1usize, 100, 1000])]
        raw_batches: Vec<usize>,
        #[arg(long, default_value_t = 3.0)]
        raw_seconds: f64,
        /// PostgreSQL admin URL (a scratch database is created and dropped).
        #[arg(
            long,
            env = "DAIHOI_TEST_POSTGRES",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        postgres_url: String,
        /// Directory for the SQLite files (default: the system's temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Experiment: run the engine's writer task on a one-thread runtime of its own.
        #[arg(long)]
        dedicated_writer: bool,
        /// Write the results as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Durable votes per second through `App::cast_vote` (what POST /api/v1/polls/{id}/vote
    /// calls), one fresh store and congress per (mode, concurrency).
    Votes {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: Backend,
        /// Official delegates; each casts one ballot per run.
        #[arg(long, default_value_t = 10_000)]
        voters: usize,
        /// Concurrent voters, one run each.
        #[arg(long, value_delimiter = ',', default_values_t = [1usize, 16, 64, 256])]
        concurrency: Vec<usize>,
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = [VoteMode::Secret, VoteMode::Named])]
        mode: Vec<VoteMode>,
        #[arg(
            long,
            env = "DAIHOI_TEST_POSTGRES",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        postgres_url: String,
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Time from a presidium action to its arrival at N live clients.
    Live {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        #[arg(long, default_value_t = 20)]
        actions: usize,
        #[arg(long, value_enum, default_value = "child")]
        server: ServerMode,
        /// Worker threads of the in-process server's runtime.
        #[arg(long, default_value_t = 2)]
        server_workers: usize,
        /// Milliseconds between one action's last arrival and the next action.
        #[arg(long, default_value_t = 200)]
        pause_ms: u64,
        #[arg(long, default_value_t = 30)]
        action_timeout_s: u64,
        #[arg(long, default_value_t = 256)]
        connect_concurrency: usize,
        /// Accept-Encoding of the re-read ("" sends none).
        #[arg(long, default_value = "gzip, deflate, br, zstd")]
        accept_encoding: String,
        /// Only the notice, no re-read of /fragments/live.
        #[arg(long)]
        no_reread: bool,
        /// HTTP/1.1 (two connections per client) instead of HTTP/2 (one).
        #[arg(long)]
        http1: bool,
        /// program: start a session and step through it. close-poll: per action, open a
        /// poll, let --voters delegates vote (untimed), close it (timed) and re-read the
        /// hall screen's fragment with the result.
        #[arg(long, value_enum, default_value = "program")]
        scenario: Scenario,
        /// close-poll: official delegates who vote before each close.
        #[arg(long, default_value_t = 1600)]
        voters: usize,
        /// close-poll: ballots in flight at once while voting.
        #[arg(long, default_value_t = 32)]
        vote_concurrency: usize,
        /// close-poll: give up on one action's voting after this many seconds.
        #[arg(long, default_value_t = 300)]
        prep_timeout_s: u64,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Full-text search of documents (daihoi-search): build time, size on disk and query
    /// latency with 10 highlighted snippets, at 10,000 and 100,000 generated pages.
    DocsSearch {
        /// Index sizes in pages, one run each.
        #[arg(long, value_delimiter = ',', default_values_t = [10_000usize, 100_000])]
        pages: Vec<usize>,
        #[arg(long, default_value_t = 450)]
        syllables_per_page: usize,
        /// Runs of each query of the mix.
        #[arg(long, default_value_t = 30)]
        repeats: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Directory for the indexes (default: the system's temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Document ingest: upload → extracted → searchable, pages per second, for a text PDF
    /// and for scans (OCR), through the server's use cases and background worker.
    DocsIngest {
        #[arg(long, default_value_t = 500)]
        text_pages: usize,
        #[arg(long, default_value_t = 5)]
        scan_pages: usize,
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// (Used by `live --server child`.) Serve the demo congress on 127.0.0.1:0, print the
    /// handoff as one JSON line, stop when stdin closes or after --max-seconds.
    #[command(hide = true)]
    Serve {
        #[arg(long, default_value_t = 1800)]
        max_seconds: u64,
        #[arg(long, value_enum, default_value = "program")]
        scenario: Scenario,
        #[arg(long, default_value_t = 1600)]
        voters: usize,
        #[arg(long, default_value_t = 20)]
        actions: usize,
    },
    /// Rewrite the results section of BENCHMARKS.md from the JSON files in --results.
    Report {
        #[arg(long)]
        results: PathBuf,
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
        #[arg(long, default_value = "")]
        commit: String,
        #[arg(long, default_value = "")]
        date: String,
        #[arg(long, default_value = "")]
        rustc: String,
        #[arg(long, default_value = "scripts/bench.sh")]
        command: String,
    },
}

fn write_json<T: serde::Serialize>(path: &Option<PathBuf>, v: &T) -> anyhow::Result<()> {
    if let Some(p) = path {
        std::fs::write(p, serde_json::to_string_pretty(v)?)?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let name = if matches!(cli.cmd, Cmd::Serve { .. }) {
        "daihoi-server"
    } else {
        daihoi_bench::CLIENT_THREADS
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.cmd {
            Cmd::Events {
                backend,
                events,
                writers,
                seconds,
                raw_batches,
                raw_seconds,
                postgres_url,
                dir,
                dedicated_writer,
                json,
            } => {
                let opts = EventsOptions {
                    backend,
                    writers,
                    events,
                    seconds,
                    raw_batches: raw_batches.into_iter().filter(|b| *b > 0).collect(),
                    raw_seconds,
                    postgres_url,
                    dir,
                    dedicated_writer,
                    ..EventsOptions::default()
                };
                let r = daihoi_bench::events::run(&opts).await?;
                write_json(&json, &r)?;
                let mut md = String::new();
                report::events_section(&mut md, &r);
                report::breakdown_section(&mut md, &r);
                println!("{md}");
            }
            Cmd::Votes {
                backend,
                voters,
                concurrency,
                mode,
                postgres_url,
                dir,
                json,
            } => {
                let opts = VotesOptions {
                    backend,
                    voters,
                    concurrency,
                    modes: mode,
                    postgres_url,
                    dir,
                };
                let r = daihoi_bench::votes::run(&opts).await?;
                write_json(&json, &r)?;
                let mut md = String::new();
                report::votes_section(&mut md, &r);
                println!("{md}");
            }
            Cmd::Live {
                clients,
                actions,
                server,
                server_workers,
                pause_ms,
                action_timeout_s,
                connect_concurrency,
                accept_encoding,
                no_reread,
                http1,
                scenario,
                voters,
                vote_concurrency,
                prep_timeout_s,
                json,
            } => {
                let limit = raise_nofile((clients as u64) * 2 + 4096);
                eprintln!("live: open-file limit {limit}");
                let opts = LiveOptions {
                    clients,
                    actions,
                    server,
                    server_workers,
                    pause: Duration::from_millis(pause_ms),
                    action_timeout: Duration::from_secs(action_timeout_s),
                    connect_concurrency,
                    accept_encoding: Some(accept_encoding).filter(|s| !s.is_empty()),
                    reread: !no_reread,
                    http2: !http1,
                    scenario,
                    voters,
                    vote_concurrency,
                    prep_timeout: Duration::from_secs(prep_timeout_s),
                    ..LiveOptions::default()
                };
                let r = daihoi_bench::live::run(&opts).await?;
                write_json(&json, &r)?;
                let mut md = String::new();
                if report::is_close_poll(&r) {
                    report::close_poll_section(&mut md, std::slice::from_ref(&r));
                } else {
                    report::live_section(&mut md, std::slice::from_ref(&r));
                }
                println!("{md}");
            }
            Cmd::DocsSearch {
                pages,
                syllables_per_page,
                repeats,
                seed,
                dir,
                json,
            } => {
                let opts = DocsOptions {
                    sizes: pages,
                    syllables_per_page,
                    repeats,
                    seed,
                    dir,
                    ..DocsOptions::default()
                };
                // CPU-bound and synchronous: off the runtime's workers.
                let r =
                    tokio::task::spawn_blocking(move || daihoi_bench::docs::run(&opts)).await??;
                write_json(&json, &r)?;
                println!("{}", daihoi_bench::docs::markdown(&r));
            }
            Cmd::DocsIngest {
                text_pages,
                scan_pages,
                json,
            } => {
                let opts = daihoi_bench::ingest::IngestOptions {
                    text_pages,
                    scan_pages,
                };
                let r = daihoi_bench::ingest::run(&opts).await?;
                write_json(&json, &r)?;
                println!("{}", daihoi_bench::ingest::markdown(&r));
            }
            Cmd::Serve {
                max_seconds,
                scenario,
                voters,
                actions,
            } => {
                raise_nofile(65_536);
                let setup = ServerSetup {
                    scenario,
                    voters,
                    actions,
                };
                daihoi_bench::server::child_main(max_seconds, setup).await?;
                // Open event streams would keep the runtime's shutdown waiting.
                std::process::exit(0);
            }
            Cmd::Report {
                results,
                out,
                commit,
                date,
                rustc,
                command,
            } => {
                let results = report::load(&results)?;
                let meta = report::Meta {
                    date,
                    commit,
                    rustc,
                    command,
                };
                let block = report::render(&report::Machine::detect(), &meta, &results);
                report::write_into(&out, &block)?;
                println!("{block}");
            }
        }
        Ok(())
    })
}
