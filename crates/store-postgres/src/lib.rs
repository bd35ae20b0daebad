//! PostgreSQL backend. Appends take a transaction-scoped advisory lock so that writers on
//! several nodes extend the chain one at a time, check the head, and insert the batch with
//! one `UNNEST` statement. Commits are durable with PostgreSQL's default
//! `synchronous_commit = on`.

use async_trait::async_trait;
use chrono::DateTime;
use daihoi_store::{
    GENESIS, Store, StoreError, StoreResult, StoredEvent, TallyDelta, hash_from_slice, merge_tally,
};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Row, postgres::PgConnectOptions};
use std::str::FromStr;

/// Arbitrary constant naming the append lock.
const APPEND_LOCK: i64 = 0x6461_6968_6f69;
const ROWS_PER_INSERT: usize = 5000;

pub struct PostgresStore {
    pool: PgPool,
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl PostgresStore {
    /// Connect to `url` (`postgres://` or `postgresql://`) and run the migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let opts = PgConnectOptions::from_str(url).map_err(db)?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(db)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(PostgresStore { pool })
    }
}

fn row_to_event(r: &PgRow) -> StoreResult<StoredEvent> {
    let at_us: i64 = r.try_get("at_us").map_err(db)?;
    Ok(StoredEvent {
        seq: r.try_get("seq").map_err(db)?,
        at: DateTime::from_timestamp_micros(at_us)
            .ok_or_else(|| StoreError::Database(format!("bad time {at_us}")))?,
        actor: r.try_get("actor").map_err(db)?,
        kind: r.try_get("kind").map_err(db)?,
        payload: r.try_get("payload").map_err(db)?,
        prev_hash: hash_from_slice(r.try_get::<&[u8], _>("prev_hash").map_err(db)?)?,
        hash: hash_from_slice(r.try_get::<&[u8], _>("hash").map_err(db)?)?,
    })
}

fn head_of(r: Option<PgRow>) -> StoreResult<Option<(i64, [u8; 32])>> {
    r.map(|r| {
        Ok((
            r.try_get("seq").map_err(db)?,
            hash_from_slice(r.try_get::<&[u8], _>("hash").map_err(db)?)?,
        ))
    })
    .transpose()
}

#[async_trait]
impl Store for PostgresStore {
    async fn append(&self, batch: &[StoredEvent]) -> StoreResult<()> {
        self.append_with_tally(batch, &[]).await
    }

