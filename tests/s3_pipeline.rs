//! `takedown run --until-idle` with its blobs in an S3-compatible bucket (moto, started by
//! `.ci/services/s3.sh`; its address in `TAKEDOWN_S3_ENDPOINT`) ends with the same matches and
//! notices as the reference run on local files, and its blobs are in the bucket — every one
//! under the configured prefix, stored by its digest — and none under `data_dir/blobs`.

mod common;

use std::{collections::BTreeSet, path::Path};

use common::{
    s3::{create_bucket, endpoint, env_or},
    *,
};
use takedown_store::{BlobStore, S3Config};
use tokio_util::sync::CancellationToken;

const PREFIX: &str = "pipeline/blobs";

/// Every key in `bucket` (ListObjectsV2, which moto serves unsigned), page by page.
async fn bucket_keys(endpoint: &str, bucket: &str) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let mut url = url::Url::parse(&format!("{endpoint}/{bucket}?list-type=2")).expect("url");
        if let Some(token) = &token {
            url.query_pairs_mut()
                .append_pair("continuation-token", token);
        }
        let response = client.get(url).send().await.expect("list bucket");
        assert!(
            response.status().is_success(),
            "list: {}",
            response.status()
        );
        let xml = response.text().await.expect("listing");
        keys.extend(between(&xml, "<Key>", "</Key>"));
        token = between(&xml, "<NextContinuationToken>", "</NextContinuationToken>")
            .into_iter()
            .next();
        if token.is_none() {
            return keys;
        }
    }
    panic!("the listing of {bucket} did not end in 100 pages");
}

fn between(xml: &str, open: &str, close: &str) -> Vec<String> {
    xml.split(open)
        .skip(1)
        .filter_map(|rest| rest.split_once(close).map(|(value, _)| value.to_owned()))
        .collect()
}

/// The digests of the files a local blob store holds under `root`.
fn local_digests(root: &Path) -> BTreeSet<String> {
    let Ok(dirs) = std::fs::read_dir(root) else {
        return BTreeSet::new();
    };
    dirs.flat_map(|dir| std::fs::read_dir(dir.expect("entry").path()).expect("read dir"))
        .map(|file| {
            file.expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !name.starts_with(".tmp"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs an S3-compatible server (TAKEDOWN_S3_ENDPOINT); .ci/run starts it"]
async fn a_run_with_s3_blobs_matches_the_reference_run() {
    let endpoint = endpoint();
    let bucket = create_bucket(&endpoint, "pipeline").await;
    let region = env_or("AWS_REGION", "us-east-1");
    let key_id = env_or("AWS_ACCESS_KEY_ID", "takedown-test-key");
    let secret = env_or("AWS_SECRET_ACCESS_KEY", "takedown-test-secret");

    let cancel = CancellationToken::new();
    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;
    let (_reference_handler, expected) =
        reference_run(root.path(), &site, &owner_file, &cancel).await;

    let dir = root.path().join("s3");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let handler = start_handler(&dir, &cancel).await;
    // The credentials travel in variables of the test's own naming, so the run proves the
    // `*_env` settings are what it reads.
    let blobs_table = format!(
        "[backends.blobs]\nkind = \"s3\"\nbucket = \"{bucket}\"\nregion = \"{region}\"\n\
         endpoint = \"{endpoint}\"\nprefix = \"{PREFIX}\"\nallow_http = true\n\
         access_key_id_env = \"TAKEDOWN_TEST_S3_KEY_ID\"\n\
         secret_access_key_env = \"TAKEDOWN_TEST_S3_SECRET\"\n"
    );
    let config = write_config(&dir, &owner_file, &site, &handler.url, &blobs_table);
    let status = tokio::time::timeout(
        RUN_TIMEOUT,
        run_command(&config)
            .env("TAKEDOWN_TEST_S3_KEY_ID", &key_id)
            .env("TAKEDOWN_TEST_S3_SECRET", &secret)
            .status(),
    )
    .await
    .expect("run finished in time")
    .expect("run started");
    assert!(
        status.success(),
        "takedown run on S3 blobs failed: {status}"
    );

    // Checked before `outcome`, whose Storage makes an empty data/blobs.
    assert!(
        local_digests(&dir.join("data/blobs")).is_empty(),
        "blobs were written under data_dir/blobs"
    );
    let got = outcome(&dir).await;
    assert_eq!(got, expected, "the S3 run differs from the reference run");
    assert_one_case_per_notice(&handler.cases.cases().await.expect("cases"), &got.1);

    let keys = bucket_keys(&endpoint, &bucket).await;
    assert!(!keys.is_empty(), "nothing was stored in the bucket");
    let blobs = BlobStore::open_s3(S3Config {
        bucket: bucket.clone(),
        region,
        endpoint: Some(endpoint.clone()),
        prefix: Some(PREFIX.into()),
        allow_http: true,
        access_key_id: key_id,
        secret_access_key: secret,
    })
    .expect("open the bucket");
    let mut digests = BTreeSet::new();
    for key in &keys {
        let digest = key.rsplit('/').next().expect("a key has a last part");
        assert_eq!(
            key,
            &format!("{PREFIX}/{}/{digest}", &digest[..2]),
            "key layout"
        );
        let bytes = tokio::task::block_in_place(|| blobs.get(digest)).expect("get");
        assert_eq!(
            takedown_model::digest_hex(&bytes),
            digest,
            "stored by digest"
        );
        digests.insert(digest.to_owned());
    }
    // Registered images and the sample's pages are the same bytes in both runs.
    let reference = local_digests(&root.path().join("reference/data/blobs"));
    assert!(
        !reference.is_disjoint(&digests),
        "no blob of the reference run is in the bucket"
    );
    cancel.cancel();
}
