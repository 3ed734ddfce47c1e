//! The whole extraction corpus scored field by field: the hand-written third-party-style
//! pages (`fixtures/third_party/`) and the pages rendered by real shop software
//! (`fixtures/rendered/<system>/`, made by `bench/extraction/<system>/render.sh`), each
//! against the ground truth beside it.
//!
//! `rendered_pages_match_their_ground_truth` holds every rendered page to its truth;
//! `extraction_report` writes `bench/extraction/REPORT.md` (precision and recall per
//! system and field, with Wilson intervals) when `TAKEDOWN_EXTRACTION_REPORT=1`:
//!
//! ```sh
//! TAKEDOWN_EXTRACTION_REPORT=1 cargo test -p takedown-crawler --lib extraction_report
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::*;

/// A product page's truth: what the script that made the page put into the shop.
#[derive(Debug, Deserialize)]
struct ProductTruth {
    /// The page's address; hand-written pages go without and are read under
    /// `https://third-party.example/<name>`.
    #[serde(default)]
    url: Option<String>,
    title: String,
    price: String,
    currency: Option<String>,
    /// Empty where the page names no seller anywhere.
    seller: String,
    #[serde(default)]
    seller_rule: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    images: Vec<String>,
}

/// A list page's truth: the listings it links to, none of which is on the page itself.
#[derive(Debug, Deserialize)]
struct ListTruth {
    url: String,
    kind: String,
    listing_links: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RecordTruth {
    booth: String,
    company: String,
    products: Vec<ProductImages>,
}

#[derive(Debug, Deserialize)]
struct ProductImages {
    name: String,
    images: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Truth {
    Product(ProductTruth),
    List(ListTruth),
    Directory(Vec<RecordTruth>),
}

/// Counts for one field: right, wrong or extra (precision's misses), missed (recall's).
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    right: u32,
    extra: u32,
    missed: u32,
}

impl Counts {
    /// One single-valued field: `want` empty means the page does not show it.
    fn scalar(&mut self, got: &str, want: &str) {
        match (got.is_empty(), want.is_empty()) {
            (_, _) if got == want && !got.is_empty() => self.right += 1,
            (true, true) => {}
            (false, true) => self.extra += 1,
            (true, false) => self.missed += 1,
            (false, false) => {
                self.extra += 1;
                self.missed += 1;
            }
        }
    }

    /// A set of values (every image of a listing, every link of a list page).
    fn set(&mut self, got: &[String], want: &[String]) {
        for g in got {
            if want.contains(g) {
                self.right += 1;
            } else {
                self.extra += 1;
            }
        }
        self.missed += want.iter().filter(|w| !got.contains(w)).count() as u32;
    }
}

/// One page's score, field by field, and what was wrong on it.
#[derive(Debug, Default)]
struct PageScore {
    fields: BTreeMap<&'static str, Counts>,
    wrong: Vec<String>,
}

impl PageScore {
    fn scalar(&mut self, field: &'static str, got: &str, want: &str) {
        self.fields.entry(field).or_default().scalar(got, want);
        if got != want {
            self.wrong
                .push(format!("{field}: got {got:?}, want {want:?}"));
        }
    }

