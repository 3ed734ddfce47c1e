//! The evidence transparency log (issue 20): leaves for captures and notices sent, the
//! Merkle tree's stored hashes, and signed checkpoints. The tree's arithmetic is
//! `takedown-tlog`'s; this module keeps its state.
//!
//! Writers queue a leaf in the transaction that writes the row it describes
//! ([`Store::insert_capture`], [`Store::finish_delivery`]), once per kind and id, so the row
//! and its leaf exist together or not at all, and a repeated write queues nothing. Queueing
//! is one insert, cheap on the crawler's path; [`Store::integrate_log`] later gives queued
//! leaves their place in the tree (queue order) and stores the tree's new hashes, as RFC
//! 9162 logs integrate submissions before signing a tree head.
//!
//! What a leaf says is fixed text, one `key value` line each (values with `\`, CR or LF
//! escaped as `\\`, `\r`, `\n`), so anyone can recompute its hash with `sha256sum`:
//! see [`capture_leaf`] and [`notice_leaf`].

use base64::{Engine, prelude::BASE64_STANDARD};
use sqlx::{AssertSqlSafe, Row};
use takedown_model::{
    Capture, digest_hex,
    notice::{InclusionRef, LogReference, TimestampRef},
};
use takedown_tlog::merkle::{self, FetchedHashes, Hash};

use crate::{Store, StoreError, StoreResult, now_text, time_text};

/// The first line of every leaf: what the rest means, and its version.
const LEAF_HEADER: &str = "takedown evidence log leaf v1";
/// Leaves placed per integration transaction.
const INTEGRATE_BATCH: i64 = 5_000;
/// Rows per multi-row statement (SQLite allows 32,766 parameters; PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;
/// Attempts at an integration that lost a race with another integrator.
const INTEGRATE_ATTEMPTS: u32 = 8;

/// Why a notice's evidence reference carries a leaf index but no inclusion proof.
pub const PENDING_CHECKPOINT: &str = "not yet in a signed checkpoint when the notice was composed: the log's next checkpoint covers it (`takedown evidence prove CAPTURE` or `evidence bundle` gives the proof)";

/// What a leaf describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKind {
    /// A capture: one fetch's address, time, status and the digests of its body and WARC
    /// records.
    Capture,
    /// A notice as sent: the digest of the exact payload delivered to the platform.
    Notice,
    /// A case event the platform reported on a notice, as recorded.
    CaseEvent,
}

impl LeafKind {
    /// The kind as stored and as written in the leaf.
    pub fn as_str(self) -> &'static str {
        match self {
            LeafKind::Capture => "capture",
            LeafKind::Notice => "notice",
            LeafKind::CaseEvent => "case_event",
        }
    }
}

/// A leaf as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLeaf {
    /// What it describes.
    pub kind: LeafKind,
    /// The capture's or notice's id.
    pub ref_id: String,
    /// The leaf's bytes (UTF-8 text); its hash is `SHA-256(0x00 || data)`.
    pub data: String,
    /// Its place in the tree; `None` until integrated.
    pub index: Option<u64>,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCheckpoint {
    /// The tree size it signs.
    pub size: u64,
    /// The root hash, base64 as in the note.
    pub root: String,
    /// The whole signed note.
    pub note: String,
    /// When it was signed (RFC 3339), by our clock.
    pub signed_at: String,
}

/// An RFC 3161 timestamp over a checkpoint, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointTimestamp {
    /// The checkpoint's tree size.
    pub size: u64,
    /// The Time Stamping Authority that issued it.
    pub tsa_url: String,
    /// The `TimeStampReq` sent, DER.
    pub query: Vec<u8>,
    /// The `TimeStampResp` received, DER, exactly as the TSA sent it.
    pub reply: Vec<u8>,
    /// The token's `genTime` (RFC 3339), as verified on receipt.
    pub gen_time: String,
    /// When we received it (RFC 3339), by our clock.
    pub stamped_at: String,
}

