//! The matcher follows the registry while it runs: a right registered after a listing was
//! crawled is taken in at the next registry tick and retro-hunted over the stored listing
//! hashes (images) and listings (word marks), its match published through the normal path,
//! once.
//!
//! Ticks are injected (`run_with_ticks`), so nothing here waits for a clock; the waits are
//! bounded polls for the effects of work already triggered.

use std::{sync::Arc, time::Duration};

use takedown_bus::{Bus, Consumer, EmbeddedBus, Topic};
use takedown_matcher::{Matcher, Refreshed};
use takedown_matching::{ImageLimits, hash_query};
use takedown_model::{
    AuthorizedSeller, Envelope, ExhibitorRef, HashedImage, HashedListing, Listing, ListingImage,
    Match, Right, RightImage, RightKind, SourceKind, Tenant, TenantKind, stable_id,
};
use takedown_store::{BlobStore, Store};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    bus: Arc<EmbeddedBus>,
    blobs: BlobStore,
    logo: Vec<u8>,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store.db"))
        .await
        .expect("store");
    let bus = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    let blobs = BlobStore::open(&dir.path().join("blobs")).expect("blobs");
    store
        .upsert_tenant(&Tenant {
            id: "acme".into(),
            kind: TenantKind::BrandOwner,
            name: "Acme".into(),
            contact_email: None,
        })
        .await
        .expect("tenant");
    let sample = takedown_sample::generate();
    let logo = sample.owner_images[0].1.clone();
    World {
        _dir: dir,
        store,
        bus,
        blobs,
        logo,
    }
}

fn logo_right(digest: &str) -> Right {
    Right {
        id: "r-logo".into(),
        owner_id: "acme".into(),
        kind: RightKind::LogoMark,
        name: "Acme logo".into(),
        registration_number: "EU-1".into(),
        office: "EUIPO".into(),
        classes: vec!["25".into()],
        territories: vec!["EU".into()],
        valid_from: None,
        valid_until: None,
        images: vec![RightImage {
            view: "logo".into(),
            digest: digest.into(),
        }],
    }
}

/// A listing showing `image` (its bytes hashed as the hasher would), stored as the crawler
/// stores it.
async fn listing(w: &World, n: u32, image: &[u8]) -> HashedListing {
    let digest = w.blobs.put(image).expect("put");
    let url = format!("http://shop.test/item/{n}");
    let listing = Listing {
        id: stable_id("lst", &["shop", &url]),
        source_id: "shop".into(),
        source_kind: SourceKind::Marketplace,
        platform: "shop".into(),
        url,
        seller: "copycat".into(),
        title: "Sports bag".into(),
        price: None,
        currency: None,
        images: vec![ListingImage {
            url: "http://shop.test/img.png".into(),
            digest: Some(digest.clone()),
            capture_id: None,
            error: None,
        }],
        captured_at: chrono::Utc::now(),
        capture_id: "cap".into(),
        exhibitor: None,
        market: None,
        provenance: Default::default(),
    };
    w.store.upsert_listing(&listing).await.expect("listing");
    let hashes = hash_query(image, &ImageLimits::default()).expect("hash");
    HashedListing {
        listing,
        images: vec![HashedImage {
            digest,
            hashes,
            refused: None,
        }],
    }
}

/// Collects published matches into `seen` until it holds `want` or `polls` polls of 100 ms
/// found nothing more to add.
async fn matches(consumer: &mut Box<dyn Consumer>, seen: &mut Vec<Match>, want: usize) {
    poll_matches(consumer, seen, want, 100).await
}

/// As [`matches`] when nothing (more) is expected: a short bound.
async fn no_more_matches(consumer: &mut Box<dyn Consumer>, seen: &mut Vec<Match>) {
    let want = seen.len() + 1;
    poll_matches(consumer, seen, want, 5).await
}

