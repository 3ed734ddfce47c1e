//! WARC record ids: `<urn:uuid:…>`.
//!
//! Ids are UUID v5 over the record's defining content (type, target, date, block digest)
//! rather than random: the crawler is at-least-once, and a redelivered capture should
//! produce the same record, not a second one with a new id.

use std::fmt;

use uuid::Uuid;

/// The namespace for takedown's record ids (a fixed random UUID; never change it, or ids
/// derived before and after stop agreeing).
const NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_4c2e_8a0b_4b7e_9f31_52c0_aa17_e3d4);

/// A WARC-Record-ID. Displays as `<urn:uuid:…>`, the form the header uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordId(Uuid);

impl RecordId {
    /// An id derived from `parts` (joined unambiguously); the same parts give the same id.
    pub fn derived(parts: &[&[u8]]) -> Self {
        let mut name = Vec::new();
        for part in parts {
            // Length-prefixed so ("ab","c") and ("a","bc") differ.
            name.extend_from_slice(&(part.len() as u64).to_be_bytes());
            name.extend_from_slice(part);
        }
        Self(Uuid::new_v5(&NAMESPACE, &name))
    }

    /// Wraps an existing UUID (a record id read back from a file).
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID inside.
    pub fn uuid(&self) -> Uuid {
        self.0
    }

    /// Parses `<urn:uuid:…>` (angle brackets optional).
    pub fn parse(text: &str) -> Option<Self> {
        let inner = text.trim();
        let inner = inner
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or(inner);
        let uuid = inner.strip_prefix("urn:uuid:")?;
        Uuid::parse_str(uuid).ok().map(Self)
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<urn:uuid:{}>", self.0.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_part_boundaries_matter() {
        let a = RecordId::derived(&[b"ab", b"c"]);
        assert_eq!(a, RecordId::derived(&[b"ab", b"c"]));
        assert_ne!(a, RecordId::derived(&[b"a", b"bc"]));
        let text = a.to_string();
        assert!(
            text.starts_with("<urn:uuid:") && text.ends_with('>'),
            "{text}"
        );
        assert_eq!(RecordId::parse(&text), Some(a));
        assert_eq!(RecordId::parse("urn:isbn:123"), None);
    }
}
