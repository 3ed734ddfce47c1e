//! `takedown evidence log-key|checkpoint|prove|verify-consistency`: the evidence
//! transparency log as an outsider checks it — the log's verifier key, signed checkpoints
//! (C2SP signed notes), inclusion proofs of a capture or a notice, and consistency with an
//! older checkpoint (a fork or a rewrite refused).
//!
//! The signing key comes from `TAKEDOWN_LOG_KEY` (the key itself, `PRIVATE+KEY+…`, or a
//! file holding it) or else the data directory's `log-key` file, generated on first use
//! with mode 0600. It is never printed or logged; `log-key` prints the verifier key.

use std::{io::Write, path::Path};

use anyhow::Context;
use serde::Serialize;
use takedown_store::{
    Store,
    evidence_log::{LeafKind, capture_leaf, notice_leaf},
};
use takedown_tlog::{
    Checkpoint, LogKey, checkpoint,
    merkle::{self, Hash},
};

/// The environment variable holding the log's private key, or a path to a file holding it.
pub const LOG_KEY_ENV: &str = "TAKEDOWN_LOG_KEY";
/// The key file in the data directory when the environment names none.
pub const LOG_KEY_FILE: &str = "log-key";

/// The log's signing key: from [`LOG_KEY_ENV`], else `data_dir/log-key`, generated there
/// (mode 0600) when missing.
pub fn log_key(data_dir: &Path) -> anyhow::Result<LogKey> {
    if let Some(value) = std::env::var_os(LOG_KEY_ENV).filter(|v| !v.is_empty()) {
        let value = value
            .into_string()
            .map_err(|_| anyhow::anyhow!("{LOG_KEY_ENV} is not UTF-8"))?;
        if value.trim_start().starts_with("PRIVATE+KEY+") {
            return LogKey::from_private_key(&value)
                .with_context(|| format!("{LOG_KEY_ENV} holds no usable log key"));
        }
        return read_key_file(Path::new(&value))
            .with_context(|| format!("{LOG_KEY_ENV} names the key file {value}"));
    }
    let path = data_dir.join(LOG_KEY_FILE);
    if path.exists() {
        return read_key_file(&path);
    }
    create_key_file(&path)
}

fn read_key_file(path: &Path) -> anyhow::Result<LogKey> {
    let text = takedown_fsread::read_to_string(path, takedown_fsread::DOCUMENT_MAX_BYTES)
        .with_context(|| format!("reading the log key {}", path.display()))?;
    LogKey::from_private_key(&text)
        .with_context(|| format!("the log key {} is not usable", path.display()))
}

/// Generates the key and writes it where no file was, readable by its owner only. Two
/// processes racing here: the loser finds the file made and reads the winner's key.
fn create_key_file(path: &Path) -> anyhow::Result<LogKey> {
    // The log's name is its origin line; random, so two deployments never share one.
    let name = format!("takedown/{:016x}", rand::random::<u64>());
    let key = LogKey::generate(&name).context("generating the log key")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            writeln!(file, "{}", key.private_key())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing the log key {}", path.display()))?;
            tracing::info!(path = %path.display(), verifier_key = key.verifier_key(), "generated the evidence log's key");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path),
        Err(e) => Err(e).with_context(|| format!("creating the log key {}", path.display())),
    }
}

/// A signed checkpoint of the log as it is now.
#[derive(Debug, Serialize)]
pub struct SignedCheckpoint {
    /// The tree size.
    pub size: u64,
    /// The root hash, base64.
    pub root: String,
    /// The signed note.
    pub note: String,
}

/// Integrates queued leaves and returns a signed checkpoint of the whole log: the stored one
/// if the log has not grown since, else a new one, signed and stored. Refuses to sign when
/// the log no longer holds the latest stored checkpoint's tree (rows were rewritten).
pub async fn checkpoint_now(store: &Store, key: &LogKey) -> anyhow::Result<SignedCheckpoint> {
    let size = store.integrate_log().await?;
    let root = store.log_root(size).await?;
    if let Some(latest) = store.latest_checkpoint().await? {
        if size < latest.size {
            anyhow::bail!(
                "the log holds {size} leaves, fewer than the {} checkpoint {} signed: leaves were removed; refusing to sign",
                latest.size,
                latest.size
            );
        }
        let then = store.log_root(latest.size).await?;
        if then.to_string() != latest.root {
            anyhow::bail!(
                "the log no longer holds the tree of checkpoint {} (root then {}, now {}): its rows were changed; refusing to sign",
                latest.size,
                latest.root,
                then
            );
        }
        if latest.size == size {
            return Ok(SignedCheckpoint {
                size,
                root: latest.root,
                note: latest.note,
            });
        }
    }
    let note = key.sign(&Checkpoint {
        origin: key.name().to_owned(),
        size,
        root,
    })?;
    store.put_checkpoint(size, &root.to_string(), &note).await?;
    Ok(SignedCheckpoint {
        size,
        root: root.to_string(),
        note,
    })
}

