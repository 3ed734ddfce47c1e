//! Sitemaps (sitemaps.org): a `<urlset>` lists pages, a `<sitemapindex>` lists further
//! sitemaps; either may be gzipped. Parsing only — fetching goes through the crawler's
//! guarded, polite client like every other request.
//!
//! Gzip is inflated with a cap on the *decompressed* size: a few kilobytes of gzip can
//! inflate to gigabytes (a decompression bomb), and the sitemap protocol itself caps a file
//! at 50 MB uncompressed.

use std::io::Read;

use quick_xml::{Reader, events::Event};

/// The protocol's own cap on an uncompressed sitemap.
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    #[error("sitemap inflates past the cap of {max} bytes")]
    TooLarge { max: u64 },
    #[error("sitemap is not valid gzip: {0}")]
    Gzip(std::io::Error),
    #[error("sitemap is not valid XML: {0}")]
    Xml(String),
    #[error("sitemap root is <{0}>, neither <urlset> nor <sitemapindex>")]
    UnknownRoot(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SitemapKind {
    /// `<urlset>`: the `<loc>`s are pages.
    UrlSet,
    /// `<sitemapindex>`: the `<loc>`s are further sitemaps.
    Index,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sitemap {
    pub kind: SitemapKind,
    pub locs: Vec<String>,
}

/// True if `body` starts with the gzip magic bytes (servers label `.gz` files variously).
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

/// Inflates gzip `body`, refusing to produce more than `max` bytes.
pub fn gunzip_capped(body: &[u8], max: u64) -> Result<Vec<u8>, SitemapError> {
    let mut out = Vec::new();
    // Read one byte past the cap so "exactly max" and "more than max" differ.
    flate2::read::MultiGzDecoder::new(body)
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(SitemapError::Gzip)?;
    if out.len() as u64 > max {
        return Err(SitemapError::TooLarge { max });
    }
    Ok(out)
}

/// Parses a sitemap or sitemap index, gzipped or not, keeping every `<loc>` in order.
pub fn parse(body: &[u8], max: u64) -> Result<Sitemap, SitemapError> {
    let inflated;
    let xml = if is_gzip(body) {
        inflated = gunzip_capped(body, max)?;
        &inflated[..]
    } else if body.len() as u64 > max {
        return Err(SitemapError::TooLarge { max });
    } else {
        body
    };
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut kind = None;
    let mut in_loc = false;
    let mut loc = String::new();
    let mut locs = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| SitemapError::Xml(e.to_string()))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                if kind.is_none() {
                    kind = Some(match name.as_ref() {
                        b"urlset" => SitemapKind::UrlSet,
                        b"sitemapindex" => SitemapKind::Index,
                        other => {
                            return Err(SitemapError::UnknownRoot(
                                String::from_utf8_lossy(other).into_owned(),
                            ));
                        }
                    });
                } else if name.as_ref() == b"loc" {
                    in_loc = true;
                    loc.clear();
                }
            }
            Event::Text(t) if in_loc => {
                let text = t.unescape().map_err(|e| SitemapError::Xml(e.to_string()))?;
                loc.push_str(&text);
            }
            Event::CData(t) if in_loc => loc.push_str(&String::from_utf8_lossy(&t)),
            Event::End(e) if in_loc && e.local_name().as_ref() == b"loc" => {
                in_loc = false;
                let trimmed = loc.trim();
                if !trimmed.is_empty() {
                    locs.push(trimmed.to_owned());
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match kind {
        Some(kind) => Ok(Sitemap { kind, locs }),
        None => Err(SitemapError::Xml("no root element".into())),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).expect("write");
        enc.finish().expect("finish")
    }

    const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://shop.example/item/1?a=1&amp;b=2</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>
     https://shop.example/item/2
  </loc></url>
</urlset>"#;

    #[test]
    fn reads_urlsets_and_indexes_plain_or_gzipped() {
        let plain = parse(URLSET.as_bytes(), MAX_SITEMAP_BYTES).expect("urlset");
        assert_eq!(plain.kind, SitemapKind::UrlSet);
        assert_eq!(
            plain.locs,
            [
                "https://shop.example/item/1?a=1&b=2",
                "https://shop.example/item/2"
            ]
        );
        assert_eq!(
            parse(&gzip(URLSET.as_bytes()), MAX_SITEMAP_BYTES).expect("gz"),
            plain
        );
        let index = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>https://shop.example/s1.xml.gz</loc></sitemap></sitemapindex>"#;
        let index = parse(index.as_bytes(), MAX_SITEMAP_BYTES).expect("index");
        assert_eq!(index.kind, SitemapKind::Index);
        assert_eq!(index.locs, ["https://shop.example/s1.xml.gz"]);
    }

    #[test]
    fn refuses_decompression_bombs_and_other_xml() {
        let bomb = gzip(&vec![b' '; 10 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024, "the bomb is small: {}", bomb.len());
        assert!(matches!(
            parse(&bomb, 1024 * 1024),
            Err(SitemapError::TooLarge { .. })
        ));
        assert!(matches!(
            parse(b"<html><body/></html>", MAX_SITEMAP_BYTES),
            Err(SitemapError::UnknownRoot(root)) if root == "html"
        ));
        assert!(parse(b"\x1f\x8bnot gzip", MAX_SITEMAP_BYTES).is_err());
    }
}
