//! Time from a presidium action to its arrival at N live clients.
//!
//! Every client holds `GET /events` open (as a delegate's phone does) on one connection and
//! keeps a second keep-alive connection for re-reads (as a browser's connection pool does).
//! The presidium posts `/console/session/{id}/start`, then `/console/next` and
//! `/console/previous` in turn, over HTTP with its cookie and CSRF token. For each action
//! we measure, per client, the time from just before the POST to
//! - the `notice` event arriving on its stream, and
//! - the body of `GET /fragments/live` (what the page's script re-reads) having arrived.
//!
//! Actions are sequential: the next one starts once every client has both, or after a
//! timeout (then the missing arrivals are counted, not hidden).
//!
//! Scenario `close-poll` (`--scenario close-poll --voters 1600`): the server also has
//! `voters` official delegates, a running session and one secret draft poll per action.
//! Per action, untimed: the presidium opens poll k through the API, `voters` delegates
//! vote through the API with their cookies and CSRF tokens (bounded concurrency), and
//! the controller reads the head sequence number. Timed: the presidium POSTs
//! `/api/v1/polls/{id}/close`; each client records the arrival of the notice whose id is
//! head + 1 (the close) and then re-reads `/fragments/hall`, the hall screen's fragment,
//! which now shows the result chart.
//!
//! In both scenarios the controller tells the clients which sequence number each action
//! will have (head + 1, read just before the POST); other notices (the poll's opening)
//! are ignored.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::Full;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::{http1, http2};
use hyper::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, COOKIE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, watch};

