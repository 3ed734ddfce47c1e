//! `takedown evidence bundle` and `evidence verify` through the binary: the demo files and
//! delivers notices; one is bundled with its checkpoint time-stamped by a real TSA on
//! 127.0.0.1 (`openssl ts -reply`); the bundle verifies offline, its token verifies with
//! `openssl ts -verify`, its inclusion proof with an RFC 9162 checker written here; and each
//! kind of tampering — a WARC byte, a leaf, the checkpoint, the token, another log key — is
//! caught with its own exit code and the file named.

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    path::Path,
    process::Output,
};

use base64::{Engine, prelude::BASE64_STANDARD};
use sha2::{Digest, Sha256};

mod common;

use common::evidence::{ok, rfc9162_inclusion, text};

fn takedown(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("TAKEDOWN_LOG_KEY")
        .output()
        .expect("run takedown")
}

fn read_zip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("name").into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        files.insert(name, bytes);
    }
    files
}

fn write_zip(path: &Path, files: &BTreeMap<String, Vec<u8>>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
}

/// A copy of the bundle with `change` applied to its files.
fn tampered(
    bundle: &Path,
    name: &str,
    change: impl FnOnce(&mut BTreeMap<String, Vec<u8>>),
) -> std::path::PathBuf {
    let mut files = read_zip(bundle);
    change(&mut files);
    let out = bundle.with_file_name(format!("tampered-{name}.zip"));
    write_zip(&out, &files);
    out
}