fn escaped(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

fn leaf_text(kind: LeafKind, fields: &[(&str, &str)]) -> String {
    let mut text = format!("{LEAF_HEADER}\nkind {}\n", kind.as_str());
    for (key, value) in fields {
        text.push_str(key);
        text.push(' ');
        text.push_str(&escaped(value));
        text.push('\n');
    }
    text
}

/// The leaf of a capture: every field of the fetch, and the SHA-256 of its body and of its
/// WARC records (whose own block and payload digests they carry) — so the leaf commits to
/// the exact bytes kept as evidence.
pub fn capture_leaf(capture: &Capture) -> String {
    let status = capture.status.to_string();
    let body_len = capture.body_len.to_string();
    let fetched_at = time_text(capture.fetched_at);
    leaf_text(
        LeafKind::Capture,
        &[
            ("id", &capture.id),
            ("url", &capture.url),
            ("final_url", &capture.final_url),
            ("fetched_at", &fetched_at),
            ("status", &status),
            ("content_type", &capture.content_type),
            ("body_sha256", &capture.body_digest),
            ("body_len", &body_len),
            ("remote_addr", capture.remote_addr.as_deref().unwrap_or("-")),
            ("warc_sha256", capture.warc_digest.as_deref().unwrap_or("-")),
            (
                "warc_record_id",
                capture.warc_record_id.as_deref().unwrap_or("-"),
            ),
        ],
    )
}

/// The leaf of a notice as sent: its id, the platform, and the SHA-256 and length of the
/// payload delivered, byte for byte.
pub fn notice_leaf(notice_id: &str, platform: &str, payload: &str) -> String {
    let digest = digest_hex(payload.as_bytes());
    let len = payload.len().to_string();
    leaf_text(
        LeafKind::Notice,
        &[
            ("id", notice_id),
            ("platform", platform),
            ("payload_sha256", &digest),
            ("payload_len", &len),
        ],
    )
}

/// The id a case event's leaf is kept under: `<notice id>/<event kind>/<case id>`, the
/// event's key in the store (notice ids hold no `/`).
pub fn case_event_ref(notice_id: &str, kind: &str, case_id: &str) -> String {
    format!("{notice_id}/{kind}/{case_id}")
}

/// The leaf of a case event: which notice, what happened, the case, when, and the SHA-256
/// of the event exactly as recorded (JSON, with the platform's detail).
pub fn case_event_leaf(notice_id: &str, kind: &str, case_id: &str, at: &str, body: &str) -> String {
    let digest = digest_hex(body.as_bytes());
    leaf_text(
        LeafKind::CaseEvent,
        &[
            ("notice", notice_id),
            ("event", kind),
            ("case_id", case_id),
            ("at", at),
            ("event_sha256", &digest),
        ],
    )
}

/// Queues a leaf in the writer's transaction; a leaf of this kind and id already queued is
/// kept as it was.
pub(crate) async fn queue_leaf(
    conn: &mut sqlx::AnyConnection,
    kind: LeafKind,
    ref_id: &str,
    data: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO log_leaves (kind, ref_id, data, queued_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(kind.as_str())
    .bind(ref_id)
    .bind(data)
    .bind(now_text())
    .execute(conn)
    .await?;
    Ok(())
}

fn to_u64(value: i64, what: &str) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Log(format!("negative {what} {value}")))
}

fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Log(format!("{value} is too large to store")))
}

fn parse_hash(index: i64, text: &str) -> StoreResult<Hash> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes)
        .map_err(|_| StoreError::Log(format!("stored hash {index} is not 32 bytes of hex")))?;
    Ok(Hash(bytes))
}

