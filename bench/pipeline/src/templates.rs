//! The sample marketplace's listings as templates for the synthetic one: their title,
//! seller, images and planted case, read back from the pages `takedown-sample` generates
//! (its catalog is crate-private; the served pages and [`ExpectedListing`] are its public
//! contract, so reading them keeps the bench in step with what the sample plants).

use serde::Deserialize;
use takedown_sample::{ExpectedListing, SampleData};

/// What a template plants, as far as the bench's expectations go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planted {
    /// A registered logo or design in the image (title neutral): one notice.
    Image,
    /// A word mark (or a confusable of it) in the title (image clean): one notice.
    Word,
    /// The authorized seller, showing the owner's marks: no notice.
    Authorized,
    /// Nothing: no notice.
    Clean,
}

impl Planted {
    /// Whether a listing made from such a template must end in an accepted notice.
    pub fn infringes(self) -> bool {
        matches!(self, Planted::Image | Planted::Word)
    }
}

#[derive(Debug, Clone)]
pub struct TemplateImage {
    /// `"jpg"`, `"png"` or `"webp"`, from the sample's file name.
    pub extension: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub title: String,
    pub seller: String,
    pub price: String,
    pub planted: Planted,
    /// The sample's case name (`logo_in_scene`, `clean`, …), for the report.
    pub case: &'static str,
    pub images: Vec<TemplateImage>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("sample page {0} is missing")]
    MissingPage(String),
    #[error("sample page {0} has no schema.org Product JSON-LD")]
    NoJsonLd(String),
    #[error("sample page {path}: JSON-LD does not parse: {source}")]
    BadJsonLd {
        path: String,
        source: serde_json::Error,
    },
    #[error("sample image {0} is missing")]
    MissingImage(String),
    #[error(
        "sample case {case} of {path} expects {rights} rights; the bench counts one notice per planted listing"
    )]
    NotOneRight {
        path: String,
        case: &'static str,
        rights: usize,
    },
}

#[derive(Deserialize)]
struct ProductLd {
    name: String,
    image: Vec<String>,
    offers: OfferLd,
}

#[derive(Deserialize)]
struct OfferLd {
    price: String,
    seller: SellerLd,
}

#[derive(Deserialize)]
struct SellerLd {
    name: String,
}

fn planted(expected: &ExpectedListing) -> Planted {
    match expected.case {
        "logo_recompressed" | "logo_in_scene" | "design_copy" => Planted::Image,
        "authorized_seller" => Planted::Authorized,
        "clean" => Planted::Clean,
        _ => Planted::Word,
    }
}

/// One template per marketplace listing of the sample (the fair's products are left out:
/// the synthetic site is a marketplace).
pub fn from_sample(sample: &SampleData) -> Result<Vec<Template>, TemplateError> {
    sample
        .expected
        .iter()
        .filter(|e| e.source == "market")
        .map(|e| template(sample, e))
        .collect()
}

fn template(sample: &SampleData, expected: &ExpectedListing) -> Result<Template, TemplateError> {
    let path = &expected.url_path;
    let planted = planted(expected);
    if planted.infringes() && expected.expected_rights.len() != 1 {
        return Err(TemplateError::NotOneRight {
            path: path.clone(),
            case: expected.case,
            rights: expected.expected_rights.len(),
        });
    }
    let (_, page) = sample
        .site
        .get(path)
        .ok_or_else(|| TemplateError::MissingPage(path.clone()))?;
    let page = String::from_utf8_lossy(page);
    let ld = json_ld(&page).ok_or_else(|| TemplateError::NoJsonLd(path.clone()))?;
    let product: ProductLd = serde_json::from_str(&ld.replace("<\\/", "</")).map_err(|source| {
        TemplateError::BadJsonLd {
            path: path.clone(),
            source,
        }
    })?;
    let images = product
        .image
        .iter()
        .map(|image| {
            let (_, bytes) = sample
                .site
                .get(image)
                .ok_or_else(|| TemplateError::MissingImage(image.clone()))?;
            let extension = image.rsplit('.').next().unwrap_or("jpg").to_owned();
            Ok(TemplateImage {
                extension,
                bytes: bytes.to_vec(),
            })
        })
        .collect::<Result<_, TemplateError>>()?;
    Ok(Template {
        title: product.name,
        seller: product.offers.seller.name,
        price: product.offers.price,
        planted,
        case: expected.case,
        images,
    })
}

/// The body of the page's first `application/ld+json` script.
fn json_ld(page: &str) -> Option<&str> {
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open)? + open.len();
    let end = page.get(start..)?.find("</script>")? + start;
    page.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_market_listing_becomes_a_template_with_its_images() {
        let sample = takedown_sample::generate();
        let templates = from_sample(&sample).expect("templates");
        let market = sample
            .expected
            .iter()
            .filter(|e| e.source == "market")
            .count();
        assert_eq!(templates.len(), market);
        assert!(templates.iter().all(|t| !t.images.is_empty()));
        for kind in [
            Planted::Image,
            Planted::Word,
            Planted::Authorized,
            Planted::Clean,
        ] {
            assert!(
                templates.iter().any(|t| t.planted == kind),
                "no {kind:?} template"
            );
        }
        let lookalike = templates
            .iter()
            .find(|t| t.case == "lookalike_chars")
            .expect("lookalike");
        assert!(lookalike.title.contains('\u{415}'), "{}", lookalike.title);
    }
}
