//! The e-mail adapter against a real SMTP server on 127.0.0.1 (Python's `aiosmtpd`, saving
//! to a Maildir). Skipped, saying so, only when python3 or aiosmtpd is missing.

use std::{path::Path, process::Stdio, time::Duration};

use takedown_model::{
    Notice,
    notice::{Bilingual, EvidenceRef, FiledNotice, NoticeItem, Regime},
};
use takedown_notifier::email::EmailSender;

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

#[tokio::test]
async fn a_notice_arrives_by_mail_readable_bilingual_with_its_json_attached() {
    if !aiosmtpd_available() {
        eprintln!("SKIPPED: python3 with aiosmtpd is needed (pip install aiosmtpd)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let maildir = dir.path().join("mail");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let _server = tokio::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start aiosmtpd");
    assert!(wait_for_port(port).await, "aiosmtpd did not start");

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
