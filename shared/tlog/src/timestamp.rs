//! RFC 3161 trusted timestamps over checkpoints: the query a Time Stamping Authority is
//! sent, and the full check of its reply.
//!
//! The query holds the SHA-256 of the data (a checkpoint's signed text), a random nonce,
//! and asks for the TSA's certificate. A reply is accepted only when every link holds:
//! its status grants a token; the token is a CMS `SignedData` over a `TSTInfo`; the
//! `TSTInfo`'s imprint is the data's SHA-256 and its nonce the query's; the signed
//! attributes name the `TSTInfo` content type and carry its digest; the signature verifies
//! under the token's TSA certificate; that certificate's extended key usage is
//! `timeStamping` alone and critical (RFC 3161 §2.3); and — when trust anchors are given —
//! it chains to one of them, valid at the token's `genTime`. The reply is kept as the TSA
//! sent it (DER), so `openssl ts -verify` checks it independently.
//!
//! The DER types are RustCrypto's (`x509-tsp`, `cms`, `x509-cert`); the path and signature
//! checks are `rustls-webpki`'s.

use der::{
    Any, Decode, Encode,
    asn1::{GeneralizedTime, Int, ObjectIdentifier, OctetString},
    oid::db::{rfc5911, rfc5912},
};
use rustls_pki_types::{CertificateDer, UnixTime, pem::PemObject};
use sha2::{Digest, Sha256, Sha384, Sha512};
use webpki::aws_lc_rs as algs;
use x509_cert::{
    Certificate,
    ext::pkix::{ExtendedKeyUsage, SubjectKeyIdentifier},
    spki::AlgorithmIdentifier,
};
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the content type of a timestamp token's payload.
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// The DER value of `id-kp-timeStamping` (1.3.6.1.5.5.7.3.8), as webpki matches it.
const TIME_STAMPING_EKU: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
/// The PKI status values that grant a token (RFC 3161 §2.4.2: granted, grantedWithMods).
const GRANTED: [u8; 2] = [0, 1];

/// Why a timestamp reply or the trust anchors were refused; each names the broken link.
#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    /// The bytes are not the DER structure expected here.
    #[error("malformed timestamp {what}: {reason}")]
    Malformed {
        /// Which structure (reply, token, TSTInfo, certificate…).
        what: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The TSA answered without granting a token.
    #[error("the TSA refused the request (status {status}{text})")]
    NotGranted {
        /// The PKI status number (2 rejection, 3 waiting…).
        status: u8,
        /// The TSA's free text, if any, prefixed with ": ".
        text: String,
    },
    /// The token stamps other data than the checkpoint's.
    #[error(
        "the token's message imprint is not the SHA-256 of this checkpoint (token {found}, checkpoint {expected})"
    )]
    WrongImprint {
        /// The checkpoint text's SHA-256, hex.
        expected: String,
        /// The token's imprint (algorithm and value), as found.
        found: String,
    },
    /// The token does not echo the query's nonce (a replayed or mixed-up reply).
    #[error("the token's nonce {found} is not the query's {expected}")]
    WrongNonce {
        /// The nonce sent.
        expected: u64,
        /// The nonce in the token, or "none".
        found: String,
    },
    /// The token's signature does not verify (altered token, or not signed by the
    /// certificate it names).
    #[error("the token's signature does not verify: {0}")]
    BadSignature(String),
    /// The token carries no certificate matching its signer.
    #[error("the token carries no certificate of its signer (was the query sent with certReq?)")]
    NoSignerCertificate,
    /// The signer's certificate is not a TSA certificate (RFC 3161 §2.3).
    #[error("the signer's certificate is not a TSA certificate: {0}")]
    NotTsaCertificate(String),
    /// The signer's certificate does not chain to a trusted anchor at the token's time.
    #[error("the TSA certificate does not chain to the trusted CA: {0}")]
    Untrusted(String),
    /// An algorithm this check does not support.
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    /// The trust anchors given are not usable certificates.
    #[error("the TSA trust anchors are not usable: {0}")]
    BadAnchors(String),
}

