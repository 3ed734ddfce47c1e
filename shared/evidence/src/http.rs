//! The HTTP message heads that open a `request` or `response` record's block.
//!
//! The HTTP client hands us a status, headers and a body it has already de-chunked and
//! decompressed, not the bytes on the wire. A head is rebuilt from them so that it
//! describes the payload actually stored: `Transfer-Encoding`, `Content-Encoding` and
//! `Content-Length` are replaced by one `Content-Length` of the stored payload, and the
//! originals are kept as `X-Takedown-Original-*` so nothing the server said is lost.

use url::Url;

/// Headers whose meaning changes once the client has decoded the body.
const REWRITTEN: [&str; 3] = ["transfer-encoding", "content-encoding", "content-length"];

/// `METHOD /path?query HTTP/1.1` plus `Host` and `headers`, ending with the blank line.
pub fn request_head(method: &str, url: &Url, headers: &[(String, String)]) -> Vec<u8> {
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut out = format!("{} {} HTTP/1.1\r\n", clean(method), clean(&target));
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => String::new(),
        };
        push_header(&mut out, "Host", &host);
    }
    for (name, value) in headers {
        push_header(&mut out, name, value);
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// `HTTP/1.1 STATUS REASON` plus `headers` rewritten for a decoded payload of
/// `payload_len` bytes, ending with the blank line.
pub fn response_head(
    status: u16,
    reason: &str,
    headers: &[(String, String)],
    payload_len: usize,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", clean(reason));
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if REWRITTEN.contains(&lower.as_str()) {
            push_header(&mut out, &format!("X-Takedown-Original-{name}"), value);
        } else {
            push_header(&mut out, name, value);
        }
    }
    push_header(&mut out, "Content-Length", &payload_len.to_string());
    out.push_str("\r\n");
    out.into_bytes()
}

fn push_header(out: &mut String, name: &str, value: &str) {
    out.push_str(&clean(name));
    out.push_str(": ");
    out.push_str(&clean(value));
    out.push_str("\r\n");
}

/// Removes CR and LF: a value from a server must not be able to end the head early or
/// add a header of its own (HTTP clients already refuse them; this is the second lock).
fn clean(text: &str) -> String {
    text.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    #[test]
    fn request_head_has_origin_form_target_and_host() {
        let url = Url::parse("http://127.0.0.1:8080/a/b?q=1#frag").expect("url");
        let head = request_head("GET", &url, &[h("User-Agent", "takedown")]);
        assert_eq!(
            String::from_utf8(head).expect("utf8"),
            "GET /a/b?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: takedown\r\n\r\n"
        );
    }

    #[test]
    fn response_head_describes_the_stored_payload() {
        let head = response_head(
            200,
            "OK",
            &[
                h("Content-Type", "text/html"),
                h("Content-Encoding", "gzip"),
                h("Content-Length", "12"),
                h("X-Evil", "a\r\nSet-Cookie: x"),
            ],
            40,
        );
        assert_eq!(
            String::from_utf8(head).expect("utf8"),
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Takedown-Original-Content-Encoding: gzip\r\n\
             X-Takedown-Original-Content-Length: 12\r\nX-Evil: aSet-Cookie: x\r\nContent-Length: 40\r\n\r\n"
        );
    }
}
