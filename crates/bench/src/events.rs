//! Durable events per second through the engine, and the raw store for reference.
//!
//! Many concurrent tasks call `Engine::execute` with one small announcement each; an
//! acknowledgement (execute returning) means the event is on disk. The store under the
//! engine is wrapped in [`TimedStore`], which records every group commit (batch size and
//! append time), so the report can say how busy the writer was and how well it batched.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use daihoi_app::{Clock, Engine, SystemClock};
use daihoi_domain::model::{Actor, Announcement, AnnouncementId};
use daihoi_domain::{CongressState, Event};
use daihoi_store::{GENESIS, Store, StoreError, StoreResult, StoredEvent, TallyDelta};
use serde::{Deserialize, Serialize};

use crate::stats::{Summary, cpu_seconds, summarize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
    /// An in-memory store that keeps nothing: the engine's own ceiling, no I/O at all.
    Null,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Null => "null",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EventsOptions {
    pub backend: Backend,
    /// Concurrent writers, one engine run per value.
    pub writers: Vec<usize>,
    /// Events per run; `None`: run each for `seconds`.
    pub events: Option<u64>,
    pub seconds: f64,
    /// Raw `Store::append` batch sizes; each runs for `raw_seconds` (or `raw_max_appends`).
    pub raw_batches: Vec<usize>,
    pub raw_seconds: f64,
    pub raw_max_appends: u64,
    /// Admin URL of the PostgreSQL server (a scratch database is created and dropped).
    pub postgres_url: String,
    /// Where the SQLite files go (a temporary directory inside it).
    pub dir: Option<PathBuf>,
    /// Run the engine's writer task on a runtime of its own (one thread) instead of the
    /// runtime the writers' tasks use. An experiment: the library spawns it on the
    /// caller's runtime.
    pub dedicated_writer: bool,
}

impl Default for EventsOptions {
    fn default() -> Self {
        EventsOptions {
            backend: Backend::Sqlite,
            writers: vec![1, 16, 64, 256],
            events: None,
            seconds: 6.0,
            raw_batches: vec![1, 100, 1000],
            raw_seconds: 3.0,
            raw_max_appends: 1_000_000,
            postgres_url: daihoi_store_postgres::test_admin_url(),
            dir: None,
            dedicated_writer: false,
        }
    }
}

/// One engine run at a given number of concurrent writers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineRun {
    pub writers: usize,
    /// Events acknowledged (durable).
    pub events: u64,
    pub seconds: f64,
    pub events_per_sec: f64,
    /// From calling `execute` to its return (durable), per event.
    pub ack: Summary,
    /// Group commits (store appends) made by the engine's writer.
    pub commits: u64,
    pub mean_batch: f64,
    pub max_batch: usize,
    /// Share of the wall time the writer spent inside `Store::append`.
    pub writer_busy_pct: f64,
    /// Duration of each store append (one per commit).
    pub append: Summary,
    /// CPU seconds during the run: the runtime's worker threads (writers' tasks and, unless
    /// dedicated, the engine's writer), the dedicated writer thread, sqlx's SQLite worker
    /// thread, and the whole process.
    pub cpu_runtime_s: f64,
    pub cpu_writer_s: f64,
    pub cpu_sqlite_s: f64,
    pub cpu_process_s: f64,
    /// CPU seconds other processes used meanwhile (the PostgreSQL server for postgres,
    /// and anything else running on the machine).
    pub cpu_other_s: f64,
}

/// Raw `Store::append` of batches, one after another, no engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawRun {
    pub batch: usize,
    pub appends: u64,
    pub events: u64,
    pub seconds: f64,
    pub events_per_sec: f64,
    pub append: Summary,
}

