//! Marks written in alphabetic scripts: found in windows of consecutive title tokens,
//! exactly, disguised, split apart, misspelled, in the plural, or fused with the words
//! sellers glue to a brand ("bestNIKEstore").
//!
//! Ordinary words are what most look-alikes of a mark really are ("velvet" near a mark
//! "Velvex"), so a token that is an ordinary word (`words`) is never read as a misspelled,
//! fused or look-alike mark; and a mark that is itself a common word ("Apple") is matched
//! only as written, never fuzzily.

use unicode_normalization::UnicodeNormalization;

use super::tokens::{Token, Written, tokenize};
use super::words::{self, Remainder};
use crate::score::text_score_for;

/// How many more tokens than the mark has a window may span: "V E L O T R A X" spreads an
/// 8-letter mark over 8 tokens, so the limit is really the mark's letter count; this bounds
/// the windows tried for multi-word marks.
const MAX_EXTRA_TOKENS: usize = 12;
/// Marks shorter than this are not matched when split apart: "k o" occurs by chance.
const MIN_SPACING_LEN: usize = 4;

/// Marks shorter than this are never found inside a longer token: "ORA" sits inside too
/// many words.
const MIN_FUSED_LEN: usize = 3;
/// Marks shorter than this need the strongest evidence of a word boundary (a case change,
/// digits, or a seller's affix) on each side when found inside a longer token.
const DISTINCTIVE_LEN: usize = 5;

/// A mark prepared for matching.
#[derive(Debug, Clone)]
pub(crate) struct LatinMark {
    tokens: Vec<String>,
    joined: String,
    joined_len: usize,
    light: String,
    /// The joined form with letters that are drawn alike in Latin type merged
    /// ([`shape_key`]).
    shape: String,
    /// Not an ordinary word of the word table: fuzzy variants are allowed.
    distinctive: bool,
    /// The mark itself is some ordinary word (however rare): its plural may be an
    /// ordinary word too, and is then still the mark's.
    is_word: bool,
}

/// The best way a window of the title matches a mark.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LatinMatch {
    /// Token range `first..last` (exclusive) of the title.
    pub first: usize,
    pub last: usize,
    /// Byte range of the title the match covers (inside a token for "fused").
    pub start: usize,
    pub end: usize,
    /// The matched text after normalization.
    pub normalized: String,
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
        // Several words together ("Google Bard", "Otter AI") are a name even when each is a
        // word; only a mark that reads as one common word is a dictionary word.
        let common = words::is_common(&joined);
        Some(LatinMark {
            joined_len: joined.chars().count(),
            shape: shape_key(&joined),
            is_word: words::is_ordinary(&joined),
            distinctive: !common,
            joined,
            tokens,
            light: light(mark),
        })
    }

    /// Fuzzy matching tolerance by length: short marks are too close to ordinary words to
    /// allow any edit, longer marks allow more; a mark that is a common word allows none.
    fn max_edits(&self) -> usize {
        if !self.distinctive {
            return 0;
        }
        match self.joined_len {
            0..=4 => 0,
            5..=7 => 1,
            _ => 2,
        }
    }

    /// Whether `joined` (a window's letters) is the mark in the plural or possessive
    /// ("nikes", "boxes", "sonies"), and not an ordinary word in its own right unless the
    /// mark is a word itself.
    fn is_plural(&self, joined: &str) -> bool {
        let Some(rest) = joined.strip_prefix(self.joined.as_str()) else {
            return self.joined.strip_suffix('y').is_some_and(|stem| {
                joined.strip_prefix(stem) == Some("ies") && self.plural_allowed(joined)
            });
        };
        matches!(rest, "s" | "es") && self.plural_allowed(joined)
    }

    fn plural_allowed(&self, plural: &str) -> bool {
        self.joined_len >= MIN_FUSED_LEN && (self.is_word || !words::is_ordinary(plural))
    }
}

/// Letters as drawn in common Latin type, merged where they look alike: "rn" and "m",
/// "vv" and "w", "cl" and "d", "l", "1" and "I" (lower-cased "i"). Two spellings with one
/// key look the same at a glance ("NlKE", "Arnazon", "waffIe"). (UTS #39 skeletons map
/// characters of other scripts to Latin; these are look-alikes within Latin itself.)
fn shape_key(s: &str) -> String {
    s.replace("rn", "m")
        .replace("vv", "w")
        .replace("cl", "d")
        .chars()
        .map(|c| if c == 'l' || c == '1' { 'i' } else { c })
        .collect()
}

