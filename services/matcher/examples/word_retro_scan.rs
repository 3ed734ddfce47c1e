//! How fast a word-mark retro-hunt scans the stored listings: `retro::hunt` for a few
//! arriving word marks over N listings in SQLite, read in keyset pages
//! (`Store::listings_page`), each title searched for the arriving marks, the candidates
//! decided in full.
//!
//! ```sh
//! cargo run --release -p takedown-matcher --example word_retro_scan -- [--n 100000] [--marks 5]
//! ```
//!
//! Titles are drawn (seeded) from ordinary product words; the marks are planted in a few of
//! them, and the hunt must find exactly those. Besides the whole hunt it times the page
//! reads alone, to tell the store's share from the title search's.

#![forbid(unsafe_code)]

use std::{collections::BTreeSet, time::Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown_matcher::{RightsView, retro};
use takedown_model::{Listing, Right, RightKind, SourceKind, stable_id};
use takedown_store::{BlobStore, Store};
use tokio::sync::Mutex;

const WORDS: &[&str] = &[
    "leather",
    "bag",
    "sports",
    "running",
    "shoe",
    "men",
    "women",
    "kids",
    "cotton",
    "shirt",
    "black",
    "white",
    "red",
    "blue",
    "travel",
    "backpack",
    "waterproof",
    "jacket",
    "winter",
    "summer",
    "watch",
    "steel",
    "wallet",
    "belt",
    "cap",
    "hoodie",
    "size",
    "large",
    "small",
    "new",
    "2026",
    "sale",
    "original",
    "gift",
    "set",
    "pack",
    "outdoor",
    "hiking",
    "bottle",
];
const MARKS: &[&str] = &[
    "VELOTRAX", "ZENTARO", "QUORVEX", "BLAUFEN", "MIRADOLT", "KESTRYN",
];
const PLANTED_EVERY: usize = 1_000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn word_mark(n: usize, mark: &str) -> Right {
    Right {
        id: format!("r-{n}"),
        owner_id: "acme".into(),
        kind: RightKind::WordMark,
        name: mark.into(),
        registration_number: format!("EU-{n}"),
        office: "EUIPO".into(),
        classes: vec![],
        territories: vec![],
        valid_from: None,
        valid_until: None,
        images: vec![],
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = arg("--n", 100_000);
    let marks = arg("--marks", 5).clamp(1, MARKS.len());
    let mut rng = StdRng::seed_from_u64(7);
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store.db")).await?;
    let blobs = BlobStore::open(&dir.path().join("blobs"))?;

    let start = Instant::now();
    let mut planted = BTreeSet::new();
    for i in 0..n {
        let words = rng.random_range(3..9);
        let mut title: Vec<&str> = (0..words)
            .map(|_| WORDS[rng.random_range(0..WORDS.len())])
            .collect();
        let url = format!("http://shop.test/item/{i}");
        let id = stable_id("lst", &["shop", &url]);
        if i % PLANTED_EVERY == 0 {
            title.insert(rng.random_range(0..title.len()), MARKS[i % marks]);
            planted.insert(id.clone());
        }
        let listing = Listing {
            id,
            source_id: "shop".into(),
            source_kind: SourceKind::Marketplace,
            platform: "shop".into(),
            url,
            seller: format!("seller-{}", i % 977),
            title: title.join(" "),
            price: Some("19.99".into()),
            currency: Some("EUR".into()),
            images: vec![],
            captured_at: chrono::Utc::now(),
            capture_id: format!("cap_{i}"),
            exhibitor: None,
            market: Some("DE".into()),
            provenance: Default::default(),
        };
        store.upsert_listing(&listing).await?;
    }
    println!(
        "{n} listings stored in {:.1} s, {} with a mark",
        start.elapsed().as_secs_f64(),
        planted.len()
    );

    // The page reads alone.
    let start = Instant::now();
    let mut after: Option<String> = None;
    let mut read = 0usize;
    loop {
        let page = store.listings_page(after.as_deref(), 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        read += page.len();
    }
    let reads = start.elapsed();
    assert_eq!(read, n);
    println!(
        "pages read: {:.3} s, {:.0} listings/s",
        reads.as_secs_f64(),
        n as f64 / reads.as_secs_f64()
    );

    // The hunt: the arriving marks, one pass over the listings, candidates decided.
    let rights: Vec<Right> = (0..marks).map(|k| word_mark(k, MARKS[k])).collect();
    let mut view = RightsView::default();
    let arrived = view.apply(rights, &blobs);
    let view = Mutex::new(view);
    let start = Instant::now();
    let found = retro::hunt(&store, &view, &arrived).await?;
    let hunt = start.elapsed();
    let found_ids: BTreeSet<String> = found.iter().map(|m| m.listing_id.clone()).collect();
    assert_eq!(
        found_ids, planted,
        "the hunt finds exactly the planted titles"
    );
    println!(
        "hunt ({marks} marks): {:.3} s, {:.0} listings/s, {} matches",
        hunt.as_secs_f64(),
        n as f64 / hunt.as_secs_f64(),
        found.len()
    );
    store.close().await;
    Ok(())
}
