//! Voting through the HTTP API: thousands of delegates at once, refusals that change
//! nothing but are audited, resubmission with an idempotency key, and `kill -9` in the
//! middle of a burst of votes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use daihoi_app::App;
use daihoi_domain::model::{DelegateId, PollId, SessionId};
use daihoi_domain::poll::PollInput;
use daihoi_testkit::{Backend, StatusCode, TestApp, eventually, spawn_app};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::cli::Server;
use crate::common::WAIT;

/// A delegate's signed-in phone, as the API sees it: the session cookie and its CSRF token.
#[derive(Clone)]
struct Phone {
    cookie: String,
    csrf: String,
}

/// Sign every delegate in through their QR token (one client address each, as phones are)
/// and take the CSRF token of the session.
fn phones(app: &App) -> Vec<Phone> {
    let delegates: Vec<_> = app.read(|s| s.delegates().cloned().collect());
    delegates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let url = app.qr_url(d);
            let token = url.rsplit('/').next().expect("token");
            let signed = app
                .sign_in_qr(token, &format!("10.0.{}.{}", i / 250, i % 250))
                .expect("QR sign-in");
            let csrf = app
                .authenticate_cookie(&signed.cookie)
                .and_then(|p| p.csrf)
                .expect("csrf");
            Phone {
                cookie: signed.cookie,
                csrf,
            }
        })
        .collect()
}

/// POST a ballot; (status, body).
/// A ballot POST to `/api/v1/polls/{poll}/vote` (`poll` as written in the path) from the
/// phone: its cookie and CSRF token, the body still to add.
fn vote_request(
    http: &reqwest::Client,
    base: &str,
    phone: &Phone,
    poll: &str,
) -> reqwest::RequestBuilder {
    http.post(format!("{base}/api/v1/polls/{poll}/vote"))
        .header("cookie", format!("daihoi_session={}", phone.cookie))
        .header("x-csrf-token", &phone.csrf)
}

async fn send_vote(
    http: &reqwest::Client,
    base: &str,
    phone: &Phone,
    poll: PollId,
    body: &Value,
) -> reqwest::Result<(StatusCode, Value)> {
    let r = vote_request(http, base, phone, &poll.to_string())
        .json(body)
        .send()
        .await?;
    let status = r.status();
    let v = r.json::<Value>().await.unwrap_or(Value::Null);
    Ok((status, v))
}

fn choice(i: usize) -> &'static str {
    ["agree", "agree", "disagree", "abstain", "agree"][i % 5]
}

/// Congress, `n` official delegates all present in the running session, B = n, and an open
/// poll of `mode`. Returns the poll and the session.
async fn open_poll(app: &App, n: usize, mode: &str) -> (PollId, SessionId) {
    let admin = admin(app);
    let session = app.read(|s| s.sessions().first().map(|x| x.id));
    let session = session.expect("a session");
    if app.read(|s| s.running_session().is_none()) {
        app.start_session(&admin, session).await.expect("start");
    }
    let ids: Vec<DelegateId> = app.read(|s| s.delegates().map(|d| d.id).collect());
    assert_eq!(ids.len(), n);
    app.mark_attendance_many(&admin, session, &ids, true)
        .await
        .expect("attendance");
    app.record_base(&admin, n as u64, "Báo cáo thẩm tra tư cách")
        .await
        .expect("base");
    let poll = app
        .create_poll(
            &admin,
            &PollInput {
                title: "Thông qua Nghị quyết Đại hội".into(),
                mode: mode.into(),
                ..Default::default()
            },
        )
        .await
        .expect("create poll");
    app.open_poll(&admin, poll).await.expect("open poll");
    (poll, session)
}

fn admin(app: &App) -> daihoi_app::Principal {
    let a = app
        .read(|s| s.account_by_username(daihoi_testkit::ADMIN_USER).cloned())
        .expect("admin");
    daihoi_app::Principal {
        subject: daihoi_app::Subject::Account(a.id),
        role: a.role,
        display_name: a.display_name,
        csrf: None,
    }
}

