//! Checkpoints: the C2SP `tlog-checkpoint` body (origin line, decimal tree size, base64 root
//! hash) inside a C2SP signed note, signed with the log's Ed25519 key.
//!
//! A note is the body, a blank line, and one line per signature:
//! `— <key name> <base64(4-byte key id || 64-byte signature)>`, where the key id is the first
//! four bytes of `SHA-256(key name || 0x0A || 0x01 || public key)`. The verifier key — what
//! anyone checking our checkpoints needs — is `<name>+<key id hex>+<base64(0x01 || public
//! key)>`, and the private key `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>`: the
//! strings Go's `sumdb/note` reads and writes. The key name is the log's origin.

use base64::{Engine, prelude::BASE64_STANDARD};
use signed_note::{Note, NoteError, StandardSigner, StandardVerifier, VerifierList};

use crate::merkle::Hash;

/// Why a key, a note or a checkpoint was refused.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A log key string does not parse (wrong form, wrong key id, not Ed25519).
    #[error("malformed log key: {0}")]
    BadKey(String),
    /// A log's name must be non-empty, without spaces or `+`.
    #[error("{0:?} cannot name a log: it must be non-empty, without spaces or '+'")]
    BadName(String),
    /// The text is not a signed note (no blank line before signatures, bad signature line…).
    #[error("not a well-formed signed note: {0}")]
    MalformedNote(String),
    /// No signature on the note is by the log's key.
    #[error("the note carries no signature by this log's key ({key})")]
    NotSignedByLog {
        /// The verifier key looked for.
        key: String,
    },
    /// A signature that names the log's key does not verify over the note's text: the note
    /// was altered after signing, or forged.
    #[error("the signature by {key} does not verify: the note was altered or forged")]
    BadSignature {
        /// The verifier key whose signature failed.
        key: String,
    },
    /// The note's text is not a checkpoint body.
    #[error("the note's text is not a checkpoint (origin, tree size, base64 root hash)")]
    MalformedCheckpoint,
    /// The checkpoint names another log than the key's.
    #[error("the checkpoint is of log {found:?}, not {expected:?}")]
    WrongOrigin {
        /// The origin the key names.
        expected: String,
        /// The origin the checkpoint names.
        found: String,
    },
}

/// A tree head: which log, how many leaves, and the root hash over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The log's unique name (the key name signing it).
    pub origin: String,
    /// How many leaves the tree holds.
    pub size: u64,
    /// The tree's root hash.
    pub root: Hash,
}

impl Checkpoint {
    /// The checkpoint body: origin, size and base64 root, each on its own line.
    pub fn body(&self) -> Result<String, CheckpointError> {
        let body = tlog_tiles::Checkpoint::new(&self.origin, self.size, self.root, "")
            .map_err(|_| CheckpointError::MalformedCheckpoint)?;
        String::from_utf8(body.to_bytes()).map_err(|_| CheckpointError::MalformedCheckpoint)
    }

    /// Parses a checkpoint body (extension lines are allowed and ignored).
    pub fn parse_body(text: &[u8]) -> Result<Self, CheckpointError> {
        let parsed = tlog_tiles::Checkpoint::from_bytes(text)
            .map_err(|_| CheckpointError::MalformedCheckpoint)?;
        Ok(Self {
            origin: parsed.origin().to_owned(),
            size: parsed.size(),
            root: *parsed.hash(),
        })
    }
}

/// The log's Ed25519 signing key, under the log's name. `Debug` does not show the key.
pub struct LogKey {
    name: String,
    signer: StandardSigner,
    private_key: String,
    verifier_key: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("verifier_key", &self.verifier_key)
            .finish_non_exhaustive()
    }
}

/// The signature algorithm byte C2SP signed-note assigns Ed25519.
const ALG_ED25519: u8 = 0x01;

impl LogKey {
    /// A new random key for the log named `name` (from the operating system's random source).
    pub fn generate(name: &str) -> Result<Self, CheckpointError> {
        use rand::TryRngCore;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng
            .try_fill_bytes(&mut seed)
            .map_err(|e| CheckpointError::BadKey(format!("no random source: {e}")))?;
        Self::from_seed(name, &seed)
    }

