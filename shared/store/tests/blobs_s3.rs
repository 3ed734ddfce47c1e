//! The S3 blob backend against a real S3-compatible server (moto, started by
//! `.ci/services/s3.sh`; its address in `TAKEDOWN_S3_ENDPOINT`), each test in a bucket of its
//! own; and, without a server, that failures name the bucket and endpoint but never the
//! credentials.

use std::net::TcpListener;

use takedown_store::{BlobError, BlobStore, S3Config};

const SECRET: &str = "never-print-this-secret-0123456789";

/// The server's address; a test that needs it fails (not skips) without it.
fn endpoint() -> String {
    std::env::var("TAKEDOWN_S3_ENDPOINT")
        .expect("TAKEDOWN_S3_ENDPOINT must name the S3 server (.ci/services/s3.sh starts one)")
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn config(endpoint: &str, bucket: &str, prefix: Option<&str>) -> S3Config {
    S3Config {
        bucket: bucket.to_owned(),
        region: env_or("AWS_REGION", "us-east-1"),
        endpoint: Some(endpoint.to_owned()),
        prefix: prefix.map(str::to_owned),
        allow_http: true,
        access_key_id: env_or("AWS_ACCESS_KEY_ID", "takedown-test-key"),
        secret_access_key: env_or("AWS_SECRET_ACCESS_KEY", SECRET),
    }
}

/// A fresh bucket named after the test (object_store has no bucket API; moto takes an
/// unsigned CreateBucket).
fn create_bucket(endpoint: &str, test: &str) -> String {
    // Unique across runs on one long-lived server, not only across tests.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    let bucket = format!("takedown-{test}-{}-{nanos}", std::process::id());
    let url = format!("{endpoint}/{bucket}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .put(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create bucket at {url}: {e}"))
            .status()
    });
    assert!(status.is_success(), "create bucket {url}: {status}");
    bucket
}

/// Every key in `bucket`, listed past the store with a plain ListObjectsV2 (moto serves
/// listings unsigned).
fn raw_keys(endpoint: &str, bucket: &str) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let xml = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{endpoint}/{bucket}?list-type=2"))
            .send()
            .await
            .expect("list");
        assert!(
            response.status().is_success(),
            "list: {}",
            response.status()
        );
        response.text().await.expect("listing")
    });
    xml.split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
        .collect()
}

#[test]
#[ignore = "needs an S3-compatible server (TAKEDOWN_S3_ENDPOINT); .ci/run starts it"]
fn put_get_idempotent_under_the_prefix() {
    let endpoint = endpoint();
    let bucket = create_bucket(&endpoint, "put-get");
    let blobs =
        BlobStore::open_s3(config(&endpoint, &bucket, Some("/run-1/blobs/"))).expect("open");

    let bytes = b"<html>a listing page</html>".to_vec();
    let digest = blobs.put(&bytes).expect("put");
    assert_eq!(digest, takedown_model::digest_hex(&bytes));
    assert_eq!(blobs.put(&bytes).expect("put again"), digest, "idempotent");
    assert_eq!(blobs.get(&digest).expect("get"), bytes);

    let key = format!("run-1/blobs/{}/{digest}", &digest[..2]);
    assert_eq!(
        blobs.location(&digest).expect("location"),
        format!("s3://{bucket}/{key}")
    );
    assert_eq!(
        raw_keys(&endpoint, &bucket),
        [key],
        "stored once, as <prefix>/<aa>/<digest>"
    );

    // A second store on the same bucket and prefix (another stage process) reads it.
    let other = BlobStore::open_s3(config(&endpoint, &bucket, Some("run-1/blobs"))).expect("open");
    assert_eq!(other.get(&digest).expect("get from another store"), bytes);
    // Another prefix is another store.
    let elsewhere = BlobStore::open_s3(config(&endpoint, &bucket, None)).expect("open");
    assert!(matches!(elsewhere.get(&digest), Err(BlobError::Missing(d)) if d == digest));
}

