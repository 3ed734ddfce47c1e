//! Which of one query's pairs with one right stand: the corroboration rule.
//!
//! A pair within its kind's **strict** bound (`Thresholds::for_kind`) stands on its own, as
//! it always has. A ramped pair ([`PHASH64R`](crate::PHASH64R), [`SHAPE64R`](crate::SHAPE64R))
//! beyond its strict bound but within its **loose** bound — the plain kind's threshold, i.e.
//! without the ramp margin — stands only when the same query has a pair of *another* kind
//! with the same right within that kind's **support** bound (2 bits beyond the farthest the
//! kind stands at; PDQ 8; windows, plain or ramped, no further than they stand).
//!
//! Why: ramped hashes put copies and distractors' chance look-alikes at the same 3–4 bits
//! (one ramped window and two ramped silhouettes of 510 distractors came that close), but a
//! chance look-alike rarely also has a second hash near the same right, while a real copy
//! usually does. Measured on the development dataset (`examples/hit_pairs.rs`,
//! `bench/dataset/REPORT.md`, sixth pass): none of those distractors' loose ramped pairs had
//! a pair of any other kind within 4–6 bits of its strict bound, and the distractors
//! that did have such pairs were 2 bits beyond the loose bounds.

use crate::{ImageComparison, ImageHit};

use super::Thresholds;

/// How far beyond the farthest it stands at (its loose bound, else its strict one) a pair of
/// a 64-bit kind still supports another kind's loose pair. Windows, plain and ramped, get
/// none (see [`bounds`]).
const SUPPORT_MARGIN: u32 = 2;
/// The same for whole-picture PDQ (256 bits): one step of the 8-bit scale its thresholds
/// were measured on.
const PDQ_SUPPORT_MARGIN: u32 = 8;

/// The bounds a kind of comparison is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bounds {
    /// A pair within it stands on its own.
    pub strict: u32,
    /// A pair within it (and beyond `strict`) stands when another kind supports it.
    pub loose: Option<u32>,
    /// A pair within it supports another kind's loose pair.
    pub support: u32,
}

impl Bounds {
    /// The largest distance at which a pair of this kind counts for anything: how far an
    /// index must search.
    pub fn radius(&self) -> u32 {
        self.support.max(self.loose.unwrap_or(0)).max(self.strict)
    }
}

/// The kind of comparison of a listing hash of `algorithm` (of the whole image when
/// `whole`) against a registered hash (a variant when `variant`), or None when the two are
/// never compared. Agrees with [`ImageComparison::of`] on every pair it allows.
pub(super) fn kind_of(algorithm: &str, whole: bool, variant: bool) -> Option<ImageComparison> {
    use ImageComparison::*;
    // Ramped hashes exist only for a listing's windows and silhouettes and a registration's
    // core; PDQ only for whole pictures and the core; silhouettes only for the core.
    let kind = match algorithm {
        crate::PDQ256 => (whole && !variant).then_some(Pdq)?,
        crate::SHAPE64 => (!variant).then_some(Shape)?,
        crate::SHAPE64R => (!variant).then_some(ShapeRamped)?,
        crate::PHASH64R => (!variant).then_some(WindowRamped)?,
        _ => match (whole, variant) {
            (true, false) => Whole,
            (true, true) => Variant,
            (false, false) => Window,
            // Windows never meet variants: hundreds of windows times every variant would
            // find chance resemblances.
            (false, true) => return None,
        },
    };
    Some(kind)
}

/// The bounds of `kind` under `t`.
pub(super) fn bounds(t: &Thresholds, kind: ImageComparison) -> Bounds {
    let plain = |strict: u32, margin: u32| Bounds {
        strict,
        loose: None,
        support: strict.saturating_add(margin),
    };
    // A ramped kind is held `RAMP_MARGIN` tighter than its plain kind alone, and to the
    // plain kind's threshold when supported.
    let ramped = |plain: u32, margin: u32| Bounds {
        strict: plain.saturating_sub(super::RAMP_MARGIN),
        loose: Some(plain),
        support: plain.saturating_add(margin),
    };
    // A listing image has ~1,650 plain and a few hundred ramped windows: the likeliest to
    // come near a right by chance, and the costliest for the matcher's index to search
    // further (its time per hash grows ~7× from 4 to 6 bits, `examples/mih_radius_cost.rs`).
    // So windows support only within the bound they stand at.
    match kind {
        ImageComparison::Whole => plain(t.whole, SUPPORT_MARGIN),
        ImageComparison::Variant => plain(t.variant, SUPPORT_MARGIN),
        ImageComparison::Window => plain(t.window, 0),
        ImageComparison::Pdq => plain(t.pdq, PDQ_SUPPORT_MARGIN),
        ImageComparison::Shape => plain(t.shape, SUPPORT_MARGIN),
        ImageComparison::WindowRamped => ramped(t.window, 0),
        ImageComparison::ShapeRamped => ramped(t.shape, SUPPORT_MARGIN),
    }
}

