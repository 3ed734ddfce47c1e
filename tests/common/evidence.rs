//! What the evidence tests share: reading a finished command's output, and an RFC 9162
//! inclusion-proof check written from the RFC (independent of `takedown-tlog`).

use std::process::Output;

use sha2::{Digest, Sha256};

/// Lossy UTF-8 of a command's output.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The command's stdout, failing the test (with both streams) unless it succeeded.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\n{}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// SHA-256 of the concatenated parts.
pub fn hash(parts: &[&[u8]]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().to_vec()
}

/// RFC 9162 §2.1.3.2, step by step: verifies an inclusion proof.
pub fn rfc9162_inclusion(
    index: u64,
    size: u64,
    leaf: &[u8],
    proof: &[Vec<u8>],
    root: &[u8],
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = hash(&[&[0x00], leaf]);
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = hash(&[&[0x01], p, &r]);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = hash(&[&[0x01], &r, p]);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == root
}