#[test]
#[ignore = "needs an S3-compatible server (TAKEDOWN_S3_ENDPOINT); .ci/run starts it"]
fn missing_and_bad_digests_are_told_apart() {
    let endpoint = endpoint();
    let bucket = create_bucket(&endpoint, "missing");
    let blobs = BlobStore::open_s3(config(&endpoint, &bucket, None)).expect("open");
    let absent = "0".repeat(64);
    assert!(matches!(blobs.get(&absent), Err(BlobError::Missing(d)) if d == absent));
    for bad in ["../../etc/passwd", &"A".repeat(64), "abc", ""] {
        assert!(
            matches!(blobs.get(bad), Err(BlobError::BadDigest(_))),
            "{bad:?} refused"
        );
        assert!(matches!(blobs.location(bad), Err(BlobError::BadDigest(_))));
    }
    // Large enough to be more than one network read.
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let digest = blobs.put(&big).expect("put big");
    assert_eq!(blobs.get(&digest).expect("get big"), big);
}

/// The matcher calls the store synchronously inside an async fn, on a runtime's worker
/// thread; the crawler and hasher call it from many threads at once.
#[tokio::test(flavor = "current_thread")]
#[ignore = "needs an S3-compatible server (TAKEDOWN_S3_ENDPOINT); .ci/run starts it"]
async fn works_on_a_runtime_thread_and_from_many_threads() {
    let endpoint = endpoint();
    let bucket = tokio::task::spawn_blocking({
        let endpoint = endpoint.clone();
        move || create_bucket(&endpoint, "threads")
    })
    .await
    .expect("create bucket");
    let blobs = BlobStore::open_s3(config(&endpoint, &bucket, Some("p"))).expect("open");
    let digest = blobs
        .put(b"from a runtime thread")
        .expect("put on the runtime thread");
    assert_eq!(
        blobs.get(&digest).expect("get on the runtime thread"),
        b"from a runtime thread"
    );

    let threads: Vec<_> = (0..8)
        .map(|i| {
            let blobs = blobs.clone();
            std::thread::spawn(move || {
                let bytes = format!("blob number {i}").into_bytes();
                let digest = blobs.put(&bytes).expect("put");
                (digest, bytes)
            })
        })
        .collect();
    for thread in threads {
        let (digest, bytes) = thread.join().expect("thread");
        assert_eq!(blobs.get(&digest).expect("get"), bytes);
    }
}

#[test]
#[ignore = "needs an S3-compatible server (TAKEDOWN_S3_ENDPOINT); .ci/run starts it"]
fn a_missing_bucket_fails_at_open_naming_it_but_not_the_secret() {
    let endpoint = endpoint();
    let mut config = config(&endpoint, "takedown-no-such-bucket", None);
    config.secret_access_key = SECRET.to_owned();
    let err = BlobStore::open_s3(config).expect_err("a missing bucket is refused");
    let text = err.to_string();
    assert!(matches!(err, BlobError::S3 { .. }), "{text}");
    assert!(text.contains("takedown-no-such-bucket"), "{text}");
    assert!(text.contains(&endpoint), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

/// No server needed: nothing listens on the endpoint.
#[test]
fn an_unreachable_server_is_a_typed_error_without_the_credentials() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut config = config(&endpoint, "takedown-unreachable", None);
    config.access_key_id = "AKIDNEVERPRINTED".to_owned();
    config.secret_access_key = SECRET.to_owned();
    let debug = format!("{config:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("AKIDNEVERPRINTED"),
        "{debug}"
    );

    let err = BlobStore::open_s3(config).expect_err("nothing listens there");
    let text = err.to_string();
    let BlobError::S3 {
        bucket,
        endpoint: named,
        ..
    } = &err
    else {
        panic!("expected a transport error, got {text}");
    };
    assert_eq!(bucket, "takedown-unreachable");
    assert_eq!(named, &endpoint);
    assert!(
        text.contains(&endpoint) && text.contains("takedown-unreachable"),
        "{text}"
    );
    assert!(
        !text.contains(SECRET) && !text.contains("AKIDNEVERPRINTED"),
        "{text}"
    );
    assert!(!format!("{err:?}").contains(SECRET));
}

#[test]
fn a_bad_prefix_or_empty_bucket_is_refused_before_any_request() {
    let endpoint = "http://127.0.0.1:9";
    let err = BlobStore::open_s3(config(endpoint, "b", Some("a/../b"))).expect_err("bad prefix");
    assert!(matches!(err, BlobError::S3Config { .. }), "{err}");
    assert!(err.to_string().contains("prefix"), "{err}");
    let err = BlobStore::open_s3(config(endpoint, "", None)).expect_err("empty bucket");
    assert!(matches!(err, BlobError::S3Config { .. }), "{err}");
}
