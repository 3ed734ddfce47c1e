//! The bundled sample data for the demo and the end-to-end tests.
//!
//! A brand owner ("Acme Velotrax Sportswear GmbH") with four registered rights, a sample
//! marketplace and a sample trade-fair exhibitor catalog, served over HTTP, with planted
//! infringements, authorized-seller listings and clean listings — and, for every listing,
//! the outcome the pipeline must reach ([`ExpectedListing`]).
//!
//! Everything is drawn by this crate with seeded pixel loops; nothing is downloaded, and
//! [`generate`] returns the same bytes on every run.
//!
//! Module map:
//! - the `owner.json` rights-file format ([`OwnerFile`]) is the model's
//!   (`takedown_model::owner_file`); the sample writes one.
//! - `catalog`: the sample's contents — the owner's rights, every listing, its planted case.
//! - `rng`: a tiny seeded generator we own, so the bytes never drift with a dependency.
//! - `draw`: pixel-loop primitives (circles, rings, rectangles, polygons, stripes, gradients).
//! - `logos`: the registered logo and the unrelated logos of other brands.
//! - `design`: the registered trail-shoe design, front and side view.
//! - `scenes`: procedural product photos, optionally with the logo placed in them.
//! - `render`: turns a catalog picture into pixels; `encode`: PNG/JPEG/WebP and scaling.
//! - `html`: escaping, page frame, schema.org JSON-LD.
//! - `market`, `fair`: the two sites' pages; `site`: [`SiteContent`], the path → file map.
//! - `serve`: [`serve`] and [`router`], the axum front of a [`SiteContent`].
//!
//! **Invariant:** `catalog` is the only place that says what is planted where; the site
//! modules render it and derive [`ExpectedListing`] from it, so the pages and the expected
//! outcomes cannot disagree.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod catalog;
mod design;
mod draw;
mod encode;
mod fair;
mod html;
mod logos;
mod market;
mod render;
mod rng;
mod scenes;
mod serve;
mod site;

use std::path::{Path, PathBuf};

pub use serve::{router, serve};
pub use site::SiteContent;
pub use takedown_model::OwnerFile;

/// Everything the demo needs: the rights file, its images, the sites and the answers.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleData {
    /// The brand owner's rights file content.
    pub owner: OwnerFile,
    /// (file name relative to the owner file, PNG bytes): the logo and the design views.
    pub owner_images: Vec<(String, Vec<u8>)>,
    /// Both sample sites, by URL path.
    pub site: SiteContent,
    /// One entry per marketplace listing and per fair product, in site order.
    pub expected: Vec<ExpectedListing>,
}

/// What the pipeline must conclude about one listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedListing {
    /// The listing URL path the crawler reports, fragment included:
    /// `/market/item/7` or `/fair/exhibitor/3#product-2`.
    pub url_path: String,
    /// `"market"` or `"fair"`.
    pub source: &'static str,
    /// What the listing plants: `logo_recompressed`, `logo_in_scene`, `design_copy`,
    /// `misspelled_mark`, `lookalike_chars`, `spacing_trick`, `exact_mark`,
    /// `chinese_same_sound`, `traditional_chinese`, `authorized_seller` or `clean`.
    pub case: &'static str,
    /// The right ids that must match; empty for clean and authorized listings.
    pub expected_rights: Vec<String>,
}

/// The platform name of the sample marketplace, as the owner file's authorized sellers
/// name it.
pub const MARKET_PLATFORM: &str = catalog::MARKET_PLATFORM;
/// The fair's name, as in the exhibitor pages' `data-fair`.
pub const FAIR_NAME: &str = catalog::FAIR_NAME;

/// Generates the whole sample. Deterministic: equal output on every call and every run.
///
/// Takes a few hundred milliseconds in a release build (JPEG encoding dominates; images are
/// encoded on up to four threads) and several seconds in an unoptimized one.
pub fn generate() -> SampleData {
    let registered = render::Registered::draw();
    let owner = catalog::owner();
    let mut owner_images = vec![(
        catalog::LOGO_FILE.to_owned(),
        encode::encode(&registered.logo, encode::Format::Png),
    )];
    for (view, file) in catalog::DESIGN_FILES {
        owner_images.push((
            file.to_owned(),
            encode::encode(registered.view(view), encode::Format::Png),
        ));
    }
    let mut site = SiteContent::default();
    let mut expected = Vec::new();
    site::add_root(&mut site);
    market::build(&mut site, &registered, &mut expected);
    fair::build(&mut site, &registered, &mut expected);
    SampleData {
        owner,
        owner_images,
        site,
        expected,
    }
}

impl SampleData {
    /// Writes `owner.json` and its images into `dir` (created if missing) and returns the
    /// path of `owner.json`.
    pub fn write_owner_files(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        for (file, bytes) in &self.owner_images {
            std::fs::write(dir.join(file), bytes)?;
        }
        let json = serde_json::to_vec_pretty(&self.owner).map_err(std::io::Error::other)?;
        let path = dir.join("owner.json");
        std::fs::write(&path, json)?;
        Ok(path)
    }
}
