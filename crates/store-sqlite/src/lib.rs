//! SQLite backend: one file in WAL mode. Appends go through one writer connection (SQLite
//! has one writer anyway) with `synchronous = FULL`, so a committed batch is on disk
//! before `append` returns; reads use a small pool of reader connections.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::DateTime;
use daihoi_store::{
    GENESIS, Store, StoreError, StoreResult, StoredEvent, TallyDelta, hash_from_slice, merge_tally,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, SqliteConnection, SqlitePool};
use tokio::sync::Mutex;

pub struct SqliteStore {
    writer: Mutex<SqliteConnection>,
    readers: SqlitePool,
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// Rows per INSERT statement: 7 columns each stays far below SQLite's variable limit.
const ROWS_PER_INSERT: usize = 1000;

impl SqliteStore {
    /// Open (creating if needed) the database file at `path` and run the migrations.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        Self::open_with(opts).await
    }

    /// Open from a `sqlite://...` URL.
    pub async fn open_url(url: &str) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        Self::open_with(opts).await
    }

    async fn open_with(opts: SqliteConnectOptions) -> StoreResult<Self> {
        let mut writer = SqliteConnection::connect_with(&opts).await.map_err(db)?;
        sqlx::migrate!("./migrations")
            .run(&mut writer)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await
            .map_err(db)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
        })
    }
}

fn row_to_event(r: &SqliteRow) -> StoreResult<StoredEvent> {
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

/// Check that `batch` continues `head` link by link.
pub fn check_continues(head: Option<(i64, [u8; 32])>, batch: &[StoredEvent]) -> StoreResult<()> {
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
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
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
        let mut conn = self.writer.lock().await;
        let mut tx = conn.begin().await.map_err(db)?;
        let head = sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .map(|r| -> StoreResult<(i64, [u8; 32])> {
                Ok((
                    r.try_get("seq").map_err(db)?,
                    hash_from_slice(r.try_get::<&[u8], _>("hash").map_err(db)?)?,
                ))
            })
            .transpose()?;
        check_continues(head, batch)?;
        for chunk in batch.chunks(ROWS_PER_INSERT) {
            let mut q = QueryBuilder::new(
                "INSERT INTO events (seq, at_us, actor, kind, payload, prev_hash, hash) ",
            );
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.seq)
                    .push_bind(e.at.timestamp_micros())
                    .push_bind(&e.actor)
                    .push_bind(&e.kind)
                    .push_bind(&e.payload)
                    .push_bind(&e.prev_hash[..])
                    .push_bind(&e.hash[..]);
            });
            q.build().execute(&mut *tx).await.map_err(db)?;
        }
        for d in merge_tally(tally) {
            sqlx::query(
                "INSERT INTO secret_tally (poll, question, option, ballots, weight) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (poll, question, option) DO UPDATE SET ballots = ballots + excluded.ballots, weight = weight + excluded.weight",
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
        let rows = sqlx::query("SELECT poll, question, option, ballots, weight FROM secret_tally WHERE poll = ? ORDER BY question, option")
            .bind(poll)
            .fetch_all(&self.readers)
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
        let rows = sqlx::query("SELECT seq, at_us, actor, kind, payload, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit as i64)
            .fetch_all(&self.readers)
            .await
            .map_err(db)?;
        rows.iter().map(row_to_event).collect()
    }

    async fn head(&self) -> StoreResult<Option<(i64, [u8; 32])>> {
        let row = sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.readers)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok((
                r.try_get("seq").map_err(db)?,
                hash_from_slice(r.try_get::<&[u8], _>("hash").map_err(db)?)?,
            ))
        })
        .transpose()
    }

    async fn get_meta(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.readers)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<Vec<u8>, _>("value").map_err(db))
            .transpose()
    }

    async fn init_meta(&self, key: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        let mut conn = self.writer.lock().await;
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        let row = sqlx::query("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        row.try_get::<Vec<u8>, _>("value").map_err(db)
    }

    async fn put_blob(&self, bytes: &[u8]) -> StoreResult<[u8; 32]> {
        let h = daihoi_store::blob_hash(bytes);
        let mut conn = self.writer.lock().await;
        sqlx::query(
            "INSERT INTO blobs (sha256, bytes) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&h[..])
        .bind(bytes)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        Ok(h)
    }

    async fn get_blob(&self, sha256: &[u8; 32]) -> StoreResult<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT bytes FROM blobs WHERE sha256 = ?")
            .bind(&sha256[..])
            .fetch_optional(&self.readers)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<Vec<u8>, _>("bytes").map_err(db))
            .transpose()
    }

    async fn delete_blob(&self, sha256: &[u8; 32]) -> StoreResult<bool> {
        let mut conn = self.writer.lock().await;
        let r = sqlx::query("DELETE FROM blobs WHERE sha256 = ?")
            .bind(&sha256[..])
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(r.rows_affected() > 0)
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn fresh() -> Arc<dyn Store> {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
        // Keep the directory for the life of the test process.
        std::mem::forget(dir);
        Arc::new(store)
    }

    daihoi_store::store_contract_tests!(fresh());

    #[tokio::test]
    async fn reopening_keeps_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let batch = daihoi_store::contract::chain((0, GENESIS), 3);
        {
            let s = SqliteStore::open(&path).await.unwrap();
            s.append(&batch).await.unwrap();
        }
        let s = SqliteStore::open(&path).await.unwrap();
        assert_eq!(s.read(0, 10).await.unwrap(), batch);
    }
}
