//! Descriptor matching with a ratio test, a RANSAC homography fit, and the sanity check of
//! the region it maps the registered image to.

use super::features::{LocalFeatures, descriptor_distance};

/// How a registered image is verified in a listing photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerifyParams {
    /// Lowe's ratio test: the best match must be this much closer than the best match at
    /// another place of the photo.
    pub ratio: f32,
    /// A match farther than this many of 256 bits is no match.
    pub max_distance: u32,
    /// Matches consistent with one homography needed to stand.
    pub min_inliers: usize,
    /// A match is an inlier when the homography maps it within this many pixels (of the
    /// photo after its size cap).
    pub reprojection: f32,
    /// RANSAC draws at most this many 4-match samples.
    pub iterations: usize,
    /// The registered image may appear at most this many times its own size (side length),
    /// and at least `min_scale` times.
    pub max_scale: f32,
    /// See `max_scale`.
    pub min_scale: f32,
    /// Largest ratio of opposite sides of the mapped quad (perspective is bounded).
    pub max_side_ratio: f32,
    /// The inliers must spread over at least this fraction of the registered image's
    /// keypoint extent in each direction (not a single corner of it).
    pub min_spread: f32,
    /// Under [`super::VerifyPolicy::Confirmed`], a hash hit stands by itself only at this
    /// calibrated score or above (`image_score_for`); below it, it stands only when its
    /// right is verified in the photo.
    pub hash_alone_min_score: f32,
}

/// The verification's parameters: `min_inliers` and `hash_alone_min_score` chosen on the
/// fit split of `bench/matching` (REPORT.md, "Verification").
pub const VERIFY_PARAMS: VerifyParams = VerifyParams {
    ratio: 0.8,
    max_distance: 64,
    min_inliers: 10,
    reprojection: 5.0,
    iterations: 1500,
    max_scale: 4.0,
    min_scale: 0.08,
    max_side_ratio: 3.0,
    min_spread: 0.3,
    hash_alone_min_score: HASH_ALONE_MIN_SCORE,
};

/// The calibrated score at which a hash hit stands without verification under
/// [`super::VerifyPolicy::Confirmed`]: the lowest score at which at most 1 % of the `fit`
/// split's distractors are flagged by hashes alone (`bench/matching/score.py`'s "≤ 1 %"
/// threshold, REPORT.md "Candidates from local features and a confirmed policy"): strictly
/// above 0.9231, the fifth-best fit distractor's score; no calibrated score lies between
/// 0.9231 and 0.93.
pub const HASH_ALONE_MIN_SCORE: f32 = 0.93;

/// A registered image found in a listing photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Matches consistent with the homography.
    pub inliers: usize,
    /// Matches that passed the ratio test.
    pub matches: usize,
    /// The registered image's corners (top-left, top-right, bottom-right, bottom-left) in
    /// the photo, as fractions of its width and height.
    pub quad: [[f32; 2]; 4],
    /// The box around `quad` clipped to the photo, `[x, y, w, h]` fractions: the region.
    pub region: [f32; 4],
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [x, y, w, h] = self.region;
        write!(
            f,
            "verified by {} geometric inliers of {} descriptor matches, region x={x:.2} y={y:.2} w={w:.2} h={h:.2}",
            self.inliers, self.matches
        )
    }
}

/// A 3×3 homography, row-major, `h[8] == 1`.
type Homography = [f64; 9];

/// Ratio-tested matches of `reference`'s descriptors in `query`: (reference index, query
/// index), at most one per query keypoint (the closest).
pub fn match_descriptors(
    reference: &LocalFeatures,
    query: &LocalFeatures,
    params: &VerifyParams,
) -> Vec<(usize, usize)> {
    let mut best_for_query: Vec<Option<(u32, usize)>> = vec![None; query.len()];
    for (ri, rd) in reference.descriptors.iter().enumerate() {
        // The three closest query keypoints: the second-best counts only when it lies
        // elsewhere in the photo (the same corner found at two pyramid levels is no rival).
        let mut top: [(u32, usize); 3] = [(u32::MAX, usize::MAX); 3];
        for (qi, qd) in query.descriptors.iter().enumerate() {
            let d = descriptor_distance(rd, qd);
            if d < top[2].0 {
                top[2] = (d, qi);
                if top[2].0 < top[1].0 {
                    top.swap(1, 2);
                    if top[1].0 < top[0].0 {
                        top.swap(0, 1);
                    }
                }
            }
        }
        let (d1, q1) = top[0];
        if q1 == usize::MAX || d1 > params.max_distance {
            continue;
        }
        let p1 = query.keypoints[q1];
        let rival = top[1..].iter().find(|(_, qi)| {
            *qi != usize::MAX && {
                let p = query.keypoints[*qi];
                (p.x - p1.x).hypot(p.y - p1.y) > 4.0 * p1.scale.max(p.scale)
            }
        });
        if let Some((d2, _)) = rival
            && (d1 as f32) >= params.ratio * (*d2 as f32)
        {
            continue;
        }
        if best_for_query[q1].is_none_or(|(d, _)| d1 < d) {
            best_for_query[q1] = Some((d1, ri));
        }
    }
    best_for_query
        .iter()
        .enumerate()
        .filter_map(|(qi, m)| m.map(|(_, ri)| (ri, qi)))
        .collect()
}

