//! Two `takedown serve platform` processes on one PostgreSQL case database, as a platform
//! runs its desk with replicas behind a load balancer: a notice received by one is the same
//! case on the other, measures are taken through the other, a redelivery to either opens no
//! second case, and a statutory deadline fires once — also after the replica that ticked
//! is SIGKILLed and the other takes the ticker's lease over.

use std::time::Duration;

use serde_json::{Value, json};
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Secret};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OPERATOR: &str = "op-token-0123456789abcdef";
/// The environment variable the desks read their database's address from (`--db-url-env`).
const DB_ENV: &str = "TAKEDOWN_TEST_DESK_DB";

/// A fresh database on the server `TAKEDOWN_POSTGRES_URL` points at, made with `psql`.
fn fresh_postgres_database(name: &str) -> String {
    let server = std::env::var("TAKEDOWN_POSTGRES_URL")
        .expect("TAKEDOWN_POSTGRES_URL must name a PostgreSQL server (.ci/run starts one)");
    let status = std::process::Command::new("psql")
        .arg(&server)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
        .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .arg("-c")
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .expect("run psql");
    assert!(status.success(), "creating database {name} failed");
    let (base, _) = server
        .rsplit_once('/')
        .expect("TAKEDOWN_POSTGRES_URL ends in /DATABASE");
    format!("{base}/{name}")
}

/// Runs one SQL statement on `url` with `psql`: what the test does behind the desks' backs.
fn psql(url: &str, sql: &str) {
    let status = std::process::Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .status()
        .expect("run psql");
    assert!(status.success(), "psql: {sql}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `serve platform` on a free port over the database at `db_url`, ticking every second;
/// waits until it answers.
async fn start_desk(db_url: &str) -> (tokio::process::Child, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", "platform", "--listen", &listen])
        .args(["--db-url-env", DB_ENV, "--common-checks-only"])
        .args(["--default-regime", "us_dmca", "--tick-every", "1"])
        .env(DB_ENV, db_url)
        .env("TAKEDOWN_PLATFORM_SECRET", SECRET)
        .env("TAKEDOWN_OPERATOR_TOKEN", OPERATOR)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("serve platform");
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve platform did not answer on {base}");
}

fn notice(id: &str) -> Value {
    json!({
        "type": "notice.filed",
        "timestamp": "2026-11-22T10:00:00Z",
        "data": {
            "id": id, "match_id": format!("mat_{id}"), "owner_id": "acme",
            "owner_name": "Acme Inc.", "platform": "shop",
            "listing_url": format!("http://shop.test/{id}"), "seller": "S",
            "right_id": "r1", "right_kind": "word_mark", "registration_number": "US 1",
            "explanation": "uses the mark", "evidence": ["cap_1"],
            "good_faith_statement": "good faith", "filed_at": "2026-11-22T10:00:00Z"
        }
    })
}

/// Signs and posts a notice; the status and the JSON answer.
async fn post_notice(client: &reqwest::Client, base: &str, id: &str) -> (u16, Value) {
    let body = notice(id).to_string();
    let ts = chrono::Utc::now().timestamp();
    let signature = Secret::parse(SECRET)
        .expect("secret")
        .sign(id, ts, body.as_bytes());
    let response = client
        .post(format!("{base}/notices"))
        .header(HEADER_ID, id)
        .header(HEADER_TIMESTAMP, ts.to_string())
        .header(HEADER_SIGNATURE, signature)
        .body(body)
        .send()
        .await
        .expect("post notice");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// An operator's request: `GET` without a body, `POST` with one.
async fn call(client: &reqwest::Client, url: String, body: Option<Value>) -> (u16, Value) {
    let request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    let response = request
        .bearer_auth(OPERATOR)
        .header("x-operator", "li.wei")
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The case's timeline events named `event`, as `base` serves the case.
async fn count_events(client: &reqwest::Client, base: &str, case_id: &str, event: &str) -> usize {
    let (status, case) = call(client, format!("{base}/cases/{case_id}"), None).await;
    assert_eq!(status, 200, "{case}");
    case["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"] == event)
        .count()
}

/// Files `id` on `receiver`, takes measures on it through `actor`, then moves the seller's
/// window into the past behind both desks' backs, and waits until the ticker of whichever
/// desk holds its lease ends it: once, as both desks tell.
async fn deadline_fires_once(
    client: &reqwest::Client,
    db_url: &str,
    receiver: &str,
    actor: &str,
    id: &str,
    watchers: &[&str],
) -> String {
    let (status, opened) = post_notice(client, receiver, id).await;
    assert_eq!(status, 201, "{opened}");
    let case_id = opened["case_id"].as_str().expect("case id").to_owned();

    let measures = format!("{actor}/cases/{case_id}/measures");
    let reasons = json!({ "statement_of_reasons": "counterfeit logo" });
    let (status, case) = call(client, measures, Some(reasons)).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["state"], "seller_notified", "{case}");

    psql(
        db_url,
        &format!(
            "UPDATE cases SET deadline = '2020-01-01T00:00:00.000Z' WHERE case_id = '{case_id}'"
        ),
    );
    // Bounded: the lease of a killed holder lapses within 5 s, a tick comes every second.
    let mut fired = false;
    for _ in 0..300 {
        if count_events(client, watchers[0], &case_id, "window_expired").await > 0 {
            fired = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(fired, "the deadline of {case_id} did not fire");
    // A few more ticks of every desk: nothing fires twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for base in watchers {
        assert_eq!(
            count_events(client, base, &case_id, "window_expired").await,
            1,
            "{base}"
        );
        let (_, case) = call(client, format!("{base}/cases/{case_id}"), None).await;
        assert_eq!(case["state"], "closed_upheld", "{case}");
    }
    case_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: TAKEDOWN_POSTGRES_URL; .ci/run starts one"]
async fn two_desks_on_one_postgres_share_cases_and_fire_a_deadline_once() {
    let db_url = fresh_postgres_database("takedown_desk_replicas");
    let (mut first, a) = start_desk(&db_url).await;
    let (mut second, b) = start_desk(&db_url).await;
    let client = reqwest::Client::new();

    // Received by one, acted on through the other; redelivered to either, one case.
    let case_id = deadline_fires_once(&client, &db_url, &a, &b, "ntc_replica_1", &[&a, &b]).await;
    for base in [&a, &b] {
        let (status, again) = post_notice(&client, base, "ntc_replica_1").await;
        assert_eq!(status, 200, "a redelivery finds the case: {again}");
        assert_eq!(again["case_id"], case_id.as_str());
    }
    let (_, inbox) = call(&client, format!("{a}/cases"), None).await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(1), "{inbox}");

    // The first desk dies without a word; the second takes the ticker over.
    first.kill().await.expect("SIGKILL the first desk");
    deadline_fires_once(&client, &db_url, &b, &b, "ntc_replica_2", &[&b]).await;
    let (_, inbox) = call(&client, format!("{b}/cases"), None).await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(2), "{inbox}");

    // The trail is numbered in commit order: the feed read from the start has every event.
    let (_, feed) = call(&client, format!("{b}/case-events?after=0&limit=500"), None).await;
    let seqs: Vec<i64> = feed
        .as_array()
        .expect("feed")
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    second.kill().await.expect("stop the second desk");
}
