//! Exhibitor records found by the page's structure, not by class names: the repeated
//! sibling blocks that share a shape (as in MDR/DEPTA-style record detection: siblings
//! whose subtrees have the same tag-path signature), or, where records are not wrapped
//! (`<dl>` with `dt`/`dd` runs, `h3`/`p`/`ul` runs), sibling runs that start with the same
//! tag. Each record's slots are labelled from content and position:
//!
//! - booth: a text shaped like a booth code (`A12`, `Hall 3 / B-204`, `3.1 C45`,
//!   `展位 5B10`), or the value of a booth/stand label;
//! - company: the value of a company/exhibitor label, else the first prominent text
//!   (heading, `strong`/`b`, `dt`, `th`), else the first text that is not the booth;
//! - products: the value of a products label, else list items, else the texts after the
//!   company; comma-separated lists are split;
//! - images: those nearest each product name, else paired in order, else all of the record's.
//!
//! A block counts as a record only if it has a booth and a company, and a set of siblings
//! only if at least two of them are records: a list of products or of links has no booths.
//! When sets nest, the innermost wins (a hall section holding cards is not a record).
//!
//! Written by hand: no maintained Rust crate does record detection on a DOM; the walks
//! are linear (each element's signature reads its subtree two levels deep).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html};
use url::Url;

use super::{
    ExtractedExhibitor, ExtractedProduct, ProductSource,
    dom::{attr, collapse, selector},
    images::image_url,
    price::find_price,
};

/// Labels of the booth slot, lower-cased, without a colon.
const BOOTH_LABELS: &[&str] = &[
    "booth",
    "booth no",
    "booth no.",
    "booth number",
    "stand",
    "stand no",
    "stand no.",
    "stand-nr",
    "stand-nr.",
    "standnummer",
    "halle/stand",
    "hall/stand",
    "hall / booth",
    "location",
    "展位",
    "展位号",
    "摊位",
    "摊位号",
    "emplacement",
    "stand n°",
];

/// Labels of the company slot.
const COMPANY_LABELS: &[&str] = &[
    "company",
    "company name",
    "exhibitor",
    "aussteller",
    "firma",
    "unternehmen",
    "exposant",
    "société",
    "espositore",
    "azienda",
    "expositor",
    "empresa",
    "参展商",
    "展商",
    "公司",
    "企业",
    "公司名称",
];

/// Labels of the products slot.
const PRODUCT_LABELS: &[&str] = &[
    "products",
    "product",
    "produkte",
    "produkt",
    "produits",
    "prodotti",
    "productos",
    "exhibits",
    "产品",
    "展品",
    "主营产品",
    "商品",
];

/// Texts of controls, not product names.
const UI_WORDS: &[&str] = &[
    "more",
    "details",
    "view",
    "visit",
    "website",
    "contact",
    "mehr",
    "plus",
    "更多",
    "详情",
    "read more",
    "view profile",
    "profile",
];

/// A booth code, alone or after a hall and/or a booth label.
static BOOTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?i:hall|halle|hal|pavilion|pav\.?|展馆|馆)\s*[0-9A-Z.]{1,5}\s*[,/·|–-]?\s*)?(?:(?i:booth|stand|stand-nr\.?|standnummer|展位号?|摊位号?)\s*(?i:no\.?|nr\.?|#)?\s*[:：]?\s*)?(?:\d{1,2}(?:\.\d)?\s?[A-Z]{1,2}[-\s]?\d{1,4}[A-Z]?|[A-Z]{1,2}[-.]?\d{1,4}[A-Z]?)$",
    )
    .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// A booth label followed by any short code (`Booth 1234`, `Stand: 12/3`).
static LABELLED_BOOTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?i:booth|stand|stand-nr\.?|standnummer|展位号?|摊位号?)\s*(?i:no\.?|nr\.?|#)?\s*[:：]?\s*[0-9A-Z][0-9A-Z./ -]{0,11}$",
    )
    .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// Leading booth labels dropped from the booth value (a hall is kept).
static BOOTH_LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:booth|stand|stand-nr\.?|standnummer|展位号?|摊位号?)\s*(?i:no\.?|nr\.?|#)?\s*[:：]?\s*")
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// A piece of text in a record: the element holding it and the text.
#[derive(Debug, Clone)]
struct Leaf<'a> {
    el: ElementRef<'a>,
    text: String,
    /// In a heading, `strong`/`b`, `dt` or `th` (within the record).
    prominent: bool,
}

