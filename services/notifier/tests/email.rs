//! The e-mail adapter against a real SMTP server on 127.0.0.1 (Python's `aiosmtpd`, saving
//! to a Maildir): plain, and with STARTTLS or implicit TLS and a login, the relay's
//! certificate from a private CA made here with `rcgen`. Skipped, saying so, only when
//! python3 or aiosmtpd is missing.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use lettre::transport::smtp::authentication::Credentials;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use takedown_model::{
    Notice,
    notice::{Bilingual, EvidenceRef, FiledNotice, NoticeItem, Regime},
};
use takedown_notifier::{
    Outcome,
    config::{EmailConfig, NotifierConfig, NotifierConfigError, PlatformConfig},
    email::{EmailSender, SmtpRelay, SmtpTls},
};

fn aiosmtpd_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn chinese_notice() -> FiledNotice {
    let notice = Notice {
        id: "ntc_mail".into(),
        match_id: "mat_1".into(),
        owner_id: "acme".into(),
        owner_name: "Acme Ltd".into(),
        platform: "tmall".into(),
        listing_url: "http://shop.test/item/1".into(),
        seller: "Knockoff Co".into(),
        right_id: "rgt_1".into(),
        right_kind: "word_mark".into(),
        registration_number: "CN 12345678".into(),
        explanation: "The title uses ACME.".into(),
        evidence: vec!["cap_1".into()],
        good_faith_statement: "In good faith.".into(),
        filed_at: chrono::Utc::now(),
    };
    let mut filed = FiledNotice::from(notice);
    filed.regime = Regime::CnEcommerce;
    filed.notifier.name = "Acme Ltd".into();
    filed.right.registration_number = "CN 12345678".into();
    filed.explanation_text = Bilingual {
        en: "The title uses ACME.".into(),
        zh: Some("该商品标题使用了“ACME”。".into()),
    };
    filed.items = vec![
        NoticeItem {
            key: "mat_1".into(),
            listing_url: "http://shop.test/item/1".into(),
            booth: None,
            evidence: vec![EvidenceRef {
                capture_id: "cap_1".into(),
                body_digest: "ab".repeat(32),
                ..Default::default()
            }],
        },
        NoticeItem {
            key: "mat_2".into(),
            listing_url: "http://shop.test/item/2".into(),
            booth: None,
            evidence: vec![],
        },
    ];
    filed
}

async fn wait_for_port(port: u16) -> bool {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn first_mail(maildir: &Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(maildir.join("new"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .next()
}

/// A plain aiosmtpd relay (no TLS, no login) saving to `maildir`, killed on drop, and its port.
async fn start_plain_relay(maildir: &Path) -> (tokio::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let server = tokio::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start aiosmtpd");
    assert!(wait_for_port(port).await, "aiosmtpd did not start");
    (server, port)
}

#[tokio::test]
async fn a_notice_arrives_by_mail_readable_bilingual_with_its_json_attached() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let maildir = dir.path().join("mail");
    let (_server, port) = start_plain_relay(&maildir).await;

    let sender =
        EmailSender::new("127.0.0.1", port, "Takedown <notices@owner.example>").expect("sender");
    let filed = chinese_notice();
    sender
        .send(&filed, "IP desk <ipr@tmall.example>")
        .await
        .expect("sent");

    let mut saved = None;
    for _ in 0..100 {
        saved = first_mail(&maildir);
        if saved.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let saved = saved.expect("the server saved the mail");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/read_mail.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&saved)
        .output()
        .expect("read mail");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mail: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");

    let subject = mail["subject"].as_str().expect("subject");
    assert!(
        subject.contains("知识产权侵权通知") && subject.contains("ntc_mail"),
        "{subject}"
    );
    let text = mail["text"].as_str().expect("text");
    for expected in [
        "侵权理由 / Explanation",
        "该商品标题使用了“ACME”。",
        "The title uses ACME.",
        "http://shop.test/item/1",
        "http://shop.test/item/2",
        "CN 12345678",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let attachment = &mail["attachments"][0];
    assert_eq!(attachment["name"], "notice-ntc_mail.json");
    let attached: FiledNotice =
        serde_json::from_str(attachment["content"].as_str().expect("content")).expect("notice");
    assert_eq!(attached, filed);
}

#[test]
fn an_english_regime_gets_an_english_only_body() {
    let mut filed = chinese_notice();
    filed.regime = Regime::EuDsa;
    filed.explanation_text.zh = None;
    let text = takedown_notifier::email::text_body(&filed);
    assert!(text.starts_with("IP infringement notice\n"), "{text}");
    assert!(!text.contains("侵权"), "{text}");
}

/// The relay login's password in these tests; every refusal is checked not to contain it.
const PASSWORD: &str = "correct-horse-battery-staple";

/// Writes `ca.pem`, and `cert.pem` + `key.pem` for 127.0.0.1 signed by that CA, into `dir`.
fn make_certificates(dir: &Path) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "takedown SMTP test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf cert");
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("write CA");
    std::fs::write(dir.join("cert.pem"), leaf.pem()).expect("write cert");
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).expect("write key");
}

