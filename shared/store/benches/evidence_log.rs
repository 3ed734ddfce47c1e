//! The evidence log's rates on SQLite: captures written with their queued leaves, leaves
//! integrated into the tree, and an inclusion proof.
//!
//! `cargo bench -p takedown-store --bench evidence_log [-- --n 20000]`

use std::time::Instant;

use takedown_model::Capture;
use takedown_store::Store;

fn capture(i: u64) -> Capture {
    let url = format!("http://shop.test/{i}");
    Capture {
        id: format!("cap_{i:06}"),
        url: url.clone(),
        final_url: url,
        status: 200,
        content_type: "text/html".into(),
        fetched_at: chrono::Utc::now(),
        body_digest: "0".repeat(64),
        body_len: 3,
        remote_addr: Some("127.0.0.1:80".into()),
        warc_digest: None,
        warc_record_id: None,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip_while(|a| a != "--n").skip(1);
    let n: u64 = args
        .next()
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(20_000);
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store.db")).await?;
    let captures: Vec<Capture> = (0..n).map(capture).collect();

    let started = Instant::now();
    for c in &captures {
        store.insert_capture(c).await?;
    }
    let queued = started.elapsed();
    let started = Instant::now();
    let size = store.integrate_log().await?;
    let integrated = started.elapsed();
    assert_eq!(size, n, "every capture's leaf is integrated");
    let started = Instant::now();
    let (mut proofs, mut proof_len) = (0u32, 0);
    for i in (0..n).step_by(97) {
        proof_len = proof_len.max(store.log_inclusion_proof(i, n).await?.len());
        proofs += 1;
    }
    let per_proof = started.elapsed() / proofs.max(1);
    println!(
        "{n} captures written with their leaves: {:.0}/s; integrated: {:.0} leaves/s; \
         an inclusion proof: {per_proof:?} ({proof_len} hashes)",
        n as f64 / queued.as_secs_f64(),
        n as f64 / integrated.as_secs_f64(),
    );
    Ok(())
}
