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

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::{http1, http2};
use hyper::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, COOKIE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, watch};

use crate::server::{Handoff, ServerHandle};
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
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResult {
    pub path: String,
    /// Until the POST's response (the commit is durable before it is sent).
    pub post_ms: f64,
    pub notice: Summary,
    pub reread: Summary,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveReport {
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
    /// CPU seconds used during the action phase.
    pub server_cpu_s: Option<f64>,
    pub client_cpu_s: Option<f64>,
    /// CPU seconds other processes on the machine used during the action phase.
    pub other_cpu_s: Option<f64>,
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
                    let (Some(seq), Some(b)) = (ev.id, base) else {
                        bail!("notice before hello")
                    };
                    let k = seq - b - 1;
                    let Some(slot) = usize::try_from(k).ok().filter(|k| *k < shared.actions) else {
                        bail!("unexpected notice seq {seq} (base {b})");
                    };
                    if out.notice_at[slot].is_some() {
                        continue;
                    }
                    out.notice_at[slot] = Some(at);
                    shared.bump(&shared.notices[slot]);
                    if shared.reread {
                        let mut rb = get("/fragments/live", &cookie)?;
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
                            bail!("GET /fragments/live: {status}");
                        }
                        out.reread_at[slot] = Some(Instant::now());
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

/// Start the server, connect the clients, run the actions, stop everything.
pub async fn run(opts: &LiveOptions) -> anyhow::Result<LiveReport> {
    let (handoff, server) = match opts.server {
        ServerMode::InProcess => crate::server::start_in_process(opts.server_workers).await?,
        ServerMode::Child => {
            let exe = match &opts.exe {
                Some(e) => e.clone(),
                None => std::env::current_exe()?,
            };
            // Bounded: the child stops by itself after this long in any case.
            let max = opts.connect_timeout
                + (opts.action_timeout + opts.pause) * opts.actions as u32
                + Duration::from_secs(120);
            tokio::task::spawn_blocking(move || crate::server::start_child(&exe, max.as_secs()))
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
    let mut pres = connect(h.addr).await?;
    let (pid, prefix) = server.cpu_target();
    let own = || -> Option<f64> {
        let me = cpu_seconds(std::process::id(), "")?;
        Some(if prefix.is_empty() {
            me + cpu_seconds(pid, "")?
        } else {
            me
        })
    };
    let cpu0 = (
        cpu_seconds(pid, prefix),
        cpu_seconds(std::process::id(), crate::CLIENT_THREADS),
        own(),
        system_busy_seconds(),
    );
    let t_actions = Instant::now();
    let mut t0 = Vec::with_capacity(actions);
    let mut posts = Vec::with_capacity(actions);
    let mut paths = Vec::with_capacity(actions);
    for k in 0..actions {
        let path = match k {
            0 => format!("/console/session/{}/start", h.session_id),
            k if k % 2 == 1 => "/console/next".to_string(),
            _ => "/console/previous".to_string(),
        };
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
        let got = shared.notices[k].load(Ordering::Acquire);
        let reread = shared.rereads[k].load(Ordering::Acquire);
        eprintln!(
            "live: action {:>2} {path:<28} notices {got}/{n} re-reads {reread}/{n} in {:.0} ms",
            k + 1,
            start.elapsed().as_secs_f64() * 1000.0
        );
        paths.push(path);
        if !ok || shared.failed.load(Ordering::Acquire) > 0 {
            shared.error(format!(
                "action {} did not reach every client within {:?}",
                k + 1,
                opts.action_timeout
            ));
            break;
        }
        tokio::time::sleep(opts.pause).await;
    }
    let action_phase_s = t_actions.elapsed().as_secs_f64();
    let cpu1 = (
        cpu_seconds(pid, prefix),
        cpu_seconds(std::process::id(), crate::CLIENT_THREADS),
        own(),
        system_busy_seconds(),
    );
    let _ = stop_tx.send(true);

    let mut per_notice: Vec<Vec<Duration>> = vec![Vec::with_capacity(n); t0.len()];
    let mut per_reread: Vec<Vec<Duration>> = vec![Vec::with_capacity(n); t0.len()];
    let mut resyncs = 0;
    for t in tasks {
        let Ok(Ok(out)) = tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .map_err(|_| anyhow!("client did not stop"))
            .and_then(|r| Ok(r?))
        else {
            continue;
        };
        resyncs += out.resyncs;
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
    let diff = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    Ok(LiveReport {
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
        server_cpu_s: diff(cpu0.0, cpu1.0),
        client_cpu_s: diff(cpu0.1, cpu1.1),
        other_cpu_s: diff(cpu0.3, cpu1.3)
            .zip(diff(cpu0.2, cpu1.2))
            .map(|(sys, own)| (sys - own).max(0.0)),
        load_before,
        action_phase_s,
    })
}
