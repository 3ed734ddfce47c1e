//! The served content: a map from URL path to (content type, bytes), plus the two small
//! pages that sit outside the market and the fair (the root and `robots.txt`).

use std::collections::BTreeMap;

use crate::html;

pub(crate) const HTML: &str = "text/html; charset=utf-8";

/// Every file of the sample sites by URL path (`/market/item/7`, `/fair/img/ex1-p1.jpg`).
///
/// A `BTreeMap` rather than a hash map so iteration order, and anything derived from it,
/// is the same on every run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteContent {
    files: BTreeMap<String, (&'static str, Vec<u8>)>,
}

impl SiteContent {
    /// The content type and body at `path`. A `?query` or `#fragment` is ignored, so the
    /// listing URL paths of [`crate::ExpectedListing`] resolve to the page carrying them.
    pub fn get(&self, path: &str) -> Option<(&str, &[u8])> {
        let end = path.find(['?', '#']).unwrap_or(path.len());
        let path = path.get(..end).unwrap_or(path);
        self.files
            .get(path)
            .map(|(content_type, body)| (*content_type, body.as_slice()))
    }

    /// How many files the site serves.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the site serves nothing.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// All paths, in sorted order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub(crate) fn insert(&mut self, path: String, content_type: &'static str, body: Vec<u8>) {
        let previous = self.files.insert(path, (content_type, body));
        debug_assert!(previous.is_none(), "two files generated at one path");
    }

    pub(crate) fn insert_page(&mut self, path: String, page: String) {
        self.insert(path, HTML, page.into_bytes());
    }
}

/// The pages outside both sites: a root that links to them, and a robots.txt that allows
/// everything (so a polite crawler fetching it gets an answer rather than a 404).
pub(crate) fn add_root(site: &mut SiteContent) {
    let body = "<h1>takedown sample sites</h1>\n<ul>\n<li><a href=\"/market/\">Sample Market</a></li>\n<li><a href=\"/fair/\">Sample Sports Fair 2026 exhibitor catalog</a></li>\n</ul>\n";
    site.insert_page("/".into(), html::page("takedown sample sites", "", body));
    site.insert(
        "/robots.txt".into(),
        "text/plain; charset=utf-8",
        b"User-agent: *\nDisallow:\n".to_vec(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_query_and_fragment() {
        let mut site = SiteContent::default();
        assert!(site.is_empty());
        site.insert_page("/fair/exhibitor/3".into(), "x".into());
        assert_eq!(
            site.get("/fair/exhibitor/3#product-2"),
            Some((HTML, &b"x"[..]))
        );
        assert_eq!(
            site.get("/fair/exhibitor/3?lang=en"),
            Some((HTML, &b"x"[..]))
        );
        assert_eq!(site.get("/fair/exhibitor/"), None);
        assert_eq!(site.len(), 1);
    }
}
