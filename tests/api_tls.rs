//! `takedown serve api --tls-cert --tls-key` over loopback, as an operator deploys it: a
//! brand owner registered from an owner file is given its first key with
//! `takedown tenants issue-key`, and that key works over HTTPS against a certificate from a
//! private CA; plain HTTP to the same port gets no API answer; a bad key file is refused
//! before anything listens, naming the file.

use std::{path::Path, process::Output, time::Duration};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

fn takedown(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private CA and a server certificate for 127.0.0.1 and localhost signed by it, as PEM
/// files in `dir`; returns the CA's PEM.
fn make_certificates(dir: &Path) -> String {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "takedown api test CA");
    let ca_cert = ca.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::from_params(&ca, &ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    std::fs::write(dir.join("api.pem"), cert.pem()).expect("write cert");
    std::fs::write(dir.join("api.key"), key.serialize_pem()).expect("write key");
    ca_cert.pem()
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_file_owner_gets_a_key_that_works_over_https() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8");
    let sample = takedown_sample::generate();
    let owner_file = sample
        .write_owner_files(&dir.path().join("owner"))
        .expect("owner files");
    let owner_id = sample.owner.owner.id.clone();
    assert_ok(&takedown(&[
        "rights",
        "import",
        owner_file.to_str().expect("utf8"),
        "--data-dir",
        data_arg,
    ]));

    // `create` with the owner's id says how to give it a key instead of failing bare.
    let again = takedown(&[
        "tenants",
        "create",
        "--kind",
        "brand_owner",
        "--name",
        "Again",
        "--id",
        &owner_id,
        "--data-dir",
        data_arg,
    ]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("tenants issue-key"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // A tenant that does not exist gets no key.
    let nobody = takedown(&[
        "tenants",
        "issue-key",
        "--tenant",
        "nobody",
        "--data-dir",
        data_arg,
    ]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no tenant \"nobody\""));

    let issued = takedown(&[
        "tenants",
        "issue-key",
        "--tenant",
        &owner_id,
        "--data-dir",
        data_arg,
    ]);
    assert_ok(&issued);
    let key = String::from_utf8_lossy(&issued.stdout).trim().to_owned();
    assert!(key.starts_with("tdk_"), "{key}");

    let ca = make_certificates(dir.path());
    let listen = free_addr();
    let cert = dir.path().join("api.pem");
    let key_file = dir.path().join("api.key");
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", "api", "--listen", &listen, "--data-dir", data_arg])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key_file)
        .kill_on_drop(true)
        .spawn()
        .expect("serve api");
    let client = reqwest::Client::builder()
        .tls_certs_merge([reqwest::Certificate::from_pem(ca.as_bytes()).expect("ca")])
        .build()
        .expect("client");
    let me = format!("https://{listen}/v1/me");
    let mut answer = None;
    for _ in 0..200 {
        if let Ok(response) = client.get(&me).bearer_auth(&key).send().await {
            answer = Some((
                response.status().as_u16(),
                response.text().await.expect("body"),
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = answer.expect("the API answers over HTTPS");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&owner_id), "{body}");

    // Plain HTTP to the HTTPS port is not served.
    let plain = reqwest::Client::new()
        .get(format!("http://{listen}/v1/me"))
        .bearer_auth(&key)
        .send()
        .await;
    assert!(
        plain.as_ref().map_or(true, |r| !r.status().is_success()),
        "{plain:?}"
    );
    server.kill().await.expect("stop the api");
}

#[test]
fn a_key_file_that_is_not_a_key_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_certificates(dir.path());
    let bad = dir.path().join("bad.key");
    std::fs::write(&bad, "not a key").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", "api", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--tls-cert")
        .arg(dir.path().join("api.pem"))
        .arg("--tls-key")
        .arg(&bad)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TLS private key") && stderr.contains("bad.key"),
        "{stderr}"
    );
}
