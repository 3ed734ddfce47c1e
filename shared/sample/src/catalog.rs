//! What the sample contains: the owner's rights, every marketplace listing and fair product,
//! and for each one which case it plants and which rights must match it.
//!
//! Each planted listing tests one thing: image-planted listings have neutral titles and
//! word-planted listings have unrelated images, so a match (or a miss) points at exactly one
//! part of the pipeline. The order of the market items is interleaved by hand so planted
//! and clean listings share categories and pages, as they would on a real site.

use takedown_model::{RightKind, Tenant, TenantKind};

use crate::design::View;
use crate::encode::Format;
use crate::scenes::Product;
use takedown_model::{OwnerFile, OwnerRight, OwnerRightImage, OwnerSeller};

pub(crate) const RIGHT_WORD: &str = "r-velotrax-word";
pub(crate) const RIGHT_LOGO: &str = "r-velotrax-logo";
pub(crate) const RIGHT_DESIGN: &str = "r-trail-shoe-design";
pub(crate) const RIGHT_YUNBAO: &str = "r-yunbao-word";

pub(crate) const MARKET_PLATFORM: &str = "sample-market";
pub(crate) const AUTHORIZED_SELLER: &str = "Velotrax Official Store";
pub(crate) const FAIR_NAME: &str = "Sample Sports Fair 2026";

pub(crate) const LOGO_FILE: &str = "velotrax-logo.png";
pub(crate) const DESIGN_FILES: [(View, &str); 2] = [
    (View::Front, "trail-shoe-front.png"),
    (View::Side, "trail-shoe-side.png"),
];

