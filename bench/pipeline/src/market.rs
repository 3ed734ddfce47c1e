//! The synthetic marketplace: N listings made from the sample's listings (templates), a
//! share of them infringing, each with its own image bytes; category pages with a full
//! pagination block (so the crawl depth stays 3 whatever N is); schema.org JSON-LD on every
//! product page, as the crawler's extractor reads it. Deterministic for a seed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::json;

use crate::images::{self, ImageError};
use crate::rng::Rng;
use crate::templates::{Planted, Template};

pub const CATEGORIES: usize = 8;
pub const PER_PAGE: usize = 48;
const COLOURS: [&str; 8] = [
    "navy", "black", "red", "grey", "olive", "white", "teal", "sand",
];
const SIZES: [&str; 5] = ["XS", "S", "M", "L", "XL"];

#[derive(Debug, Clone)]
pub struct MarketSpec {
    pub listings: usize,
    /// Share of listings planting a logo, design or word mark (each files one notice).
    pub infringing_share: f64,
    /// Share of listings by the owner's authorized seller (marks shown, no notice).
    pub authorized_share: f64,
    pub seed: u64,
}

/// The served files and what the bench expects of them.
pub struct Market {
    files: HashMap<String, (&'static str, Vec<u8>)>,
    /// Paths (`/shop/item/N`) of the listings that must end in an accepted notice.
    pub infringing: BTreeSet<String>,
    pub listings: usize,
    /// Listings per sample case (`logo_in_scene`, `clean`, …).
    pub cases: BTreeMap<&'static str, usize>,
    pub image_count: usize,
    pub image_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("no {0:?} template in the sample")]
    NoTemplate(Planted),
    #[error("listing {listing}: {source}")]
    Image { listing: usize, source: ImageError },
}

impl Market {
    pub fn get(&self, path: &str) -> Option<(&'static str, &[u8])> {
        self.files.get(path).map(|(t, b)| (*t, b.as_slice()))
    }
}

pub fn item_path(n: usize) -> String {
    format!("/shop/item/{n}")
}

fn category_path(category: usize, page: usize) -> String {
    format!("/shop/c/{}/{page}", category + 1)
}

/// Builds the market; image encoding runs on `threads` threads.
pub fn build(
    spec: &MarketSpec,
    templates: &[Template],
    threads: usize,
) -> Result<Market, MarketError> {
    let pick = |kind: Planted| -> Result<Vec<&Template>, MarketError> {
        let found: Vec<&Template> = templates.iter().filter(|t| t.planted == kind).collect();
        if found.is_empty() {
            return Err(MarketError::NoTemplate(kind));
        }
        Ok(found)
    };
    let infringing: Vec<&Template> = templates.iter().filter(|t| t.planted.infringes()).collect();
    if infringing.is_empty() {
        return Err(MarketError::NoTemplate(Planted::Image));
    }
    let authorized = pick(Planted::Authorized)?;
    let clean = pick(Planted::Clean)?;

    // The plan first, sequentially, so the seed alone decides it.
    let mut rng = Rng::new(spec.seed);
    let plan: Vec<(&Template, String)> = (1..=spec.listings)
        .map(|_| {
            let roll = rng.unit();
            let pool = if roll < spec.infringing_share {
                &infringing
            } else if roll < spec.infringing_share + spec.authorized_share {
                &authorized
            } else {
                &clean
            };
            let template = pool[rng.below(pool.len())];
            let title = format!(
                "{}, {}, size {}",
                template.title,
                COLOURS[rng.below(COLOURS.len())],
                SIZES[rng.below(SIZES.len())]
            );
            (template, title)
        })
        .collect();

    let images = encode_all(&plan, spec.seed, threads)?;

    let mut market = Market {
        files: HashMap::new(),
        infringing: BTreeSet::new(),
        listings: spec.listings,
        cases: BTreeMap::new(),
        image_count: 0,
        image_bytes: 0,
    };
    market.files.insert(
        "/robots.txt".into(),
        (
            "text/plain; charset=utf-8",
            b"User-agent: *\nDisallow:\n".to_vec(),
        ),
    );
    market
        .files
        .insert("/shop/".into(), (HTML, index().into_bytes()));
    let mut by_category: Vec<Vec<usize>> = vec![Vec::new(); CATEGORIES];
    for (i, ((template, title), listing_images)) in plan.iter().zip(images).enumerate() {
        let n = i + 1;
        by_category[n % CATEGORIES].push(n);
        *market.cases.entry(template.case).or_default() += 1;
        if template.planted.infringes() {
            market.infringing.insert(item_path(n));
        }
        let mut paths = Vec::new();
        for (k, image) in listing_images.into_iter().enumerate() {
            let path = format!("/shop/img/{n}-{}.{}", k + 1, image.extension);
            market.image_count += 1;
            market.image_bytes += image.bytes.len() as u64;
            market
                .files
                .insert(path.clone(), (image.content_type, image.bytes));
            paths.push(path);
        }
        let page = product_page(n, title, template, &paths);
        market.files.insert(item_path(n), (HTML, page.into_bytes()));
    }
    for (category, numbers) in by_category.iter().enumerate() {
        let pages: Vec<&[usize]> = numbers.chunks(PER_PAGE).collect();
        for (p, chunk) in pages.iter().enumerate() {
            let page = category_page(category, p + 1, pages.len(), chunk);
            market
                .files
                .insert(category_path(category, p + 1), (HTML, page.into_bytes()));
        }
    }
    Ok(market)
}