impl Store {
    /// The leaf of this kind and id, if one was queued.
    pub async fn log_leaf(&self, kind: LeafKind, ref_id: &str) -> StoreResult<Option<LogLeaf>> {
        let row = sqlx::query("SELECT data, idx FROM log_leaves WHERE kind = $1 AND ref_id = $2")
            .bind(kind.as_str())
            .bind(ref_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let index: Option<i64> = row.try_get("idx")?;
            Ok(LogLeaf {
                kind,
                ref_id: ref_id.to_owned(),
                data: row.try_get("data")?,
                index: index.map(|i| to_u64(i, "leaf index")).transpose()?,
            })
        })
        .transpose()
    }

    /// A notice's platform and payload as the outbox holds them (what [`notice_leaf`]
    /// describes once the delivery was answered); `None` for a notice not in the outbox.
    pub async fn notice_as_sent(&self, notice_id: &str) -> StoreResult<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT platform, payload FROM deliveries WHERE notice_id = $1")
                .bind(notice_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A case event's leaf as its row reads now, by the leaf's id
    /// ([`case_event_ref`]); `None` when the event is not (or no longer) recorded.
    pub async fn case_event_as_recorded(&self, leaf_ref: &str) -> StoreResult<Option<String>> {
        let mut parts = leaf_ref.splitn(3, '/');
        let (Some(notice_id), Some(kind), Some(case_id)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT at, body FROM notice_events WHERE notice_id = $1 AND kind = $2 AND case_id = $3",
        )
        .bind(notice_id)
        .bind(kind)
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(at, body)| case_event_leaf(notice_id, kind, case_id, &at, &body)))
    }

    /// How many leaves have their place in the tree.
    pub async fn log_size(&self) -> StoreResult<u64> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(idx) FROM log_leaves")
            .fetch_one(&self.pool)
            .await?;
        max.map_or(Ok(0), |max| to_u64(max + 1, "log size"))
    }

    /// Gives every queued leaf its place in the tree, in queue order, and stores the tree's
    /// new hashes; returns the tree's size. Safe to run from several processes at once: an
    /// integrator that lost the race finds the leaves placed and tries again.
    pub async fn integrate_log(&self) -> StoreResult<u64> {
        loop {
            let mut attempt = 0;
            let placed = loop {
                attempt += 1;
                match self.integrate_batch().await {
                    Ok(placed) => break placed,
                    Err(StoreError::Database(_)) if attempt < INTEGRATE_ATTEMPTS => {
                        back_off(attempt).await;
                    }
                    Err(e) => return Err(e),
                }
            };
            if placed < INTEGRATE_BATCH as u64 {
                return self.log_size().await;
            }
        }
    }

    /// Places one batch of queued leaves in one transaction; returns how many.
    async fn integrate_batch(&self) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(idx) FROM log_leaves")
            .fetch_one(&mut *tx)
            .await?;
        let size = max.map_or(Ok(0), |max| to_u64(max + 1, "log size"))?;
        let pending =
            sqlx::query("SELECT seq, data FROM log_leaves WHERE idx IS NULL ORDER BY seq LIMIT $1")
                .bind(INTEGRATE_BATCH)
                .fetch_all(&mut *tx)
                .await?;
        if pending.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        // The hashes the appends read that were stored before this batch; the rest are
        // computed by it.
        let existing = merkle::stored_hash_count(size);
        let mut needed: Vec<u64> = (0..pending.len() as u64)
            .flat_map(|i| merkle::indexes_for_append(size + i))
            .filter(|&index| index < existing)
            .collect();
        needed.sort_unstable();
        needed.dedup();
        let mut fetched = read_hashes(&mut tx, &needed).await?;
        let mut new_hashes = Vec::new();
        let mut placements = Vec::with_capacity(pending.len());
        for (i, row) in pending.iter().enumerate() {
            let seq: i64 = row.try_get("seq")?;
            let data: String = row.try_get("data")?;
            let index = size + i as u64;
            let stored =
                merkle::hashes_to_store(index, merkle::leaf_hash(data.as_bytes()), &fetched)
                    .map_err(|e| StoreError::Log(e.to_string()))?;
            let first = merkle::stored_hash_index(0, index);
            for (offset, hash) in stored.into_iter().enumerate() {
                fetched.insert(first + offset as u64, hash);
                new_hashes.push((first + offset as u64, hash));
            }
            placements.push((seq, to_i64(index)?));
        }
        // One statement places a few hundred leaves: `idx = CASE seq WHEN … THEN … END`.
        for chunk in placements.chunks(ROWS_PER_STATEMENT / 2) {
            let cases: Vec<String> = (0..chunk.len())
                .map(|i| format!("WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
                .collect();
            let seqs: Vec<String> = (0..chunk.len())
                .map(|i| format!("${}", 2 * i + 1))
                .collect();
            let sql = format!(
                "UPDATE log_leaves SET idx = CASE seq {} END WHERE seq IN ({}) AND idx IS NULL",
                cases.join(" "),
                seqs.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (seq, index) in chunk {
                query = query.bind(*seq).bind(*index);
            }
            let updated = query.execute(&mut *tx).await?;
            if updated.rows_affected() != chunk.len() as u64 {
                // Another integrator placed some meanwhile; roll back and start again.
                return Err(StoreError::Database(sqlx::Error::RowNotFound));
            }
        }
        for chunk in new_hashes.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let sql = format!(
                "INSERT INTO log_hashes (idx, hash) VALUES {}",
                values.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (index, hash) in chunk {
                query = query.bind(to_i64(*index)?).bind(hex::encode(hash.0));
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(pending.len() as u64)
    }

    async fn fetch_hashes(&self, indexes: &[u64]) -> StoreResult<FetchedHashes> {
        let mut conn = self.pool.acquire().await?;
        read_hashes(&mut conn, indexes).await
    }

    /// The root hash of the tree of the first `size` leaves.
    pub async fn log_root(&self, size: u64) -> StoreResult<Hash> {
        let fetched = self
            .fetch_hashes(&merkle::indexes_for_tree_hash(size))
            .await?;
        merkle::tree_hash(size, &fetched).map_err(|e| StoreError::Log(e.to_string()))
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub async fn log_inclusion_proof(&self, index: u64, size: u64) -> StoreResult<Vec<Hash>> {
        let fetched = self
            .fetch_hashes(&merkle::indexes_for_inclusion(index, size))
            .await?;
        merkle::prove_inclusion(index, size, &fetched).map_err(|e| StoreError::Log(e.to_string()))
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
    pub async fn log_consistency_proof(&self, old: u64, new: u64) -> StoreResult<Vec<Hash>> {
        let fetched = self
            .fetch_hashes(&merkle::indexes_for_consistency(old, new))
            .await?;
        merkle::prove_consistency(old, new, &fetched).map_err(|e| StoreError::Log(e.to_string()))
    }

    /// Keeps a signed checkpoint; one already stored for this size is kept as it was.
    pub async fn put_checkpoint(&self, size: u64, root: &str, note: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(to_i64(size)?)
        .bind(root)
        .bind(note)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The checkpoint signed over the tree of `size` leaves, if one was.
    pub async fn checkpoint(&self, size: u64) -> StoreResult<Option<StoredCheckpoint>> {
        let row =
            sqlx::query("SELECT size, root, note, signed_at FROM log_checkpoints WHERE size = $1")
                .bind(to_i64(size)?)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| checkpoint_from_row(&row)).transpose()
    }

    /// Keeps a checkpoint's timestamp; one already stored for that checkpoint is kept as it
    /// was.
    pub async fn put_checkpoint_timestamp(
        &self,
        size: u64,
        tsa_url: &str,
        query: &[u8],
        reply: &[u8],
        gen_time: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO log_timestamps (size, tsa_url, query, reply, gen_time, stamped_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(to_i64(size)?)
        .bind(tsa_url)
        .bind(hex::encode(query))
        .bind(hex::encode(reply))
        .bind(gen_time)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The timestamp of the checkpoint over `size` leaves, if it has one.
    pub async fn checkpoint_timestamp(
        &self,
        size: u64,
    ) -> StoreResult<Option<CheckpointTimestamp>> {
        let row = sqlx::query(
            "SELECT size, tsa_url, query, reply, gen_time, stamped_at FROM log_timestamps
             WHERE size = $1",
        )
        .bind(to_i64(size)?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let query: String = row.try_get("query")?;
            let reply: String = row.try_get("reply")?;
            let bad_hex = |what: &str| {
                StoreError::Log(format!(
                    "stored timestamp {what} of checkpoint {size} is not hex"
                ))
            };
            Ok(CheckpointTimestamp {
                size: to_u64(row.try_get("size")?, "timestamp size")?,
                tsa_url: row.try_get("tsa_url")?,
                query: hex::decode(query).map_err(|_| bad_hex("query"))?,
                reply: hex::decode(reply).map_err(|_| bad_hex("reply"))?,
                gen_time: row.try_get("gen_time")?,
                stamped_at: row.try_get("stamped_at")?,
            })
        })
        .transpose()
    }

    /// A capture's evidence reference for a notice: the log is integrated first so the
    /// capture's leaf has its index, then proven against the latest signed checkpoint (with
    /// its RFC 3161 timestamp when it has one). When no signed checkpoint covers the leaf
    /// yet, the index is carried with the reason. `None` when the capture has no leaf.
    pub async fn log_reference(&self, capture_id: &str) -> StoreResult<Option<LogReference>> {
        if self
            .log_leaf(LeafKind::Capture, capture_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        self.integrate_log().await?;
        let Some(leaf) = self.log_leaf(LeafKind::Capture, capture_id).await? else {
            return Ok(None);
        };
        let Some(index) = leaf.index else {
            return Err(StoreError::Log(format!(
                "capture {capture_id}'s leaf was not placed by integration"
            )));
        };
        let leaf_hash = merkle::leaf_hash(leaf.data.as_bytes()).to_string();
        let latest = self.latest_checkpoint().await?;
        let Some(checkpoint) = latest.filter(|c| index < c.size) else {
            return Ok(Some(LogReference {
                leaf_index: index,
                leaf_hash,
                inclusion: None,
                // The actioner holds no signing key: the log's checkpointer (the notifier's
                // process, or `takedown evidence checkpoint`) signs the next tree head.
                pending: Some(PENDING_CHECKPOINT.to_owned()),
            }));
        };
        let proof = self.log_inclusion_proof(index, checkpoint.size).await?;
        let timestamp = self
            .checkpoint_timestamp(checkpoint.size)
            .await?
            .map(|stamp| TimestampRef {
                tsa_url: stamp.tsa_url,
                gen_time: stamp.gen_time,
                reply: BASE64_STANDARD.encode(&stamp.reply),
            });
        Ok(Some(LogReference {
            leaf_index: index,
            leaf_hash,
            inclusion: Some(InclusionRef {
                tree_size: checkpoint.size,
                root_hash: checkpoint.root,
                proof: proof.iter().map(Hash::to_string).collect(),
                checkpoint: checkpoint.note,
                timestamp,
            }),
            pending: None,
        }))
    }

    /// The checkpoint of the largest tree signed so far.
    pub async fn latest_checkpoint(&self) -> StoreResult<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT size, root, note, signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| checkpoint_from_row(&row)).transpose()
    }
}

fn checkpoint_from_row(row: &sqlx::any::AnyRow) -> StoreResult<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: to_u64(row.try_get("size")?, "checkpoint size")?,
        root: row.try_get("root")?,
        note: row.try_get("note")?,
        signed_at: row.try_get("signed_at")?,
    })
}

/// Reads stored hashes by index, a few hundred per statement.
async fn read_hashes(
    conn: &mut sqlx::AnyConnection,
    indexes: &[u64],
) -> StoreResult<FetchedHashes> {
    let mut fetched = FetchedHashes::default();
    for chunk in indexes.chunks(ROWS_PER_STATEMENT) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT idx, hash FROM log_hashes WHERE idx IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for index in chunk {
            query = query.bind(to_i64(*index)?);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let index: i64 = row.try_get("idx")?;
            let hash: String = row.try_get("hash")?;
            fetched.insert(
                to_u64(index, "stored hash index")?,
                parse_hash(index, &hash)?,
            );
        }
    }
    Ok(fetched)
}

/// Waits a little longer after each lost race (SQLite's busy snapshot, PostgreSQL's unique
/// violation when two integrators place the same leaves).
async fn back_off(attempt: u32) {
    tokio::time::sleep(std::time::Duration::from_millis(5 << attempt.min(6))).await;
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use takedown_tlog::merkle;

    use super::*;
    use crate::testkit::{
        fixtures::{capture, notice},
        on_both_backends,
    };

    on_both_backends!(
        a_capture_is_one_leaf_however_often_it_is_written,
        every_leaf_proves_against_every_later_root,
        integrators_racing_place_each_leaf_once,
        a_notice_joins_the_log_when_it_was_sent,
        a_case_event_joins_the_log_with_its_row,
        a_capture_reference_is_proven_once_a_checkpoint_covers_it,
    );

    async fn a_capture_reference_is_proven_once_a_checkpoint_covers_it(store: Store) {
        let first = capture("cap_1", "http://shop.test/1");
        store.insert_capture(&first).await.expect("capture");
        assert_eq!(store.log_reference("cap_none").await.expect("read"), None);
        let pending = store
            .log_reference("cap_1")
            .await
            .expect("read")
            .expect("a leaf");
        assert_eq!(pending.leaf_index, 0, "integrated on the way");
        assert!(pending.inclusion.is_none() && pending.pending.is_some());

        store
            .insert_capture(&capture("cap_2", "http://shop.test/2"))
            .await
            .expect("capture");
        let size = store.integrate_log().await.expect("integrate");
        let root = store.log_root(size).await.expect("root");
        let key = takedown_tlog::LogKey::from_seed("test/log", &[7; 32]).expect("key");
        let note = key
            .sign(&takedown_tlog::Checkpoint {
                origin: "test/log".into(),
                size,
                root,
            })
            .expect("sign");
        store
            .put_checkpoint(size, &root.to_string(), &note)
            .await
            .expect("checkpoint");
        store
            .put_checkpoint_timestamp(
                size,
                "http://tsa.test/",
                b"query",
                b"reply",
                "2026-12-08T00:00:00Z",
            )
            .await
            .expect("timestamp");
        let stamp = store
            .checkpoint_timestamp(size)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            (stamp.query.as_slice(), stamp.reply.as_slice()),
            (&b"query"[..], &b"reply"[..])
        );
        assert_eq!(
            store.checkpoint(size).await.expect("read").map(|c| c.note),
            Some(note.clone())
        );

        let proven = store
            .log_reference("cap_1")
            .await
            .expect("read")
            .expect("a leaf");
        let inclusion = proven.inclusion.expect("proven");
        assert_eq!(
            (inclusion.tree_size, inclusion.checkpoint.as_str()),
            (size, note.as_str())
        );
        let proof: Vec<Hash> = inclusion
            .proof
            .iter()
            .map(|h| Hash::parse_hash(h).expect("base64"))
            .collect();
        merkle::verify_inclusion(
            &proof,
            0,
            size,
            root,
            merkle::leaf_hash(capture_leaf(&first).as_bytes()),
        )
        .expect("the proof holds");
        let timestamp = inclusion.timestamp.expect("with its timestamp");
        assert_eq!(timestamp.gen_time, "2026-12-08T00:00:00Z");
        assert_eq!(timestamp.reply, BASE64_STANDARD.encode(b"reply"));
    }

    async fn a_capture_is_one_leaf_however_often_it_is_written(store: Store) {
        let first = capture("cap_1", "http://shop.test/1");
        store.insert_capture(&first).await.expect("capture");
        store.insert_capture(&first).await.expect("again");
        let mut changed = first.clone();
        changed.status = 500;
        store.insert_capture(&changed).await.expect("changed");
        let leaf = store
            .log_leaf(LeafKind::Capture, "cap_1")
            .await
            .expect("read")
            .expect("queued");
        assert_eq!(leaf.data, capture_leaf(&first), "the row as first written");
        assert_eq!(leaf.index, None, "queued, not yet placed");
        assert_eq!(store.integrate_log().await.expect("integrate"), 1);
        assert_eq!(
            store.integrate_log().await.expect("again"),
            1,
            "nothing new"
        );
        let leaf = store
            .log_leaf(LeafKind::Capture, "cap_1")
            .await
            .expect("read");
        assert_eq!(leaf.and_then(|l| l.index), Some(0));
        assert_eq!(
            store.log_root(1).await.expect("root"),
            merkle::leaf_hash(capture_leaf(&first).as_bytes())
        );
    }

    async fn every_leaf_proves_against_every_later_root(store: Store) {
        let mut reference = merkle::MemoryLog::new();
        for batch in 0..3 {
            for i in 0..7 {
                let c = capture(
                    &format!("cap_{batch}_{i}"),
                    &format!("http://shop.test/{i}"),
                );
                store.insert_capture(&c).await.expect("capture");
                reference
                    .append(capture_leaf(&c).as_bytes())
                    .expect("append");
            }
            let size = store.integrate_log().await.expect("integrate");
            assert_eq!(size, reference.size());
        }
        for size in 1..=21 {
            let root = store.log_root(size).await.expect("root");
            assert_eq!(root, reference.root_at(size).expect("reference root"));
            for index in [0, size / 2, size - 1] {
                let proof = store.log_inclusion_proof(index, size).await.expect("proof");
                let leaf = merkle::prove_inclusion(index, size, &reference).expect("reference");
                assert_eq!(proof, leaf);
            }
            for old in [0, 1, size / 2, size] {
                let proof = store.log_consistency_proof(old, size).await.expect("proof");
                let old_root = store.log_root(old).await.expect("old root");
                merkle::verify_consistency(&proof, old, old_root, size, root).expect("consistent");
            }
        }
    }

    async fn integrators_racing_place_each_leaf_once(store: Store) {
        for i in 0..40 {
            let c = capture(&format!("cap_{i:02}"), "http://shop.test/");
            store.insert_capture(&c).await.expect("capture");
        }
        let (a, b, c) = tokio::join!(
            store.integrate_log(),
            store.integrate_log(),
            store.integrate_log()
        );
        for size in [a, b, c] {
            assert_eq!(size.expect("integrate"), 40);
        }
        let placed: Vec<i64> = sqlx::query_scalar("SELECT idx FROM log_leaves ORDER BY idx")
            .fetch_all(store.pool())
            .await
            .expect("read");
        assert_eq!(placed, (0..40).collect::<Vec<i64>>());
        let hashes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM log_hashes")
            .fetch_one(store.pool())
            .await
            .expect("count");
        assert_eq!(hashes as u64, merkle::stored_hash_count(40));
    }

    async fn a_notice_joins_the_log_when_it_was_sent(store: Store) {
        let payload = r#"{"notice":"as sent"}"#;
        store
            .enqueue_delivery(&notice("ntc_1", "acme", "shop"), payload)
            .await
            .expect("enqueue");
        assert_eq!(
            store
                .log_leaf(LeafKind::Notice, "ntc_1")
                .await
                .expect("read"),
            None,
            "queued for delivery is not sent"
        );
        let now = Utc::now();
        store
            .claim_deliveries("n1", now, now + chrono::Duration::minutes(1), 10)
            .await
            .expect("claim");
        assert!(
            store
                .finish_delivery("ntc_1", "n1", Some("case-1"), None)
                .await
                .expect("finish")
        );
        let leaf = store
            .log_leaf(LeafKind::Notice, "ntc_1")
            .await
            .expect("read")
            .expect("queued");
        assert_eq!(leaf.data, notice_leaf("ntc_1", "shop", payload));
        assert!(leaf.data.contains(&digest_hex(payload.as_bytes())));
    }

    async fn a_case_event_joins_the_log_with_its_row(store: Store) {
        use takedown_model::{CaseEvent, CaseEventKind, NoticeStatus};
        store
            .insert_notice(&notice("ntc_1", "acme", "shop"))
            .await
            .expect("notice");
        let event = CaseEvent {
            notice_id: "ntc_1".into(),
            kind: CaseEventKind::Acknowledged,
            case_id: Some("case-1".into()),
            detail: None,
            at: Utc::now(),
        };
        for _ in 0..2 {
            store
                .record_case_event(&event, NoticeStatus::Acknowledged)
                .await
                .expect("event");
        }
        let leaf_ref = case_event_ref("ntc_1", "acknowledged", "case-1");
        let leaf = store
            .log_leaf(LeafKind::CaseEvent, &leaf_ref)
            .await
            .expect("read")
            .expect("queued");
        assert_eq!(
            store.case_event_as_recorded(&leaf_ref).await.expect("read"),
            Some(leaf.data)
        );
        assert_eq!(
            store.integrate_log().await.expect("integrate"),
            1,
            "one leaf"
        );
        assert_eq!(
            store.case_event_as_recorded("ntc_1/x").await.expect("read"),
            None
        );
    }
}
