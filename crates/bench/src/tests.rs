//! The harness itself works: every benchmark at a tiny size, checking that the counts add
//! up (never timing).

use std::time::Duration;

use crate::events::{Backend, EventsOptions};
use crate::live::{LiveOptions, ServerMode};
use crate::server::Scenario;
use crate::votes::VotesOptions;

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
        &crate::report::Results {
            live: vec![r],
            ..Default::default()
        },
    );
    assert!(block.contains("20/20") || block.contains("60/60"));
}

/// Every ballot is acknowledged once and counted once, option by option, on every
/// backend, in both kinds of poll; the chain holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vote_benchmark_counts_every_ballot_once() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Null] {
        let opts = VotesOptions {
            backend,
            voters: 50,
            concurrency: vec![1, 8],
            ..VotesOptions::default()
        };
        let r = crate::votes::run(&opts).await.unwrap();
        assert_eq!(r.runs.len(), 4, "{backend:?}: two modes × two levels");
        for run in &r.runs {
            let what = format!("{backend:?} {:?} W={}", run.mode, run.concurrency);
            assert_eq!(run.voters, 50, "{what}");
            assert_eq!(run.ack.count, 50, "{what}");
            assert_eq!(run.ballots_counted, 50, "{what}");
            // 50 voters: agree, agree, disagree, abstain, agree, ...
            let want: Vec<(String, u64)> = vec![
                ("agree".into(), 30),
                ("disagree".into(), 10),
                ("abstain".into(), 10),
            ];
            assert_eq!(run.sent, want, "{what}");
            assert_eq!(run.counted, want, "{what}");
            assert!(run.counts_match && run.chain_intact, "{what}");
            assert!(run.commits >= 1 && run.commits <= 50, "{what}");
            if backend != Backend::Null {
                // setup, import, B, poll, open, 50 ballots, close.
                assert_eq!(run.stored_events as i64, run.head_seq, "{what}");
                assert!(run.stored_events >= 56, "{what}: {}", run.stored_events);
            }
        }
        assert_eq!(r.breakdown.len(), 2);
        let mut md = String::new();
        crate::report::votes_section(&mut md, &r);
        assert!(md.contains("30 / 10 / 10"), "{md}");
    }
}

/// The close-poll scenario: every client gets the close's notice and re-reads the hall
/// fragment, which shows the result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_close_poll_scenario_reaches_every_client() {
    let opts = LiveOptions {
        clients: 10,
        actions: 2,
        server: ServerMode::InProcess,
        pause: Duration::from_millis(10),
        scenario: Scenario::ClosePoll,
        voters: 30,
        vote_concurrency: 4,
        accept_encoding: None,
        ..LiveOptions::default()
    };
    let r = crate::live::run(&opts).await.unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.voters, 30);
    assert_eq!(r.notices_received, 20);
    assert_eq!(r.rereads_completed, 20);
    assert_eq!(
        r.results_verified, 2,
        "the hall shows each closed poll's result"
    );
    assert_eq!(r.results_shown, 20, "every client's re-read showed it");
    // The poll's opening reached the clients too, and was not taken for the close.
    assert!(r.other_notices >= 20, "{}", r.other_notices);
    assert!(r.per_action[1].seq > r.per_action[0].seq + 30);
}

/// The ingest benchmark at a tiny size: every page of a text PDF and of a scan is extracted
/// and indexed (the run checks the index holds exactly the pages uploaded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ingest_benchmark_indexes_every_page() {
    let r = crate::ingest::run(&crate::ingest::IngestOptions {
        text_pages: 3,
        scan_pages: 1,
    })
    .await
    .unwrap();
    assert_eq!(r.runs.iter().map(|x| x.pages).collect::<Vec<_>>(), [3, 1]);
    assert!(r.runs.iter().all(|x| x.pages_per_second > 0.0));
}
