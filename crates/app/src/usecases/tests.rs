use super::*;
use crate::clock::FixedClock;
use chrono::TimeZone;
use daihoi_store_sqlite::SqliteStore;

pub(crate) async fn set_up(app: &App) {
    app.setup(&setup_input()).await.unwrap();
}

pub(crate) async fn app_in(dir: &std::path::Path) -> Arc<App> {
    let store = SqliteStore::open(&dir.join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
    ));
    App::open(Arc::new(store), clock, "http://hall.local:8080/")
        .await
        .unwrap()
}

pub(crate) fn setup_input() -> SetupInput {
    SetupInput {
        congress: CongressInput {
            name: "Đại hội đại biểu Đảng bộ tỉnh".into(),
            place: "Hội trường".into(),
            starts_on: "01/12/2026".into(),
            ends_on: "03/12/2026".into(),
            kind: "party_congress".into(),
        },
        username: "admin".into(),
        display_name: "Quản trị viên".into(),
        password: "mật-khẩu-rất-dài".into(),
    }
}

pub(crate) fn admin(app: &App) -> Principal {
    let signed = app
        .sign_in_password("admin", "mật-khẩu-rất-dài", "test")
        .unwrap();
    app.authenticate_cookie(&signed.cookie).unwrap()
}

#[tokio::test]
async fn setup_happens_once_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let app = app_in(dir.path()).await;
        assert!(app.needs_setup());
        app.setup(&setup_input()).await.unwrap();
        assert_eq!(
            app.setup(&setup_input()).await.unwrap_err().code(),
            "ALREADY_SET_UP"
        );
        let p = admin(&app);
        let s = app
            .add_session(
                &p,
                &SessionInput {
                    date: "01/12/2026".into(),
                    title: "Phiên trù bị".into(),
                    kind: "preparatory".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        app.add_item(
            &p,
            s,
            &ItemInput {
                title: "Bầu Đoàn Chủ tịch".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        app.start_session(&p, s).await.unwrap();
    }
    let app = app_in(dir.path()).await;
    assert!(!app.needs_setup());
    app.read(|s| {
        assert_eq!(
            s.info.as_ref().unwrap().name,
            "Đại hội đại biểu Đảng bộ tỉnh"
        );
        assert_eq!(s.running_session().unwrap().fields.title, "Phiên trù bị");
        assert_eq!(s.current_item().unwrap().fields.title, "Bầu Đoàn Chủ tịch");
    });
    // The same signing key after restart: the old password still signs in and links still verify.
    admin(&app);
}

#[tokio::test]
async fn roles_are_enforced_by_every_use_case() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path()).await;
    app.setup(&setup_input()).await.unwrap();
    let a = admin(&app);
    let screen = app
        .create_account(&a, "hall1", "Màn hình hội trường", Role::HallScreen, None)
        .await
        .unwrap();
    let acc = app.read(|s| s.account(screen).cloned()).unwrap();
    let token = app.link_url(&acc).rsplit('/').next().unwrap().to_string();
    let signed = app.sign_in_link(&token, "c").unwrap();
    let hall = app.authenticate_cookie(&signed.cookie).unwrap();
    assert_eq!(hall.role, Role::HallScreen);
    assert_eq!(
        app.announce(&hall, "x").await.unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        app.add_session(&hall, &SessionInput::default())
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        app.create_account(&hall, "x1", "x", Role::Admin, Some("0123456789"))
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert!(app.badges_pdf(&hall, None).is_err());
    // Staff accounts need a password.
    assert_eq!(
        app.create_account(&a, "pres", "Chủ tọa", Role::Presidium, None)
            .await
            .unwrap_err(),
        Error::invalid("password", "required")
    );
    // Revoking the link signs the device out at once.
    app.revoke_sign_in(&a, screen).await.unwrap();
    assert!(app.authenticate_cookie(&signed.cookie).is_none());
    assert_eq!(
        app.sign_in_link(&token, "c").unwrap_err().code(),
        "LINK_REVOKED"
    );
}

#[tokio::test]
async fn password_sign_in_is_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path()).await;
    app.setup(&setup_input()).await.unwrap();
    for _ in 0..10 {
        assert_eq!(
            app.sign_in_password("admin", "wrong-password", "ip1")
                .unwrap_err()
                .code(),
            "BAD_CREDENTIALS"
        );
    }
    assert_eq!(
        app.sign_in_password("admin", "mật-khẩu-rất-dài", "ip2")
            .unwrap_err(),
        Error::RateLimited
    );
    assert_eq!(
        app.sign_in_password("nobody", "x", "ip3")
            .unwrap_err()
            .code(),
        "BAD_CREDENTIALS"
    );
}