/// Whether `reference` appears in `query`: ratio-tested matches, a RANSAC homography with at
/// least `params.min_inliers` inliers, and a sane mapped quad (convex, not mirrored, of
/// bounded scale and perspective). None otherwise.
pub fn verify(
    reference: &LocalFeatures,
    query: &LocalFeatures,
    params: &VerifyParams,
) -> Option<Verification> {
    let min = params.min_inliers.max(4);
    if reference.len() < min || query.len() < min {
        return None;
    }
    let matches = match_descriptors(reference, query, params);
    if matches.len() < min {
        return None;
    }
    let pairs: Vec<([f64; 2], [f64; 2])> = matches
        .iter()
        .map(|&(ri, qi)| {
            let r = reference.keypoints[ri];
            let q = query.keypoints[qi];
            (
                [f64::from(r.x), f64::from(r.y)],
                [f64::from(q.x), f64::from(q.y)],
            )
        })
        .collect();
    let (h, inliers) = ransac(&pairs, params)?;
    if inliers.len() < min || !spread_enough(reference, &pairs, &inliers, params) {
        return None;
    }
    let quad = sane_quad(&h, reference, query, params)?;
    let (qw, qh) = (query.width as f32, query.height as f32);
    let fq = quad.map(|[x, y]| [x as f32 / qw, y as f32 / qh]);
    let x0 = fq
        .iter()
        .map(|p| p[0])
        .fold(f32::INFINITY, f32::min)
        .max(0.0);
    let y0 = fq
        .iter()
        .map(|p| p[1])
        .fold(f32::INFINITY, f32::min)
        .max(0.0);
    let x1 = fq
        .iter()
        .map(|p| p[0])
        .fold(f32::NEG_INFINITY, f32::max)
        .min(1.0);
    let y1 = fq
        .iter()
        .map(|p| p[1])
        .fold(f32::NEG_INFINITY, f32::max)
        .min(1.0);
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    Some(Verification {
        inliers: inliers.len(),
        matches: matches.len(),
        quad: fq,
        region: [x0, y0, x1 - x0, y1 - y0],
    })
}

