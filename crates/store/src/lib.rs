//! Storage for daihoi: an append-only, hash-chained event log and a small key/value table.
//!
//! Each backend (SQLite, PostgreSQL) implements [`Store`]; both must pass the same
//! [`contract`] suite. The log is the source of truth: the server rebuilds its state by
//! reading it from the start.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(feature = "contract")]
pub mod contract;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The batch does not continue the chain (wrong sequence or previous hash): another
    /// writer appended first. Nothing of the batch was written.
    #[error("append conflict: expected seq {expected}, got {got}")]
    Conflict { expected: i64, got: i64 },
    #[error("database error: {0}")]
    Database(String),
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The hash that precedes the first event.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// One event as stored. `hash` = SHA-256 over the previous hash and this event's fields
/// (see [`chain_hash`]), so changing or removing any stored event breaks every later link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: String,
    /// The event as JSON text, exactly as hashed.
    pub payload: String,
    #[serde(with = "hex32")]
    pub prev_hash: [u8; 32],
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

impl StoredEvent {
    /// Build the next event of the chain after `(prev_seq, prev_hash)`.
    pub fn next(
        prev_seq: i64,
        prev_hash: [u8; 32],
        at: DateTime<Utc>,
        actor: String,
        kind: String,
        payload: String,
    ) -> Self {
        let seq = prev_seq + 1;
        // Stored with microsecond precision by every backend: hash exactly that.
        let at = truncate_micros(at);
        let hash = chain_hash(&prev_hash, seq, at, &actor, &kind, &payload);
        StoredEvent {
            seq,
            at,
            actor,
            kind,
            payload,
            prev_hash,
            hash,
        }
    }

    pub fn recompute_hash(&self) -> [u8; 32] {
        chain_hash(
            &self.prev_hash,
            self.seq,
            self.at,
            &self.actor,
            &self.kind,
            &self.payload,
        )
    }
}

pub fn truncate_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// Length-prefixed fields, so that no two different events hash the same bytes.
pub fn chain_hash(
    prev: &[u8; 32],
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    kind: &str,
    payload: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"daihoi-event-v1");
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.timestamp_micros().to_be_bytes());
    for field in [actor, kind, payload] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

/// An increment of the secret-ballot counters of one (poll, question, option). Secret ballots
/// exist in storage only as these sums: no row per ballot, no time, no order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyDelta {
    pub poll: i64,
    pub question: i32,
    pub option: i32,
    pub ballots: i64,
    pub weight: i64,
}

/// Sum increments that hit the same counter, so a batch writes each counter once.
pub fn merge_tally(deltas: &[TallyDelta]) -> Vec<TallyDelta> {
    let mut sums: std::collections::BTreeMap<(i64, i32, i32), (i64, i64)> =
        std::collections::BTreeMap::new();
    for d in deltas {
        let e = sums.entry((d.poll, d.question, d.option)).or_default();
        e.0 += d.ballots;
        e.1 += d.weight;
    }
    sums.into_iter()
        .map(|((poll, question, option), (ballots, weight))| TallyDelta {
            poll,
            question,
            option,
            ballots,
            weight,
        })
        .collect()
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Append a batch atomically and durably: when this returns Ok, every event of the
    /// batch is on disk; on error, none is. The batch must continue the stored chain:
    /// `batch[0].seq == head.seq + 1` and `batch[0].prev_hash == head.hash`, otherwise
    /// [`StoreError::Conflict`].
    async fn append(&self, batch: &[StoredEvent]) -> StoreResult<()>;

    /// [`Store::append`] and add `tally` to the secret-ballot counters, in ONE transaction:
    /// both are durable on Ok, neither is written on error.
    async fn append_with_tally(
        &self,
        batch: &[StoredEvent],
        tally: &[TallyDelta],
    ) -> StoreResult<()>;

    /// The current secret-ballot counters of a poll, ordered by question and option.
    async fn read_tally(&self, poll: i64) -> StoreResult<Vec<TallyDelta>>;

    /// Up to `limit` events with `seq > after`, in order.
    async fn read(&self, after: i64, limit: usize) -> StoreResult<Vec<StoredEvent>>;

    /// The last stored event's sequence number and hash, if any.
    async fn head(&self) -> StoreResult<Option<(i64, [u8; 32])>>;

    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;

    /// Set a meta value only if the key is absent; returns the value now stored. Used for
    /// secrets that every node of a cluster must share (the first writer wins).
    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>>;

    /// Store `bytes` under the SHA-256 of their content, durably, and return that hash.
    /// Storing the same bytes again is a no-op.
    async fn put_blob(&self, bytes: &[u8]) -> StoreResult<[u8; 32]>;

    /// The bytes stored under `sha256`, if any.
    async fn get_blob(&self, sha256: &[u8; 32]) -> StoreResult<Option<Vec<u8>>>;

    /// Delete a blob (privacy purges, replaced renditions); returns whether it existed.
    async fn delete_blob(&self, sha256: &[u8; 32]) -> StoreResult<bool>;

    /// Which backend this is ("sqlite", "postgres").
    fn backend(&self) -> &'static str;
}

