#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test suite: failing loudly is its job
//! The contract every backend must pass. Each backend's test module calls
//! [`crate::store_contract_tests!`] with a factory for a fresh, empty store, so the same
//! checks run against SQLite and PostgreSQL.

use crate::{GENESIS, Store, StoreError, StoredEvent, verify_chain};
use chrono::{DateTime, Utc};
use std::sync::Arc;

fn t(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_780_000_000_000_000 + micros).unwrap_or_default()
}

/// Build `n` events continuing `(seq, hash)`.
pub fn chain(after: (i64, [u8; 32]), n: usize) -> Vec<StoredEvent> {
    let (mut seq, mut hash) = after;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let e = StoredEvent::next(
            seq,
            hash,
            t(seq),
            "system".into(),
            "test".into(),
            format!("{{\"n\":{},\"text\":\"Đại hội\"}}", seq + 1),
        );
        seq = e.seq;
        hash = e.hash;
        out.push(e);
    }
    out
}

pub async fn empty_store_has_no_head(s: Arc<dyn Store>) {
    assert_eq!(s.head().await.unwrap(), None);
    assert!(s.read(0, 10).await.unwrap().is_empty());
    let r = verify_chain(&*s).await.unwrap();
    assert_eq!((r.events, r.broken), (0, None));
}

pub async fn appended_events_read_back_identically(s: Arc<dyn Store>) {
    let batch = chain((0, GENESIS), 5);
    s.append(&batch).await.unwrap();
    assert_eq!(
        s.read(0, 100).await.unwrap(),
        batch,
        "content, order, time and hashes survive the round trip"
    );
    assert_eq!(s.read(2, 2).await.unwrap(), batch[2..4].to_vec());
    assert_eq!(s.head().await.unwrap(), Some((5, batch[4].hash)));
    let more = chain((5, batch[4].hash), 3);
    s.append(&more).await.unwrap();
    let r = verify_chain(&*s).await.unwrap();
    assert_eq!(
        (r.events, r.broken, r.head),
        (8, None, Some((8, more[2].hash)))
    );
}

pub async fn a_batch_that_does_not_continue_the_chain_is_refused_whole(s: Arc<dyn Store>) {
    let first = chain((0, GENESIS), 3);
    s.append(&first).await.unwrap();
    // Wrong sequence number.
    let stale = chain((1, first[0].hash), 2);
    assert!(matches!(
        s.append(&stale).await,
        Err(StoreError::Conflict { .. })
    ));
    // Right sequence, wrong previous hash.
    let forged = chain((3, [9u8; 32]), 2);
    assert!(matches!(
        s.append(&forged).await,
        Err(StoreError::Conflict { .. })
    ));
    // A batch whose second half is broken writes nothing at all.
    let mut half = chain((3, first[2].hash), 4);
    half[2].seq = 99;
    assert!(s.append(&half).await.is_err());
    assert_eq!(s.head().await.unwrap(), Some((3, first[2].hash)));
    assert_eq!(s.read(0, 100).await.unwrap().len(), 3);
}

