//! What the rest of the pipeline relies on from the hasher stage, through its public API on
//! the embedded bus and a local blob store — the defaults `takedown run` uses:
//!
//! - a listing in `listings` comes out on `listings.hashed`, keyed by its id, unchanged and
//!   with the hashes of each fetched image (the matching crate's query hashes);
//! - an image that cannot be fetched from the blob store or cannot be decoded is reported
//!   with its reason, and neither loses the listing nor stops the stage;
//! - a payload that does not decode is set aside as a dead letter, and the stage goes on;
//! - a listing delivered again (a redelivery, a recrawl) comes out the same, byte for byte,
//!   and what was handled is committed, so a restarted hasher does not hash it again.

use std::{sync::Arc, time::Duration};

use takedown_bus::{Bus, Consumer, EmbeddedBus, Topic};
use takedown_hasher::{GROUP, Hasher, HasherError};
use takedown_matching::{ImageLimits, hash_query};
use takedown_model::{Envelope, HashedListing, Listing, ListingImage, SourceKind};
use takedown_store::BlobStore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a test waits for the hasher before it calls it stuck.
const PATIENCE: Duration = Duration::from_secs(60);

/// A bus and a blob store in a temporary directory, as `takedown run` opens them.
struct World {
    _dir: tempfile::TempDir,
    bus: Arc<EmbeddedBus>,
    blobs: BlobStore,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let bus = EmbeddedBus::open(&dir.path().join("bus.db"))
        .await
        .expect("open bus");
    let blobs = BlobStore::open(&dir.path().join("blobs")).expect("open blobs");
    World {
        _dir: dir,
        bus: Arc::new(bus),
        blobs,
    }
}

/// A running hasher: cancel it and join the task to stop it.
struct Running {
    cancel: CancellationToken,
    task: JoinHandle<Result<(), HasherError>>,
}

impl Running {
    async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the hasher stops when cancelled")
            .expect("the hasher task does not panic")
            .expect("the hasher stops without an error");
    }
}

/// Starts the hasher as the pipeline does, with the default image limits. The one place
/// that builds the stage, so a change in how it is built touches only this function.
fn start(world: &World) -> Running {
    let hasher = Hasher {
        bus: world.bus.clone(),
        blobs: world.blobs.clone(),
        limits: ImageLimits::default(),
    };
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let task = tokio::spawn(async move { hasher.run(&stop).await });
    Running { cancel, task }
}

/// A photo-like PNG with enough structure to hash: a gradient under a checkerboard and a
/// disc, so every kind of hash (whole, windows, PDQ) has something to see.
fn picture() -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        let checker = ((x / 40 + y / 40) % 2) as u8 * 120;
        let (dx, dy) = (x as i32 - 200, y as i32 - 120);
        let disc = if dx * dx + dy * dy < 60 * 60 { 90 } else { 0 };
        image::Rgb([
            checker.saturating_add((x / 3) as u8),
            checker.saturating_add(disc),
            (y as u8).saturating_add(disc),
        ])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("encode png");
    png.into_inner()
}

fn listing(url: &str, images: Vec<ListingImage>) -> Listing {
    Listing {
        id: takedown_model::stable_id("lst", &["shop", url]),
        source_id: "shop".into(),
        source_kind: SourceKind::Marketplace,
        platform: "shop".into(),
        url: url.into(),
        seller: "Trendy Outlet".into(),
        title: "Running jacket".into(),
        price: Some("19.99".into()),
        currency: Some("EUR".into()),
        images,
        captured_at: chrono::Utc::now(),
        capture_id: "cap_page".into(),
        exhibitor: None,
        market: None,
        provenance: Default::default(),
    }
}

/// An image the crawler fetched and stored under `digest`.
fn fetched(digest: &str) -> ListingImage {
    ListingImage {
        url: format!("http://shop.test/img/{digest}.png"),
        digest: Some(digest.into()),
        capture_id: Some(format!("cap_{}", &digest[..8])),
        error: None,
    }
}

