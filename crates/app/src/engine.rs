//! The engine holds the congress state in memory and the one road by which it changes:
//! decide under a lock, chain and apply the events, hand them to the group-commit writer,
//! wait until they are durable, then publish a notice.
//!
//! Group commit: concurrent writers' events queue up in order while a batch is being
//! written; the writer takes everything queued and appends it in one transaction (one
//! fsync). An acknowledgement therefore always means "on disk".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use daihoi_domain::event::Topic;
use daihoi_domain::model::Actor;
use daihoi_domain::{CongressState, Error, Event, Result};
use daihoi_store::{GENESIS, Store, StoredEvent, TallyDelta};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};

/// Sent to live clients after a commit: what changed, not the data. Clients re-read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Notice {
    pub seq: i64,
    pub topics: Vec<Topic>,
}

struct Inner {
    state: CongressState,
    head_seq: i64,
    head_hash: [u8; 32],
}

struct WriteReq {
    events: Vec<StoredEvent>,
    /// Secret-ballot counter increments, committed in the same transaction as `events`.
    tally: Vec<TallyDelta>,
    done: oneshot::Sender<Result<()>>,
}

pub struct Engine {
    inner: std::sync::RwLock<Inner>,
    writer: mpsc::UnboundedSender<WriteReq>,
    notices: broadcast::Sender<Notice>,
    /// Notices of ballots only (topic `votes`): apart, so that the thousands of phones that
    /// do not follow the counters are not woken by every ballot.
    ballot_notices: broadcast::Sender<Notice>,
    /// Highest sequence number known to be durable.
    durable_seq: AtomicI64,
    poisoned: Arc<AtomicBool>,
    store: Arc<dyn Store>,
}

/// Largest batch the writer appends in one transaction.
const MAX_BATCH: usize = 8192;

fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}

