//! The web console through the built binary over loopback, as a browser uses it: sign-in with
//! a key (good and bad), the session cookie, CSRF on every POST, another tenant's match,
//! images and notice answering 404, sign-out and expiry ending the session, and the security
//! headers. `a_reviewer_approves_in_a_real_browser` drives headless Chromium through
//! chromedriver (Debian's `chromium` and `chromium-driver`; `.ci/run` installs them).

use std::{
    path::{Path, PathBuf},
    process::Output,
    time::Duration,
};

use chrono::Utc;
use reqwest::{StatusCode, header};
use takedown::backends::Storage;
use takedown_model::{
    Capture, Decision, Listing, ListingImage, Match, MatchKind, MatchReason, Notice, Right,
    RightImage, RightKind, SourceKind, TenantKind, stable_id,
};

fn takedown(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

/// A PNG of `width`×`height` with a dark box in its middle: the listing's photo.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let inside = x > width / 4 && x < 3 * width / 4 && y > height / 4 && y < 3 * height / 4;
        if inside {
            image::Rgb([30, 30, 90])
        } else {
            image::Rgb([230, 225, 210])
        }
    });
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .expect("encode png");
    bytes
}

/// One tenant's objects the tests reach for.
struct Seeded {
    /// A logo match waiting for review, with both images and a region.
    image_match: String,
    /// A word-mark match waiting for review.
    text_match: String,
    /// The registered logo's right id as the console shows it, and its image digest.
    logo_right: String,
    logo_digest: String,
    /// A notice of this tenant's (filed directly, for the isolation checks).
    notice: String,
}

/// Stores, for `owner`, a listing with a photo and its captured page, a logo match and a
/// word-mark match held for review against the owner's rights, and a notice.
async fn seed_matches(data: &Storage, owner: &str, logo: &Right, word: &Right) -> Seeded {
    let store = &data.store;
    let page_digest = data
        .blobs
        .put(
            format!("<html><title>{owner} listing</title><script>alert(1)</script></html>")
                .as_bytes(),
        )
        .expect("page blob");
    let photo_digest = data
        .blobs
        .put(&photo(160 + owner.len() as u32, 120))
        .expect("photo blob");
    let listing_id = format!("lst_{owner}");
    let url = format!("http://shop.test/{owner}/item");
    let capture = Capture {
        id: format!("cap_{owner}"),
        url: url.clone(),
        final_url: url.clone(),
        status: 200,
        content_type: "text/html".into(),
        fetched_at: Utc::now(),
        body_digest: page_digest,
        body_len: 60,
        remote_addr: Some("127.0.0.1:80".into()),
        warc_digest: None,
        warc_record_id: None,
    };
    store.insert_capture(&capture).await.expect("capture");
    store
        .upsert_listing(&Listing {
            id: listing_id.clone(),
            source_id: "shop".into(),
            source_kind: SourceKind::Marketplace,
            platform: "sample-market".into(),
            url: url.clone(),
            seller: "Trendy Outlet".into(),
            title: format!("Brand new {} bell, best price", word.name),
            price: None,
            currency: None,
            images: vec![ListingImage {
                url: format!("{url}.png"),
                digest: Some(photo_digest.clone()),
                capture_id: Some(capture.id.clone()),
                error: None,
            }],
            captured_at: Utc::now(),
            capture_id: capture.id.clone(),
            exhibitor: None,
            market: None,
            provenance: Default::default(),
        })
        .await
        .expect("listing");
    let found = |right: &Right, kind, reason| Match {
        id: stable_id("mat", &[&listing_id, &right.id]),
        listing_id: listing_id.clone(),
        listing_url: url.clone(),
        platform: "sample-market".into(),
        seller: "Trendy Outlet".into(),
        right_id: right.id.clone(),
        owner_id: owner.into(),
        kind,
        score: 0.6,
        reason,
        capture_id: capture.id.clone(),
        matched_at: Utc::now(),
    };
    let logo_digest = logo.images[0].digest.clone();
    let image_match = found(
        logo,
        MatchKind::Logo,
        MatchReason::Image {
            listing_image: photo_digest,
            right_image: logo_digest.clone(),
            view: "logo".into(),
            algorithm: "pdq".into(),
            distance: 40,
            threshold: 64,
            region: Some([0.25, 0.25, 0.5, 0.5]),
            inliers: None,
        },
    );
    let text_match = found(
        word,
        MatchKind::WordMark,
        MatchReason::Text {
            span: word.name.clone(),
            normalized: word.name.to_lowercase(),
            variant: "exact".into(),
            distance: 0,
        },
    );
    for m in [&image_match, &text_match] {
        store
            .upsert_match(m, Decision::Review)
            .await
            .expect("match");
    }
    // A notice for another of the owner's matches (not in the queue).
    let notice = Notice {
        id: stable_id("ntc", &[&format!("mat_other_{owner}")]),
        match_id: format!("mat_other_{owner}"),
        owner_id: owner.into(),
        owner_name: owner.into(),
        platform: "sample-market".into(),
        listing_url: url.clone(),
        seller: "Trendy Outlet".into(),
        right_id: word.id.clone(),
        right_kind: "word_mark".into(),
        registration_number: word.registration_number.clone(),
        explanation: "x".into(),
        evidence: vec![capture.id.clone()],
        good_faith_statement: "good faith".into(),
        filed_at: Utc::now(),
    };
    store.insert_notice(&notice).await.expect("notice");
    Seeded {
        image_match: image_match.id,
        text_match: text_match.id,
        logo_right: logo
            .id
            .strip_prefix(&format!("{owner}/"))
            .unwrap_or(&logo.id)
            .to_owned(),
        logo_digest,
        notice: notice.id,
    }
}

