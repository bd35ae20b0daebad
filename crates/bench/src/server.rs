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
use daihoi_app::{App, Principal, Subject};
use daihoi_domain::Role;
use daihoi_domain::model::{DelegateKind, SessionStatus};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// What the live benchmark's presidium does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Start a session, then step through its agenda (next / previous).
    #[default]
    Program,
    /// Per action: open a secret poll, let `voters` delegates vote through the API
    /// (untimed), then close it (timed): the result must reach every screen.
    ClosePoll,
}

impl Scenario {
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Program => "program",
            Scenario::ClosePoll => "close-poll",
        }
    }
}

/// What the server prepares besides the demo congress.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerSetup {
    pub scenario: Scenario,
    /// close-poll: official delegates (extra ones are imported when the demo has fewer).
    pub voters: usize,
    /// close-poll: draft polls to create, one per action.
    pub actions: usize,
}

impl ServerSetup {
    /// The child's command-line arguments for this setup.
    fn args(&self) -> Vec<String> {
        vec![
            "--scenario".into(),
            self.scenario.as_str().into(),
            "--voters".into(),
            self.voters.to_string(),
            "--actions".into(),
            self.actions.to_string(),
        ]
    }
}

/// Title of the close-poll scenario's poll `k` (0-based); the hall screen shows it with
/// the result.
pub fn poll_title(k: usize) -> String {
    format!("Biểu quyết đo hiệu năng #{:03}", k + 1)
}

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
    /// close-poll: the official delegates who vote, with each session's CSRF token.
    #[serde(default)]
    pub voter_cookies: Vec<String>,
    #[serde(default)]
    pub voter_csrf: Vec<String>,
    /// close-poll: the draft polls, one per action, in order.
    #[serde(default)]
    pub poll_ids: Vec<u64>,
}

fn app_err(e: daihoi_domain::Error) -> anyhow::Error {
    anyhow!("{e} ({})", e.code())
}

/// close-poll: `voters` official delegates, B recorded for them, a running session (the
/// hall screen shows a result only during one), and `actions` secret draft polls that
/// every voting member may vote in. Returns the polls.
async fn prepare_close_poll(app: &App, voters: usize, actions: usize) -> anyhow::Result<Vec<u64>> {
    let admin = app
        .read(|s| {
            s.accounts()
                .find(|a| a.role == Role::Admin && a.active)
                .map(|a| Principal {
                    subject: Subject::Account(a.id),
                    role: a.role,
                    display_name: a.display_name.clone(),
                    csrf: None,
                })
        })
        .ok_or_else(|| anyhow!("no admin account"))?;
    let officials = app.read(|s| {
        s.delegates()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .count()
    });
    if voters > officials {
        let rows = (1..=voters - officials)
            .map(crate::votes::official)
            .collect();
        app.import_rows(&admin, "bench", rows)
            .await
            .map_err(app_err)?;
    }
    let officials = officials.max(voters) as u64;
    app.record_base(&admin, officials, "Báo cáo thẩm tra tư cách đại biểu")
        .await
        .map_err(app_err)?;
    let session = app
        .read(|s| {
            s.sessions()
                .into_iter()
                .find(|x| x.status == SessionStatus::Planned && !s.items_of(x.id).is_empty())
                .map(|x| x.id)
        })
        .ok_or_else(|| anyhow!("no planned session"))?;
    app.start_session(&admin, session).await.map_err(app_err)?;
    let mut polls = Vec::with_capacity(actions);
    for k in 0..actions {
        let id = app
            .create_poll(
                &admin,
                &daihoi_domain::poll::PollInput {
                    title: poll_title(k),
                    mode: "secret".into(),
                    eligibility: "all_voting_members".into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(app_err)?;
        polls.push(id.0);
    }
    Ok(polls)
}

/// Open the app on a fresh data directory and seed the demo congress.
pub async fn open_demo(
    data: &Path,
    setup: ServerSetup,
) -> anyhow::Result<(Arc<App>, daihoi_server::Config, Vec<u64>)> {
    let cfg = daihoi_server::Config {
        data: data.to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        public_url: "http://127.0.0.1".into(),
        ..daihoi_server::Config::default()
    };
    let app = daihoi_server::open_app(&cfg).await?;
    daihoi_server::demo::seed(&app).await?;
    let polls = match setup.scenario {
        Scenario::Program => Vec::new(),
        Scenario::ClosePoll => prepare_close_poll(&app, setup.voters, setup.actions).await?,
    };
    Ok((app, cfg, polls))
}

pub fn handoff(
    app: &App,
    addr: SocketAddr,
    setup: ServerSetup,
    poll_ids: Vec<u64>,
) -> anyhow::Result<Handoff> {
    let now = app.now();
    let (delegate_cookies, presidium_cookie, session_id, voter_cookies) = app.read(|s| {
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
            .map(|x| x.id.0);
        let session = match (session, setup.scenario) {
            (Some(id), _) => id,
            (None, Scenario::ClosePoll) => 0,
            (None, Scenario::Program) => anyhow::bail!("no planned session with two items"),
        };
        let mut officials: Vec<_> = s
            .delegates()
            .filter(|d| d.fields.kind == DelegateKind::Official)
            .collect();
        officials.sort_by_key(|d| d.id);
        let voters: Vec<String> = match setup.scenario {
            Scenario::Program => Vec::new(),
            Scenario::ClosePoll => officials
                .iter()
                .take(setup.voters)
                .map(|d| {
                    app.keys
                        .session_cookie(Subject::Delegate(d.id), d.qr_epoch, now)
                })
                .collect(),
        };
        Ok::<_, anyhow::Error>((cookies, cookie, session, voters))
    })?;
    let voter_csrf = voter_cookies
        .iter()
        .map(|c| {
            app.authenticate_cookie(c)
                .and_then(|p| p.csrf)
                .ok_or_else(|| anyhow!("a delegate's cookie does not authenticate"))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
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
        voter_cookies,
        voter_csrf,
        poll_ids,
    })
}

/// Seed, bind 127.0.0.1:0, report the handoff, then serve until `stop` resolves.
pub async fn serve_demo(
    data: &Path,
    setup: ServerSetup,
    ready: impl FnOnce(Handoff),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (app, cfg, polls) = open_demo(data, setup).await?;
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    ready(handoff(&app, addr, setup, polls)?);
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
pub async fn start_in_process(
    workers: usize,
    setup: ServerSetup,
) -> anyhow::Result<(Handoff, ServerHandle)> {
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
                let r = serve_demo(dir.path(), setup, ready, stop).await;
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
pub fn start_child(
    exe: &Path,
    max_seconds: u64,
    setup: ServerSetup,
) -> anyhow::Result<(Handoff, ServerHandle)> {
    let mut child = Command::new(exe)
        .args(["serve", "--max-seconds", &max_seconds.to_string()])
        .args(setup.args())
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
pub async fn child_main(max_seconds: u64, setup: ServerSetup) -> anyhow::Result<()> {
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
    serve_demo(dir.path(), setup, ready, stop).await
}
