//! Kafka over TLS with SASL SCRAM, through the binary: `[backends.bus.security]` reaches a
//! broker that requires both, a wrong password or an untrusted CA is refused with an error
//! that names Kafka and never the password.
//!
//! The broker is tansu (the CI broker) with its SQLite storage, the only one of its engines
//! that keeps SCRAM credentials, started with `--authentication`; tansu 0.6.0 does not
//! serve TLS itself, so a TLS terminator (rustls, in this test) stands in front of it and
//! the broker advertises the terminator's address. librdkafka on our side speaks TLS
//! (OpenSSL) to the terminator and SCRAM-SHA-512 through it to the broker.

use std::{
    net::TcpListener as StdListener,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::Arc,
    time::Duration,
};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use takedown_bus::{Bus, Topic};
use takedown_bus_kafka::{
    KafkaBus, KafkaConfig, KafkaSecurity, SaslCredentials, SaslMechanism, Secret, SecurityProtocol,
};

const PASSWORD: &str = "scram-test-password-7f3a";
const PASSWORD_ENV: &str = "TAKEDOWN_TEST_KAFKA_PASSWORD";

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn tansu() -> PathBuf {
    std::env::var_os("TAKEDOWN_TANSU")
        .map(PathBuf::from)
        .expect("TAKEDOWN_TANSU must name a tansu built with libsql (.ci/services/kafka.sh)")
}

/// Waits (bounded: 30 s) until 127.0.0.1:`port` accepts, failing if `child` exits first.
fn wait_accepting(child: &mut Child, port: u16, log: &Path) {
    for _ in 0..120 {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "tansu exited at start ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("tansu did not accept on port {port} within 30 s");
}

/// tansu on SQLite in `dir` (the file outlives restarts), listening on `port` and
/// advertising `advertised`.
fn start_tansu(dir: &Path, port: u16, advertised: &str, authentication: bool) -> Killed {
    let log_path = dir.join(format!("tansu-{authentication}.log"));
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut command = Command::new(tansu());
    command
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .args([
            "broker",
            "--listener-url",
            &format!("tcp://127.0.0.1:{port}"),
            "--advertised-listener-url",
            advertised,
            "--storage-engine",
            "sqlite://tansu.db",
            "--silent",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    if authentication {
        command.arg("--authentication");
    }
    let mut child = command.spawn().expect("spawn tansu");
    wait_accepting(&mut child, port, &log_path);
    Killed(child)
}

/// A private CA with a server certificate for localhost and 127.0.0.1, and a second CA that
/// signed nothing here. Returns (ca.pem, other-ca.pem) paths; the server pair is
/// `kafka.pem`/`kafka.key` in `dir`.
fn make_certificates(dir: &Path) -> (PathBuf, PathBuf) {
    let ca = |name: &str| {
        let key = KeyPair::generate().expect("ca key");
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("ca cert");
        (params, key, cert)
    };
    let (ca_params, ca_key, ca_cert) = ca("takedown kafka test CA");
    let (_, _, other_cert) = ca("an unrelated CA");
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    std::fs::write(dir.join("kafka.pem"), cert.pem()).expect("write cert");
    std::fs::write(dir.join("kafka.key"), key.serialize_pem()).expect("write key");
    let (ca_path, other_path) = (dir.join("ca.pem"), dir.join("other-ca.pem"));
    std::fs::write(&ca_path, ca_cert.pem()).expect("write ca");
    std::fs::write(&other_path, other_cert.pem()).expect("write other ca");
    (ca_path, other_path)
}

/// Terminates TLS on `listener` and forwards each connection to 127.0.0.1:`broker_port`.
async fn terminate_tls(listener: tokio::net::TcpListener, dir: PathBuf, broker_port: u16) {
    let config = takedown_https::server_config(&dir.join("kafka.pem"), &dir.join("kafka.key"))
        .expect("tls config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // A client that does not trust us ends its handshake: nothing to forward.
            let Ok(mut tls) = acceptor.accept(socket).await else {
                return;
            };
            let Ok(mut broker) = tokio::net::TcpStream::connect(("127.0.0.1", broker_port)).await
            else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut broker).await;
        });
    }
}

fn config_file(dir: &Path, name: &str, tls_port: u16, namespace: &str, ca: &Path) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let text = format!(
        "data_dir = {data:?}\n\
         [backends.bus]\nkind = \"kafka\"\nbrokers = \"localhost:{tls_port}\"\nnamespace = \"{namespace}\"\n\
         [backends.bus.security]\nprotocol = \"sasl_ssl\"\nca_file = {ca:?}\n\
         sasl_mechanism = \"SCRAM-SHA-512\"\nusername = \"takedown\"\npassword_env = \"{PASSWORD_ENV}\"\n",
        data = dir.join(format!("{name}-data")),
    );
    std::fs::write(&path, text).expect("write config");
    path
}

