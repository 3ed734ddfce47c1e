//! Stable identifiers. Every id that an effect is keyed by is derived from content, so a
//! message processed twice produces the same row, the same notice, the same delivery key.

use sha2::{Digest, Sha256};

/// A short, stable id: `prefix_` followed by the first 16 bytes (hex) of SHA-256 over the
/// parts joined by a 0x1f separator (which cannot occur in the URLs and ids we join).
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update([0x1f]);
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    format!("{prefix}_{}", hex::encode(&digest[..16]))
}

/// Full SHA-256 of a byte string as lowercase hex: the address of a blob.
pub fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_id_depends_on_every_part_and_their_boundaries() {
        let a = stable_id("m", &["ab", "c"]);
        assert_eq!(a, stable_id("m", &["ab", "c"]));
        assert_ne!(a, stable_id("m", &["a", "bc"]));
        assert_ne!(a, stable_id("n", &["ab", "c"]));
        assert!(a.starts_with("m_") && a.len() == 2 + 32);
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
