//! The harness itself works: every benchmark at a tiny size, checking that the counts add
//! up (never timing).

use std::time::Duration;

use crate::events::{Backend, EventsOptions};
use crate::live::{LiveOptions, ServerMode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_runs_at_a_tiny_size_and_counts_add_up() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Null] {
        let opts = EventsOptions {
            backend,
            writers: vec![1, 16],
            events: Some(200),
            raw_batches: vec![1, 10],
            raw_seconds: 60.0,
            raw_max_appends: 5,
            ..EventsOptions::default()
        };
        let r = crate::events::run(&opts).await.unwrap();
        assert_eq!(r.engine.len(), 2);
        for run in &r.engine {
            assert_eq!(
                run.events, 200,
                "{backend:?} W={}: every event acknowledged",
                run.writers
            );
            assert_eq!(run.ack.count, 200);
            assert!(run.commits >= 1 && run.commits <= 200);
        }
        assert_eq!(r.acknowledged_events, 400);
        assert_eq!(
            r.stored_events, 400,
            "{backend:?}: every acknowledged event is stored"
        );
        assert!(r.chain_intact);
        if backend != Backend::Null {
            let raw: Vec<(usize, u64, u64)> = r
                .raw
                .iter()
                .map(|w| (w.batch, w.appends, w.events))
                .collect();
            assert_eq!(raw, vec![(1, 5, 5), (10, 5, 50)]);
        }
    }

    let opts = LiveOptions {
        clients: 20,
        actions: 3,
        server: ServerMode::InProcess,
        pause: Duration::from_millis(10),
        ..LiveOptions::default()
    };
    let r = crate::live::run(&opts).await.unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.expected_arrivals, 60);
    assert_eq!(r.notices_received, 60, "every client received every notice");
    assert_eq!(
        r.rereads_completed, 60,
        "every client re-read after every notice"
    );
    assert_eq!(r.per_action.len(), 3);
    assert!(
        r.per_action
            .iter()
            .all(|a| a.notice.count == 20 && a.reread.count == 20)
    );
    assert!(r.fragment_bytes > 0);
    let block = crate::report::render(
        &crate::report::Machine::detect(),
        &Default::default(),
        &[],
        &[r],
    );
    assert!(block.contains("20/20") || block.contains("60/60"));
}
