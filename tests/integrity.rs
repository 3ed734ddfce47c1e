//! The integrity findings, reproduced from outside as they were found: the built binary, its
//! API server on 127.0.0.1, and files a user would write.
//!
//! - One tenant's right is never overwritten, moved or shown to another, whatever path each
//!   of them writes by (API, owner file, CSV import, `rights bulk`, the API's bulk route):
//!   every path against every other.
//! - An owner file never rewrites an existing tenant of another kind.
//! - Imports check what the API checks, and an owner file is registered whole or not at all.
//! - The API answers every error, 413 included, in its JSON shape, and takes `bearer` in any
//!   case.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Duration,
};

use serde_json::{Value, json};

fn takedown(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A data directory, an API server on it, and helpers to act as each kind of user.
struct World {
    dir: tempfile::TempDir,
    data: String,
    base: String,
    /// Killed when the world is dropped.
    _server: tokio::process::Child,
    client: reqwest::Client,
}

impl World {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data").to_str().expect("utf8").to_owned();
        // The store must exist before the server opens it with the first tenant.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let server = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
            .args(["serve", "api", "--listen", &listen, "--data-dir", &data])
            .kill_on_drop(true)
            .spawn()
            .expect("serve api");
        let world = World {
            dir,
            data,
            base: format!("http://{listen}"),
            _server: server,
            // No kept-alive connections: a server that refuses an oversized body closes the
            // connection without reading it, and a pooled one would fail the next request.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
        };
        let mut up = false;
        for _ in 0..200 {
            if world
                .client
                .get(format!("{}/openapi.json", world.base))
                .send()
                .await
                .is_ok()
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "the API server answers");
        world
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `rights import FILE [--owner OWNER]` and asserts it is refused with a message
    /// containing `expected`.
    fn import_refused(&self, file: &Path, owner: Option<&str>, expected: &str) {
        let mut args = vec!["rights", "import", file.to_str().expect("utf8")];
        if let Some(owner) = owner {
            args.extend(["--owner", owner]);
        }
        args.extend(["--data-dir", &self.data]);
        let out = takedown(&args);
        assert!(
            !out.status.success(),
            "{expected}: the import was not refused"
        );
        assert!(
            stderr(&out).contains(expected),
            "{expected}: {}",
            stderr(&out)
        );
    }

    /// Creates a tenant with `tenants create` and returns its first key.
    fn tenant(&self, kind: &str, id: &str) -> String {
        let out = takedown(&[
            "tenants",
            "create",
            "--kind",
            kind,
            "--name",
            id,
            "--id",
            id,
            "--data-dir",
            &self.data,
        ]);
        assert!(
            out.status.success(),
            "tenants create {id}: {}",
            stderr(&out)
        );
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .find(|w| w.starts_with("tdk_"))
            .expect("the key is printed")
            .to_owned()
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key);
        if let Some((content_type, bytes)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "{method_path} answered non-JSON ({e}): {text}",
                method_path = path
            )
        });
        (status, value)
    }

    /// The names of the rights `key`'s tenant sees, by their shown id.
    async fn rights_seen(&self, key: &str) -> Vec<(String, String)> {
        let (status, body) = self
            .request(reqwest::Method::GET, "/v1/rights", key, None)
            .await;
        assert_eq!(status, 200, "{body}");
        let mut seen: Vec<(String, String)> = body
            .as_array()
            .expect("array")
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap_or_default().to_owned(),
                    r["name"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        seen.sort();
        seen
    }
}

/// The ways a right comes into the store.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Path_ {
    Api,
    OwnerFile,
    Csv,
    CliBulk,
    ApiBulk,
}

const PATHS: [Path_; 5] = [
    Path_::Api,
    Path_::OwnerFile,
    Path_::Csv,
    Path_::CliBulk,
    Path_::ApiBulk,
];

impl Path_ {
    /// The id under which a right written by this path for `owner` with `id` is stored: the
    /// API's routes (single and bulk, and `rights bulk`, which shares them) prefix the owner.
    fn stored_id(self, owner: &str, id: &str) -> String {
        match self {
            Path_::Api | Path_::CliBulk | Path_::ApiBulk => format!("{owner}/{id}"),
            Path_::OwnerFile | Path_::Csv => id.to_owned(),
        }
    }
}