use crate::server::{Handoff, Scenario, ServerHandle, ServerSetup};
use crate::stats::{Summary, cpu_seconds, load_average, summarize, system_busy_seconds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ServerMode {
    /// This binary's `serve` command as a child process (own fd table and allocator).
    Child,
    /// A thread of this process with its own tokio runtime.
    InProcess,
}

#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub clients: usize,
    pub actions: usize,
    pub server: ServerMode,
    /// Worker threads of the in-process server's runtime.
    pub server_workers: usize,
    /// Executable to start for `ServerMode::Child` (this binary).
    pub exe: Option<PathBuf>,
    /// Pause between one action's last arrival and the next action.
    pub pause: Duration,
    /// Give up waiting for one action's arrivals after this long.
    pub action_timeout: Duration,
    pub connect_timeout: Duration,
    /// Clients connecting at the same time (the listen backlog is finite).
    pub connect_concurrency: usize,
    /// `Accept-Encoding` of the re-read, like a browser's; `None` sends none.
    pub accept_encoding: Option<String>,
    /// Re-read `/fragments/live` after each notice.
    pub reread: bool,
    /// Speak HTTP/2 (prior knowledge, cleartext): one connection per client carries the
    /// event stream and the re-reads, as a phone's does over HTTPS (the server's TLS mode
    /// offers h2 by ALPN). Otherwise HTTP/1.1 with two connections per client.
    pub http2: bool,
    pub scenario: Scenario,
    /// close-poll: delegates who vote before each close.
    pub voters: usize,
    /// close-poll: ballots in flight at once while voting (untimed).
    pub vote_concurrency: usize,
    /// close-poll: give up on one action's voting after this long.
    pub prep_timeout: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            clients: 1000,
            actions: 20,
            server: ServerMode::Child,
            server_workers: 2,
            exe: None,
            pause: Duration::from_millis(200),
            action_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(180),
            connect_concurrency: 256,
            accept_encoding: Some("gzip, deflate, br, zstd".into()),
            reread: true,
            http2: true,
            scenario: Scenario::Program,
            voters: 1600,
            vote_concurrency: 32,
            prep_timeout: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResult {
    pub path: String,
    /// The sequence number the action's notice carried (head + 1 before the POST).
    #[serde(default)]
    pub seq: i64,
    /// Untimed preparation (close-poll: open the poll, every ballot, read the head).
    #[serde(default)]
    pub prep_ms: f64,
    /// Until the POST's response (the commit is durable before it is sent).
    pub post_ms: f64,
    pub notice: Summary,
    pub reread: Summary,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveReport {
    /// `program` (empty in older results) or `close-poll`.
    #[serde(default)]
    pub scenario: String,
    /// close-poll: ballots cast (through the API) before each close.
    #[serde(default)]
    pub voters: usize,
    /// close-poll: clients' re-reads of `/fragments/hall` seen to show the closed poll's
    /// result (only uncompressed bodies can be looked into).
    #[serde(default)]
    pub results_shown: usize,
    /// close-poll: closes after which the controller's own (uncompressed) read of
    /// `/fragments/hall` showed the result.
    #[serde(default)]
    pub results_verified: usize,
    /// Notices that were not an action's (the poll's opening, for close-poll).
    #[serde(default)]
    pub other_notices: usize,
    pub clients: usize,
    pub actions: usize,
    pub server_mode: String,
    /// "HTTP/1.1" or "HTTP/2".
    pub protocol: String,
    /// Connections the clients held open.
    pub connections: usize,
    pub accept_encoding: String,
    pub distinct_cookies: usize,
    pub connect_seconds: f64,
    pub expected_arrivals: usize,
    pub notices_received: usize,
    pub rereads_completed: usize,
    pub resyncs: usize,
    pub errors: Vec<String>,
    /// Across all clients and actions.
    pub notice: Summary,
    pub reread: Summary,
    /// POST round trip per action.
    pub post: Summary,
    pub per_action: Vec<ActionResult>,
    pub fragment_bytes: usize,
    pub fragment_encoding: String,
    /// CPU seconds used during the timed part of the actions (from just before each
    /// POST to its last arrival).
    pub server_cpu_s: Option<f64>,
    pub client_cpu_s: Option<f64>,
    /// CPU seconds other processes on the machine used during the action phase.
    pub other_cpu_s: Option<f64>,
    /// Untimed preparation of all actions (close-poll: opening and voting).
    #[serde(default)]
    pub prep_s: f64,
    /// 1-minute load average just before the clients connected.
    pub load_before: Option<f64>,
    pub action_phase_s: f64,
}

struct Shared {
    n: usize,
    http2: bool,
    actions: usize,
    reread: bool,
    accept_encoding: Option<String>,
    /// The fragment re-read after an action's notice.
    reread_path: &'static str,
    /// Per action: the sequence number its notice will carry (-1: not yet known), set by
    /// the controller just before the POST.
    expected: Vec<AtomicI64>,
    /// close-poll, per action: the closed poll's title, which the re-read must show.
    markers: Vec<String>,
    results_shown: AtomicUsize,
    base_seq: AtomicI64,
    connected: AtomicUsize,
    failed: AtomicUsize,
    notices: Vec<AtomicUsize>,
    rereads: Vec<AtomicUsize>,
    progress: Notify,
    errors: Mutex<Vec<String>>,
    fragment: Mutex<Option<(usize, String)>>,
}

impl Shared {
    fn error(&self, e: String) {
        if let Ok(mut v) = self.errors.lock()
            && v.len() < 20
        {
            v.push(e);
        }
    }
    fn bump(&self, counter: &AtomicUsize) {
        if counter.fetch_add(1, Ordering::AcqRel) + 1 >= self.n {
            self.progress.notify_waiters();
        }
    }
}

#[derive(Default)]
struct ClientOutcome {
    notice_at: Vec<Option<Instant>>,
    reread_at: Vec<Option<Instant>>,
    resyncs: usize,
    other_notices: usize,
}

type Sender = http1::SendRequest<Empty<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connect_h2(addr: SocketAddr) -> anyhow::Result<http2::SendRequest<Empty<Bytes>>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (sender, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// A client's connections: HTTP/1.1 needs one for the stream and one for re-reads;
/// HTTP/2 multiplexes both over one.
enum Conns {
    H1 {
        events: Sender,
        reread: Option<Sender>,
    },
    H2(http2::SendRequest<Empty<Bytes>>),
}

impl Conns {
    async fn open(addr: SocketAddr, http2: bool, reread: bool) -> anyhow::Result<Conns> {
        if http2 {
            return Ok(Conns::H2(connect_h2(addr).await.context("connect (h2)")?));
        }
        let reread = if reread {
            Some(connect(addr).await.context("connect (re-read)")?)
        } else {
            None
        };
        let events = connect(addr).await.context("connect (events)")?;
        Ok(Conns::H1 { events, reread })
    }

    async fn send(
        &mut self,
        events: bool,
        req: Request<Empty<Bytes>>,
    ) -> anyhow::Result<hyper::Response<hyper::body::Incoming>> {
        Ok(match self {
            Conns::H1 {
                events: e,
                reread: r,
            } => {
                let s = if events {
                    e
                } else {
                    r.as_mut().ok_or_else(|| anyhow!("no re-read connection"))?
                };
                s.ready().await?;
                s.send_request(req).await?
            }
            Conns::H2(s) => {
                s.ready().await?;
                s.send_request(req).await?
            }
        })
    }
}

fn get(path: &str, cookie: &str) -> anyhow::Result<hyper::http::request::Builder> {
    Ok(Request::get(path)
        .header(HOST, "127.0.0.1")
        .header(COOKIE, format!("daihoi_session={cookie}")))
}

/// One Server-Sent Event: its name and id (the sequence number for hello/notice).
struct SseEvent {
    name: String,
    id: Option<i64>,
}

/// Take the next complete event (terminated by a blank line) out of `buf`.
fn next_event(buf: &mut Vec<u8>) -> Option<SseEvent> {
    loop {
        let pos = buf.windows(2).position(|w| w == b"\n\n")?;
        let block: Vec<u8> = buf.drain(..pos + 2).collect();
        let text = String::from_utf8_lossy(&block);
        let (mut name, mut id) = (None, None);
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().parse().ok();
            }
        }
        // Comment-only blocks (keep-alives) carry no event.
        if let Some(name) = name {
            return Some(SseEvent { name, id });
        }
    }
}

async fn client(
    addr: SocketAddr,
    cookie: String,
    shared: Arc<Shared>,
    connecting: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<ClientOutcome> {
    let permit = connecting.acquire_owned().await?;
    let mut conns = Conns::open(addr, shared.http2, shared.reread).await?;
    let req = get("/events", &cookie)?
        .header(ACCEPT, "text/event-stream")
        .body(Empty::new())?;
    let res = conns.send(true, req).await?;
    if res.status() != StatusCode::OK {
        bail!("GET /events: {}", res.status());
    }
    let mut body = res.into_body();
    let mut out = ClientOutcome {
        notice_at: vec![None; shared.actions],
        reread_at: vec![None; shared.actions],
        ..ClientOutcome::default()
    };
    let mut permit = Some(permit);
    let mut base: Option<i64> = None;
    let mut buf = Vec::with_capacity(512);
    let mut done = 0usize;
    while done < shared.actions {
        let frame = tokio::select! {
            f = body.frame() => f,
            _ = stop.changed() => break,
        };
        let Some(frame) = frame else {
            bail!("the event stream ended")
        };
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        buf.extend_from_slice(&data);
        while let Some(ev) = next_event(&mut buf) {
            match ev.name.as_str() {
                "hello" => {
                    let seq = ev.id.ok_or_else(|| anyhow!("hello without id"))?;
                    if base.is_none() {
                        base = Some(seq);
                        let prev = shared.base_seq.compare_exchange(
                            -1,
                            seq,
                            Ordering::AcqRel,
                            Ordering::Acquire,
                        );
                        if let Err(other) = prev
                            && other != seq
                        {
                            bail!("hello seq {seq} differs from other clients' {other}");
                        }
                        drop(permit.take());
                        shared.bump(&shared.connected);
                    }
                }
                "notice" => {
                    let at = Instant::now();
                    let (Some(seq), Some(_)) = (ev.id, base) else {
                        bail!("notice before hello")
                    };
                    let Some(slot) = shared
                        .expected
                        .iter()
                        .position(|e| e.load(Ordering::Acquire) == seq)
                    else {
                        out.other_notices += 1;
                        continue;
                    };
                    if out.notice_at[slot].is_some() {
                        continue;
                    }
                    out.notice_at[slot] = Some(at);
                    shared.bump(&shared.notices[slot]);
                    if shared.reread {
                        let mut rb = get(shared.reread_path, &cookie)?;
                        if let Some(ae) = &shared.accept_encoding {
                            rb = rb.header(ACCEPT_ENCODING, ae.as_str());
                        }
                        let res = conns.send(false, rb.body(Empty::new())?).await?;
                        let status = res.status();
                        let enc = res
                            .headers()
                            .get(CONTENT_ENCODING)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("identity")
                            .to_string();
                        let bytes = res.into_body().collect().await?.to_bytes();
                        if status != StatusCode::OK {
                            bail!("GET {}: {status}", shared.reread_path);
                        }
                        out.reread_at[slot] = Some(Instant::now());
                        if let Some(title) = shared.markers.get(slot) {
                            let html = String::from_utf8_lossy(&bytes);
                            if html.contains("hall-result") && html.contains(title.as_str()) {
                                shared.results_shown.fetch_add(1, Ordering::AcqRel);
                            }
                        }
                        if let Ok(mut f) = shared.fragment.lock()
                            && f.is_none()
                        {
                            *f = Some((bytes.len(), enc));
                        }
                        shared.bump(&shared.rereads[slot]);
                    }
                    done += 1;
                }
                "resync" => out.resyncs += 1,
                _ => {}
            }
        }
    }
    // Hold the connection until every client is done: closing 10,000 connections while
    // others still wait for the last notice would slow that notice down.
    if !*stop.borrow() {
        let _ = stop.changed().await;
    }
    drop(body);
    Ok(out)
}

/// Wait until `cond` holds or `deadline` passes; true when it holds.
async fn wait_until(notify: &Notify, deadline: Instant, cond: impl Fn() -> bool) -> bool {
    loop {
        let fut = notify.notified();
        tokio::pin!(fut);
        fut.as_mut().enable();
        if cond() {
            return true;
        }
        if tokio::time::timeout_at(deadline.into(), fut).await.is_err() {
            return cond();
        }
    }
}

async fn post(sender: &mut Sender, path: &str, h: &Handoff) -> anyhow::Result<()> {
    let req = Request::post(path)
        .header(HOST, "127.0.0.1")
        .header(COOKIE, format!("daihoi_session={}", h.presidium_cookie))
        .header("x-csrf-token", h.presidium_csrf.as_str())
        .header("x-requested-with", "fetch")
        .header("content-length", "0")
        .body(Empty::new())?;
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        bail!("POST {path}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(())
}

/// The head sequence number as the server reports it: the `hello` of a fresh event
/// stream (the presidium's), which carries the durable head.
async fn read_head(h: &Handoff) -> anyhow::Result<i64> {
    let mut s = connect(h.addr).await?;
    let req = Request::get("/events")
        .header(HOST, "127.0.0.1")
        .header(COOKIE, format!("daihoi_session={}", h.presidium_cookie))
        .header(ACCEPT, "text/event-stream")
        .body(Empty::new())?;
    s.ready().await?;
    let res = s.send_request(req).await?;
    if res.status() != StatusCode::OK {
        bail!("GET /events (presidium): {}", res.status());
    }
    let mut body = res.into_body();
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            buf.extend_from_slice(&data);
        }
        while let Some(ev) = next_event(&mut buf) {
            if ev.name == "hello" {
                return ev.id.ok_or_else(|| anyhow!("hello without id"));
            }
        }
    }
    bail!("the presidium's event stream ended before hello")
}

/// `/fragments/hall` as a delegate reads it, uncompressed.
async fn fetch_hall(h: &Handoff) -> anyhow::Result<String> {
    let cookie = h
        .voter_cookies
        .first()
        .or(h.delegate_cookies.first())
        .ok_or_else(|| anyhow!("no delegate cookie"))?;
    let mut s = connect(h.addr).await?;
    s.ready().await?;
    let res = s
        .send_request(get("/fragments/hall", cookie)?.body(Empty::new())?)
        .await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    if status != StatusCode::OK {
        bail!("GET /fragments/hall: {status}");
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Every voter's ballot on `poll` through `POST /api/v1/polls/{id}/vote`, with their
/// cookie and CSRF token, `concurrency` at a time (one HTTP/1.1 connection each). Choices
/// and idempotency keys as in the votes benchmark. Returns the ballots acknowledged.
async fn cast_votes(
    h: &Handoff,
    poll: u64,
    voters: usize,
    concurrency: usize,
) -> anyhow::Result<usize> {
    let voters = voters.min(h.voter_cookies.len()).min(h.voter_csrf.len());
    let next = Arc::new(AtomicUsize::new(0));
    let shared = Arc::new((h.voter_cookies.clone(), h.voter_csrf.clone()));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.clamp(1, voters.max(1)) {
        let (next, shared, addr) = (next.clone(), shared.clone(), h.addr);
        tasks.push(tokio::spawn(async move {
            let tcp = TcpStream::connect(addr).await?;
            tcp.set_nodelay(true)?;
            let (mut sender, conn) = http1::handshake::<_, Full<Bytes>>(TokioIo::new(tcp)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let mut done = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= voters {
                    break;
                }
                let body = serde_json::json!({
                    "choices": [crate::votes::CHOICES[i % crate::votes::CHOICES.len()]],
                    "idempotency_key": crate::votes::key_of(i),
                });
                let req = Request::post(format!("/api/v1/polls/{poll}/vote"))
                    .header(HOST, "127.0.0.1")
                    .header(COOKIE, format!("daihoi_session={}", shared.0[i]))
                    .header("x-csrf-token", shared.1[i].as_str())
                    .header(CONTENT_TYPE, "application/json")
                    .body(Full::new(Bytes::from(body.to_string())))?;
                sender.ready().await?;
                let res = sender.send_request(req).await?;
                let status = res.status();
                let bytes = res.into_body().collect().await?.to_bytes();
                if status != StatusCode::OK {
                    bail!(
                        "vote of voter {i} on poll {poll}: {status}: {}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
                done += 1;
            }
            Ok::<_, anyhow::Error>(done)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    if total != voters {
        bail!("{total} of {voters} ballots acknowledged");
    }
    Ok(total)
}

/// Start the server, connect the clients, run the actions, stop everything.
pub async fn run(opts: &LiveOptions) -> anyhow::Result<LiveReport> {
    let setup = ServerSetup {
        scenario: opts.scenario,
        voters: opts.voters,
        actions: opts.actions.max(1),
    };
    let (handoff, server) = match opts.server {
        ServerMode::InProcess => {
            crate::server::start_in_process(opts.server_workers, setup).await?
        }
        ServerMode::Child => {
            let exe = match &opts.exe {
                Some(e) => e.clone(),
                None => std::env::current_exe()?,
            };
            // Bounded: the child stops by itself after this long in any case.
            let prep = match opts.scenario {
                Scenario::Program => Duration::ZERO,
                Scenario::ClosePoll => opts.prep_timeout,
            };
            let max = opts.connect_timeout
                + (opts.action_timeout + opts.pause + prep) * opts.actions as u32
                + Duration::from_secs(120);
            tokio::task::spawn_blocking(move || {
                crate::server::start_child(&exe, max.as_secs(), setup)
            })
            .await??
        }
    };
    let result = drive(opts, &handoff, &server).await;
    let mode = server.mode().to_string();
    tokio::task::spawn_blocking(move || server.stop()).await?;
    let mut report = result?;
    report.server_mode = mode;
    Ok(report)
}

async fn drive(
    opts: &LiveOptions,
    h: &Handoff,
    server: &ServerHandle,
) -> anyhow::Result<LiveReport> {
    let n = opts.clients.max(1);
    let actions = opts.actions.max(1);
    let shared = Arc::new(Shared {
        n,
        http2: opts.http2,
        actions,
        reread: opts.reread,
        accept_encoding: opts.accept_encoding.clone(),
        reread_path: match opts.scenario {
            Scenario::Program => "/fragments/live",
            Scenario::ClosePoll => "/fragments/hall",
        },
        expected: (0..actions).map(|_| AtomicI64::new(-1)).collect(),
        markers: match opts.scenario {
            Scenario::Program => Vec::new(),
            Scenario::ClosePoll => (0..actions).map(crate::server::poll_title).collect(),
        },
        results_shown: AtomicUsize::new(0),
        base_seq: AtomicI64::new(-1),
        connected: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        notices: (0..actions).map(|_| AtomicUsize::new(0)).collect(),
        rereads: (0..actions).map(|_| AtomicUsize::new(0)).collect(),
        progress: Notify::new(),
        errors: Mutex::new(Vec::new()),
        fragment: Mutex::new(None),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let connecting = Arc::new(Semaphore::new(opts.connect_concurrency.max(1)));

    // Connect every client.
    let load_before = load_average();
    let t_connect = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let cookie = h.delegate_cookies[i % h.delegate_cookies.len()].clone();
        let (shared, connecting, stop) = (shared.clone(), connecting.clone(), stop_rx.clone());
        let addr = h.addr;
        tasks.push(tokio::spawn(async move {
            let r = client(addr, cookie, shared.clone(), connecting, stop).await;
            if let Err(e) = &r {
                shared.failed.fetch_add(1, Ordering::AcqRel);
                shared.error(format!("{e:#}"));
                shared.progress.notify_waiters();
            }
            r
        }));
    }
    let all_connected = wait_until(&shared.progress, t_connect + opts.connect_timeout, || {
        shared.connected.load(Ordering::Acquire) >= n || shared.failed.load(Ordering::Acquire) > 0
    })
    .await;
    let connect_seconds = t_connect.elapsed().as_secs_f64();
    let connected = shared.connected.load(Ordering::Acquire);
    if !all_connected || connected < n {
        let _ = stop_tx.send(true);
        let errors = shared.errors.lock().map(|e| e.clone()).unwrap_or_default();
        bail!(
            "only {connected} of {n} clients connected in {connect_seconds:.1} s; errors: {errors:?}"
        );
    }
    eprintln!("live: {n} clients connected in {connect_seconds:.1} s");

    // The presidium's actions.
    let (pid, prefix) = server.cpu_target();
    let own = || -> Option<f64> {
        let me = cpu_seconds(std::process::id(), "")?;
        Some(if prefix.is_empty() {
            me + cpu_seconds(pid, "")?
        } else {
            me
        })
    };
    let snap = || {
        [
            cpu_seconds(pid, prefix),
            cpu_seconds(std::process::id(), crate::CLIENT_THREADS),
            own(),
            system_busy_seconds(),
        ]
    };
    // CPU over the timed parts only (the close-poll scenario's voting is not timed).
    let mut cpu: [Option<f64>; 4] = [Some(0.0); 4];
    let mut action_phase = Duration::ZERO;
    let mut prep_total = Duration::ZERO;
    let mut t0 = Vec::with_capacity(actions);
    let mut posts = Vec::with_capacity(actions);
    let mut paths = Vec::with_capacity(actions);
    let mut seqs = Vec::with_capacity(actions);
    let mut preps = Vec::with_capacity(actions);
    let mut verified = 0usize;
    for k in 0..actions {
        let t_prep = Instant::now();
        let path = match opts.scenario {
            Scenario::Program => match k {
                0 => format!("/console/session/{}/start", h.session_id),
                k if k % 2 == 1 => "/console/next".to_string(),
                _ => "/console/previous".to_string(),
            },
            Scenario::ClosePoll => {
                let poll = *h
                    .poll_ids
                    .get(k)
                    .ok_or_else(|| anyhow!("the server prepared no poll {}", k + 1))?;
                let mut pres = connect(h.addr).await?;
                post(&mut pres, &format!("/api/v1/polls/{poll}/open"), h).await?;
                let voted = tokio::time::timeout(
                    opts.prep_timeout,
                    cast_votes(h, poll, opts.voters, opts.vote_concurrency),
                )
                .await
                .map_err(|_| {
                    anyhow!("voting on poll {poll} took over {:?}", opts.prep_timeout)
                })??;
                eprintln!(
                    "live: poll {poll} opened, {voted} ballots in {:.1} s",
                    t_prep.elapsed().as_secs_f64()
                );
                format!("/api/v1/polls/{poll}/close")
            }
        };
        let head = tokio::time::timeout(Duration::from_secs(30), read_head(h))
            .await
            .map_err(|_| anyhow!("reading the head timed out"))??;
        shared.expected[k].store(head + 1, Ordering::Release);
        let mut pres = connect(h.addr).await?;
        let prep = t_prep.elapsed();
        prep_total += prep;
        let c0 = snap();
        let start = Instant::now();
        post(&mut pres, &path, h).await?;
        posts.push(start.elapsed());
        t0.push(start);
        let want_reread = opts.reread;
        let ok = wait_until(&shared.progress, start + opts.action_timeout, || {
            shared.failed.load(Ordering::Acquire) > 0
                || (shared.notices[k].load(Ordering::Acquire) >= n
                    && (!want_reread || shared.rereads[k].load(Ordering::Acquire) >= n))
        })
        .await;
        action_phase += start.elapsed();
        let c1 = snap();
        for i in 0..4 {
            cpu[i] = cpu[i]
                .zip(c0[i])
                .zip(c1[i])
                .map(|((acc, a), b)| acc + b - a);
        }
        let got = shared.notices[k].load(Ordering::Acquire);
        let reread = shared.rereads[k].load(Ordering::Acquire);
        eprintln!(
            "live: action {:>2} {path:<28} seq {} notices {got}/{n} re-reads {reread}/{n} in {:.0} ms (prep {:.1} s)",
            k + 1,
            head + 1,
            start.elapsed().as_secs_f64() * 1000.0,
            prep.as_secs_f64()
        );
        paths.push(path);
        seqs.push(head + 1);
        preps.push(prep);
        if !ok || shared.failed.load(Ordering::Acquire) > 0 {
            shared.error(format!(
                "action {} did not reach every client within {:?}",
                k + 1,
                opts.action_timeout
            ));
            break;
        }
        if opts.scenario == Scenario::ClosePoll
            && let Some(title) = shared.markers.get(k)
        {
            // The result as any screen now reads it (uncompressed, to look inside).
            let html = fetch_hall(h).await?;
            if !(html.contains("hall-result") && html.contains(title.as_str())) {
                shared.error(format!(
                    "after closing poll {}, /fragments/hall does not show its result",
                    k + 1
                ));
            } else {
                verified += 1;
            }
        }
        tokio::time::sleep(opts.pause).await;
    }
    let action_phase_s = action_phase.as_secs_f64();
    let _ = stop_tx.send(true);

    let mut per_notice: Vec<Vec<Duration>> = vec![Vec::with_capacity(n); t0.len()];
    let mut per_reread: Vec<Vec<Duration>> = vec![Vec::with_capacity(n); t0.len()];
    let mut resyncs = 0;
    let mut other_notices = 0;
    for t in tasks {
        let Ok(Ok(out)) = tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .map_err(|_| anyhow!("client did not stop"))
            .and_then(|r| Ok(r?))
        else {
            continue;
        };
        resyncs += out.resyncs;
        other_notices += out.other_notices;
        for (k, start) in t0.iter().enumerate() {
            if let Some(at) = out.notice_at[k] {
                per_notice[k].push(at.saturating_duration_since(*start));
            }
            if let Some(at) = out.reread_at[k] {
                per_reread[k].push(at.saturating_duration_since(*start));
            }
        }
    }
    let notices_received = per_notice.iter().map(Vec::len).sum();
    let rereads_completed = per_reread.iter().map(Vec::len).sum();
    let per_action: Vec<ActionResult> = (0..t0.len())
        .map(|k| ActionResult {
            path: paths[k].clone(),
            seq: seqs[k],
            prep_ms: preps[k].as_secs_f64() * 1000.0,
            post_ms: posts[k].as_secs_f64() * 1000.0,
            notice: summarize(per_notice[k].clone()),
            reread: summarize(per_reread[k].clone()),
        })
        .collect();
    let (fragment_bytes, fragment_encoding) = shared
        .fragment
        .lock()
        .ok()
        .and_then(|f| f.clone())
        .unwrap_or_default();
    let errors = shared.errors.lock().map(|e| e.clone()).unwrap_or_default();
    if opts.scenario == Scenario::ClosePoll {
        eprintln!(
            "live: the result was on /fragments/hall after {verified} of {} closes",
            t0.len()
        );
    }
    Ok(LiveReport {
        scenario: opts.scenario.as_str().to_string(),
        voters: if opts.scenario == Scenario::ClosePoll {
            opts.voters.min(h.voter_cookies.len())
        } else {
            0
        },
        results_shown: shared.results_shown.load(Ordering::Acquire),
        results_verified: verified,
        other_notices,
        clients: n,
        actions,
        server_mode: String::new(),
        protocol: if opts.http2 {
            "HTTP/2 (h2c)".into()
        } else {
            "HTTP/1.1".into()
        },
        connections: if opts.http2 || !opts.reread { n } else { 2 * n },
        accept_encoding: opts
            .accept_encoding
            .clone()
            .unwrap_or_else(|| "(none)".into()),
        distinct_cookies: h.delegate_cookies.len().min(n),
        connect_seconds,
        expected_arrivals: n * actions,
        notices_received,
        rereads_completed,
        resyncs,
        errors,
        notice: summarize(per_notice.into_iter().flatten().collect()),
        reread: summarize(per_reread.into_iter().flatten().collect()),
        post: summarize(posts),
        per_action,
        fragment_bytes,
        fragment_encoding,
        server_cpu_s: cpu[0],
        client_cpu_s: cpu[1],
        other_cpu_s: cpu[3].zip(cpu[2]).map(|(sys, own)| (sys - own).max(0.0)),
        load_before,
        action_phase_s,
        prep_s: prep_total.as_secs_f64(),
    })
}