/// What a record's slots hold.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    booth: String,
    company: String,
    /// Product names, each with its images.
    products: Vec<(String, Vec<Url>)>,
}

/// A run of sibling elements read as one record.
type Run<'a> = Vec<ElementRef<'a>>;

/// Exhibitor products from the page's repeated record blocks.
pub(crate) fn products(
    doc: &Html,
    page_url: &Url,
    base: &Url,
    fair: &str,
) -> Vec<ExtractedProduct> {
    let Some(body) = doc.select(&selector("body")).next() else {
        return Vec::new();
    };
    let labelled: Vec<Vec<(Run<'_>, Record)>> = candidate_sets(body)
        .into_iter()
        .map(|set| {
            set.into_iter()
                .filter_map(|run| label(&run, base).map(|r| (run, r)))
                .collect::<Vec<_>>()
        })
        .filter(|records| records.len() >= 2)
        .collect();
    // Innermost sets win: drop a set one of whose records holds another set's record.
    let mut holds_records = HashSet::new();
    for records in &labelled {
        for (run, _) in records {
            for el in run {
                holds_records.extend(el.ancestors().map(|a| a.id()));
            }
        }
    }
    let mut seen_roots = HashSet::new();
    let mut out = Vec::new();
    for (s, records) in labelled.iter().enumerate() {
        let outer = records
            .iter()
            .any(|(run, _)| run.iter().any(|el| holds_records.contains(&el.id())));
        if outer {
            continue;
        }
        for (r, (run, record)) in records.iter().enumerate() {
            // One record found twice (as a shape group and as a run) is read once.
            if !seen_roots.insert(run[0].id()) {
                continue;
            }
            let fallback_id = format!("record-{}-{}", s + 1, r + 1);
            out.extend(record_products(page_url, fair, run, record, &fallback_id));
        }
    }
    out
}

/// Candidate sets of sibling records under `body`, each a list of runs of sibling elements.
fn candidate_sets(body: ElementRef<'_>) -> Vec<Vec<Run<'_>>> {
    let mut sets = Vec::new();
    for parent in std::iter::once(body).chain(body.descendants().filter_map(ElementRef::wrap)) {
        if matches!(
            parent.value().name(),
            "script" | "style" | "head" | "noscript" | "select"
        ) {
            continue;
        }
        let children: Vec<ElementRef<'_>> =
            parent.children().filter_map(ElementRef::wrap).collect();
        if children.len() < 2 {
            continue;
        }
        sets.extend(shape_groups(&children));
        sets.extend(heading_runs(&children));
    }
    sets
}

/// Children sharing a [`signature`] (two or more), each child a record, in first-seen order.
fn shape_groups<'a>(children: &[ElementRef<'a>]) -> Vec<Vec<Run<'a>>> {
    let mut by_shape: HashMap<String, Vec<ElementRef<'a>>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for child in children {
        let sig = signature(*child);
        if !by_shape.contains_key(&sig) {
            order.push(sig.clone());
        }
        by_shape.entry(sig).or_default().push(*child);
    }
    order
        .into_iter()
        .filter_map(|sig| by_shape.remove(&sig).filter(|g| g.len() >= 2))
        .map(|group| group.into_iter().map(|c| vec![c]).collect())
        .collect()
}

/// Unwrapped records: runs starting at each repeat of the first child's tag, when that tag
/// is a heading-like one repeated at least twice among other siblings.
fn heading_runs<'a>(children: &[ElementRef<'a>]) -> Option<Vec<Run<'a>>> {
    let first = children[0].value().name();
    let starts = children
        .iter()
        .filter(|c| c.value().name() == first)
        .count();
    let heads = matches!(
        first,
        "dt" | "h2" | "h3" | "h4" | "h5" | "h6" | "strong" | "b"
    );
    if !(starts >= 2 && heads && starts < children.len()) {
        return None;
    }
    let mut runs: Vec<Run<'a>> = Vec::new();
    for child in children {
        match runs.last_mut() {
            Some(run) if child.value().name() != first => run.push(*child),
            _ => runs.push(vec![*child]),
        }
    }
    Some(runs)
}