async fn prepared(backend: Backend, n: usize, mode: &str) -> (TestApp, PollId) {
    let t = spawn_app(backend).await;
    t.setup_congress().await;
    t.import_delegates(n).await;
    t.add_program().await;
    let (poll, _) = open_poll(&t.app, n, mode).await;
    (t, poll)
}

/// 2,000 delegates vote at once through the HTTP API (200 requests in flight; a tenth of
/// them send their ballot twice with the same idempotency key, as a phone on a flaky
/// network does): every acknowledged ballot is counted exactly once, and the totals are
/// exactly the ballots sent.
async fn two_thousand_vote_at_once(backend: Backend) {
    const N: usize = 2_000;
    let (t, poll) = prepared(backend, N, "secret").await;
    let phones = phones(&t.app);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let gate = Arc::new(Semaphore::new(200));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, phone) in phones.iter().cloned().enumerate() {
        let (http, gate, base) = (http.clone(), gate.clone(), t.base.clone());
        tasks.push(tokio::spawn(async move {
            let _slot = gate.acquire_owned().await.expect("semaphore");
            let body =
                json!({ "choices": [choice(i)], "idempotency_key": format!("k-{i:06}-flaky") });
            let first = send_vote(&http, &base, &phone, poll, &body)
                .await
                .expect("vote");
            let again = if i % 10 == 0 {
                Some(
                    send_vote(&http, &base, &phone, poll, &body)
                        .await
                        .expect("resend"),
                )
            } else {
                None
            };
            (i, first, again)
        }));
    }
    let mut receipts = BTreeSet::new();
    for task in tasks {
        let (i, (status, body), again) = task.await.expect("task");
        assert_eq!(status, StatusCode::OK, "delegate {i}: {body}");
        let receipt = body["receipt"].as_str().expect("receipt").to_string();
        if let Some((s2, b2)) = again {
            assert_eq!(s2, StatusCode::OK, "resend of {i}: {b2}");
            assert_eq!(
                b2["receipt"].as_str(),
                Some(receipt.as_str()),
                "same receipt"
            );
        }
        receipts.insert(receipt);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{backend:?}: {N} ballots (+{} resends) acknowledged in {elapsed:?}",
        N / 10
    );
    assert_eq!(receipts.len(), N, "one distinct receipt per delegate");
    assert_eq!(t.app.read(|s| s.poll(poll).map(|p| p.voted.len())), Some(N));

    t.app.close_poll(&admin(&t.app), poll).await.expect("close");
    let r = t.app.read(|s| s.poll_result(poll)).expect("result");
    assert_eq!(r.ballots, N as u64, "every ballot counted once");
    let counts: BTreeMap<String, u64> = r.questions[0]
        .counts
        .iter()
        .map(|(k, s)| (k.clone(), s.part))
        .collect();
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..N {
        *want.entry(choice(i).to_string()).or_default() += 1;
    }
    assert_eq!(counts, want);
    assert_eq!(counts.values().sum::<u64>(), N as u64);
    assert_eq!(r.questions[0].base.base, N as u64, "measured against B");
}

both_backends!(two_thousand_vote_at_once: two_thousand_vote_at_once_sqlite, two_thousand_vote_at_once_postgres);

/// The audit records of refused ballots: (code, poll).
async fn refusals(t: &TestApp) -> Vec<(String, Option<u64>)> {
    let events = t.app.engine.store().read(0, 100_000).await.expect("log");
    events
        .iter()
        .filter(|e| e.kind == "vote_refused")
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).expect("json");
            (
                v["code"].as_str().unwrap_or_default().to_string(),
                v["poll"].as_u64(),
            )
        })
        .collect()
}

