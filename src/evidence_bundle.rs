//! `takedown evidence bundle ID --out FILE.zip` and `takedown evidence verify FILE.zip`: a
//! notice's evidence in one self-verifying file, and its offline check.
//!
//! A bundle holds the notice exactly as sent, each cited capture's WARC records and body,
//! every leaf (the text the log hashed), the signed checkpoint and the inclusion proof of
//! each leaf against it, consistency proofs from any older checkpoint the notice itself
//! cites, the checkpoint's RFC 3161 token with its query and certificates, the log's
//! verifier key, `manifest.json` tying them together, and a README.txt that walks a person
//! through checking each piece with `sha256sum`, `openssl ts -verify` and the C2SP note
//! format. Nothing in `manifest.json` is trusted by `verify`: every file is hashed and
//! compared with what its *leaf* says, and each leaf is proven into the signed tree.

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    path::Path,
};

use anyhow::Context;
use base64::{Engine, prelude::BASE64_STANDARD};
use serde::{Deserialize, Serialize};
use takedown_model::digest_hex;
use takedown_store::evidence_log::{LeafKind, LogLeaf};
use takedown_tlog::{
    LogKey, TimestampQuery, TrustAnchors, checkpoint,
    merkle::{self, Hash},
    timestamp,
};

use crate::{
    backends::Storage,
    evidence_log::{self, NO_TIMESTAMP, Tsa},
};

/// The bundle format's name and version, first in `manifest.json`.
const FORMAT: &str = "takedown evidence bundle v1";
/// The largest bundle `verify` reads, and the largest file in it.
const BUNDLE_MAX_BYTES: u64 = 1 << 30;

const MANIFEST: &str = "manifest.json";
const README: &str = "README.txt";
const NOTE: &str = "log/checkpoint.note";
const SIGNED_TEXT: &str = "log/checkpoint-signed-text.txt";
const VERIFIER_KEY: &str = "log/verifier-key.txt";
const TSR: &str = "timestamp/checkpoint.tsr";
const TSQ: &str = "timestamp/checkpoint.tsq";
const TSA_CERTS: &str = "timestamp/tsa-certificates.pem";
const TSA_CA: &str = "timestamp/tsa-ca.pem";

/// `manifest.json`: what the bundle holds and how its parts fit.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The notice bundled.
    pub notice_id: String,
    /// The platform's case id, when it opened one.
    pub case_id: Option<String>,
    /// The platform the notice was sent to.
    pub platform: String,
    /// The log's verifier key (C2SP signed-note form), as the bundle's maker holds it.
    pub verifier_key: String,
    /// The checkpoint every proof is against: its tree size.
    pub tree_size: u64,
    /// And its root hash, base64.
    pub root_hash: String,
    /// What the evidence's time rests on.
    pub time_source: String,
    /// The TSA's genTime when the checkpoint is time-stamped.
    pub timestamp_gen_time: Option<String>,
    /// Each leaf and its proof.
    pub leaves: Vec<BundledLeaf>,
    /// Proofs that the bundle's checkpoint extends each older one the notice cites.
    pub consistency: Vec<BundledConsistency>,
}

/// One leaf: its text's file, place, proof, and the files whose SHA-256 it states.
#[derive(Debug, Serialize, Deserialize)]
pub struct BundledLeaf {
    /// `capture` or `notice`.
    pub kind: String,
    /// The capture's or notice's id.
    pub id: String,
    /// The leaf's text, as the log hashed it.
    pub leaf_file: String,
    /// Its index in the tree.
    pub leaf_index: u64,
    /// Its audit path to the checkpoint's root, base64 hashes.
    pub inclusion_proof: Vec<String>,
    /// File path → the leaf field whose value is that file's SHA-256 (hex).
    pub files: BTreeMap<String, String>,
}

/// A consistency proof from an older checkpoint (cited in the notice) to the bundle's.
#[derive(Debug, Serialize, Deserialize)]
pub struct BundledConsistency {
    /// The older checkpoint's signed note, as the notice carried it.
    pub old_checkpoint: String,
    /// The proof, base64 hashes.
    pub proof: Vec<String>,
}