/// The SHA-256 a blob is stored under.
pub fn blob_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Outcome of a full verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    pub head: Option<(i64, [u8; 32])>,
    pub broken: Option<BrokenLink>,
}

/// Walk the whole log and check every link: sequence numbers without gaps, each
/// `prev_hash` equal to the previous event's hash, each hash recomputed from the content.
pub async fn verify_chain(store: &dyn Store) -> StoreResult<VerifyReport> {
    let mut prev_seq = 0i64;
    let mut prev_hash = GENESIS;
    let mut events = 0u64;
    loop {
        let batch = store.read(prev_seq, 5000).await?;
        if batch.is_empty() {
            let head = (events > 0).then_some((prev_seq, prev_hash));
            return Ok(VerifyReport {
                events,
                head,
                broken: None,
            });
        }
        for e in batch {
            let broken = |reason: String| {
                Ok(VerifyReport {
                    events,
                    head: None,
                    broken: Some(BrokenLink { seq: e.seq, reason }),
                })
            };
            if e.seq != prev_seq + 1 {
                return broken(format!(
                    "sequence gap: expected {}, found {}",
                    prev_seq + 1,
                    e.seq
                ));
            }
            if e.prev_hash != prev_hash {
                return broken(format!(
                    "previous hash {} does not match event {}'s hash {}",
                    hex::encode(e.prev_hash),
                    prev_seq,
                    hex::encode(prev_hash)
                ));
            }
            let h = e.recompute_hash();
            if h != e.hash {
                return broken(format!(
                    "content does not match its hash (stored {}, computed {})",
                    hex::encode(e.hash),
                    hex::encode(h)
                ));
            }
            prev_seq = e.seq;
            prev_hash = e.hash;
            events += 1;
        }
    }
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(s).map_err(serde::de::Error::custom)?;
        v.try_into()
            .map_err(|_| serde::de::Error::custom("expected 32 bytes"))
    }
}

/// Convert a stored 32-byte column.
pub fn hash_from_slice(v: &[u8]) -> StoreResult<[u8; 32]> {
    v.try_into().map_err(|_| {
        StoreError::Database(format!("hash column has {} bytes, expected 32", v.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_every_field() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap();
        let e = StoredEvent::next(0, GENESIS, at, "system".into(), "k".into(), "{}".into());
        assert_eq!(e.seq, 1);
        assert_eq!(e.recompute_hash(), e.hash);
        let mut f = e.clone();
        f.payload = "{ }".into();
        assert_ne!(f.recompute_hash(), e.hash);
        let mut f = e.clone();
        f.actor = "account:1".into();
        assert_ne!(f.recompute_hash(), e.hash);
        // Moving bytes between fields changes the hash too (length prefixes).
        let a = chain_hash(&GENESIS, 1, at, "ab", "c", "");
        let b = chain_hash(&GENESIS, 1, at, "a", "bc", "");
        assert_ne!(a, b);
    }

    #[test]
    fn stored_event_json_round_trip() {
        let e = StoredEvent::next(
            4,
            [7u8; 32],
            DateTime::from_timestamp_micros(5).unwrap(),
            "a".into(),
            "b".into(),
            "{\"x\":1}".into(),
        );
        let j = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<StoredEvent>(&j).unwrap(), e);
    }
}