/// Per-event CPU costs measured in isolation on one thread (nanoseconds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Breakdown {
    pub payload_bytes: usize,
    /// `serde_json::to_string(&event)`, done by `execute` under the state lock.
    pub serialize_ns: f64,
    /// `StoredEvent::next` (SHA-256 chain hash + truncation), under the state lock.
    pub chain_hash_ns: f64,
    /// `CongressState::apply`, under the state lock.
    pub apply_ns: f64,
    /// Clone of the event (the bench builds one per call; `execute` takes the Vec).
    pub build_ns: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventsReport {
    pub backend: Backend,
    /// Versions and durability settings actually in force.
    pub details: Vec<(String, String)>,
    pub engine: Vec<EngineRun>,
    pub raw: Vec<RawRun>,
    /// What `verify_chain` found in the engine's store after all runs.
    pub stored_events: u64,
    pub acknowledged_events: u64,
    pub chain_intact: bool,
    pub breakdown: Breakdown,
}

// ----- stores ------------------------------------------------------------------------

/// (poll, question, option) → (ballots, weight).
type Counters = std::collections::BTreeMap<(i64, i32, i32), (i64, i64)>;

/// Keeps only the head and the secret-ballot counters: appends cost nothing. For the
/// engine's ceiling.
#[derive(Default)]
pub struct NullStore {
    head: Mutex<Option<(i64, [u8; 32])>>,
    count: AtomicU64,
    tally: Mutex<Counters>,
}

#[async_trait]
impl Store for NullStore {
    async fn append(&self, batch: &[StoredEvent]) -> StoreResult<()> {
        let mut head = self
            .head
            .lock()
            .map_err(|_| StoreError::Database("lock".into()))?;
        daihoi_store_sqlite::check_continues(*head, batch)?;
        if let Some(last) = batch.last() {
            *head = Some((last.seq, last.hash));
        }
        self.count.fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }
    async fn append_with_tally(
        &self,
        batch: &[StoredEvent],
        tally: &[TallyDelta],
    ) -> StoreResult<()> {
        self.append(batch).await?;
        let mut t = self
            .tally
            .lock()
            .map_err(|_| StoreError::Database("lock".into()))?;
        for d in tally {
            let c = t.entry((d.poll, d.question, d.option)).or_default();
            c.0 += d.ballots;
            c.1 += d.weight;
        }
        Ok(())
    }
    async fn read_tally(&self, poll: i64) -> StoreResult<Vec<TallyDelta>> {
        let t = self
            .tally
            .lock()
            .map_err(|_| StoreError::Database("lock".into()))?;
        Ok(
            t.range((poll, i32::MIN, i32::MIN)..=(poll, i32::MAX, i32::MAX))
                .map(
                    |(&(poll, question, option), &(ballots, weight))| TallyDelta {
                        poll,
                        question,
                        option,
                        ballots,
                        weight,
                    },
                )
                .collect(),
        )
    }
    async fn read(&self, _after: i64, _limit: usize) -> StoreResult<Vec<StoredEvent>> {
        Ok(Vec::new())
    }
    async fn head(&self) -> StoreResult<Option<(i64, [u8; 32])>> {
        self.head
            .lock()
            .map(|h| *h)
            .map_err(|_| StoreError::Database("lock".into()))
    }
    async fn get_meta(&self, _key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(None)
    }
    async fn init_meta(&self, _key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        Ok(value.to_vec())
    }
    async fn put_blob(&self, bytes: &[u8]) -> StoreResult<[u8; 32]> {
        Ok(daihoi_store::blob_hash(bytes))
    }
    async fn get_blob(&self, _sha256: &[u8; 32]) -> StoreResult<Option<Vec<u8>>> {
        Ok(None)
    }
    async fn delete_blob(&self, _sha256: &[u8; 32]) -> StoreResult<bool> {
        Ok(false)
    }
    fn backend(&self) -> &'static str {
        "null"
    }
}

/// Records every append (batch size, duration) of the store it wraps.
pub struct TimedStore {
    inner: Arc<dyn Store>,
    appends: Mutex<Vec<(usize, Duration)>>,
}

