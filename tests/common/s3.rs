//! An S3-compatible server for the tests that keep blobs in a bucket: moto, started by
//! `.ci/services/s3.sh`, which exports its address and dummy credentials.

/// The server's address; the tests that call this fail without one.
pub fn endpoint() -> String {
    std::env::var("TAKEDOWN_S3_ENDPOINT")
        .expect("TAKEDOWN_S3_ENDPOINT must name the S3 server (.ci/services/s3.sh starts one)")
}

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A fresh bucket named after `label` (moto takes an unsigned CreateBucket).
pub async fn create_bucket(endpoint: &str, label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    let bucket = format!("takedown-{label}-{}-{nanos}", std::process::id());
    let url = format!("{endpoint}/{bucket}");
    let status = reqwest::Client::new()
        .put(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create bucket at {url}: {e}"))
        .status();
    assert!(status.is_success(), "create bucket {url}: {status}");
    bucket
}

/// The `[backends.blobs]` table for `bucket` on `endpoint`, credentials from the standard
/// AWS variables (which `.ci/services/s3.sh` exports and the stage processes inherit).
pub fn blobs_table(endpoint: &str, bucket: &str, prefix: &str) -> String {
    let region = env_or("AWS_REGION", "us-east-1");
    format!(
        "[backends.blobs]\nkind = \"s3\"\nbucket = \"{bucket}\"\nregion = \"{region}\"\n\
         endpoint = \"{endpoint}\"\nprefix = \"{prefix}\"\nallow_http = true\n"
    )
}