    /// The key for the log named `name` from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CheckpointError::BadName(name.to_owned()));
        }
        let signing = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = [&[ALG_ED25519][..], signing.verifying_key().as_bytes()].concat();
        let private = [&[ALG_ED25519][..], seed.as_slice()].concat();
        let private_key = format!(
            "PRIVATE+KEY+{name}+{:08x}+{}",
            signed_note::key_id(name, &public),
            BASE64_STANDARD.encode(private)
        );
        Self::from_private_key(&private_key)
    }

    /// Reads a private key string (`PRIVATE+KEY+<name>+<id>+<base64>`, as Go's
    /// `note.GenerateKey` writes); surrounding whitespace is ignored.
    pub fn from_private_key(text: &str) -> Result<Self, CheckpointError> {
        let text = text.trim();
        let signer = StandardSigner::new(text).map_err(|e| {
            // Never echo the text: it is a private key.
            CheckpointError::BadKey(e.to_string())
        })?;
        // StandardSigner::new has checked the form and that the id matches the public key.
        let mut parts = text.splitn(5, '+').skip(2);
        let (Some(name), Some(_id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CheckpointError::BadKey(
                "not PRIVATE+KEY+name+id+key".to_owned(),
            ));
        };
        let seed: [u8; 32] = BASE64_STANDARD
            .decode(key)
            .ok()
            .and_then(|bytes| bytes.get(1..).and_then(|seed| seed.try_into().ok()))
            .ok_or_else(|| CheckpointError::BadKey("not a 32-byte Ed25519 seed".to_owned()))?;
        let verifying = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        Ok(Self {
            name: name.to_owned(),
            verifier_key: signed_note::new_ed25519_verifier_key(name, &verifying),
            private_key: text.to_owned(),
            signer,
        })
    }

    /// The log's name: its origin line and the key name in signature lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key to publish: `<name>+<key id hex>+<base64(0x01 || public key)>`.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The private key string, for the key file. Keep it secret; never log it.
    pub fn private_key(&self) -> &str {
        &self.private_key
    }

    /// Signs a checkpoint of this log; returns the whole signed note.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        if checkpoint.origin != self.name {
            return Err(CheckpointError::WrongOrigin {
                expected: self.name.clone(),
                found: checkpoint.origin.clone(),
            });
        }
        let body = checkpoint.body()?;
        let mut note = Note::new(body.as_bytes(), &[])
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
        String::from_utf8(note.to_bytes())
            .map_err(|e| CheckpointError::MalformedNote(e.to_string()))
    }
}

/// The text a note's signatures cover — everything before the blank line that precedes
/// the signature lines, its final newline included. A checkpoint's RFC 3161 timestamp
/// stamps the SHA-256 of exactly these bytes.
pub fn signed_text(note: &str) -> Result<&str, CheckpointError> {
    note.find("\n\n")
        .map(|end| &note[..=end])
        .ok_or_else(|| CheckpointError::MalformedNote("no blank line before the signatures".into()))
}

/// Opens a signed checkpoint: the note must carry a valid signature by `verifier_key`, and
/// its text must be a checkpoint of the log that key names. Signatures by other keys
/// (witnesses) are allowed and not checked.
pub fn open(note: &[u8], verifier_key: &str) -> Result<Checkpoint, CheckpointError> {
    let verifier = StandardVerifier::new(verifier_key.trim())
        .map_err(|e| CheckpointError::BadKey(format!("verifier key: {e}")))?;
    let name = signed_note::Verifier::name(&verifier).to_owned();
    let parsed =
        Note::from_bytes(note).map_err(|e| CheckpointError::MalformedNote(e.to_string()))?;
    match parsed.verify(&VerifierList::new(vec![Box::new(verifier)])) {
        Ok(_) => {}
        Err(NoteError::UnverifiedNote) => {
            return Err(CheckpointError::NotSignedByLog {
                key: verifier_key.trim().to_owned(),
            });
        }
        Err(NoteError::InvalidSignature { .. }) => {
            return Err(CheckpointError::BadSignature {
                key: verifier_key.trim().to_owned(),
            });
        }
        Err(e) => return Err(CheckpointError::MalformedNote(e.to_string())),
    }
    let checkpoint = Checkpoint::parse_body(parsed.text())?;
    if checkpoint.origin != name {
        return Err(CheckpointError::WrongOrigin {
            expected: name,
            found: checkpoint.origin,
        });
    }
    Ok(checkpoint)
}