/// Two brand owners with matches in review: the sample owner (registered from its owner
/// file, so its approvals compose complete notices) and a second one.
struct World {
    _dir: tempfile::TempDir,
    data: PathBuf,
    key_a: String,
    key_b: String,
    /// A fair organizer's key.
    key_org: String,
    a: Seeded,
    b: Seeded,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let sample = takedown_sample::generate();
    let owner_file = sample
        .write_owner_files(&dir.path().join("owner"))
        .expect("owner files");
    let out = takedown(&[
        "rights",
        "import",
        owner_file.to_str().expect("utf8"),
        "--data-dir",
        data.to_str().expect("utf8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let owner_a = sample.owner.owner.id.clone();

    let storage = Storage::open_dir(&data).await.expect("storage");
    let store = &storage.store;
    let rights_a = store.rights_of(&owner_a).await.expect("rights");
    let logo_a = rights_a
        .iter()
        .find(|r| r.kind == RightKind::LogoMark && !r.images.is_empty())
        .expect("the sample owner has a logo")
        .clone();
    let word_a = rights_a
        .iter()
        .find(|r| r.kind == RightKind::WordMark)
        .expect("the sample owner has a word mark")
        .clone();

    let (tenant_b, key_b) = takedown_api::keys::create_tenant(
        store,
        TenantKind::BrandOwner,
        "Other Brand GmbH",
        Some("other-brand"),
    )
    .await
    .expect("tenant b");
    let logo_b_digest = storage.blobs.put(&photo(90, 90)).expect("logo b");
    let logo_b = Right {
        id: format!("{}/logo", tenant_b.id),
        owner_id: tenant_b.id.clone(),
        kind: RightKind::LogoMark,
        name: "OTHERBRAND logo".into(),
        registration_number: "EU-1".into(),
        office: "EUIPO".into(),
        classes: vec![],
        territories: vec![],
        valid_from: None,
        valid_until: None,
        images: vec![RightImage {
            view: "logo".into(),
            digest: logo_b_digest,
        }],
    };
    let word_b = Right {
        id: format!("{}/word", tenant_b.id),
        kind: RightKind::WordMark,
        name: "OTHERBRAND".into(),
        images: vec![],
        ..logo_b.clone()
    };
    for right in [&logo_b, &word_b] {
        store.upsert_right(right).await.expect("right b");
    }
    let a = seed_matches(&storage, &owner_a, &logo_a, &word_a).await;
    let b = seed_matches(&storage, &tenant_b.id, &logo_b, &word_b).await;
    let (_, key_a) = takedown_api::keys::issue_key(
        store,
        &owner_a,
        takedown_api::scopes::Scope::ALL,
        "console test",
        "test",
    )
    .await
    .expect("key a");
    let (_, key_org) = takedown_api::keys::create_tenant(
        store,
        TenantKind::FairOrganizer,
        "Canton Fair Org",
        Some("fair-org"),
    )
    .await
    .expect("organizer");
    World {
        _dir: dir,
        data,
        key_a,
        key_b,
        key_org,
        a,
        b,
    }
}

/// `takedown serve api` on a free loopback port, answering; killed when dropped.
async fn serve(data: &Path, extra: &[&str]) -> (tokio::process::Child, String) {
    let listen = free_addr();
    let server = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", "api", "--listen", &listen, "--data-dir"])
        .arg(data)
        .args(extra)
        .kill_on_drop(true)
        .spawn()
        .expect("serve api");
    let base = format!("http://{listen}");
    for _ in 0..400 {
        if reqwest::get(format!("{base}/sign-in")).await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the console did not answer at {base}");
}

/// A browser-like client: keeps cookies, follows no redirects (the tests look at them).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of the first `name="csrf"` field in a page.
fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    let end = html[start..].find('"').expect("end of value") + start;
    html[start..end].to_owned()
}

fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Signs `client` in with `key`; returns the answer to the form.
async fn sign_in(client: &reqwest::Client, base: &str, key: &str) -> reqwest::Response {
    let form = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("sign-in page")
        .text()
        .await
        .expect("body");
    client
        .post(format!("{base}/sign-in"))
        .form(&[("csrf", csrf_of(&form).as_str()), ("key", key)])
        .send()
        .await
        .expect("sign in")
}

async fn get(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("get");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_sessions_csrf_isolation_and_headers() {
    let world = world().await;
    let idle = 4;
    let (_server, base) = serve(&world.data, &["--session-idle-secs", &idle.to_string()]).await;
    let a = &world.a;
    let b = &world.b;

    // Signed out, the console sends the browser to sign in (no more 401 at /).
    let client = browser();
    let home = client.get(format!("{base}/")).send().await.expect("home");
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&home), "/sign-in");

    // The sign-in page carries the security headers.
    let page = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("page");
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp text")
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers()[header::X_FRAME_OPTIONS], "DENY");
    assert!(page.headers().contains_key(header::REFERRER_POLICY));
    let html = page.text().await.expect("body");
    assert!(
        !html.contains("style=") && !html.contains("<script"),
        "{html}"
    );

    // A bad key: 401, the form again, no session.
    let bad = sign_in(&client, &base, "tdk_nosuchkey_0123456789abcdef").await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.text().await.expect("body").contains("not valid"));
    let home = client.get(format!("{base}/")).send().await.expect("home");
    assert_eq!(home.status(), StatusCode::SEE_OTHER);

