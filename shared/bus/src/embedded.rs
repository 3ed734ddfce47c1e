//! A durable bus in one SQLite file: an append-only log per topic partition plus committed
//! offsets per consumer group. It survives SIGKILL (WAL journal), keeps per-key order, and
//! speaks the same at-least-once contract as the Kafka bus. Dead letters go to their own
//! table, `bus_dead_letters`, with their source position and reason.

use std::{collections::BTreeMap, path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use sqlx::{
    Row, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use tokio::sync::Notify;

use crate::{Bus, BusError, BusResult, Consumer, DeadLetter, Message, Topic, partition_for};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long opening the bus file (connecting, switching to WAL, migrating) keeps trying
/// while other processes hold it locked. The same rule as the store's
/// (`takedown_store::retry_while_busy`); written again here because the bus does not depend
/// on the store.
const OPEN_PATIENCE: Duration = Duration::from_secs(60);

/// Whether `error` is SQLite's SQLITE_BUSY or SQLITE_LOCKED ("database is locked"), which
/// SQLite returns at once in some cases instead of waiting the busy timeout (switching a
/// new file to WAL while another connection does, reading while another recovers the WAL).
fn is_busy(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    // sqlx reports SQLite's extended result code; its low byte is the primary code.
    let primary = db
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .map(|code| code & 0xff);
    matches!(primary, Some(5 | 6)) || db.message().contains("database is locked")
}

/// Runs `attempt` until it succeeds, fails with an error `busy` does not accept, or
/// [`OPEN_PATIENCE`] has passed, sleeping a growing delay (20 ms doubling to 500 ms) with
/// jitter from the process id between tries, so processes started together do not retry in
/// step.
async fn retry_while_busy<T, E, F, Fut>(
    mut attempt: F,
    mut busy: impl FnMut(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let started = std::time::Instant::now();
    let mut tries: u32 = 0;
    loop {
        match attempt().await {
            Err(e) if busy(&e) && started.elapsed() < OPEN_PATIENCE => {
                tries += 1;
                let base = 20u64.saturating_mul(1 << tries.min(5)).min(500);
                let mixed = u64::from(std::process::id())
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(u64::from(tries).wrapping_mul(0xBF58_476D_1CE4_E5B9));
                let jitter = (mixed >> 33) % (base / 2 + 1);
                tokio::time::sleep(Duration::from_millis(base + jitter)).await;
            }
            result => return result,
        }
    }
}

/// The embedded bus: a durable log per topic partition in one SQLite file (WAL), with consumer
/// groups' committed offsets, the same contract as Kafka on one machine. Cheap to clone (clones
/// share the pool).
#[derive(Clone)]
pub struct EmbeddedBus {
    pool: SqlitePool,
    /// Wakes this process's waiting consumers when something is published.
    published: Arc<Notify>,
}

impl EmbeddedBus {
    /// Opens (creating if needed) the bus file at `path`.
    pub async fn open(path: &Path) -> BusResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode loses nothing on a process crash; only an OS crash can
            // roll back the last transactions, which at-least-once upstream redelivers.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        // Processes sharing the file (`takedown serve STAGE` on the embedded bus) may start
        // together: connecting (which switches the file to WAL) can find it locked, and
        // SQLite says so at once for the WAL switch instead of waiting the busy timeout.
        let pool = retry_while_busy(
            || {
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options.clone())
            },
            is_busy,
        )
        .await?;
        // They also race to migrate it; the loser's migration transaction rolls back and,
        // tried again, finds the winner's work recorded. A locked file is waited for; any
        // other failure of a migration's SQL is what losing the race looks like and is
        // tried again a few times before it is believed.
        let mut lost_races = 0;
        retry_while_busy(
            || MIGRATOR.run(&pool),
            |e: &sqlx::migrate::MigrateError| {
                use sqlx::migrate::MigrateError::{Execute, ExecuteMigration};
                match e {
                    Execute(e) | ExecuteMigration(e, _) if is_busy(e) => true,
                    Execute(_) | ExecuteMigration(..) => {
                        lost_races += 1;
                        lost_races <= 8
                    }
                    _ => false,
                }
            },
        )
        .await?;
        Ok(Self {
            pool,
            published: Arc::new(Notify::new()),
        })
    }

    /// Highest offset + 1 per partition: where a new message would go.
    async fn end_offsets(&self, topic: Topic) -> BusResult<BTreeMap<u32, u64>> {
        let rows = sqlx::query(
            r#"SELECT partition, MAX("offset") + 1 AS end_offset FROM bus_messages
               WHERE topic = ? GROUP BY partition"#,
        )
        .bind(topic.name())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<i64, _>(0)? as u32,
                    row.try_get::<i64, _>(1)? as u64,
                ))
            })
            .collect()
    }

    async fn committed(&self, group: &str, topic: Topic) -> BusResult<BTreeMap<u32, u64>> {
        let rows = sqlx::query(
            "SELECT partition, next_offset FROM bus_offsets WHERE grp = ? AND topic = ?",
        )
        .bind(group)
        .bind(topic.name())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<i64, _>(0)? as u32,
                    row.try_get::<i64, _>(1)? as u64,
                ))
            })
            .collect()
    }
}

