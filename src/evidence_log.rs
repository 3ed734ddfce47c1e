//! `takedown evidence log-key|checkpoint|prove|verify-consistency`: the evidence
//! transparency log as an outsider checks it — the log's verifier key, signed checkpoints
//! (C2SP signed notes), inclusion proofs of a capture or a notice, and consistency with an
//! older checkpoint (a fork or a rewrite refused). A configured Time Stamping Authority
//! stamps each new checkpoint (RFC 3161, [`Tsa`]); without one, what shows the evidence
//! says that no third-party time exists ([`NO_TIMESTAMP`]).
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
    Checkpoint, LogKey, TimestampError, TimestampQuery, TrustAnchors, VerifiedTimestamp,
    checkpoint,
    merkle::{self, Hash},
    timestamp::{self, verify_reply},
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

/// What the evidence says of its time when no TSA stamped the checkpoint.
pub const NO_TIMESTAMP: &str = "no trusted timestamp: no Time Stamping Authority stamped this checkpoint, so its time is only our own clock's";
/// The largest TSA reply read (a token with its certificates is a few KiB).
const TSA_REPLY_MAX_BYTES: usize = 1 << 20;
/// How long a TSA may take to answer.
const TSA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A Time Stamping Authority to stamp checkpoints with, and what its tokens must chain to.
#[derive(Debug, Clone)]
pub struct Tsa {
    /// Where queries are POSTed.
    pub url: String,
    /// The certificates its tokens must chain to; empty when none was configured.
    pub anchors: TrustAnchors,
}

impl Tsa {
    /// The TSA at `url`, trusting the certificates in `ca_file` (PEM or DER) when given.
    pub fn new(url: &str, ca_file: Option<&Path>) -> anyhow::Result<Self> {
        let parsed = reqwest::Url::parse(url).with_context(|| format!("TSA URL {url:?}"))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https"),
            "TSA URL {url:?} is not http or https"
        );
        let anchors = ca_file.map(read_anchors).transpose()?.unwrap_or_default();
        Ok(Self {
            url: url.to_owned(),
            anchors,
        })
    }

    /// The TSA a config's `[evidence]` names (with `url` and `ca_file` overriding it), if
    /// any.
    pub fn configured(
        evidence: Option<&crate::config::EvidenceConfig>,
        url: Option<&str>,
        ca_file: Option<&Path>,
    ) -> anyhow::Result<Option<Self>> {
        let url = url.or(evidence.and_then(|e| e.tsa_url.as_deref()));
        let ca_file = ca_file.or(evidence.and_then(|e| e.tsa_ca_file.as_deref()));
        url.map(|url| Self::new(url, ca_file)).transpose()
    }
}

/// The TSA trust anchors in a certificate file (PEM, or one DER certificate).
pub fn read_anchors(path: &Path) -> anyhow::Result<TrustAnchors> {
    let bytes = takedown_fsread::read(path, takedown_fsread::DOCUMENT_MAX_BYTES)
        .with_context(|| format!("reading the TSA CA file {}", path.display()))?;
    TrustAnchors::from_pem_or_der(&bytes)
        .with_context(|| format!("the TSA CA file {}", path.display()))
}

/// A checkpoint's timestamp as checked.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampReport {
    /// The TSA that issued it.
    pub tsa_url: String,
    /// The token's `genTime`: when the TSA attests the checkpoint existed (RFC 3339 UTC).
    pub gen_time: String,
    /// The token's serial number, hex.
    pub serial: String,
    /// The TSA's policy OID.
    pub policy: String,
    /// Whether the TSA certificate was checked against a configured trust anchor.
    pub chain_checked: bool,
}

impl TimestampReport {
    fn new(tsa_url: &str, verified: &VerifiedTimestamp) -> Self {
        Self {
            tsa_url: tsa_url.to_owned(),
            gen_time: verified.gen_time.clone(),
            serial: verified.serial.clone(),
            policy: verified.policy.clone(),
            chain_checked: verified.anchored,
        }
    }
}