async fn poll_matches(
    consumer: &mut Box<dyn Consumer>,
    seen: &mut Vec<Match>,
    want: usize,
    polls: usize,
) {
    for _ in 0..polls {
        if seen.len() >= want {
            return;
        }
        for m in consumer
            .poll(100, Duration::from_millis(100))
            .await
            .expect("poll")
        {
            seen.push(Envelope::<Match>::decode(&m.payload).expect("match"));
        }
    }
}

/// A matcher consuming hashed listings whose registry refreshes only when the test ticks it.
struct Ticked {
    matcher: Arc<Matcher>,
    tick: mpsc::Sender<()>,
    cancel: CancellationToken,
    running: tokio::task::JoinHandle<Result<(), takedown_matcher::MatcherError>>,
}

fn ticked(w: &World) -> Ticked {
    let matcher = Arc::new(Matcher::new(
        w.bus.clone(),
        w.store.clone(),
        w.blobs.clone(),
    ));
    let (tick, ticks) = mpsc::channel(1);
    let cancel = CancellationToken::new();
    let running = {
        let (matcher, cancel) = (matcher.clone(), cancel.clone());
        tokio::spawn(async move { matcher.run_with_ticks(&cancel, ticks).await })
    };
    Ticked {
        matcher,
        tick,
        cancel,
        running,
    }
}

impl Ticked {
    async fn stop(self) {
        self.cancel.cancel();
        self.running.await.expect("join").expect("matcher");
    }
}

/// Publishes a hashed listing as the hasher would.
async fn publish_hashed(w: &World, hashed: &HashedListing) {
    w.bus
        .publish(
            Topic::HashedListings,
            &hashed.listing.id,
            &Envelope::encode(hashed),
        )
        .await
        .expect("publish");
}

/// Waits (bounded) until the matcher has stored the hashes of `n` listing images.
async fn wait_for_stored_hashes(w: &World, n: u64) {
    for _ in 0..100 {
        if w.store.listing_image_hash_count().await.expect("count") == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the matcher did not store {n} listing images' hashes");
}

#[tokio::test]
async fn a_right_registered_after_a_listing_was_crawled_gets_its_match_once() {
    let w = world().await;
    let live = ticked(&w);
    let matcher = live.matcher.clone();
    let mut out = w.bus.subscribe("test", Topic::Matches).await.expect("sub");
    let mut seen = Vec::new();

    // Crawled and hashed before the right exists: no match, hashes kept.
    let before = listing(&w, 1, &w.logo).await;
    publish_hashed(&w, &before).await;
    wait_for_stored_hashes(&w, 1).await;
    no_more_matches(&mut out, &mut seen).await;
    assert!(seen.is_empty(), "nothing to match yet: {seen:?}");

    // The right is registered; one registry tick later it is matchable and hunted.
    let digest = w.blobs.put(&w.logo).expect("put");
    w.store
        .upsert_right(&logo_right(&digest))
        .await
        .expect("right");
    assert!(!matcher.knows_right("r-logo").await);
    live.tick.send(()).await.expect("tick");
    matches(&mut out, &mut seen, 1).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].right_id, "r-logo");
    assert_eq!(seen[0].listing_id, before.listing.id);
    assert_eq!(
        seen[0].id,
        stable_id("mat", &[&before.listing.id, "r-logo"]),
        "the id the live path would give: filing is idempotent"
    );
    assert!(matcher.knows_right("r-logo").await);

    // A listing crawled now matches on the live path.
    let after = listing(&w, 2, &w.logo).await;
    publish_hashed(&w, &after).await;
    matches(&mut out, &mut seen, 2).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].listing_id, after.listing.id);

    live.stop().await;

    // Another matcher process on the same store: the right is taken in, not hunted again.
    let again = Matcher::new(w.bus.clone(), w.store.clone(), w.blobs.clone());
    assert_eq!(
        again.refresh_registry().await.expect("refresh"),
        Refreshed {
            arrived: 1,
            hunted: 0,
            retro_matches: 0
        }
    );
    no_more_matches(&mut out, &mut seen).await;
    assert_eq!(seen.len(), 2, "nothing new: {seen:?}");
}

