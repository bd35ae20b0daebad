//! Live updates: a delegate's phone hears about the presidium's move within a second and
//! re-reads the fragment; a reconnecting phone learns it missed something.

use std::time::{Duration, Instant};

use daihoi_testkit::{Backend, ITEM_TITLES, StatusCode, TestApp, spawn_app};

use crate::common::{WAIT, current_item, delegate_client, presidium_client};

/// The live flow, on a congress already set up with delegate DB001 and a running program.
pub async fn live_flow(t: &TestApp) {
    let presidium = presidium_client(t).await;
    let phone = delegate_client(t, "DB001").await;
    let mut events = phone.events().await;
    let hello = events.next(WAIT).await.expect("a hello event first");
    assert_eq!(hello.event, "hello", "{hello:?}");
    assert_eq!(hello.seq(), t.app.engine.head_seq());
    assert_eq!(hello.id.as_deref(), Some(hello.seq().to_string().as_str()));
    let live = phone.get("/fragments/live").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(
        current_item(&live.body),
        Some(ITEM_TITLES[0]),
        "{}",
        live.body
    );
    assert_eq!(
        live.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );

    let started = Instant::now();
    let p = presidium.post_form("/console/next", &[]).await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, Some("/console")),
        "{}",
        p.body
    );
    let notice = events
        .wait_for(Duration::from_secs(1), |e| {
            e.event == "notice" && e.topics().iter().any(|t| t == "live")
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "no notice within 1 s of the move ({:?} since the POST)",
                started.elapsed()
            )
        });
    assert!(notice.topics().iter().any(|t| t == "live"), "{notice:?}");
    assert!(notice.seq() > hello.seq(), "{notice:?} after {hello:?}");
    assert_eq!(notice.seq(), t.app.engine.head_seq());
    let live = phone.get("/fragments/live").await;
    assert_eq!(
        current_item(&live.body),
        Some(ITEM_TITLES[1]),
        "the fragment shows the new item: {}",
        live.body
    );
    assert_eq!(
        current_item(&phone.get("/app").await.body),
        Some(ITEM_TITLES[1])
    );
    let last_seen = notice.seq();

    // The phone loses its connection; meanwhile the presidium announces.
    drop(events);
    let p = presidium
        .post_form("/console/announce", &[("text", "Giải lao 15 phút.")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let mut events = phone.events_after(last_seen).await;
    let hello = events.next(WAIT).await.expect("hello on reconnect");
    assert_eq!(hello.event, "hello");
    assert!(
        hello.seq() > last_seen,
        "the phone can tell it missed events: {} after {last_seen}",
        hello.seq()
    );
    assert!(
        phone
            .get("/fragments/announcements")
            .await
            .contains("Giải lao 15 phút.")
    );

    // Many listeners: every one hears the next move.
    let mut others = vec![(phone.clone(), events)];
    for code in ["DB002", "DB003"] {
        let c = delegate_client(t, code).await;
        let mut s = c.events().await;
        assert_eq!(
            s.next(WAIT).await.map(|e| e.event).as_deref(),
            Some("hello")
        );
        others.push((c, s));
    }
    let p = presidium.post_form("/console/next", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    for (_, s) in others.iter_mut() {
        let n = s
            .wait_for(Duration::from_secs(1), |e| {
                e.event == "notice" && e.topics().iter().any(|t| t == "live")
            })
            .await
            .expect("notice");
        assert!(n.topics().iter().any(|t| t == "live"), "{n:?}");
    }
    assert_eq!(
        current_item(&phone.get("/fragments/live").await.body),
        Some(ITEM_TITLES[2])
    );
}

async fn live(b: Backend) {
    let t = spawn_app(b).await;
    t.setup_congress().await;
    t.import_delegates(3).await;
    t.start_program().await;
    live_flow(&t).await;
}

both_backends!(live: live_sqlite, live_postgres);
