//! The versioned JSON wrapper every bus payload travels in.
//!
//! `{"schema":"takedown.listing","version":1,"body":{…}}`. A consumer accepts its own major
//! version and refuses any other with a typed error (a later issue routes those to a
//! dead-letter topic instead of crashing).

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A payload type with a schema name and a major version.
pub trait Versioned: Serialize + DeserializeOwned {
    /// The schema's name in the envelope (`takedown.listing`, …); never changes for a type.
    const SCHEMA: &'static str;
    /// The major version: raised only by a change old readers cannot decode.
    const VERSION: u32;
}

/// A payload as it travels: the body with the schema and major version it was written in.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The body's schema name ([`Versioned::SCHEMA`]).
    pub schema: String,
    /// The body's major version ([`Versioned::VERSION`]).
    pub version: u32,
    /// The payload itself.
    pub body: T,
}

/// Why a payload was not decoded: the consumer dead-letters it with this as the reason.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, not an envelope, or a body that does not fit the type.
    #[error("payload is not a valid {schema} envelope: {source}")]
    Malformed {
        /// The schema the consumer expected.
        schema: &'static str,
        /// The decoder's complaint, with its line and column.
        #[source]
        source: serde_json::Error,
    },
    /// An envelope of another schema (a message on the wrong topic).
    #[error("expected schema {expected} but got {found}")]
    WrongSchema {
        /// The schema the consumer reads.
        expected: &'static str,
        /// The schema the envelope names.
        found: String,
    },
    /// The right schema in a major version this build does not read.
    #[error(
        "schema {schema} version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// The schema's name.
        schema: &'static str,
        /// The version the envelope carries.
        /// The envelope of `body` as JSON bytes, ready to publish.
        found: u32,
        /// The one version this build reads.
        supported: u32,
    },
}

#[derive(Deserialize)]
struct Header {
    schema: String,
    version: u32,
}

impl<T: Versioned> Envelope<T> {
    /// The envelope of `body` as JSON bytes, ready to publish.
    pub fn encode(body: &T) -> Vec<u8> {
        #[derive(Serialize)]
        struct Borrowed<'a, T> {
            schema: &'static str,
            version: u32,
            body: &'a T,
        }
        // Serializing our own plain structs to a Vec cannot fail.
        serde_json::to_vec(&Borrowed {
            schema: T::SCHEMA,
            version: T::VERSION,
            body,
        })
        .unwrap_or_default()
    }

    /// The body of an envelope of `T`'s schema and version; any other is refused with why.
    pub fn decode(bytes: &[u8]) -> Result<T, EnvelopeError> {
        let header: Header =
            serde_json::from_slice(bytes).map_err(|source| EnvelopeError::Malformed {
                schema: T::SCHEMA,
                source,
            })?;
        if header.schema != T::SCHEMA {
            return Err(EnvelopeError::WrongSchema {
                expected: T::SCHEMA,
                found: header.schema,
            });
        }
        if header.version != T::VERSION {
            return Err(EnvelopeError::UnsupportedVersion {
                schema: T::SCHEMA,
                found: header.version,
                supported: T::VERSION,
            });
        }
        let envelope: Envelope<T> =
            serde_json::from_slice(bytes).map_err(|source| EnvelopeError::Malformed {
                schema: T::SCHEMA,
                source,
            })?;
        Ok(envelope.body)
    }
}

impl Versioned for crate::Listing {
    const SCHEMA: &'static str = "takedown.listing";
    const VERSION: u32 = 1;
}
impl Versioned for crate::HashedListing {
    const SCHEMA: &'static str = "takedown.hashed_listing";
    const VERSION: u32 = 1;
}
impl Versioned for crate::Match {
    const SCHEMA: &'static str = "takedown.match";
    const VERSION: u32 = 1;
}
impl Versioned for crate::Notice {
    const SCHEMA: &'static str = "takedown.notice";
    const VERSION: u32 = 1;
}
impl Versioned for crate::CaseEvent {
    const SCHEMA: &'static str = "takedown.case_event";
    const VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CaseEvent, CaseEventKind, Notice};

    fn event() -> CaseEvent {
        CaseEvent {
            notice_id: "ntc_1".into(),
            kind: CaseEventKind::Acknowledged,
            case_id: Some("case-9".into()),
            detail: None,
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("time"),
        }
    }

    #[test]
    fn round_trips_and_names_schema_and_version() {
        let bytes = Envelope::encode(&event());
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(text.starts_with(r#"{"schema":"takedown.case_event","version":1,"body":"#));
        assert_eq!(
            Envelope::<CaseEvent>::decode(&bytes).expect("decode"),
            event()
        );
    }

    #[test]
    fn refuses_other_major_versions_and_schemas() {
        let mut value: serde_json::Value =
            serde_json::from_slice(&Envelope::encode(&event())).expect("json");
        value["version"] = 2.into();
        let err = Envelope::<CaseEvent>::decode(value.to_string().as_bytes()).unwrap_err();
        assert!(
            matches!(err, EnvelopeError::UnsupportedVersion { found: 2, .. }),
            "{err}"
        );

        let err = Envelope::<Notice>::decode(&Envelope::encode(&event())).unwrap_err();
        assert!(matches!(err, EnvelopeError::WrongSchema { .. }), "{err}");

        let err = Envelope::<CaseEvent>::decode(b"{not json").unwrap_err();
        assert!(err.to_string().contains("takedown.case_event"), "{err}");
    }
}