/// The brand owner's rights file.
pub(crate) fn owner() -> OwnerFile {
    let right = |id: &str,
                 kind,
                 name: &str,
                 number: &str,
                 office: &str,
                 classes: &[&str],
                 territories: &[&str],
                 images: Vec<OwnerRightImage>| OwnerRight {
        id: id.into(),
        kind,
        name: name.into(),
        registration_number: number.into(),
        office: office.into(),
        classes: classes.iter().map(|c| c.to_string()).collect(),
        territories: territories.iter().map(|t| t.to_string()).collect(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2019, 3, 1),
        valid_until: chrono::NaiveDate::from_ymd_opt(2029, 3, 1),
        images,
    };
    let image = |view: &str, file: &str| OwnerRightImage {
        view: view.into(),
        file: file.into(),
    };
    OwnerFile {
        owner: Tenant {
            id: "acme".into(),
            kind: TenantKind::BrandOwner,
            name: "Acme Velotrax Sportswear GmbH".into(),
            contact_email: Some("legal@velotrax.example".into()),
        },
        rights: vec![
            right(
                RIGHT_WORD,
                RightKind::WordMark,
                "VELOTRAX",
                "EUTM 018123456",
                "EUIPO",
                &["25", "28"],
                &["EU", "CN", "US"],
                vec![],
            ),
            right(
                RIGHT_LOGO,
                RightKind::LogoMark,
                "VELOTRAX logo",
                "EUTM 018123457",
                "EUIPO",
                &["25", "28"],
                &["EU", "CN", "US"],
                vec![image("logo", LOGO_FILE)],
            ),
            right(
                RIGHT_DESIGN,
                RightKind::Design,
                "Trail running shoe",
                "RCD 008765432-0001",
                "EUIPO",
                &["02-04"],
                &["EU"],
                DESIGN_FILES
                    .iter()
                    .map(|(view, file)| image(view.name(), file))
                    .collect(),
            ),
            right(
                RIGHT_YUNBAO,
                RightKind::WordMark,
                "云豹",
                "CN 30123456",
                "CNIPA",
                &["25"],
                &["CN"],
                vec![],
            ),
        ],
        authorized_sellers: vec![OwnerSeller {
            platform: MARKET_PLATFORM.into(),
            seller: AUTHORIZED_SELLER.into(),
        }],
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Picture {
    /// The registered logo, scaled by the factor.
    Logo(f32),
    /// A product scene with the logo tile at `LOGO_PLACEMENTS[placement]`.
    LogoInScene {
        product: Product,
        seed: u64,
        placement: usize,
    },
    /// A registered design view, scaled by the factor.
    DesignView(View, f32),
    /// Another brand's logo, see `logos::other`.
    OtherLogo(usize),
    /// A product scene without any registered image.
    Scene(Product, u64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Image {
    pub(crate) picture: Picture,
    pub(crate) format: Format,
}

/// What a listing plants and which rights must match it (none for clean and authorized).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Expect {
    pub(crate) case: &'static str,
    pub(crate) rights: &'static [&'static str],
}

pub(crate) struct MarketItem {
    pub(crate) title: &'static str,
    pub(crate) seller: &'static str,
    pub(crate) price: &'static str,
    /// Index into [`MARKET_CATEGORIES`].
    pub(crate) category: usize,
    pub(crate) images: Vec<Image>,
    pub(crate) expect: Expect,
}

pub(crate) struct FairProduct {
    pub(crate) name: &'static str,
    pub(crate) image: Image,
    pub(crate) expect: Expect,
}

pub(crate) struct FairExhibitor {
    pub(crate) company: &'static str,
    pub(crate) booth: &'static str,
    pub(crate) products: Vec<FairProduct>,
}

pub(crate) const MARKET_CATEGORIES: [&str; 4] = ["Running", "Outdoor", "Accessories", "Footwear"];

const fn expect(case: &'static str, rights: &'static [&'static str]) -> Expect {
    Expect { case, rights }
}

const CLEAN: Expect = expect("clean", &[]);
const AUTHORIZED: Expect = expect("authorized_seller", &[]);
const LOGO_COPY: Expect = expect("logo_recompressed", &[RIGHT_LOGO]);
const LOGO_SCENE: Expect = expect("logo_in_scene", &[RIGHT_LOGO]);
const DESIGN_COPY: Expect = expect("design_copy", &[RIGHT_DESIGN]);
const MISSPELLED: Expect = expect("misspelled_mark", &[RIGHT_WORD]);
const LOOKALIKE: Expect = expect("lookalike_chars", &[RIGHT_WORD]);
const SPACING: Expect = expect("spacing_trick", &[RIGHT_WORD]);
const EXACT: Expect = expect("exact_mark", &[RIGHT_WORD]);
const SAME_SOUND: Expect = expect("chinese_same_sound", &[RIGHT_YUNBAO]);
const TRADITIONAL: Expect = expect("traditional_chinese", &[RIGHT_YUNBAO]);

const JPEG: Format = Format::Jpeg(85);
/// Re-uploaded copies: quality ~50 smears the edges the way image hosts do.
const JPEG_LOW: Format = Format::Jpeg(50);

fn img(picture: Picture, format: Format) -> Image {
    Image { picture, format }
}

const SELLER_DEALS: &str = "SportDeals24";
const SELLER_HK: &str = "Trendy Outlet HK";
const SELLER_BERG: &str = "Bergwelt Outdoor";
const SELLER_FAST: &str = "Fast Fashion Hub";
const SELLER_ALPEN: &str = "Alpen Sport Shop";

/// The marketplace, in item-number order (item `n` is element `n - 1`).
// One listing per line reads as the table it is; rustfmt would spread each over ten lines.
#[rustfmt::skip]
pub(crate) fn market_items() -> Vec<MarketItem> {
    use Picture::*;
    use Product::*;
    let item = |title, seller, price, category, images, expect| MarketItem { title, seller, price, category, images, expect };
    vec![
        item("Merino hiking socks, 3 pairs", SELLER_BERG, "14.90", 1, vec![img(OtherLogo(0), Format::Png), img(Scene(Backpack, 201), JPEG)], CLEAN),
        item("Lightweight running cap", SELLER_DEALS, "9.99", 2, vec![img(Logo(0.6), JPEG_LOW)], LOGO_COPY),
        item("Velotrx running jacket", SELLER_HK, "29.90", 0, vec![img(Scene(Jacket, 301), JPEG)], MISSPELLED),
        item("Velvet tracksuit", SELLER_FAST, "39.00", 0, vec![img(Scene(Tshirt, 202), JPEG)], CLEAN),
        item("VELOTRAX Pro running jacket", AUTHORIZED_SELLER, "89.00", 0, vec![img(Logo(1.0), Format::Png), img(Scene(Jacket, 203), JPEG)], AUTHORIZED),
        item("Team hoodie, navy", SELLER_HK, "24.50", 0, vec![img(LogoInScene { product: Jacket, seed: 101, placement: 0 }, JPEG)], LOGO_SCENE),
        item("Velocity trainer shoes", SELLER_DEALS, "49.95", 3, vec![img(OtherLogo(1), Format::Png)], CLEAN),
        item("Trail running shoe, teal", SELLER_FAST, "34.99", 3, vec![img(DesignView(View::Front, 1.25), Format::Jpeg(55))], DESIGN_COPY),
        item("Vellotrax trail socks", SELLER_DEALS, "7.99", 1, vec![img(Scene(Bottle, 302), JPEG)], MISSPELLED),
        item("Insulated water bottle 750 ml", SELLER_BERG, "19.90", 2, vec![img(Scene(Bottle, 204), JPEG)], CLEAN),
        // Cyrillic Е (U+0415) and О (U+041E), escaped so the source shows what is planted.
        item("V\u{415}L\u{41E}TRAX cycling jersey", SELLER_HK, "22.00", 0, vec![img(Scene(Tshirt, 303), JPEG)], LOOKALIKE),
        item("Trax racing bike bell", SELLER_ALPEN, "6.50", 2, vec![img(OtherLogo(2), Format::Webp)], CLEAN),
        item("Sports duffel bag", SELLER_DEALS, "27.00", 2, vec![img(LogoInScene { product: Backpack, seed: 102, placement: 1 }, JPEG)], LOGO_SCENE),
        item("豹纹围巾", SELLER_FAST, "12.00", 2, vec![img(OtherLogo(3), Format::Png)], CLEAN),
        item("V E L O T R A X windbreaker", SELLER_FAST, "31.00", 0, vec![img(Scene(Jacket, 304), JPEG)], SPACING),
        item("Cycling gloves", SELLER_ALPEN, "18.00", 2, vec![img(OtherLogo(4), Format::Png)], CLEAN),
        item("Outdoor sneaker, low cut", SELLER_HK, "32.00", 3, vec![img(DesignView(View::Side, 0.75), JPEG_LOW)], DESIGN_COPY),
        item("云暴 运动鞋 男款", SELLER_HK, "25.00", 3, vec![img(Scene(Cap, 305), JPEG)], SAME_SOUND),
        item("云南 登山杖", SELLER_BERG, "35.00", 1, vec![img(OtherLogo(5), Format::Png)], CLEAN),
        item("VELOTRAX trail cap", AUTHORIZED_SELLER, "24.00", 2, vec![img(Logo(1.0), Format::Webp)], AUTHORIZED),
        item("Sport logo sticker pack", SELLER_DEALS, "4.99", 2, vec![img(Logo(1.4), JPEG_LOW)], LOGO_COPY),
        item("Yoga mat, 6 mm", SELLER_ALPEN, "29.00", 1, vec![img(OtherLogo(6), Format::Png)], CLEAN),
        item("雲豹 跑步鞋", SELLER_HK, "27.00", 3, vec![img(Scene(Ball, 306), JPEG)], TRADITIONAL),
        item("Running belt with pockets", SELLER_FAST, "15.00", 0, vec![img(Scene(Backpack, 205), JPEG)], CLEAN),
        item("Climbing chalk bag", SELLER_BERG, "11.00", 1, vec![img(OtherLogo(7), Format::Png)], CLEAN),
        item("Ski goggles, anti-fog", SELLER_ALPEN, "45.00", 1, vec![img(OtherLogo(8), Format::Png)], CLEAN),
        item("Football, size 5", SELLER_DEALS, "21.00", 2, vec![img(Scene(Ball, 206), JPEG)], CLEAN),
        item("Fleece beanie", SELLER_FAST, "13.00", 2, vec![img(Scene(Cap, 207), JPEG)], CLEAN),
        item("Trekking backpack 30 l", SELLER_BERG, "69.00", 1, vec![img(Scene(Backpack, 208), JPEG), img(OtherLogo(9), Format::Png)], CLEAN),
        item("Compression shorts", SELLER_FAST, "19.99", 0, vec![img(OtherLogo(10), Format::Png)], CLEAN),
        item("Headlamp 300 lm", SELLER_ALPEN, "24.90", 1, vec![img(OtherLogo(11), Format::Png)], CLEAN),
        item("Swim goggles", SELLER_DEALS, "9.50", 2, vec![img(Scene(Tshirt, 209), JPEG)], CLEAN),
        item("Tennis racket, graphite", SELLER_ALPEN, "79.00", 2, vec![img(OtherLogo(12), Format::Png)], CLEAN),
        item("Windproof cycling jacket", SELLER_BERG, "59.00", 0, vec![img(Scene(Jacket, 210), JPEG)], CLEAN),
    ]
}

/// The fair catalog, in exhibitor-id order (exhibitor `n` is element `n - 1`).
#[rustfmt::skip]
pub(crate) fn fair_exhibitors() -> Vec<FairExhibitor> {
    use Picture::*;
    use Product::*;
    let product = |name, image, expect| FairProduct { name, image, expect };
    let exhibitor = |company, booth, products| FairExhibitor { company, booth, products };
    vec![
        exhibitor("Shenzhen Fastrun Sporting Goods Co., Ltd.", "Hall 3, Booth B12", vec![
            product("Running cap, embroidered", img(Logo(0.8), Format::Jpeg(45)), LOGO_COPY),
            product("Breathable mesh T-shirt", img(Scene(Tshirt, 401), JPEG), CLEAN),
            product("云暴 户外冲锋衣", img(Scene(Jacket, 402), JPEG), SAME_SOUND),
        ]),
        exhibitor("Nordic Trail Gear AB", "Hall 1, Booth A03", vec![
            product("Carbon trekking pole", img(OtherLogo(13), Format::Png), CLEAN),
            product("Thermal bottle 1 l", img(Scene(Bottle, 403), JPEG), CLEAN),
            product("Hiking daypack", img(Scene(Backpack, 404), JPEG), CLEAN),
        ]),
        exhibitor("Guangzhou Leopard Outdoor Co.", "Hall 3, Booth C07", vec![
            product("Performance hoodie", img(LogoInScene { product: Jacket, seed: 103, placement: 2 }, JPEG), LOGO_SCENE),
            product("Trail runner, model TR-9", img(DesignView(View::Side, 1.5), JPEG_LOW), DESIGN_COPY),
            product("VELOTRAX trail running shoe", img(Scene(Cap, 405), JPEG), EXACT),
            product("Velotrex hiking boots", img(Scene(Backpack, 406), JPEG), MISSPELLED),
        ]),
        exhibitor("Milano Active S.r.l.", "Hall 2, Booth D21", vec![
            product("Tennis polo", img(OtherLogo(14), Format::Png), CLEAN),
            product("Gym bag", img(Scene(Backpack, 407), JPEG), CLEAN),
            product("Match ball", img(Scene(Ball, 408), JPEG), CLEAN),
        ]),
        exhibitor("Pacific Ball Works Inc.", "Hall 2, Booth D30", vec![
            product("Basketball, indoor", img(Scene(Ball, 409), JPEG), CLEAN),
            product("Volleyball", img(OtherLogo(15), Format::Png), CLEAN),
            product("Sports cap", img(Scene(Cap, 410), JPEG), CLEAN),
        ]),
    ]
}
