//! Small DOM helpers shared by the extractors: built-in selectors, element text, and
//! class/id matching.

use scraper::{ElementRef, Selector};

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
