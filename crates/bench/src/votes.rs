//! Durable votes per second through the use case the HTTP handler calls, `App::cast_vote`:
//! decide (eligibility, already voted, idempotency key), the secret poll's counter
//! increments or the named poll's `VoteCast`, one group commit with everything else the
//! writer has queued, acknowledged once durable, then the receipt (an HMAC).
//!
//! Each (mode, concurrency) run gets a fresh store and a fresh Party congress with
//! `voters` official delegates, B recorded and one poll (eligibility: every voting member)
//! opened. Then W tasks take voter indices from one counter and cast one ballot each until
//! everybody has voted. Afterwards the poll is closed and its result must count exactly
//! the ballots sent, option by option, and `verify_chain` must find the whole log intact.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, Clock, Principal, Subject, SystemClock};
use daihoi_domain::model::{DelegateFields, DelegateKind, PollId};
use daihoi_domain::poll::PollInput;
use daihoi_domain::state::CongressInput;
use daihoi_domain::{CongressState, Role};
use serde::{Deserialize, Serialize};

use crate::events::{Backend, EventsOptions, Scratch, TimedStore, cpu_now};
use crate::stats::{Summary, summarize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum VoteMode {
    #[default]
    /// The event marks the voter; the choice goes to counters in the same transaction.
    Secret,
    /// The ballot is an event (`VoteCast`).
    Named,
}

impl VoteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VoteMode::Secret => "secret",
            VoteMode::Named => "named",
        }
    }
}

#[derive(Debug, Clone)]
pub struct VotesOptions {
    pub backend: Backend,
    /// Official delegates, each casting one ballot per run.
    pub voters: usize,
    /// Concurrent casting tasks, one run (fresh store) each.
    pub concurrency: Vec<usize>,
    pub modes: Vec<VoteMode>,
    /// Admin URL of the PostgreSQL server (a scratch database per run).
    pub postgres_url: String,
    /// Where the SQLite files go.
    pub dir: Option<PathBuf>,
}

impl Default for VotesOptions {
    fn default() -> Self {
        VotesOptions {
            backend: Backend::Sqlite,
            voters: 10_000,
            concurrency: vec![1, 16, 64, 256],
            modes: vec![VoteMode::Secret, VoteMode::Named],
            postgres_url: daihoi_store_postgres::test_admin_url(),
            dir: None,
        }
    }
}

/// The ballots cast, in the order the benchmark sends them (every fifth voter abstains,
/// every fifth disagrees, the rest agree). Every other voter sends an idempotency key.
pub const CHOICES: [&str; 5] = ["agree", "agree", "disagree", "abstain", "agree"];
/// The poll's options, in its order (the default three).
pub const OPTIONS: [&str; 3] = ["agree", "disagree", "abstain"];

/// One run: `voters` ballots at `concurrency` concurrent voters on a fresh store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoteRun {
    pub mode: VoteMode,
    pub concurrency: usize,
    pub voters: usize,
    /// From the first cast to the last acknowledgement.
    pub seconds: f64,
    pub votes_per_sec: f64,
    /// From calling `cast_vote` to its return (durable, receipt made), per ballot.
    pub ack: Summary,
    /// Group commits during the casting, their sizes and the writer's time in the store.
    pub commits: u64,
    pub mean_batch: f64,
    pub max_batch: usize,
    pub writer_busy_pct: f64,
    pub append: Summary,
    /// CPU seconds during the casting: the whole process, its runtime's worker threads,
    /// sqlx's SQLite thread, and other processes (the PostgreSQL server, anything else).
    pub cpu_process_s: f64,
    pub cpu_runtime_s: f64,
    pub cpu_sqlite_s: f64,
    pub cpu_other_s: f64,
    /// Store, congress, delegates, B, poll: untimed preparation.
    pub setup_s: f64,
    /// Ballots sent per option and what the closed poll counted.
    pub sent: Vec<(String, u64)>,
    pub counted: Vec<(String, u64)>,
    pub ballots_counted: u64,
    pub counts_match: bool,
    /// `close_poll` (reads the counters for a secret poll).
    pub close_ms: f64,
    /// What `verify_chain` found after the close, and the engine's head.
    pub stored_events: u64,
    pub head_seq: i64,
    pub chain_intact: bool,
}

/// Per-ballot CPU costs measured in isolation on one thread (nanoseconds): the work the
/// engine does under its state write lock for one vote, and the receipt made after it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VoteBreakdown {
    pub mode: VoteMode,
    pub voters: usize,
    /// `CongressState::decide_cast` (eligibility, already voted, choices, key).
    pub decide_ns: f64,
    /// `serde_json::to_string` of the event.
    pub serialize_ns: f64,
    /// `StoredEvent::next` (SHA-256 chain hash).
    pub chain_hash_ns: f64,
    /// `CongressState::apply` of the event.
    pub apply_ns: f64,
    /// `Keys::receipt` (HMAC), outside the lock.
    pub receipt_ns: f64,
    pub payload_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VotesReport {
    pub backend: Backend,
    pub details: Vec<(String, String)>,
    pub voters: usize,
    pub runs: Vec<VoteRun>,
    pub breakdown: Vec<VoteBreakdown>,
}

