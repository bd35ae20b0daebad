use super::*;
use crate::clock::FixedClock;
use chrono::TimeZone;
use daihoi_store_sqlite::SqliteStore;

pub(crate) async fn app_in(dir: &std::path::Path) -> Arc<App> {
    let store = SqliteStore::open(&dir.join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
    ));
    App::open(Arc::new(store), clock, "http://hall.local:8080/")
        .await
        .unwrap()
}

fn setup_input() -> SetupInput {
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

fn admin(app: &App) -> Principal {
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
