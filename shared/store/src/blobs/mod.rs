//! Content-addressed blobs (pages, images, WARC records, registered images) by SHA-256:
//! local files (`local`) or an S3-compatible bucket (`s3`), behind one sync [`BlobStore`].
//!
//! Both backends lay blobs out the same way — `<root or prefix>/<first 2 hex>/<sha256 hex>` —
//! and both make `put` idempotent: the key is the digest of the bytes, so a blob that is
//! already there is the same blob. A `get` of a digest that is not stored is
//! [`BlobError::Missing`] on both; anything that is not a digest is refused before any I/O.

mod local;
mod s3;

use std::path::{Path, PathBuf};

use takedown_model::digest_hex;

use local::LocalBlobs;
use s3::S3Blobs;
pub use s3::S3Config;

/// Why a blob could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The name given is not a digest; refused before any path or key is built from it, so
    /// no name can reach outside the store.
    #[error("{0:?} is not a SHA-256 digest (64 lowercase hex characters)")]
    BadDigest(String),
    /// No blob with this digest has been stored.
    #[error("blob {0} is not in the store")]
    Missing(String),
    /// The local store's file system failed.
    #[error("blob store I/O at {path}: {source}")]
    Io {
        /// The file or directory being read or written.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The S3 settings cannot work (before any request is made).
    #[error("S3 blob store (bucket {bucket}): {reason}")]
    S3Config {
        /// The configured bucket.
        bucket: String,
        /// What cannot work.
        reason: String,
    },
    /// A request to the S3 server failed after its retries. `message` is the client's
    /// error text with the credentials scrubbed out; it names the request's URL.
    #[error("S3 {op} on bucket {bucket} at {endpoint} failed: {message}")]
    S3 {
        /// The request ("put" or "get").
        op: &'static str,
        /// The bucket it went to.
        bucket: String,
        /// The server's URL (AWS's when none was configured).
        endpoint: String,
        /// The client's error, credentials scrubbed.
        message: String,
    },
}

/// A content-addressed blob store; cheap to clone (clones share the backend).
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Local(LocalBlobs),
    S3(S3Blobs),
}

impl BlobStore {
    /// Opens (creating if needed) the local store under `root`.
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        Ok(Self {
            backend: Backend::Local(LocalBlobs::open(root)?),
        })
    }

    /// Opens the store in an S3-compatible bucket, which must exist: one listing request
    /// checks that the bucket answers, so a wrong bucket, endpoint or credential fails here
    /// rather than at the first blob.
    pub fn open_s3(config: S3Config) -> Result<Self, BlobError> {
        Ok(Self {
            backend: Backend::S3(S3Blobs::open(config)?),
        })
    }

    /// Stores `bytes`, returns their digest.
    pub fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let digest = digest_hex(bytes);
        match &self.backend {
            Backend::Local(local) => local.put(&digest, bytes)?,
            Backend::S3(s3) => s3.put(&digest, bytes)?,
        }
        Ok(digest)
    }

    /// The bytes stored under `digest`; [`BlobError::Missing`] if none were.
    pub fn get(&self, digest: &str) -> Result<Vec<u8>, BlobError> {
        match &self.backend {
            Backend::Local(local) => local.get(digest),
            Backend::S3(s3) => s3.get(digest),
        }
    }

    /// Where the blob with `digest` lives, for people and logs: a file path, or
    /// `s3://bucket/key`. Refuses anything that is not a digest.
    pub fn location(&self, digest: &str) -> Result<String, BlobError> {
        match &self.backend {
            Backend::Local(local) => Ok(local.path(digest)?.display().to_string()),
            Backend::S3(s3) => s3.location(digest),
        }
    }
}

/// `digest` if it is a SHA-256 digest in lowercase hex; anything else could steer a path or
/// key outside the store.
fn checked(digest: &str) -> Result<&str, BlobError> {
    let valid = digest.len() == 64
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(digest)
    } else {
        Err(BlobError::BadDigest(digest.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_digest_idempotently_and_refuses_non_digests() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = BlobStore::open(dir.path()).expect("open");
        let d1 = blobs.put(b"hello").expect("put");
        let d2 = blobs.put(b"hello").expect("put again");
        assert_eq!(d1, d2);
        assert_eq!(blobs.get(&d1).expect("get"), b"hello");
        let file = dir.path().join(&d1[..2]).join(&d1);
        assert!(file.is_file(), "laid out as <root>/<aa>/<digest>");
        assert_eq!(
            blobs.location(&d1).expect("location"),
            file.display().to_string()
        );
        assert!(matches!(
            blobs.get(&"0".repeat(64)),
            Err(BlobError::Missing(_))
        ));
        assert!(matches!(
            blobs.get("../../etc/passwd"),
            Err(BlobError::BadDigest(_))
        ));
        assert!(matches!(
            blobs.get(&"A".repeat(64)),
            Err(BlobError::BadDigest(_))
        ));
    }
}