/// Publishes a listing on `listings` as the crawler does (key: its URL).
async fn crawl(world: &World, listing: &Listing) {
    world
        .bus
        .publish(Topic::Listings, &listing.url, &Envelope::encode(listing))
        .await
        .expect("publish listing");
}

/// Reads `listings.hashed` as the matcher would, in a group of its own.
async fn reader(world: &World) -> Box<dyn Consumer> {
    world
        .bus
        .subscribe("test-reader", Topic::HashedListings)
        .await
        .expect("subscribe to listings.hashed")
}

/// The next `count` messages on `listings.hashed`: (key, raw payload, decoded).
async fn next_hashed(
    consumer: &mut dyn Consumer,
    count: usize,
) -> Vec<(String, Vec<u8>, HashedListing)> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while out.len() < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hasher published {} of {count} hashed listings",
            out.len()
        );
        for message in consumer
            .poll(count - out.len(), Duration::from_millis(200))
            .await
            .expect("poll listings.hashed")
        {
            let hashed = Envelope::<HashedListing>::decode(&message.payload)
                .expect("a hashed listing in its envelope");
            consumer.commit(&message).await.expect("commit");
            out.push((message.key, message.payload, hashed));
        }
    }
    out
}

/// Nothing more arrives on `listings.hashed` within a short wait.
async fn assert_nothing_more(consumer: &mut dyn Consumer) {
    let extra = consumer
        .poll(10, Duration::from_millis(1500))
        .await
        .expect("poll listings.hashed");
    assert!(
        extra.is_empty(),
        "unexpected hashed listings: {:?}",
        extra.iter().map(|m| &m.key).collect::<Vec<_>>()
    );
}

/// Waits until the hasher's group has committed everything on `listings`.
async fn wait_committed(world: &World) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let lag = world
            .bus
            .lag(GROUP, Topic::Listings)
            .await
            .expect("hasher lag");
        if lag == 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hasher still has {lag} listings uncommitted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_listing_comes_out_keyed_by_its_id_with_the_hashes_of_its_image() {
    let world = world().await;
    let png = picture();
    let digest = world.blobs.put(&png).expect("store image");
    let jacket = listing("http://shop.test/item/1", vec![fetched(&digest)]);
    let mut hashed_out = reader(&world).await;
    let hasher = start(&world);

    crawl(&world, &jacket).await;
    let out = next_hashed(hashed_out.as_mut(), 1).await;

    let (key, _, hashed) = &out[0];
    assert_eq!(
        key, &jacket.id,
        "keyed by listing id, for the matcher's partitions"
    );
    assert_eq!(
        hashed.listing, jacket,
        "the listing passes through unchanged"
    );
    assert_eq!(hashed.images.len(), 1);
    let image = &hashed.images[0];
    assert_eq!(image.digest, digest);
    assert_eq!(image.refused, None);
    let expected = hash_query(&png, &ImageLimits::default()).expect("the picture hashes");
    assert_eq!(
        image.hashes, expected,
        "the matching crate's query hashes of the stored bytes"
    );
    assert!(
        image.hashes.iter().any(|h| h.region.is_none()),
        "a whole-image hash is among them: {:?}",
        image.hashes
    );
    wait_committed(&world).await;
    hasher.stop().await;
}

