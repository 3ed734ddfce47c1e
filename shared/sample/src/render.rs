//! Turns a catalog [`Picture`] into pixels, drawing each registered image once.

use image::RgbImage;

use crate::catalog::Picture;
use crate::design::View;
use crate::scenes::{self, LOGO_PLACEMENTS};
use crate::{encode, logos};

/// The registered images, drawn once and shared by the owner file and every copy of them.
pub(crate) struct Registered {
    pub(crate) logo: RgbImage,
    pub(crate) front: RgbImage,
    pub(crate) side: RgbImage,
}

impl Registered {
    pub(crate) fn draw() -> Self {
        Registered {
            logo: logos::registered(),
            front: View::Front.draw(),
            side: View::Side.draw(),
        }
    }

    pub(crate) fn view(&self, view: View) -> &RgbImage {
        match view {
            View::Front => &self.front,
            View::Side => &self.side,
        }
    }

    pub(crate) fn render(&self, picture: Picture) -> RgbImage {
        match picture {
            Picture::Logo(factor) => encode::scale(&self.logo, factor),
            Picture::LogoInScene {
                product,
                seed,
                placement,
            } => {
                let at = LOGO_PLACEMENTS[placement % LOGO_PLACEMENTS.len()];
                scenes::scene(seed, product, Some((&self.logo, at)))
            }
            Picture::DesignView(view, factor) => encode::scale(self.view(view), factor),
            Picture::OtherLogo(index) => logos::other(index),
            Picture::Scene(product, seed) => scenes::scene(seed, product, None),
        }
    }
}