/// Whether the inliers' registered points spread over enough of the registered keypoints'
/// extent in both directions.
fn spread_enough(
    reference: &LocalFeatures,
    pairs: &[([f64; 2], [f64; 2])],
    inliers: &[usize],
    params: &VerifyParams,
) -> bool {
    let extent = |pts: &mut dyn Iterator<Item = [f64; 2]>| {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in pts {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        [hi[0] - lo[0], hi[1] - lo[1]]
    };
    let all = extent(
        &mut reference
            .keypoints
            .iter()
            .map(|k| [f64::from(k.x), f64::from(k.y)]),
    );
    let used = extent(&mut inliers.iter().map(|&i| pairs[i].0));
    (0..2).all(|k| used[k] >= f64::from(params.min_spread) * all[k])
}

/// The registered image's corners mapped by `h` into the photo, when the quad is sane.
fn sane_quad(
    h: &Homography,
    reference: &LocalFeatures,
    query: &LocalFeatures,
    params: &VerifyParams,
) -> Option<[[f64; 2]; 4]> {
    let (w, hh) = (f64::from(reference.width), f64::from(reference.height));
    let corners = [[0.0, 0.0], [w, 0.0], [w, hh], [0.0, hh]];
    let mut quad = [[0.0; 2]; 4];
    for (q, c) in quad.iter_mut().zip(corners) {
        *q = project_checked(h, c)?;
    }
    // Convex and in the same turning order as the original corners (not mirrored).
    for i in 0..4 {
        let a = quad[i];
        let b = quad[(i + 1) % 4];
        let c = quad[(i + 2) % 4];
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross <= 0.0 {
            return None;
        }
    }
    let area = polygon_area(&quad);
    let scale = (area / (w * hh)).sqrt();
    if !(f64::from(params.min_scale)..=f64::from(params.max_scale)).contains(&scale) {
        return None;
    }
    let photo = f64::from(query.width) * f64::from(query.height);
    if area > 2.0 * photo || area < 16.0 * 16.0 {
        return None;
    }
    let side = |i: usize| {
        let a = quad[i];
        let b = quad[(i + 1) % 4];
        (b[0] - a[0]).hypot(b[1] - a[1])
    };
    let bounded = |a: f64, b: f64| a.max(b) <= f64::from(params.max_side_ratio) * a.min(b);
    if !bounded(side(0), side(2)) || !bounded(side(1), side(3)) {
        return None;
    }
    // The aspect ratio may change (perspective, a squeezed print) but not wildly.
    let aspect_before = w / hh;
    let aspect_after = (side(0) + side(2)) / (side(1) + side(3)).max(1e-9);
    if !bounded(aspect_before, aspect_after) {
        return None;
    }
    Some(quad)
}

fn polygon_area(q: &[[f64; 2]; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        let a = q[i];
        let b = q[(i + 1) % 4];
        s += a[0] * b[1] - b[0] * a[1];
    }
    s.abs() / 2.0
}

/// `h` applied to `p`, None when `p` maps to or beyond the horizon.
fn project_checked(h: &Homography, p: [f64; 2]) -> Option<[f64; 2]> {
    let z = h[6] * p[0] + h[7] * p[1] + h[8];
    if z <= 1e-6 {
        return None;
    }
    Some([
        (h[0] * p[0] + h[1] * p[1] + h[2]) / z,
        (h[3] * p[0] + h[4] * p[1] + h[5]) / z,
    ])
}

/// RANSAC over 4-match samples (a fixed-seed generator: the same photo always gets the same
/// answer), refitted by least squares on the best sample's inliers: the homography and its
/// inliers' indices.
fn ransac(
    pairs: &[([f64; 2], [f64; 2])],
    params: &VerifyParams,
) -> Option<(Homography, Vec<usize>)> {
    let n = pairs.len();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D ^ n as u64;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let threshold = f64::from(params.reprojection).powi(2);
    let mut best: Option<(Homography, usize)> = None;
    let mut needed = params.iterations;
    let mut iteration = 0;
    while iteration < needed.min(params.iterations) {
        iteration += 1;
        let mut sample = [0usize; 4];
        for i in 0..4 {
            loop {
                let c = next(n);
                if !sample[..i].contains(&c) {
                    sample[i] = c;
                    break;
                }
            }
        }
        let src = sample.map(|i| pairs[i].0);
        let dst = sample.map(|i| pairs[i].1);
        if !same_orientation(&src, &dst) {
            continue;
        }
        let Some(h) = fit(&sample.map(|i| pairs[i])) else {
            continue;
        };
        let count = count_inliers(&h, pairs, threshold);
        if best.as_ref().is_none_or(|(_, c)| count > *c) {
            best = Some((h, count));
            // Adaptive stop: enough draws for a 99.5 % chance of one all-inlier sample.
            let w = count as f64 / n as f64;
            let p_good = w.powi(4);
            if p_good >= 1.0 {
                break;
            }
            if p_good > 0.0 {
                let k = ((1.0 - 0.995f64).ln() / (1.0 - p_good).ln()).ceil();
                needed = (k as usize).max(50);
            }
        }
    }
    let (h, _) = best?;
    let mut inliers = inlier_indices(&h, pairs, threshold);
    // Two least-squares refinements on the inliers.
    let mut h = h;
    for _ in 0..2 {
        if inliers.len() < 8 {
            break;
        }
        let subset: Vec<_> = inliers.iter().map(|&i| pairs[i]).collect();
        let Some(refit) = fit(&subset) else {
            break;
        };
        let again = inlier_indices(&refit, pairs, threshold);
        if again.len() < inliers.len() {
            break;
        }
        h = refit;
        inliers = again;
    }
    Some((h, inliers))
}

/// Whether the two 4-point samples turn the same way at every corner of their triangles: a
/// mirrored or degenerate sample can never give a sane homography.
fn same_orientation(src: &[[f64; 2]; 4], dst: &[[f64; 2]; 4]) -> bool {
    let cross = |p: &[[f64; 2]; 4], a: usize, b: usize, c: usize| {
        (p[b][0] - p[a][0]) * (p[c][1] - p[a][1]) - (p[b][1] - p[a][1]) * (p[c][0] - p[a][0])
    };
    for (a, b, c) in [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)] {
        let s = cross(src, a, b, c);
        let d = cross(dst, a, b, c);
        if s.abs() < 1.0 || d.abs() < 1.0 || (s > 0.0) != (d > 0.0) {
            return false;
        }
    }
    true
}