async fn takedown(args: &[&str], password: &str) -> Output {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .env(PASSWORD_ENV, password)
        .env("RUST_LOG", "debug")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("takedown finished within 180 s")
        .expect("takedown ran")
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs tansu built with libsql (TAKEDOWN_TANSU); .ci/run installs and names it"]
async fn the_bus_reaches_a_broker_requiring_tls_and_scram_and_refuses_wrong_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_path = dir.path().to_path_buf();
    let (ca, other_ca) = make_certificates(&dir_path);
    let (broker_port, tls_port) = (free_port(), free_port());

    // The user is created on an open broker, which then restarts requiring authentication.
    {
        let _open = start_tansu(
            &dir_path,
            broker_port,
            &format!("tcp://127.0.0.1:{broker_port}"),
            false,
        );
        let created = Command::new(tansu())
            .args([
                "user",
                "create",
                "--broker",
                &format!("tcp://127.0.0.1:{broker_port}"),
                "--mechanism",
                "scram512",
                "takedown",
                PASSWORD,
            ])
            .output()
            .expect("tansu user create");
        assert!(created.status.success(), "{}", all_output(&created));
    }
    let _broker = start_tansu(
        &dir_path,
        broker_port,
        &format!("tcp://localhost:{tls_port}"),
        true,
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", tls_port))
        .await
        .expect("bind the TLS port");
    tokio::spawn(terminate_tls(listener, dir_path.clone(), broker_port));

    let sample = takedown_sample::generate();
    let site_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind site");
    let site = format!(
        "http://{}/market/",
        site_listener.local_addr().expect("addr")
    );
    tokio::spawn(takedown_sample::serve(
        Arc::new(sample.site),
        site_listener,
        std::future::pending(),
    ));
    let namespace = format!("sec-{:x}", std::process::id());
    let crawl = |config: PathBuf, password: &'static str| {
        let site = site.clone();
        async move {
            let config = config.to_str().expect("utf8").to_owned();
            let args = [
                "crawl",
                site.as_str(),
                "--allow-loopback",
                "--source",
                "shop",
                "--max-pages",
                "8",
                "--config",
                config.as_str(),
            ];
            takedown(&args, password).await
        }
    };

    // The right password and CA: the crawl's listings are on the broker, and nothing the
    // process printed (at debug level) holds the password.
    let good = config_file(&dir_path, "good", tls_port, &namespace, &ca);
    let out = crawl(good, PASSWORD).await;
    let printed = all_output(&out);
    assert!(
        out.status.success(),
        "crawl over SASL_SSL failed: {printed}"
    );
    assert!(!printed.contains(PASSWORD), "the password was printed");

    let mut kafka = KafkaConfig::new(format!("localhost:{tls_port}"));
    kafka.namespace = Some(namespace.clone());
    kafka.security = KafkaSecurity {
        protocol: SecurityProtocol::SaslSsl,
        ca_file: Some(ca.clone()),
        client_certificate: None,
        sasl: Some(SaslCredentials {
            mechanism: SaslMechanism::ScramSha512,
            username: "takedown".into(),
            password: Secret::new(PASSWORD),
        }),
    };
    let bus = KafkaBus::new(kafka).expect("bus");
    let waiting = bus.lag("hasher", Topic::Listings).await.expect("lag");
    assert!(
        waiting >= 1,
        "the crawl's listings wait for the hasher: {waiting}; the crawl said {printed}"
    );

    // A wrong password: refused, the error names Kafka, the password is not printed.
    let wrong = "not-the-password-91c2";
    let good_again = config_file(&dir_path, "wrong-password", tls_port, &namespace, &ca);
    let out = crawl(good_again, wrong).await;
    let printed = all_output(&out);
    assert!(
        !out.status.success(),
        "a wrong password was accepted: {printed}"
    );
    assert!(
        printed.contains("Kafka"),
        "the error names Kafka: {printed}"
    );
    assert!(!printed.contains(wrong), "the wrong password was printed");

    // A CA that did not sign the broker's certificate: refused.
    let untrusted = config_file(&dir_path, "untrusted", tls_port, &namespace, &other_ca);
    let out = crawl(untrusted, PASSWORD).await;
    let printed = all_output(&out);
    assert!(
        !out.status.success(),
        "an untrusted broker was accepted: {printed}"
    );
    assert!(
        printed.contains("Kafka"),
        "the error names Kafka: {printed}"
    );
}