#[tokio::test]
async fn concurrent_writes_are_all_durable_and_chained() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path()).await;
    app.setup(&setup_input()).await.unwrap();
    let p = admin(&app);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let app = app.clone();
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            app.announce(&p, &format!("Thông báo số {i}")).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let report = daihoi_store::verify_chain(&**app.engine.store())
        .await
        .unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.events, 2 + 200);
    drop(app);
    let again = app_in(dir.path()).await;
    assert_eq!(again.read(|s| s.announcements().count()), 200);
}

#[tokio::test]
async fn notices_follow_commits() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path()).await;
    app.setup(&setup_input()).await.unwrap();
    let p = admin(&app);
    let mut rx = app.engine.subscribe();
    app.announce(&p, "Mời đại biểu vào hội trường")
        .await
        .unwrap();
    let n = rx.recv().await.unwrap();
    assert_eq!(n.topics, vec![daihoi_domain::event::Topic::Announcements]);
    assert_eq!(n.seq, app.engine.head_seq());
}

#[tokio::test]
async fn secret_counters_commit_with_their_events_or_not_at_all() {
    use daihoi_store::TallyDelta;
    let dir = tempfile::tempdir().unwrap();
    let app = app_in(dir.path()).await;
    app.setup(&setup_input()).await.unwrap();
    let now = app.now();
    let d = |option, weight| TallyDelta {
        poll: 9,
        question: 0,
        option,
        ballots: 1,
        weight,
    };
    let mut tasks = Vec::new();
    for i in 0..50 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.engine
                .execute_with_tally(&Actor::System, now, |s| {
                    let (_, ev) = s.decide_announce(&format!("đánh dấu {i}"), "x", now)?;
                    Ok(((), ev, vec![d(i % 3, 10)]))
                })
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let counters = app.engine.store().read_tally(9).await.unwrap();
    let by_option: Vec<(i32, i64, i64)> = counters
        .iter()
        .map(|c| (c.option, c.ballots, c.weight))
        .collect();
    assert_eq!(by_option, vec![(0, 17, 170), (1, 17, 170), (2, 16, 160)]);
    // Counters never move on their own.
    let err = app
        .engine
        .execute_with_tally(&Actor::System, now, |_| Ok(((), vec![], vec![d(0, 1)])))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage(_)));
    assert_eq!(app.engine.store().read_tally(9).await.unwrap(), counters);
    assert_eq!(
        daihoi_store::verify_chain(&**app.engine.store())
            .await
            .unwrap()
            .broken,
        None
    );
}

fn official(code: &str, name: &str) -> DelegateFields {
    DelegateFields {
        code: code.into(),
        full_name: name.into(),
        birth_date: None,
        gender: None,
        ethnicity: "Kinh".into(),
        position: String::new(),
        unit: String::new(),
        delegation: "Đoàn 1".into(),
        group: "Tổ 1".into(),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: Default::default(),
    }
}

/// A secret poll from creation to result, with concurrent votes, a refused second vote, a
/// restart in the middle, and a count that comes only from the durable counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_poll_counts_every_acknowledged_vote_once() {
    use daihoi_domain::poll::{Outcome, PollInput};
    let dir = tempfile::tempdir().unwrap();
    let (app, ids, _, _) = voting_congress(dir.path(), 5).await;
    let a = admin(&app);
    let poll = app
        .create_poll(
            &a,
            &PollInput {
                title: "Thông qua chương trình Đại hội".into(),
                mode: "secret".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.open_poll(&a, poll).await.unwrap();
    let voter = delegate;
    assert_eq!(
        app.cast_vote(&a, poll, &["agree".into()], None)
            .await
            .unwrap_err(),
        Error::Forbidden,
        "staff do not vote"
    );
    let choices = ["agree", "agree", "agree", "disagree"];
    let mut tasks = Vec::new();
    for (id, c) in ids.iter().zip(choices) {
        let (app, p) = (app.clone(), voter(*id));
        tasks.push(tokio::spawn(async move {
            app.cast_vote(&p, poll, &[c.to_string()], None).await
        }));
    }
    let mut receipts = Vec::new();
    for t in tasks {
        receipts.push(t.await.unwrap().unwrap().code);
    }
    assert_eq!(receipts.len(), 4);
    assert!(receipts.iter().all(|r| r.len() == 19), "{receipts:?}");
    assert_eq!(
        app.cast_vote(&voter(ids[0]), poll, &["disagree".into()], None)
            .await
            .unwrap_err()
            .code(),
        "ALREADY_VOTED"
    );
    assert_eq!(
        app.cast_vote(&voter(ids[4]), poll, &["maybe".into()], None)
            .await
            .unwrap_err()
            .code(),
        "INVALID_INPUT"
    );
    // The log marks who voted, never what.
    let log = app.engine.store().read(0, 10_000).await.unwrap();
    assert!(
        log.iter()
            .filter(|e| e.kind == "voter_marked")
            .all(|e| !e.payload.contains("agree"))
    );
    drop(app);

    let app = app_in(dir.path()).await;
    let a = admin(&app);
    app.close_poll(&a, poll).await.unwrap();
    let r = app.read(|st| st.poll_result(poll)).unwrap();
    assert_eq!(r.ballots, 4);
    let v = app
        .read(|st| crate::pollview::poll_view(st, &app.catalogue, crate::i18n::Lang::Vi, poll))
        .unwrap();
    assert!(
        v.result.unwrap().named.is_empty(),
        "a secret poll names nobody"
    );
    let q = &r.questions[0];
    let counts: Vec<(String, u64)> = q
        .counts
        .iter()
        .map(|(k, sh)| (k.clone(), sh.part))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("agree".into(), 3),
            ("disagree".into(), 1),
            ("abstain".into(), 0)
        ]
    );
    assert_eq!(q.base.base, 5, "measured against B");
    assert_eq!(q.outcome, Outcome::Passed, "3 * 2 > 5");
    assert_eq!(
        app.cast_vote(&voter(ids[4]), poll, &["agree".into()], None)
            .await
            .unwrap_err()
            .code(),
        "POLL_CLOSED"
    );
}