/// What `bundle` wrote.
#[derive(Debug)]
pub struct BundleSummary {
    /// The notice bundled.
    pub notice_id: String,
    /// How many captures it cites that are in the bundle.
    pub captures: usize,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// What the time rests on.
    pub time_source: String,
    /// What went wrong without spoiling the bundle (a TSA that failed).
    pub warnings: Vec<String>,
}

/// Writes the bundle of a notice (by its id, or its platform case id) to `out`. With a
/// `tsa`, an unstamped checkpoint is stamped first; its CA file, when given, goes in too.
pub async fn bundle(
    storage: &Storage,
    key: &LogKey,
    id: &str,
    tsa: Option<&Tsa>,
    tsa_ca_file: Option<&Path>,
    out: &Path,
) -> anyhow::Result<BundleSummary> {
    let store = &storage.store;
    let record = store
        .notices()
        .await?
        .into_iter()
        .find(|r| r.notice.id == id || r.case_id.as_deref() == Some(id))
        .ok_or_else(|| anyhow::anyhow!("no notice or case {id:?} in this store"))?;
    let notice_id = record.notice.id.clone();
    let (platform, payload) = store.notice_as_sent(&notice_id).await?.ok_or_else(|| {
        anyhow::anyhow!("notice {notice_id} was never queued for delivery: nothing was sent")
    })?;
    let notice_leaf = store
        .log_leaf(LeafKind::Notice, &notice_id)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "notice {notice_id} is not in the evidence log yet: a notice is logged once the platform answered its delivery"
            )
        })?;
    let signed = evidence_log::checkpoint_now(store, key).await?;
    // A TSA that fails leaves the bundle without third-party time, said so; the rest of
    // the evidence holds without it.
    let mut warnings = Vec::new();
    if let Some(tsa) = tsa
        && let Err(failure) = evidence_log::timestamp_checkpoint(store, tsa, &signed).await
    {
        warnings.push(format!(
            "checkpoint {} not time-stamped: {failure}",
            signed.size
        ));
    }
    let stored_stamp = store.checkpoint_timestamp(signed.size).await?;

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut leaves = Vec::new();
    let payload_file = format!("notice/{notice_id}.json");
    files.push((payload_file.clone(), payload.clone().into_bytes()));
    leaves.push(
        bundled_leaf(
            store,
            &notice_leaf,
            signed.size,
            "notice/leaf.txt",
            [(payload_file, "payload_sha256")],
            &mut files,
        )
        .await?,
    );

    // A webhook sends `{type, timestamp, data: notice}`; other channels the notice itself.
    let payload_json: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let payload_json = match payload_json.get("data") {
        Some(data) if data.is_object() => data.clone(),
        _ => payload_json,
    };
    let mut cited = record.notice.evidence.clone();
    cited.extend(cited_captures(&payload_json));
    let mut seen = std::collections::BTreeSet::new();
    cited.retain(|id| seen.insert(id.clone()));
    let mut capture_count = 0;
    for capture_id in cited {
        let Some(capture) = store.capture(&capture_id).await? else {
            anyhow::bail!("the notice cites capture {capture_id}, which is not in the store");
        };
        let Some(leaf) = store.log_leaf(LeafKind::Capture, &capture_id).await? else {
            anyhow::bail!("capture {capture_id} is not in the evidence log");
        };
        let dir = format!("captures/{capture_id}");
        let mut stated = Vec::new();
        if let Some(warc) = &capture.warc_digest {
            let bytes = storage
                .blobs
                .get(warc)
                .with_context(|| format!("capture {capture_id}'s WARC records"))?;
            files.push((format!("{dir}/records.warc"), bytes));
            stated.push((format!("{dir}/records.warc"), "warc_sha256"));
        }
        let body = storage
            .blobs
            .get(&capture.body_digest)
            .with_context(|| format!("capture {capture_id}'s body"))?;
        let body_file = format!("{dir}/body.{}", extension(&capture.content_type));
        files.push((body_file.clone(), body));
        stated.push((body_file, "body_sha256"));
        leaves.push(
            bundled_leaf(
                store,
                &leaf,
                signed.size,
                &format!("{dir}/leaf.txt"),
                stated,
                &mut files,
            )
            .await?,
        );
        capture_count += 1;
    }

    // Older checkpoints the notice itself cites: prove the bundle's extends each.
    let mut consistency = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for note in cited_checkpoints(&payload_json) {
        let Ok(old) = checkpoint::open(note.as_bytes(), key.verifier_key()) else {
            continue; // another log's, or not a checkpoint: nothing to prove
        };
        if old.size >= signed.size || !seen.insert(old.size) {
            continue;
        }
        let proof = store.log_consistency_proof(old.size, signed.size).await?;
        consistency.push(BundledConsistency {
            old_checkpoint: note,
            proof: proof.iter().map(Hash::to_string).collect(),
        });
    }

    files.push((NOTE.into(), signed.note.clone().into_bytes()));
    files.push((
        SIGNED_TEXT.into(),
        checkpoint::signed_text(&signed.note)?.as_bytes().to_vec(),
    ));
    files.push((
        VERIFIER_KEY.into(),
        format!("{}\n", key.verifier_key()).into_bytes(),
    ));
    let (time_source, gen_time) = match &stored_stamp {
        Some(stored) => {
            files.push((TSR.into(), stored.reply.clone()));
            files.push((TSQ.into(), stored.query.clone()));
            let query = TimestampQuery::from_der(&stored.query)?;
            let imprint = timestamp::imprint_of(checkpoint::signed_text(&signed.note)?.as_bytes());
            let verified = timestamp::verify_reply(
                &stored.reply,
                &imprint,
                Some(query.nonce),
                &TrustAnchors::default(),
            )
            .context("the checkpoint's stored timestamp does not verify")?;
            let mut pem = pem_certificate(&verified.tsa_certificate);
            for other in &verified.other_certificates {
                pem.push_str(&pem_certificate(other));
            }
            files.push((TSA_CERTS.into(), pem.into_bytes()));
            let tsa_url = &stored.tsa_url;
            (
                format!(
                    "RFC 3161 timestamp by {tsa_url}: the checkpoint existed at {}",
                    stored.gen_time
                ),
                Some(stored.gen_time.clone()),
            )
        }
        None => (NO_TIMESTAMP.to_owned(), None),
    };
    if let Some(ca) = tsa_ca_file {
        let bytes = takedown_fsread::read(ca, takedown_fsread::DOCUMENT_MAX_BYTES)
            .with_context(|| format!("reading {}", ca.display()))?;
        files.push((TSA_CA.into(), bytes));
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        notice_id: notice_id.clone(),
        case_id: record.case_id.clone(),
        platform,
        verifier_key: key.verifier_key().to_owned(),
        tree_size: signed.size,
        root_hash: signed.root.clone(),
        time_source: time_source.clone(),
        timestamp_gen_time: gen_time,
        leaves,
        consistency,
    };
    files.push((MANIFEST.into(), serde_json::to_vec_pretty(&manifest)?));
    files.push((README.into(), readme(&manifest).into_bytes()));
    write_zip(out, &files)?;
    Ok(BundleSummary {
        notice_id,
        captures: capture_count,
        tree_size: signed.size,
        time_source,
        warnings,
    })
}