fn app_err(e: daihoi_domain::Error) -> anyhow::Error {
    anyhow!("{e} ({})", e.code())
}

/// A delegate's signed-in principal, as the web layer builds it from the cookie.
pub fn delegate_principal(id: daihoi_domain::model::DelegateId) -> Principal {
    Principal {
        subject: Subject::Delegate(id),
        role: Role::Delegate,
        display_name: String::new(),
        csrf: None,
    }
}

/// An official delegate for the benchmark's imports.
pub fn official(i: usize) -> DelegateFields {
    DelegateFields {
        code: format!("BV{i:05}"),
        full_name: format!("Đại biểu thử nghiệm {i}"),
        birth_date: None,
        gender: None,
        ethnicity: "Kinh".into(),
        position: String::new(),
        unit: String::new(),
        delegation: format!("Đoàn {}", i % 40 + 1),
        group: format!("Tổ {}", i % 120 + 1),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: Default::default(),
    }
}

struct Prepared {
    scratch: Scratch,
    timed: Arc<TimedStore>,
    app: Arc<App>,
    admin: Principal,
    poll: PollId,
    voters: Arc<Vec<Principal>>,
}

async fn prepare(
    opts: &VotesOptions,
    mode: VoteMode,
    label: &str,
) -> anyhow::Result<(Prepared, Vec<(String, String)>)> {
    let eo = EventsOptions {
        backend: opts.backend,
        postgres_url: opts.postgres_url.clone(),
        dir: opts.dir.clone(),
        ..EventsOptions::default()
    };
    let scratch = Scratch::open(opts.backend, &eo, label).await?;
    let details = scratch.details.clone();
    let timed = Arc::new(TimedStore::new(scratch.store.clone()));
    let app = App::open(timed.clone(), Arc::new(SystemClock), "http://127.0.0.1")
        .await
        .map_err(app_err)?;
    let admin_id = app
        .setup(&SetupInput {
            congress: CongressInput {
                name: "Đại hội đại biểu Đảng bộ tỉnh (đo hiệu năng)".into(),
                place: "Hội trường lớn".into(),
                starts_on: "01/12/2026".into(),
                ends_on: "03/12/2026".into(),
                kind: "party_congress".into(),
            },
            username: "admin".into(),
            display_name: "Quản trị hệ thống".into(),
            password: "mật-khẩu-đo-hiệu-năng-rất-dài".into(),
        })
        .await
        .map_err(app_err)?;
    let admin = Principal {
        subject: Subject::Account(admin_id),
        role: Role::Admin,
        display_name: "Quản trị hệ thống".into(),
        csrf: None,
    };
    let n = opts.voters.max(1);
    app.import_rows(&admin, "bench", (1..=n).map(official).collect())
        .await
        .map_err(app_err)?;
    app.record_base(&admin, n as u64, "Báo cáo thẩm tra tư cách đại biểu")
        .await
        .map_err(app_err)?;
    let poll = app
        .create_poll(
            &admin,
            &PollInput {
                title: "Thông qua Nghị quyết Đại hội".into(),
                mode: mode.as_str().into(),
                eligibility: "all_voting_members".into(),
                ..Default::default()
            },
        )
        .await
        .map_err(app_err)?;
    app.open_poll(&admin, poll).await.map_err(app_err)?;
    let mut ids: Vec<_> = app.read(|s| {
        s.delegates()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .map(|d| d.id)
            .collect()
    });
    ids.sort();
    if ids.len() != n {
        bail!("{} official delegates, expected {n}", ids.len());
    }
    let voters = Arc::new(ids.into_iter().map(delegate_principal).collect());
    Ok((
        Prepared {
            scratch,
            timed,
            app,
            admin,
            poll,
            voters,
        },
        details,
    ))
}

/// The idempotency key voter `i` sends (every other voter sends one).
pub fn key_of(i: usize) -> Option<String> {
    i.is_multiple_of(2).then(|| format!("bench-ballot-{i:08}"))
}

