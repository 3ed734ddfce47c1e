//! The S3 backend: blobs as objects `<prefix>/<first 2 hex>/<sha256 hex>` in one bucket of
//! an S3-compatible server (AWS, MinIO, moto), through `object_store`.
//!
//! ## Why a thread of its own
//!
//! [`BlobStore`](super::BlobStore) is sync, and its callers call it from everywhere: tokio's
//! blocking pool (the crawler, the hasher), plain threads, and — the matcher's
//! `RightsView::build` — directly on a tokio worker thread inside an async fn.
//! `Handle::block_on` panics on a runtime thread, and `block_in_place` is not allowed on a
//! current-thread runtime, so neither is safe everywhere. Instead each S3 store owns one
//! thread running a current-thread runtime: a call sends its request over a channel (an
//! unbounded send never blocks nor needs a runtime) and waits on a std channel for the
//! reply, which works from any thread. The thread runs every request as its own task, so
//! concurrent callers' requests overlap on the wire; the number in flight is bounded by the
//! number of callers, each of which waits for its own reply. When the last clone of the
//! store is dropped the channel closes and the thread ends.
//!
//! Failed requests are retried by `object_store` itself (bounded, see [`retry_config`]).

use std::{fmt, future::Future, pin::Pin, sync::Arc, time::Duration};

use object_store::{
    BackoffConfig, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
    aws::{AmazonS3, AmazonS3Builder},
    path::Path,
};
use tokio::sync::mpsc;

use super::{BlobError, checked};

/// Where the bucket is and how to sign for it. Credentials are given resolved (the caller
/// reads them from wherever its configuration says) and are never printed: `Debug` leaves
/// them out and every error is scrubbed of them.
#[derive(Clone)]
pub struct S3Config {
    /// The bucket blobs go in; it must exist (the store never creates buckets).
    pub bucket: String,
    /// The region requests are signed for (any value for most S3-compatible servers).
    pub region: String,
    /// The server's URL, for S3-compatible servers (`http://127.0.0.1:9000`); `None` is AWS.
    pub endpoint: Option<String>,
    /// Keys start with this (`a/b` gives `a/b/<aa>/<digest>`); `None` or empty: at the root.
    pub prefix: Option<String>,
    /// Allows a plain-HTTP endpoint (a local test server); refused otherwise.
    pub allow_http: bool,
    /// The access key's id (from the environment, never from a config file).
    pub access_key_id: String,
    /// The access key's secret; left out of `Debug` and scrubbed from errors.
    pub secret_access_key: String,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

/// Bounded retries: a transient failure (connection reset, 5xx, throttling) is tried again
/// with back-off, but a dead server fails a call within seconds rather than the client's
/// default three minutes, so a stage reports it and its supervisor restarts it.
fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(30),
    }
}

/// A request for the S3 thread: given the client, a future that does the work and replies.
type Job = Box<dyn FnOnce(Arc<Client>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

#[derive(Clone)]
pub(super) struct S3Blobs {
    jobs: mpsc::UnboundedSender<Job>,
    target: Arc<Target>,
}

impl fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Blobs")
            .field("bucket", &self.target.bucket)
            .field("endpoint", &self.target.endpoint)
            .field("prefix", &self.target.prefix)
            .finish()
    }
}

/// What errors and locations name, and what they must not.
struct Target {
    bucket: String,
    /// The endpoint as configured, or AWS's for the region.
    endpoint: String,
    /// Normalized: no leading or trailing `/`; empty for none.
    prefix: String,
    /// Values scrubbed from every error message.
    secrets: Vec<String>,
}

/// What the S3 thread owns.
struct Client {
    store: AmazonS3,
    target: Arc<Target>,
}

impl S3Blobs {
    pub(super) fn open(config: S3Config) -> Result<Self, BlobError> {
        let bad = |reason: String| BlobError::S3Config {
            bucket: config.bucket.clone(),
            reason,
        };
        if config.bucket.is_empty() {
            return Err(bad("the bucket name is empty".into()));
        }
        let prefix = config
            .prefix
            .as_deref()
            .unwrap_or("")
            .trim_matches('/')
            .to_owned();
        if !prefix.is_empty() {
            Path::parse(&prefix).map_err(|e| bad(format!("prefix {prefix:?}: {e}")))?;
        }
        let target = Arc::new(Target {
            bucket: config.bucket.clone(),
            endpoint: config
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", config.region)),
            prefix,
            secrets: [&config.access_key_id, &config.secret_access_key]
                .into_iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect(),
        });

        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_allow_http(config.allow_http)
            .with_retry(retry_config());
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder
            .build()
            .map_err(|e| bad(target.scrub(&e.to_string())))?;

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| bad(format!("starting its I/O runtime: {e}")))?;
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let client = Arc::new(Client {
            store,
            target: target.clone(),
        });
        std::thread::Builder::new()
            .name("s3-blobs".into())
            .spawn(move || {
                runtime.block_on(async move {
                    while let Some(job) = queue.recv().await {
                        tokio::spawn(job(client.clone()));
                    }
                });
            })
            .map_err(|e| bad(format!("starting its I/O thread: {e}")))?;

