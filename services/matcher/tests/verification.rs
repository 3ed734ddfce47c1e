//! The matcher stage's verification: a registered logo shown rotated, sheared and small in a
//! product photo — which no hash of the photo finds — is matched by local features when the
//! stage is configured to verify, with a reason naming the inlier count and the region; with
//! verification off the same photo gives no match. The stage is built from its `[matcher]`
//! table, as `takedown run` builds it.

use std::{sync::Arc, time::Duration};

use image::{ImageFormat, RgbImage};
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_matcher::MatcherConfig;
use takedown_matching::{
    ImageLimits, hash_query,
    synthetic::{self, ground, logo},
};
use takedown_model::{
    Envelope, HashedImage, HashedListing, Listing, ListingImage, Match, MatchReason, Right,
    RightImage, RightKind, SourceKind, Tenant, TenantKind, stable_id,
};
use takedown_store::{BlobStore, Store};
use tokio_util::sync::CancellationToken;

/// The registered logo drawn onto `photo` by the affine map taking its top-left, top-right
/// and bottom-left corners to `origin`, `origin + across` and `origin + down` (pixels).
fn paste(
    photo: &mut RgbImage,
    logo: &RgbImage,
    origin: [f64; 2],
    across: [f64; 2],
    down: [f64; 2],
) {
    let at = |a: f64, d: f64| {
        [
            origin[0] + a * across[0] + d * down[0],
            origin[1] + a * across[1] + d * down[1],
        ]
    };
    let quad = [at(0.0, 0.0), at(1.0, 0.0), at(1.0, 1.0), at(0.0, 1.0)];
    assert!(synthetic::paste(photo, logo, quad), "a proper quad");
}

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("png");
    out.into_inner()
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    bus: Arc<EmbeddedBus>,
    blobs: BlobStore,
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
    World {
        _dir: dir,
        store,
        bus,
        blobs,
    }
}

/// Registers a logo right with `image` as its registered picture.
async fn register_logo(w: &World, image: &[u8]) -> String {
    let digest = w.blobs.put(image).expect("put");
    let right = Right {
        id: "r-logo".into(),
        owner_id: "acme".into(),
        kind: RightKind::LogoMark,
        name: "Acme logo".into(),
        registration_number: "EU-1".into(),
        office: "EUIPO".into(),
        classes: vec!["25".into()],
        territories: vec![],
        valid_from: None,
        valid_until: None,
        images: vec![RightImage {
            view: "logo".into(),
            digest: digest.clone(),
        }],
    };
    w.store.upsert_right(&right).await.expect("right");
    digest
}

/// A listing showing `photo`, stored as the crawler stores it and hashed as the hasher does.
fn listing(w: &World, photo: &[u8]) -> HashedListing {
    let digest = w.blobs.put(photo).expect("put");
    let url = "http://shop.test/item/1".to_owned();
    HashedListing {
        listing: Listing {
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
                url: "http://shop.test/photo.png".into(),
                digest: Some(digest.clone()),
                capture_id: None,
                error: None,
            }],
            captured_at: chrono::Utc::now(),
            capture_id: "cap".into(),
            exhibitor: None,
            market: None,
            provenance: Default::default(),
        },
        images: vec![HashedImage {
            hashes: hash_query(photo, &ImageLimits::default()).expect("hash"),
            digest,
            refused: None,
        }],
    }
}

