//! Published test vectors, so our log agrees with the implementations people already trust.
//!
//! Merkle: the RFC 6962 reference tree of github.com/transparency-dev/merkle
//! (`testonly/constants.go`: `LeafInputs`, `RootHashes`; `proof/verify_test.go`:
//! `inclusionProofs`, `consistencyProofs` — leaf numbers there count from 1), the vectors
//! Trillian and the Go CT code test against.
//!
//! Signed notes: golang.org/x/mod/sumdb/note's `note_test.go` (`TestSign`, `TestOpen`): the
//! PeterNeumann key, its note and signature, so Go's `note.Open` accepts what we sign.

use takedown_tlog::{
    Checkpoint, LogKey, MemoryLog, ProofError, checkpoint,
    merkle::{self, Hash},
};

fn h(hex_text: &str) -> Hash {
    let bytes: [u8; 32] = hex::decode(hex_text)
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    Hash(bytes)
}

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `RootHashes()`, indexed by tree size from 0.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn reference_log() -> MemoryLog {
    let mut log = MemoryLog::new();
    for leaf in LEAVES {
        log.append(&hex::decode(leaf).expect("hex"))
            .expect("append");
    }
    log
}

#[test]
fn roots_of_every_size_match_the_reference_tree() {
    let log = reference_log();
    for (size, root) in ROOTS.iter().enumerate() {
        assert_eq!(
            log.root_at(size as u64).expect("root"),
            h(root),
            "size {size}"
        );
    }
    assert_eq!(merkle::EMPTY_HASH, h(ROOTS[0]));
}