/// Bad ballots are refused with a clear message naming the problem, change nothing and
/// leave an audit record each; a resubmission with the same key is answered with the same
/// receipt, even after the close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ballots_are_refused_audited_and_change_nothing() {
    let (t, poll) = prepared(Backend::Sqlite, 4, "named").await;
    let phones = phones(&t.app);
    let http = reqwest::Client::new();
    let base = t.base.clone();
    let vote = |i: usize, body: Value| {
        let (http, base, phone) = (http.clone(), base.clone(), phones[i].clone());
        async move {
            send_vote(&http, &base, &phone, poll, &body)
                .await
                .expect("send")
        }
    };

    let (s, ok) = vote(
        0,
        json!({"choices": ["agree"], "idempotency_key": "phone-0-key"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{ok}");
    let receipt = ok["receipt"].as_str().expect("receipt").to_string();
    // Until the close, nobody sees how anyone voted, nor any count.
    let open = t
        .client()
        .get_bearer(
            &format!("/api/v1/polls/{poll}"),
            &t.token(daihoi_domain::Role::Admin).await,
        )
        .await;
    assert_eq!(open.json()["result"], Value::Null, "{}", open.body);
    assert_eq!(open.json()["voted"], 1);
    let voted = || {
        t.app.read(|s| {
            s.poll(poll)
                .map(|p| (p.voted.len(), p.named_ballots.clone()))
        })
    };
    let before = voted();

    // Twice (another key): refused.
    let (s, e) = vote(
        0,
        json!({"choices": ["disagree"], "idempotency_key": "phone-0-other"}),
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("ALREADY_VOTED")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("đã biểu quyết"),
        "{e}"
    );
    // The same key again: the same receipt, nothing new.
    let (s, again) = vote(
        0,
        json!({"choices": ["agree"], "idempotency_key": "phone-0-key"}),
    )
    .await;
    assert_eq!(
        (s, again["receipt"].as_str()),
        (StatusCode::OK, Some(receipt.as_str()))
    );
    // An unknown option, the wrong number of choices, a bad key, a malformed body, a field
    // naming another voter: 422 naming the input.
    let (s, e) = vote(1, json!({"choices": ["maybe"]})).await;
    assert_eq!(
        (s, e["code"].as_str(), e["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("INVALID_INPUT"),
            Some("choice")
        ),
        "{e}"
    );
    let (s, e) = vote(1, json!({"choices": ["agree", "agree"]})).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("INVALID_INPUT")),
        "{e}"
    );
    let (s, e) = vote(1, json!({"choices": ["agree"], "idempotency_key": "x"})).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key")),
        "{e}"
    );
    let (s, e) = vote(1, json!({"choices": ["agree"], "voter": 3})).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body")),
        "{e}"
    );
    assert!(
        e["message"].as_str().unwrap_or_default().contains("voter"),
        "names the field: {e}"
    );
    let r = vote_request(&http, &base, &phones[1], &poll.to_string())
        .header("content-type", "application/json")
        .body("{\"choices\": [\"agree\"")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Without the right: a staff member has no vote.
    let token = t.token(daihoi_domain::Role::Presidium).await;
    let r = http
        .post(format!("{base}/api/v1/polls/{poll}/vote"))
        .bearer_auth(&token)
        .json(&json!({"choices": ["agree"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // No such poll.
    let r = vote_request(&http, &base, &phones[1], "999999")
        .json(&json!({"choices": ["agree"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Not a poll id at all.
    let r = vote_request(&http, &base, &phones[1], "abc")
        .json(&json!({"choices": ["agree"]}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.expect("json");
    assert_eq!(e["field"], "id", "{e}");
    assert_eq!(voted(), before, "nothing changed");

    // Closed: refused; the same key still gets its receipt.
    t.app.close_poll(&admin(&t.app), poll).await.expect("close");
    let (s, e) = vote(2, json!({"choices": ["agree"]})).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("POLL_CLOSED")),
        "{e}"
    );
    let (s, again) = vote(
        0,
        json!({"choices": ["agree"], "idempotency_key": "phone-0-key"}),
    )
    .await;
    assert_eq!(
        (s, again["receipt"].as_str()),
        (StatusCode::OK, Some(receipt.as_str()))
    );

    // A named poll shows who voted what from the close on, through the API.
    let admin_token = t.token(daihoi_domain::Role::Admin).await;
    let p = t
        .client()
        .get_bearer(&format!("/api/v1/polls/{poll}"), &admin_token)
        .await;
    let named = &p.json()["result"]["named_ballots"];
    assert_eq!(named.as_array().map(Vec::len), Some(1), "{named}");
    assert_eq!(named[0]["code"], "DB001");
    assert_eq!(named[0]["choices"], json!(["Tán thành"]));

    let codes: Vec<String> = refusals(&t).await.into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        codes,
        vec![
            "ALREADY_VOTED",
            "INVALID_INPUT",
            "INVALID_INPUT",
            "INVALID_INPUT",
            "INVALID_INPUT",
            "INVALID_INPUT",
            "FORBIDDEN",
            "NOT_FOUND",
            "INVALID_INPUT",
            "POLL_CLOSED"
        ],
        "one audit record per refusal"
    );
    // The refusals keep the chain intact.
    let p = t
        .client()
        .get_bearer(
            "/api/v1/audit/verify",
            &t.token(daihoi_domain::Role::Admin).await,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
}

/// `kill -9` of the server binary in the middle of a burst of ballots: after the restart
/// every acknowledged ballot is there (its key answers with its receipt), the count equals
/// the voters marked, and the audit chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_votes_survive_kill_9() {
    const N: usize = 600;
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    // Prepare the congress in the data directory the binary will serve.
    let (poll, phones) = {
        let store = daihoi_store_sqlite::SqliteStore::open(&data.join("daihoi.db"))
            .await
            .expect("open");
        let app = App::open(
            Arc::new(store),
            Arc::new(daihoi_app::SystemClock),
            "http://127.0.0.1",
        )
        .await
        .expect("app");
        app.setup(&TestApp::setup_input()).await.expect("setup");
        let admin_p = admin(&app);
        let rows: Vec<_> = (1..=N).map(daihoi_testkit::delegate_fields).collect();
        app.import_rows(&admin_p, "kiểm thử", rows)
            .await
            .expect("import");
        app.add_session(
            &admin_p,
            &daihoi_domain::state::SessionInput {
                date: "01/12/2026".into(),
                title: "Phiên bế mạc".into(),
                kind: "closing".into(),
                starts_at: "14:00".into(),
                ends_at: "16:30".into(),
                location: "Hội trường lớn".into(),
            },
        )
        .await
        .expect("session");
        let (poll, _) = open_poll(&app, N, "secret").await;
        (poll, phones(&app))
    };
    let mut server = Server::start("serve", &data, tmp.path().join("serve.log")).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .expect("client");
    let acked = Arc::new(std::sync::Mutex::new(Vec::<(usize, String)>::new()));
    let gate = Arc::new(Semaphore::new(64));
    let mut tasks = Vec::new();
    for (i, phone) in phones.iter().cloned().enumerate() {
        let (http, gate, base, acked) = (
            http.clone(),
            gate.clone(),
            server.base.clone(),
            acked.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _slot = gate.acquire_owned().await.expect("semaphore");
            let body =
                json!({ "choices": [choice(i)], "idempotency_key": format!("crash-{i:05}") });
            if let Ok((StatusCode::OK, v)) = send_vote(&http, &base, &phone, poll, &body).await
                && let Some(r) = v["receipt"].as_str()
                && let Ok(mut a) = acked.lock()
            {
                a.push((i, r.to_string()));
            }
        }));
    }
    let some = eventually(WAIT, || async {
        (acked.lock().map(|a| a.len()).unwrap_or(0) >= 100).then_some(())
    })
    .await;
    assert!(some.is_some(), "ballots are being acknowledged");
    server.kill_9().await;
    for task in tasks {
        let _ = task.await;
    }
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    eprintln!("{} of {N} ballots acknowledged before kill -9", acked.len());
    assert!(
        acked.len() < N,
        "the kill came after the whole burst: nothing was tested"
    );

    let server = Server::start("serve", &data, tmp.path().join("serve2.log")).await;
    // Every acknowledged ballot is stored: its key is answered with its receipt.
    for (i, receipt) in &acked {
        let body = json!({ "choices": [choice(*i)], "idempotency_key": format!("crash-{i:05}") });
        let (s, v) = send_vote(&http, &server.base, &phones[*i], poll, &body)
            .await
            .expect("resend");
        assert_eq!(
            (s, v["receipt"].as_str()),
            (StatusCode::OK, Some(receipt.as_str())),
            "acknowledged ballot {i} lost; log:\n{}",
            server.log()
        );
    }
    // Close through the API: the count is exactly the voters marked.
    let staff = daihoi_testkit::Client::new(&server.base);
    let r = staff
        .sign_in_password(daihoi_testkit::ADMIN_USER, daihoi_testkit::ADMIN_PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "admin sign-in: {}", r.body);
    let csrf = staff.csrf().await.expect("csrf");
    let closed = staff
        .http()
        .post(format!("{}/api/v1/polls/{poll}/close", server.base))
        .header("x-csrf-token", csrf)
        .send()
        .await
        .expect("close");
    assert_eq!(closed.status(), StatusCode::OK);
    let out: Value = closed.json().await.expect("json");
    let ballots = out["result"]["ballots"].as_u64().expect("ballots");
    assert_eq!(out["voted"].as_u64(), Some(ballots), "{out}");
    assert!(
        ballots as usize >= acked.len(),
        "{ballots} < {}",
        acked.len()
    );
    let total: u64 = out["result"]["questions"][0]["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .filter_map(|c| c["count"].as_u64())
        .sum();
    assert_eq!(total, ballots, "counts add up to the ballots");
    drop(server);
}

/// Ballots wake only the screens that show the voted/eligible counter: the presidium's
/// stream hears each one, a delegate's phone none; both hear the close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ballots_reach_staff_screens_not_phones() {
    let (t, poll) = prepared(Backend::Sqlite, 3, "secret").await;
    let phones_ = phones(&t.app);
    let presidium = crate::common::presidium_client(&t).await;
    let phone = crate::common::delegate_client(&t, "DB003").await;
    let mut staff_events = presidium.events().await;
    let mut phone_events = phone.events().await;
    for s in [&mut staff_events, &mut phone_events] {
        let hello = s.next(WAIT).await.expect("hello");
        assert_eq!(hello.event, "hello");
    }
    let http = reqwest::Client::new();
    for (i, p) in phones_.iter().take(2).enumerate() {
        let (s, v) = send_vote(&http, &t.base, p, poll, &json!({"choices": [choice(i)]}))
            .await
            .expect("vote");
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    for _ in 0..2 {
        let n = staff_events.next(WAIT).await.expect("a ballot notice");
        assert_eq!(
            (n.event.as_str(), n.topics()),
            ("notice", vec!["votes".to_string()])
        );
    }
    t.app.close_poll(&admin(&t.app), poll).await.expect("close");
    let close_seq = t.app.engine.head_seq();
    let n = phone_events.next(WAIT).await.expect("the close");
    assert_eq!(
        n.seq(),
        close_seq,
        "the phone's first notice is the close: {n:?}"
    );
    assert!(n.topics().contains(&"polls".to_string()));
    let n = staff_events.next(WAIT).await.expect("the close");
    assert_eq!(n.seq(), close_seq);
}