    // The sign-in form without its own token is refused.
    let forged = browser()
        .post(format!("{base}/sign-in"))
        .form(&[("csrf", "forged"), ("key", world.key_a.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // A good key: a session cookie, HttpOnly and SameSite=Strict, and the dashboard.
    let good = sign_in(&client, &base, &world.key_a).await;
    assert_eq!(good.status(), StatusCode::SEE_OTHER, "{:?}", good.headers());
    assert_eq!(location(&good), "/");
    let cookie = good
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("takedown_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let session_value = cookie.split(';').next().expect("name=value").to_owned();
    let (status, dashboard) = get(&client, format!("{base}/")).await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");
    assert!(dashboard.contains("waiting for review"), "{dashboard}");

    // The review queue shows the owner's matches, images beside each other, region drawn.
    let (status, review) = get(&client, format!("{base}/review")).await;
    assert_eq!(status, StatusCode::OK);
    for id in [&a.image_match, &a.text_match] {
        assert!(review.contains(id.as_str()), "{id} in the queue");
    }
    assert!(!review.contains(b.image_match.as_str()));
    assert!(review.contains(&format!("/matches/{}/listing-image", a.image_match)));
    assert!(review.contains(&format!("/matches/{}/right-image", a.image_match)));
    assert!(
        review.contains(r#"<rect class="region" x="0.2500""#),
        "{review}"
    );
    assert!(
        review.contains("<mark>"),
        "the title's matched span is marked"
    );
    let csrf = csrf_of(&review);

    // The stylesheet is the binary's own, versioned by digest.
    let sheet = review
        .split(r#"rel="stylesheet" href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link")
        .to_owned();
    assert!(sheet.starts_with("/static/console-"), "{sheet}");
    let css = client
        .get(format!("{base}{sheet}"))
        .send()
        .await
        .expect("css");
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/css")
    );

    // The owner's images and evidence; the captured page is text under a sandbox.
    for path in ["listing-image", "right-image"] {
        let image = client
            .get(format!("{base}/matches/{}/{path}", a.image_match))
            .send()
            .await
            .expect("image");
        assert_eq!(image.status(), StatusCode::OK, "{path}");
        assert_eq!(image.headers()[header::CONTENT_TYPE], "image/png", "{path}");
    }
    let logo = client
        .get(format!(
            "{base}/rights/{}/images/{}",
            a.logo_right, a.logo_digest
        ))
        .send()
        .await
        .expect("logo");
    assert_eq!(logo.status(), StatusCode::OK);
    let (status, evidence) = get(&client, format!("{base}/matches/{}", a.image_match)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(evidence.contains("body SHA-256"), "{evidence}");
    let captured = client
        .get(format!("{base}/matches/{}/page", a.image_match))
        .send()
        .await
        .expect("page");
    assert_eq!(captured.status(), StatusCode::OK);
    assert!(
        captured.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/plain")
    );
    assert!(
        captured.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .contains("sandbox")
    );
    let (status, notice) = get(&client, format!("{base}/notices/{}", a.notice)).await;
    assert_eq!(status, StatusCode::OK, "{notice}");
    for page in ["rights", "sellers", "notices"] {
        let (status, body) = get(&client, format!("{base}/{page}")).await;
        assert_eq!(status, StatusCode::OK, "{page}: {body}");
    }

    // Another tenant's match, images, evidence and notice do not exist for this one.
    for path in [
        format!("/matches/{}", b.image_match),
        format!("/matches/{}/listing-image", b.image_match),
        format!("/matches/{}/right-image", b.image_match),
        format!("/matches/{}/page", b.image_match),
        format!("/notices/{}", b.notice),
        format!("/rights/{}/images/{}", b.logo_right, b.logo_digest),
        format!("/rights/{}/images/{}", a.logo_right, b.logo_digest),
    ] {
        let (status, _) = get(&client, format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let theirs = client
        .post(format!("{base}/review/decide"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("approve_one", b.image_match.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    // A POST without the session's CSRF token, or with another, is refused and changes
    // nothing.
    for token in [None, Some("0".repeat(64))] {
        let mut form = vec![
            ("approve_one", a.text_match.clone()),
            ("reason", "looks fake".to_owned()),
        ];
        if let Some(token) = token {
            form.push(("csrf", token));
        }
        let refused = client
            .post(format!("{base}/review/decide"))
            .form(&form)
            .send()
            .await
            .expect("post");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    let (_, review) = get(&client, format!("{base}/review")).await;
    assert!(review.contains(a.text_match.as_str()), "still waiting");

    // With the token: rejected, and gone from the queue.
    let rejected = client
        .post(format!("{base}/review/decide"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("reject_one", a.text_match.as_str()),
            ("reason", "the seller is a reseller"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    let (_, review) = get(&client, format!("{base}/review")).await;
    assert!(!review.contains(a.text_match.as_str()), "decided");

    // The second tenant sees its own queue only.
    let other = browser();
    assert_eq!(
        sign_in(&other, &base, &world.key_b).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, review_b) = get(&other, format!("{base}/review")).await;
    assert!(review_b.contains(b.image_match.as_str()));
    assert!(!review_b.contains(a.image_match.as_str()));

    // Sign-out needs the token, then ends the session on the server: the old cookie, sent
    // again by hand, signs nobody in.
    let forged = client
        .post(format!("{base}/sign-out"))
        .form(&[("csrf", "nope")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let out = client
        .post(format!("{base}/sign-out"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/sign-in");
    let replayed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{base}/review"))
        .header(header::COOKIE, &session_value)
        .send()
        .await
        .expect("replay");
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&replayed), "/sign-in");

    // An idle session expires.
    tokio::time::sleep(Duration::from_secs(idle + 2)).await;
    let expired = other
        .get(format!("{base}/review"))
        .send()
        .await
        .expect("get");
    assert_eq!(expired.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&expired), "/sign-in");

    // The JSON API is unchanged beside it.
    let api = reqwest::Client::new()
        .get(format!("{base}/v1/me"))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_sees_its_fairs_and_exhibitors() {
    let world = world().await;
    let (_server, base) = serve(&world.data, &[]).await;
    let api = reqwest::Client::new();

    // A fair and an exhibitor through the JSON API, then the organizer's pages.
    let fair = api
        .post(format!("{base}/v1/fairs"))
        .bearer_auth(&world.key_org)
        .json(
            &serde_json::json!({"id": "cf-2027", "name": "Canton Fair 2027", "venue": "Guangzhou"}),
        )
        .send()
        .await
        .expect("fair");
    assert_eq!(fair.status(), StatusCode::CREATED);
    let exhibitor = api
        .post(format!("{base}/v1/fairs/cf-2027/exhibitors"))
        .bearer_auth(&world.key_org)
        .json(&serde_json::json!({
            "id": "ex-1", "name": "Shenzhen Bells Co", "booth": "11.2 B07",
            "filings": [{"registration_number": "CN-123", "office": "CNIPA"}],
            "pledge_signed_on": "2027-03-01",
            "products": [{"id": "p1", "title": "bicycle bell"}]
        }))
        .send()
        .await
        .expect("exhibitor");
    assert_eq!(exhibitor.status(), StatusCode::CREATED);
    let organizer = browser();
    let signed_in = sign_in(&organizer, &base, &world.key_org).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let home = organizer
        .get(format!("{base}/"))
        .send()
        .await
        .expect("home");
    assert_eq!(location(&home), "/fairs");
    let (status, fairs) = get(&organizer, format!("{base}/fairs")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(fairs.contains("Canton Fair 2027"), "{fairs}");
    let (status, fair) = get(&organizer, format!("{base}/fairs/cf-2027")).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Shenzhen Bells Co",
        "11.2 B07",
        "CNIPA CN-123",
        "signed 2027-03-01",
        "not screened",
    ] {
        assert!(fair.contains(text), "{text} in {fair}");
    }
    // The organizer's pages are the organizer's: an owner gets the API's refusal, and the
    // owner's pages refuse the organizer.
    let owner = browser();
    sign_in(&owner, &base, &world.key_a).await;
    let (status, _) = get(&owner, format!("{base}/fairs/cf-2027")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&organizer, format!("{base}/review")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// chromedriver on a free loopback port, stopped when dropped.
struct Chromedriver {
    child: std::process::Child,
    url: String,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Chromedriver {
    let port = free_addr().rsplit(':').next().expect("port").to_owned();
    let child = std::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver (apt-get install chromium chromium-driver)");
    Chromedriver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn a_reviewer_approves_in_a_real_browser() {
    use fantoccini::{ClientBuilder, Locator};

    let world = world().await;
    let (_server, base) = serve(&world.data, &[]).await;
    let driver = chromedriver();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        }),
    );
    let mut browser = None;
    for _ in 0..100 {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => {
                browser = Some(client);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let browser = browser.expect("chromedriver starts a browser");

    // Sign in by typing the key, as a person does.
    browser
        .goto(&format!("{base}/sign-in"))
        .await
        .expect("sign-in page");
    browser
        .find(Locator::Id("key"))
        .await
        .expect("key field")
        .send_keys(&world.key_a)
        .await
        .expect("type the key");
    browser
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("sign-in button")
        .click()
        .await
        .expect("sign in");
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::LinkText("Review queue"))
        .await
        .expect("signed in")
        .click()
        .await
        .expect("open the review queue");

    // Both images of the logo match are loaded and shown.
    let match_id = world.a.image_match.clone();
    for class in ["listing-image", "right-image"] {
        let img = browser
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(&format!("#m-{match_id} img.{class}")))
            .await
            .expect("image element");
        let mut width = 0;
        for _ in 0..50 {
            // A number, which fantoccini's `prop` (strings only) does not hand back.
            width = browser
                .execute(
                    "return arguments[0].complete ? arguments[0].naturalWidth : 0",
                    vec![serde_json::to_value(&img).expect("element reference")],
                )
                .await
                .expect("naturalWidth")
                .as_u64()
                .unwrap_or(0);
            if width > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(width > 0, "{class} loaded in the browser");
    }

    // Approve it: it leaves the queue and its notice appears.
    browser
        .find(Locator::Css(&format!(
            "button[name=approve_one][value='{match_id}']"
        )))
        .await
        .expect("approve button")
        .click()
        .await
        .expect("approve");
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("p.done"))
        .await
        .expect("the decision is confirmed");
    let queue = browser.source().await.expect("source");
    assert!(!queue.contains(&format!("m-{match_id}")), "left the queue");
    browser
        .find(Locator::LinkText("Notices"))
        .await
        .expect("notices link")
        .click()
        .await
        .expect("open notices");
    let notice_id = stable_id("ntc", &[&match_id]);
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::LinkText(&notice_id))
        .await
        .expect("the approval's notice is listed");
    browser.close().await.expect("close the browser");
}