fn count_inliers(h: &Homography, pairs: &[([f64; 2], [f64; 2])], threshold: f64) -> usize {
    pairs
        .iter()
        .filter(|(s, d)| reprojection_sq(h, *s, *d).is_some_and(|e| e <= threshold))
        .count()
}

fn inlier_indices(h: &Homography, pairs: &[([f64; 2], [f64; 2])], threshold: f64) -> Vec<usize> {
    pairs
        .iter()
        .enumerate()
        .filter(|(_, (s, d))| reprojection_sq(h, *s, *d).is_some_and(|e| e <= threshold))
        .map(|(i, _)| i)
        .collect()
}

fn reprojection_sq(h: &Homography, s: [f64; 2], d: [f64; 2]) -> Option<f64> {
    let p = project_checked(h, s)?;
    Some((p[0] - d[0]).powi(2) + (p[1] - d[1]).powi(2))
}

/// The least-squares homography (h33 = 1) through `pairs` (≥ 4), on coordinates normalised
/// to their centroid and mean distance √2 (Hartley) for conditioning.
pub(crate) fn fit(pairs: &[([f64; 2], [f64; 2])]) -> Option<Homography> {
    if pairs.len() < 4 {
        return None;
    }
    let norm = |pts: &mut dyn Iterator<Item = [f64; 2]>| {
        let v: Vec<[f64; 2]> = pts.collect();
        let n = v.len() as f64;
        let cx = v.iter().map(|p| p[0]).sum::<f64>() / n;
        let cy = v.iter().map(|p| p[1]).sum::<f64>() / n;
        let d = v.iter().map(|p| (p[0] - cx).hypot(p[1] - cy)).sum::<f64>() / n;
        let s = if d > 1e-9 {
            std::f64::consts::SQRT_2 / d
        } else {
            1.0
        };
        (cx, cy, s)
    };
    let (scx, scy, ss) = norm(&mut pairs.iter().map(|p| p.0));
    let (dcx, dcy, ds) = norm(&mut pairs.iter().map(|p| p.1));
    // Normal equations of the 8-unknown linear system.
    let mut ata = [[0f64; 8]; 8];
    let mut atb = [0f64; 8];
    for (s, d) in pairs {
        let (x, y) = ((s[0] - scx) * ss, (s[1] - scy) * ss);
        let (u, v) = ((d[0] - dcx) * ds, (d[1] - dcy) * ds);
        let rows = [
            ([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u),
            ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v),
        ];
        for (a, b) in rows {
            for i in 0..8 {
                atb[i] += a[i] * b;
                for j in 0..8 {
                    ata[i][j] += a[i] * a[j];
                }
            }
        }
    }
    let hn = solve8(ata, atb)?;
    // Undo the normalisations: H = Td⁻¹ · Hn · Ts.
    let hn = [hn[0], hn[1], hn[2], hn[3], hn[4], hn[5], hn[6], hn[7], 1.0];
    let ts = [ss, 0.0, -ss * scx, 0.0, ss, -ss * scy, 0.0, 0.0, 1.0];
    let td_inv = [1.0 / ds, 0.0, dcx, 0.0, 1.0 / ds, dcy, 0.0, 0.0, 1.0];
    let h = mul3(&td_inv, &mul3(&hn, &ts));
    if h[8].abs() < 1e-12 || h.iter().any(|v| !v.is_finite()) {
        return None;
    }
    Some(h.map(|v| v / h[8]))
}

fn mul3(a: &[f64; 9], b: &[f64; 9]) -> [f64; 9] {
    let mut out = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            out[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
        }
    }
    out
}

/// Gaussian elimination with partial pivoting; None when singular.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-10 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..8 {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (target, source) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *target -= f * source;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0f64; 8];
    for row in (0..8).rev() {
        let s: f64 = (row + 1..8).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}
