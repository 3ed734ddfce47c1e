//! A controllable fake platform on 127.0.0.1 (answers from a script, records every
//! `webhook-id`) and a notifier wired to it over a temporary store and bus.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use chrono::Utc;
use takedown_bus::{Bus, EmbeddedBus};
use takedown_model::{Notice, notice::FiledNotice};
use takedown_notifier::{Notifier, PlatformEndpoint, Safeguards, deliver};
use takedown_store::Store;
use takedown_webhook::Secret;

/// What the fake platform answers, in order; after the script it answers the fallback.
#[derive(Clone, Copy)]
#[allow(dead_code)] // each test binary uses its own subset
pub enum Answer {
    Ok,
    Fail,
    TooMany(u64),
    Gone,
    Unprocessable,
}

#[derive(Default)]
pub struct Fake {
    script: Mutex<VecDeque<Answer>>,
    fallback: Mutex<Option<Answer>>,
    /// The `webhook-id` of every request, in order.
    hits: Mutex<Vec<String>>,
}

async fn receive(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    fake.hits.lock().expect("lock").push(id.clone());
    let scripted = fake.script.lock().expect("lock").pop_front();
    let answer = scripted
        .or(*fake.fallback.lock().expect("lock"))
        .unwrap_or(Answer::Ok);
    match answer {
        Answer::Ok => Json(serde_json::json!({ "case_id": format!("case-{id}") })).into_response(),
        Answer::Fail => (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        Answer::TooMany(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", secs.to_string())],
            "slow down",
        )
            .into_response(),
        Answer::Gone => (StatusCode::GONE, "endpoint removed").into_response(),
        Answer::Unprocessable => {
            (StatusCode::UNPROCESSABLE_ENTITY, "missing evidence").into_response()
        }
    }
}

pub struct World {
    pub notifier: Notifier,
    pub store: Store,
    pub fake: Arc<Fake>,
    bus: Arc<dyn Bus>,
    endpoint: PlatformEndpoint,
    safeguards: Safeguards,
    _dir: tempfile::TempDir,
}

impl World {
    /// Another notifier instance on the same outbox and platform (as a second process).
    #[allow(dead_code)] // each test binary uses its own subset
    pub fn another_notifier(&self) -> Notifier {
        Notifier::new(
            self.bus.clone(),
            self.store.clone(),
            vec![self.endpoint.clone()],
        )
        .expect("notifier")
        .with_safeguards(self.safeguards.clone())
    }

    /// A notifier on the same outbox and platform that publishes through `bus`.
    #[allow(dead_code)] // each test binary uses its own subset
    pub fn notifier_on(&self, bus: Arc<dyn Bus>) -> Notifier {
        Notifier::new(bus, self.store.clone(), vec![self.endpoint.clone()])
            .expect("notifier")
            .with_safeguards(self.safeguards.clone())
    }

    /// The world's bus, where case events are published.
    #[allow(dead_code)] // each test binary uses its own subset
    pub fn bus(&self) -> Arc<dyn Bus> {
        self.bus.clone()
    }

    pub fn hits(&self) -> Vec<String> {
        self.fake.hits.lock().expect("lock").clone()
    }

    pub async fn state(&self, id: &str) -> String {
        self.store
            .delivery_state(id)
            .await
            .expect("state")
            .expect("in outbox")
            .0
    }

    /// Puts a notice for platform "shop" in the outbox, as the consumer would.
    pub async fn enqueue(&self, id: &str) {
        let notice = Notice {
            id: id.into(),
            match_id: format!("mat_{id}"),
            owner_id: "acme".into(),
            owner_name: "Acme".into(),
            platform: "shop".into(),
            listing_url: format!("http://shop.test/{id}"),
            seller: "s".into(),
            right_id: "r".into(),
            right_kind: "word_mark".into(),
            registration_number: "1".into(),
            explanation: "x".into(),
            evidence: vec!["cap".into()],
            good_faith_statement: "gf".into(),
            filed_at: Utc::now(),
        };
        let body = deliver::wire_body(&FiledNotice::from(notice.clone()));
        self.store
            .enqueue_delivery(&notice, &body)
            .await
            .expect("enqueue");
    }
}

pub async fn world(script: &[Answer], fallback: Option<Answer>, safeguards: Safeguards) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("owner.db"))
        .await
        .expect("store");
    let bus: Arc<dyn Bus> = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    let fake = Arc::new(Fake::default());
    fake.script
        .lock()
        .expect("lock")
        .extend(script.iter().copied());
    *fake.fallback.lock().expect("lock") = fallback;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/notices", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route("/notices", post(receive))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let endpoint = PlatformEndpoint {
        platform: "shop".into(),
        url,
        secret: Secret::parse("safeguards-test-secret-0123456789").expect("secret"),
    };
    let notifier = Notifier::new(bus.clone(), store.clone(), vec![endpoint.clone()])
        .expect("notifier")
        .with_safeguards(safeguards.clone());
    World {
        notifier,
        store,
        fake,
        bus,
        endpoint,
        safeguards,
        _dir: dir,
    }
}