#[tokio::test]
async fn an_image_that_cannot_be_fetched_or_decoded_is_reported_and_the_listing_kept() {
    let world = world().await;
    let good = world.blobs.put(&picture()).expect("store image");
    let corrupt = world
        .blobs
        .put(b"<html>404: this is not an image</html>")
        .expect("store bytes");
    // A digest of bytes the blob store never received (a lost or unsynced blob).
    let absent = "ab".repeat(32);
    let not_fetched = ListingImage {
        url: "http://shop.test/img/gone.png".into(),
        digest: None,
        capture_id: None,
        error: Some("HTTP 404".into()),
    };
    let jacket = listing(
        "http://shop.test/item/2",
        vec![
            fetched(&good),
            fetched(&absent),
            not_fetched,
            fetched(&corrupt),
        ],
    );
    let next = listing("http://shop.test/item/3", vec![fetched(&good)]);
    let mut hashed_out = reader(&world).await;
    let hasher = start(&world);

    crawl(&world, &jacket).await;
    crawl(&world, &next).await;
    let out = next_hashed(hashed_out.as_mut(), 2).await;

    let hashed = &out
        .iter()
        .find(|(key, ..)| key == &jacket.id)
        .expect("the listing with bad images still comes out")
        .2;
    assert_eq!(
        hashed.listing, jacket,
        "every image stays on the listing, fetched or not"
    );
    // An image the crawler could not fetch has no bytes to hash; the others each have an
    // entry, in the listing's order.
    let digests: Vec<&str> = hashed.images.iter().map(|i| i.digest.as_str()).collect();
    assert_eq!(digests, [good.as_str(), absent.as_str(), corrupt.as_str()]);
    let [ok, missing, undecodable] = &hashed.images[..] else {
        unreachable!("three images, checked above")
    };
    assert!(ok.refused.is_none() && !ok.hashes.is_empty(), "{ok:?}");
    for (image, why) in [
        (missing, "not in the store"),
        (undecodable, "cannot be decoded"),
    ] {
        assert!(image.hashes.is_empty(), "{image:?}");
        let reason = image.refused.as_deref().unwrap_or_default();
        assert!(
            reason.contains(why),
            "image {} refused with {reason:?}, expected a reason saying {why:?}",
            image.digest
        );
    }
    assert!(
        out.iter().any(|(key, ..)| key == &next.id),
        "the stage went on to the next listing"
    );
    wait_committed(&world).await;
    hasher.stop().await;
}

#[tokio::test]
async fn a_payload_that_does_not_decode_is_dead_lettered_and_the_stage_goes_on() {
    let world = world().await;
    let digest = world.blobs.put(&picture()).expect("store image");
    let jacket = listing("http://shop.test/item/4", vec![fetched(&digest)]);
    let mut hashed_out = reader(&world).await;
    let hasher = start(&world);

    world
        .bus
        .publish(
            Topic::Listings,
            "http://shop.test/item/bad",
            b"{\"not\": \"a listing\"}",
        )
        .await
        .expect("publish garbage");
    crawl(&world, &jacket).await;
    let out = next_hashed(hashed_out.as_mut(), 1).await;

    assert_eq!(out[0].0, jacket.id, "the listing after the bad payload");
    let dead = world.bus.dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].key, "http://shop.test/item/bad");
    assert_eq!(dead[0].payload, b"{\"not\": \"a listing\"}");
    assert!(!dead[0].reason.is_empty());
    assert!(
        !hasher.task.is_finished(),
        "a bad payload does not stop the stage"
    );
    wait_committed(&world).await;
    hasher.stop().await;
}

#[tokio::test]
async fn a_listing_delivered_again_comes_out_the_same_and_a_restart_does_not_rehash() {
    let world = world().await;
    let digest = world.blobs.put(&picture()).expect("store image");
    let jacket = listing("http://shop.test/item/5", vec![fetched(&digest)]);
    let mut hashed_out = reader(&world).await;

    let first_run = start(&world);
    crawl(&world, &jacket).await;
    let first = next_hashed(hashed_out.as_mut(), 1).await;
    wait_committed(&world).await;
    first_run.stop().await;

    // A restarted hasher resumes after its committed offset: nothing comes out again…
    let second_run = start(&world);
    assert_nothing_more(hashed_out.as_mut()).await;
    // …until the listing is delivered again, when the same message comes out.
    crawl(&world, &jacket).await;
    let again = next_hashed(hashed_out.as_mut(), 1).await;
    assert_eq!(again[0].0, first[0].0, "same key");
    assert_eq!(
        again[0].1, first[0].1,
        "the same payload, byte for byte, so the matcher's keyed upserts absorb it"
    );
    assert_nothing_more(hashed_out.as_mut()).await;
    wait_committed(&world).await;
    second_run.stop().await;
}
