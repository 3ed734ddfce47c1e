//! The registered word marks, and the search of a listing title for them.

use std::collections::HashMap;

use super::cjk::{self, CjkVariant};
use super::latin::{self, LatinMark};
use super::tokens::tokenize;
use crate::score::text_score_for;

/// A word mark found in a title.
#[derive(Debug, Clone, PartialEq)]
pub struct TextHit {
    /// The right whose mark was found.
    pub right_id: String,
    /// The matching part of the title, as it stands in the title.
    pub span: String,
    /// The span after normalization.
    pub normalized: String,
    /// "exact", "confusable", "spacing", "plural", "fused", "edit_distance" (alphabetic
    /// marks); "exact", "spacing", "traditional_form", "same_pinyin", "pinyin" (a Chinese
    /// mark written in pinyin, or in pinyin and its own characters).
    pub variant: String,
    /// Edit distance between the normalized span and the mark (0 unless "edit_distance").
    pub distance: u32,
    /// 0..=1: the estimated precision of hits of this variant kind at this distance, fitted
    /// on the development dataset ([`crate::score::text_score_for`]).
    pub score: f32,
}

#[derive(Debug, Clone)]
enum Form {
    Latin(LatinMark),
    Cjk(cjk::CjkMark),
}

#[derive(Debug, Clone)]
struct Mark {
    right_id: String,
    form: Form,
}

/// Registered word marks, searched in titles.
#[derive(Debug, Clone, Default)]
pub struct WordMarkIndex {
    marks: Vec<Mark>,
}

impl WordMarkIndex {
    /// An index with no marks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a mark of a right (a right may have several, e.g. a Latin and a Chinese
    /// form). A mark with no letters or digits can match nothing and is ignored.
    pub fn add(&mut self, right_id: &str, mark: &str) {
        let form = match cjk::cjk_mark(mark) {
            Some(chars) => Form::Cjk(cjk::CjkMark::new(chars)),
            None => match LatinMark::new(mark) {
                Some(latin) => Form::Latin(latin),
                None => return,
            },
        };
        self.marks.push(Mark {
            right_id: right_id.to_string(),
            form,
        });
    }

    /// Forgets every mark of a right.
    pub fn remove_right(&mut self, right_id: &str) {
        self.marks.retain(|m| m.right_id != right_id);
    }

    /// Number of registered marks.
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// Whether no mark is registered.
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// The best hit per right in `title`, highest score first (then by right id).
    pub fn find(&self, title: &str) -> Vec<TextHit> {
        let tokens = tokenize(title);
        let runs = cjk::cjk_runs(title);
        let stream = cjk::folded_stream(title);
        // Per right: its best hit and the byte range of the title it covers.
        let mut best: HashMap<&str, (TextHit, usize, usize)> = HashMap::new();
        for mark in &self.marks {
            let hit = match &mark.form {
                Form::Latin(latin) => latin::find(title, &tokens, latin).map(|m| {
                    let hit = TextHit {
                        right_id: mark.right_id.clone(),
                        span: title.get(m.start..m.end).unwrap_or_default().to_string(),
                        normalized: m.normalized,
                        variant: m.variant.to_string(),
                        distance: m.distance,
                        score: m.score,
                    };
                    (hit, m.start, m.end)
                }),
                Form::Cjk(cjk_form) => find_cjk(title, &runs, &cjk_form.chars, &mark.right_id)
                    .or_else(|| {
                        let (start, end, normalized) = cjk::find_pinyin(&stream, cjk_form)?;
                        let hit = TextHit {
                            right_id: mark.right_id.clone(),
                            span: title.get(start..end).unwrap_or_default().to_string(),
                            normalized,
                            variant: "pinyin".to_string(),
                            distance: 0,
                            score: text_score_for("pinyin", 0),
                        };
                        Some((hit, start, end))
                    }),
            };
            if let Some(hit) = hit {
                let replace = best
                    .get(mark.right_id.as_str())
                    .is_none_or(|b| hit.0.score > b.0.score);
                if replace {
                    best.insert(&mark.right_id, hit);
                }
            }
        }
        // A word that is one registered mark as written (or disguised, spaced, in the
        // plural, fused) is not a misspelling or a same-sound variant of another one: with
        // marks "Andre" and "Andreu" both registered, "Andre" names only the first.
        let plain: Vec<(&str, usize, usize)> = best
            .values()
            .filter(|(h, _, _)| !is_fuzzy(&h.variant))
            .map(|(h, start, end)| (h.right_id.as_str(), *start, *end))
            .collect();
        let shadowed: Vec<String> = best
            .values()
            .filter(|(h, start, end)| {
                is_fuzzy(&h.variant)
                    && plain
                        .iter()
                        .any(|(r, s, e)| *r != h.right_id && s < end && start < e)
            })
            .map(|(h, _, _)| h.right_id.clone())
            .collect();
        for right in &shadowed {
            best.remove(right.as_str());
        }
        let mut hits: Vec<TextHit> = best.into_values().map(|(h, _, _)| h).collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.right_id.cmp(&b.right_id))
        });
        hits
    }
}

/// The best window of the title's CJK runs for a CJK mark; the earliest among equals.
fn find_cjk(
    title: &str,
    runs: &[Vec<cjk::CjkChar>],
    mark: &[char],
    right_id: &str,
) -> Option<(TextHit, usize, usize)> {
    let mut best: Option<(CjkVariant, &[cjk::CjkChar])> = None;
    for run in runs {
        for window in run.windows(mark.len()) {
            if let Some(variant) = cjk::compare(window, mark)
                && best.is_none_or(|(b, _)| variant < b)
            {
                best = Some((variant, window));
            }
        }
    }
    let (variant, window) = best?;
    let (first, last) = (window.first()?, window.last()?);
    let name = match variant {
        CjkVariant::Exact => "exact",
        CjkVariant::Spacing => "spacing",
        CjkVariant::TraditionalForm => "traditional_form",
        CjkVariant::SamePinyin => "same_pinyin",
    };
    let hit = TextHit {
        right_id: right_id.to_string(),
        span: title
            .get(first.start..last.end)
            .unwrap_or_default()
            .to_string(),
        normalized: window.iter().map(|c| c.c).collect(),
        variant: name.to_string(),
        distance: 0,
        score: text_score_for(name, 0),
    };
    Some((hit, first.start, last.end))
}

/// Variants that are guesses from similarity (spelling, sound) rather than the mark itself
/// in some disguise.
fn is_fuzzy(variant: &str) -> bool {
    matches!(variant, "edit_distance" | "same_pinyin")
}