/// Runs a matcher built from the `[matcher]` table `config` over `hashed`, and returns the
/// matches it published (bounded wait).
async fn matches_with(config: &str, registered: &[u8], photo: &[u8]) -> Vec<Match> {
    let w = world().await;
    register_logo(&w, registered).await;
    let mut consumer = w
        .bus
        .subscribe("test", Topic::Matches)
        .await
        .expect("subscribe");
    let config: MatcherConfig = toml::from_str(config).expect("config");
    let matcher = Arc::new(config.build(w.bus.clone(), w.store.clone(), w.blobs.clone()));
    let cancel = CancellationToken::new();
    let running = {
        let (matcher, cancel) = (matcher.clone(), cancel.clone());
        tokio::spawn(async move { matcher.run(&cancel).await })
    };
    let hashed = listing(&w, photo);
    w.bus
        .publish(
            Topic::HashedListings,
            &hashed.listing.id,
            &Envelope::encode(&hashed),
        )
        .await
        .expect("publish");
    // The matcher stores a listing's hashes before deciding it: once they are stored and a
    // decision had time to be published, the topic holds everything it will.
    for _ in 0..200 {
        if w.store.listing_image_hash_count().await.expect("count") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let mut seen = Vec::new();
    for _ in 0..20 {
        for m in consumer
            .poll(10, Duration::from_millis(100))
            .await
            .expect("poll")
        {
            seen.push(Envelope::<Match>::decode(&m.payload).expect("match"));
        }
    }
    cancel.cancel();
    running.await.expect("join").expect("matcher");
    seen
}

/// The registered logo, rotated about 25°, sheared and a third of the photo's width, on a
/// textured ground.
fn scene() -> (Vec<u8>, Vec<u8>) {
    let registered = logo(42, 256);
    let mut photo = ground(7, 640, 640);
    paste(
        &mut photo,
        &registered,
        [330.0, 140.0],
        [190.0, 90.0],
        [-70.0, 180.0],
    );
    (png(&registered), png(&photo))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logo_no_hash_finds_is_matched_by_local_features_with_its_inliers_and_region() {
    let (registered, photo) = scene();
    let found = matches_with(r#"verification = "weak_then_all""#, &registered, &photo).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let MatchReason::Image {
        algorithm,
        inliers,
        region,
        threshold,
        ..
    } = &found[0].reason
    else {
        panic!("an image match: {found:?}");
    };
    assert_eq!(algorithm, "orb256-ransac");
    let inliers = inliers.expect("the inlier count is in the reason");
    assert!(inliers >= *threshold, "{inliers} < {threshold}");
    // The region is the pasted logo's box: x from 260 to 520, y from 140 to 410 (pixels).
    let [x, y, w, h] = region.expect("the region found");
    let expect = [260.0 / 640.0, 140.0 / 640.0, 260.0 / 640.0, 270.0 / 640.0];
    for (got, want) in [x, y, w, h].into_iter().zip(expect) {
        assert!((got - want).abs() < 0.04, "{region:?} vs {expect:?}");
    }
    assert!(
        found[0].score > 0.5 && found[0].score <= 1.0,
        "{}",
        found[0].score
    );
}

#[tokio::test]
async fn with_verification_off_the_same_photo_gives_no_match() {
    let (registered, photo) = scene();
    let found = matches_with(r#"verification = "off""#, &registered, &photo).await;
    assert!(found.is_empty(), "the hashes alone find nothing: {found:?}");
}

#[tokio::test]
async fn an_unrelated_photo_is_not_matched_even_when_every_image_is_verified() {
    let (registered, _) = scene();
    let mut other = ground(7, 640, 640);
    paste(
        &mut other,
        &logo(5, 256),
        [330.0, 140.0],
        [190.0, 90.0],
        [-70.0, 180.0],
    );
    let found = matches_with(
        r#"verification = "weak_then_all""#,
        &registered,
        &png(&other),
    )
    .await;
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn an_unknown_verification_policy_is_refused_naming_the_values() {
    let err = toml::from_str::<MatcherConfig>(r#"verification = "always""#)
        .expect_err("not a policy")
        .to_string();
    assert!(
        err.contains("always") && err.contains("weak_then_all"),
        "{err}"
    );
    assert_eq!(
        toml::from_str::<MatcherConfig>("").expect("empty"),
        MatcherConfig::default(),
        "the default is weak"
    );
}
