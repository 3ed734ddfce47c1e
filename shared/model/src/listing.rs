//! What the crawler found: listings on marketplaces and products in fair catalogs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Marketplace,
    FairCatalog,
}

/// One fetch, kept as evidence: what was asked, what came back, when, with digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    pub id: String,
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub content_type: String,
    pub fetched_at: DateTime<Utc>,
    /// SHA-256 of the response body in the blob store.
    pub body_digest: String,
    pub body_len: u64,
    /// The address the crawler actually connected to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_addr: Option<String>,
    /// SHA-256 of the WARC records (request, response, metadata) of this fetch in the blob
    /// store: the exchange as evidence, with block and payload digests of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_digest: Option<String>,
    /// The WARC-Record-ID of the response record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_record_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingImage {
    pub url: String,
    /// SHA-256 of the fetched bytes; `None` if the fetch failed (the reason is in `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where an exhibitor product was shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExhibitorRef {
    pub fair: String,
    pub booth: String,
    pub company: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// `stable_id("lst", [source_id, url])`.
    pub id: String,
    pub source_id: String,
    pub source_kind: SourceKind,
    /// The platform (or fair) whose notice handler must receive complaints about it.
    pub platform: String,
    pub url: String,
    pub seller: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub images: Vec<ListingImage>,
    pub captured_at: DateTime<Utc>,
    /// The capture of the page the listing was read from.
    pub capture_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exhibitor: Option<ExhibitorRef>,
    /// The market the listing is offered on, as the source's configuration declares it: an
    /// ISO 3166 alpha-2 code, or "EU" (a fair catalog's market is the fair's country).
    /// `None` when unknown; the matcher then applies every right wherever it is registered.
    /// Absent from JSON written before markets existed, and left out when `None`, so old
    /// and new readers and writers agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// Which extraction rule gave each field the crawler read, by field name: e.g.
    /// `"seller"` → `"key-value th/td: Seller"` or `"json-ld offers.seller"`, so a reviewer
    /// sees why a seller was named. Absent from older JSON and left out when empty.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub provenance: std::collections::BTreeMap<String, String>,
}

/// An exhibitor of a fair, as its catalog shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exhibitor {
    pub id: String,
    pub fair: String,
    pub booth: String,
    pub company: String,
    /// Ids of the listings made from its products.
    pub products: Vec<String>,
}

/// The perceptual hashes of one listing image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashedImage {
    pub digest: String,
    /// Hashes of the whole image and of its regions, as produced by the matching crate.
    #[serde(default)]
    pub hashes: Vec<RegionHash>,
    /// Why the image was not hashed (undecodable, too large, too little information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// A hash of the whole image (`region` = None) or of a window of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionHash {
    /// "phash64" for now; PDQ and others join later.
    pub algorithm: String,
    /// The hash bits, hex.
    pub bits: String,
    /// `[x, y, w, h]` as fractions of the image, or None for the whole image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<[f32; 4]>,
}

/// A listing with the hashes of its images: what the matcher consumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashedListing {
    pub listing: Listing,
    pub images: Vec<HashedImage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing_json() -> serde_json::Value {
        serde_json::json!({
            "id": "lst_1", "source_id": "shop", "source_kind": "marketplace",
            "platform": "shop", "url": "http://shop.test/1", "seller": "s", "title": "bag",
            "images": [], "captured_at": "2026-06-01T00:00:00Z", "capture_id": "cap"
        })
    }

    /// Listings stored and published before markets existed still read, as of no known
    /// market; a listing without a market writes the same JSON as before.
    #[test]
    fn a_listing_without_a_market_reads_and_writes_as_before() {
        let old: Listing = serde_json::from_value(listing_json()).expect("old JSON");
        assert_eq!(old.market, None);
        assert_eq!(serde_json::to_value(&old).expect("json"), listing_json());
    }

    #[test]
    fn a_market_survives_a_round_trip() {
        let mut json = listing_json();
        json["market"] = "DE".into();
        let listing: Listing = serde_json::from_value(json.clone()).expect("JSON");
        assert_eq!(listing.market.as_deref(), Some("DE"));
        assert_eq!(serde_json::to_value(&listing).expect("json"), json);
    }

    #[test]
    fn provenance_survives_a_round_trip_and_old_json_has_none() {
        let old: Listing = serde_json::from_value(listing_json()).expect("old JSON");
        assert!(old.provenance.is_empty());
        let mut json = listing_json();
        json["provenance"] = serde_json::json!({"seller": "key-value th/td: Seller"});
        let listing: Listing = serde_json::from_value(json.clone()).expect("JSON");
        assert_eq!(
            listing.provenance.get("seller").map(String::as_str),
            Some("key-value th/td: Seller")
        );
        assert_eq!(serde_json::to_value(&listing).expect("json"), json);
    }
}