/// A congress with `n` official delegates present in a running session and B = n.
async fn voting_congress(
    dir: &std::path::Path,
    n: usize,
) -> (Arc<App>, Vec<DelegateId>, SessionId, Arc<FixedClock>) {
    let store = SqliteStore::open(&dir.join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
    ));
    let app = App::open(Arc::new(store), clock.clone(), "http://hall.local:8080/")
        .await
        .unwrap();
    app.setup(&setup_input()).await.unwrap();
    let a = admin(&app);
    let rows: Vec<DelegateFields> = (1..=n)
        .map(|i| official(&format!("DB{i:03}"), &format!("Đại biểu {i}")))
        .collect();
    app.import_rows(&a, "t", rows).await.unwrap();
    app.record_base(&a, n as u64, "Báo cáo thẩm tra tư cách")
        .await
        .unwrap();
    let s = app
        .add_session(
            &a,
            &SessionInput {
                date: "01/12/2026".into(),
                title: "Phiên 1".into(),
                kind: "plenary".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.start_session(&a, s).await.unwrap();
    let ids: Vec<DelegateId> = app.read(|st| st.delegates().map(|d| d.id).collect());
    app.mark_attendance_many(&a, s, &ids, true).await.unwrap();
    assert!(app.read(|st| ids.iter().all(|d| st.is_present(s, *d))));
    (app, ids, s, clock)
}

fn delegate(id: DelegateId) -> Principal {
    Principal {
        subject: Subject::Delegate(id),
        role: Role::Delegate,
        display_name: String::new(),
        csrf: None,
    }
}

async fn staff(app: &App, username: &str) -> Principal {
    let a = admin(app);
    app.create_account(
        &a,
        username,
        username,
        Role::Secretariat,
        Some("mật-khẩu-rất-dài"),
    )
    .await
    .unwrap();
    let signed = app
        .sign_in_password(username, "mật-khẩu-rất-dài", "test")
        .unwrap();
    app.authenticate_cookie(&signed.cookie).unwrap()
}

/// Paper ballots: one secretary enters the figures, they count only when another confirms
/// them; the poll then closes with them and its minutes say so.
#[tokio::test]
async fn a_hand_count_counts_once_a_second_staff_member_confirms_it() {
    use daihoi_domain::poll::{ManualCountInput, PollInput};
    let dir = tempfile::tempdir().unwrap();
    let (app, _, _, _) = voting_congress(dir.path(), 9).await;
    let (one, two) = (staff(&app, "thuky1").await, staff(&app, "thuky2").await);
    let poll = app
        .create_poll(
            &one,
            &PollInput {
                title: "Bầu Ban Kiểm phiếu".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let input = |ballots: &str, row: [&str; 3]| ManualCountInput {
        ballots: ballots.into(),
        counts: vec![row.iter().map(|s| s.to_string()).collect()],
    };
    // Figures that do not add up, or exceed those entitled, are refused.
    let e = app
        .enter_manual_count(&one, poll, &input("9", ["5", "2", "1"]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let e = app
        .enter_manual_count(&one, poll, &input("10", ["8", "1", "1"]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    app.enter_manual_count(&one, poll, &input("9", ["6", "2", "1"]))
        .await
        .unwrap();
    assert!(
        app.read(|s| s.poll_result(poll)).is_err(),
        "nothing counts yet"
    );
    assert_eq!(
        app.confirm_manual_count(&one, poll)
            .await
            .unwrap_err()
            .code(),
        "SAME_STAFF_CONFIRM"
    );
    app.confirm_manual_count(&two, poll).await.unwrap();
    let r = app.read(|s| s.poll_result(poll)).unwrap();
    assert_eq!(r.ballots, 9);
    assert_eq!(r.questions[0].counts[0].1.part, 6);
    assert_eq!(r.questions[0].base.base, 9);
    let v = app
        .read(|s| crate::pollview::poll_view(s, &app.catalogue, crate::i18n::Lang::Vi, poll))
        .unwrap();
    assert!(v.counted_by_hand);
    assert_eq!(
        v.result.unwrap().questions[0].rows[0].percent,
        "66,67% của B"
    );
    let pdf = app
        .poll_minutes_pdf(&two, poll, crate::i18n::Lang::Vi)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
}

/// A poll with a countdown closes by itself once the time is up, counted like any other.
#[tokio::test]
async fn a_countdown_closes_the_poll() {
    use daihoi_domain::poll::PollInput;
    let dir = tempfile::tempdir().unwrap();
    let (app, ids, _, clock) = voting_congress(dir.path(), 3).await;
    let a = admin(&app);
    let poll = app
        .create_poll(
            &a,
            &PollInput {
                title: "Thông qua quy chế".into(),
                countdown_secs: "60".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.open_poll(&a, poll).await.unwrap();
    app.cast_vote(&delegate(ids[0]), poll, &["agree".into()], None)
        .await
        .unwrap();
    assert!(
        app.close_expired_polls().await.unwrap().is_empty(),
        "not yet"
    );
    clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        app.cast_vote(&delegate(ids[1]), poll, &["agree".into()], None)
            .await
            .unwrap_err()
            .code(),
        "COUNTDOWN_OVER"
    );
    assert_eq!(app.close_expired_polls().await.unwrap(), vec![poll]);
    let r = app.read(|s| s.poll_result(poll)).unwrap();
    assert_eq!(r.ballots, 1);
    assert!(app.close_expired_polls().await.unwrap().is_empty());
}

/// A refused ballot changes nothing but is written to the audit log with its reason.
#[tokio::test]
async fn refused_ballots_are_audited() {
    use daihoi_domain::poll::PollInput;
    let dir = tempfile::tempdir().unwrap();
    let (app, ids, _, _) = voting_congress(dir.path(), 2).await;
    let a = admin(&app);
    let poll = app
        .create_poll(
            &a,
            &PollInput {
                title: "Thông qua".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = app
        .cast_vote(&delegate(ids[0]), poll, &["agree".into()], None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "POLL_NOT_OPEN");
    let log = app.engine.store().read(0, 10_000).await.unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.kind, "vote_refused");
    assert!(last.payload.contains("POLL_NOT_OPEN"), "{}", last.payload);
    assert!(app.read(|s| s.poll(poll).unwrap().voted.is_empty()));
}

/// The minutes rest on the event that settled each poll: the one-pass search of the log
/// finds, per poll, its last settling event (close, publish), and the head for the others.
#[tokio::test]
async fn minutes_cite_the_event_that_settled_the_poll() {
    use daihoi_domain::poll::PollInput;
    let dir = tempfile::tempdir().unwrap();
    let (app, ids, _, _) = voting_congress(dir.path(), 2).await;
    let a = admin(&app);
    let mut polls = Vec::new();
    for title in ["Thông qua chương trình", "Thông qua quy chế"] {
        let poll = app
            .create_poll(
                &a,
                &PollInput {
                    title: title.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        app.open_poll(&a, poll).await.unwrap();
        app.cast_vote(&delegate(ids[0]), poll, &["agree".into()], None)
            .await
            .unwrap();
        app.close_poll(&a, poll).await.unwrap();
        polls.push(poll);
    }
    app.publish_poll(&a, polls[0]).await.unwrap();
    let draft = app
        .create_poll(
            &a,
            &PollInput {
                title: "Chưa mở".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let log = app.engine.store().read(0, 10_000).await.unwrap();
    let last_of = |kind: &str, poll: PollId| {
        log.iter()
            .rev()
            .find(|e| {
                e.kind == kind
                    && serde_json::from_str::<serde_json::Value>(&e.payload).unwrap()["id"]
                        == poll.0
            })
            .map(|e| (e.seq as u64, hex::encode(e.hash)))
            .unwrap()
    };
    let head = log
        .last()
        .map(|e| (e.seq as u64, hex::encode(e.hash)))
        .unwrap();
    let all = [polls[0], polls[1], draft];
    let found = app
        .log_positions(super::minutes::SETTLING, 3, |ev| {
            all.iter().position(|p| super::minutes::settles(ev, *p))
        })
        .await
        .unwrap();
    assert_eq!(found[0], last_of("poll_published", polls[0]));
    assert_eq!(found[1], last_of("poll_closed", polls[1]));
    assert_eq!(found[2], head, "nothing settled the draft: the head");
}
