//! The versioned JSON wrapper every bus payload travels in.
//!
//! `{"schema":"takedown.listing","version":1,"body":{…}}`. A consumer accepts its own major
//! version and refuses any other with a typed error (a later issue routes those to a
//! dead-letter topic instead of crashing).

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// A payload type with a schema name and a major version.
pub trait Versioned: Serialize + DeserializeOwned {
    const SCHEMA: &'static str;
    const VERSION: u32;
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub schema: String,
    pub version: u32,
    pub body: T,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("payload is not a valid {schema} envelope: {source}")]
    Malformed {
        schema: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("expected schema {expected} but got {found}")]
    WrongSchema {
        expected: &'static str,
        found: String,
    },
    #[error(
        "schema {schema} version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        schema: &'static str,
        found: u32,
        supported: u32,
    },
}

#[derive(Deserialize)]
struct Header {
    schema: String,
    version: u32,
}

impl<T: Versioned> Envelope<T> {
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