fn malformed(what: &'static str) -> impl FnOnce(der::Error) -> TimestampError {
    move |e| TimestampError::Malformed {
        what,
        reason: e.to_string(),
    }
}

/// The message imprint of `data`: its SHA-256, what a query asks the TSA to stamp.
pub fn imprint_of(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A time-stamp query (RFC 3161 §2.4.1) as sent: its DER, and what the reply must echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampQuery {
    /// The `TimeStampReq`, DER (`openssl ts -query` output; a `.tsq` file).
    pub der: Vec<u8>,
    /// SHA-256 of the data stamped.
    pub imprint: [u8; 32],
    /// The random nonce the token must carry.
    pub nonce: u64,
}

impl TimestampQuery {
    /// A query over `data`'s SHA-256 with a fresh random nonce, asking for the TSA's
    /// certificate in the token.
    pub fn new(data: &[u8]) -> Result<Self, TimestampError> {
        // 63 bits keeps the INTEGER positive in eight bytes.
        Self::with_nonce(data, rand::random::<u64>() >> 1)
    }

    /// Reads a query back (a stored `.tsq`): its imprint (SHA-256 only) and nonce.
    pub fn from_der(der: &[u8]) -> Result<Self, TimestampError> {
        let request = TimeStampReq::from_der(der).map_err(malformed("query"))?;
        let imprint = &request.message_imprint;
        if imprint.hash_algorithm.oid != rfc5912::ID_SHA_256 {
            return Err(TimestampError::Unsupported(format!(
                "query digest {}",
                imprint.hash_algorithm.oid
            )));
        }
        let imprint: [u8; 32] = imprint.hashed_message.as_bytes().try_into().map_err(|_| {
            TimestampError::Malformed {
                what: "query",
                reason: "a SHA-256 imprint that is not 32 bytes".into(),
            }
        })?;
        let nonce = request.nonce.as_ref().and_then(int_to_u64).ok_or_else(|| {
            TimestampError::Malformed {
                what: "query",
                reason: "no 64-bit nonce".into(),
            }
        })?;
        Ok(Self {
            der: der.to_vec(),
            imprint,
            nonce,
        })
    }

    /// As [`TimestampQuery::new`] with a given nonce (tests, and re-creating a query).
    pub fn with_nonce(data: &[u8], nonce: u64) -> Result<Self, TimestampError> {
        let imprint = imprint_of(data);
        let request = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifier {
                    oid: rfc5912::ID_SHA_256,
                    parameters: Some(Any::null()),
                },
                hashed_message: OctetString::new(imprint.to_vec()).map_err(malformed("query"))?,
            },
            req_policy: None,
            nonce: Some(Int::new(&positive_int_bytes(nonce)).map_err(malformed("query"))?),
            cert_req: true,
            extensions: None,
        };
        Ok(Self {
            der: request.to_der().map_err(malformed("query"))?,
            imprint,
            nonce,
        })
    }
}

/// The big-endian bytes of a non-negative INTEGER, minimal, with a zero byte where the
/// high bit would otherwise make it negative.
fn positive_int_bytes(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    let mut out = Vec::with_capacity(9);
    if bytes[first] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[first..]);
    out
}

fn int_to_u64(int: &Int) -> Option<u64> {
    let bytes = int.as_bytes();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return None; // negative
    }
    let significant: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    (significant.len() <= 8).then(|| {
        significant
            .iter()
            .fold(0u64, |value, &b| (value << 8) | u64::from(b))
    })
}

/// The certificates a TSA's tokens must chain to (a CA, or the TSA certificate itself).
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    certificates: Vec<CertificateDer<'static>>,
}