/// An aiosmtpd relay with TLS and a required login (`tests/smtp/tls_server.py`), killed on
/// drop, with its certificates and Maildir in a temporary directory.
struct TlsRelay {
    dir: tempfile::TempDir,
    port: u16,
    _server: tokio::process::Child,
}

impl TlsRelay {
    /// Starts one in `mode` (`starttls` or `implicit`) offering `mechanisms` (all if empty).
    async fn start(mode: &str, mechanisms: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        make_certificates(dir.path());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/tls_server.py");
        let server = tokio::process::Command::new("python3")
            .arg(script)
            .args([mode, &port.to_string()])
            .arg(dir.path().join("mail"))
            .arg(dir.path().join("cert.pem"))
            .arg(dir.path().join("key.pem"))
            .arg("takedown")
            .args(mechanisms)
            .env("SMTP_TEST_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the TLS SMTP server");
        assert!(
            wait_for_port(port).await,
            "the TLS SMTP server did not start"
        );
        Self {
            dir,
            port,
            _server: server,
        }
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The relay as the sender sees it: this CA trusted (or not) and this password.
    fn relay(&self, tls: SmtpTls, trust_ca: bool, password: &str) -> SmtpRelay {
        SmtpRelay {
            host: "127.0.0.1".into(),
            port: self.port,
            tls,
            extra_ca_pem: trust_ca.then(|| std::fs::read(self.ca_file()).expect("read the CA")),
            credentials: Some(Credentials::new("takedown".into(), password.into())),
        }
    }

    /// The one mail saved, read back by `read_mail.py`, or `None` if none arrives in time.
    async fn saved_mail(&self) -> Option<serde_json::Value> {
        let maildir = self.dir.path().join("mail");
        let mut saved = None;
        for _ in 0..100 {
            saved = first_mail(&maildir);
            if saved.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(read_mail(&saved?))
    }

    /// Whether nothing was saved (checked after the sender has given up).
    fn has_no_mail(&self) -> bool {
        first_mail(&self.dir.path().join("mail")).is_none()
    }
}

fn read_mail(saved: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/read_mail.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(saved)
        .output()
        .expect("read mail");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The notice as the outbox stores it: the webhook body the e-mail adapter decodes.
fn stored_payload(filed: &FiledNotice) -> String {
    serde_json::json!({"type": "notice.filed", "timestamp": 0, "data": filed}).to_string()
}

fn email_platform(email: EmailConfig) -> PlatformConfig {
    PlatformConfig {
        id: "tmall".into(),
        email: Some(email),
        ..PlatformConfig::default()
    }
}

fn email_config(port: u16, tls: SmtpTls) -> EmailConfig {
    EmailConfig {
        relay: "127.0.0.1".into(),
        port,
        from: "Takedown <notices@owner.example>".into(),
        to: "IP desk <ipr@tmall.example>".into(),
        tls,
        ca_file: None,
        username: None,
        password_env: None,
    }
}

/// The variables the config-route test hands its child process: the password (read only
/// from the environment, as in production), the relay's port and its CA file.
const PASSWORD_VAR: &str = "TAKEDOWN_TEST_SMTP_PASSWORD";
const PORT_VAR: &str = "TAKEDOWN_TEST_SMTP_PORT";
const CA_VAR: &str = "TAKEDOWN_TEST_SMTP_CA_FILE";
/// What the child prints once the route delivered, so an empty run cannot pass for one.
const CHILD_DELIVERED: &str = "config route delivered over STARTTLS";

#[tokio::test]
async fn starttls_with_a_login_delivers_through_the_config_route() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    let relay = TlsRelay::start("starttls", &[]).await;
    // The password must come from the environment; setting a variable in this
    // multi-threaded process would need `unsafe`, so a child run of this binary gets it.
    let child = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "config_route_delivery_in_a_child", "--ignored"])
        .args(["--nocapture", "--test-threads=1"])
        .env(PASSWORD_VAR, PASSWORD)
        .env(PORT_VAR, relay.port.to_string())
        .env(CA_VAR, relay.ca_file())
        .output()
        .await
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && stdout.contains(CHILD_DELIVERED),
        "{stdout}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
    let mail = relay.saved_mail().await.expect("the relay saved the mail");
    assert!(
        mail["subject"]
            .as_str()
            .is_some_and(|s| s.contains("ntc_mail")),
        "{mail}"
    );
    assert_eq!(mail["attachments"][0]["name"], "notice-ntc_mail.json");
}