/// Why a checkpoint could not be stamped.
#[derive(Debug, thiserror::Error)]
pub enum TimestampFailure {
    /// The TSA could not be reached, or answered other than 200 with a reply.
    #[error("the TSA {url} did not answer: {reason}")]
    Unreachable {
        /// The TSA.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The TSA's reply did not verify (see [`TimestampError`]).
    #[error("the TSA {url}'s reply was refused: {error}")]
    Refused {
        /// The TSA.
        url: String,
        /// The broken link.
        error: TimestampError,
    },
    /// The checkpoint or the store failed us.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Stamps a stored checkpoint with `tsa` (RFC 3161 over the SHA-256 of the note's signed
/// text), verifies the reply fully and stores it; a checkpoint already stamped is
/// re-verified and reported as it is.
pub async fn timestamp_checkpoint(
    store: &Store,
    tsa: &Tsa,
    signed: &SignedCheckpoint,
) -> Result<TimestampReport, TimestampFailure> {
    let text = checkpoint::signed_text(&signed.note)
        .map_err(|e| anyhow::anyhow!("checkpoint {}: {e}", signed.size))?;
    if let Some(stored) = store
        .checkpoint_timestamp(signed.size)
        .await
        .map_err(anyhow::Error::from)?
    {
        let imprint: [u8; 32] = timestamp::imprint_of(text.as_bytes());
        let query =
            TimestampQuery::from_der(&stored.query).map_err(|error| TimestampFailure::Refused {
                url: stored.tsa_url.clone(),
                error,
            })?;
        let verified = verify_reply(&stored.reply, &imprint, Some(query.nonce), &tsa.anchors)
            .map_err(|error| TimestampFailure::Refused {
                url: stored.tsa_url.clone(),
                error,
            })?;
        return Ok(TimestampReport::new(&stored.tsa_url, &verified));
    }
    let query =
        TimestampQuery::new(text.as_bytes()).map_err(|error| TimestampFailure::Refused {
            url: tsa.url.clone(),
            error,
        })?;
    let reply = post_query(&tsa.url, &query.der).await?;
    let verified =
        verify_reply(&reply, &query.imprint, Some(query.nonce), &tsa.anchors).map_err(|error| {
            TimestampFailure::Refused {
                url: tsa.url.clone(),
                error,
            }
        })?;
    store
        .put_checkpoint_timestamp(
            signed.size,
            &tsa.url,
            &query.der,
            &reply,
            &verified.gen_time,
        )
        .await
        .map_err(anyhow::Error::from)?;
    Ok(TimestampReport::new(&tsa.url, &verified))
}

/// POSTs a query (`application/timestamp-query`) and returns the reply's bytes.
async fn post_query(url: &str, query: &[u8]) -> Result<Vec<u8>, TimestampFailure> {
    let unreachable = |reason: String| TimestampFailure::Unreachable {
        url: url.to_owned(),
        reason,
    };
    let client = reqwest::Client::builder()
        .timeout(TSA_TIMEOUT)
        .build()
        .map_err(|e| unreachable(e.to_string()))?;
    let mut response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
        .body(query.to_vec())
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unreachable(format!("HTTP {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(e.to_string()))?
    {
        let chunk: &[u8] = &chunk;
        body.extend_from_slice(chunk);
        if body.len() > TSA_REPLY_MAX_BYTES {
            return Err(unreachable(format!(
                "the reply is larger than {TSA_REPLY_MAX_BYTES} bytes"
            )));
        }
    }
    Ok(body)
}

/// The stored timestamp of the checkpoint over `size` leaves, re-verified against the
/// checkpoint's text; `Ok(None)` when it has none, `Err` with the reason when it does not
/// verify.
pub async fn stored_timestamp(
    store: &Store,
    signed: &SignedCheckpoint,
    anchors: &TrustAnchors,
) -> anyhow::Result<Option<Result<TimestampReport, String>>> {
    let Some(stored) = store.checkpoint_timestamp(signed.size).await? else {
        return Ok(None);
    };
    let text = checkpoint::signed_text(&signed.note)?;
    let imprint: [u8; 32] = timestamp::imprint_of(text.as_bytes());
    let checked = TimestampQuery::from_der(&stored.query)
        .and_then(|query| verify_reply(&stored.reply, &imprint, Some(query.nonce), anchors))
        .map(|verified| TimestampReport::new(&stored.tsa_url, &verified))
        .map_err(|e| e.to_string());
    Ok(Some(checked))
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
    /// The checkpoint's RFC 3161 timestamp, verified; `None` when it has none.
    pub timestamp: Option<TimestampReport>,
    /// What the time of this evidence rests on: the TSA's `genTime`, or [`NO_TIMESTAMP`].
    pub time_source: String,
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
/// The checkpoint's timestamp is re-verified against `anchors` (empty: its chain is not
/// checked).
pub async fn prove(
    store: &Store,
    key: &LogKey,
    id: &str,
    anchors: &TrustAnchors,
) -> anyhow::Result<InclusionReport> {
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
    let (timestamp, time_source) = match stored_timestamp(store, &signed, anchors).await? {
        None => (None, NO_TIMESTAMP.to_owned()),
        Some(Ok(report)) => {
            let source = format!(
                "RFC 3161 timestamp by {}: the checkpoint existed at {}",
                report.tsa_url, report.gen_time
            );
            (Some(report), source)
        }
        Some(Err(reason)) => {
            problems.push(format!(
                "the timestamp of checkpoint {} does not verify: {reason}",
                signed.size
            ));
            (None, format!("a timestamp that does not verify: {reason}"))
        }
    };
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
        timestamp,
        time_source,
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
