//! Scoring a hit: which kind of comparison it is, and that kind's fitted precision curve at
//! its distance.

use super::{calibration, text_calibration};
use crate::{ImageHit, PDQ256, PHASH64R, SHAPE64, SHAPE64R};

/// What a listing hash was compared with: the kinds of comparison a score is calibrated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageComparison {
    /// A whole picture's 64-bit hash against a registered image as registered (core tier).
    Whole,
    /// A whole picture's 64-bit hash against a registered image's variant (mirrored,
    /// inverted, partial, tilted).
    Variant,
    /// A window of the listing image against a registered image as registered.
    Window,
    /// Whole-picture PDQ (256 bits) against a registered image's.
    Pdq,
    /// A silhouette against a registered silhouette.
    Shape,
    /// A ramped window hash (`phash64r`) against a registered image's ramped hash; at 3–4
    /// bits only when corroborated by a pair of another kind (`Thresholds::decide`).
    WindowRamped,
    /// A ramped silhouette (`shape64r`) against a registered ramped silhouette; at 5–6 bits
    /// only when corroborated.
    ShapeRamped,
}

impl ImageComparison {
    /// Every kind, in the order of [`Calibration::image`].
    pub const ALL: [ImageComparison; 7] = [
        ImageComparison::Whole,
        ImageComparison::Variant,
        ImageComparison::Window,
        ImageComparison::Pdq,
        ImageComparison::Shape,
        ImageComparison::WindowRamped,
        ImageComparison::ShapeRamped,
    ];

    /// The comparison's name in calibration tables and match reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageComparison::Whole => "whole",
            ImageComparison::Variant => "variant",
            ImageComparison::Window => "window",
            ImageComparison::Pdq => "pdq",
            ImageComparison::Shape => "shape",
            ImageComparison::WindowRamped => "window_ramped",
            ImageComparison::ShapeRamped => "shape_ramped",
        }
    }

    fn position(self) -> usize {
        match self {
            ImageComparison::Whole => 0,
            ImageComparison::Variant => 1,
            ImageComparison::Window => 2,
            ImageComparison::Pdq => 3,
            ImageComparison::Shape => 4,
            ImageComparison::WindowRamped => 5,
            ImageComparison::ShapeRamped => 6,
        }
    }

    /// The kind of a hit: by its algorithm, whether it was a window, and whether the
    /// registered hash it met was a variant. Any other 64-bit algorithm follows pHash's rule
    /// (whole or window), as [`crate::Thresholds::for_kind`] does.
    pub fn of(hit: &ImageHit) -> ImageComparison {
        match hit.algorithm.as_str() {
            PDQ256 => ImageComparison::Pdq,
            SHAPE64 => ImageComparison::Shape,
            SHAPE64R => ImageComparison::ShapeRamped,
            PHASH64R => ImageComparison::WindowRamped,
            _ if hit.region.is_some() => ImageComparison::Window,
            _ if hit.variant => ImageComparison::Variant,
            _ => ImageComparison::Whole,
        }
    }
}

/// Fitted precision curves: per kind of comparison, the score at each distance (the index),
/// non-increasing; a distance past the end scores as the last entry.
#[derive(Debug, Clone, Copy)]
pub struct Calibration<'a> {
    /// One curve per [`ImageComparison`], in the order of [`ImageComparison::ALL`].
    pub image: [&'a [f32]; 7],
    /// One curve per word-mark variant kind (`TextHit::variant`), over its edit distance
    /// (0 for every kind but "edit_distance").
    pub text: &'a [(&'a str, &'a [f32])],
    /// What a kind the table does not know scores: the prior's mean, "no evidence".
    pub unknown: f32,
}

/// The calibration: image curves fitted on the development dataset (`score/calibration.rs`),
/// word-mark curves on the fitting splits of titles (`score/text_calibration.rs`, written by
/// `examples/calibrate_titles.rs`; `bench/titles/`).
pub const CALIBRATION: Calibration<'static> = Calibration {
    text: text_calibration::TEXT,
    ..calibration::CALIBRATION
};

impl Calibration<'_> {
    /// The score of an image hit: its kind's curve at its distance.
    pub fn image_score(&self, hit: &ImageHit) -> f32 {
        self.image_curve(ImageComparison::of(hit), hit.distance)
    }

    /// The score of a comparison of `kind` at `distance`.
    pub fn image_curve(&self, kind: ImageComparison, distance: u32) -> f32 {
        at(self.image[kind.position()], distance).unwrap_or(self.unknown)
    }

    /// The score of a word-mark hit of `variant` at edit `distance`.
    pub fn text_score(&self, variant: &str, distance: u32) -> f32 {
        self.text
            .iter()
            .find(|(kind, _)| *kind == variant)
            .and_then(|(_, curve)| at(curve, distance))
            .unwrap_or(self.unknown)
    }
}

fn at(curve: &[f32], distance: u32) -> Option<f32> {
    let index = (distance as usize).min(curve.len().checked_sub(1)?);
    curve.get(index).map(|s| s.clamp(0.0, 1.0))
}