async fn bundled_leaf(
    store: &takedown_store::Store,
    leaf: &LogLeaf,
    tree_size: u64,
    leaf_file: &str,
    stated: impl IntoIterator<Item = (String, &'static str)>,
    files: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<BundledLeaf> {
    let index = match leaf.index {
        Some(index) => index,
        None => store
            .log_leaf(leaf.kind, &leaf.ref_id)
            .await?
            .and_then(|l| l.index)
            .ok_or_else(|| anyhow::anyhow!("leaf {} was not placed in the tree", leaf.ref_id))?,
    };
    let proof = store.log_inclusion_proof(index, tree_size).await?;
    files.push((leaf_file.to_owned(), leaf.data.clone().into_bytes()));
    Ok(BundledLeaf {
        kind: leaf.kind.as_str().to_owned(),
        id: leaf.ref_id.clone(),
        leaf_file: leaf_file.to_owned(),
        leaf_index: index,
        inclusion_proof: proof.iter().map(Hash::to_string).collect(),
        files: stated
            .into_iter()
            .map(|(file, field)| (file, field.to_owned()))
            .collect(),
    })
}

/// The capture ids a notice as sent cites: its `evidence` list and each item's evidence.
fn cited_captures(payload: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = payload["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    for item in payload["items"].as_array().into_iter().flatten() {
        for evidence in item["evidence"].as_array().into_iter().flatten() {
            if let Some(id) = evidence["capture_id"].as_str() {
                ids.push(id.to_owned());
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

/// The checkpoint notes a notice as sent carries in its evidence references.
fn cited_checkpoints(payload: &serde_json::Value) -> Vec<String> {
    payload["items"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|item| item["evidence"].as_array().into_iter().flatten())
        .filter_map(|e| {
            e["log"]["inclusion"]["checkpoint"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

fn extension(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or("").trim() {
        "text/html" => "html",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "application/json" => "json",
        "application/xml" | "text/xml" => "xml",
        "text/plain" => "txt",
        _ => "bin",
    }
}

fn pem_certificate(der: &[u8]) -> String {
    let b64 = BASE64_STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn write_zip(out: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options)
            .with_context(|| format!("writing {name} into {}", out.display()))?;
        zip.write_all(bytes)
            .with_context(|| format!("writing {name} into {}", out.display()))?;
    }
    zip.finish()
        .with_context(|| format!("finishing {}", out.display()))?;
    Ok(())
}

fn readme(manifest: &Manifest) -> String {
    let timestamp = match &manifest.timestamp_gen_time {
        Some(gen_time) => format!(
            "4. The checkpoint's RFC 3161 timestamp ({gen_time}). The TSA stamped the SHA-256 of\n\
             \x20  {SIGNED_TEXT} (the note's text above its blank line). With the TSA's CA\n\
             \x20  certificate (ask the TSA; {TSA_CA} if the sender shipped it — compare its\n\
             \x20  fingerprint with the one the TSA publishes):\n\n\
             \x20    openssl ts -verify -data {SIGNED_TEXT} -in {TSR} -CAfile TSA-CA.pem \\\n\
             \x20        -untrusted {TSA_CERTS}\n\
             \x20    openssl ts -reply -in {TSR} -text      # genTime, serial, policy, nonce\n\n\
             \x20  and `openssl ts -verify -queryfile {TSQ} -in {TSR} -CAfile TSA-CA.pem` checks the\n\
             \x20  nonce too.\n"
        ),
        None => format!("4. {NO_TIMESTAMP}.\n"),
    };
    format!(
        "Evidence bundle for notice {notice} ({platform}{case})\n\
         ==========================================================\n\n\
         Made by takedown. `takedown evidence verify THIS.zip` checks everything below\n\
         offline; this file says how to check each piece by hand with common tools.\n\n\
         What it proves: each capture is what our crawler received from that address at\n\
         that time as we recorded it, and the notice is the exact payload sent; the log\n\
         proves none of them was altered or removed after the checkpoint — and, with a\n\
         timestamp, that they existed at the TSA's time. It does not prove the page said\n\
         the same to anyone else, or before or after the capture.\n\n\
         1. Files against their leaves. Each leaf file (*/leaf.txt) is the text our\n\
         \x20  evidence log hashed: `key value` lines. `sha256sum` of each file must equal\n\
         \x20  the value its leaf states (manifest.json `files` says which field):\n\
         \x20  records.warc -> warc_sha256, body.* -> body_sha256, notice/*.json ->\n\
         \x20  payload_sha256. Inside the WARC file each record's WARC-Block-Digest and\n\
         \x20  WARC-Payload-Digest are sha256:BASE32 of its block and payload.\n\n\
         2. Leaves into the tree (RFC 9162 §2.1). A leaf's hash is SHA-256(0x00 || leaf\n\
         \x20  bytes) (`(printf '\\0'; cat leaf.txt) | sha256sum`); manifest.json gives each\n\
         \x20  leaf's index and inclusion proof (base64 hashes), which RFC 9162 §2.1.3.2\n\
         \x20  folds, with node = SHA-256(0x01 || left || right), into the checkpoint's root\n\
         \x20  for tree size {size}.\n\n\
         3. The checkpoint ({NOTE}) is a C2SP signed note (c2sp.org/signed-note,\n\
         \x20  c2sp.org/tlog-checkpoint): origin, tree size, base64 root, a blank line, and\n\
         \x20  `— <name> <base64(4-byte key id || Ed25519 signature)>` over the text above\n\
         \x20  the blank line. The verifier key ({VERIFIER_KEY}) is\n\
         \x20  <name>+<key id hex>+<base64(0x01 || public key)>, as Go's\n\
         \x20  golang.org/x/mod/sumdb/note reads it; compare it with the key the sender\n\
         \x20  publishes (`takedown evidence log-key`).\n\n\
         {timestamp}\n\
         5. Consistency: manifest.json `consistency` holds RFC 9162 §2.1.4 proofs that this\n\
         \x20  checkpoint extends each older checkpoint the notice itself carried.\n",
        notice = manifest.notice_id,
        platform = manifest.platform,
        case = manifest
            .case_id
            .as_deref()
            .map(|c| format!(", case {c}"))
            .unwrap_or_default(),
        size = manifest.tree_size,
    )
}

/// What kind of failure a check found; `verify` exits with the first kind found in this
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// A file's bytes are not what its leaf (or the WARC record's own digest) states.
    Tampered,
    /// A leaf does not prove into the checkpoint, or the checkpoint does not extend an
    /// older one.
    BadProof,
    /// The checkpoint's signature does not verify with the log's key.
    BadSignature,
    /// The timestamp does not verify.
    BadTimestamp,
}

/// One check `verify` made.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// `None` when it held; else the kind of failure and why.
    pub failure: Option<(Failure, String)>,
}

/// What `verify` found.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// What the evidence's time rests on.
    pub time_source: String,
}

impl VerifyReport {
    /// The first kind of failure in [`Failure`]'s order, if any.
    pub fn worst(&self) -> Option<Failure> {
        self.checks
            .iter()
            .filter_map(|c| c.failure.as_ref().map(|(f, _)| *f))
            .min()
    }

    fn pass(&mut self, what: impl Into<String>) {
        self.checks.push(Check {
            what: what.into(),
            failure: None,
        });
    }

    fn fail(&mut self, what: impl Into<String>, failure: Failure, why: impl Into<String>) {
        self.checks.push(Check {
            what: what.into(),
            failure: Some((failure, why.into())),
        });
    }
}

/// Reads every file of a bundle (bounded in size).
fn read_zip(path: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    anyhow::ensure!(
        file.metadata()?.len() <= BUNDLE_MAX_BYTES,
        "{} is larger than {BUNDLE_MAX_BYTES} bytes",
        path.display()
    );
    let mut archive =
        zip::ZipArchive::new(file).with_context(|| format!("{} is not a zip", path.display()))?;
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        let mut bytes = Vec::new();
        entry
            .take(BUNDLE_MAX_BYTES)
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {name} from {}", path.display()))?;
        files.insert(name, bytes);
    }
    Ok(files)
}

/// The value of `key` in a leaf's `key value` lines (unescaped values are digests and ids).
fn leaf_field<'a>(leaf: &'a str, key: &str) -> Option<&'a str> {
    leaf.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
}

/// Checks a bundle offline: no store, no network. `log_key` pins the log's verifier key
/// (else the bundle's own is used, and said so); `tsa_anchors` the TSA's CA (else the
/// CA shipped in the bundle, said so, else the signature alone).
pub fn verify(
    path: &Path,
    log_key: Option<&str>,
    tsa_anchors: Option<&TrustAnchors>,
) -> anyhow::Result<VerifyReport> {
    let files = read_zip(path)?;
    let mut report = VerifyReport {
        checks: Vec::new(),
        time_source: NO_TIMESTAMP.to_owned(),
    };
    let file = |name: &str| {
        files
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("the bundle has no {name}"))
    };
    let manifest: Manifest =
        serde_json::from_slice(file(MANIFEST)?).context("manifest.json does not parse")?;
    anyhow::ensure!(
        manifest.format == FORMAT,
        "not a bundle this version reads: {:?}",
        manifest.format
    );

    // 3 first: the checkpoint and its key, since the proofs are against its root.
    let note = String::from_utf8_lossy(file(NOTE)?).into_owned();
    let bundled_key = String::from_utf8_lossy(file(VERIFIER_KEY)?)
        .trim()
        .to_owned();
    let key = match log_key {
        Some(pinned) => {
            if pinned.trim() != bundled_key {
                report.fail(
                    VERIFIER_KEY,
                    Failure::BadSignature,
                    "the bundle's verifier key is not the one given with --log-key",
                );
            }
            pinned.trim().to_owned()
        }
        None => bundled_key,
    };
    let opened = match checkpoint::open(note.as_bytes(), &key) {
        Ok(opened) => {
            report.pass(format!(
                "{NOTE}: signed by {} ({}), tree size {}, root {}",
                key.split('+').next().unwrap_or(""),
                if log_key.is_some() {
                    "the key given"
                } else {
                    "the bundle's own key: compare it with the log's published key"
                },
                opened.size,
                opened.root
            ));
            Some(opened)
        }
        Err(e) => {
            report.fail(NOTE, Failure::BadSignature, e.to_string());
            None
        }
    };

    // 1 and 2: each file against its leaf, each leaf into the tree.
    for leaf in &manifest.leaves {
        let Some(text) = files.get(&leaf.leaf_file) else {
            report.fail(
                &leaf.leaf_file,
                Failure::Tampered,
                "missing from the bundle",
            );
            continue;
        };
        let text = String::from_utf8_lossy(text).into_owned();
        if leaf_field(&text, "id") != Some(leaf.id.as_str())
            || leaf_field(&text, "kind") != Some(leaf.kind.as_str())
        {
            report.fail(
                &leaf.leaf_file,
                Failure::Tampered,
                format!("the leaf is not {} {}'s", leaf.kind, leaf.id),
            );
        }
        for (name, field) in &leaf.files {
            let stated = leaf_field(&text, field).unwrap_or("");
            match files.get(name) {
                None => report.fail(name, Failure::Tampered, "missing from the bundle"),
                Some(bytes) if digest_hex(bytes) != stated => report.fail(
                    name,
                    Failure::Tampered,
                    format!(
                        "SHA-256 {} is not the {field} {stated} its leaf states: the file was changed",
                        digest_hex(bytes)
                    ),
                ),
                Some(bytes) => {
                    if name.ends_with(".warc") {
                        match takedown_evidence::parse_records(bytes) {
                            Ok(records) => report.pass(format!(
                                "{name}: SHA-256 is the leaf's {field}; {} WARC records, their digests hold",
                                records.len()
                            )),
                            Err(e) => report.fail(name, Failure::Tampered, e.to_string()),
                        }
                    } else {
                        report.pass(format!("{name}: SHA-256 is the leaf's {field}"));
                    }
                }
            }
        }
        let Some(opened) = &opened else { continue };
        let proof: Result<Vec<Hash>, _> = leaf
            .inclusion_proof
            .iter()
            .map(|h| Hash::parse_hash(h))
            .collect();
        let leaf_hash = merkle::leaf_hash(text.as_bytes());
        match proof.map_err(|e| e.to_string()).and_then(|proof| {
            merkle::verify_inclusion(&proof, leaf.leaf_index, opened.size, opened.root, leaf_hash)
                .map_err(|e| e.to_string())
        }) {
            Ok(()) => report.pass(format!(
                "{}: leaf {} of {} {} proves into checkpoint {}",
                leaf.leaf_file, leaf.leaf_index, leaf.kind, leaf.id, opened.size
            )),
            Err(e) => report.fail(
                &leaf.leaf_file,
                Failure::BadProof,
                format!(
                    "leaf {} does not prove into checkpoint {}: {e}",
                    leaf.leaf_index, opened.size
                ),
            ),
        }
    }

    // Every capture the notice cites is in the bundle, proven: a capture left out would
    // otherwise go unnoticed.
    let notice_leaves: Vec<&BundledLeaf> = manifest
        .leaves
        .iter()
        .filter(|l| l.kind == "notice")
        .collect();
    match notice_leaves.as_slice() {
        [notice] => {
            let payload = notice
                .files
                .keys()
                .find_map(|name| files.get(name))
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(bytes).ok())
                .unwrap_or_default();
            let payload = match payload.get("data") {
                Some(data) if data.is_object() => data.clone(),
                _ => payload,
            };
            for capture in cited_captures(&payload) {
                if !manifest
                    .leaves
                    .iter()
                    .any(|l| l.kind == "capture" && l.id == capture)
                {
                    report.fail(
                        MANIFEST,
                        Failure::Tampered,
                        format!(
                            "the notice cites capture {capture}, which the bundle does not hold"
                        ),
                    );
                }
            }
        }
        others => report.fail(
            MANIFEST,
            Failure::Tampered,
            format!("{} notice leaves, not one", others.len()),
        ),
    }

    // 5: the notice's older checkpoints.
    if let Some(opened) = &opened {
        for step in &manifest.consistency {
            let what = "manifest.json consistency";
            let old = match checkpoint::open(step.old_checkpoint.as_bytes(), &key) {
                Ok(old) => old,
                Err(e) => {
                    report.fail(
                        what,
                        Failure::BadSignature,
                        format!("an older checkpoint: {e}"),
                    );
                    continue;
                }
            };
            let checked = step
                .proof
                .iter()
                .map(|h| Hash::parse_hash(h))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())
                .and_then(|proof| {
                    merkle::verify_consistency(&proof, old.size, old.root, opened.size, opened.root)
                        .map_err(|e| e.to_string())
                });
            match checked {
                Ok(()) => report.pass(format!(
                    "checkpoint {} extends the notice's checkpoint {}",
                    opened.size, old.size
                )),
                Err(e) => report.fail(
                    what,
                    Failure::BadProof,
                    format!(
                        "checkpoint {} does not extend {}: {e}",
                        opened.size, old.size
                    ),
                ),
            }
        }
    }

    // 4: the timestamp.
    let signed_text = checkpoint::signed_text(&note).map(str::to_owned);
    // The copy of the signed text is checked once the note itself holds (an altered note
    // is a signature failure, not two findings).
    if let (Some(bundled), Ok(text), Some(_)) = (files.get(SIGNED_TEXT), &signed_text, &opened)
        && bundled.as_slice() != text.as_bytes()
    {
        report.fail(
            SIGNED_TEXT,
            Failure::Tampered,
            format!("it is not the text of {NOTE}"),
        );
    }
    match (files.get(TSR), files.get(TSQ), signed_text) {
        (None, _, _) => report.pass(format!("timestamp: none. {NO_TIMESTAMP}")),
        (Some(_), None, _) => report.fail(TSQ, Failure::BadTimestamp, "missing from the bundle"),
        (Some(_), Some(_), Err(e)) => report.fail(NOTE, Failure::BadSignature, e.to_string()),
        (Some(reply), Some(query), Ok(text)) => {
            let (anchors, anchored_by) = match tsa_anchors {
                Some(anchors) => (anchors.clone(), "the TSA CA given"),
                None => match files.get(TSA_CA) {
                    Some(ca) => (
                        TrustAnchors::from_pem_or_der(ca)?,
                        "the CA shipped in the bundle: compare its fingerprint with the TSA's",
                    ),
                    None => (
                        TrustAnchors::default(),
                        "no CA: the chain was NOT checked, only the signature",
                    ),
                },
            };
            let imprint = timestamp::imprint_of(text.as_bytes());
            match TimestampQuery::from_der(query)
                .and_then(|q| timestamp::verify_reply(reply, &imprint, Some(q.nonce), &anchors))
            {
                Ok(verified) => {
                    report.time_source = format!(
                        "RFC 3161 timestamp: the checkpoint existed at {} ({anchored_by})",
                        verified.gen_time
                    );
                    report.pass(format!(
                        "{TSR}: stamps the checkpoint's text at {}, serial {}, chained to {anchored_by}",
                        verified.gen_time, verified.serial
                    ));
                }
                Err(e) => report.fail(TSR, Failure::BadTimestamp, e.to_string()),
            }
        }
    }
    Ok(report)
}
