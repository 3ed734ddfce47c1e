//! The Merkle tree of RFC 9162 §2.1 (identical to RFC 6962 §2.1): leaf hash
//! `SHA-256(0x00 || data)`, node hash `SHA-256(0x01 || left || right)`, the empty tree's
//! hash `SHA-256("")`; inclusion proofs (audit paths) and consistency proofs, and their
//! verification.
//!
//! Storage follows Go's `sumdb/tlog`: every leaf hash and every hash of a *complete* subtree
//! is stored once, at a dense "stored hash index" ([`stored_hash_index`]), about two per
//! leaf. Appending leaf `n` stores at most `1 + log₂ n` new hashes, and a root or a proof
//! reads `O(log n)` stored hashes — never the whole log.
//!
//! The proof functions read hashes through the synchronous [`HashReader`]. A store read
//! asynchronously runs them in two passes: `indexes_for_*` says which stored hashes the
//! computation will read (indexes depend on sizes only, never on hash values), the caller
//! fetches those, then runs the computation over [`FetchedHashes`].

use std::{cell::RefCell, collections::HashMap};

pub use tlog_tiles::{EMPTY_HASH, Hash, HashReader, stored_hash_count, stored_hash_index};

/// Why a proof could not be made or does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is past the end of the tree it is to be proven in.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// The leaf's index (from 0).
        index: u64,
        /// The tree's size.
        size: u64,
    },
    /// The "newer" tree is smaller than the older one: a log only grows.
    #[error("a tree of {new} leaves cannot extend one of {old}: the log only grows")]
    Shrunk {
        /// The older tree's size.
        old: u64,
        /// The newer tree's size.
        new: u64,
    },
    /// The inclusion proof does not lead from this leaf at this index to this root.
    #[error("the inclusion proof does not lead from the leaf to the root")]
    InclusionFailed,
    /// The consistency proof does not join the two roots: the newer tree does not hold the
    /// older one as its prefix (a fork, a rewrite, or a wrong proof).
    #[error("the consistency proof does not join the two roots")]
    ConsistencyFailed,
    /// The stored hashes asked for were not all there (a truncated or damaged store).
    #[error("stored hashes are missing: {0}")]
    MissingHashes(String),
}

impl From<tlog_tiles::Error> for ProofError {
    fn from(error: tlog_tiles::Error) -> Self {
        ProofError::MissingHashes(error.to_string())
    }
}

/// The hash of a leaf holding `data`: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data)
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    tlog_tiles::node_hash(left, right)
}

/// The hashes to store when leaf `size` (the tree's current size, so the new leaf's index)
/// with hash `leaf` is appended, to be written from `stored_hash_index(0, size)` on.
pub fn hashes_to_store<R: HashReader>(
    size: u64,
    leaf: Hash,
    r: &R,
) -> Result<Vec<Hash>, ProofError> {
    Ok(tlog_tiles::stored_hashes_for_record_hash(size, leaf, r)?)
}

/// The root hash of the tree of the first `size` leaves.
pub fn tree_hash<R: HashReader>(size: u64, r: &R) -> Result<Hash, ProofError> {
    Ok(tlog_tiles::tree_hash(size, r)?)
}

/// The inclusion proof (RFC 9162 §2.1.3) of leaf `index` in the tree of `size` leaves.
pub fn prove_inclusion<R: HashReader>(
    index: u64,
    size: u64,
    r: &R,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    Ok(tlog_tiles::prove_record(size, index, r)?)
}

/// The consistency proof (RFC 9162 §2.1.4) that the tree of `new` leaves extends the tree of
/// `old` leaves. Empty when `old` is 0 or equals `new`: nothing needs proving.
pub fn prove_consistency<R: HashReader>(
    old: u64,
    new: u64,
    r: &R,
) -> Result<Vec<Hash>, ProofError> {
    if old > new {
        return Err(ProofError::Shrunk { old, new });
    }
    if old == 0 {
        return Ok(Vec::new());
    }
    Ok(tlog_tiles::prove_tree(new, old, r)?)
}