#[tokio::test]
async fn a_right_changed_is_hunted_again_and_a_right_not_in_force_finds_nothing() {
    let w = world().await;
    let before = listing(&w, 1, &w.logo).await;
    w.store
        .put_listing_image_hashes(&before.listing.id, &before.images)
        .await
        .expect("hashes");
    let matcher = Matcher::new(w.bus.clone(), w.store.clone(), w.blobs.clone());
    assert_eq!(
        matcher.refresh_registry().await.expect("empty registry"),
        Refreshed::default()
    );

    // Registered with validity starting after the listing was captured: no match.
    let digest = w.blobs.put(&w.logo).expect("put");
    let mut right = logo_right(&digest);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    right.valid_from = Some(tomorrow);
    w.store.upsert_right(&right).await.expect("right");
    let first = matcher.refresh_registry().await.expect("refresh");
    assert_eq!(
        (first.arrived, first.hunted, first.retro_matches),
        (1, 1, 0)
    );

    // Corrected to be in force: a changed registration, hunted again, and it matches.
    right.valid_from = None;
    w.store.upsert_right(&right).await.expect("right");
    let second = matcher.refresh_registry().await.expect("refresh");
    assert_eq!(
        (second.arrived, second.hunted, second.retro_matches),
        (1, 1, 1)
    );
    // Unchanged registry: nothing to do.
    assert_eq!(
        matcher.refresh_registry().await.expect("refresh"),
        Refreshed::default()
    );
}

/// Two matchers, each refreshing on its own clock: one takes a new right in and hunts it,
/// while the other, not yet refreshed, decides a listing without it. When the second takes
/// the right in, it hunts too, although the right is recorded as hunted: the listing it
/// decided without the right gets its match.
#[tokio::test]
async fn a_listing_decided_by_a_matcher_behind_the_registry_is_hunted_by_it() {
    let w = world().await;
    let behind = ticked(&w);
    let mut out = w.bus.subscribe("test", Topic::Matches).await.expect("sub");
    let mut seen = Vec::new();

    // A first listing, decided before the right exists: the matcher is consuming.
    let first = listing(&w, 1, &w.logo).await;
    publish_hashed(&w, &first).await;
    wait_for_stored_hashes(&w, 1).await;

    // The right is registered; another matcher takes it in and hunts it at once.
    let digest = w.blobs.put(&w.logo).expect("put");
    w.store
        .upsert_right(&logo_right(&digest))
        .await
        .expect("right");
    let ahead = Matcher::new(w.bus.clone(), w.store.clone(), w.blobs.clone());
    assert_eq!(ahead.refresh_registry().await.expect("refresh").hunted, 1);

    // A second listing reaches the matcher that has not refreshed since: no match yet.
    let second = listing(&w, 2, &w.logo).await;
    publish_hashed(&w, &second).await;
    wait_for_stored_hashes(&w, 2).await;
    assert!(!behind.matcher.knows_right("r-logo").await);

    // Its registry tick: the right arrives and is hunted over both listings.
    behind.tick.send(()).await.expect("tick");
    matches(&mut out, &mut seen, 3).await;
    let listings: std::collections::BTreeSet<_> =
        seen.iter().map(|m| m.listing_id.clone()).collect();
    assert!(
        listings.contains(&second.listing.id),
        "the listing decided without the right got its match: {seen:?}"
    );
    assert!(listings.contains(&first.listing.id), "{seen:?}");
    behind.stop().await;
}

