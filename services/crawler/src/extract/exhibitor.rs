//! Fair catalog pages: exhibitor cards (`.exhibitor` with `.company`, `.booth` and
//! `.product` entries) and exhibitor tables (`<table>` whose header names a company
//! column, see [`super::table::role_of`]). Each exhibitor product becomes one listing,
//! addressed as the page plus a fragment.

use scraper::{ElementRef, Html};
use url::Url;

use super::{
    ExtractedExhibitor, ExtractedProduct, ProductSource,
    dom::{attr, selector, text_of},
    images::{images_in, resolve},
    table::Columns,
};

pub(crate) fn products(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    let mut out = cards(doc, page_url, base);
    out.extend(tables(doc, page_url, base));
    out
}

fn cards(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    let mut out = Vec::new();
    for card in doc.select(&selector(".exhibitor")) {
        let company = card
            .select(&selector(".company"))
            .next()
            .map(text_of)
            .unwrap_or_default();
        if company.is_empty() {
            continue;
        }
        let exhibitor = ExtractedExhibitor {
            fair: fair_of(card),
            booth: card
                .select(&selector(".booth"))
                .next()
                .map(text_of)
                .unwrap_or_default(),
            company: company.clone(),
        };
        for (index, product) in card.select(&selector(".product")).enumerate() {
            let title = product
                .select(&selector(".product-name"))
                .next()
                .map(text_of)
                .unwrap_or_default();
            let fragment = product
                .value()
                .id()
                .map(str::to_owned)
                .unwrap_or(format!("product-{}", index + 1));
            out.push(exhibitor_product(
                page_url,
                &fragment,
                title,
                images_in(product, base),
                &exhibitor,
                ProductSource::ExhibitorCard,
            ));
        }
    }
    out
}

fn tables(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    let mut out = Vec::new();
    for (t, table) in doc.select(&selector("table")).enumerate() {
        let rows: Vec<ElementRef<'_>> = table.select(&selector("tr")).collect();
        let Some((header_at, columns)) = rows.iter().enumerate().take(3).find_map(|(i, r)| {
            let texts: Vec<String> = cells(*r).into_iter().map(text_of).collect();
            Columns::from_header(&texts).map(|c| (i, c))
        }) else {
            continue;
        };
        let fair = fair_of(table);
        for (r, row) in rows.iter().enumerate().skip(header_at + 1) {
            let row_cells = cells(*row);
            let texts: Vec<String> = row_cells.iter().map(|c| text_of(*c)).collect();
            let Ok(Some(parsed)) = columns.row(r + 1, &texts) else {
                continue;
            };
            // Images: those in the image column (as <img> or as written addresses), else
            // any in the row.
            let image_cell = columns.image().and_then(|i| row_cells.get(i)).copied();
            let mut images = image_cell.map(|c| images_in(c, base)).unwrap_or_default();
            images.extend(parsed.image_urls.iter().filter_map(|u| resolve(u, base)));
            if images.is_empty() {
                images = images_in(*row, base);
            }
            let exhibitor = ExtractedExhibitor {
                fair: fair.clone(),
                booth: match &parsed.hall {
                    Some(hall) if !parsed.booth.is_empty() => format!("{hall}, {}", parsed.booth),
                    Some(hall) => hall.clone(),
                    None => parsed.booth.clone(),
                },
                company: parsed.company.clone(),
            };
            let mut titles = parsed.products.clone();
            // A row with pictures but no product names still shows the exhibitor's goods.
            if titles.is_empty() && !images.is_empty() {
                titles.push(parsed.company.clone());
            }
            for (p, title) in titles.into_iter().enumerate() {
                let fragment = format!("table-{}-row-{}-product-{}", t + 1, r + 1, p + 1);
                // Several products share the row's pictures: a table does not say which is which.
                out.push(exhibitor_product(
                    page_url,
                    &fragment,
                    title,
                    images.clone(),
                    &exhibitor,
                    ProductSource::ExhibitorTable,
                ));
            }
        }
    }
    out
}

fn cells(row: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    row.children()
        .filter_map(ElementRef::wrap)
        .filter(|c| matches!(c.value().name(), "td" | "th"))
        .collect()
}

/// The fair's name: `data-fair` on the element or an ancestor, else a table's caption.
fn fair_of(el: ElementRef<'_>) -> String {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .find_map(|e| attr(e, "data-fair").map(str::to_owned))
        .or_else(|| el.select(&selector("caption")).next().map(text_of))
        .unwrap_or_default()
}

fn exhibitor_product(
    page_url: &Url,
    fragment: &str,
    title: String,
    image_urls: Vec<Url>,
    exhibitor: &ExtractedExhibitor,
    source: ProductSource,
) -> ExtractedProduct {
    let mut url = page_url.clone();
    url.set_fragment(Some(fragment));
    ExtractedProduct {
        url,
        title,
        seller: exhibitor.company.clone(),
        price: None,
        currency: None,
        image_urls,
        exhibitor: Some(exhibitor.clone()),
        brand: None,
        sku: None,
        source,
        provenance: [(
            "seller".to_owned(),
            match source {
                ProductSource::ExhibitorTable => "exhibitor table: company",
                _ => "exhibitor record: company",
            }
            .to_owned(),
        )]
        .into(),
    }
}