/// The best match of `mark` in the title (its `tokens`, and the `title` they came from).
pub(crate) fn find(title: &str, tokens: &[Token], mark: &LatinMark) -> Option<LatinMatch> {
    let max_edits = mark.max_edits();
    // Room for a plural's "es" and for an edit.
    let max_len = mark.joined_len + max_edits.max(3);
    let max_tokens = mark.tokens.len() + MAX_EXTRA_TOKENS;
    let mut best: Option<LatinMatch> = None;
    let mut consider = |found: LatinMatch| {
        if best.as_ref().is_none_or(|b| is_better(&found, b)) {
            best = Some(found);
        }
    };
    for first in 0..tokens.len() {
        if let Some(fused) = find_fused(&tokens[first], first, mark) {
            consider(fused);
        }
        let mut joined = String::new();
        let mut joined_len = 0;
        for last in first + 1..=tokens.len().min(first + max_tokens) {
            let token = &tokens[last - 1].text;
            joined.push_str(token);
            joined_len += token.chars().count();
            if joined_len > max_len {
                break;
            }
            let window = &tokens[first..last];
            let count = last - first;
            let as_many = count == mark.tokens.len();
            // A window of ordinary words is what the title says, not a disguised mark.
            let ordinary = if count == 1 {
                words::is_ordinary(&joined)
            } else {
                window.iter().all(|t| words::is_ordinary(&t.text))
            };
            let candidate = if as_many && window.iter().zip(&mark.tokens).all(|(t, m)| &t.text == m)
            {
                let variant = if light(span(title, window)) == mark.light {
                    "exact"
                } else {
                    "confusable"
                };
                Some((variant, 0))
            } else if joined == mark.joined {
                (mark.joined_len >= MIN_SPACING_LEN
                    && !inside_spelled_run(title, tokens, first, last))
                .then_some(("spacing", 0))
            } else if as_many && mark.is_plural(&joined) {
                Some(("plural", 0))
            } else if ordinary {
                None
            } else if as_many && shape_key(&joined) == mark.shape {
                Some(("confusable", 0))
            } else if max_edits > 0
                && joined_len + max_edits >= mark.joined_len
                && (count == 1 || window.iter().all(|t| t.text.chars().count() >= 2))
            {
                // Letters spelled out one by one and misspelled as well ("b-a-l-e-n-a" for
                // "Allen") are too often another mark's spacing trick.
                let distance = strsim::damerau_levenshtein(&joined, &mark.joined);
                (distance <= max_edits).then_some(("edit_distance", distance as u32))
            } else {
                None
            };
            if let Some((variant, distance)) = candidate {
                consider(LatinMatch {
                    first,
                    last,
                    start: window.first().map_or(0, |t| t.start),
                    end: window.last().map_or(0, |t| t.end),
                    normalized: window
                        .iter()
                        .map(|t| t.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    variant,
                    distance,
                    score: text_score_for(variant, distance),
                });
            }
        }
    }
    best
}

/// The mark inside a longer token, glued to other words ("bestNIKEstore", "nike2024",
/// "velotraxshoes"): accepted where each piece around it reads as separate words. The
/// evidence needed grows as the mark gets shorter or more like an ordinary word:
/// - a case change at the mark's edge ("bestNike"), digits, or sellers' affixes ("best",
///   "store", "official"…) on each side, for every mark of 3 letters or more;
/// - ordinary words (three letters or more each) for distinctive marks of 5 or more.
///
/// A token that is itself an ordinary word ("decorative" for a mark "ORA") is never read
/// as a fused mark.
fn find_fused(token: &Token, index: usize, mark: &LatinMark) -> Option<LatinMatch> {
    if mark.joined_len < MIN_FUSED_LEN
        || token.text == mark.joined
        || !token.text.contains(mark.joined.as_str())
        || words::is_ordinary(&token.text)
    {
        return None;
    }
    let chars: Vec<char> = token.text.chars().collect();
    let needed = if mark.distinctive && mark.joined_len >= DISTINCTIVE_LEN {
        Remainder::Words
    } else {
        Remainder::Affixes
    };
    let n = mark.joined_len;
    for at in 0..=chars.len().saturating_sub(n) {
        let part: String = chars[at..at + n].iter().collect();
        if part != mark.joined {
            continue;
        }
        let prefix: String = chars[..at].iter().collect();
        let suffix: String = chars[at + n..].iter().collect();
        let side_ok = |piece: &str, boundary: usize| {
            piece.is_empty()
                || case_boundary(&token.chars, at, at + n, boundary)
                || words::read_remainder(piece, boundary == at) >= needed
        };
        if side_ok(&prefix, at) && side_ok(&suffix, at + n) {
            let (first, last) = (token.chars.get(at)?, token.chars.get(at + n - 1)?);
            return Some(LatinMatch {
                first: index,
                last: index + 1,
                start: first.start,
                end: last.end,
                normalized: part,
                variant: "fused",
                distance: 0,
                score: text_score_for("fused", 0),
            });
        }
    }
    None
}

/// Whether the letter case changes at `boundary` (a character index of the token) the way
/// it does where words are glued: a capital after a small letter ("bestNike", "NikeStore",
/// "iGoogleBard"), or small letters after a mark written all in capitals ("NIKEstore"),
/// or a mark in small letters after capitals ("BESTnike").
fn case_boundary(
    chars: &[super::tokens::CharTrace],
    from: usize,
    to: usize,
    boundary: usize,
) -> bool {
    let letter = |i: usize| {
        chars
            .get(i)
            .map(|c| c.written)
            .filter(|w| matches!(w, Written::Upper | Written::Lower))
    };
    let Some(inside) = chars.get(from..to) else {
        return false;
    };
    let all = |case: Written| {
        inside
            .iter()
            .all(|c| c.written == case || !matches!(c.written, Written::Upper | Written::Lower))
    };
    if boundary == 0 {
        return false;
    }
    match (letter(boundary - 1), letter(boundary)) {
        (Some(Written::Lower), Some(Written::Upper)) => true,
        (Some(Written::Upper), Some(Written::Lower)) => {
            if boundary == from {
                all(Written::Lower)
            } else {
                all(Written::Upper)
            }
        }
        _ => false,
    }
}

/// Whether the window `first..last` is letters spelled out one by one inside a longer such
/// run, with the same separator ("a-w-s-l-a-m-b-d-a" spells "awslambda", not "lamb"; but
/// in "men's K . I . M . I t-shirt" the "s" and the "t" are other words).
fn inside_spelled_run(title: &str, tokens: &[Token], first: usize, last: usize) -> bool {
    let single = |i: usize| tokens.get(i).is_some_and(|t| t.text.chars().count() == 1);
    let gap = |i: usize| -> Option<&str> {
        let (a, b) = (tokens.get(i)?, tokens.get(i + 1)?);
        title.get(a.end..b.start)
    };
    if last - first < 2 || !(first..last).all(single) {
        return false;
    }
    let separator = gap(first);
    let before = first > 0 && single(first - 1) && gap(first - 1) == separator;
    let after = single(last) && gap(last - 1) == separator;
    before || after
}

/// The part of `title` that `window` (consecutive tokens of it) was read from.
fn span<'t>(title: &'t str, window: &[Token]) -> &'t str {
    let (Some(first), Some(last)) = (window.first(), window.last()) else {
        return "";
    };
    // Token offsets come from `char_indices` of this title, so they are char boundaries.
    title.get(first.start..last.end).unwrap_or_default()
}

/// The plainer reading first (exact, then a disguise, a spacing trick, a plural, a fused
/// mark, a misspelling), then fewer edits, then the earlier and shorter window. Fixed
/// rather than by calibrated score, so that refitting never changes which reading of a
/// title is reported.
fn is_better(a: &LatinMatch, b: &LatinMatch) -> bool {
    let rank = |m: &LatinMatch| {
        let kind = match m.variant {
            "exact" => 0,
            "confusable" => 1,
            "spacing" => 2,
            "plural" => 3,
            "fused" => 4,
            _ => 5,
        };
        (kind, m.distance, m.first, m.last)
    };
    rank(a) < rank(b)
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