/// Of one query's candidate pairs with one right, in the order an index meets them (each
/// an [`ImageHit`] whose `threshold` is ignored), the hit that stands: the best strict pair
/// (lower distance, then a whole picture before a window, then the first met: the rule
/// [`ImageHit::is_beaten_by`] has always applied), else the best supported loose pair, else
/// None. The hit's `threshold` says which bound it met: strict or loose.
///
/// Each candidate comes with its registered hash's cap (`specificity`: None uncapped): a
/// pair farther than its cap counts for nothing — not strict, not loose, not in support.
pub(super) fn decide(
    t: &Thresholds,
    candidates: impl IntoIterator<Item = (ImageHit, Option<u32>)>,
) -> Option<ImageHit> {
    const KINDS: usize = ImageComparison::ALL.len();
    let mut strict: Option<ImageHit> = None;
    // Per kind, in the order of `ImageComparison::ALL`: whether some pair is within its
    // support bound, and its best loose pair.
    let mut supports = [false; KINDS];
    let mut loose: [Option<ImageHit>; KINDS] = Default::default();
    for (mut hit, cap) in candidates {
        if cap.is_some_and(|c| hit.distance > c) {
            continue;
        }
        let Some(kind) = kind_of(&hit.algorithm, hit.region.is_none(), hit.variant) else {
            continue;
        };
        let Some(slot) = ImageComparison::ALL.iter().position(|k| *k == kind) else {
            continue;
        };
        let b = bounds(t, kind);
        let d = hit.distance;
        if d <= b.support {
            supports[slot] = true;
        }
        let bound = if d <= b.strict {
            &mut strict
        } else if b.loose.is_some_and(|l| d <= l) {
            &mut loose[slot]
        } else {
            continue;
        };
        if bound.as_ref().is_none_or(|h| h.is_beaten_by(d, hit.region)) {
            hit.threshold = if d <= b.strict {
                b.strict
            } else {
                b.loose.unwrap_or(b.strict)
            };
            *bound = Some(hit);
        }
    }
    if strict.is_some() {
        return strict;
    }
    let mut best: Option<ImageHit> = None;
    for (slot, hit) in loose.into_iter().enumerate() {
        let Some(hit) = hit else {
            continue;
        };
        let supported = supports
            .iter()
            .enumerate()
            .any(|(other, &s)| s && other != slot);
        if supported
            && best
                .as_ref()
                .is_none_or(|b| b.is_beaten_by(hit.distance, hit.region))
        {
            best = Some(hit);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IMAGE_THRESHOLDS, PDQ256, PHASH64, PHASH64R, SHAPE64, SHAPE64R};

    const WINDOW: Option<[f32; 4]> = Some([0.1, 0.1, 0.4, 0.4]);

    fn pair(algorithm: &str, distance: u32, region: Option<[f32; 4]>) -> ImageHit {
        ImageHit {
            right_id: "r1".into(),
            view: "logo".into(),
            right_digest: String::new(),
            distance,
            threshold: 99,
            region,
            algorithm: algorithm.into(),
            variant: false,
        }
    }

    fn decided(pairs: Vec<ImageHit>) -> Option<(String, u32, u32)> {
        decide(&IMAGE_THRESHOLDS, pairs.into_iter().map(|p| (p, None)))
            .map(|h| (h.algorithm, h.distance, h.threshold))
    }

    #[test]
    fn a_strict_pair_stands_alone_and_a_lone_loose_pair_does_not() {
        // Ramped windows: strict 2, loose 4; ramped silhouettes: strict 4, loose 6.
        assert_eq!(
            decided(vec![pair(PHASH64R, 2, WINDOW)]),
            Some((PHASH64R.into(), 2, 2))
        );
        assert_eq!(
            decided(vec![pair(SHAPE64R, 4, WINDOW)]),
            Some((SHAPE64R.into(), 4, 4))
        );
        assert_eq!(decided(vec![pair(PHASH64R, 4, WINDOW)]), None);
        assert_eq!(decided(vec![pair(SHAPE64R, 6, WINDOW)]), None);
        // Two loose pairs of the same kind (two windows) do not corroborate each other.
        assert_eq!(
            decided(vec![pair(PHASH64R, 4, WINDOW), pair(PHASH64R, 3, None)]),
            None
        );
        // Plain kinds have no loose bound: a silhouette at 8, supported by a ramped one at 8,
        // stays out (and the ramped one, beyond its loose bound 6, too).
        assert_eq!(
            decided(vec![pair(SHAPE64, 8, WINDOW), pair(SHAPE64R, 8, WINDOW)]),
            None
        );
    }

    #[test]
    fn a_loose_pair_stands_when_another_kind_supports_it() {
        // A ramped window at 4 with its ramped silhouette at 8 (its loose bound 6 + 2).
        assert_eq!(
            decided(vec![pair(PHASH64R, 4, WINDOW), pair(SHAPE64R, 8, WINDOW)]),
            Some((PHASH64R.into(), 4, 4))
        );
        // ... but not at 10.
        assert_eq!(
            decided(vec![pair(PHASH64R, 4, WINDOW), pair(SHAPE64R, 10, WINDOW)]),
            None
        );
        // A ramped silhouette at 6 with the plain silhouette at 8 (6 + 2), or the whole
        // picture's PDQ at 56 (48 + 8), or the whole picture at 10 (8 + 2).
        for support in [
            pair(SHAPE64, 8, WINDOW),
            pair(PDQ256, 56, None),
            pair(PHASH64, 10, None),
        ] {
            assert_eq!(
                decided(vec![pair(SHAPE64R, 6, WINDOW), support.clone()]),
                Some((SHAPE64R.into(), 6, 6)),
                "{support:?}"
            );
        }
        for beyond in [
            pair(SHAPE64, 10, WINDOW),
            pair(PDQ256, 57, None),
            pair(PHASH64, 11, None),
            pair(PHASH64R, 5, WINDOW),
            // A plain window supports only within its own threshold, where it stands anyway.
            pair(PHASH64, 5, WINDOW),
        ] {
            assert_eq!(
                decided(vec![pair(SHAPE64R, 6, WINDOW), beyond.clone()]),
                None,
                "{beyond:?}"
            );
        }
        // Two loose pairs of different kinds support each other (windows support within
        // the bound they stand at); the closer one stands.
        assert_eq!(
            decided(vec![pair(SHAPE64R, 5, WINDOW), pair(PHASH64R, 3, WINDOW)]),
            Some((PHASH64R.into(), 3, 4))
        );
    }

    #[test]
    fn a_pair_beyond_its_registered_hash_cap_counts_for_nothing() {
        let capped = |pairs: Vec<(ImageHit, Option<u32>)>| {
            decide(&IMAGE_THRESHOLDS, pairs).map(|h| (h.algorithm, h.distance))
        };
        // A whole picture at 5 (strict bound 8) stands uncapped or capped at 5, not at 4.
        assert_eq!(
            capped(vec![(pair(PHASH64, 5, None), None)]),
            Some((PHASH64.into(), 5))
        );
        assert_eq!(
            capped(vec![(pair(PHASH64, 5, None), Some(5))]),
            Some((PHASH64.into(), 5))
        );
        assert_eq!(capped(vec![(pair(PHASH64, 5, None), Some(4))]), None);
        // A capped pair no longer supports a loose ramped pair either.
        let loose = (pair(PHASH64R, 4, WINDOW), None);
        assert_eq!(
            capped(vec![loose.clone(), (pair(SHAPE64R, 8, WINDOW), None)]),
            Some((PHASH64R.into(), 4))
        );
        assert_eq!(
            capped(vec![loose, (pair(SHAPE64R, 8, WINDOW), Some(7))]),
            None
        );
    }

    #[test]
    fn a_strict_pair_is_preferred_to_a_closer_corroborated_one() {
        // The strict pair is what stood before corroboration: it keeps standing, unchanged.
        let hits = vec![
            pair(PHASH64R, 3, WINDOW),
            pair(SHAPE64R, 5, WINDOW),
            pair(PHASH64, 4, WINDOW),
        ];
        assert_eq!(decided(hits), Some((PHASH64.into(), 4, 4)));
    }

    #[test]
    fn search_radii_cover_every_bound_and_skip_pairs_never_compared() {
        let t = IMAGE_THRESHOLDS;
        let radius = |algorithm: &str, whole: bool, variant: bool| {
            t.search_radius(algorithm, whole, variant)
        };
        assert_eq!(radius(PHASH64, true, false), Some(t.whole + 2));
        assert_eq!(radius(PHASH64, true, true), Some(t.variant + 2));
        assert_eq!(radius(PHASH64, false, false), Some(t.window));
        assert_eq!(radius(PHASH64, false, true), None);
        assert_eq!(radius(PHASH64R, false, false), Some(t.window));
        assert_eq!(radius(SHAPE64R, false, false), Some(t.shape + 2));
        assert_eq!(radius(SHAPE64, false, false), Some(t.shape + 2));
        assert_eq!(radius(PDQ256, true, false), Some(t.pdq + 8));
        assert_eq!(radius(PDQ256, false, false), None);
        assert_eq!(radius(SHAPE64R, false, true), None);
        // Every kind the rule allows is the kind `ImageComparison::of` scores it as.
        for (algorithm, whole, variant) in [
            (PHASH64, true, false),
            (PHASH64, true, true),
            (PHASH64, false, false),
            (PDQ256, true, false),
            (SHAPE64, false, false),
            (PHASH64R, false, false),
            (SHAPE64R, false, false),
        ] {
            let mut hit = pair(algorithm, 0, (!whole).then_some([0.0, 0.0, 1.0, 1.0]));
            hit.variant = variant;
            assert_eq!(
                kind_of(algorithm, whole, variant),
                Some(ImageComparison::of(&hit))
            );
        }
    }
}