/// (leaf index from 0, tree size, proof) — `inclusionProofs` with its 1-based leaf made 0-based.
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (0, 1, vec![]),
        (
            0,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            5,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            1,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

#[test]
fn inclusion_proofs_match_and_verify_against_the_reference_vectors() {
    let log = reference_log();
    for (index, size, expected) in inclusion_vectors() {
        let proof = merkle::prove_inclusion(index, size, &log).expect("prove");
        assert_eq!(proof, expected, "proof of leaf {index} in {size}");
        let leaf = merkle::leaf_hash(&hex::decode(LEAVES[index as usize]).expect("hex"));
        let root = h(ROOTS[size as usize]);
        merkle::verify_inclusion(&expected, index, size, root, leaf).expect("verifies");
        // The reference test's corruptions: wrong index, size, leaf, root; extra or missing
        // hashes; a flipped bit in any proof hash.
        let wrong = |proof: &[Hash], index: u64, size: u64, root: Hash, leaf: Hash| {
            merkle::verify_inclusion(proof, index, size, root, leaf).is_err()
        };
        assert!(wrong(&expected, index + 1, size, root, leaf));
        assert!(wrong(&expected, index ^ 2, size, root, leaf));
        assert!(wrong(&expected, index, size * 2, root, leaf));
        assert!(wrong(&expected, index, size / 2, root, leaf));
        assert!(wrong(
            &expected,
            index,
            size,
            root,
            merkle::leaf_hash(b"WrongLeaf")
        ));
        assert!(wrong(&expected, index, size, merkle::EMPTY_HASH, leaf));
        assert!(wrong(
            &[expected.clone(), vec![root]].concat(),
            index,
            size,
            root,
            leaf
        ));
        assert!(wrong(
            &[vec![root], expected.clone()].concat(),
            index,
            size,
            root,
            leaf
        ));
        for i in 0..expected.len() {
            let mut flipped = expected.clone();
            flipped[i].0[0] ^= 8;
            assert!(
                wrong(&flipped, index, size, root, leaf),
                "bit flipped in proof[{i}]"
            );
        }
        if let Some((_, shorter)) = expected.split_last() {
            assert!(wrong(shorter, index, size, root, leaf), "removed component");
        }
    }
}

/// (old size, new size, proof) — `consistencyProofs`.
fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

#[test]
fn consistency_proofs_match_and_verify_against_the_reference_vectors() {
    let log = reference_log();
    for (old, new, expected) in consistency_vectors() {
        let proof = merkle::prove_consistency(old, new, &log).expect("prove");
        assert_eq!(proof, expected, "proof of {old} → {new}");
        let (old_root, new_root) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        merkle::verify_consistency(&expected, old, old_root, new, new_root).expect("verifies");
        if expected.is_empty() {
            continue;
        }
        let wrong = |proof: &[Hash], old: u64, old_root: Hash, new: u64, new_root: Hash| {
            merkle::verify_consistency(proof, old, old_root, new, new_root).is_err()
        };
        assert!(wrong(&expected, old - 1, old_root, new, new_root));
        assert!(wrong(&expected, old + 1, old_root, new, new_root));
        assert!(wrong(&expected, old, old_root, new * 2, new_root));
        assert!(
            wrong(&expected, old, new_root, new, old_root),
            "swapped roots"
        );
        assert!(wrong(&[], old, old_root, new, new_root), "empty proof");
        assert!(wrong(
            &[expected.clone(), vec![old_root]].concat(),
            old,
            old_root,
            new,
            new_root
        ));
        assert!(wrong(
            &[vec![new_root], expected.clone()].concat(),
            old,
            old_root,
            new,
            new_root
        ));
        for i in 0..expected.len() {
            let mut flipped = expected.clone();
            flipped[i].0[0] ^= 16;
            assert!(
                wrong(&flipped, old, old_root, new, new_root),
                "bit flipped in proof[{i}]"
            );
        }
    }
}

#[test]
fn the_edge_cases_of_rfc_9162_hold() {
    let some = h(ROOTS[3]);
    // The empty tree is consistent with every tree, without a proof.
    merkle::verify_consistency(&[], 0, merkle::EMPTY_HASH, 5, some).expect("empty prefix");
    assert!(merkle::verify_consistency(&[some], 0, merkle::EMPTY_HASH, 5, some).is_err());
    // A tree is consistent with itself only under the same root: two roots, one size, a fork.
    merkle::verify_consistency(&[], 3, some, 3, some).expect("same tree");
    assert_eq!(
        merkle::verify_consistency(&[], 3, some, 3, h(ROOTS[4])),
        Err(ProofError::ConsistencyFailed)
    );
    // Time does not run backwards.
    assert_eq!(
        merkle::verify_consistency(&[], 4, some, 3, some),
        Err(ProofError::Shrunk { old: 4, new: 3 })
    );
    assert_eq!(
        merkle::verify_inclusion(&[], 0, 0, merkle::EMPTY_HASH, some),
        Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
    );
}

const PETER_PRIVATE: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

#[test]
fn go_sumdb_note_keys_read_and_their_verifier_key_is_derived_identically() {
    let key = LogKey::from_private_key(PETER_PRIVATE).expect("Go's private key reads");
    assert_eq!(key.name(), "PeterNeumann");
    assert_eq!(key.verifier_key(), PETER_VERIFIER);
    assert!(format!("{key:?}").contains(PETER_VERIFIER));
    assert!(
        !format!("{key:?}").contains("AYEKFALV"),
        "Debug never shows the key"
    );
    // A mangled key (one byte changed) is refused: the key id no longer matches.
    let mangled = PETER_PRIVATE.replace("+c74f20a3+", "+c74f20a4+");
    assert!(LogKey::from_private_key(&mangled).is_err());
}

#[test]
fn go_sumdb_note_signatures_verify_and_ours_are_byte_identical() {
    // Ed25519 is deterministic, so signing Go's text with Go's key gives Go's exact line.
    let key = LogKey::from_private_key(PETER_PRIVATE).expect("key");
    let mut note = signed_note_text(&key, PETER_TEXT);
    assert_eq!(note, format!("{PETER_TEXT}\n{PETER_SIG}"));
    // Go's note, with a second signature by a key we do not know (a witness), opens as far
    // as the signature goes; its text is not a checkpoint, which is the next check.
    let with_witness = format!("{PETER_TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert!(matches!(
        checkpoint::open(with_witness.as_bytes(), PETER_VERIFIER),
        Err(takedown_tlog::CheckpointError::MalformedCheckpoint)
    ));
    // Only the other key's signature: not signed by this log.
    let enoch_only = format!("{PETER_TEXT}\n{ENOCH_SIG}");
    assert!(matches!(
        checkpoint::open(enoch_only.as_bytes(), PETER_VERIFIER),
        Err(takedown_tlog::CheckpointError::NotSignedByLog { .. })
    ));
    // A changed text under the old signature: the signature fails.
    note = note.replacen("cryptography", "cryptographY", 1);
    assert!(matches!(
        checkpoint::open(note.as_bytes(), PETER_VERIFIER),
        Err(takedown_tlog::CheckpointError::BadSignature { .. })
    ));
}

