//! Properties over many trees: every inclusion and consistency proof verifies, and any
//! changed leaf, index, size or root makes it fail. Exhaustive over every size up to 40
//! (every index, every pair of sizes), then random sizes up to 5,000 from a fixed seed.

use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown_tlog::{
    MemoryLog,
    merkle::{self, FetchedHashes, Hash},
};

fn log_of(size: u64) -> (MemoryLog, Vec<Hash>) {
    let mut log = MemoryLog::new();
    let mut leaves = Vec::new();
    for i in 0..size {
        let data = format!("leaf {i}");
        leaves.push(merkle::leaf_hash(data.as_bytes()));
        log.append(data.as_bytes()).expect("append");
    }
    (log, leaves)
}

/// The root by RFC 9162's recursive definition, written here from the RFC text as an
/// independent check of the stored-hash arithmetic.
fn rfc_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => merkle::EMPTY_HASH,
        1 => leaves[0],
        n => {
            // k: the largest power of two smaller than n.
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            merkle::node_hash(rfc_root(&leaves[..k]), rfc_root(&leaves[k..]))
        }
    }
}

fn check_tree(log: &MemoryLog, leaves: &[Hash], size: u64, index: u64) {
    let root = log.root_at(size).expect("root");
    assert_eq!(root, rfc_root(&leaves[..size as usize]), "root of {size}");
    let leaf = leaves[index as usize];
    let proof = merkle::prove_inclusion(index, size, log).expect("prove");
    merkle::verify_inclusion(&proof, index, size, root, leaf).expect("verifies");
    let other = merkle::leaf_hash(b"not this leaf");
    assert!(merkle::verify_inclusion(&proof, index, size, root, other).is_err());
    // A size of another depth fails. (A neighbouring size of the same shape around this
    // leaf would pass with this root: the root, not the size, is what the proof binds.)
    assert!(merkle::verify_inclusion(&proof, index, size * 2, root, leaf).is_err());
    if size > 1 {
        let moved = (index + 1) % size;
        assert!(
            leaves[moved as usize] == leaf
                || merkle::verify_inclusion(&proof, moved, size, root, leaf).is_err()
        );
    }
}

fn check_consistency(log: &MemoryLog, old: u64, new: u64) {
    let (old_root, new_root) = (
        log.root_at(old).expect("old"),
        log.root_at(new).expect("new"),
    );
    let proof = merkle::prove_consistency(old, new, log).expect("prove");
    merkle::verify_consistency(&proof, old, old_root, new, new_root).expect("consistent");
    if old > 0 && old < new {
        let forked = merkle::node_hash(old_root, old_root);
        assert!(merkle::verify_consistency(&proof, old, forked, new, new_root).is_err());
        assert!(merkle::verify_consistency(&proof, old, old_root, new, forked).is_err());
        assert!(merkle::verify_consistency(&proof, old, old_root, new * 2, new_root).is_err());
    }
}

#[test]
fn every_proof_in_every_small_tree_verifies_and_every_change_fails() {
    let (log, leaves) = log_of(40);
    for size in 1..=40 {
        for index in 0..size {
            check_tree(&log, &leaves, size, index);
        }
        for old in 0..=size {
            check_consistency(&log, old, size);
        }
    }
}

#[test]
fn proofs_in_random_large_trees_verify_and_are_logarithmic() {
    let mut rng = StdRng::seed_from_u64(20);
    let (log, leaves) = log_of(5_000);
    for _ in 0..300 {
        let size = rng.random_range(1..=5_000u64);
        let index = rng.random_range(0..size);
        check_tree(&log, &leaves, size, index);
        let old = rng.random_range(0..=size);
        check_consistency(&log, old, size);
        let proof = merkle::prove_inclusion(index, size, &log).expect("prove");
        assert!(
            proof.len() <= 13,
            "O(log n): {} hashes at {size}",
            proof.len()
        );
    }
}

#[test]
fn the_two_pass_read_computes_what_the_whole_log_computes() {
    let (log, _) = log_of(1_000);
    let fetch = |indexes: Vec<u64>| -> FetchedHashes {
        let hashes = merkle::HashReader::read_hashes(&log, &indexes).expect("read");
        indexes.into_iter().zip(hashes).collect()
    };
    for (index, size) in [(0, 1), (3, 7), (517, 1_000), (999, 1_000)] {
        let fetched = fetch(merkle::indexes_for_inclusion(index, size));
        assert_eq!(
            merkle::prove_inclusion(index, size, &fetched),
            merkle::prove_inclusion(index, size, &log)
        );
    }
    for (old, new) in [(1, 2), (300, 1_000), (512, 1_000)] {
        let fetched = fetch(merkle::indexes_for_consistency(old, new));
        assert_eq!(
            merkle::prove_consistency(old, new, &fetched),
            merkle::prove_consistency(old, new, &log)
        );
    }
    let fetched = fetch(merkle::indexes_for_tree_hash(777));
    assert_eq!(merkle::tree_hash(777, &fetched), log.root_at(777));
    // Appending through fetched hashes stores what the whole log stores.
    let (mut bigger, _) = log_of(1_000);
    let leaf = merkle::leaf_hash(b"one more");
    let fetched = fetch(merkle::indexes_for_append(1_000));
    let stored = merkle::hashes_to_store(1_000, leaf, &fetched).expect("append");
    bigger.append_hash(leaf).expect("append");
    let start = merkle::stored_hash_index(0, 1_000);
    let indexes: Vec<u64> = (start..start + stored.len() as u64).collect();
    assert_eq!(
        merkle::HashReader::read_hashes(&bigger, &indexes).expect("read"),
        stored
    );
    // Missing hashes are an error, not a panic.
    assert!(merkle::prove_inclusion(3, 7, &FetchedHashes::default()).is_err());
}
