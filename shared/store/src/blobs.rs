//! Content-addressed blobs on local disk: `<root>/<first 2 hex>/<sha256 hex>`.
//!
//! Writes go to a temporary file and are renamed into place, so a crash never leaves a
//! partial blob under a digest; writing the same bytes twice is a no-op.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use takedown_model::digest_hex;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{0:?} is not a SHA-256 digest (64 lowercase hex characters)")]
    BadDigest(String),
    #[error("blob {0} is not in the store")]
    Missing(String),
    #[error("blob store I/O at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(|source| BlobError::Io {
            path: root.to_owned(),
            source,
        })?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    /// Stores `bytes`, returns their digest.
    pub fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let digest = digest_hex(bytes);
        let path = self.path(&digest)?;
        if path.exists() {
            return Ok(digest);
        }
        let dir = path.parent().unwrap_or(&self.root);
        let io = |source| BlobError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile_in(dir).map_err(io)?;
        tmp.1.write_all(bytes).map_err(io)?;
        tmp.1.sync_all().map_err(io)?;
        std::fs::rename(&tmp.0, &path).map_err(io)?;
        Ok(digest)
    }

    pub fn get(&self, digest: &str) -> Result<Vec<u8>, BlobError> {
        let path = self.path(digest)?;
        match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(BlobError::Missing(digest.to_owned()))
            }
            Err(source) => Err(BlobError::Io { path, source }),
        }
    }

    /// Where the blob lives; refuses anything that is not a digest, so no caller can be
    /// steered outside the root.
    pub fn path(&self, digest: &str) -> Result<PathBuf, BlobError> {
        let valid = digest.len() == 64
            && digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(BlobError::BadDigest(digest.to_owned()));
        }
        Ok(self.root.join(&digest[..2]).join(digest))
    }
}

/// A uniquely named temporary file in `dir` (same file system, so rename is atomic).
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let path = dir.join(name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
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