fn word_mark(mark: &str, territories: &[&str]) -> Right {
    Right {
        id: "r-word".into(),
        owner_id: "acme".into(),
        kind: RightKind::WordMark,
        name: mark.into(),
        registration_number: "EU-2".into(),
        office: "EUIPO".into(),
        classes: vec!["18".into()],
        territories: territories.iter().map(|t| (*t).to_owned()).collect(),
        valid_from: None,
        valid_until: None,
        images: vec![],
    }
}

/// A listing as the crawler stores it: no hashes stored, the matcher may never have seen it.
async fn crawled(w: &World, n: u32, title: &str, seller: &str, market: Option<&str>) -> Listing {
    let url = format!("http://shop.test/item/{n}");
    let listing = Listing {
        id: stable_id("lst", &["shop", &url]),
        source_id: "shop".into(),
        source_kind: SourceKind::Marketplace,
        platform: "shop".into(),
        url,
        seller: seller.into(),
        title: title.into(),
        price: None,
        currency: None,
        images: vec![],
        captured_at: chrono::Utc::now(),
        capture_id: "cap".into(),
        exhibitor: None,
        market: market.map(str::to_owned),
        provenance: Default::default(),
    };
    w.store.upsert_listing(&listing).await.expect("listing");
    listing
}

/// A word mark registered after listings were crawled finds them by title, through the
/// same decision as the live path: a listing and an exhibitor product carrying the mark
/// match; a title without it, a market outside the mark's territory and an authorized
/// seller do not.
#[tokio::test]
async fn a_word_mark_registered_later_is_hunted_over_stored_titles() {
    let w = world().await;
    let mut out = w.bus.subscribe("test", Topic::Matches).await.expect("sub");
    let plain = crawled(&w, 1, "VELOTRAX trail bag 30 l", "copycat", Some("DE")).await;
    let mut product = crawled(&w, 2, "Velotrax helmet", "Knockoff Co", None).await;
    product.source_kind = SourceKind::FairCatalog;
    product.exhibitor = Some(ExhibitorRef {
        fair: "fair".into(),
        booth: "H3-12".into(),
        company: "Knockoff Co".into(),
    });
    w.store.upsert_listing(&product).await.expect("product");
    let unrelated = crawled(&w, 3, "Sports bag", "copycat", Some("DE")).await;
    let elsewhere = crawled(&w, 4, "VELOTRAX bag", "copycat", Some("CN")).await;
    let licensed = crawled(&w, 5, "VELOTRAX bag", "Velotrax Store", Some("FR")).await;
    w.store
        .add_authorized_seller(&AuthorizedSeller {
            owner_id: "acme".into(),
            platform: "shop".into(),
            seller: "Velotrax Store".into(),
        })
        .await
        .expect("authorized seller");

    let matcher = Matcher::new(w.bus.clone(), w.store.clone(), w.blobs.clone());
    assert_eq!(
        matcher.refresh_registry().await.expect("empty registry"),
        Refreshed::default()
    );
    w.store
        .upsert_right(&word_mark("VELOTRAX", &["EU"]))
        .await
        .expect("right");
    let report = matcher.refresh_registry().await.expect("refresh");
    assert_eq!(
        report,
        Refreshed {
            arrived: 1,
            hunted: 1,
            retro_matches: 2
        }
    );
    let mut seen = Vec::new();
    matches(&mut out, &mut seen, 2).await;
    no_more_matches(&mut out, &mut seen).await;
    let mut found: Vec<&str> = seen.iter().map(|m| m.listing_id.as_str()).collect();
    found.sort_unstable();
    let mut expected = vec![plain.id.as_str(), product.id.as_str()];
    expected.sort_unstable();
    assert_eq!(found, expected, "{seen:?}");
    for m in &seen {
        assert_eq!(m.right_id, "r-word");
        assert_eq!(m.id, stable_id("mat", &[&m.listing_id, "r-word"]));
    }
    for not in [&unrelated, &elsewhere, &licensed] {
        assert!(seen.iter().all(|m| m.listing_id != not.id), "{not:?}");
    }
}