#[async_trait]
impl Bus for EmbeddedBus {
    async fn publish(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()> {
        let partition = partition_for(key, topic.partitions());
        // One statement, so the offset is assigned atomically even with several writers.
        sqlx::query(
            r#"INSERT INTO bus_messages (topic, partition, "offset", key, payload, published_at)
               SELECT ?1, ?2, COALESCE(MAX("offset") + 1, 0), ?3, ?4, ?5
               FROM bus_messages WHERE topic = ?1 AND partition = ?2"#,
        )
        .bind(topic.name())
        .bind(i64::from(partition))
        .bind(key)
        .bind(payload)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&self.pool)
        .await?;
        self.published.notify_waiters();
        Ok(())
    }

    async fn subscribe(&self, group: &str, topic: Topic) -> BusResult<Box<dyn Consumer>> {
        let committed = self.committed(group, topic).await?;
        let positions = (0..topic.partitions())
            .map(|p| (p, committed.get(&p).copied().unwrap_or(0)))
            .collect();
        Ok(Box::new(EmbeddedConsumer {
            bus: self.clone(),
            group: group.to_owned(),
            topic,
            positions,
        }))
    }

    async fn lag(&self, group: &str, topic: Topic) -> BusResult<u64> {
        Ok(self.partition_lags(group, topic).await?.values().sum())
    }

    async fn partition_lags(&self, group: &str, topic: Topic) -> BusResult<BTreeMap<u32, u64>> {
        let ends = self.end_offsets(topic).await?;
        let committed = self.committed(group, topic).await?;
        Ok(ends
            .iter()
            .map(|(p, end)| {
                let done = committed.get(p).copied().unwrap_or(0);
                (*p, end.saturating_sub(done))
            })
            .collect())
    }

    async fn dead_letter(&self, letter: &DeadLetter) -> BusResult<()> {
        // Insert-if-absent: a poison message redelivered after a crash is kept once.
        sqlx::query(
            "INSERT INTO bus_dead_letters
               (source_topic, source_partition, source_offset, key, payload, reason, dead_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING",
        )
        .bind(&letter.topic)
        .bind(i64::from(letter.partition))
        .bind(letter.offset as i64)
        .bind(&letter.key)
        .bind(&letter.payload)
        .bind(&letter.reason)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> BusResult<Vec<DeadLetter>> {
        let rows = sqlx::query(
            "SELECT source_topic, source_partition, source_offset, key, payload, reason
             FROM bus_dead_letters ORDER BY id LIMIT ?",
        )
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeadLetter {
                    topic: row.try_get(0)?,
                    partition: row.try_get::<i64, _>(1)? as u32,
                    offset: row.try_get::<i64, _>(2)? as u64,
                    key: row.try_get(3)?,
                    payload: row.try_get(4)?,
                    reason: row.try_get(5)?,
                })
            })
            .collect()
    }
}