/// The config half of the test above, in the child process that has the password variable:
/// `[platforms.email]` with `tls`, `ca_file`, `username` and `password_env` built into a
/// route, which delivers a stored notice.
#[tokio::test]
#[ignore = "run by starttls_with_a_login_delivers_through_the_config_route, which sets its environment"]
async fn config_route_delivery_in_a_child() {
    let (Ok(port), Ok(ca_file)) = (std::env::var(PORT_VAR), std::env::var(CA_VAR)) else {
        eprintln!("SKIPPED: run by starttls_with_a_login_delivers_through_the_config_route");
        return;
    };
    let mut email = email_config(port.parse().expect("port"), SmtpTls::Starttls);
    email.ca_file = Some(ca_file.into());
    email.username = Some("takedown".into());
    email.password_env = Some(PASSWORD_VAR.into());
    let config = NotifierConfig {
        platforms: vec![email_platform(email)],
    };
    config.check().expect("valid");
    let routes = config.routes().expect("routes");
    let filed = chinese_notice();
    let outcome = routes[0]
        .adapter
        .deliver(&filed.notice.id, &stored_payload(&filed))
        .await;
    assert!(matches!(outcome, Outcome::Sent { .. }), "{outcome:?}");
    println!("{CHILD_DELIVERED}");
}

#[tokio::test]
async fn starttls_with_auth_login_delivers() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    // Only LOGIN offered, so lettre cannot fall back on PLAIN.
    let relay = TlsRelay::start("starttls", &["LOGIN"]).await;
    let sender = EmailSender::through(
        &relay.relay(SmtpTls::Starttls, true, PASSWORD),
        "Takedown <notices@owner.example>",
    )
    .expect("sender");
    sender
        .send(&chinese_notice(), "IP desk <ipr@tmall.example>")
        .await
        .expect("sent");
    assert!(
        relay.saved_mail().await.is_some(),
        "the relay saved the mail"
    );
}

#[tokio::test]
async fn implicit_tls_with_a_login_delivers() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    let relay = TlsRelay::start("implicit", &[]).await;
    let sender = EmailSender::through(
        &relay.relay(SmtpTls::Implicit, true, PASSWORD),
        "Takedown <notices@owner.example>",
    )
    .expect("sender");
    sender
        .send(&chinese_notice(), "IP desk <ipr@tmall.example>")
        .await
        .expect("sent");
    let mail = relay.saved_mail().await.expect("the relay saved the mail");
    assert_eq!(mail["attachments"][0]["name"], "notice-ntc_mail.json");
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_showing_it() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    let relay = TlsRelay::start("starttls", &[]).await;
    let wrong = "not-the-password-0451";
    let sender = EmailSender::through(
        &relay.relay(SmtpTls::Starttls, true, wrong),
        "Takedown <notices@owner.example>",
    )
    .expect("sender");
    let error = sender
        .send(&chinese_notice(), "IP desk <ipr@tmall.example>")
        .await
        .expect_err("a wrong password is refused");
    let shown = format!("{error} / {error:?} / {}", chain(&error));
    assert!(!shown.contains(wrong), "the password leaked: {shown}");
    assert!(shown.contains("535"), "not the login refusal: {shown}");
    assert!(relay.has_no_mail());
}

#[tokio::test]
async fn an_untrusted_relay_certificate_is_refused() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    for mode in [SmtpTls::Starttls, SmtpTls::Implicit] {
        let name = if mode == SmtpTls::Starttls {
            "starttls"
        } else {
            "implicit"
        };
        let relay = TlsRelay::start(name, &[]).await;
        // No extra CA: the private CA is not among the system's roots.
        let sender = EmailSender::through(
            &relay.relay(mode, false, PASSWORD),
            "Takedown <notices@owner.example>",
        )
        .expect("sender");
        let error = sender
            .send(&chinese_notice(), "IP desk <ipr@tmall.example>")
            .await
            .expect_err("an untrusted certificate is refused");
        let shown = chain(&error);
        assert!(!shown.contains(PASSWORD), "the password leaked: {shown}");
        assert!(
            shown.to_lowercase().contains("certificate"),
            "{name}: not a certificate refusal: {shown}"
        );
        assert!(relay.has_no_mail());
    }
}

