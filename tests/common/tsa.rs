//! A real RFC 3161 Time Stamping Authority on 127.0.0.1 for tests: a test CA and a TSA
//! certificate made with `openssl` (extendedKeyUsage critical timeStamping), and
//! `openssl ts -reply` behind a small HTTP wrapper that runs it once per POSTed query.
//! Nothing here accepts anything: the replies are OpenSSL's own tokens.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

/// A running test TSA.
pub struct TestTsa {
    /// Where it answers: `http://127.0.0.1:PORT/tsa`.
    pub url: String,
    /// The test CA's certificate (PEM): the trust anchor for this TSA's tokens.
    pub ca_file: PathBuf,
    /// The TSA's own certificate (PEM).
    pub tsa_cert: PathBuf,
    /// Its working directory (keys, config, serial).
    pub dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (the tests need the openssl command)");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Makes a CA and a TSA certificate it issued under `dir`, and the `openssl ts` config.
pub fn make_tsa_files(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).expect("tsa dir");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    let ca_subject = format!("/CN={name} test CA");
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "30",
        "-subj",
        &ca_subject,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-new"];
    csr.extend(ec);
    let tsa_subject = format!("/CN={name} test TSA");
    csr.extend([
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        &tsa_subject,
    ]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("tsa-ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid\n",
    )
    .expect("ext file");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.crt",
            "-days",
            "30",
            "-extfile",
            "tsa-ext.cnf",
        ],
    );
    std::fs::write(dir.join("serial"), "01\n").expect("serial");
    let config = format!(
        "[ tsa ]\ndefault_tsa = test_tsa\n\n[ test_tsa ]\ndir = {dir}\nserial = $dir/serial\n\
         crypto_device = builtin\nsigner_cert = $dir/tsa.crt\ncerts = $dir/ca.crt\n\
         signer_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.55555.1\n\
         digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\n\
         ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
        dir = dir.display()
    );
    std::fs::write(dir.join("tsa.cnf"), config).expect("tsa config");
}

/// `openssl ts -reply` for one DER query: the DER reply.
pub fn reply(dir: &Path, query: &[u8]) -> Vec<u8> {
    let id = rand::random::<u64>();
    let query_file = dir.join(format!("q-{id:016x}.tsq"));
    let reply_file = dir.join(format!("r-{id:016x}.tsr"));
    std::fs::write(&query_file, query).expect("query file");
    let output = Command::new("openssl")
        .args(["ts", "-reply", "-config"])
        .arg(dir.join("tsa.cnf"))
        .arg("-queryfile")
        .arg(&query_file)
        .arg("-out")
        .arg(&reply_file)
        .output()
        .expect("openssl ts runs");
    let _ = std::fs::remove_file(&query_file);
    assert!(
        output.status.success(),
        "openssl ts -reply failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&reply_file).expect("reply");
    let _ = std::fs::remove_file(&reply_file);
    bytes
}

impl TestTsa {
    /// Makes the certificates under `dir` and serves `openssl ts -reply` on 127.0.0.1 from
    /// a thread, one connection at a time, until the test process ends.
    pub fn start(dir: &Path, name: &str) -> Self {
        make_tsa_files(dir, name);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/tsa", listener.local_addr().expect("addr"));
        let serve_dir = dir.to_path_buf();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                serve_one(&serve_dir, stream);
            }
        });
        Self {
            url,
            ca_file: dir.join("ca.crt"),
            tsa_cert: dir.join("tsa.crt"),
            dir: dir.to_path_buf(),
        }
    }
}

/// One HTTP/1.1 exchange: a POST of `application/timestamp-query`, answered with
/// `application/timestamp-reply`; anything else is a 400.
fn serve_one(dir: &Path, stream: std::net::TcpStream) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    let mut content_type = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        } else if let Some(value) = lower.strip_prefix("content-type:") {
            content_type = value.trim().to_owned();
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut stream = stream;
    if !request_line.starts_with("POST ") || content_type != "application/timestamp-query" {
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        return;
    }
    let answer = reply(dir, &body);
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/timestamp-reply\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&answer);
}