/// Writes a word mark `id` named `name` for `owner` by `path`; returns whether the path said
/// it registered it (a refusal is a fine outcome for an attack, never for the setup).
async fn write_right(
    world: &World,
    path: Path_,
    owner: &str,
    key: &str,
    id: &str,
    name: &str,
) -> bool {
    let csv = format!(
        "id,kind,name,registration_number,office,classes,territories,valid_from,valid_until,images\n\
         {id},word_mark,{name},EUTM 1,EUIPO,25,EU,,,\n"
    );
    let file = world.path(&format!("{owner}-{}.csv", id.replace('/', "_")));
    match path {
        Path_::Api => {
            let (status, _) = world
                .request(
                    reqwest::Method::POST,
                    "/v1/rights",
                    key,
                    Some((
                        "application/json",
                        json!({"id": id, "kind": "word_mark", "name": name,
                               "registration_number": "EUTM 1"})
                        .to_string()
                        .into_bytes(),
                    )),
                )
                .await;
            status == 201
        }
        Path_::OwnerFile => {
            let owner_file = world.path(&format!("{owner}-{}.json", id.replace('/', "_")));
            std::fs::write(
                &owner_file,
                json!({"owner": {"id": owner, "kind": "brand_owner", "name": owner},
                       "rights": [{"id": id, "kind": "word_mark", "name": name,
                                   "registration_number": "EUTM 1"}]})
                .to_string(),
            )
            .expect("write owner file");
            let out = takedown(&[
                "rights",
                "import",
                owner_file.to_str().expect("utf8"),
                "--data-dir",
                &world.data,
            ]);
            if !out.status.success() {
                eprintln!("owner file refused: {}", stderr(&out));
            }
            out.status.success()
        }
        Path_::Csv => {
            std::fs::write(&file, csv).expect("write csv");
            let out = takedown(&[
                "rights",
                "import",
                file.to_str().expect("utf8"),
                "--owner",
                owner,
                "--data-dir",
                &world.data,
            ]);
            out.status.success()
        }
        Path_::CliBulk => {
            std::fs::write(&file, csv).expect("write csv");
            let out = takedown(&[
                "rights",
                "bulk",
                file.to_str().expect("utf8"),
                "--owner",
                owner,
                "--data-dir",
                &world.data,
            ]);
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("imported 1")
        }
        Path_::ApiBulk => {
            let (status, body) = world
                .request(
                    reqwest::Method::POST,
                    "/v1/rights/bulk",
                    key,
                    Some(("text/csv", csv.into_bytes())),
                )
                .await;
            status == 200 && body["imported"] == 1
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_path_can_overwrite_move_or_show_another_tenants_right() {
    let world = World::start().await;
    for (i, creator) in PATHS.into_iter().enumerate() {
        for (j, attacker) in PATHS.into_iter().enumerate() {
            let (a, b) = (format!("own{i}{j}"), format!("att{i}{j}"));
            // Ids from files are unique across owners (a second owner's file naming a taken
            // one is refused), so each pair gets its own.
            let id = format!("r{i}{j}");
            let key_a = world.tenant("brand_owner", &a);
            let key_b = world.tenant("brand_owner", &b);
            assert!(
                write_right(&world, creator, &a, &key_a, &id, "ORIGINAL").await,
                "{creator:?} registers a's right"
            );
            let before = world.rights_seen(&key_a).await;
            assert_eq!(before, [(id.clone(), "ORIGINAL".to_owned())]);
            // b writes the id a chose and the id a's right is stored under.
            for attack in [id.clone(), creator.stored_id(&a, &id)] {
                write_right(&world, attacker, &b, &key_b, &attack, "HIJACKED").await;
                let context =
                    format!("{creator:?} right attacked by {attacker:?} with id {attack}");
                assert_eq!(world.rights_seen(&key_a).await, before, "{context}");
                assert!(
                    world
                        .rights_seen(&key_b)
                        .await
                        .iter()
                        .all(|(_, name)| name != "ORIGINAL"),
                    "{context}: b sees none of a's rights"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reproductions_of_the_report_fail_to_do_harm() {
    let world = World::start().await;
    // Finding 1, as reported: an owner file names the id the API stores for another tenant.
    let key_b = world.tenant("brand_owner", "bravo-probe");
    let file = world.path("o.json");
    std::fs::write(
        &file,
        r#"{"owner":{"id":"acme","kind":"brand_owner","name":"Acme"},"rights":[{"id":"bravo-probe/r1","kind":"word_mark","name":"ACMESECRET","registration_number":"9"}]}"#,
    )
    .expect("write");
    world.import_refused(&file, None, "id: may contain only");
    assert!(write_right(&world, Path_::Api, "bravo-probe", &key_b, "r1", "BRAVO").await);
    assert_eq!(
        world.rights_seen(&key_b).await,
        [("r1".to_owned(), "BRAVO".to_owned())]
    );

    // Finding 2: an owner file over an existing platform tenant.
    let key_p = world.tenant("platform", "shop-plat");
    std::fs::write(
        &file,
        r#"{"owner":{"id":"shop-plat","kind":"brand_owner","name":"Renamed"},"rights":[]}"#,
    )
    .expect("write");
    world.import_refused(&file, None, "exists as a platform");
    let (status, me) = world
        .request(reqwest::Method::GET, "/v1/me", &key_p, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["kind"], "platform", "{me}");
    let (status, _) = world
        .request(reqwest::Method::GET, "/v1/rights", &key_p, None)
        .await;
    assert_eq!(status, 403, "a platform still reads no rights");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_file_is_checked_like_the_api_and_registered_whole_or_not_at_all() {
    let world = World::start().await;
    let key = world.tenant("brand_owner", "acme");
    let file = world.path("acme.json");
    let good =
        json!({"id": "r-good", "kind": "word_mark", "name": "GOOD", "registration_number": "1"});
    let cases = [
        (
            json!({"id": "r2", "kind": "word_mark", "name": "", "registration_number": "2"}),
            "name: is required",
        ),
        (
            json!({"id": "r2", "kind": "word_mark", "name": "X", "registration_number": "2", "classes": ["99"]}),
            "Nice class",
        ),
        (
            json!({"id": "r2", "kind": "word_mark", "name": "X", "registration_number": "2", "territories": ["ZZZ"]}),
            "ISO 3166",
        ),
        (
            json!({"id": "r2", "kind": "word_mark", "name": "X", "registration_number": "2",
                "valid_from": "2030-01-01", "valid_until": "2020-01-01"}),
            "valid_from",
        ),
        (
            json!({"id": "r2", "kind": "logo_mark", "name": "X", "registration_number": "2",
                "images": [{"view": "logo", "file": "notes.txt"}]}),
            "not a usable image",
        ),
    ];
    std::fs::write(world.path("notes.txt"), "this is not a picture").expect("write");
    for (bad, expected) in cases {
        std::fs::write(
            &file,
            json!({"owner": {"id": "acme", "kind": "brand_owner", "name": "Acme"},
                   "rights": [good, bad]})
            .to_string(),
        )
        .expect("write");
        world.import_refused(&file, None, expected);
        assert!(
            world.rights_seen(&key).await.is_empty(),
            "{expected}: the first, valid right was not written either"
        );
    }
    // A misspelt key is refused, naming it, not ignored.
    std::fs::write(
        &file,
        json!({"owner": {"id": "acme", "kind": "brand_owner", "name": "Acme"},
               "rights": [good], "authorised_sellers": [{"platform": "shop", "seller": "Acme Store"}]})
        .to_string(),
    )
    .expect("write");
    world.import_refused(&file, None, "authorised_sellers");
    // Arrays are bounded.
    let classes: Vec<String> = (0..300_000).map(|n| (n % 45 + 1).to_string()).collect();
    std::fs::write(
        &file,
        json!({"owner": {"id": "acme", "kind": "brand_owner", "name": "Acme"},
               "rights": [{"id": "r3", "kind": "word_mark", "name": "X", "registration_number": "3",
                           "classes": classes}]})
        .to_string(),
    )
    .expect("write");
    world.import_refused(&file, None, "at most 100 classes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rights_csv_is_checked_like_the_api_row_by_row() {
    let world = World::start().await;
    let key = world.tenant("brand_owner", "acme");
    let csv = world.path("marks.csv");
    std::fs::write(
        &csv,
        "id,kind,name,registration_number,office,classes,territories,valid_from,valid_until,images\n\
         r-ok,word_mark,FINE,1,EUIPO,25,EU,,,\n\
         r-noname,word_mark,,2,EUIPO,25,EU,,,\n\
         r-class,word_mark,X,3,EUIPO,99,EU,,,\n\
         r-terr,word_mark,X,4,EUIPO,25,ZZZ,,,\n\
         r-dates,word_mark,X,5,EUIPO,25,EU,2030-01-01,2020-01-01,\n\
         r-logo,logo_mark,X,6,EUIPO,25,EU,,,\n\
         r-date,word_mark,X,7,EUIPO,25,EU,March 2020,,\n",
    )
    .expect("write");
    let out = takedown(&[
        "rights",
        "import",
        csv.to_str().expect("utf8"),
        "--owner",
        "acme",
        "--data-dir",
        &world.data,
    ]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    for (line, expected) in [
        (3, "name: is required"),
        (4, "classes[0]: must be a Nice class"),
        (5, "territories[0]: must be an ISO 3166"),
        (6, "valid_until: must not be before valid_from"),
        (7, "images: a logo mark or design needs at least one image"),
        (
            8,
            "valid_from: must be a date YYYY-MM-DD, not \"March 2020\"",
        ),
    ] {
        assert!(
            err.contains(&format!("marks.csv:{line}: {expected}")),
            "line {line}: {err}"
        );
    }
    assert_eq!(
        world.rights_seen(&key).await,
        [("r-ok".to_owned(), "FINE".to_owned())]
    );

    for (content, expected) in [
        (&b"id,kind,name,registration_number\n"[..], "no rows"),
        (&b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..], "not CSV text"),
        (&b"name,colour\nX,red\n"[..], "no \"id\" column"),
    ] {
        std::fs::write(&csv, content).expect("write");
        world.import_refused(&csv, Some("acme"), expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_every_error_as_json_and_takes_bearer_in_any_case() {
    let world = World::start().await;
    let key = world.tenant("brand_owner", "acme");
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let status = world
            .client
            .get(format!("{}/v1/me", world.base))
            .header("Authorization", format!("{scheme} {key}"))
            .send()
            .await
            .expect("request")
            .status();
        assert_eq!(status, 200, "{scheme}");
    }
    // A bulk body over the cap: 413 in the JSON error shape.
    let big = vec![b'a'; 65 * 1024 * 1024];
    let (status, body) = world
        .request(
            reqwest::Method::POST,
            "/v1/rights/bulk",
            &key,
            Some(("text/csv", big)),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "too_large", "{body}");
    // A JSON body over axum's limit, a route that does not exist, a method not allowed.
    let big_json = format!("{{\"id\":\"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let (status, body) = world
        .request(
            reqwest::Method::POST,
            "/v1/rights",
            &key,
            Some(("application/json", big_json.into_bytes())),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    let (status, body) = world
        .request(reqwest::Method::GET, "/v1/nowhere", &key, None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let (status, body) = world
        .request(reqwest::Method::PATCH, "/v1/rights", &key, None)
        .await;
    assert_eq!(status, 405, "{body}");
    assert!(body["message"].is_string(), "{body}");
    // An empty bulk body is refused, not "imported 0".
    let (status, body) = world
        .request(
            reqwest::Method::POST,
            "/v1/rights/bulk",
            &key,
            Some(("text/csv", b"id,kind,name,registration_number\n".to_vec())),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_right_stored_under_another_owner_is_reported_by_the_bulk_route_with_its_row() {
    let world = World::start().await;
    let key = world.tenant("brand_owner", "bravo");
    world.tenant("brand_owner", "acme");
    // A row written before ids were checked: acme holds the id bravo's API would store.
    let store = takedown_store::Store::open(&Path::new(&world.data).join("takedown.db"))
        .await
        .expect("store");
    let mut legacy = takedown_model::Right {
        id: "bravo/r9".into(),
        owner_id: "acme".into(),
        kind: takedown_model::RightKind::WordMark,
        name: "ACME LEGACY".into(),
        registration_number: "1".into(),
        office: String::new(),
        classes: vec![],
        territories: vec![],
        valid_from: None,
        valid_until: None,
        images: vec![],
    };
    store.upsert_right(&legacy).await.expect("legacy row");
    let (status, body) = world
        .request(
            reqwest::Method::POST,
            "/v1/rights/bulk",
            &key,
            Some((
                "text/csv",
                b"id,kind,name,registration_number\nr8,word_mark,MINE,1\nr9,word_mark,TAKEN,2\n"
                    .to_vec(),
            )),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["imported"], 1, "{body}");
    assert_eq!(body["errors"][0]["row"], 3, "{body}");
    assert_eq!(body["errors"][0]["field"], "id", "{body}");
    assert!(
        body["errors"][0]["rule"]
            .as_str()
            .unwrap_or_default()
            .contains("another owner"),
        "{body}"
    );
    legacy.name = "ACME LEGACY".into();
    assert_eq!(
        store.right_of("acme", "bravo/r9").await.expect("read"),
        Some(legacy),
        "acme's row is untouched"
    );
}

#[test]
fn a_config_with_a_threshold_outside_zero_to_one_or_a_source_without_its_platform_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("takedown.toml");
    let platform = "[[platforms]]\nid = \"shop\"\nendpoint = \"http://127.0.0.1:9/notices\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n";
    let source = "[[sources]]\nid = \"s\"\nkind = \"marketplace\"\nplatform = \"shop\"\nstart_urls = [\"http://127.0.0.1:9/\"]\n";
    for (text, expected) in [
        (
            format!("data_dir = \"d\"\n[policy]\nauto_file_threshold = -3\n{platform}{source}"),
            "auto_file_threshold",
        ),
        (
            format!("data_dir = \"d\"\n[policy]\nauto_file_threshold = 1.8\n{platform}{source}"),
            "between 0 and 1",
        ),
        (
            format!(
                "data_dir = \"d\"\n{}",
                source.replace("\"shop\"", "\"shopp\"")
            ),
            "no [[platforms]] entry",
        ),
    ] {
        std::fs::write(&config, text).expect("write");
        let out = takedown(&[
            "run",
            "--config",
            config.to_str().expect("utf8"),
            "--until-idle",
        ]);
        assert!(!out.status.success(), "{expected}");
        assert!(
            stderr(&out).contains(expected),
            "{expected}: {}",
            stderr(&out)
        );
        assert!(
            !dir.path().join("d").exists(),
            "{expected}: nothing was started"
        );
    }
}
