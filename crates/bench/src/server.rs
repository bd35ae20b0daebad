//! The real server with the demo congress, for the live benchmark: either on its own
//! thread with its own tokio runtime (in-process), or as a child process (this binary's
//! hidden `serve` command), which also gives it its own file-descriptor table.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use daihoi_app::{App, Subject};
use daihoi_domain::Role;
use daihoi_domain::model::SessionStatus;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// What the clients need from the server: where it is, who they are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handoff {
    pub addr: SocketAddr,
    /// One session cookie per demo delegate (clients beyond that reuse them, as a
    /// delegate with a phone and a tablet would).
    pub delegate_cookies: Vec<String>,
    pub presidium_cookie: String,
    pub presidium_csrf: String,
    /// A planned session with at least two agenda items, to start and step through.
    pub session_id: u64,
    pub head_seq: i64,
}

/// Open the app on a fresh data directory and seed the demo congress.
pub async fn open_demo(data: &Path) -> anyhow::Result<(Arc<App>, daihoi_server::Config)> {
    let cfg = daihoi_server::Config {
        data: data.to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        public_url: "http://127.0.0.1".into(),
        ..daihoi_server::Config::default()
    };
    let app = daihoi_server::open_app(&cfg).await?;
    daihoi_server::demo::seed(&app).await?;
    Ok((app, cfg))
}

pub fn handoff(app: &App, addr: SocketAddr) -> anyhow::Result<Handoff> {
    let now = app.now();
    let (delegate_cookies, presidium_cookie, session_id) = app.read(|s| {
        let cookies: Vec<String> = s
            .delegates()
            .map(|d| {
                app.keys
                    .session_cookie(Subject::Delegate(d.id), d.qr_epoch, now)
            })
            .collect();
        let p = s
            .accounts()
            .find(|a| a.role == Role::Presidium && a.active)
            .ok_or_else(|| anyhow!("no presidium account"))?;
        let cookie = app
            .keys
            .session_cookie(Subject::Account(p.id), p.epoch, now);
        let session = s
            .sessions()
            .into_iter()
            .find(|x| x.status == SessionStatus::Planned && s.items_of(x.id).len() >= 2)
            .ok_or_else(|| anyhow!("no planned session with two items"))?;
        Ok::<_, anyhow::Error>((cookies, cookie, session.id.0))
    })?;
    let csrf = app
        .authenticate_cookie(&presidium_cookie)
        .and_then(|p| p.csrf)
        .ok_or_else(|| anyhow!("the presidium cookie does not authenticate"))?;
    if delegate_cookies.is_empty() {
        anyhow::bail!("the demo has no delegates");
    }
    Ok(Handoff {
        addr,
        delegate_cookies,
        presidium_cookie,
        presidium_csrf: csrf,
        session_id,
        head_seq: app.engine.head_seq(),
    })
}

/// Seed, bind 127.0.0.1:0, report the handoff, then serve until `stop` resolves.
pub async fn serve_demo(
    data: &Path,
    ready: impl FnOnce(Handoff),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (app, cfg) = open_demo(data).await?;
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    ready(handoff(&app, addr)?);
    let router =
        daihoi_server::router(app, &cfg).into_make_service_with_connect_info::<SocketAddr>();
    tokio::select! {
        r = axum::serve(listener, router) => r?,
        _ = stop => {}
    }
    Ok(())
}