impl TimedStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        TimedStore {
            inner,
            appends: Mutex::new(Vec::new()),
        }
    }
    /// The appends recorded since the last call.
    pub fn take(&self) -> Vec<(usize, Duration)> {
        self.appends
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

#[async_trait]
impl Store for TimedStore {
    async fn append(&self, batch: &[StoredEvent]) -> StoreResult<()> {
        let t = Instant::now();
        let r = self.inner.append(batch).await;
        let d = t.elapsed();
        if let Ok(mut v) = self.appends.lock() {
            v.push((batch.len(), d));
        }
        r
    }
    async fn append_with_tally(
        &self,
        batch: &[StoredEvent],
        tally: &[TallyDelta],
    ) -> StoreResult<()> {
        let t = Instant::now();
        let r = self.inner.append_with_tally(batch, tally).await;
        let d = t.elapsed();
        if let Ok(mut v) = self.appends.lock() {
            v.push((batch.len(), d));
        }
        r
    }
    async fn read_tally(&self, poll: i64) -> StoreResult<Vec<TallyDelta>> {
        self.inner.read_tally(poll).await
    }
    async fn read(&self, after: i64, limit: usize) -> StoreResult<Vec<StoredEvent>> {
        self.inner.read(after, limit).await
    }
    async fn head(&self) -> StoreResult<Option<(i64, [u8; 32])>> {
        self.inner.head().await
    }
    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.inner.get_meta(key).await
    }
    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        self.inner.init_meta(key, value).await
    }
    async fn put_blob(&self, bytes: &[u8]) -> StoreResult<[u8; 32]> {
        self.inner.put_blob(bytes).await
    }
    async fn get_blob(&self, sha256: &[u8; 32]) -> StoreResult<Option<Vec<u8>>> {
        self.inner.get_blob(sha256).await
    }
    async fn delete_blob(&self, sha256: &[u8; 32]) -> StoreResult<bool> {
        self.inner.delete_blob(sha256).await
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// A freshly created, empty store and what to remove afterwards.
pub struct Scratch {
    pub store: Arc<dyn Store>,
    pub details: Vec<(String, String)>,
    cleanup: Cleanup,
}

enum Cleanup {
    None,
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    pub async fn open(
        backend: Backend,
        opts: &EventsOptions,
        label: &str,
    ) -> anyhow::Result<Scratch> {
        match backend {
            Backend::Null => Ok(Scratch {
                store: Arc::new(NullStore::default()),
                details: vec![],
                cleanup: Cleanup::None,
            }),
            Backend::Sqlite => {
                let dir = match &opts.dir {
                    Some(d) => tempfile::Builder::new()
                        .prefix("daihoi-bench")
                        .tempdir_in(d)?,
                    None => tempfile::Builder::new().prefix("daihoi-bench").tempdir()?,
                };
                let path = dir.path().join(format!("{label}.db"));
                let store = daihoi_store_sqlite::SqliteStore::open(&path)
                    .await
                    .context("open SQLite")?;
                let details = sqlite_details(&path).await.unwrap_or_default();
                Ok(Scratch {
                    store: Arc::new(store),
                    details,
                    cleanup: Cleanup::Dir(dir),
                })
            }
            Backend::Postgres => {
                let url = daihoi_store_postgres::create_scratch_database(
                    &opts.postgres_url,
                    &format!("daihoi_bench_{label}"),
                )
                .await?;
                let name = url.rsplit('/').next().unwrap_or_default().to_string();
                let store = daihoi_store_postgres::PostgresStore::connect(&url)
                    .await
                    .context("connect PostgreSQL")?;
                let details = postgres_details(&url).await.unwrap_or_default();
                Ok(Scratch {
                    store: Arc::new(store),
                    details,
                    cleanup: Cleanup::Postgres {
                        admin_url: opts.postgres_url.clone(),
                        name,
                    },
                })
            }
        }
    }

    /// Drop the store and remove its files or database.
    pub async fn remove(self) -> anyhow::Result<()> {
        let Scratch { store, cleanup, .. } = self;
        drop(store);
        if let Cleanup::Postgres { admin_url, name } = cleanup {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&admin_url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await?;
        }
        Ok(())
    }
}

async fn sqlite_details(path: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    use sqlx::{Connection, Row};
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
    let version: String = sqlx::query("SELECT sqlite_version()")
        .fetch_one(&mut c)
        .await?
        .try_get(0)?;
    let journal: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await?
        .try_get(0)?;
    Ok(vec![
        ("SQLite".into(), version),
        ("journal_mode".into(), journal),
        (
            "synchronous".into(),
            "FULL (set by SqliteStore::open on the writer connection)".into(),
        ),
    ])
}

async fn postgres_details(url: &str) -> anyhow::Result<Vec<(String, String)>> {
    use sqlx::{Connection, Row};
    let mut c = sqlx::PgConnection::connect(url).await?;
    let mut out = Vec::new();
    for setting in [
        "server_version",
        "synchronous_commit",
        "fsync",
        "wal_sync_method",
        "commit_delay",
    ] {
        let v: String = sqlx::query(&format!("SHOW {setting}"))
            .fetch_one(&mut c)
            .await?
            .try_get(0)?;
        out.push((setting.to_string(), v));
    }
    Ok(out)
}

// ----- the workload ------------------------------------------------------------------

/// A realistic announcement: about 150 characters of Vietnamese, by the presidium.
pub fn announcement(id: u64, at: DateTime<Utc>) -> Event {
    Event::AnnouncementPosted {
        announcement: Announcement {
            id: AnnouncementId(id),
            text: format!(
                "Thông báo số {id}: Kính mời các đồng chí đại biểu về vị trí, chuẩn bị biểu quyết thông qua Nghị quyết Đại hội lúc 10 giờ 30."
            ),
            posted_at: at,
            posted_by: "Đoàn Chủ tịch Đại hội".into(),
            withdrawn: false,
        },
    }
}

enum Budget {
    Count(AtomicI64),
    Until(Instant),
}

impl Budget {
    fn take_one(&self) -> bool {
        match self {
            Budget::Count(n) => n.fetch_sub(1, Ordering::Relaxed) > 0,
            Budget::Until(t) => Instant::now() < *t,
        }
    }
}

/// Open the engine; with `dedicated`, from inside a one-thread runtime of its own, so that
/// the writer task it spawns runs there.
async fn open_engine(
    store: Arc<dyn Store>,
    dedicated: bool,
) -> anyhow::Result<(Arc<Engine>, BackgroundRuntime)> {
    if !dedicated {
        return Ok((
            Engine::open(store)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            BackgroundRuntime(None),
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(crate::WRITER_THREAD)
        .enable_all()
        .build()?;
    let engine = rt
        .spawn(async move { Engine::open(store).await })
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((engine, BackgroundRuntime(Some(rt))))
}

/// A runtime that may be dropped from async code (it shuts down in the background).
struct BackgroundRuntime(Option<tokio::runtime::Runtime>);

impl Drop for BackgroundRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Run `writers` concurrent tasks against the engine until the budget is spent.
pub async fn engine_run(
    engine: &Arc<Engine>,
    timed: &TimedStore,
    writers: usize,
    events: Option<u64>,
    seconds: f64,
    next_id: &Arc<AtomicU64>,
) -> anyhow::Result<EngineRun> {
    let writers = writers.max(1);
    let start = Instant::now();
    let budget = Arc::new(match events {
        Some(n) => Budget::Count(AtomicI64::new(n as i64)),
        None => Budget::Until(start + Duration::from_secs_f64(seconds)),
    });
    timed.take();
    let cpu0 = cpu_now();
    let mut tasks = Vec::with_capacity(writers);
    for _ in 0..writers {
        let engine = engine.clone();
        let budget = budget.clone();
        let next_id = next_id.clone();
        tasks.push(tokio::spawn(async move {
            let clock = SystemClock;
            let mut lat = Vec::with_capacity(4096);
            while budget.take_one() {
                let now = clock.now();
                let ev = announcement(next_id.fetch_add(1, Ordering::Relaxed), now);
                let t = Instant::now();
                engine
                    .execute(&Actor::System, now, move |_: &CongressState| {
                        Ok(((), vec![ev]))
                    })
                    .await?;
                lat.push(t.elapsed());
            }
            Ok::<_, daihoi_domain::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_now().minus(&cpu0);
    let appends = timed.take();
    let commits = appends.len() as u64;
    let batched: usize = appends.iter().map(|(n, _)| n).sum();
    let busy: Duration = appends.iter().map(|(_, d)| *d).sum();
    let n = all.len() as u64;
    if batched as u64 != n {
        bail!("the writer appended {batched} events but {n} were acknowledged");
    }
    Ok(EngineRun {
        writers,
        events: n,
        seconds: secs,
        events_per_sec: n as f64 / secs,
        ack: summarize(all),
        commits,
        mean_batch: if commits > 0 {
            batched as f64 / commits as f64
        } else {
            0.0
        },
        max_batch: appends.iter().map(|(n, _)| *n).max().unwrap_or(0),
        writer_busy_pct: 100.0 * busy.as_secs_f64() / secs,
        append: summarize(appends.into_iter().map(|(_, d)| d).collect()),
        cpu_runtime_s: cpu.runtime,
        cpu_writer_s: cpu.writer,
        cpu_sqlite_s: cpu.sqlite,
        cpu_process_s: cpu.process,
        cpu_other_s: cpu.system - cpu.process,
    })
}

#[derive(Default)]
pub(crate) struct Cpu {
    pub runtime: f64,
    pub writer: f64,
    pub sqlite: f64,
    pub process: f64,
    pub system: f64,
}

impl Cpu {
    pub(crate) fn minus(&self, o: &Cpu) -> Cpu {
        Cpu {
            runtime: self.runtime - o.runtime,
            writer: self.writer - o.writer,
            sqlite: self.sqlite - o.sqlite,
            process: self.process - o.process,
            system: self.system - o.system,
        }
    }
}

pub(crate) fn cpu_now() -> Cpu {
    let pid = std::process::id();
    let get = |prefix: &str| cpu_seconds(pid, prefix).unwrap_or(0.0);
    Cpu {
        runtime: get(crate::CLIENT_THREADS),
        writer: get(crate::WRITER_THREAD),
        sqlite: get(crate::SQLITE_THREADS),
        process: get(""),
        system: crate::stats::system_busy_seconds().unwrap_or(0.0),
    }
}

/// Append batches of `batch` events straight to the store, one after another.
pub async fn raw_run(
    store: &Arc<dyn Store>,
    batch: usize,
    seconds: f64,
    max_appends: u64,
) -> anyhow::Result<RawRun> {
    let batch = batch.max(1);
    let clock = SystemClock;
    let (mut seq, mut hash) = store.head().await?.unwrap_or((0, GENESIS));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut lat = Vec::new();
    let mut appends = 0u64;
    let mut busy = Duration::ZERO;
    while appends < max_appends && (appends == 0 || Instant::now() < deadline) {
        let now = clock.now();
        let mut events = Vec::with_capacity(batch);
        for _ in 0..batch {
            let payload = serde_json::to_string(&announcement(seq as u64 + 1, now))?;
            let e = StoredEvent::next(
                seq,
                hash,
                now,
                "system".into(),
                "announcement_posted".into(),
                payload,
            );
            seq = e.seq;
            hash = e.hash;
            events.push(e);
        }
        let t = Instant::now();
        store.append(&events).await?;
        let d = t.elapsed();
        busy += d;
        lat.push(d);
        appends += 1;
    }
    let events = appends * batch as u64;
    let secs = busy.as_secs_f64();
    Ok(RawRun {
        batch,
        appends,
        events,
        seconds: secs,
        events_per_sec: events as f64 / secs,
        append: summarize(lat),
    })
}

/// Time the per-event work `execute` does under the state lock, in isolation.
pub fn breakdown(n: usize) -> anyhow::Result<Breakdown> {
    let n = n.max(1);
    let now = SystemClock.now();
    let events: Vec<Event> = (0..n as u64).map(|i| announcement(i + 1, now)).collect();

    let t = Instant::now();
    let clones: Vec<Event> = events.to_vec();
    let build = t.elapsed();

    let t = Instant::now();
    let mut payloads = Vec::with_capacity(n);
    for e in &clones {
        payloads.push(serde_json::to_string(e)?);
    }
    let ser = t.elapsed();
    let payload_bytes = payloads.first().map(|p| p.len()).unwrap_or(0);

    let t = Instant::now();
    let (mut seq, mut hash) = (0i64, GENESIS);
    for p in payloads {
        let e = StoredEvent::next(
            seq,
            hash,
            now,
            "system".into(),
            "announcement_posted".into(),
            p,
        );
        seq = e.seq;
        hash = e.hash;
    }
    let h = t.elapsed();

    let mut state = CongressState::default();
    let t = Instant::now();
    for e in &clones {
        state.apply(e);
    }
    let apply = t.elapsed();

    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    Ok(Breakdown {
        payload_bytes,
        serialize_ns: per(ser),
        chain_hash_ns: per(h),
        apply_ns: per(apply),
        build_ns: per(build),
    })
}

/// The whole `events` benchmark for one backend.
pub async fn run(opts: &EventsOptions) -> anyhow::Result<EventsReport> {
    let scratch = Scratch::open(opts.backend, opts, "engine").await?;
    let timed = Arc::new(TimedStore::new(scratch.store.clone()));
    let (engine, writer_rt) = open_engine(timed.clone(), opts.dedicated_writer).await?;
    let next_id = Arc::new(AtomicU64::new(1));
    let mut runs = Vec::new();
    let mut acknowledged = 0u64;
    for &w in &opts.writers {
        let r = engine_run(&engine, &timed, w, opts.events, opts.seconds, &next_id).await?;
        eprintln!(
            "events {} W={:<4} {:>8} events in {:>5.2} s = {:>9.0} events/s  ack p50 {:.2} ms p99 {:.2} ms  commits {} (mean batch {:.1}) writer busy {:.0}%  cpu rt {:.2} writer {:.2} sqlite {:.2} all {:.2} other {:.2} s",
            opts.backend.as_str(),
            r.writers,
            r.events,
            r.seconds,
            r.events_per_sec,
            r.ack.p50_ms,
            r.ack.p99_ms,
            r.commits,
            r.mean_batch,
            r.writer_busy_pct,
            r.cpu_runtime_s,
            r.cpu_writer_s,
            r.cpu_sqlite_s,
            r.cpu_process_s,
            r.cpu_other_s
        );
        acknowledged += r.events;
        runs.push(r);
    }
    if engine.head_seq() != acknowledged as i64 {
        bail!(
            "engine head is {} but {acknowledged} events were acknowledged",
            engine.head_seq()
        );
    }
    drop(engine);
    drop(writer_rt);
    let (stored_events, chain_intact) = if opts.backend == Backend::Null {
        (acknowledged, true)
    } else {
        let report = daihoi_store::verify_chain(scratch.store.as_ref()).await?;
        (report.events, report.broken.is_none())
    };
    eprintln!(
        "events {}: verify_chain: {stored_events} events, intact: {chain_intact}",
        opts.backend.as_str()
    );
    let details = scratch.details.clone();
    drop(timed);
    scratch.remove().await?;

    let mut raw = Vec::new();
    if opts.backend != Backend::Null {
        for &b in &opts.raw_batches {
            let scratch = Scratch::open(opts.backend, opts, &format!("raw{b}")).await?;
            let r = raw_run(&scratch.store, b, opts.raw_seconds, opts.raw_max_appends).await?;
            let check = daihoi_store::verify_chain(scratch.store.as_ref()).await?;
            if check.events != r.events || check.broken.is_some() {
                bail!(
                    "raw batch {b}: appended {} events, the store holds {} (broken: {:?})",
                    r.events,
                    check.events,
                    check.broken
                );
            }
            eprintln!(
                "raw {} batch {:<5} {:>6} appends {:>8} events = {:>9.0} events/s  append p50 {:.2} ms p99 {:.2} ms",
                opts.backend.as_str(),
                b,
                r.appends,
                r.events,
                r.events_per_sec,
                r.append.p50_ms,
                r.append.p99_ms
            );
            raw.push(r);
            scratch.remove().await?;
        }
    }
    Ok(EventsReport {
        backend: opts.backend,
        details,
        engine: runs,
        raw,
        stored_events,
        acknowledged_events: acknowledged,
        chain_intact,
        breakdown: breakdown(20_000)?,
    })
}
