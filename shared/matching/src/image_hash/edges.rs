//! Snapping a window to the straight edges near its sides.
//!
//! A 64-bit pHash changes by 4–8 bits when its window slides by 1.5% of its side, so a grid
//! of windows never lines up closely enough with a logo pasted at an arbitrary place. But a
//! pasted logo tile, a label or a patch is bounded by long straight edges; moving each side
//! of a nearby grid window onto the strongest such edge frames it almost exactly, whatever
//! its position and size.

use image::RgbImage;

use super::sample::Rect;

/// How far a side may move, as a share of the window's side: a grid step (1/8) plus the
/// gap between window sizes, so the true edge is within reach of some grid window.
const SEARCH_SHARE: f64 = 0.15;
/// Share of the window's length ignored at both ends when measuring an edge: a window that
/// is off by a grid step still has its middle on the tile's edge.
const EDGE_MARGIN_SHARE: f64 = 0.15;
/// A step between neighbouring pixels (in any channel) at least this large is part of an
/// edge; the sensor noise of flat areas stays below it.
const PIXEL_STEP: i32 = 10;
/// Share of a side's length that must be edge for the side to snap: a tile's border runs
/// along all of it, the edge of a shape inside or beside it only along part.
const MIN_COVERAGE: f64 = 0.6;
/// Snapped windows may not shrink or stretch beyond these factors of the grid window.
const MIN_SIZE_FACTOR: f64 = 0.7;
const MAX_SIZE_FACTOR: f64 = 1.4;

/// Prefix sums along one family of lines (columns for vertical edges, rows for horizontal
/// ones) of the luminance step across the line and of whether that step is an edge pixel.
struct LineSums {
    /// Number of points along each line.
    len: usize,
    steps: Vec<u32>,
    edge_pixels: Vec<u32>,
}

impl LineSums {
    /// `step(line, i)` is the step across `line` at point `i`; lines 1..lines are measured.
    fn new(lines: usize, len: usize, step: impl Fn(usize, usize) -> u32) -> Self {
        let size = (lines + 1) * (len + 1);
        let (mut steps, mut edge_pixels) = (vec![0u32; size], vec![0u32; size]);
        for line in 1..lines {
            let base = line * (len + 1);
            for i in 0..len {
                let s = step(line, i);
                steps[base + i + 1] = steps[base + i] + s;
                edge_pixels[base + i + 1] =
                    edge_pixels[base + i] + u32::from(s >= PIXEL_STEP as u32);
            }
        }
        LineSums {
            len,
            steps,
            edge_pixels,
        }
    }

    /// Mean step and edge-pixel share across `line` over points `from..to`.
    fn measure(&self, line: usize, from: usize, to: usize) -> (f64, f64) {
        let base = line * (self.len + 1);
        let n = (to - from).max(1) as f64;
        let steps = f64::from(self.steps[base + to] - self.steps[base + from]);
        let edge = f64::from(self.edge_pixels[base + to] - self.edge_pixels[base + from]);
        (steps / n, edge / n)
    }

    /// Edge-pixel share across `line` over points `from..to` (as [`Self::measure`] gives it).
    fn coverage(&self, line: usize, from: usize, to: usize) -> f64 {
        let base = line * (self.len + 1);
        let n = (to - from).max(1) as f64;
        f64::from(self.edge_pixels[base + to] - self.edge_pixels[base + from]) / n
    }