pub async fn concurrent_writers_cannot_both_extend_the_same_head(s: Arc<dyn Store>) {
    let base = chain((0, GENESIS), 1);
    s.append(&base).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        let mut b = chain((1, base[0].hash), 2);
        b[0].actor = format!("writer-{i}");
        b[0].hash = b[0].recompute_hash();
        b[1].prev_hash = b[0].hash;
        b[1].hash = b[1].recompute_hash();
        tasks.push(tokio::spawn(async move { s.append(&b).await.is_ok() }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1, "exactly one writer extends seq 1");
    assert_eq!(s.read(0, 100).await.unwrap().len(), 3);
    assert_eq!(verify_chain(&*s).await.unwrap().broken, None);
}

pub async fn large_batches_and_paging(s: Arc<dyn Store>) {
    let batch = chain((0, GENESIS), 12_000);
    s.append(&batch).await.unwrap();
    let mut after = 0;
    let mut n = 0;
    loop {
        let page = s.read(after, 5000).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert_eq!(page[0].seq, after + 1);
        after = page.last().unwrap().seq;
        n += page.len();
    }
    assert_eq!(n, 12_000);
    assert_eq!(verify_chain(&*s).await.unwrap().events, 12_000);
}

pub async fn meta_first_writer_wins(s: Arc<dyn Store>) {
    assert_eq!(s.get_meta("secret").await.unwrap(), None);
    assert_eq!(s.init_meta("secret", b"one").await.unwrap(), b"one");
    assert_eq!(s.init_meta("secret", b"two").await.unwrap(), b"one");
    assert_eq!(
        s.get_meta("secret").await.unwrap().as_deref(),
        Some(&b"one"[..])
    );
}

fn delta(poll: i64, question: i32, option: i32, weight: i64) -> crate::TallyDelta {
    crate::TallyDelta {
        poll,
        question,
        option,
        ballots: 1,
        weight,
    }
}

pub async fn secret_tally_moves_with_its_events_or_not_at_all(s: Arc<dyn Store>) {
    assert!(s.read_tally(7).await.unwrap().is_empty());
    let first = chain((0, GENESIS), 2);
    s.append_with_tally(
        &first,
        &[delta(7, 0, 0, 100), delta(7, 0, 1, 5), delta(7, 0, 0, 1)],
    )
    .await
    .unwrap();
    let t = s.read_tally(7).await.unwrap();
    assert_eq!(
        t.iter()
            .map(|d| (d.question, d.option, d.ballots, d.weight))
            .collect::<Vec<_>>(),
        vec![(0, 0, 2, 101), (0, 1, 1, 5)],
        "increments add up per counter"
    );
    // A batch that does not continue the chain writes no counter either.
    let stale = chain((0, GENESIS), 1);
    assert!(
        s.append_with_tally(&stale, &[delta(7, 0, 0, 1000)])
            .await
            .is_err()
    );
    assert_eq!(s.read_tally(7).await.unwrap(), t);
    // Other polls are separate; plain appends leave counters alone.
    let more = chain((2, first[1].hash), 1);
    s.append_with_tally(&more, &[delta(8, 1, 2, 3)])
        .await
        .unwrap();
    s.append(&chain((3, more[0].hash), 1)).await.unwrap();
    assert_eq!(s.read_tally(7).await.unwrap(), t);
    assert_eq!(
        s.read_tally(8).await.unwrap(),
        vec![crate::TallyDelta {
            poll: 8,
            question: 1,
            option: 2,
            ballots: 1,
            weight: 3
        }]
    );
    assert_eq!(verify_chain(&*s).await.unwrap().events, 4);
}

pub async fn blobs_are_addressed_by_content(s: Arc<dyn Store>) {
    let text = "Báo cáo chính trị".as_bytes();
    let h = s.put_blob(text).await.unwrap();
    assert_eq!(h, crate::blob_hash(text));
    // Storing the same bytes again is a no-op with the same address.
    assert_eq!(s.put_blob(text).await.unwrap(), h);
    assert_eq!(s.get_blob(&h).await.unwrap().as_deref(), Some(text));
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let hb = s.put_blob(&big).await.unwrap();
    assert_eq!(s.get_blob(&hb).await.unwrap().unwrap(), big);
    let empty = s.put_blob(b"").await.unwrap();
    assert_eq!(s.get_blob(&empty).await.unwrap().as_deref(), Some(&b""[..]));
    assert_eq!(s.get_blob(&[9u8; 32]).await.unwrap(), None);
    assert!(s.delete_blob(&h).await.unwrap());
    assert!(!s.delete_blob(&h).await.unwrap());
    assert_eq!(s.get_blob(&h).await.unwrap(), None);
    assert!(s.get_blob(&hb).await.unwrap().is_some(), "other blobs stay");
}

/// Expand the contract into `#[tokio::test]`s. `$factory` is an async expression that
/// yields a fresh, empty `Arc<dyn Store>`.
#[macro_export]
macro_rules! store_contract_tests {
    ($factory:expr) => {
        $crate::store_contract_tests!(@each $factory;
            empty_store_has_no_head,
            appended_events_read_back_identically,
            a_batch_that_does_not_continue_the_chain_is_refused_whole,
            concurrent_writers_cannot_both_extend_the_same_head,
            large_batches_and_paging,
            meta_first_writer_wins,
            secret_tally_moves_with_its_events_or_not_at_all,
            blobs_are_addressed_by_content
        );
    };
    (@each $factory:expr; $($name:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            $crate::contract::$name($factory.await).await;
        }
    )*};
}