/// Signs arbitrary text the way `LogKey::sign` signs a checkpoint body, through the same
/// crate, to compare with Go's output.
fn signed_note_text(key: &LogKey, text: &str) -> String {
    let signer = signed_note::StandardSigner::new(key.private_key()).expect("signer");
    let mut note = signed_note::Note::new(text.as_bytes(), &[]).expect("note");
    note.add_sigs(&[&signer]).expect("sign");
    String::from_utf8(note.to_bytes()).expect("utf-8")
}

#[test]
fn a_checkpoint_is_signed_in_the_c2sp_form_and_opens_with_the_verifier_key() {
    let key = LogKey::from_seed("example.com/log", &[7; 32]).expect("key");
    let checkpoint = Checkpoint {
        origin: "example.com/log".to_owned(),
        size: 8,
        root: h(ROOTS[8]),
    };
    let note = key.sign(&checkpoint).expect("sign");
    let (body, signatures) = note
        .split_once("\n\n")
        .expect("a blank line before signatures");
    assert_eq!(
        body,
        // base64 of the reference root of 8 leaves (5dc9da79…), as Python's base64 gives it.
        "example.com/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
    );
    let line = signatures.strip_suffix('\n').expect("one line");
    let (prefix, sig) = line.rsplit_once(' ').expect("name and signature");
    assert_eq!(prefix, "— example.com/log");
    let sig = base64::Engine::decode(&base64::prelude::BASE64_STANDARD, sig).expect("base64");
    assert_eq!(sig.len(), 4 + 64, "key id and Ed25519 signature");
    // The key id: SHA-256(name || 0x0A || 0x01 || public key)[..4], and the verifier key
    // names it in hex.
    let public = base64::Engine::decode(
        &base64::prelude::BASE64_STANDARD,
        key.verifier_key().splitn(3, '+').nth(2).expect("key part"),
    )
    .expect("base64");
    use sha2::Digest;
    let digest = sha2::Sha256::new()
        .chain_update(b"example.com/log\n")
        .chain_update(&public)
        .finalize();
    assert_eq!(public[0], 0x01, "Ed25519's algorithm byte");
    assert_eq!(sig[..4], digest[..4]);
    assert!(
        key.verifier_key()
            .contains(&format!("+{}+", hex::encode(&digest[..4])))
    );

    assert_eq!(
        checkpoint::open(note.as_bytes(), key.verifier_key()).expect("opens"),
        checkpoint
    );
    // Another key of the same name does not open it.
    let impostor = LogKey::from_seed("example.com/log", &[8; 32]).expect("key");
    assert!(checkpoint::open(note.as_bytes(), impostor.verifier_key()).is_err());
    // Re-signed by another key: refused as not signed by this log.
    let resigned = impostor.sign(&checkpoint).expect("sign");
    assert!(matches!(
        checkpoint::open(resigned.as_bytes(), key.verifier_key()),
        Err(takedown_tlog::CheckpointError::NotSignedByLog { .. })
    ));
}
