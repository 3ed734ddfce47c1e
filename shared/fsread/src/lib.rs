//! Bounded reading of the files a user names: a config, an owner file, a CSV, a certificate,
//! an image in a folder being evaluated. Every read of such a file goes through here, so
//! every one of them follows the same rules:
//!
//! - only regular files are read: a FIFO, a device, a socket or a directory is refused by its
//!   type before it is opened (a FIFO would block the open or the read for ever, `/dev/zero`
//!   would never end), and the opened file's type is checked again;
//! - the size is checked from the metadata before reading and again while reading
//!   (`Read::take(cap + 1)`), so a file that grows, or lies about its size, costs at most
//!   `cap + 1` bytes of memory;
//! - a file named relative to a folder ([`read_in`]), or found by walking one ([`walk`]),
//!   must resolve inside that folder: a symlink out of it is refused, and a walk does not
//!   follow symlinks, so a symlink loop cannot repeat its files.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::{
    fmt,
    fs::{File, Metadata, OpenOptions},
    io::{self, Read},
    path::{Component, Path, PathBuf},
};

/// One mebibyte, the unit the caps are written in.
pub const MIB: u64 = 1024 * 1024;
/// Cap for an image file (a registered right's image, a photo to evaluate): the same
/// 20 MiB the image decoder accepts (`takedown_matching::ImageLimits`).
pub const IMAGE_MAX_BYTES: u64 = 20 * MIB;
/// Cap for a document: a config, an owner file, a PEM certificate or key.
pub const DOCUMENT_MAX_BYTES: u64 = 4 * MIB;
/// Cap for a CSV of rights, marks or titles read by the command line.
pub const CSV_MAX_BYTES: u64 = 64 * MIB;
/// Cap for a bulk import of rights (`takedown rights bulk-import`), which may hold millions
/// of rows.
pub const BULK_MAX_BYTES: u64 = 512 * MIB;

/// Why a file was not read; every variant names the path and the rule it broke.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path resolves (through a symlink) to somewhere outside the folder it was named in.
    #[error("{path} is a symlink to outside the folder {folder}")]
    SymlinkOutside {
        /// The path as named.
        path: PathBuf,
        /// The folder it had to stay in.
        folder: PathBuf,
    },
    /// The name itself leaves the folder (absolute, or with `..`).
    #[error("{path} names a file outside the folder {folder}")]
    OutsideFolder {
        /// The path as named.
        path: PathBuf,
        /// The folder it had to stay in.
        folder: PathBuf,
    },
    /// A FIFO, a device, a socket or a directory.
    #[error("{path} is not a regular file (a {kind})")]
    NotRegular {
        /// The path as named.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// Larger than the cap for its kind, by its metadata or by what was read.
    #[error("{path} is larger than {}", Size(*.cap))]
    TooLarge {
        /// The path as named.
        path: PathBuf,
        /// The cap, in bytes.
        cap: u64,
    },
    /// The file was expected to be text and is not UTF-8.
    #[error("{path} is not UTF-8 text")]
    NotUtf8 {
        /// The path as named.
        path: PathBuf,
    },
    /// The operating system refused or failed (missing file, permissions, a symlink loop).
    #[error("{path}: {source}")]
    Io {
        /// The path as named.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
}

impl ReadError {
    fn io(path: &Path, source: io::Error) -> Self {
        ReadError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A byte count as people write caps: whole MiB when it is one, bytes otherwise.
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= MIB && self.0.is_multiple_of(MIB) {
            write!(f, "{} MiB", self.0 / MIB)
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}

/// Reads the regular file at `path` (a symlink given directly is followed: the user named
/// it), at most `cap` bytes.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_resolved(path, path, cap)
}

/// [`read`] for text: the file must be UTF-8.
pub fn read_to_string(path: &Path, cap: u64) -> Result<String, ReadError> {
    String::from_utf8(read(path, cap)?).map_err(|_| ReadError::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Reads `relative`, a file named inside `folder` (an image named by an owner file or a CSV,
/// a file found by [`walk`]), at most `cap` bytes. The name must stay in the folder and so
/// must what it resolves to: a symlink to outside the folder is refused.
pub fn read_in(folder: &Path, relative: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    // The parent of a bare file name is "", which is the current folder.
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let named = folder.join(relative);
    let stays = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !stays {
        return Err(ReadError::OutsideFolder {
            path: named,
            folder: folder.to_path_buf(),
        });
    }
    let resolved = resolve_inside(folder, &named)?;
    read_resolved(&named, &resolved, cap)
}

/// The canonical path of `named`, which must lie inside `folder` once every symlink on the
/// way is resolved. A loop or a dangling symlink is the operating system's error.
fn resolve_inside(folder: &Path, named: &Path) -> Result<PathBuf, ReadError> {
    let root = folder
        .canonicalize()
        .map_err(|e| ReadError::io(folder, e))?;
    let resolved = named.canonicalize().map_err(|e| ReadError::io(named, e))?;
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(ReadError::SymlinkOutside {
            path: named.to_path_buf(),
            folder: folder.to_path_buf(),
        })
    }
}

/// Reads `resolved`, naming `shown` in errors.
fn read_resolved(shown: &Path, resolved: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    // The type and size first, from the metadata: a FIFO is refused before `open` could
    // block on it, a 1 GiB file before a byte of it is read.
    let metadata = std::fs::metadata(resolved).map_err(|e| ReadError::io(shown, e))?;
    check(shown, &metadata, cap)?;
    let file = open_nonblocking(resolved).map_err(|e| ReadError::io(shown, e))?;
    // Again on what was opened, in case the path was swapped in between.
    check(
        shown,
        &file.metadata().map_err(|e| ReadError::io(shown, e))?,
        cap,
    )?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::io(shown, e))?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            path: shown.to_path_buf(),
            cap,
        });
    }
    Ok(bytes)
}