    /// The line within `reach` of `centre` that is most completely an edge over `from..to`
    /// (stronger steps break ties), located to a fraction of a pixel by the centroid of the
    /// steps around it; None if no line is edge along enough of its length.
    fn best_line(
        &self,
        centre: f64,
        reach: f64,
        lines: usize,
        from: usize,
        to: usize,
    ) -> Option<f64> {
        let lo = (centre - reach).ceil().max(1.0) as usize;
        let hi = ((centre + reach).floor().max(0.0) as usize).min(lines.saturating_sub(1));
        // Most lines are not edges: their coverage alone rules them out, before the mean
        // step (a second division) is worked out.
        let (best, _) = (lo..=hi)
            .filter_map(|line| {
                let coverage = self.coverage(line, from, to);
                (coverage >= MIN_COVERAGE).then(|| {
                    let (mean, _) = self.measure(line, from, to);
                    (line, coverage + mean / 1000.0)
                })
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        // A resampled border is spread over two or three neighbouring steps.
        let (mut weighted, mut total) = (0.0, 0.0);
        for line in best.saturating_sub(1).max(1)..=(best + 1).min(lines.saturating_sub(1)) {
            let (mean, _) = self.measure(line, from, to);
            weighted += line as f64 * mean;
            total += mean;
        }
        Some(if total > 0.0 {
            weighted / total
        } else {
            best as f64
        })
    }
}

/// Edge measurements of an image along its columns and rows.
pub(crate) struct EdgeMaps {
    width: usize,
    height: usize,
    /// Lines x = 1..width, points y: the step between pixels (x − 1, y) and (x, y).
    vertical: LineSums,
    /// Lines y = 1..height, points x: the step between pixels (x, y − 1) and (x, y).
    horizontal: LineSums,
}

impl EdgeMaps {
    /// Edges are measured in colour (the largest channel step): a tile whose background
    /// differs from its surroundings in hue but not in brightness still has a border.
    pub(crate) fn new(rgb: &RgbImage) -> Self {
        let (width, height) = (rgb.width() as usize, rgb.height() as usize);
        let raw = rgb.as_raw();
        let step = |a: usize, b: usize| -> u32 {
            (0..3)
                .map(|c| (i32::from(raw[a * 3 + c]) - i32::from(raw[b * 3 + c])).unsigned_abs())
                .max()
                .unwrap_or(0)
        };
        let at = |x: usize, y: usize| y * width + x;
        let vertical = LineSums::new(width, height, |x, y| step(at(x, y), at(x - 1, y)));
        let horizontal = LineSums::new(height, width, |y, x| step(at(x, y), at(x, y - 1)));
        EdgeMaps {
            width,
            height,
            vertical,
            horizontal,
        }
    }

    /// `rect` with each side moved onto the straight edge within reach that runs along it,
    /// or None when no side found one (the grid window is then all there is).
    pub(crate) fn snap(&self, rect: &Rect) -> Option<Rect> {
        let reach = (rect.w.max(rect.h) * SEARCH_SHARE).max(2.0);
        let (r0, r1) = inner_span(rect.y, rect.h, self.height);
        let (c0, c1) = inner_span(rect.x, rect.w, self.width);
        let v = |centre: f64| self.vertical.best_line(centre, reach, self.width, r0, r1);
        let h = |centre: f64| {
            self.horizontal
                .best_line(centre, reach, self.height, c0, c1)
        };
        let (left, right) = (v(rect.x), v(rect.x + rect.w));
        let (top, bottom) = (h(rect.y), h(rect.y + rect.h));
        if left.is_none() && right.is_none() && top.is_none() && bottom.is_none() {
            return None;
        }
        let x0 = left.unwrap_or(rect.x);
        let x1 = right.unwrap_or(rect.x + rect.w);
        let y0 = top.unwrap_or(rect.y);
        let y1 = bottom.unwrap_or(rect.y + rect.h);
        let snapped = Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        };
        let plausible =
            |new: f64, old: f64| new >= old * MIN_SIZE_FACTOR && new <= old * MAX_SIZE_FACTOR;
        (plausible(snapped.w, rect.w) && plausible(snapped.h, rect.h)).then_some(snapped)
    }
}

/// The middle part of `start..start + len`, clamped to `0..limit`, as whole pixels.
fn inner_span(start: f64, len: f64, limit: usize) -> (usize, usize) {
    let margin = len * EDGE_MARGIN_SHARE;
    let from = (start + margin).max(0.0).floor() as usize;
    let to = ((start + len - margin).ceil().max(0.0) as usize).min(limit);
    (from.min(to), to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;

    fn rgb(gray: GrayImage) -> RgbImage {
        image::DynamicImage::ImageLuma8(gray).into_rgb8()
    }

    #[test]
    fn snaps_a_misaligned_window_onto_a_tile() {
        // A bright 100×100 tile at (60, 40) on a dark ground.
        let gray = GrayImage::from_fn(256, 200, |x, y| {
            let inside = (60..160).contains(&x) && (40..140).contains(&y);
            image::Luma([if inside { 220 } else { 30 }])
        });
        let edges = EdgeMaps::new(&rgb(gray));
        let off = Rect {
            x: 52.0,
            y: 45.0,
            w: 108.0,
            h: 108.0,
        };
        let snapped = edges.snap(&off).expect("edges nearby");
        assert_eq!(
            snapped,
            Rect {
                x: 60.0,
                y: 40.0,
                w: 100.0,
                h: 100.0
            }
        );
    }

    #[test]
    fn prefers_the_edge_that_runs_the_whole_side_and_locates_it_between_pixels() {
        // A tile whose left border is blurred over two columns (x = 59 is half-way), next
        // to a short but stronger edge of a neighbouring shape at x = 52.
        let gray = GrayImage::from_fn(256, 200, |x, y| {
            let v = match x {
                _ if !(40..140).contains(&y) => 30,
                59 => 125,
                60..160 => 220,
                45..52 if (40..70).contains(&y) => 255,
                _ => 30,
            };
            image::Luma([v])
        });
        let edges = EdgeMaps::new(&rgb(gray));
        let snapped = edges
            .snap(&Rect {
                x: 52.0,
                y: 40.0,
                w: 108.0,
                h: 100.0,
            })
            .expect("snaps");
        assert!((snapped.x - 59.5).abs() < 0.01, "{snapped:?}");
    }

    #[test]
    fn nothing_to_snap_to_in_a_flat_image() {
        let gray = GrayImage::from_pixel(100, 100, image::Luma([90]));
        let edges = EdgeMaps::new(&rgb(gray));
        assert_eq!(
            edges.snap(&Rect {
                x: 10.0,
                y: 10.0,
                w: 50.0,
                h: 50.0
            }),
            None
        );
    }
}