/// Cast every voter's ballot with `w` concurrent tasks; returns the latencies, the
/// ballots sent per option, and the instant of the last acknowledgement.
async fn cast_all(
    app: &Arc<App>,
    poll: PollId,
    voters: &Arc<Vec<Principal>>,
    w: usize,
) -> anyhow::Result<(Vec<Duration>, [u64; 3], Instant, Instant)> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(w);
    for _ in 0..w.max(1) {
        let (app, voters, next) = (app.clone(), voters.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(voters.len() / w.max(1) + 1);
            let mut sent = [0u64; 3];
            let mut last = Instant::now();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = voters.get(i) else { break };
                let choice = CHOICES[i % CHOICES.len()];
                let key = key_of(i);
                let t = Instant::now();
                app.cast_vote(p, poll, &[choice.to_string()], key.as_deref())
                    .await
                    .map_err(|e| anyhow!("voter {i}: {e} ({})", e.code()))?;
                last = Instant::now();
                lat.push(last - t);
                if let Some(k) = OPTIONS.iter().position(|o| *o == choice) {
                    sent[k] += 1;
                }
            }
            Ok::<_, anyhow::Error>((lat, sent, last))
        }));
    }
    let mut all = Vec::with_capacity(voters.len());
    let mut sent = [0u64; 3];
    let mut last = start;
    for t in tasks {
        let (lat, s, l) = t.await??;
        all.extend(lat);
        for k in 0..3 {
            sent[k] += s[k];
        }
        last = last.max(l);
    }
    Ok((all, sent, start, last))
}

/// One (mode, concurrency) run on a fresh store.
pub async fn vote_run(
    opts: &VotesOptions,
    mode: VoteMode,
    w: usize,
) -> anyhow::Result<(VoteRun, Vec<(String, String)>, Option<VoteBreakdown>)> {
    let t_setup = Instant::now();
    let label = format!("votes_{}_{w}", mode.as_str());
    let (p, details) = prepare(opts, mode, &label).await?;
    let setup_s = t_setup.elapsed().as_secs_f64();
    // For the isolated per-ballot costs, once per mode.
    let snapshot =
        (w == opts.concurrency.first().copied().unwrap_or(w)).then(|| p.app.read(|s| s.clone()));
    p.timed.take();
    let cpu0 = cpu_now();
    let (lat, sent, start, last) = cast_all(&p.app, p.poll, &p.voters, w).await?;
    let cpu = cpu_now().minus(&cpu0);
    let appends = p.timed.take();
    let seconds = (last - start).as_secs_f64().max(1e-9);
    let n = lat.len();

    let t_close = Instant::now();
    p.app
        .close_poll(&p.admin, p.poll)
        .await
        .map_err(app_err)
        .context("close the poll")?;
    let close_ms = t_close.elapsed().as_secs_f64() * 1000.0;
    let result = p
        .app
        .read(|s| s.poll_result(p.poll))
        .map_err(app_err)
        .context("the poll's result")?;
    let counted: Vec<(String, u64)> = result
        .questions
        .first()
        .map(|q| q.counts.iter().map(|(k, s)| (k.clone(), s.part)).collect())
        .unwrap_or_default();
    let sent: Vec<(String, u64)> = OPTIONS
        .iter()
        .zip(sent)
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let counts_match = counted == sent && result.ballots == n as u64 && n == opts.voters.max(1);
    let head_seq = p.app.engine.head_seq();
    let (stored_events, chain_intact) = if opts.backend == Backend::Null {
        (head_seq.max(0) as u64, true)
    } else {
        let r = daihoi_store::verify_chain(p.scratch.store.as_ref()).await?;
        (r.events, r.broken.is_none() && r.events as i64 == head_seq)
    };
    let breakdown = match snapshot {
        Some(state) => Some(breakdown(&p, state, mode)?),
        None => None,
    };
    let Prepared {
        scratch,
        timed,
        app,
        ..
    } = p;
    drop(app);
    drop(timed);
    scratch.remove().await?;

    let commits = appends.len() as u64;
    let batched: usize = appends.iter().map(|(n, _)| n).sum();
    let busy: Duration = appends.iter().map(|(_, d)| *d).sum();
    Ok((
        VoteRun {
            mode,
            concurrency: w,
            voters: n,
            seconds,
            votes_per_sec: n as f64 / seconds,
            ack: summarize(lat),
            commits,
            mean_batch: if commits > 0 {
                batched as f64 / commits as f64
            } else {
                0.0
            },
            max_batch: appends.iter().map(|(n, _)| *n).max().unwrap_or(0),
            writer_busy_pct: 100.0 * busy.as_secs_f64() / seconds,
            append: summarize(appends.into_iter().map(|(_, d)| d).collect()),
            cpu_process_s: cpu.process,
            cpu_runtime_s: cpu.runtime,
            cpu_sqlite_s: cpu.sqlite,
            cpu_other_s: (cpu.system - cpu.process).max(0.0),
            setup_s,
            sent,
            counted,
            ballots_counted: result.ballots,
            counts_match,
            close_ms,
            stored_events,
            head_seq,
            chain_intact,
        },
        details,
        breakdown,
    ))
}

