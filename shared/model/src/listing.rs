//! What the crawler found: listings on marketplaces and products in fair catalogs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of site a source is; decides how pages are read and which regime's notice fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An online marketplace: product pages with a seller.
    Marketplace,
    /// A trade fair's exhibitor catalog: exhibitors with booths and products.
    FairCatalog,
}

/// One fetch, kept as evidence: what was asked, what came back, when, with digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// `stable_id` of the fetch; what listings and notices cite.
    pub id: String,
    /// The URL asked for.
    pub url: String,
    /// The URL answered, after redirects.
    pub final_url: String,
    /// The HTTP status of the final response.
    pub status: u16,
    /// The response's `Content-Type`.
    pub content_type: String,
    /// When the response was received.
    pub fetched_at: DateTime<Utc>,
    /// SHA-256 of the response body in the blob store.
    pub body_digest: String,
    /// The body's length in bytes.
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

/// One image of a listing as the crawler fetched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingImage {
    /// Where the image was found (the largest rendition the page offers).
    pub url: String,
    /// SHA-256 of the fetched bytes; `None` if the fetch failed (the reason is in `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The capture of the image's fetch, when it was fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_id: Option<String>,
    /// Why the image could not be fetched, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Where an exhibitor product was shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExhibitorRef {
    /// The fair's name.
    pub fair: String,
    /// The booth number as the catalog gives it.
    pub booth: String,
    /// The exhibiting company.
    pub company: String,
}

/// One offer as the crawler read it from a marketplace page or a fair catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// `stable_id("lst", [source_id, url])`.
    pub id: String,
    /// The configured source it was crawled from.
    pub source_id: String,
    /// Marketplace or fair catalog.
    pub source_kind: SourceKind,
    /// The platform (or fair) whose notice handler must receive complaints about it.
    pub platform: String,
    /// The listing's address, normalized.
    pub url: String,
    /// The seller as the page names it (see `provenance` for how it was read).
    pub seller: String,
    /// The offer's title: what word marks are matched against.
    pub title: String,
    /// The price as shown, when the page shows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// The price's currency (ISO 4217), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The product images, largest rendition each.
    pub images: Vec<ListingImage>,
    /// When the page was fetched.
    pub captured_at: DateTime<Utc>,
    /// The capture of the page the listing was read from.
    pub capture_id: String,
    /// The fair, booth and company, for a fair catalog's product.
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
    /// `stable_id` of the exhibitor within its fair.
    pub id: String,
    /// The fair's name.
    pub fair: String,
    /// The booth number.
    pub booth: String,
    /// The company's name.
    pub company: String,
    /// Ids of the listings made from its products.
    pub products: Vec<String>,
}

/// The perceptual hashes of one listing image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HashedImage {
    /// SHA-256 of the image bytes: the key the hashes are stored and cited under.
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
    /// The listing as crawled.
    pub listing: Listing,
    /// Its images' hashes, in the listing's image order.
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
