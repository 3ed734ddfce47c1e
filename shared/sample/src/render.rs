//! Turns a catalog [`Picture`] into pixels, drawing each registered image once.

use image::RgbImage;

use crate::catalog::{Image, Picture};
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
                // The catalog's tests check every index is real; the modulo only keeps a
                // future typo from panicking at demo start.
                let at = LOGO_PLACEMENTS[placement % LOGO_PLACEMENTS.len()];
                scenes::scene(seed, product, Some((&self.logo, at)))
            }
            Picture::DesignView(view, factor) => encode::scale(self.view(view), factor),
            Picture::OtherLogo(index) => logos::other(index),
            Picture::Scene(product, seed) => scenes::scene(seed, product, None),
        }
    }
}

impl Registered {
    /// Renders and encodes every image, in order. JPEG encoding dominates generation time
    /// (~8 ms per scene), so the work is spread over the available cores; each image is
    /// independent and lands at its own index, so the output does not depend on scheduling.
    pub(crate) fn encode_all(&self, images: &[Image]) -> Vec<Vec<u8>> {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4);
        let mut out = vec![Vec::new(); images.len()];
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|worker| {
                    scope.spawn(move || {
                        // Interleaved rather than contiguous shares: scenes and small logos
                        // are mixed through the catalog, so every worker gets both.
                        images
                            .iter()
                            .enumerate()
                            .skip(worker)
                            .step_by(workers)
                            .map(|(i, image)| {
                                (i, encode::encode(&self.render(image.picture), image.format))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for handle in handles {
                // A worker only panics if encoding our own image failed, which `encode`
                // already treats as a bug; carry that panic to the caller unchanged.
                let done = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (i, bytes) in done {
                    if let Some(slot) = out.get_mut(i) {
                        *slot = bytes;
                    }
                }
            }
        });
        out
    }
}