/// Time, on one thread and in isolation, what one ballot costs under the state lock and
/// after it, against `state`: a copy of the run's state taken when the poll had opened and
/// nobody had voted yet.
fn breakdown(
    p: &Prepared,
    mut state: CongressState,
    mode: VoteMode,
) -> anyhow::Result<VoteBreakdown> {
    use daihoi_store::{GENESIS, StoredEvent};
    let now = SystemClock.now();
    let poll = p.poll;
    let n = p.voters.len().min(5000);
    let mut outcomes = Vec::with_capacity(n);
    let t = Instant::now();
    for (i, v) in p.voters.iter().take(n).enumerate() {
        let voter = v.delegate_id().ok_or_else(|| anyhow!("not a delegate"))?;
        let key = key_of(i);
        outcomes.push(
            state
                .decide_cast(
                    poll,
                    voter,
                    &[CHOICES[i % CHOICES.len()].to_string()],
                    key.as_deref(),
                    now,
                )
                .map_err(app_err)?,
        );
    }
    let decide = t.elapsed();
    let t = Instant::now();
    let mut payloads = Vec::with_capacity(n);
    for o in &outcomes {
        for e in &o.events {
            payloads.push((e.kind(), serde_json::to_string(e)?));
        }
    }
    let ser = t.elapsed();
    let payload_bytes = payloads.first().map(|p| p.1.len()).unwrap_or(0);
    let t = Instant::now();
    let (mut seq, mut hash) = (0i64, GENESIS);
    for (kind, payload) in payloads {
        let e = StoredEvent::next(
            seq,
            hash,
            now,
            "delegate:1".into(),
            kind.to_string(),
            payload,
        );
        seq = e.seq;
        hash = e.hash;
    }
    let h = t.elapsed();
    let t = Instant::now();
    for o in &outcomes {
        for e in &o.events {
            state.apply(e);
        }
    }
    let apply = t.elapsed();
    let t = Instant::now();
    let mut sink = 0usize;
    for o in &outcomes {
        sink += p.app.keys.receipt(&o.receipt_basis).len();
    }
    let receipt = t.elapsed();
    if sink == 0 {
        bail!("empty receipts");
    }
    let per = |d: Duration| d.as_nanos() as f64 / n.max(1) as f64;
    Ok(VoteBreakdown {
        mode,
        voters: p.voters.len(),
        decide_ns: per(decide),
        serialize_ns: per(ser),
        chain_hash_ns: per(h),
        apply_ns: per(apply),
        receipt_ns: per(receipt),
        payload_bytes,
    })
}

/// The whole `votes` benchmark for one backend.
pub async fn run(opts: &VotesOptions) -> anyhow::Result<VotesReport> {
    let mut runs = Vec::new();
    let mut details = Vec::new();
    let mut breakdowns = Vec::new();
    for &mode in &opts.modes {
        for &w in &opts.concurrency {
            let (r, d, b) = vote_run(opts, mode, w).await?;
            eprintln!(
                "votes {} {:<6} W={:<4} {:>6} ballots in {:>6.2} s = {:>8.0} votes/s  ack p50 {:.2} ms p99 {:.2} ms max {:.2} ms  commits {} (mean batch {:.1}, max {}) writer busy {:.0}%  cpu all {:.2} sqlite {:.2} other {:.2} s  counted {:?} match {} chain {} ({} events)",
                opts.backend.as_str(),
                mode.as_str(),
                w,
                r.voters,
                r.seconds,
                r.votes_per_sec,
                r.ack.p50_ms,
                r.ack.p99_ms,
                r.ack.max_ms,
                r.commits,
                r.mean_batch,
                r.max_batch,
                r.writer_busy_pct,
                r.cpu_process_s,
                r.cpu_sqlite_s,
                r.cpu_other_s,
                r.counted,
                r.counts_match,
                r.chain_intact,
                r.stored_events
            );
            if !r.counts_match || !r.chain_intact {
                bail!(
                    "votes {} W={w}: sent {:?}, counted {:?} ({} ballots), chain intact {}",
                    mode.as_str(),
                    r.sent,
                    r.counted,
                    r.ballots_counted,
                    r.chain_intact
                );
            }
            if details.is_empty() {
                details = d;
            }
            if let Some(b) = b {
                eprintln!(
                    "votes {} per ballot (isolated, ns): decide {:.0} serialize {:.0} chain hash {:.0} apply {:.0} receipt {:.0}",
                    mode.as_str(),
                    b.decide_ns,
                    b.serialize_ns,
                    b.chain_hash_ns,
                    b.apply_ns,
                    b.receipt_ns
                );
                breakdowns.push(b);
            }
            runs.push(r);
        }
    }
    Ok(VotesReport {
        backend: opts.backend,
        details,
        voters: opts.voters,
        runs,
        breakdown: breakdowns,
    })
}
