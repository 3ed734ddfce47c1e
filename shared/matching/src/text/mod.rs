//! Word marks in listing titles.
//!
//! - `fold`: one character to its comparable form (case, width, diacritics, look-alikes).
//! - `tokens`: a title to folded tokens that point back into the title; leetspeak.
//! - `latin`: marks in alphabetic scripts: exact, disguised, split, misspelled.
//! - `cjk`: marks in CJK scripts: exact, traditional forms, same-sound substitutions.
//! - `words`: ordinary words and their frequency, and the affixes sellers glue to a mark.
//! - `index`: the registered marks and the search of a title.

mod cjk;
mod fold;
mod index;
mod latin;
mod tokens;
mod words;

pub use index::{TextHit, WordMarkIndex};

/// The comparable form of a title or mark: Unicode NFKC, lower case, diacritics removed,
/// Cyrillic and Greek look-alikes mapped to Latin letters, leetspeak read as letters inside
/// words that also have letters, punctuation as single spaces. CJK characters are kept,
/// separated by a space from other scripts.
pub fn normalize(s: &str) -> String {
    tokens::tokenize(s)
        .into_iter()
        .map(|t| t.text)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_diacritics_lookalikes_leet_and_punctuation() {
        assert_eq!(normalize("  Vélo-TRAX!!  "), "velo trax");
        assert_eq!(normalize("VЕLОTRAX"), "velotrax");
        assert_eq!(normalize("v3l0trax for $25"), "velotrax for 25");
        assert_eq!(normalize("Ｃａｆé\tau   lait"), "cafe au lait");
        assert_eq!(normalize("云豹运动鞋"), "云豹运动鞋");
    }
}
