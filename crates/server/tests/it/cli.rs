//! The `daihoi` binary itself: the demo, durability across `kill -9`, the audit and token
//! commands, and refusing an unknown database URL.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use daihoi_testkit::{Backend, Client, StatusCode, eventually, spawn_app};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::common::WAIT;

const BIN: &str = env!("CARGO_BIN_EXE_daihoi");

/// The binary with a clean environment: no DATABASE_URL or DAIHOI_* from the caller.
pub(crate) fn daihoi(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("DAIHOI_") {
            c.env_remove(k);
        }
    }
    c
}

/// Run a command to completion: (exit code, stdout, stderr).
pub(crate) async fn run(mut c: Command) -> (i32, String, String) {
    let out = tokio::time::timeout(Duration::from_secs(60), c.stdin(Stdio::null()).output())
        .await
        .expect("the command finishes")
        .expect("the command runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A server running as a child process.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
    log: PathBuf,
    /// `ROLE: URL` lines the demo printed, by role.
    links: HashMap<String, Vec<String>>,
}

impl Server {
    /// `daihoi demo` or `daihoi serve` on `data`, ready when /healthz answers.
    pub(crate) async fn start(cmd: &str, data: &Path, log: PathBuf) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let data_s = data.to_string_lossy().into_owned();
        let mut c = daihoi(&[cmd, "--data", &data_s, "--listen", &listen]);
        let log_file = std::fs::File::create(&log).expect("log file");
        c.stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .stdin(Stdio::null());
        let mut child = c.spawn().expect("spawn daihoi");
        let base = format!("http://{listen}");
        let mut links: HashMap<String, Vec<String>> = HashMap::new();
        if cmd == "demo" {
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            let read = async {
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some((role, url)) = line.split_once(": ") {
                        links
                            .entry(role.to_string())
                            .or_default()
                            .push(url.to_string());
                    }
                    if line.starts_with("hall_screen:") {
                        break;
                    }
                }
            };
            if tokio::time::timeout(Duration::from_secs(120), read)
                .await
                .is_err()
            {
                panic!(
                    "the demo printed no links; log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            // Keep draining stdout so the child never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        }
        let probe = Client::new(&base);
        let up = eventually(Duration::from_secs(60), || async {
            probe
                .try_get("/healthz")
                .await
                .ok()
                .filter(|p| p.status == StatusCode::OK)
        })
        .await;
        if up.is_none() {
            let _ = child.start_kill();
            panic!(
                "{cmd} did not come up on {listen}; log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        Server {
            child,
            base,
            log,
            links,
        }
    }

    pub(crate) fn link(&self, role: &str) -> String {
        self.links
            .get(role)
            .and_then(|l| l.first())
            .cloned()
            .unwrap_or_else(|| panic!("no {role} link in {:?}", self.links))
    }

    /// SIGKILL: no shutdown code runs.
    pub(crate) async fn kill_9(&mut self) {
        self.child.start_kill().expect("kill");
        let status = self.child.wait().await.expect("wait");
        assert!(!status.success(), "killed: {status:?}");
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// POST one announcement; Some(text) when the server acknowledged it (303, or 204 for
/// scripts).
async fn announce(c: &Client, csrf: &str, text: String, fetch: bool) -> Option<String> {
    let headers: &[(&str, &str)] = if fetch {
        &[("x-requested-with", "fetch")]
    } else {
        &[]
    };
    match c
        .try_post_form_raw(
            "/console/announce",
            &[("text", &text), ("_csrf", csrf)],
            headers,
        )
        .await
    {
        Ok(p) if p.status == StatusCode::SEE_OTHER || p.status == StatusCode::NO_CONTENT => {
            Some(text)
        }
        Ok(p) => panic!("announcement refused: {} {}", p.status, p.body),
        Err(_) => None,
    }
}

/// Every announcement text the server knows, read through the API as `c`.
async fn announcement_texts(c: &Client) -> BTreeSet<String> {
    let p = c.get("/api/v1/announcements").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    p.json()
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["text"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let mut server = Server::start("demo", &data, tmp.path().join("demo.log")).await;

    let presidium = Client::new(&server.base);
    let p = presidium.open_link(&server.link("presidium")).await;
    assert_eq!(
        (p.status, p.path()),
        (StatusCode::OK, "/console"),
        "{}",
        p.body
    );
    let csrf = presidium.csrf().await.expect("token");
    let delegate_link = server.link("delegate");

    // A first burst of 200, all acknowledged.
    let burst = (0..200).map(|i| {
        announce(
            &presidium,
            &csrf,
            format!("Thông báo số {i} của đợt một"),
            i % 2 == 0,
        )
    });
    let first: Vec<String> = futures::future::join_all(burst)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(
        first.len(),
        200,
        "a healthy server acknowledges every announcement"
    );

    // A second burst, killed in the middle.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for i in 0..600 {
        let (c, csrf, acked) = (presidium.clone(), csrf.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            if let Some(t) = announce(
                &c,
                &csrf,
                format!("Thông báo số {i} của đợt hai"),
                i % 2 == 1,
            )
            .await
                && let Ok(mut a) = acked.lock()
            {
                a.push(t);
            }
        }));
    }
    let some = eventually(WAIT, || async {
        (acked.lock().map(|a| a.len()).unwrap_or(0) >= 25).then_some(())
    })
    .await;
    assert!(some.is_some(), "the second burst is being acknowledged");
    server.kill_9().await;
    for t in tasks {
        let _ = t.await;
    }
    let second = acked.lock().map(|a| a.clone()).unwrap_or_default();
    eprintln!(
        "second burst: {} of 600 acknowledged before kill -9",
        second.len()
    );
    assert!(second.len() >= 25);
    assert!(
        second.len() < 600,
        "the kill came after the whole burst: nothing was tested"
    );

    // Restart on the same data: every acknowledged announcement is there.
    let mut server = Server::start("serve", &data, tmp.path().join("serve.log")).await;
    let phone = Client::new(&server.base);
    // The link names the first server's address; open_link keeps only its path.
    let p = phone.open_link(&delegate_link).await;
    assert_eq!(
        (p.status, p.path()),
        (StatusCode::OK, "/app"),
        "the old QR still works: {}",
        p.body
    );
    let known = announcement_texts(&phone).await;
    let missing: Vec<&String> = first
        .iter()
        .chain(second.iter())
        .filter(|t| !known.contains(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged announcements lost, e.g. {:?}; log:\n{}",
        missing.len(),
        missing.first(),
        server.log()
    );
    // The phone's page shows the newest of them.
    let newest = {
        let p = phone.get("/api/v1/announcements").await;
        let list = p.json();
        let list = list.as_array().expect("list");
        list.iter()
            .max_by_key(|a| a["id"].as_u64())
            .and_then(|a| a["text"].as_str())
            .map(str::to_string)
            .expect("some")
    };
    assert!(
        phone.get("/app").await.contains(&newest),
        "/app shows {newest}"
    );
    server.kill_9().await;

    let (code, out, err) = run(daihoi(&[
        "audit",
        "verify",
        "--data",
        &data.to_string_lossy(),
    ]))
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("OK"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_export_and_verify_name_the_tampered_event() {
    let t = spawn_app(Backend::Sqlite).await;
    t.setup_congress().await;
    t.import_delegates(5).await;
    t.start_program().await;
    let admin = t.admin_principal();
    for text in [
        "Thông báo thứ nhất",
        "Thông báo cần giả mạo",
        "Thông báo thứ ba",
    ] {
        t.app.announce(&admin, text).await.expect("announce");
    }
    let n = t.app.engine.head_seq();
    assert!(n >= 8, "{n}");
    let data = t.data_dir().to_string_lossy().into_owned();

    // Export: one JSON object per line, seq 1..N, each linked to the one before.
    let (code, out, err) = run(daihoi(&["audit", "export", "--data", &data])).await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let seqs: Vec<i64> = lines
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, (1..=n).collect::<Vec<_>>());
    assert_eq!(lines[0]["prev_hash"], "0".repeat(64));
    for w in lines.windows(2) {
        assert_eq!(
            w[1]["prev_hash"], w[0]["hash"],
            "event {} links to {}",
            w[1]["seq"], w[0]["seq"]
        );
    }
    let target = lines
        .iter()
        .find(|e| {
            e["kind"] == "announcement_posted"
                && e["payload"]
                    .as_str()
                    .is_some_and(|p| p.contains("Thông báo cần giả mạo"))
        })
        .expect("the announcement's event");
    let k = target["seq"].as_i64().expect("seq");
    assert_eq!(target["actor"], t.admin_principal().actor().to_string());

    // --out writes the same lines to a file.
    let file = t.data_dir().join("audit.jsonl");
    let (code, _, err) = run(daihoi(&[
        "audit",
        "export",
        "--data",
        &data,
        "--out",
        &file.to_string_lossy(),
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("export file"), out);

    let (code, verified, err) = run(daihoi(&["audit", "verify", "--data", &data])).await;
    assert_eq!(code, 0, "{verified}{err}");
    assert!(
        verified.starts_with(&format!("OK: {n} events, chain intact")),
        "{verified}"
    );

    // Someone edits one announcement in the database file.
    {
        use sqlx::Connection;
        let url = format!("sqlite://{}", t.data_dir().join("daihoi.db").display());
        let mut db = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open the SQLite file");
        let changed = sqlx::query("UPDATE events SET payload = replace(payload, 'cần giả mạo', 'đã bị sửa') WHERE seq = ?")
            .bind(k)
            .execute(&mut db)
            .await
            .expect("tamper")
            .rows_affected();
        assert_eq!(changed, 1);
        db.close().await.expect("close");
    }
    let (code, out, err) = run(daihoi(&["audit", "verify", "--data", &data])).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!("BROKEN at event {k}:")),
        "names the tampered event {k}: {out}"
    );
    assert!(out.contains("content does not match its hash"), "{out}");

    // The server refuses to start on a broken log, naming the event.
    let (code, out, err) = run(daihoi(&[
        "serve",
        "--data",
        &data,
        "--listen",
        "127.0.0.1:0",
    ]))
    .await;
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains(&format!("event {k}")), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_create_prints_a_working_bearer_token() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().into_owned();

    let (code, out, err) = run(daihoi(&[
        "token",
        "create",
        "--data",
        &data_s,
        "--role",
        "presidium",
        "--label",
        "Bảng điều khiển",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    let token = out.trim().to_string();
    assert!(
        token.starts_with("dh_") && !token.contains(char::is_whitespace),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "only the token on stdout: {out}");

    // Delegates sign in with their QR code, never with a token; unknown roles are named.
    for role in ["delegate", "sieu_nhan"] {
        let (code, _, err) = run(daihoi(&[
            "token", "create", "--data", &data_s, "--role", role,
        ]))
        .await;
        assert_ne!(code, 0, "--role {role}");
        assert!(err.contains(role), "{err}");
    }

    let mut server = Server::start("serve", &data, tmp.path().join("serve.log")).await;
    let c = Client::new(&server.base);
    let p = c.get_bearer("/api/v1/live", &token).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.json()["seq"].as_i64().is_some_and(|s| s >= 1),
        "{}",
        p.body
    );
    let p = c.get_bearer("/api/v1/me", &token).await;
    assert_eq!(p.json()["role"], "presidium", "{}", p.body);
    let p = c.get_bearer("/fragments/live", &token).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);

    // A wrong secret, or no token: 401.
    let mut wrong = token.clone();
    let last = wrong.pop().expect("non-empty");
    wrong.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [wrong.as_str(), "dh_1_x", "khong-phai-ma"] {
        let p = c.get_bearer("/api/v1/live", bad).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{bad}: {}", p.body);
        assert_eq!(p.json()["code"], "UNAUTHENTICATED");
    }
    assert_eq!(c.get("/api/v1/live").await.status, StatusCode::UNAUTHORIZED);
    server.kill_9().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_database_scheme_is_refused_and_creates_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let mut c = daihoi(&[
        "serve",
        "--data",
        &data.to_string_lossy(),
        "--listen",
        "127.0.0.1:0",
    ]);
    c.env("DATABASE_URL", "mysql://x").current_dir(tmp.path());
    let (code, out, err) = run(c).await;
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("\"mysql\""), "names the scheme: {err}");
    assert!(err.contains("postgres://"), "says what is supported: {err}");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("tmp")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "no file or directory was created: {left:?}"
    );
}

/// A second process must not write behind a running server's back: the server's in-memory
/// chain head would go stale and its next write would be refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_is_refused_while_the_server_runs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let data_s = data.to_string_lossy().into_owned();
    let mut server = Server::start("demo", &data, tmp.path().join("demo.log")).await;
    let head_before = std::fs::metadata(data.join("daihoi.db"))
        .map(|m| m.len())
        .unwrap_or_default();

    let (code, out, err) = run(daihoi(&[
        "token",
        "create",
        "--data",
        &data_s,
        "--role",
        "presidium",
    ]))
    .await;
    assert_ne!(
        code, 0,
        "token create must fail while the server runs: {out}"
    );
    assert!(out.trim().is_empty(), "no token printed: {out}");
    assert!(err.contains("another daihoi process"), "{err}");
    let (code, _, err) = run(daihoi(&[
        "serve",
        "--data",
        &data_s,
        "--listen",
        "127.0.0.1:0",
    ]))
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("another daihoi process"), "{err}");
    // The server is unharmed: it still writes.
    let presidium = Client::new(&server.base);
    presidium.open_link(&server.link("presidium")).await;
    let csrf = presidium.csrf().await.expect("csrf");
    assert!(
        announce(&presidium, &csrf, "Sau khi bị từ chối".into(), false)
            .await
            .is_some(),
        "{}",
        server.log()
    );
    assert!(
        std::fs::metadata(data.join("daihoi.db"))
            .map(|m| m.len())
            .unwrap_or_default()
            >= head_before
    );

    // Once the server has stopped, the same command works.
    server.kill_9().await;
    let (code, out, err) = run(daihoi(&[
        "token",
        "create",
        "--data",
        &data_s,
        "--role",
        "presidium",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().starts_with("dh_"));
}
