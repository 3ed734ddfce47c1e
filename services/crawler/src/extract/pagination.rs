//! The pages that continue this one: `rel=next` links first, then numbered page links
//! ("2", "3", …) inside a pagination block or pointing at a `page=`/`/page/` address.

use scraper::{ElementRef, Html};
use url::Url;

use super::dom::{attr, class_and_id, selector, text_of};

/// Next pages in the order to visit them, without the page itself or repeats.
pub(crate) fn next_pages(doc: &Html, page_url: &Url, base: &Url) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    let mut push = |href: &str| {
        if let Ok(mut u) = base.join(href.trim()) {
            u.set_fragment(None);
            let same_page = {
                let mut p = page_url.clone();
                p.set_fragment(None);
                p == u
            };
            if matches!(u.scheme(), "http" | "https") && !same_page && !out.contains(&u) {
                out.push(u);
            }
        }
    };
    for el in doc.select(&selector("a[rel][href], link[rel][href]")) {
        let is_next = attr(el, "rel")
            .is_some_and(|r| r.split_whitespace().any(|t| t.eq_ignore_ascii_case("next")));
        if let (true, Some(href)) = (is_next, attr(el, "href")) {
            push(href);
        }
    }
    for a in doc.select(&selector("a[href]")) {
        let text = text_of(a);
        let numbered =
            !text.is_empty() && text.len() <= 4 && text.chars().all(|c| c.is_ascii_digit());
        let href = attr(a, "href").unwrap_or_default();
        if numbered && (in_pagination(a) || looks_paged(href)) {
            push(href);
        }
    }
    out
}

fn in_pagination(a: ElementRef<'_>) -> bool {
    a.ancestors().filter_map(ElementRef::wrap).take(4).any(|e| {
        let names = class_and_id(e);
        names.contains("pagination")
            || names.contains("pager")
            || names.contains("paging")
            || (e.value().name() == "nav"
                && attr(e, "aria-label").is_some_and(|l| l.to_ascii_lowercase().contains("pag")))
    })
}

fn looks_paged(href: &str) -> bool {
    let h = href.to_ascii_lowercase();
    ["page=", "/page/", "?p=", "&p=", "pg="]
        .iter()
        .any(|w| h.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_next_first_then_numbered_links_without_self_or_repeats() {
        let html = r#"<head><link rel="next" href="/c?page=2"></head>
            <ul class="pagination"><li><a href="/c?page=1">1</a></li><li><a href="/c?page=2">2</a></li>
            <li><a href="/c?page=3">3</a></li><li><a href="/c?page=2">Next</a></li></ul>
            <a href="/item/7">7</a><a href="/list/page/9">9</a>"#;
        let page = Url::parse("http://shop.test/c?page=1").expect("url");
        let got: Vec<String> = next_pages(&Html::parse_document(html), &page, &page)
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            got,
            vec![
                "http://shop.test/c?page=2",
                "http://shop.test/c?page=3",
                "http://shop.test/list/page/9"
            ]
        );
    }
}
