//! Bearer tokens that are shown once and stored hashed: `<prefix><id>_<secret>`, where `id`
//! is 8 random bytes (hex) used to find the row and `secret` 32 random bytes (hex). Only
//! SHA-256 of the secret is stored. The API's keys (`tdk_`) and the platform desk's operator
//! tokens (`tdo_`) share this one scheme.
//!
//! Why SHA-256 and not argon2: a slow hash protects low-entropy secrets (passwords) from
//! guessing after a database leak. A 256-bit random secret cannot be guessed, so one SHA-256
//! is as safe and keeps every request's authentication cheap. The stored and presented hashes
//! are compared in constant time (`subtle`) so timing says nothing about how much matched.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A token's parts as presented by a caller.
#[derive(Debug, PartialEq, Eq)]
pub struct PresentedToken<'a> {
    /// The public id that finds the stored row.
    pub id: &'a str,
    /// The secret whose hash the row holds.
    pub secret: &'a str,
}

/// A newly issued token: the row's id and hash, and the full text shown once.
#[derive(Debug)]
pub struct IssuedToken {
    /// The public id.
    pub id: String,
    /// SHA-256 of the secret (hex), what is stored.
    pub secret_hash: String,
    /// `<prefix><id>_<secret>`: give it to its holder; it is never available again.
    pub text: String,
}

/// Splits `<prefix><id>_<secret>`; `None` if the text is not shaped like such a token.
pub fn parse<'a>(prefix: &str, text: &'a str) -> Option<PresentedToken<'a>> {
    let rest = text.strip_prefix(prefix)?;
    let (id, secret) = rest.split_once('_')?;
    let hexish = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexish(id, 16) && hexish(secret, 64)).then_some(PresentedToken { id, secret })
}

/// SHA-256 of a secret, hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` hashes to `stored_hash`, compared in constant time.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    hash_secret(secret)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

/// `bytes` random bytes from the OS-seeded CSPRNG, hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A new token with `prefix`.
pub fn issue(prefix: &str) -> IssuedToken {
    let id = random_hex(8);
    let secret = random_hex(32);
    IssuedToken {
        text: format!("{prefix}{id}_{secret}"),
        secret_hash: hash_secret(&secret),
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_parses_and_matches_only_its_hash() {
        let token = issue("tdo_");
        let presented = parse("tdo_", &token.text).expect("parses");
        assert_eq!(presented.id, token.id);
        assert!(secret_matches(presented.secret, &token.secret_hash));
        assert!(!secret_matches(
            presented.secret,
            &issue("tdo_").secret_hash
        ));
        assert_eq!(parse("tdk_", &token.text), None, "another prefix");
        assert_eq!(parse("tdo_", "tdo_short_abc"), None);
        assert_eq!(parse("tdo_", &token.text[..token.text.len() - 1]), None);
    }
}