/// Checks that `proof` shows a leaf with hash `leaf` at `index` in the tree of `size` leaves
/// whose root is `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    index: u64,
    size: u64,
    root: Hash,
    leaf: Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf)
        .map_err(|_| ProofError::InclusionFailed)
}

/// Checks that `proof` shows the tree (`new_size`, `new_root`) holding the tree
/// (`old_size`, `old_root`) as its prefix. The empty tree is a prefix of every tree; a tree is
/// consistent with itself only if the roots are equal (two roots for one size: a fork).
pub fn verify_consistency(
    proof: &[Hash],
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::Shrunk {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        // RFC 9162 §2.1.4.2: the empty tree is consistent with any tree; no proof is sent.
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::ConsistencyFailed)
        };
    }
    if old_size == new_size {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::ConsistencyFailed)
        };
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root)
        .map_err(|_| ProofError::ConsistencyFailed)
}

/// Notes which stored hash indexes a computation reads, answering with placeholder hashes:
/// the index arithmetic depends on sizes only, so the second, real run reads exactly these.
#[derive(Default)]
struct IndexRecorder(RefCell<Vec<u64>>);

impl HashReader for IndexRecorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash::default(); indexes.len()])
    }
}

fn recorded<T>(compute: impl FnOnce(&IndexRecorder) -> Result<T, ProofError>) -> Vec<u64> {
    let recorder = IndexRecorder::default();
    // An invalid request (index past the end…) reads nothing; the real run reports it.
    let _ = compute(&recorder);
    let mut indexes = recorder.0.into_inner();
    indexes.sort_unstable();
    indexes.dedup();
    indexes
}

/// The stored hashes [`tree_hash`] reads for a tree of `size` leaves.
pub fn indexes_for_tree_hash(size: u64) -> Vec<u64> {
    recorded(|r| tree_hash(size, r))
}

/// The stored hashes [`prove_inclusion`] reads.
pub fn indexes_for_inclusion(index: u64, size: u64) -> Vec<u64> {
    recorded(|r| prove_inclusion(index, size, r))
}

/// The stored hashes [`prove_consistency`] reads.
pub fn indexes_for_consistency(old: u64, new: u64) -> Vec<u64> {
    recorded(|r| prove_consistency(old, new, r))
}

/// The stored hashes [`hashes_to_store`] reads when appending to a tree of `size` leaves.
pub fn indexes_for_append(size: u64) -> Vec<u64> {
    recorded(|r| hashes_to_store(size, Hash::default(), r))
}

/// Stored hashes fetched ahead of a computation, by stored hash index.
#[derive(Debug, Default, Clone)]
pub struct FetchedHashes(HashMap<u64, Hash>);

impl FetchedHashes {
    /// Adds (or replaces) the hash at a stored hash index.
    pub fn insert(&mut self, index: u64, hash: Hash) {
        self.0.insert(index, hash);
    }
}

impl FromIterator<(u64, Hash)> for FetchedHashes {
    fn from_iter<I: IntoIterator<Item = (u64, Hash)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl HashReader for FetchedHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|index| {
                self.0
                    .get(index)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// A whole log in memory: every stored hash in a vector. For tests and small logs; the
/// store keeps the same hashes in a table.
#[derive(Debug, Default, Clone)]
pub struct MemoryLog {
    stored: Vec<Hash>,
    size: u64,
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many leaves the log holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf holding `data`; returns its index.
    pub fn append(&mut self, data: &[u8]) -> Result<u64, ProofError> {
        self.append_hash(leaf_hash(data))
    }

    /// Appends a leaf by its leaf hash; returns its index.
    pub fn append_hash(&mut self, leaf: Hash) -> Result<u64, ProofError> {
        let index = self.size;
        let new = hashes_to_store(index, leaf, self)?;
        self.stored.extend(new);
        self.size += 1;
        Ok(index)
    }

    /// The root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size {
            return Err(ProofError::Shrunk {
                old: size,
                new: self.size,
            });
        }
        tree_hash(size, self)
    }
}

impl HashReader for MemoryLog {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&index| {
                usize::try_from(index)
                    .ok()
                    .and_then(|i| self.stored.get(i))
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}