fn check(shown: &Path, metadata: &Metadata, cap: u64) -> Result<(), ReadError> {
    if !metadata.is_file() {
        return Err(ReadError::NotRegular {
            path: shown.to_path_buf(),
            kind: kind_of(metadata),
        });
    }
    if metadata.len() > cap {
        return Err(ReadError::TooLarge {
            path: shown.to_path_buf(),
            cap,
        });
    }
    Ok(())
}

#[cfg(unix)]
fn kind_of(metadata: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "directory"
    } else if kind.is_fifo() {
        "FIFO"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn kind_of(metadata: &Metadata) -> &'static str {
    if metadata.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Opens for reading; on Unix with O_NONBLOCK, which changes nothing for a regular file but
/// keeps a FIFO swapped in after the type check from blocking the open.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Every entry below `folder` that is not a directory (regular files, and symlinks, FIFOs
/// and devices for [`read_in`] to refuse with a reason), as paths relative to it, sorted.
/// Symlinks are not followed, so a symlinked folder is not walked and a symlink loop cannot
/// repeat anything.
pub fn walk(folder: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(folder).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(folder).to_path_buf();
            ReadError::Io {
                path,
                source: e.into(),
            }
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        if let Ok(relative) = entry.path().strip_prefix(folder) {
            out.push(relative.to_path_buf());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.txt"), "hello").expect("write");
        assert_eq!(read(&dir.path().join("a.txt"), 5).expect("read"), b"hello");
        assert_eq!(
            read_in(dir.path(), Path::new("a.txt"), 5).expect("read_in"),
            b"hello"
        );
        assert_eq!(
            read_to_string(&dir.path().join("a.txt"), 5).expect("text"),
            "hello"
        );
    }

    #[test]
    fn a_file_over_the_cap_is_refused_by_its_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.jpg");
        let file = File::create(&path).expect("create");
        // Sparse: 1 GiB by its metadata, no blocks on disk.
        file.set_len(1024 * MIB).expect("set_len");
        let err = read(&path, IMAGE_MAX_BYTES).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { .. }), "{err}");
        assert!(err.to_string().ends_with("is larger than 20 MiB"), "{err}");
    }

    #[test]
    fn a_name_that_climbs_out_of_the_folder_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_in(dir.path(), Path::new("../etc/passwd"), 10).unwrap_err();
        assert!(matches!(err, ReadError::OutsideFolder { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_a_device_outside_the_folder_is_refused_and_read_does_not_follow_it_into_the_device()
     {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("zero.jpg");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        let err = read_in(dir.path(), Path::new("zero.jpg"), IMAGE_MAX_BYTES).unwrap_err();
        assert!(
            err.to_string()
                .contains("is a symlink to outside the folder"),
            "{err}"
        );
        // Named directly, the device is refused by its type.
        let err = read(&link, IMAGE_MAX_BYTES).unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a regular file (a character device)"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe.jpg");
        // The `mkfifo` tool rather than the libc call: the crate forbids `unsafe`.
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo");
        let err = read_in(dir.path(), Path::new("pipe.jpg"), 10).unwrap_err();
        assert!(
            err.to_string().contains("is not a regular file (a FIFO)"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_walk_lists_each_file_once_through_a_symlink_loop() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/a.jpg"), "x").expect("write");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).expect("symlink");
        let files = walk(dir.path()).expect("walk");
        assert_eq!(
            files,
            vec![PathBuf::from("sub/a.jpg"), PathBuf::from("sub/loop")]
        );
        // The loop itself resolves inside the folder, to a directory: refused by its type.
        let err = read_in(dir.path(), Path::new("sub/loop"), 10).unwrap_err();
        assert!(err.to_string().contains("(a directory)"), "{err}");
    }
}