/// One product per product name in `record`, its URL fragment named after the record's
/// `id` attribute, else after `fallback_id`.
fn record_products(
    page_url: &Url,
    fair: &str,
    run: &[ElementRef<'_>],
    record: &Record,
    fallback_id: &str,
) -> Vec<ExtractedProduct> {
    let exhibitor = ExtractedExhibitor {
        fair: fair.to_owned(),
        booth: record.booth.clone(),
        company: record.company.clone(),
    };
    let record_id = attr(run[0], "id").unwrap_or(fallback_id);
    record
        .products
        .iter()
        .enumerate()
        .map(|(p, (title, images))| {
            let mut url = page_url.clone();
            url.set_fragment(Some(&format!("{record_id}-product-{}", p + 1)));
            ExtractedProduct {
                url,
                title: title.clone(),
                seller: record.company.clone(),
                price: None,
                currency: None,
                image_urls: images.clone(),
                exhibitor: Some(exhibitor.clone()),
                brand: None,
                sku: None,
                source: ProductSource::ExhibitorCard,
                provenance: [
                    (
                        "seller".to_owned(),
                        "exhibitor record: company slot".to_owned(),
                    ),
                    (
                        "booth".to_owned(),
                        "exhibitor record: booth code".to_owned(),
                    ),
                ]
                .into(),
            }
        })
        .collect()
}

/// The element's shape: its tag and the set of tags one and two levels below it.
/// Records with two or three products share it; a heading and a card do not.
fn signature(el: ElementRef<'_>) -> String {
    let mut tags: Vec<String> = Vec::new();
    for child in el.children().filter_map(ElementRef::wrap) {
        tags.push(format!("1{}", child.value().name()));
        for grandchild in child.children().filter_map(ElementRef::wrap) {
            tags.push(format!("2{}", grandchild.value().name()));
        }
    }
    tags.sort();
    tags.dedup();
    format!("{}[{}]", el.value().name(), tags.join(","))
}

fn normalize_label(text: &str) -> String {
    text.trim()
        .trim_end_matches([':', '：', ' '])
        .trim()
        .to_lowercase()
}

fn is_label(text: &str, labels: &[&str]) -> bool {
    labels.contains(&normalize_label(text).as_str())
}

/// `Label: value` in one text, for one of `labels`.
fn inline_value<'t>(text: &'t str, labels: &[&str]) -> Option<&'t str> {
    let (l, v) = text.split_once([':', '：'])?;
    is_label(l, labels)
        .then(|| v.trim())
        .filter(|v| !v.is_empty())
}

/// Most texts a record has; a block with more is a page section, not a record.
const MAX_LEAVES: usize = 200;

/// The record's texts in document order, one per text node (at most [`MAX_LEAVES`] + 1).
fn leaves<'a>(run: &[ElementRef<'a>]) -> Vec<Leaf<'a>> {
    let mut out = Vec::new();
    for root in run {
        for node in root.descendants() {
            if out.len() > MAX_LEAVES {
                return out;
            }
            let Some(text) = node.value().as_text() else {
                continue;
            };
            let text = collapse(text);
            if text.is_empty() {
                continue;
            }
            let Some(el) = node.parent().and_then(ElementRef::wrap) else {
                continue;
            };
            if matches!(
                el.value().name(),
                "script" | "style" | "noscript" | "button"
            ) {
                continue;
            }
            let prominent = std::iter::once(el)
                .chain(el.ancestors().filter_map(ElementRef::wrap))
                .take_while(|e| e.id() != root.id())
                .chain(std::iter::once(*root))
                .any(|e| {
                    matches!(
                        e.value().name(),
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "strong" | "b" | "dt" | "th"
                    )
                });
            out.push(Leaf {
                el,
                text,
                prominent,
            });
        }
    }
    out
}

fn booth_value(text: &str) -> Option<String> {
    let t = text.trim();
    (BOOTH.is_match(t) || LABELLED_BOOTH.is_match(t))
        .then(|| BOOTH_LEAD.replace(t, "").trim().to_owned())
        .filter(|b| !b.is_empty())
}

/// Whether `text` is one of the booth, company or product labels.
fn is_any_label(text: &str) -> bool {
    [BOOTH_LABELS, COMPANY_LABELS, PRODUCT_LABELS]
        .iter()
        .any(|labels| is_label(text, labels))
}

/// Slot values a record gives by labels, each with the index of the leaf holding it.
#[derive(Default)]
struct LabelledSlots {
    booth: Option<(usize, String)>,
    company: Option<(usize, String)>,
    products: Vec<(usize, String)>,
}