impl TrustAnchors {
    /// Reads every `CERTIFICATE` in PEM text (or one DER certificate).
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, TimestampError> {
        let certificates: Vec<CertificateDer<'static>> =
            if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
                CertificateDer::pem_slice_iter(bytes)
                    .collect::<Result<_, _>>()
                    .map_err(|e| TimestampError::BadAnchors(e.to_string()))?
            } else {
                vec![CertificateDer::from(bytes.to_vec())]
            };
        if certificates.is_empty() {
            return Err(TimestampError::BadAnchors("no certificate found".into()));
        }
        for certificate in &certificates {
            webpki::anchor_from_trusted_cert(certificate)
                .map_err(|e| TimestampError::BadAnchors(e.to_string()))?;
        }
        Ok(Self { certificates })
    }

    /// True when no anchor is configured: a token's chain cannot be checked.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    /// The anchors' DER certificates (for a bundle's chain file).
    pub fn certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.certificates.iter().map(|c| c.as_ref())
    }
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// When the TSA says it stamped the data (`genTime`), RFC 3339 UTC.
    pub gen_time: String,
    /// `genTime` as seconds since the Unix epoch.
    pub gen_time_unix: u64,
    /// The token's serial number, hex.
    pub serial: String,
    /// The TSA policy the token was issued under (dotted OID).
    pub policy: String,
    /// The TSA certificate that signed the token, DER.
    pub tsa_certificate: Vec<u8>,
    /// The token's other certificates (intermediates), DER.
    pub other_certificates: Vec<Vec<u8>>,
    /// True when the TSA certificate was checked to chain to a trust anchor; false when
    /// none was configured (the signature was checked with the certificate the token
    /// carries, whose authority then rests on the reader's own trust in it).
    pub anchored: bool,
}

/// Checks a TSA's reply (DER `TimeStampResp`) for data whose SHA-256 is `imprint`, with
/// the query's `nonce` when known; see the module doc for every link checked.
pub fn verify_reply(
    reply: &[u8],
    imprint: &[u8; 32],
    nonce: Option<u64>,
    anchors: &TrustAnchors,
) -> Result<VerifiedTimestamp, TimestampError> {
    let response = TimeStampResp::from_der(reply).map_err(malformed("reply"))?;
    let status = response.status.status as u8;
    if !GRANTED.contains(&status) {
        let text = response
            .status
            .status_string
            .as_ref()
            .map(|texts| {
                let parts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
                format!(": {}", parts.join("; "))
            })
            .unwrap_or_default();
        return Err(TimestampError::NotGranted { status, text });
    }
    let token = response
        .time_stamp_token
        .ok_or_else(|| TimestampError::Malformed {
            what: "reply",
            reason: "granted but no token".into(),
        })?;
    verify_token_content(&token, imprint, nonce, anchors)
}

