//! Small DOM helpers shared by the extractors: built-in selectors, element text, and
//! class/id matching.

use std::collections::{HashMap, HashSet};

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};
use url::Url;

/// Parses one of this module's literal selectors.
pub(crate) fn selector(css: &'static str) -> Selector {
    // The selectors are literals in this module; a typo fails every test, not a user.
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

/// The element's text with whitespace collapsed.
pub(crate) fn text_of(el: ElementRef<'_>) -> String {
    collapse(&el.text().collect::<Vec<_>>().join(" "))
}

pub(crate) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A trimmed, non-empty attribute value.
pub(crate) fn attr<'a>(el: ElementRef<'a>, name: &str) -> Option<&'a str> {
    el.value()
        .attr(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The element's class names and id, lower-cased, as one string to search in.
pub(crate) fn class_and_id(el: ElementRef<'_>) -> String {
    let mut out = el.value().attr("class").unwrap_or_default().to_owned();
    if let Some(id) = el.value().attr("id") {
        out.push(' ');
        out.push_str(id);
    }
    out.to_ascii_lowercase()
}

/// Whether the element or one of its ancestors is page chrome (navigation, header,
/// footer, aside), whose headings, prices and images do not describe the page's item.
pub(crate) fn in_chrome(el: ElementRef<'_>) -> bool {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .any(|e| matches!(e.value().name(), "nav" | "header" | "footer" | "aside"))
}

/// Blocks that link to other pages and do not hold the page's main heading: the
/// product tiles of recommendation strips and category teasers, whose images and prices
/// are not the item's. Found by position and repetition of links, not by class names;
/// built in one pass (each link marks its ancestors), asked per element in O(depth).
pub(crate) struct Tiles {
    /// Elements holding (or being) a link to another page, with the one page they all
    /// link to, or `None` once they link to several.
    linking: HashMap<NodeId, Option<Url>>,
    /// The main heading (first `<h1>` outside chrome) and its ancestors.
    main: HashSet<NodeId>,
}

impl Tiles {
    /// Marks the page's links to other pages (not to images, fragments or this page).
    pub(crate) fn new(doc: &Html, page_url: &Url, base: &Url) -> Self {
        let mut page = page_url.clone();
        page.set_fragment(None);
        let mut linking: HashMap<NodeId, Option<Url>> = HashMap::new();
        for a in doc.select(&selector("a[href]")) {
            let Some(href) = attr(a, "href") else {
                continue;
            };
            if href.starts_with('#') || href.starts_with("javascript:") || looks_like_image(href) {
                continue;
            }
            let Ok(mut target) = base.join(href) else {
                continue;
            };
            target.set_fragment(None);
            if target == page {
                continue;
            }
            // An ancestor that already knows this target, or already links to several,
            // has ancestors that do too: the walk stops there.
            for node in std::iter::once(*a).chain(a.ancestors()) {
                match linking.get_mut(&node.id()) {
                    None => {
                        linking.insert(node.id(), Some(target.clone()));
                    }
                    Some(Some(known)) if *known != target => {
                        *linking.get_mut(&node.id()).expect("just read") = None;
                    }
                    Some(_) => break,
                }
            }
        }
        let main = doc
            .select(&selector("h1"))
            .find(|h| !in_chrome(*h))
            .map(|h| {
                std::iter::once(h.id())
                    .chain(h.ancestors().map(|a| a.id()))
                    .collect()
            })
            .unwrap_or_default();
        Self { linking, main }
    }

    /// Whether the page has a main heading, to tell the item's block from tiles.
    pub(crate) fn has_main(&self) -> bool {
        !self.main.is_empty()
    }

    /// Whether `el` sits in a link to another page, or in a block whose nearest
    /// link-holding ancestor does not hold the main heading.
    pub(crate) fn contains(&self, el: ElementRef<'_>) -> bool {
        let mut chain = std::iter::once(*el).chain(el.ancestors());
        if chain.clone().any(|n| {
            ElementRef::wrap(n).is_some_and(|e| e.value().name() == "a")
                && self.linking.contains_key(&n.id())
        }) {
            return true;
        }
        if self.main.is_empty() {
            return false;
        }
        // A tile leads to one page; a block linking to several (a sidebar menu beside
        // the item's details, under a heading kept apart) is a region, not a tile.
        chain
            .find(|n| self.linking.contains_key(&n.id()))
            .is_some_and(|n| {
                !self.main.contains(&n.id())
                    && self.linking.get(&n.id()).is_some_and(Option::is_some)
            })
    }
}

/// Whether an address names an image file.
pub(crate) fn looks_like_image(href: &str) -> bool {
    let path = href
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"]
        .iter()
        .any(|ext| path.ends_with(ext))
}