impl Engine {
    /// Replay the whole log into a fresh state, checking every link of the chain, and
    /// start the writer. A broken chain refuses to start: the log is the congress's record.
    pub async fn open(store: Arc<dyn Store>) -> Result<Arc<Engine>> {
        let mut state = CongressState::default();
        let (mut seq, mut hash) = (0i64, GENESIS);
        loop {
            let page = store.read(seq, 10_000).await.map_err(storage)?;
            if page.is_empty() {
                break;
            }
            for e in page {
                if e.seq != seq + 1 || e.prev_hash != hash || e.recompute_hash() != e.hash {
                    return Err(Error::Storage(format!(
                        "the event log is broken at event {}; run `daihoi audit verify` for details",
                        e.seq
                    )));
                }
                let ev: Event = serde_json::from_str(&e.payload).map_err(|err| {
                    Error::Storage(format!("event {} cannot be read: {err}", e.seq))
                })?;
                state.apply(&ev);
                seq = e.seq;
                hash = e.hash;
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let (notices, _) = broadcast::channel(1024);
        let (ballot_notices, _) = broadcast::channel(4096);
        let poisoned = Arc::new(AtomicBool::new(false));
        let engine = Arc::new(Engine {
            inner: std::sync::RwLock::new(Inner {
                state,
                head_seq: seq,
                head_hash: hash,
            }),
            writer: tx,
            notices,
            ballot_notices,
            durable_seq: AtomicI64::new(seq),
            poisoned: poisoned.clone(),
            store: store.clone(),
        });
        tokio::spawn(write_loop(store, rx, poisoned));
        Ok(engine)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Read the current state.
    pub fn read<R>(&self, f: impl FnOnce(&CongressState) -> R) -> R {
        match self.inner.read() {
            Ok(g) => f(&g.state),
            Err(p) => f(&p.into_inner().state),
        }
    }

    pub fn head_seq(&self) -> i64 {
        self.durable_seq.load(Ordering::Acquire)
    }

    /// Every notice but those of ballots.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// The notices of ballots (only the `votes` topic): for the screens that show the
    /// voted / eligible counter.
    pub fn subscribe_ballots(&self) -> broadcast::Receiver<Notice> {
        self.ballot_notices.subscribe()
    }

    /// Decide with `f` against the current state, then append the events durably.
    /// Returns `f`'s value and the sequence number of the last event (or the current head
    /// when `f` decided that nothing changes).
    pub async fn execute<T>(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        f: impl FnOnce(&CongressState) -> Result<(T, Vec<Event>)>,
    ) -> Result<(T, i64)> {
        self.execute_with_tally(actor, at, |s| f(s).map(|(v, e)| (v, e, Vec::new())))
            .await
    }

    /// [`Engine::execute`] for a decision that also adds to the secret-ballot counters
    /// (a secret vote: its events mark the voter, the counters hold the choice). Both are
    /// committed in one transaction; counters never move without events.
    pub async fn execute_with_tally<T>(
        &self,
        actor: &Actor,
        at: DateTime<Utc>,
        f: impl FnOnce(&CongressState) -> Result<(T, Vec<Event>, Vec<TallyDelta>)>,
    ) -> Result<(T, i64)> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(Error::Storage(
                "an earlier write failed; restart the server".into(),
            ));
        }
        let (value, rx, last_seq, topics) = {
            let mut g = self
                .inner
                .write()
                .map_err(|_| Error::Storage("state lock poisoned".into()))?;
            let (value, events, tally) = f(&g.state)?;
            if events.is_empty() {
                if !tally.is_empty() {
                    return Err(Error::Storage("secret tally without events".into()));
                }
                let head = g.head_seq;
                return Ok((value, head));
            }
            let actor = actor.to_string();
            let mut stored = Vec::with_capacity(events.len());
            let mut topics: Vec<Topic> = Vec::new();
            for ev in &events {
                let payload = serde_json::to_string(ev).map_err(storage)?;
                let e = StoredEvent::next(
                    g.head_seq,
                    g.head_hash,
                    at,
                    actor.clone(),
                    ev.kind().to_string(),
                    payload,
                );
                g.head_seq = e.seq;
                g.head_hash = e.hash;
                stored.push(e);
                for t in ev.topics() {
                    if !topics.contains(t) {
                        topics.push(*t);
                    }
                }
            }
            for ev in &events {
                g.state.apply(ev);
            }
            let (done, rx) = oneshot::channel();
            // Sent while holding the lock so the writer receives batches in chain order.
            self.writer
                .send(WriteReq {
                    events: stored,
                    tally,
                    done,
                })
                .map_err(|_| Error::Storage("writer stopped".into()))?;
            (value, rx, g.head_seq, topics)
        };
        rx.await
            .map_err(|_| Error::Storage("writer stopped".into()))??;
        self.durable_seq.fetch_max(last_seq, Ordering::AcqRel);
        // Nobody listening is fine.
        let ballots_only = !topics.is_empty() && topics.iter().all(|t| *t == Topic::Votes);
        let channel = if ballots_only {
            &self.ballot_notices
        } else {
            &self.notices
        };
        let _ = channel.send(Notice {
            seq: last_seq,
            topics,
        });
        Ok((value, last_seq))
    }
}

async fn write_loop(
    store: Arc<dyn Store>,
    mut rx: mpsc::UnboundedReceiver<WriteReq>,
    poisoned: Arc<AtomicBool>,
) {
    while let Some(first) = rx.recv().await {
        let mut reqs = vec![first];
        let mut n = reqs[0].events.len();
        while n < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => {
                    n += r.events.len();
                    reqs.push(r);
                }
                Err(_) => break,
            }
        }
        let batch: Vec<StoredEvent> = reqs
            .iter_mut()
            .flat_map(|r| std::mem::take(&mut r.events))
            .collect();
        let tally: Vec<TallyDelta> = reqs
            .iter_mut()
            .flat_map(|r| std::mem::take(&mut r.tally))
            .collect();
        let result = if poisoned.load(Ordering::Acquire) {
            Err(Error::Storage(
                "an earlier write failed; restart the server".into(),
            ))
        } else {
            store.append_with_tally(&batch, &tally).await.map_err(|e| {
                // The in-memory state is now ahead of the disk: refuse every later write.
                poisoned.store(true, Ordering::Release);
                tracing::error!(error = %e, "event append failed; refusing further writes until restart");
                Error::Storage(e.to_string())
            })
        };
        for r in reqs {
            let _ = r.done.send(result.clone());
        }
    }
}