/// The calibrated score of an image hit found under [`crate::IMAGE_THRESHOLDS`] (as the matcher and
/// `takedown eval images` search; the table was fitted at those thresholds): the estimated
/// precision of matches of its kind at its distance.
pub fn image_score_for(hit: &ImageHit) -> f32 {
    CALIBRATION.image_score(hit)
}

/// The calibrated score of a word-mark hit of `variant` ("exact", "confusable", "spacing",
/// "plural", "fused", "edit_distance", "traditional_form", "same_pinyin", "pinyin") at edit
/// `distance`.
pub fn text_score_for(variant: &str, distance: u32) -> f32 {
    CALIBRATION.text_score(variant, distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(algorithm: &str, distance: u32, threshold: u32, window: bool) -> ImageHit {
        hit_on(algorithm, distance, threshold, window, false)
    }

    fn hit_on(
        algorithm: &str,
        distance: u32,
        threshold: u32,
        window: bool,
        variant: bool,
    ) -> ImageHit {
        ImageHit {
            right_id: "r".into(),
            view: "logo".into(),
            right_digest: String::new(),
            distance,
            threshold,
            region: window.then_some([0.0, 0.0, 0.5, 0.5]),
            algorithm: algorithm.into(),
            variant,
        }
    }

    #[test]
    fn the_fitted_curves_are_precisions_non_increasing_in_distance() {
        for kind in ImageComparison::ALL {
            let curve = CALIBRATION.image[kind.position()];
            assert!(!curve.is_empty(), "{kind:?}");
            assert!(curve.iter().all(|s| (0.0..=1.0).contains(s)), "{kind:?}");
            assert!(
                curve.windows(2).all(|w| w[1] <= w[0]),
                "{kind:?}: {curve:?}"
            );
        }
        for (variant, curve) in CALIBRATION.text {
            assert!(!curve.is_empty(), "{variant}");
            assert!(curve.iter().all(|s| (0.0..=1.0).contains(s)), "{variant}");
            assert!(
                curve.windows(2).all(|w| w[1] <= w[0]),
                "{variant}: {curve:?}"
            );
        }
        // Scores as callers see them: non-increasing in distance within each kind, far past
        // the fitted range too.
        for kind in ImageComparison::ALL {
            let scores: Vec<f32> = (0..=300)
                .map(|d| CALIBRATION.image_curve(kind, d))
                .collect();
            assert!(scores.windows(2).all(|w| w[1] <= w[0]), "{kind:?}");
        }
    }

    #[test]
    fn a_hit_is_scored_on_the_curve_of_its_kind() {
        use ImageComparison::*;
        let kind = ImageComparison::of;
        assert_eq!(kind(&hit(crate::PHASH64, 3, 8, false)), Whole);
        assert_eq!(kind(&hit_on(crate::PHASH64, 3, 4, false, true)), Variant);
        assert_eq!(kind(&hit(crate::PHASH64, 3, 4, true)), Window);
        assert_eq!(kind(&hit(PDQ256, 30, 48, false)), Pdq);
        assert_eq!(kind(&hit(SHAPE64, 2, 6, true)), Shape);
        assert_eq!(kind(&hit(PHASH64R, 1, 2, true)), WindowRamped);
        assert_eq!(kind(&hit(SHAPE64R, 3, 4, true)), ShapeRamped);

        // A fixture calibration: each kind reads its own curve, past the end its last value.
        let fixture = Calibration {
            image: [
                &[0.9, 0.8],
                &[0.7],
                &[0.6, 0.5, 0.4],
                &[0.3],
                &[0.2],
                &[0.15],
                &[0.1],
            ],
            text: &[("exact", &[0.99]), ("edit_distance", &[0.97, 0.9, 0.6])],
            unknown: 0.5,
        };
        assert_eq!(fixture.image_score(&hit(crate::PHASH64, 1, 8, false)), 0.8);
        assert_eq!(fixture.image_score(&hit(crate::PHASH64, 9, 8, false)), 0.8);
        assert_eq!(
            fixture.image_score(&hit_on(crate::PHASH64, 0, 4, false, true)),
            0.7
        );
        assert_eq!(fixture.image_score(&hit(crate::PHASH64, 1, 4, true)), 0.5);
        assert_eq!(fixture.image_score(&hit(PDQ256, 40, 48, false)), 0.3);
        assert_eq!(fixture.image_score(&hit(SHAPE64, 6, 6, true)), 0.2);
        assert_eq!(fixture.image_score(&hit(PHASH64R, 2, 2, true)), 0.15);
        assert_eq!(fixture.image_score(&hit(SHAPE64R, 4, 4, true)), 0.1);
        assert_eq!(fixture.text_score("exact", 0), 0.99);
        assert_eq!(fixture.text_score("edit_distance", 1), 0.9);
        assert_eq!(fixture.text_score("edit_distance", 3), 0.6);
        assert_eq!(fixture.text_score("a new kind", 0), 0.5, "no evidence");
    }
}