    async fn append_with_tally(
        &self,
        batch: &[StoredEvent],
        tally: &[TallyDelta],
    ) -> StoreResult<()> {
        if batch.is_empty() {
            // Counters only ever move together with the events that mark the voters.
            return if tally.is_empty() {
                Ok(())
            } else {
                Err(StoreError::Database("secret tally without events".into()))
            };
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let head = head_of(
            sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?,
        )?;
        let (mut seq, mut hash) = head.unwrap_or((0, GENESIS));
        for e in batch {
            if e.seq != seq + 1 || e.prev_hash != hash {
                return Err(StoreError::Conflict {
                    expected: seq + 1,
                    got: e.seq,
                });
            }
            seq = e.seq;
            hash = e.hash;
        }
        for chunk in batch.chunks(ROWS_PER_INSERT) {
            let seqs: Vec<i64> = chunk.iter().map(|e| e.seq).collect();
            let ats: Vec<i64> = chunk.iter().map(|e| e.at.timestamp_micros()).collect();
            let actors: Vec<&str> = chunk.iter().map(|e| e.actor.as_str()).collect();
            let kinds: Vec<&str> = chunk.iter().map(|e| e.kind.as_str()).collect();
            let payloads: Vec<&str> = chunk.iter().map(|e| e.payload.as_str()).collect();
            let prevs: Vec<&[u8]> = chunk.iter().map(|e| &e.prev_hash[..]).collect();
            let hashes: Vec<&[u8]> = chunk.iter().map(|e| &e.hash[..]).collect();
            sqlx::query(
                "INSERT INTO events (seq, at_us, actor, kind, payload, prev_hash, hash) \
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::bytea[])",
            )
            .bind(seqs)
            .bind(ats)
            .bind(actors)
            .bind(kinds)
            .bind(payloads)
            .bind(prevs)
            .bind(hashes)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for d in merge_tally(tally) {
            sqlx::query(
                "INSERT INTO secret_tally (poll, question, option, ballots, weight) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (poll, question, option) DO UPDATE SET ballots = secret_tally.ballots + excluded.ballots, weight = secret_tally.weight + excluded.weight",
            )
            .bind(d.poll)
            .bind(d.question)
            .bind(d.option)
            .bind(d.ballots)
            .bind(d.weight)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn read_tally(&self, poll: i64) -> StoreResult<Vec<TallyDelta>> {
        let rows = sqlx::query("SELECT poll, question, option, ballots, weight FROM secret_tally WHERE poll = $1 ORDER BY question, option")
            .bind(poll)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(TallyDelta {
                    poll: r.try_get("poll").map_err(db)?,
                    question: r.try_get::<i64, _>("question").map_err(db)? as i32,
                    option: r.try_get::<i64, _>("option").map_err(db)? as i32,
                    ballots: r.try_get("ballots").map_err(db)?,
                    weight: r.try_get("weight").map_err(db)?,
                })
            })
            .collect()
    }

    async fn read(&self, after: i64, limit: usize) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT seq, at_us, actor, kind, payload, prev_hash, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(row_to_event).collect()
    }

    async fn head(&self) -> StoreResult<Option<(i64, [u8; 32])>> {
        head_of(
            sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?,
        )
    }

    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<Vec<u8>, _>("value").map_err(db))
            .transpose()
    }

    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        row.try_get::<Vec<u8>, _>("value").map_err(db)
    }

    async fn put_blob(&self, bytes: &[u8]) -> StoreResult<[u8; 32]> {
        let h = daihoi_store::blob_hash(bytes);
        sqlx::query(
            "INSERT INTO blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&h[..])
        .bind(bytes)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(h)
    }

    async fn get_blob(&self, sha256: &[u8; 32]) -> StoreResult<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT bytes FROM blobs WHERE sha256 = $1")
            .bind(&sha256[..])
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<Vec<u8>, _>("bytes").map_err(db))
            .transpose()
    }

    async fn delete_blob(&self, sha256: &[u8; 32]) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM blobs WHERE sha256 = $1")
            .bind(&sha256[..])
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// Held for the life of a server process: a session-level advisory lock on a connection of
/// its own, so that a second server (or a command-line tool that writes) cannot extend the
/// chain behind the first one's back. Dropping it closes the connection and frees the lock.
pub struct WriterLock {
    _conn: sqlx::PgConnection,
}

const WRITER_LOCK: i64 = 0x6461_6968_6f6a;

/// Try to become the only writing process. `Ok(None)` when another process holds the lock.
pub async fn claim_writer(url: &str) -> StoreResult<Option<WriterLock>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.map_err(db)?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(WRITER_LOCK)
        .fetch_one(&mut conn)
        .await
        .map_err(db)?;
    Ok(got.then_some(WriterLock { _conn: conn }))
}

/// For tests and benchmarks: create a new, empty database on the server that `admin_url`
/// points at and return its URL. Fails loudly when no server answers: a backend is never
/// skipped silently.
pub async fn create_scratch_database(admin_url: &str, prefix: &str) -> StoreResult<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await.map_err(|e| {
        StoreError::Database(format!("cannot reach PostgreSQL at {admin_url}: {e}"))
    })?;
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("{prefix}_{}_{}", std::process::id(), nanos);
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(db)?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    Ok(format!("{base}/{name}"))
}

/// The admin URL tests use: `DAIHOI_TEST_POSTGRES`, defaulting to the local test server.
pub fn test_admin_url() -> String {
    std::env::var("DAIHOI_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn fresh() -> Arc<dyn Store> {
        let url = create_scratch_database(&test_admin_url(), "daihoi_contract")
            .await
            .unwrap();
        Arc::new(PostgresStore::connect(&url).await.unwrap())
    }

    daihoi_store::store_contract_tests!(fresh());

    #[tokio::test]
    async fn only_one_process_holds_the_writer_lock() {
        let url = create_scratch_database(&test_admin_url(), "daihoi_lock")
            .await
            .unwrap();
        let first = claim_writer(&url).await.unwrap();
        assert!(first.is_some());
        assert!(
            claim_writer(&url).await.unwrap().is_none(),
            "a second writer is refused"
        );
        drop(first);
        // The lock goes with the connection.
        let mut again = None;
        for _ in 0..50 {
            again = claim_writer(&url).await.unwrap();
            if again.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(again.is_some());
    }
}
