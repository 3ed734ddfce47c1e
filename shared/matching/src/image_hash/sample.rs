//! Area-averaged sampling of any rectangle of an image down to the hasher's input size.
//!
//! Every hash — whole image, trimmed content, listing window — is computed from the same
//! kind of sample, so a window that frames a pasted logo exactly yields the same pixels as
//! the registered logo itself. The summed-area table makes each sample cost the same
//! whatever the rectangle's size, and allows sub-pixel rectangles (snapped windows).

use image::{GrayImage, Luma};

/// Side of a sample: the 16×16 input of the 8×8 DCT hash, so the hasher does not resize.
pub(crate) const SAMPLE_PX: u32 = 16;

/// A rectangle in working-image pixels (fractional).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// As `[x, y, w, h]` fractions of an image of `width`×`height`.
    pub(crate) fn fractions(&self, width: u32, height: u32) -> [f32; 4] {
        let (fw, fh) = (f64::from(width), f64::from(height));
        [
            (self.x / fw) as f32,
            (self.y / fh) as f32,
            (self.w / fw) as f32,
            (self.h / fh) as f32,
        ]
    }
}

/// Summed-area table of a grey image: `sums[y * (w + 1) + x]` is the sum of the pixels
/// above and to the left of the grid point (x, y).
pub(crate) struct Integral {
    width: usize,
    height: usize,
    sums: Vec<f64>,
}

impl Integral {
    pub(crate) fn new(gray: &GrayImage) -> Self {
        let (width, height) = (gray.width() as usize, gray.height() as usize);
        let stride = width + 1;
        let mut sums = vec![0.0; stride * (height + 1)];
        for (y, row) in gray
            .as_raw()
            .chunks_exact(width.max(1))
            .enumerate()
            .take(height)
        {
            let mut row_sum = 0.0;
            for (x, &v) in row.iter().enumerate() {
                row_sum += f64::from(v);
                sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row_sum;
            }
        }
        Integral {
            width,
            height,
            sums,
        }
    }

    pub(crate) fn width(&self) -> u32 {
        self.width as u32
    }

    pub(crate) fn height(&self) -> u32 {
        self.height as u32
    }

    /// The summed-area table at a fractional point. Within a pixel the table is bilinear
    /// (the image is constant there), so bilinear interpolation of the grid is exact.
    fn at(&self, x: f64, y: f64) -> f64 {
        let x = x.clamp(0.0, self.width as f64);
        let y = y.clamp(0.0, self.height as f64);
        let (x0, y0) = (
            (x.floor() as usize).min(self.width),
            (y.floor() as usize).min(self.height),
        );
        let (x1, y1) = ((x0 + 1).min(self.width), (y0 + 1).min(self.height));
        let (fx, fy) = (x - x0 as f64, y - y0 as f64);
        let stride = self.width + 1;
        let s = |xx: usize, yy: usize| self.sums[yy * stride + xx];
        let top = s(x0, y0) * (1.0 - fx) + s(x1, y0) * fx;
        let bottom = s(x0, y1) * (1.0 - fx) + s(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// The mean of the image over each cell of a `SAMPLE_PX`² grid laid over `rect`.
    pub(crate) fn sample(&self, rect: &Rect) -> GrayImage {
        const N: usize = SAMPLE_PX as usize;
        let mut grid = [[0.0f64; N + 1]; N + 1];
        for (j, row) in grid.iter_mut().enumerate() {
            let y = rect.y + rect.h * j as f64 / N as f64;
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = self.at(rect.x + rect.w * i as f64 / N as f64, y);
            }
        }
        let area = (rect.w / N as f64) * (rect.h / N as f64);
        GrayImage::from_fn(SAMPLE_PX, SAMPLE_PX, |i, j| {
            let (i, j) = (i as usize, j as usize);
            let sum = grid[j + 1][i + 1] - grid[j][i + 1] - grid[j + 1][i] + grid[j][i];
            let mean = if area > 0.0 { sum / area } else { 0.0 };
            Luma([mean.round().clamp(0.0, 255.0) as u8])
        })
    }

    /// The whole image as a rectangle.
    pub(crate) fn full(&self) -> Rect {
        Rect {
            x: 0.0,
            y: 0.0,
            w: self.width as f64,
            h: self.height as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_area_means_even_for_fractional_rectangles() {
        // Left half 0, right half 200.
        let gray = GrayImage::from_fn(64, 32, |x, _| Luma([if x < 32 { 0 } else { 200 }]));
        let integral = Integral::new(&gray);
        let whole = integral.sample(&integral.full());
        assert_eq!(whole.get_pixel(0, 0).0[0], 0);
        assert_eq!(whole.get_pixel(15, 0).0[0], 200);
        // A 16-px-wide rectangle centred on the boundary: its middle cells straddle it.
        let centred = integral.sample(&Rect {
            x: 24.5,
            y: 0.0,
            w: 16.0,
            h: 16.0,
        });
        assert_eq!(
            centred.get_pixel(7, 3).0[0],
            100,
            "half of one cell on each side"
        );
        assert_eq!(centred.get_pixel(0, 3).0[0], 0);
        assert_eq!(centred.get_pixel(15, 3).0[0], 200);
    }
}