#[tokio::test]
async fn starttls_never_falls_back_to_plain_text() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    // A relay that offers no STARTTLS, as one behind a downgrading middlebox would look.
    let dir = tempfile::tempdir().expect("tempdir");
    let maildir = dir.path().join("mail");
    let (_server, port) = start_plain_relay(&maildir).await;
    make_certificates(dir.path());
    let relay = SmtpRelay {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::Starttls,
        extra_ca_pem: Some(std::fs::read(dir.path().join("ca.pem")).expect("read the CA")),
        credentials: Some(Credentials::new("takedown".into(), PASSWORD.into())),
    };
    let sender = EmailSender::through(&relay, "Takedown <notices@owner.example>").expect("sender");
    let error = sender
        .send(&chinese_notice(), "IP desk <ipr@tmall.example>")
        .await
        .expect_err("no STARTTLS offered, nothing sent");
    assert!(!chain(&error).contains(PASSWORD), "{}", chain(&error));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(first_mail(&maildir).is_none(), "a mail went in plain text");
}

/// An error and its sources, as a log line would show them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut shown = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        shown.push_str(": ");
        shown.push_str(&cause.to_string());
        source = cause.source();
    }
    shown
}

#[test]
fn a_login_needs_both_halves_and_tls() {
    let mut only_user = email_config(587, SmtpTls::Starttls);
    only_user.username = Some("takedown".into());
    let error = email_platform(only_user)
        .check()
        .expect_err("no password_env");
    assert!(error.to_string().contains("password_env"), "{error}");

    let mut only_password = email_config(587, SmtpTls::Starttls);
    only_password.password_env = Some("SOME_VAR".into());
    let error = email_platform(only_password)
        .check()
        .expect_err("no username");
    assert!(error.to_string().contains("username"), "{error}");

    let mut in_clear = email_config(25, SmtpTls::None);
    in_clear.username = Some("takedown".into());
    in_clear.password_env = Some("SOME_VAR".into());
    let error = email_platform(in_clear)
        .check()
        .expect_err("login in clear");
    assert!(error.to_string().contains("email.tls"), "{error}");

    let mut ca_in_clear = email_config(25, SmtpTls::None);
    ca_in_clear.ca_file = Some("ca.pem".into());
    let error = email_platform(ca_in_clear)
        .check()
        .expect_err("ca_file without TLS");
    assert!(error.to_string().contains("email.ca_file"), "{error}");
}

#[test]
fn a_missing_password_variable_is_named_not_shown() {
    let var = "TAKEDOWN_TEST_SMTP_PASSWORD_NEVER_SET";
    let mut email = email_config(587, SmtpTls::Starttls);
    email.username = Some("takedown".into());
    email.password_env = Some(var.into());
    let config = NotifierConfig {
        platforms: vec![email_platform(email)],
    };
    config.check().expect("valid without the secret");
    let Err(error) = config.routes() else {
        panic!("a route without its password");
    };
    assert!(
        matches!(error, NotifierConfigError::Setup { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(var), "{error}");
}

#[test]
fn an_email_table_without_the_new_fields_reads_as_plain_smtp() {
    let platform: PlatformConfig = serde_json::from_value(serde_json::json!({
        "id": "tmall",
        "email": {"relay": "127.0.0.1", "from": "a@owner.example", "to": "b@tmall.example"}
    }))
    .expect("parse");
    let email = platform.email.as_ref().expect("email");
    assert_eq!((email.tls, email.port), (SmtpTls::None, 25));
    assert!(email.username.is_none() && email.password_env.is_none() && email.ca_file.is_none());
    // Written back, it stays the table it was: no `tls = "none"` added.
    let written = serde_json::to_value(email).expect("serialize");
    assert!(written.get("tls").is_none(), "{written}");

    let starttls: PlatformConfig = serde_json::from_value(serde_json::json!({
        "id": "tmall",
        "email": {"relay": "smtp.example", "port": 587, "from": "a@owner.example",
                  "to": "b@tmall.example", "tls": "starttls"}
    }))
    .expect("parse");
    assert_eq!(starttls.email.expect("email").tls, SmtpTls::Starttls);
}
