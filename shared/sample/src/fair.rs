//! The sample trade-fair exhibitor catalog under `/fair/`: a paginated exhibitor list and
//! one page per exhibitor whose products are the listings (`…/exhibitor/3#product-2`).

use std::fmt::Write as _;

use crate::ExpectedListing;
use crate::catalog::{self, FAIR_NAME, FairExhibitor, Image};
use crate::html::{self, escape};
use crate::render::Registered;
use crate::site::SiteContent;

pub(crate) const EXHIBITORS_PER_PAGE: usize = 3;
/// Leaves the sample host; the crawler must not follow it.
pub(crate) const EXTERNAL_LINK: &str = "https://tickets.other.example/";

pub(crate) fn exhibitor_path(id: usize) -> String {
    format!("/fair/exhibitor/{id}")
}

/// Page 1 is `/fair/`, later pages `/fair/page/{page}`.
pub(crate) fn index_path(page: usize) -> String {
    if page <= 1 {
        "/fair/".into()
    } else {
        format!("/fair/page/{page}")
    }
}

pub(crate) fn build(
    site: &mut SiteContent,
    registered: &Registered,
    expected: &mut Vec<ExpectedListing>,
) {
    let exhibitors = catalog::fair_exhibitors();
    let ids: Vec<usize> = (1..=exhibitors.len()).collect();
    let pages: Vec<&[usize]> = ids.chunks(EXHIBITORS_PER_PAGE).collect();
    for (i, chunk) in pages.iter().enumerate() {
        site.insert_page(
            index_path(i + 1),
            index_page(i + 1, pages.len(), chunk, &exhibitors),
        );
    }
    let mut jobs = Vec::new();
    for (i, exhibitor) in exhibitors.iter().enumerate() {
        let id = i + 1;
        let mut image_paths = Vec::new();
        for (p, product) in exhibitor.products.iter().enumerate() {
            let path = format!(
                "/fair/img/ex{id}-p{}.{}",
                p + 1,
                product.image.format.extension()
            );
            jobs.push((path.clone(), product.image));
            image_paths.push(path);
            expected.push(ExpectedListing {
                url_path: format!("{}#product-{}", exhibitor_path(id), p + 1),
                source: "fair",
                case: product.expect.case,
                expected_rights: product
                    .expect
                    .rights
                    .iter()
                    .map(|r| r.to_string())
                    .collect(),
            });
        }
        site.insert_page(exhibitor_path(id), exhibitor_page(exhibitor, &image_paths));
    }
    let images: Vec<Image> = jobs.iter().map(|(_, image)| *image).collect();
    for ((path, image), bytes) in jobs.into_iter().zip(registered.encode_all(&images)) {
        site.insert(path, image.format.content_type(), bytes);
    }
}

fn index_page(page: usize, pages: usize, ids: &[usize], exhibitors: &[FairExhibitor]) -> String {
    let mut body = format!(
        "<h1>{} – Exhibitors</h1>\n<p>Page {page} of {pages}</p>\n<ul class=\"exhibitors\">\n",
        escape(FAIR_NAME)
    );
    for &id in ids {
        if let Some(exhibitor) = exhibitors.get(id - 1) {
            let _ = writeln!(
                body,
                "<li><a class=\"exhibitor-link\" href=\"{}\">{}</a> – {}</li>",
                exhibitor_path(id),
                escape(exhibitor.company),
                escape(exhibitor.booth)
            );
        }
    }
    body.push_str("</ul>\n<p class=\"pagination\">");
    if page > 1 {
        let _ = write!(
            body,
            "<a rel=\"prev\" href=\"{}\">Previous page</a> ",
            index_path(page - 1)
        );
    }
    if page < pages {
        let _ = write!(
            body,
            "<a rel=\"next\" href=\"{}\">Next page</a>",
            index_path(page + 1)
        );
    }
    let _ = writeln!(
        body,
        "</p>\n<p>Tickets: <a href=\"{EXTERNAL_LINK}\">ticket office</a></p>"
    );
    html::page(&format!("{FAIR_NAME} – Exhibitors"), "", &body)
}

fn exhibitor_page(exhibitor: &FairExhibitor, image_paths: &[String]) -> String {
    let mut body = format!(
        "<nav><a href=\"{}\">All exhibitors</a></nav>\n",
        index_path(1)
    );
    let _ = writeln!(
        body,
        "<div class=\"exhibitor\" data-fair=\"{}\"><h1 class=\"company\">{}</h1><p class=\"booth\">{}</p>",
        escape(FAIR_NAME),
        escape(exhibitor.company),
        escape(exhibitor.booth)
    );
    for (p, (product, path)) in exhibitor.products.iter().zip(image_paths).enumerate() {
        let _ = writeln!(
            body,
            "<div class=\"product\" id=\"product-{}\"><img src=\"{path}\" alt=\"{name}\"><h2 class=\"product-name\">{name}</h2></div>",
            p + 1,
            name = escape(product.name)
        );
    }
    body.push_str("</div>\n");
    html::page(&format!("{} – {FAIR_NAME}", exhibitor.company), "", &body)
}