    fn set(&mut self, field: &'static str, got: &[String], want: &[String]) {
        self.fields.entry(field).or_default().set(got, want);
        if !same_set(got, want) {
            self.wrong
                .push(format!("{field}: got {got:#?}, want {want:#?}"));
        }
    }
}

/// The same values, in any order (a gallery's order is the theme's, not the data's).
fn same_set(got: &[String], want: &[String]) -> bool {
    let mut got = got.to_vec();
    let mut want = want.to_vec();
    got.sort();
    want.sort();
    got == want
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/extract/fixtures")
}

/// Every page of the corpus: (system, page name, html path), systems in a stable order.
fn corpus() -> Vec<(String, String, PathBuf)> {
    let mut pages = Vec::new();
    let mut add_dir = |system: &dyn Fn(&str) -> String, dir: &Path| {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            if path.extension().is_some_and(|e| e == "html") {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                pages.push((system(&name), name, path));
            }
        }
    };
    add_dir(
        &|name: &str| {
            if name.starts_with("dir_") {
                "hand-written: exhibitor directories".to_owned()
            } else {
                format!("hand-written: {name} style")
            }
        },
        &fixtures().join("third_party"),
    );
    let mut systems: Vec<PathBuf> = std::fs::read_dir(fixtures().join("rendered"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    systems.retain(|p| p.is_dir());
    systems.sort();
    for dir in systems {
        let system = dir
            .file_name()
            .map(|s| format!("rendered: {}", s.to_string_lossy()))
            .unwrap_or_default();
        add_dir(&|_: &str| system.clone(), &dir);
    }
    pages
}

fn score_page(name: &str, html_path: &Path) -> PageScore {
    let html = std::fs::read_to_string(html_path).expect("fixture page");
    let truth: Truth = serde_json::from_str(
        &std::fs::read_to_string(html_path.with_extension("json")).expect("ground truth"),
    )
    .expect("ground truth format");
    let mut score = PageScore::default();
    match truth {
        Truth::Product(truth) => {
            let url = truth
                .url
                .clone()
                .unwrap_or_else(|| format!("https://third-party.example/{name}"));
            let page = extract(&Url::parse(&url).expect("url"), &html);
            let listing = page.products.first().filter(|_| page.products.len() == 1);
            score.scalar(
                "listing",
                if listing.is_some() { "found" } else { "" },
                "found",
            );
            if page.products.len() > 1 {
                score
                    .wrong
                    .push(format!("{} listings", page.products.len()));
            }
            let Some(p) = listing else { return score };
            score.scalar("title", &p.title, &truth.title);
            score.scalar("price", p.price.as_deref().unwrap_or(""), &truth.price);
            score.scalar(
                "currency",
                p.currency.as_deref().unwrap_or(""),
                truth.currency.as_deref().unwrap_or(""),
            );
            score.scalar("seller", &p.seller, &truth.seller);
            score.scalar(
                "seller rule",
                p.provenance.get("seller").map_or("", String::as_str),
                truth.seller_rule.as_deref().unwrap_or(""),
            );
            if let Some(brand) = &truth.brand {
                score.scalar("brand", p.brand.as_deref().unwrap_or(""), brand);
            }
            let images: Vec<String> = p.image_urls.iter().map(Url::to_string).collect();
            score.set("image", &images, &truth.images);
            score.scalar(
                "all images, no decoration",
                if same_set(&images, &truth.images) {
                    "yes"
                } else {
                    "no"
                },
                "yes",
            );
        }
        Truth::List(truth) => {
            let page = extract(&Url::parse(&truth.url).expect("url"), &html);
            score.scalar("list page kind", &format!("{:?}", page.kind), &truth.kind);
            let links: Vec<String> = page
                .links
                .iter()
                .map(Url::to_string)
                .filter(|l| truth.listing_links.contains(l))
                .collect();
            score.set("listing link", &links, &truth.listing_links);
            // A list page is no listing of its own: anything read here is a false one.
            let products: Vec<String> = page.products.iter().map(|p| p.title.clone()).collect();
            score.set("listing", &products, &[]);
        }
        Truth::Directory(records) => {
            let url = format!("https://third-party.example/{name}");
            let page = extract(&Url::parse(&url).expect("url"), &html);
            let want: Vec<(&RecordTruth, &ProductImages)> = records
                .iter()
                .flat_map(|r| r.products.iter().map(move |p| (r, p)))
                .collect();
            let got_names: Vec<String> = page.products.iter().map(|p| p.title.clone()).collect();
            let want_names: Vec<String> = want.iter().map(|(_, p)| p.name.clone()).collect();
            score.set("product name", &got_names, &want_names);
            for (record, product) in &want {
                let found = page.products.iter().find(|p| p.title == product.name);
                let exhibitor = found.and_then(|p| p.exhibitor.as_ref());
                score.scalar(
                    "booth",
                    exhibitor.map_or("", |e| e.booth.as_str()),
                    &record.booth,
                );
                score.scalar(
                    "company",
                    exhibitor.map_or("", |e| e.company.as_str()),
                    &record.company,
                );
                let images: Vec<String> = found
                    .map(|p| p.image_urls.iter().map(Url::to_string).collect())
                    .unwrap_or_default();
                score.set("image", &images, &product.images);
            }
        }
    }
    score
}

/// Fields the extractor is known to get wrong on a rendered system, each with the reason;
/// the report still counts them, this test lets them pass so it guards everything else.
const KNOWN_MISSES: &[(&str, &str, &str)] = &[
    (
        "rendered: shuup",
        "list page kind",
        "Shuup's category page loads its products by XHR after the page: the served HTML lists none",
    ),
    (
        "rendered: shuup",
        "listing link",
        "the same: no product link in the served category page",
    ),
    (
        "rendered: cartridge",
        "currency",
        "the page shows `$129.00` under `lang=\"en\"`: `$` alone is not USD to the price reader",
    ),
];

#[test]
fn rendered_pages_match_their_ground_truth() {
    let mut failures = Vec::new();
    let mut pages = 0;
    for (system, name, path) in corpus() {
        if !system.starts_with("rendered") {
            continue;
        }
        pages += 1;
        let mut score = score_page(&name, &path);
        score.wrong.retain(|w| {
            !KNOWN_MISSES
                .iter()
                .any(|(s, field, _)| *s == system && w.starts_with(&format!("{field}:")))
        });
        if !score.wrong.is_empty() {
            failures.push(format!("{system}/{name}:\n  {}", score.wrong.join("\n  ")));
        }
    }
    assert!(pages >= 9, "the rendered corpus is missing: {pages} pages");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The Wilson score interval of `k` successes in `n` at 95 %.
fn wilson(k: u32, n: u32) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n, z) = (f64::from(k), f64::from(n), 1.96_f64);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

fn ratio(k: u32, n: u32) -> String {
    if n == 0 {
        return "—".to_owned();
    }
    let (lo, hi) = wilson(k, n);
    format!(
        "{:.2} ({k}/{n}; {lo:.2}–{hi:.2})",
        f64::from(k) / f64::from(n)
    )
}

#[test]
fn extraction_report() {
    if std::env::var_os("TAKEDOWN_EXTRACTION_REPORT").is_none() {
        return;
    }
    let mut by_system: BTreeMap<String, (u32, BTreeMap<&'static str, Counts>)> = BTreeMap::new();
    let mut total: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let mut misses = Vec::new();
    for (system, name, path) in corpus() {
        let score = score_page(&name, &path);
        let entry = by_system.entry(system.clone()).or_default();
        entry.0 += 1;
        for (field, c) in &score.fields {
            for into in [
                entry.1.entry(field).or_default(),
                total.entry(field).or_default(),
            ] {
                into.right += c.right;
                into.extra += c.extra;
                into.missed += c.missed;
            }
        }
        if !score.wrong.is_empty() {
            misses.push(format!(
                "- `{system}` / `{name}`: {}",
                score.wrong.join("; ").replace('\n', " ")
            ));
        }
    }
    let mut out = String::from(
        "# Extraction report\n\n\
         Generated by `TAKEDOWN_EXTRACTION_REPORT=1 cargo test -p takedown-crawler --lib \
         extraction_report` (see `services/crawler/src/extract/corpus_tests.rs`); do not edit \
         by hand.\n\n\
         Field-level precision (right / everything extracted) and recall (right / everything \
         the ground truth holds), each with its 95 % Wilson interval. A single-valued field \
         counts once per listing; `image`, `listing link` and `product name` count once per \
         value. A field the page does not show is neither a hit nor a miss when left empty, \
         and a precision miss when filled. `all images, no decoration` is per listing: every \
         product image found and nothing else. `listing` on a list page counts false \
         listings read from it. Rendered pages come from the software itself \
         (`bench/extraction/<system>/render.sh`); hand-written ones are in the style of a \
         system (`fixtures/third_party/README.md`).\n",
    );
    let mut table = |title: &str, pages: Option<u32>, fields: &BTreeMap<&'static str, Counts>| {
        let _ = write!(out, "\n## {title}\n\n");
        if let Some(pages) = pages {
            let _ = writeln!(out, "Pages: {pages}.\n");
        }
        out.push_str("| field | precision | recall |\n|---|---|---|\n");
        for (field, c) in fields {
            let _ = writeln!(
                out,
                "| {field} | {} | {} |",
                ratio(c.right, c.right + c.extra),
                ratio(c.right, c.right + c.missed)
            );
        }
    };
    table("Whole corpus", None, &total);
    for (system, (pages, fields)) in &by_system {
        table(system, Some(*pages), fields);
    }
    let listings = total.get("listing").map_or(0, |c| c.right + c.missed);
    let _ = write!(
        out,
        "\n## Reading it\n\n\
         The corpus is small (tens of values per field), so the intervals are wide: a \
         perfect score on {listings} listings bounds the rate only above {:.2}. The rendered \
         systems' default themes show no seller (Oscar keeps its partner off the page, \
         Shuup its supplier in a form field, Cartridge has none), so seller is measured \
         on the hand-written pages only. Known misses the tests let pass, with their \
         reason:\n\n",
        wilson(listings, listings).0
    );
    for (system, field, why) in KNOWN_MISSES {
        let _ = writeln!(out, "- `{system}`, {field}: {why}");
    }
    out.push_str("\n## What was wrong\n\n");
    if misses.is_empty() {
        out.push_str("Nothing: every page matched its ground truth.\n");
    } else {
        out.push_str(&misses.join("\n"));
        out.push('\n');
    }
    let report = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/extraction/REPORT.md");
    std::fs::write(&report, out).expect("write the report");
}