pub enum ServerHandle {
    InProcess {
        stop: Option<oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
    Child {
        child: Child,
        stdin: Option<ChildStdin>,
    },
}

/// Name prefix of the in-process server's threads (for CPU accounting).
pub const SERVER_THREADS: &str = "bench-server";

/// Start the server on its own thread and runtime with `workers` worker threads.
pub async fn start_in_process(workers: usize) -> anyhow::Result<(Handoff, ServerHandle)> {
    let (ready_tx, ready_rx) = oneshot::channel::<anyhow::Result<Handoff>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("{SERVER_THREADS}-main"))
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers.max(1))
                .thread_name(SERVER_THREADS)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.into()));
                    return;
                }
            };
            let ready_tx = std::sync::Mutex::new(Some(ready_tx));
            let result = rt.block_on(async {
                let dir = tempfile::Builder::new()
                    .prefix("daihoi-bench-live")
                    .tempdir()?;
                let ready = |h: Handoff| {
                    if let Some(tx) = ready_tx.lock().ok().and_then(|mut t| t.take()) {
                        let _ = tx.send(Ok(h));
                    }
                };
                let stop = async {
                    let _ = stop_rx.await;
                };
                let r = serve_demo(dir.path(), ready, stop).await;
                drop(dir);
                r
            });
            if let Err(e) = result
                && let Some(tx) = ready_tx.lock().ok().and_then(|mut t| t.take())
            {
                let _ = tx.send(Err(e));
            }
            // Open connections die with the runtime.
            rt.shutdown_timeout(Duration::from_secs(2));
        })?;
    let handoff = ready_rx
        .await
        .map_err(|_| anyhow!("the server thread stopped before it was ready"))??;
    Ok((
        handoff,
        ServerHandle::InProcess {
            stop: Some(stop_tx),
            thread: Some(thread),
        },
    ))
}

/// Start `exe serve` as a child process and read its handoff line.
pub fn start_child(exe: &Path, max_seconds: u64) -> anyhow::Result<(Handoff, ServerHandle)> {
    let mut child = Command::new(exe)
        .args(["serve", "--max-seconds", &max_seconds.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let handoff: Handoff = match serde_json::from_str(line.trim()) {
        Ok(h) => h,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(anyhow!(
                "the server child did not report its address ({e}): {line:?}"
            ));
        }
    };
    let stdin = child.stdin.take();
    Ok((handoff, ServerHandle::Child { child, stdin }))
}

impl ServerHandle {
    /// Process id and thread-name prefix whose CPU time is the server's.
    pub fn cpu_target(&self) -> (u32, &'static str) {
        match self {
            ServerHandle::InProcess { .. } => (std::process::id(), SERVER_THREADS),
            ServerHandle::Child { child, .. } => (child.id(), ""),
        }
    }

    pub fn mode(&self) -> &'static str {
        match self {
            ServerHandle::InProcess { .. } => "in-process (own runtime and threads)",
            ServerHandle::Child { .. } => "child process",
        }
    }

    /// Stop the server and wait for it (the child gets 10 s, then is killed).
    pub fn stop(mut self) {
        match &mut self {
            ServerHandle::InProcess { stop, thread } => {
                if let Some(s) = stop.take() {
                    let _ = s.send(());
                }
                if let Some(t) = thread.take() {
                    let _ = t.join();
                }
            }
            ServerHandle::Child { child, stdin } => {
                // Closing its stdin tells the child to exit.
                drop(stdin.take());
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                loop {
                    match child.try_wait() {
                        Ok(Some(_)) => break,
                        Ok(None) if std::time::Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(50))
                        }
                        _ => {
                            let _ = child.kill();
                            let _ = child.wait();
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// The child side: serve the demo until stdin closes or `max_seconds` pass.
pub async fn child_main(max_seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("daihoi-bench-live")
        .tempdir()?;
    let ready = |h: Handoff| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", serde_json::to_string(&h).unwrap_or_default());
        let _ = out.flush();
    };
    let stop = async move {
        let stdin_closed = async {
            use tokio::io::AsyncReadExt;
            let mut sink = Vec::new();
            let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        };
        tokio::select! {
            _ = stdin_closed => {}
            _ = tokio::time::sleep(Duration::from_secs(max_seconds)) => eprintln!("serve: {max_seconds} s passed, stopping"),
        }
    };
    serve_demo(dir.path(), ready, stop).await
}