        let blobs = Self { jobs, target };
        blobs.call(|client| async move { client.probe().await })?;
        Ok(blobs)
    }

    pub(super) fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let key = self.target.key(checked(digest)?)?;
        let payload = PutPayload::from(bytes.to_vec());
        self.call(move |client| async move { client.put(key, payload).await })
    }

    pub(super) fn get(&self, digest: &str) -> Result<Vec<u8>, BlobError> {
        let digest = checked(digest)?.to_owned();
        let key = self.target.key(&digest)?;
        self.call(move |client| async move { client.get(key, digest).await })
    }

    pub(super) fn location(&self, digest: &str) -> Result<String, BlobError> {
        let key = self.target.key(checked(digest)?)?;
        Ok(format!("s3://{}/{key}", self.target.bucket))
    }

    /// Runs `work` on the S3 thread and waits for its result (see the module docs).
    fn call<T, F, Fut>(&self, work: F) -> Result<T, BlobError>
    where
        T: Send + 'static,
        F: FnOnce(Arc<Client>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, BlobError>> + Send + 'static,
    {
        let (reply, result) = std::sync::mpsc::sync_channel(1);
        let job: Job = Box::new(move |client| {
            Box::pin(async move {
                // The caller may have gone (its thread unwound); nobody is left to tell.
                let _ = reply.send(work(client).await);
            })
        });
        self.jobs.send(job).map_err(|_| self.stopped())?;
        result.recv().map_err(|_| self.stopped())?
    }

    /// The request was dropped unanswered: the I/O thread is gone, or the request's task
    /// panicked there.
    fn stopped(&self) -> BlobError {
        self.target.failed(
            "request",
            "no answer from the store's I/O thread (stopped, or the request panicked)".into(),
        )
    }
}

impl Target {
    fn key(&self, digest: &str) -> Result<Path, BlobError> {
        let relative = format!("{}/{digest}", &digest[..2]);
        let key = if self.prefix.is_empty() {
            relative
        } else {
            format!("{}/{relative}", self.prefix)
        };
        // The prefix was checked at open and a digest is hex, so this only guards a bug.
        Path::parse(&key).map_err(|e| BlobError::S3Config {
            bucket: self.bucket.clone(),
            reason: format!("key {key:?}: {e}"),
        })
    }

    fn scrub(&self, message: &str) -> String {
        self.secrets.iter().fold(message.to_owned(), |m, secret| {
            m.replace(secret, "[redacted]")
        })
    }

    /// A failed request as a [`BlobError`]. The client's error is kept as scrubbed text,
    /// not as a source: its chain is the client's to word, and could quote what we sent.
    fn failed(&self, op: &'static str, message: String) -> BlobError {
        BlobError::S3 {
            op,
            bucket: self.bucket.clone(),
            endpoint: self.endpoint.clone(),
            message: self.scrub(&message),
        }
    }
}

impl Client {
    /// One listing request under the prefix: fails when the bucket is missing or refuses us.
    async fn probe(&self) -> Result<(), BlobError> {
        let prefix = (!self.target.prefix.is_empty()).then(|| Path::from(&*self.target.prefix));
        self.store
            .list_with_delimiter(prefix.as_ref())
            .await
            .map(|_| ())
            .map_err(|e| self.target.failed("list", e.to_string()))
    }

    /// Uploads unless the object exists: same key, same bytes, so present means done.
    async fn put(&self, key: Path, payload: PutPayload) -> Result<(), BlobError> {
        match self.store.head(&key).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(self.target.failed("head", e.to_string())),
        }
        self.store
            .put(&key, payload)
            .await
            .map(|_| ())
            .map_err(|e| self.target.failed("put", e.to_string()))
    }

    async fn get(&self, key: Path, digest: String) -> Result<Vec<u8>, BlobError> {
        let fetched = match self.store.get(&key).await {
            Ok(fetched) => fetched,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::Missing(digest)),
            Err(e) => return Err(self.target.failed("get", e.to_string())),
        };
        let bytes = fetched
            .bytes()
            .await
            .map_err(|e| self.target.failed("get", e.to_string()))?;
        Ok(Vec::from(bytes))
    }
}