#[test]
fn a_demo_notice_bundles_verifies_offline_and_every_tampering_is_named() {
    let root = tempfile::tempdir().expect("tempdir");
    let tsa = common::tsa::TestTsa::start(&root.path().join("tsa"), "Bundle");
    let demo = root.path().join("demo");
    ok(&takedown(&["demo", "--dir", demo.to_str().expect("utf8")]));
    let data = demo.join("data");
    let d = data.to_str().expect("utf8");

    let notices = ok(&takedown(&["notices", "--data-dir", d]));
    let (notice_id, case_id) = notices
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|n| {
            let case = n["case_id"].as_str()?.to_owned();
            Some((n["notice"]["id"].as_str()?.to_owned(), case))
        })
        .expect("a notice the platform opened a case for");

    // By case id; the checkpoint is time-stamped on the way.
    let bundle = root.path().join("bundle.zip");
    let out = takedown(&[
        "evidence",
        "bundle",
        &case_id,
        "--out",
        bundle.to_str().expect("utf8"),
        "--tsa-url",
        &tsa.url,
        "--tsa-ca-file",
        tsa.ca_file.to_str().expect("utf8"),
        "--data-dir",
        d,
    ]);
    let said = ok(&out);
    assert!(said.contains(&notice_id), "{said}");
    assert!(said.contains("RFC 3161"), "{said}");

    let verified = ok(&takedown(&[
        "evidence",
        "verify",
        bundle.to_str().expect("utf8"),
    ]));
    assert!(!verified.contains("FAILED"), "{verified}");
    assert!(verified.contains("records.warc"), "{verified}");
    assert!(verified.contains("time: RFC 3161 timestamp"), "{verified}");

    let files = read_zip(&bundle);
    for name in [
        "README.txt",
        "manifest.json",
        "log/checkpoint.note",
        "log/verifier-key.txt",
        "timestamp/checkpoint.tsr",
        "timestamp/checkpoint.tsq",
        "timestamp/tsa-certificates.pem",
        "timestamp/tsa-ca.pem",
    ] {
        assert!(files.contains_key(name), "{name} in {:?}", files.keys());
    }
    assert!(
        files.contains_key(&format!("notice/{notice_id}.json")),
        "the notice as sent"
    );
    assert!(
        files.keys().any(|k| k.ends_with("records.warc")),
        "the captures' WARC records"
    );
    let readme = text(&files["README.txt"]);
    for tool in ["sha256sum", "openssl ts -verify", "signed-note"] {
        assert!(readme.contains(tool), "README mentions {tool}");
    }

    // The token, checked by OpenSSL from the bundle's own files.
    let unpacked = root.path().join("unpacked");
    for (name, bytes) in &files {
        let path = unpacked.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, bytes).expect("write");
    }
    let openssl = std::process::Command::new("openssl")
        .args([
            "ts",
            "-verify",
            "-data",
            "log/checkpoint-signed-text.txt",
            "-in",
            "timestamp/checkpoint.tsr",
            "-untrusted",
            "timestamp/tsa-certificates.pem",
            "-CAfile",
        ])
        .arg(&tsa.ca_file)
        .current_dir(&unpacked)
        .output()
        .expect("openssl ts -verify");
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );

    // Every leaf's inclusion proof, checked by the RFC's own algorithm against the note's
    // root; every file's SHA-256 against what its leaf states.
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["manifest.json"]).expect("manifest");
    let note = text(&files["log/checkpoint.note"]);
    let mut body = note.lines();
    let _origin = body.next();
    let size: u64 = body.next().and_then(|s| s.parse().ok()).expect("size");
    let root_hash = BASE64_STANDARD
        .decode(body.next().expect("root"))
        .expect("base64");
    let leaves = manifest["leaves"].as_array().expect("leaves");
    assert!(leaves.len() >= 2, "the notice and its captures");
    for leaf in leaves {
        let leaf_text = &files[leaf["leaf_file"].as_str().expect("file")];
        let proof: Vec<Vec<u8>> = leaf["inclusion_proof"]
            .as_array()
            .expect("proof")
            .iter()
            .map(|h| {
                BASE64_STANDARD
                    .decode(h.as_str().expect("hash"))
                    .expect("b64")
            })
            .collect();
        let index = leaf["leaf_index"].as_u64().expect("index");
        assert!(
            rfc9162_inclusion(index, size, leaf_text, &proof, &root_hash),
            "leaf {index} proves by RFC 9162"
        );
        for (name, field) in leaf["files"].as_object().expect("files") {
            let digest: String = Sha256::digest(&files[name])
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let line = format!("{} {digest}\n", field.as_str().expect("field"));
            assert!(text(leaf_text).contains(&line), "{name}: {line}");
        }
    }

    // Tampering, each kind with its exit code and the file named.
    let warc = files
        .keys()
        .find(|k| k.ends_with("records.warc"))
        .expect("a WARC")
        .clone();
    let verify = |path: &Path| takedown(&["evidence", "verify", path.to_str().expect("utf8")]);
    let changed = tampered(&bundle, "warc", |files| {
        let bytes = files.get_mut(&warc).expect("warc");
        let at = bytes.len() / 2;
        bytes[at] ^= 0x20;
    });
    let out = verify(&changed);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains(&format!("FAILED  {warc}")),
        "{}",
        text(&out.stdout)
    );

    let capture_leaf = leaves
        .iter()
        .find(|l| l["kind"] == "capture")
        .and_then(|l| l["leaf_file"].as_str())
        .expect("a capture leaf")
        .to_owned();
    let changed = tampered(&bundle, "leaf", |files| {
        let leaf = text(&files[&capture_leaf]).replacen("status 200", "status 201", 1);
        files.insert(capture_leaf.clone(), leaf.into_bytes());
    });
    let out = verify(&changed);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains(&capture_leaf),
        "{}",
        text(&out.stdout)
    );

    // A capture quietly left out: its leaf and files gone from the bundle and manifest.
    let changed = tampered(&bundle, "dropped", |files| {
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&files["manifest.json"]).expect("manifest");
        let leaves = manifest["leaves"].as_array_mut().expect("leaves");
        let at = leaves
            .iter()
            .position(|l| l["kind"] == "capture")
            .expect("a capture");
        let dropped = leaves.remove(at);
        files.remove(dropped["leaf_file"].as_str().expect("file"));
        for name in dropped["files"].as_object().expect("files").keys() {
            files.remove(name);
        }
        files.insert(
            "manifest.json".into(),
            serde_json::to_vec(&manifest).expect("json"),
        );
    });
    let out = verify(&changed);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("which the bundle does not hold"),
        "{}",
        text(&out.stdout)
    );

    let changed = tampered(&bundle, "note", |files| {
        let note = text(&files["log/checkpoint.note"]);
        let mut lines: Vec<&str> = note.split('\n').collect();
        let bigger = (size + 1).to_string();
        lines[1] = &bigger;
        files.insert("log/checkpoint.note".into(), lines.join("\n").into_bytes());
    });
    let out = verify(&changed);
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("log/checkpoint.note"),
        "{}",
        text(&out.stdout)
    );

    let changed = tampered(&bundle, "token", |files| {
        let token = files.get_mut("timestamp/checkpoint.tsr").expect("tsr");
        let last = token.len() - 1;
        token[last] ^= 0x01;
    });
    let out = verify(&changed);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("timestamp/checkpoint.tsr"),
        "{}",
        text(&out.stdout)
    );

    // Another log's key, given as the one to trust.
    let other = root.path().join("other");
    std::fs::create_dir_all(&other).expect("dir");
    let other_key = ok(&takedown(&[
        "evidence",
        "log-key",
        "--data-dir",
        other.to_str().expect("utf8"),
    ]));
    let out = takedown(&[
        "evidence",
        "verify",
        bundle.to_str().expect("utf8"),
        "--log-key",
        other_key.trim(),
    ]);
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stdout));
}
