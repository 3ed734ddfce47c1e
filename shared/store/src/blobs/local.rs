//! The local backend: blobs as files, `<root>/<first 2 hex>/<sha256 hex>`.
//!
//! Writes go to a temporary file and are renamed into place, so a crash never leaves a
//! partial blob under a digest; writing the same bytes twice is a no-op.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use super::{BlobError, checked};

#[derive(Debug, Clone)]
pub(super) struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub(super) fn open(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(|source| BlobError::Io {
            path: root.to_owned(),
            source,
        })?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    /// Stores `bytes` under `digest` (already computed from them) unless already there.
    pub(super) fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path(digest)?;
        if path.exists() {
            return Ok(());
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
        Ok(())
    }

    pub(super) fn get(&self, digest: &str) -> Result<Vec<u8>, BlobError> {
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
    pub(super) fn path(&self, digest: &str) -> Result<PathBuf, BlobError> {
        let digest = checked(digest)?;
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