fn verify_token_content(
    token: &cms::content_info::ContentInfo,
    imprint: &[u8; 32],
    nonce: Option<u64>,
    anchors: &TrustAnchors,
) -> Result<VerifiedTimestamp, TimestampError> {
    if token.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(TimestampError::Malformed {
            what: "token",
            reason: format!("content type {} is not signedData", token.content_type),
        });
    }
    let signed: cms::signed_data::SignedData =
        token.content.decode_as().map_err(malformed("token"))?;
    if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TimestampError::Malformed {
            what: "token",
            reason: "its content is not a TSTInfo".into(),
        });
    }
    let econtent =
        signed
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| TimestampError::Malformed {
                what: "token",
                reason: "no TSTInfo content".into(),
            })?;
    // The eContent is an OCTET STRING holding the TSTInfo's DER; the signature covers it.
    let tst_der = econtent.value();
    let tst = TstInfo::from_der(tst_der).map_err(malformed("TSTInfo"))?;

    let stamped = &tst.message_imprint;
    if stamped.hash_algorithm.oid != rfc5912::ID_SHA_256
        || stamped.hashed_message.as_bytes() != imprint
    {
        return Err(TimestampError::WrongImprint {
            expected: hex_string(imprint),
            found: format!(
                "{} {}",
                stamped.hash_algorithm.oid,
                hex_string(stamped.hashed_message.as_bytes())
            ),
        });
    }
    if let Some(expected) = nonce {
        let found = tst.nonce.as_ref().and_then(int_to_u64);
        if found != Some(expected) {
            return Err(TimestampError::WrongNonce {
                expected,
                found: found.map_or_else(|| "none".into(), |n| n.to_string()),
            });
        }
    }

    let signer = match signed.signer_infos.0.as_slice() {
        [signer] => signer,
        others => {
            return Err(TimestampError::Malformed {
                what: "token",
                reason: format!("{} signers, not one", others.len()),
            });
        }
    };
    let certificates: Vec<Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            cms::cert::CertificateChoices::Other(_) => None,
        })
        .collect();
    let signer_index = certificates
        .iter()
        .position(|c| names_signer(c, &signer.sid))
        .ok_or(TimestampError::NoSignerCertificate)?;
    let tsa_certificate = certificates[signer_index]
        .to_der()
        .map_err(malformed("certificate"))?;
    let other_certificates = certificates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != signer_index)
        .map(|(_, c)| c.to_der().map_err(malformed("certificate")))
        .collect::<Result<Vec<_>, _>>()?;
    check_tsa_usage(&certificates[signer_index])?;

    // The signature is over the DER of the signed attributes (as a SET), which must name
    // the TSTInfo content type and carry the TSTInfo's digest (RFC 5652 §5.4).
    let attributes = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| TimestampError::BadSignature("no signed attributes".into()))?;
    let digest = digest_with(&signer.digest_alg.oid, tst_der)?;
    let mut content_type_ok = false;
    let mut digest_ok = false;
    for attribute in attributes.iter() {
        let value = attribute.values.iter().next();
        if attribute.oid == rfc5911::ID_CONTENT_TYPE {
            content_type_ok = value
                .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
                .is_some_and(|oid| oid == ID_CT_TST_INFO);
        } else if attribute.oid == rfc5911::ID_MESSAGE_DIGEST {
            digest_ok = value
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .is_some_and(|d| d.as_bytes() == digest.as_slice());
        }
    }
    if !content_type_ok {
        return Err(TimestampError::BadSignature(
            "the signed content-type attribute is not TSTInfo".into(),
        ));
    }
    if !digest_ok {
        return Err(TimestampError::BadSignature(
            "the signed message-digest attribute is not the TSTInfo's digest: the TSTInfo was altered".into(),
        ));
    }
    let signed_bytes = attributes
        .to_der()
        .map_err(malformed("signed attributes"))?;
    let tsa_der = CertificateDer::from(tsa_certificate.as_slice());
    let tsa = webpki::EndEntityCert::try_from(&tsa_der)
        .map_err(|e| TimestampError::NotTsaCertificate(e.to_string()))?;
    let candidates = signature_algorithms(&signer.digest_alg.oid)?;
    let signature = signer.signature.as_bytes();
    if !candidates
        .iter()
        .any(|alg| tsa.verify_signature(*alg, &signed_bytes, signature).is_ok())
    {
        return Err(TimestampError::BadSignature(
            "it does not verify under the TSA certificate's key".into(),
        ));
    }

    let gen_time_unix = tst.gen_time.to_unix_duration().as_secs();
    if !anchors.is_empty() {
        let trust: Vec<_> = anchors
            .certificates
            .iter()
            .map(webpki::anchor_from_trusted_cert)
            .collect::<Result<_, _>>()
            .map_err(|e| TimestampError::BadAnchors(e.to_string()))?;
        let intermediates: Vec<CertificateDer<'_>> = other_certificates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        // Valid when it stamped, not necessarily now: a token outlives its TSA certificate.
        let at = UnixTime::since_unix_epoch(tst.gen_time.to_unix_duration());
        tsa.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust,
            &intermediates,
            at,
            webpki::KeyUsage::required(TIME_STAMPING_EKU),
            None,
            None,
        )
        .map_err(|e| TimestampError::Untrusted(e.to_string()))?;
    }
    Ok(VerifiedTimestamp {
        gen_time: rfc3339(&tst.gen_time),
        gen_time_unix,
        serial: hex_string(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        tsa_certificate,
        other_certificates,
        anchored: !anchors.is_empty(),
    })
}

