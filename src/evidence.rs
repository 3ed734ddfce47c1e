//! `takedown evidence show CAPTURE`: what was fetched, when, from where, with digests — and
//! whether the stored evidence still verifies (the WARC records' block and payload digests,
//! the payload against the capture's body digest, the body blob against its address).

use serde::Serialize;
use takedown_evidence::parse_records;
use takedown_model::{Capture, digest_hex};

use crate::backends::Storage;

#[derive(Debug, Serialize)]
pub struct RecordSummary {
    pub record_type: String,
    pub record_id: String,
    pub date: String,
    pub target_uri: String,
    pub block_digest: String,
    pub payload_digest: String,
}

#[derive(Debug, Serialize)]
pub struct CaptureEvidence {
    pub capture: Capture,
    pub records: Vec<RecordSummary>,
    /// Every check that failed; empty means the evidence verifies.
    pub problems: Vec<String>,
}

impl CaptureEvidence {
    pub fn verified(&self) -> bool {
        self.problems.is_empty()
    }
}

pub async fn show(data: &Storage, capture_id: &str) -> anyhow::Result<CaptureEvidence> {
    let capture = data
        .store
        .capture(capture_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no capture {capture_id:?} in this data directory"))?;
    let mut problems = Vec::new();
    match data.blobs.get(&capture.body_digest) {
        Ok(body) if digest_hex(&body) == capture.body_digest => {}
        Ok(_) => problems.push(format!(
            "body blob {} does not hash to its address",
            capture.body_digest
        )),
        Err(e) => problems.push(format!("body: {e}")),
    }
    let mut records = Vec::new();
    match &capture.warc_digest {
        None => problems.push("the capture has no WARC records".to_owned()),
        Some(warc_digest) => match data.blobs.get(warc_digest) {
            Err(e) => problems.push(format!("WARC records: {e}")),
            Ok(bytes) => match parse_records(&bytes) {
                Err(e) => problems.push(format!("WARC records do not verify: {e}")),
                Ok(parsed) => {
                    for record in &parsed {
                        let header = |name: &str| record.header(name).unwrap_or("").to_owned();
                        if record.record_type() == Some("response")
                            && digest_hex(record.payload()) != capture.body_digest
                        {
                            problems.push(
                                "the WARC response payload differs from the captured body"
                                    .to_owned(),
                            );
                        }
                        records.push(RecordSummary {
                            record_type: record.record_type().unwrap_or("").to_owned(),
                            record_id: record.record_id().unwrap_or("").to_owned(),
                            date: header("WARC-Date"),
                            target_uri: record.target_uri().unwrap_or("").to_owned(),
                            block_digest: header("WARC-Block-Digest"),
                            payload_digest: header("WARC-Payload-Digest"),
                        });
                    }
                }
            },
        },
    }
    Ok(CaptureEvidence {
        capture,
        records,
        problems,
    })
}

/// The human-readable form.
pub fn describe(evidence: &CaptureEvidence) -> String {
    let c = &evidence.capture;
    let mut out = format!(
        "capture     {}\nurl         {}\nfinal url   {}\nfetched at  {}\nfrom        {}\nstatus      {}\ntype        {}\nbody        {} bytes, sha256 {}\n",
        c.id,
        c.url,
        c.final_url,
        c.fetched_at.to_rfc3339(),
        c.remote_addr.as_deref().unwrap_or("-"),
        c.status,
        c.content_type,
        c.body_len,
        c.body_digest,
    );
    for r in &evidence.records {
        out.push_str(&format!(
            "warc {:<9} {} {} block {}{}\n",
            r.record_type,
            r.record_id,
            r.date,
            r.block_digest,
            if r.payload_digest.is_empty() {
                String::new()
            } else {
                format!(" payload {}", r.payload_digest)
            }
        ));
    }
    if evidence.verified() {
        out.push_str("verified: body and WARC digests match\n");
    } else {
        for p in &evidence.problems {
            out.push_str(&format!("NOT VERIFIED: {p}\n"));
        }
    }
    out
}