struct EmbeddedConsumer {
    bus: EmbeddedBus,
    group: String,
    topic: Topic,
    /// Next offset to read per partition (in memory; committed offsets are in the file).
    positions: BTreeMap<u32, u64>,
}

impl EmbeddedConsumer {
    async fn fetch(&mut self, max: usize) -> BusResult<Vec<Message>> {
        let mut out = Vec::new();
        for (&partition, position) in self.positions.iter_mut() {
            if out.len() >= max {
                break;
            }
            let rows = sqlx::query(
                r#"SELECT "offset", key, payload FROM bus_messages
                   WHERE topic = ? AND partition = ? AND "offset" >= ?
                   ORDER BY "offset" LIMIT ?"#,
            )
            .bind(self.topic.name())
            .bind(i64::from(partition))
            .bind(*position as i64)
            .bind((max - out.len()) as i64)
            .fetch_all(&self.bus.pool)
            .await?;
            for row in rows {
                let offset = row.try_get::<i64, _>(0)? as u64;
                *position = offset + 1;
                out.push(Message {
                    topic: self.topic.name().to_owned(),
                    partition,
                    offset,
                    key: row.try_get(1)?,
                    payload: row.try_get(2)?,
                });
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Consumer for EmbeddedConsumer {
    async fn poll(&mut self, max: usize, wait: Duration) -> BusResult<Vec<Message>> {
        let published = self.bus.published.clone();
        let notified = published.notified();
        tokio::pin!(notified);
        // Register interest before looking, so a publish in between still wakes us.
        notified.as_mut().enable();
        let messages = self.fetch(max).await?;
        if !messages.is_empty() || wait.is_zero() {
            return Ok(messages);
        }
        // Another process may publish too (it cannot wake us): the timeout bounds the wait.
        let _ = tokio::time::timeout(wait, notified).await;
        self.fetch(max).await
    }

    async fn commit(&mut self, message: &Message) -> BusResult<()> {
        if message.topic != self.topic.name() {
            return Err(BusError::ForeignCommit {
                topic: message.topic.clone(),
                partition: message.partition,
                offset: message.offset,
            });
        }
        // MAX keeps a late commit of an older offset from moving the group backwards.
        sqlx::query(
            "INSERT INTO bus_offsets (grp, topic, partition, next_offset) VALUES (?, ?, ?, ?)
             ON CONFLICT (grp, topic, partition)
             DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)",
        )
        .bind(&self.group)
        .bind(self.topic.name())
        .bind(i64::from(message.partition))
        .bind((message.offset + 1) as i64)
        .execute(&self.bus.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn bus(dir: &tempfile::TempDir) -> EmbeddedBus {
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("open bus")
    }

    async fn drain(consumer: &mut Box<dyn Consumer>) -> Vec<Message> {
        consumer.poll(1000, Duration::ZERO).await.expect("poll")
    }

    #[tokio::test]
    async fn keeps_per_key_order_and_redelivers_uncommitted_after_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let bus = bus(&dir).await;
            for i in 0..10 {
                bus.publish(
                    Topic::Listings,
                    &format!("k{}", i % 3),
                    format!("m{i}").as_bytes(),
                )
                .await
                .expect("publish");
            }
            let mut consumer = bus
                .subscribe("g", Topic::Listings)
                .await
                .expect("subscribe");
            let got = drain(&mut consumer).await;
            assert_eq!(got.len(), 10);
            for key in ["k0", "k1", "k2"] {
                let of_key: Vec<_> = got.iter().filter(|m| m.key == key).collect();
                assert!(of_key.windows(2).all(|w| w[0].offset < w[1].offset));
            }
            // Commit only the first message of each partition seen.
            let mut first_per_partition = BTreeMap::new();
            for m in &got {
                first_per_partition.entry(m.partition).or_insert(m.clone());
            }
            for m in first_per_partition.values() {
                consumer.commit(m).await.expect("commit");
            }
            assert_eq!(
                bus.lag("g", Topic::Listings).await.expect("lag"),
                10 - first_per_partition.len() as u64
            );
            // Per partition: what was published there minus the one committed.
            let lags = bus
                .partition_lags("g", Topic::Listings)
                .await
                .expect("partition lags");
            for (partition, lag) in &lags {
                let published = got.iter().filter(|m| m.partition == *partition).count();
                let committed = usize::from(first_per_partition.contains_key(partition));
                assert_eq!(
                    *lag as usize,
                    published - committed,
                    "partition {partition}"
                );
            }
            assert_eq!(lags.len(), first_per_partition.len());
        }
        // "Crash": reopen from the file. The uncommitted ones come again, the committed don't.
        let bus = bus(&dir).await;
        let mut consumer = bus
            .subscribe("g", Topic::Listings)
            .await
            .expect("subscribe");
        let again = drain(&mut consumer).await;
        assert_eq!(
            again.len() as u64,
            bus.lag("g", Topic::Listings).await.expect("lag")
        );
        assert!(again.len() < 10 && !again.is_empty());
        for m in &again {
            consumer.commit(m).await.expect("commit");
        }
        assert_eq!(bus.lag("g", Topic::Listings).await.expect("lag"), 0);
        assert!(drain(&mut consumer).await.is_empty());
        // Another group starts from the beginning.
        let mut other = bus
            .subscribe("h", Topic::Listings)
            .await
            .expect("subscribe");
        assert_eq!(drain(&mut other).await.len(), 10);
    }

    #[tokio::test]
    async fn poll_wakes_on_publish_and_commit_never_moves_backwards() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bus = bus(&dir).await;
        let mut consumer = bus.subscribe("g", Topic::Notices).await.expect("subscribe");
        let publisher = bus.clone();
        let handle = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            publisher
                .publish(Topic::Notices, "p", b"a")
                .await
                .expect("publish");
            publisher
                .publish(Topic::Notices, "p", b"b")
                .await
                .expect("publish");
        });
        let mut got = Vec::new();
        for _ in 0..50 {
            got.extend(
                consumer
                    .poll(10, Duration::from_millis(200))
                    .await
                    .expect("poll"),
            );
            if got.len() == 2 {
                break;
            }
        }
        handle.await.expect("join");
        assert_eq!(
            got.iter().map(|m| m.payload.clone()).collect::<Vec<_>>(),
            vec![b"a".to_vec(), b"b".to_vec()]
        );
        consumer.commit(&got[1]).await.expect("commit");
        consumer.commit(&got[0]).await.expect("commit");
        assert_eq!(bus.lag("g", Topic::Notices).await.expect("lag"), 0);

        let wrong = Message {
            topic: "other".into(),
            ..got[0].clone()
        };
        assert!(matches!(
            consumer.commit(&wrong).await,
            Err(BusError::ForeignCommit { .. })
        ));
    }

    #[tokio::test]
    async fn dead_letters_keep_everything_once_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bus = bus(&dir).await;
        let message = |offset| Message {
            topic: Topic::Matches.name().into(),
            partition: 2,
            offset,
            key: "owner".into(),
            payload: vec![0xff, offset as u8],
        };
        bus.dead_letter(&DeadLetter::new(&message(7), "bad version"))
            .await
            .expect("dead letter");
        // The same message again (a crash before its commit): kept once.
        bus.dead_letter(&DeadLetter::new(&message(7), "bad version"))
            .await
            .expect("dead letter");
        bus.dead_letter(&DeadLetter::new(&message(8), "malformed"))
            .await
            .expect("dead letter");
        let letters = bus.dead_letters(10).await.expect("list");
        assert_eq!(
            letters,
            vec![
                DeadLetter::new(&message(7), "bad version"),
                DeadLetter::new(&message(8), "malformed")
            ]
        );
        assert_eq!(bus.dead_letters(1).await.expect("list").len(), 1);
    }
}