/// What `evidence prove` reports: the leaf, where it is, and the proof against a checkpoint.
#[derive(Debug, Serialize)]
pub struct InclusionReport {
    /// `capture`, `notice` or `case_event`.
    pub kind: &'static str,
    /// The capture's or notice's id, or a case event's `NOTICE/KIND/CASE`.
    pub id: String,
    /// The leaf's place in the tree.
    pub leaf_index: u64,
    /// The leaf's text as logged; its hash is SHA-256(0x00 || leaf).
    pub leaf: String,
    /// SHA-256(0x00 || leaf), base64.
    pub leaf_hash: String,
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The checkpoint's root hash, base64.
    pub root_hash: String,
    /// The audit path from the leaf to the root (RFC 9162 §2.1.3), base64 hashes.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint the proof is against.
    pub checkpoint: String,
    /// The key that checks the checkpoint's signature.
    pub verifier_key: String,
    /// Every check that failed; empty means the leaf verifies.
    pub problems: Vec<String>,
}

impl InclusionReport {
    /// True when nothing failed.
    pub fn verified(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Proves a capture, notice or case event (by its leaf id) is in the log, against the latest checkpoint (a new
/// one if the latest does not cover it yet), and checks the row still says what its leaf
/// says.
pub async fn prove(store: &Store, key: &LogKey, id: &str) -> anyhow::Result<InclusionReport> {
    let mut found = None;
    for kind in [LeafKind::Capture, LeafKind::Notice, LeafKind::CaseEvent] {
        if let Some(leaf) = store.log_leaf(kind, id).await? {
            found = Some(leaf);
            break;
        }
    }
    let leaf = found.ok_or_else(|| {
        anyhow::anyhow!("no capture, notice or case event {id:?} in the evidence log (a notice is logged once its delivery was answered; a case event as NOTICE/KIND/CASE)")
    })?;
    let mut signed = match store.latest_checkpoint().await? {
        Some(latest) if leaf.index.is_some_and(|index| index < latest.size) => SignedCheckpoint {
            size: latest.size,
            root: latest.root,
            note: latest.note,
        },
        _ => checkpoint_now(store, key).await?,
    };
    let index = match leaf.index {
        Some(index) => index,
        // Placed by the checkpoint just taken.
        None => store
            .log_leaf(leaf.kind, id)
            .await?
            .and_then(|l| l.index)
            .ok_or_else(|| anyhow::anyhow!("leaf {id:?} was not placed in the tree"))?,
    };
    if index >= signed.size {
        signed = checkpoint_now(store, key).await?;
    }
    let mut problems = Vec::new();
    let current = match leaf.kind {
        LeafKind::Capture => store.capture(id).await?.map(|c| capture_leaf(&c)),
        LeafKind::Notice => store
            .notice_as_sent(id)
            .await?
            .map(|(platform, payload)| notice_leaf(id, &platform, &payload)),
        LeafKind::CaseEvent => store.case_event_as_recorded(id).await?,
    };
    match &current {
        None => problems.push(format!(
            "the {} {id} is gone from the store, but the log holds its leaf",
            leaf.kind.as_str()
        )),
        Some(text) if *text != leaf.data => problems.push(format!(
            "the {} {id} was changed after it was logged: the row no longer says what leaf {index} says",
            leaf.kind.as_str()
        )),
        Some(_) => {}
    }
    // What is proven is the row as it is now, so a changed row fails here too.
    let leaf_hash = merkle::leaf_hash(current.as_deref().unwrap_or(&leaf.data).as_bytes());
    let proof = store.log_inclusion_proof(index, signed.size).await?;
    match checkpoint::open(signed.note.as_bytes(), key.verifier_key()) {
        Err(e) => problems.push(format!("checkpoint {}: {e}", signed.size)),
        Ok(opened) => {
            if let Err(e) =
                merkle::verify_inclusion(&proof, index, opened.size, opened.root, leaf_hash)
            {
                problems.push(format!(
                    "leaf {index} does not verify against checkpoint {}: {e}",
                    opened.size
                ));
            }
        }
    }
    Ok(InclusionReport {
        kind: leaf.kind.as_str(),
        id: id.to_owned(),
        leaf_index: index,
        leaf_hash: merkle::leaf_hash(leaf.data.as_bytes()).to_string(),
        leaf: leaf.data,
        tree_size: signed.size,
        root_hash: signed.root,
        inclusion_proof: proof.iter().map(Hash::to_string).collect(),
        checkpoint: signed.note,
        verifier_key: key.verifier_key().to_owned(),
        problems,
    })
}

/// Why an older checkpoint and the log disagree.
#[derive(Debug, thiserror::Error)]
pub enum Inconsistency {
    /// The older checkpoint is not this log's (another key, altered, or not a checkpoint).
    #[error("{path}: not a checkpoint of this log: {reason}")]
    NotOurs {
        /// The file read.
        path: String,
        /// What failed.
        reason: String,
    },
    /// The log does not extend the older checkpoint's tree: a fork or a rewrite.
    #[error(
        "FORK: the log ({new_size} leaves, root {new_root}) does not extend checkpoint {old_size} (root {old_root}): {reason}"
    )]
    Fork {
        /// The older checkpoint's size.
        old_size: u64,
        /// Its root, base64.
        old_root: String,
        /// The log's size now.
        new_size: u64,
        /// The log's root now, base64.
        new_root: String,
        /// What failed.
        reason: String,
    },
}

/// What `evidence verify-consistency` reports when the log extends the older checkpoint.
#[derive(Debug, Serialize)]
pub struct ConsistencyReport {
    /// The older checkpoint's size and root.
    pub old_size: u64,
    /// Base64.
    pub old_root: String,
    /// The current checkpoint's size and root.
    pub new_size: u64,
    /// Base64.
    pub new_root: String,
    /// The consistency proof (RFC 9162 §2.1.4), base64 hashes.
    pub consistency_proof: Vec<String>,
    /// The current signed checkpoint.
    pub checkpoint: String,
}

/// Checks that the log, as now checkpointed, extends the checkpoint in `old_note_path`.
/// The outer error is a failure to check; the inner one is the answer "it does not".
pub async fn verify_consistency(
    store: &Store,
    key: &LogKey,
    old_note_path: &Path,
) -> anyhow::Result<Result<ConsistencyReport, Inconsistency>> {
    let path = old_note_path.display().to_string();
    let text = takedown_fsread::read(old_note_path, takedown_fsread::DOCUMENT_MAX_BYTES)
        .with_context(|| format!("reading {path}"))?;
    let old = match checkpoint::open(&text, key.verifier_key()) {
        Ok(old) => old,
        Err(e) => {
            return Ok(Err(Inconsistency::NotOurs {
                path,
                reason: e.to_string(),
            }));
        }
    };
    let current = checkpoint_now(store, key).await?;
    let new_root = Hash::parse_hash(&current.root)
        .map_err(|e| anyhow::anyhow!("stored checkpoint root {}: {e}", current.root))?;
    let fork = |reason: String| Inconsistency::Fork {
        old_size: old.size,
        old_root: old.root.to_string(),
        new_size: current.size,
        new_root: current.root.clone(),
        reason,
    };
    if old.size > current.size {
        return Ok(Err(fork(format!(
            "the log holds fewer leaves than the checkpoint signed ({} < {}): leaves were removed",
            current.size, old.size
        ))));
    }
    let proof = store.log_consistency_proof(old.size, current.size).await?;
    if let Err(e) = merkle::verify_consistency(&proof, old.size, old.root, current.size, new_root) {
        return Ok(Err(fork(e.to_string())));
    }
    Ok(Ok(ConsistencyReport {
        old_size: old.size,
        old_root: old.root.to_string(),
        new_size: current.size,
        new_root: current.root,
        consistency_proof: proof.iter().map(Hash::to_string).collect(),
        checkpoint: current.note,
    }))
}