const HTML: &str = "text/html; charset=utf-8";

fn encode_all(
    plan: &[(&Template, String)],
    seed: u64,
    threads: usize,
) -> Result<Vec<Vec<images::Encoded>>, MarketError> {
    let threads = threads.max(1);
    let chunk = plan.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, (template, _))| {
                            let listing = c * chunk + i + 1;
                            template
                                .images
                                .iter()
                                .enumerate()
                                .map(|(k, image)| {
                                    let image_seed = seed ^ ((listing as u64) << 8 | k as u64);
                                    images::variant(&image.bytes, &image.extension, image_seed)
                                        .map_err(|source| MarketError::Image { listing, source })
                                })
                                .collect::<Result<Vec<_>, _>>()
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(plan.len());
        for handle in handles {
            // A panic in an encoder thread is a bug in this bench, not bad input.
            let part = handle
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
            all.extend(part);
        }
        Ok(all)
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, head: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n{head}</head>\n<body>\n<nav><a href=\"/shop/\">Bench Market</a></nav>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

fn index() -> String {
    let mut body = String::from("<h1>Bench Market</h1>\n<ul class=\"categories\">\n");
    for c in 0..CATEGORIES {
        let _ = writeln!(
            body,
            "<li><a href=\"{}\">Category {}</a></li>",
            category_path(c, 1),
            c + 1
        );
    }
    body.push_str("</ul>\n");
    page("Bench Market", "", &body)
}

fn category_page(category: usize, page_no: usize, pages: usize, numbers: &[usize]) -> String {
    let mut body = format!(
        "<h1>Category {} – page {page_no} of {pages}</h1>\n<ul class=\"products\">\n",
        category + 1
    );
    for n in numbers {
        let _ = writeln!(
            body,
            "<li><a class=\"product-link\" href=\"{}\">Item {n}</a></li>",
            item_path(*n)
        );
    }
    body.push_str("</ul>\n<p class=\"pagination\">");
    for p in 1..=pages {
        let _ = write!(body, "<a href=\"{}\">{p}</a> ", category_path(category, p));
    }
    body.push_str("</p>\n");
    page(&format!("Category {}", category + 1), "", &body)
}

fn product_page(n: usize, title: &str, template: &Template, images: &[String]) -> String {
    let ld = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "sku": format!("BM-{n:06}"),
        "image": images,
        "offers": {
            "@type": "Offer",
            "price": template.price,
            "priceCurrency": "EUR",
            "seller": {"@type": "Organization", "name": template.seller},
        },
    });
    let head = format!(
        "<script type=\"application/ld+json\">{}</script>\n",
        ld.to_string().replace("</", "<\\/")
    );
    let mut body = format!(
        "<div class=\"product\">\n<h1 class=\"product-title\">{}</h1>\n",
        escape(title)
    );
    for image in images {
        let _ = writeln!(
            body,
            "<img class=\"product-image\" src=\"{image}\" alt=\"{}\">",
            escape(title)
        );
    }
    let _ = writeln!(
        body,
        "<p class=\"price\">{} EUR</p>\n<p class=\"seller\">Sold by <span class=\"seller-name\">{}</span></p>\n</div>",
        template.price,
        escape(&template.seller)
    );
    page(title, &head, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plants_the_requested_share_and_links_every_listing() {
        let sample = takedown_sample::generate();
        let templates = crate::templates::from_sample(&sample).expect("templates");
        let spec = MarketSpec {
            listings: 120,
            infringing_share: 0.25,
            authorized_share: 0.05,
            seed: 11,
        };
        let market = build(&spec, &templates, 2).expect("market");
        // 25 % of 120 = 30 expected; a seeded draw lands near it.
        assert!(
            (15..=45).contains(&market.infringing.len()),
            "{} infringing",
            market.infringing.len()
        );
        assert_eq!(market.cases.values().sum::<usize>(), 120);
        let mut linked = BTreeSet::new();
        for c in 0..CATEGORIES {
            let (_, body) = market.get(&category_path(c, 1)).expect("category page");
            let body = String::from_utf8_lossy(body);
            for n in 1..=120 {
                if body.contains(&format!("href=\"{}\"", item_path(n))) {
                    linked.insert(n);
                }
            }
        }
        assert_eq!(linked.len(), 120, "every listing on a category page");
        let some = market.infringing.iter().next().expect("one infringing");
        let (content_type, page) = market.get(some).expect("page");
        assert_eq!(content_type, HTML);
        let page = String::from_utf8_lossy(page);
        let image = page
            .split("src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("an image");
        assert!(market.get(image).is_some_and(|(_, b)| !b.is_empty()));
    }
}