impl LabelledSlots {
    /// The next leaf after a label leaf, or `Label: value` in one leaf; the first booth and
    /// company win, every product counts.
    fn read(leaves: &[Leaf<'_>]) -> Self {
        let mut slots = Self::default();
        for (i, leaf) in leaves.iter().enumerate() {
            let text = &leaf.text;
            if is_label(text, BOOTH_LABELS) {
                if let Some(next) = leaves.get(i + 1) {
                    slots.booth = slots.booth.or(Some((
                        i + 1,
                        BOOTH_LEAD.replace(&next.text, "").into_owned(),
                    )));
                }
            } else if is_label(text, COMPANY_LABELS) {
                if let Some(next) = leaves.get(i + 1) {
                    slots.company = slots.company.or(Some((i + 1, next.text.clone())));
                }
            } else if is_label(text, PRODUCT_LABELS) {
                let mut j = i + 1;
                while let Some(next) = leaves.get(j).filter(|l| !is_any_label(&l.text)) {
                    slots.products.push((j, next.text.clone()));
                    j += 1;
                }
            } else if let Some(v) = inline_value(text, BOOTH_LABELS) {
                slots.booth = slots.booth.or(Some((i, v.to_owned())));
            } else if let Some(v) = inline_value(text, COMPANY_LABELS) {
                slots.company = slots.company.or(Some((i, v.to_owned())));
            } else if let Some(v) = inline_value(text, PRODUCT_LABELS) {
                slots.products.push((i, v.to_owned()));
            }
        }
        slots
    }
}

/// Whether leaf `i` can hold a company or product name: not the booth, a label or a booth code.
fn usable(i: usize, leaf: &Leaf<'_>, booth_at: usize) -> bool {
    i != booth_at && !is_any_label(&leaf.text) && booth_value(&leaf.text).is_none()
}

/// The company slot: labelled, else the first usable prominent leaf, else the first usable one.
fn company_slot(
    labelled: Option<(usize, String)>,
    leaves: &[Leaf<'_>],
    booth_at: usize,
) -> Option<(usize, String)> {
    labelled
        .or_else(|| {
            leaves
                .iter()
                .enumerate()
                .find(|(i, l)| l.prominent && usable(*i, l, booth_at))
                .map(|(i, l)| (i, l.text.clone()))
        })
        .or_else(|| {
            leaves
                .iter()
                .enumerate()
                .find(|(i, l)| usable(*i, l, booth_at))
                .map(|(i, l)| (i, l.text.clone()))
        })
}

/// The leaves naming products: labelled ones, else usable leaves in a list or caption, else
/// usable leaves after the company; minus UI words, links, addresses and over-long texts.
fn product_leaves(
    run: &[ElementRef<'_>],
    leaves: &[Leaf<'_>],
    labelled: Vec<(usize, String)>,
    booth_at: usize,
    company_at: usize,
) -> Vec<(usize, String)> {
    let candidates: Vec<(usize, String)> = if !labelled.is_empty() {
        labelled
    } else {
        let in_list: Vec<(usize, String)> = leaves
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                usable(*i, l, booth_at)
                    && *i != company_at
                    && std::iter::once(l.el)
                        .chain(l.el.ancestors().filter_map(ElementRef::wrap))
                        .take_while(|a| !run.iter().any(|r| r.id() == a.id()))
                        .any(|a| matches!(a.value().name(), "li" | "figcaption"))
            })
            .map(|(i, l)| (i, l.text.clone()))
            .collect();
        if in_list.is_empty() {
            leaves
                .iter()
                .enumerate()
                .filter(|(i, l)| *i > company_at && usable(*i, l, booth_at))
                .map(|(i, l)| (i, l.text.clone()))
                .collect()
        } else {
            in_list
        }
    };
    candidates
        .into_iter()
        .filter(|(_, t)| {
            let lower = t.to_lowercase();
            t.chars().count() <= 120
                && !UI_WORDS.contains(&lower.as_str())
                && !lower.contains("http")
                && !lower.starts_with("www.")
                && !t.contains('@')
        })
        .collect()
}

/// Every image in the record, each once, in document order.
fn record_images(run: &[ElementRef<'_>], base: &Url) -> Vec<Url> {
    let mut all = Vec::new();
    for root in run {
        for img in root.select(&selector("img")) {
            if let Some(u) = image_url(img, base).filter(|u| !all.contains(u)) {
                all.push(u);
            }
        }
    }
    all
}

/// The images of the product named at leaf `leaf_at`: those of its nearest enclosing block
/// that holds images and no other product name, without leaving the record.
fn own_images(
    run: &[ElementRef<'_>],
    base: &Url,
    leaves: &[Leaf<'_>],
    product_leaves: &[(usize, String)],
    leaf_at: usize,
) -> Vec<Url> {
    let roots: HashSet<_> = run.iter().map(|r| r.id()).collect();
    let el = leaves[leaf_at].el;
    for block in std::iter::once(el).chain(el.ancestors().filter_map(ElementRef::wrap)) {
        let holds_other = product_leaves.iter().any(|(j, _)| {
            *j != leaf_at
                && leaves[*j]
                    .el
                    .ancestors()
                    .chain(std::iter::once(*leaves[*j].el))
                    .any(|a| a.id() == block.id())
        });
        // Not past the record: its roots, or (for a run of siblings) their parent.
        let past_record = run[0].ancestors().any(|a| a.id() == block.id());
        if holds_other || roots.contains(&block.id()) || past_record {
            return Vec::new();
        }
        let imgs: Vec<Url> = block
            .select(&selector("img"))
            .filter_map(|i| image_url(i, base))
            .collect();
        if !imgs.is_empty() {
            return imgs;
        }
    }
    Vec::new()
}

/// Product names (a leaf may list several) with their images; where no product found its
/// own, the record's images are shared out (one each if the counts match, else all to each).
fn products_with_images(
    run: &[ElementRef<'_>],
    base: &Url,
    leaves: &[Leaf<'_>],
    product_leaves: &[(usize, String)],
    company: &str,
) -> Vec<(String, Vec<Url>)> {
    let record_images = record_images(run, base);
    let mut products: Vec<(String, Vec<Url>)> = Vec::new();
    for (at, text) in product_leaves {
        let images = own_images(run, base, leaves, product_leaves, *at);
        let names = text
            .split([',', ';', '、', '，', '；', '|'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        for name in names {
            products.push((name, images.clone()));
        }
    }
    if products.iter().all(|(_, imgs)| imgs.is_empty()) && !record_images.is_empty() {
        if products.len() == record_images.len() {
            for ((_, imgs), url) in products.iter_mut().zip(&record_images) {
                *imgs = vec![url.clone()];
            }
        } else {
            for (_, imgs) in &mut products {
                imgs.clone_from(&record_images);
            }
        }
    }
    // A record with photos but no product names still shows the exhibitor's goods.
    if products.is_empty() && !record_images.is_empty() {
        products.push((company.to_owned(), record_images));
    }
    products
}

/// Reads a record's slots; `None` unless it has a booth and a company.
fn label(run: &[ElementRef<'_>], base: &Url) -> Option<Record> {
    let leaves = leaves(run);
    if leaves.is_empty() || leaves.len() > MAX_LEAVES {
        return None;
    }
    // A block showing a price is a shop's product card (its model code is no booth).
    if leaves.iter().any(|l| find_price(&l.text, None).is_some()) {
        return None;
    }
    let slots = LabelledSlots::read(&leaves);
    let booth = slots.booth.or_else(|| {
        leaves
            .iter()
            .enumerate()
            .find_map(|(i, l)| booth_value(&l.text).map(|b| (i, b)))
    })?;
    let company = company_slot(slots.company, &leaves, booth.0)?;
    let product_leaves = product_leaves(run, &leaves, slots.products, booth.0, company.0);
    let products = products_with_images(run, base, &leaves, &product_leaves, &company.1);
    Some(Record {
        booth: booth.1,
        company: company.1,
        products,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_category_with_model_codes_has_no_exhibitors() {
        let html = r#"<ul><li><h3>Road bike</h3><p>GT-200</p><p>€899.00</p></li>
            <li><h3>Gravel bike</h3><p>GX-300</p><p>€1,099.00</p></li></ul>"#;
        let doc = Html::parse_document(html);
        let page = Url::parse("http://shop.test/c/bikes").expect("url");
        assert!(products(&doc, &page, &page, "").is_empty());
    }

    #[test]
    fn booth_codes_in_common_shapes() {
        for code in [
            "A12",
            "Hall 3 / B-204",
            "3.1 C45",
            "展位 5B10",
            "Stand 4.2 E17",
            "Booth: 1234",
            "Halle 5, Stand C20",
        ] {
            assert!(booth_value(code).is_some(), "{code}");
        }
        for text in ["Acme Ltd", "3M", "LED lamp", "B2B Trade Co", "2026"] {
            assert!(booth_value(text).is_none(), "{text}");
        }
        assert_eq!(booth_value("展位 5B10").as_deref(), Some("5B10"));
        assert_eq!(
            booth_value("Hall 3 / B-204").as_deref(),
            Some("Hall 3 / B-204")
        );
    }
}