/// Whether `certificate` is the one a signer identifier names.
fn names_signer(certificate: &Certificate, sid: &cms::signed_data::SignerIdentifier) -> bool {
    let tbs = &certificate.tbs_certificate;
    match sid {
        cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(named) => {
            tbs.issuer == named.issuer && tbs.serial_number == named.serial_number
        }
        cms::signed_data::SignerIdentifier::SubjectKeyIdentifier(named) => tbs
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == rfc5912::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .filter_map(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
            .any(|ski| ski == *named),
    }
}

/// RFC 3161 §2.3: a TSA certificate has one extended key usage, `timeStamping`, marked
/// critical.
fn check_tsa_usage(certificate: &Certificate) -> Result<(), TimestampError> {
    let extension = certificate
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == rfc5912::ID_CE_EXT_KEY_USAGE)
        .ok_or_else(|| TimestampError::NotTsaCertificate("it has no extended key usage".into()))?;
    if !extension.critical {
        return Err(TimestampError::NotTsaCertificate(
            "its extended key usage is not critical".into(),
        ));
    }
    let usage = ExtendedKeyUsage::from_der(extension.extn_value.as_bytes())
        .map_err(malformed("extended key usage"))?;
    if usage.0 != [rfc5912::ID_KP_TIME_STAMPING] {
        return Err(TimestampError::NotTsaCertificate(
            "its extended key usage is not timeStamping alone".into(),
        ));
    }
    Ok(())
}

fn digest_with(algorithm: &ObjectIdentifier, data: &[u8]) -> Result<Vec<u8>, TimestampError> {
    Ok(match *algorithm {
        rfc5912::ID_SHA_256 => Sha256::digest(data).to_vec(),
        rfc5912::ID_SHA_384 => Sha384::digest(data).to_vec(),
        rfc5912::ID_SHA_512 => Sha512::digest(data).to_vec(),
        other => return Err(TimestampError::Unsupported(format!("digest {other}"))),
    })
}

/// The signature algorithms that sign with `digest`: the key's type picks one (webpki
/// refuses an algorithm whose key type is not the certificate's).
fn signature_algorithms(
    digest: &ObjectIdentifier,
) -> Result<Vec<&'static dyn rustls_pki_types::SignatureVerificationAlgorithm>, TimestampError> {
    Ok(match *digest {
        rfc5912::ID_SHA_256 => vec![
            algs::RSA_PKCS1_2048_8192_SHA256,
            algs::ECDSA_P256_SHA256,
            algs::ECDSA_P384_SHA256,
        ],
        rfc5912::ID_SHA_384 => vec![
            algs::RSA_PKCS1_2048_8192_SHA384,
            algs::ECDSA_P256_SHA384,
            algs::ECDSA_P384_SHA384,
        ],
        rfc5912::ID_SHA_512 => vec![
            algs::RSA_PKCS1_2048_8192_SHA512,
            algs::ECDSA_P256_SHA512,
            algs::ECDSA_P384_SHA512,
        ],
        other => return Err(TimestampError::Unsupported(format!("digest {other}"))),
    })
}

fn rfc3339(time: &GeneralizedTime) -> String {
    let t = time.to_date_time();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    )
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_carries_the_imprint_and_a_positive_nonce() {
        for nonce in [0, 1, 0x7f, 0x80, 0xffff, u64::MAX >> 1] {
            let query = TimestampQuery::with_nonce(b"checkpoint\n", nonce).expect("query");
            let decoded = TimeStampReq::from_der(&query.der).expect("decodes");
            assert!(decoded.cert_req);
            assert_eq!(
                decoded.message_imprint.hashed_message.as_bytes(),
                Sha256::digest(b"checkpoint\n").as_slice()
            );
            assert_eq!(decoded.nonce.as_ref().and_then(int_to_u64), Some(nonce));
            assert_eq!(
                TimestampQuery::from_der(&query.der).expect("reads back"),
                query
            );
        }
    }

    #[test]
    fn garbage_is_refused_as_malformed() {
        let refused = verify_reply(b"not der", &[0; 32], None, &TrustAnchors::default());
        assert!(matches!(refused, Err(TimestampError::Malformed { .. })));
        assert!(TrustAnchors::from_pem_or_der(b"-----BEGIN CERTIFICATE-----\n").is_err());
    }
}
