//! Delivery over HTTPS to the real reference handler on 127.0.0.1, served with a certificate
//! from a private CA made in the test (`rcgen`): trusted through the route's extra CA, the
//! notice arrives and a case opens; without that CA the handshake is refused with an error
//! that says so, and the notice stays in the outbox for a later attempt.

use std::{path::Path, sync::Arc};

use chrono::Utc;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use takedown_bus::{Bus, EmbeddedBus};
use takedown_model::{Notice, notice::FiledNotice};
use takedown_notifier::{
    Adapter, Notifier, PlatformEndpoint, Route, Safeguards, WebhookAdapter, adapter, deliver,
};
use takedown_platform::{CaseStore, HandlerState};
use takedown_store::Store;
use takedown_webhook::Secret;

const SECRET: &str = "https-test-secret-0123456789";

/// Writes `ca.pem`, and `cert.pem` + `key.pem` for 127.0.0.1 signed by that CA, into `dir`.
fn make_certificates(dir: &Path) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "takedown test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf cert");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("write CA");
    std::fs::write(dir.join("cert.pem"), leaf.pem()).expect("write cert");
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).expect("write key");
}

struct World {
    dir: tempfile::TempDir,
    url: String,
    cases: CaseStore,
    store: Store,
    bus: Arc<dyn Bus>,
}

/// The handler over HTTPS with the test CA's certificate, and an owner's store and bus.
async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    make_certificates(dir.path());
    let cases = CaseStore::open(&dir.path().join("platform.db"))
        .await
        .expect("cases");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("https://{}/notices", listener.local_addr().expect("addr"));
    let state = HandlerState {
        cases: cases.clone(),
        secret: Secret::parse(SECRET).expect("secret"),
        tolerance_secs: 300,
    };
    let tls =
        takedown_platform::server_config(&dir.path().join("cert.pem"), &dir.path().join("key.pem"))
            .expect("TLS config");
    tokio::spawn(takedown_platform::serve_tls(
        takedown_platform::router(state),
        listener,
        tls,
        std::future::pending(),
    ));
    let store = Store::open(&dir.path().join("owner.db"))
        .await
        .expect("store");
    let bus: Arc<dyn Bus> = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    World {
        dir,
        url,
        cases,
        store,
        bus,
    }
}

impl World {
    fn notifier(&self, extra_ca: &[reqwest::Certificate]) -> Notifier {
        let endpoint = PlatformEndpoint {
            platform: "shop".into(),
            url: self.url.clone(),
            secret: Secret::parse(SECRET).expect("secret"),
        };
        let route = Route {
            platform: "shop".into(),
            adapter: Adapter::Webhook(WebhookAdapter::new(endpoint, extra_ca).expect("webhook")),
            safeguards: Safeguards::default(),
        };
        Notifier::with_routes(self.bus.clone(), self.store.clone(), vec![route])
    }

    async fn enqueue(&self, id: &str) {
        let notice = Notice {
            id: id.into(),
            match_id: format!("mat_{id}"),
            owner_id: "acme".into(),
            owner_name: "Acme GmbH".into(),
            platform: "shop".into(),
            listing_url: "https://shop.test/item/1".into(),
            seller: "Seller".into(),
            right_id: "r1".into(),
            right_kind: "word_mark".into(),
            registration_number: "EUTM 1".into(),
            explanation: "uses the mark".into(),
            evidence: vec!["cap_1".into()],
            good_faith_statement: "good faith".into(),
            filed_at: Utc::now(),
        };
        let body = deliver::wire_body(&FiledNotice::from(notice.clone()));
        self.store
            .enqueue_delivery(&notice, &body)
            .await
            .expect("enqueue");
    }
}

#[tokio::test]
async fn a_notice_is_delivered_over_https_to_a_handler_with_a_private_ca() {
    let w = world().await;
    let ca = adapter::read_ca_file(&w.dir.path().join("ca.pem")).expect("CA");
    let notifier = w.notifier(&ca);
    w.enqueue("ntc_tls").await;
    assert_eq!(notifier.drain_once_at(Utc::now()).await.expect("drain"), 1);
    let (state, attempts, error) = w
        .store
        .delivery_state("ntc_tls")
        .await
        .expect("state")
        .expect("row");
    assert_eq!((state.as_str(), attempts, error), ("delivered", 1, None));
    let cases = w.cases.cases().await.expect("cases");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].notice_id, "ntc_tls");
}

#[tokio::test]
async fn an_untrusted_handler_certificate_is_refused_and_the_notice_waits() {
    let w = world().await;
    // The system's roots only: the test CA is unknown.
    let notifier = w.notifier(&[]);
    w.enqueue("ntc_untrusted").await;
    notifier.drain_once_at(Utc::now()).await.expect("drain");
    let (state, attempts, error) = w
        .store
        .delivery_state("ntc_untrusted")
        .await
        .expect("state")
        .expect("row");
    let error = error.expect("the failure is recorded");
    assert_eq!(state, "pending", "kept for retry, not lost: {error}");
    assert_eq!(attempts, 1);
    assert!(
        error.contains("certificate is not trusted") && error.contains("UnknownIssuer"),
        "{error}"
    );
    assert!(w.cases.cases().await.expect("cases").is_empty());
    assert!(w.store.dead_letters().await.expect("dead").is_empty());

    // Once the CA is trusted, the same notice goes through.
    let ca = adapter::read_ca_file(&w.dir.path().join("ca.pem")).expect("CA");
    let fixed = w.notifier(&ca);
    fixed
        .drain_once_at(Utc::now() + chrono::Duration::hours(1))
        .await
        .expect("drain");
    assert_eq!(w.cases.cases().await.expect("cases").len(), 1);
}
