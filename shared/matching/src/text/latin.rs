//! Marks written in alphabetic scripts: found in windows of consecutive title tokens,
//! exactly, disguised, split apart, or misspelled.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;

use super::tokens::{Token, tokenize};

/// How many more tokens than the mark has a window may span: "V E L O T R A X" spreads an
/// 8-letter mark over 8 tokens, so the limit is really the mark's letter count; this bounds
/// the windows tried for multi-word marks.
const MAX_EXTRA_TOKENS: usize = 12;
/// Marks shorter than this are not matched when split apart: "k o" occurs by chance.
const MIN_SPACING_LEN: usize = 4;

/// A mark prepared for matching.
#[derive(Debug, Clone)]
pub(crate) struct LatinMark {
    tokens: Vec<String>,
    joined: String,
    joined_len: usize,
    light: String,
}

/// The best way a window of the title matches a mark.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LatinMatch {
    /// Token range `first..last` (exclusive) of the title.
    pub first: usize,
    pub last: usize,
    pub variant: &'static str,
    pub distance: u32,
    pub score: f32,
}

impl LatinMark {
    /// None when the mark has no letters or digits at all.
    pub(crate) fn new(mark: &str) -> Option<Self> {
        let tokens: Vec<String> = tokenize(mark).into_iter().map(|t| t.text).collect();
        if tokens.is_empty() {
            return None;
        }
        let joined: String = tokens.concat();
        Some(LatinMark {
            joined_len: joined.chars().count(),
            joined,
            tokens,
            light: light(mark),
        })
    }

    /// Fuzzy matching tolerance by length: short marks are too close to ordinary words to
    /// allow any edit, longer marks allow more.
    fn max_edits(&self) -> usize {
        match self.joined_len {
            0..=4 => 0,
            5..=7 => 1,
            _ => 2,
        }
    }
}

/// The best match of `mark` in the title (its `tokens`, and the `title` they came from).
pub(crate) fn find(title: &str, tokens: &[Token], mark: &LatinMark) -> Option<LatinMatch> {
    let max_edits = mark.max_edits();
    let max_len = mark.joined_len + max_edits;
    let max_tokens = mark.tokens.len() + MAX_EXTRA_TOKENS;
    let mut best: Option<LatinMatch> = None;
    for first in 0..tokens.len() {
        let mut joined = String::new();
        let mut joined_len = 0;
        for last in first + 1..=tokens.len().min(first + max_tokens) {
            let token = &tokens[last - 1].text;
            joined.push_str(token);
            joined_len += token.chars().count();
            if joined_len > max_len {
                break;
            }
            let count = last - first;
            let candidate = if count == mark.tokens.len()
                && tokens[first..last]
                    .iter()
                    .zip(&mark.tokens)
                    .all(|(t, m)| &t.text == m)
            {
                let span = span(title, &tokens[first..last]);
                let variant = if light(span) == mark.light {
                    "exact"
                } else {
                    "confusable"
                };
                Some((variant, 0, if variant == "exact" { 1.0 } else { 0.95 }))
            } else if joined == mark.joined {
                (mark.joined_len >= MIN_SPACING_LEN).then_some(("spacing", 0, 0.95))
            } else if max_edits > 0 && joined_len + max_edits >= mark.joined_len {
                let distance = strsim::damerau_levenshtein(&joined, &mark.joined);
                (distance <= max_edits)
                    .then(|| ("edit_distance", distance as u32, edit_score(distance)))
            } else {
                None
            };
            if let Some((variant, distance, score)) = candidate {
                let found = LatinMatch {
                    first,
                    last,
                    variant,
                    distance,
                    score,
                };
                if best.as_ref().is_none_or(|b| is_better(&found, b)) {
                    best = Some(found);
                }
            }
        }
    }
    best
}

/// The part of `title` that `window` (consecutive tokens of it) was read from.
pub(crate) fn span<'t>(title: &'t str, window: &[Token]) -> &'t str {
    let (Some(first), Some(last)) = (window.first(), window.last()) else {
        return "";
    };
    // Token offsets come from `char_indices` of this title, so they are char boundaries.
    title.get(first.start..last.end).unwrap_or_default()
}

fn edit_score(distance: usize) -> f32 {
    if distance <= 1 { 0.85 } else { 0.75 }
}

/// Higher score, then fewer edits, then the earlier and shorter window.
fn is_better(a: &LatinMatch, b: &LatinMatch) -> bool {
    match a.score.partial_cmp(&b.score) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Less) => false,
        _ => (a.distance, a.first, a.last) < (b.distance, b.first, b.last),
    }
}

/// The mark or span as plainly written: compatibility-normalized, lower-case, punctuation
/// as single spaces, but with look-alikes, diacritics and leetspeak left as they are. A
/// span equal to the mark in this form is an exact use; otherwise it was disguised.
fn light(s: &str) -> String {
    let lowered: String = s.nfkc().flat_map(char::to_lowercase).collect();
    lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
