//! Ordinary words: what a title token that resembles a mark most often is.
//!
//! The table (`data/words.tsv`, written by `bench/titles/make_wordlist.py`) lists ordinary
//! words of English (from a spelling dictionary, so brand names are not in it) and of six
//! other European languages with their Zipf frequency (log10 of uses per billion words,
//! from wordfreq). No crate ships such a list for Rust; the script names its sources and
//! licences.
//!
//! Also here: the words sellers glue to a mark ("bestNIKEstore", "nikeshop"), and reading
//! the rest of a token as such words.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Zipf frequency at or above which a word is common enough that a mark spelled like it is
/// a dictionary word (and gets no fuzzy matching), and a piece of a compound token counts
/// as a word when the token is split.
pub(crate) const COMMON_ZIPF: f32 = 3.0;

static WORDS: LazyLock<HashMap<&'static str, f32>> = LazyLock::new(|| {
    include_str!("../../data/words.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (word, zipf) = line.split_once('\t')?;
            Some((word, zipf.parse().ok()?))
        })
        .collect()
});

/// The word's Zipf frequency if it is an ordinary word (folded form: lower case, no
/// diacritics).
pub(crate) fn zipf(word: &str) -> Option<f32> {
    WORDS.get(word).copied()
}

/// Whether `word` is an ordinary word of the table at all.
pub(crate) fn is_ordinary(word: &str) -> bool {
    WORDS.contains_key(word)
}

/// Whether `word` is an ordinary word common enough to be used for itself
/// ([`COMMON_ZIPF`]).
pub(crate) fn is_common(word: &str) -> bool {
    zipf(word).is_some_and(|z| z >= COMMON_ZIPF)
}

/// Words glued to a brand in shop names and listing titles, in the languages of the word
/// table. Compared whole, after folding.
const AFFIXES: &[&str] = &[
    // selling
    "best",
    "new",
    "official",
    "offical",
    "store",
    "stores",
    "shop",
    "shops",
    "shoppe",
    "outlet",
    "outlets",
    "original",
    "orig",
    "sale",
    "sales",
    "cheap",
    "top",
    "hot",
    "buy",
    "my",
    "the",
    "real",
    "authentic",
    "genuine",
    "discount",
    "online",
    "factory",
    "mall",
    "deal",
    "deals",
    "club",
    "fan",
    "fans",
    "style",
    "world",
    "direct",
    "pro",
    "plus",
    "max",
    "mini",
    "brand",
    "market",
    "mart",
    "global",
    "express",
    "replica",
    "rep",
    "reps",
    "wholesale",
    "vip",
    "super",
    "luxury",
    "lux",
    "premium",
    "shoes",
    "shoe",
    "bag",
    "bags",
    "wear",
    "sport",
    "sports",
    "gear",
    "house",
    "hub",
    "zone",
    "land",
    "center",
    "centre",
    "team",
    "life",
    "home",
    "kids",
    "men",
    "mens",
    "women",
    "womens",
    "lady",
    "ladies",
    "get",
    "go",
    "app",
    "web",
    "net",
    "site",
    "inc",
    "co",
    "ltd",
    "llc",
    "gmbh",
    "corp",
    "group",
    "usa",
    "us",
    "uk",
    "eu",
    "cn",
    "hk",
    "china",
    "asia",
    "intl",
    "international",
    "free",
    "fashion",
    "design",
    "collection",
    "edition",
    "limited",
    "classic",
    "vintage",
    "retro",
    "xx",
    "xl",
    "one",
    "all",
    "our",
    "your",
    "pod",
    "box",
    "kit",
    "set",
    "bundle",
    "supply",
    "supplies",
    "goods",
    "trade",
    "trading",
    "tech",
    "lab",
    "labs",
    "studio",
    "town",
    "city",
    "place",
    "spot",
    "corner",
    "way",
    // other languages of the word table
    "neu",
    "neue",
    "tienda",
    "laden",
    "boutique",
    "magasin",
    "negozio",
    "loja",
    "winkel",
    "nuevo",
    "nueva",
    "nouveau",
    "nouvelle",
    "nuovo",
    "nuova",
    "novo",
    "nova",
    "oficial",
    "officiel",
    "ufficiale",
    "offiziell",
    "originale",
    "originais",
    "echt",
    "soldes",
    "rebajas",
    "saldi",
    "angebot",
    "oferta",
    "ofertas",
    "promo",
    "moda",
    "mode",
];

/// Whether `piece` is one of the words sellers glue to a mark ([`AFFIXES`]).
pub(crate) fn is_affix(piece: &str) -> bool {
    AFFIXES.contains(&piece)
}

/// How strongly a piece of a token next to a mark reads as separate words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Remainder {
    /// Not readable as words: the mark is probably part of a longer word ("decORAtive").
    Unreadable,
    /// Ordinary words, at least three letters each ("velotraxshoes" → "shoes").
    Words,
    /// Only digits and the affixes sellers use ("nike2024", "bestnikestore").
    Affixes,
}

/// Prefixes of one letter that brand a product as digital or personal ("iNike", "eShop"):
/// affixes only in front of the mark.
const LETTER_PREFIXES: &[&str] = &["i", "e"];
/// Zipf frequency above which a two-letter word ("we", "my", "go") counts as a word when a
/// token is split; rarer pairs of letters are usually abbreviations or fragments.
const TWO_LETTER_ZIPF: f32 = 5.0;

/// Reads `piece` (folded letters and digits) as a sequence of affixes, digit runs and
/// ordinary words, preferring the reading with no ordinary words in it. A `prefix` (the
/// piece before the mark) may also be a one-letter prefix ("i", "e").
pub(crate) fn read_remainder(piece: &str, prefix: bool) -> Remainder {
    if prefix && LETTER_PREFIXES.contains(&piece) {
        return Remainder::Affixes;
    }
    let chars: Vec<char> = piece.chars().collect();
    let n = chars.len();
    if n == 0 {
        return Remainder::Affixes;
    }
    // best[i]: the best reading of chars[..i] (None: unreadable).
    let mut best: Vec<Option<Remainder>> = vec![None; n + 1];
    best[0] = Some(Remainder::Affixes);
    for end in 1..=n {
        for start in 0..end {
            let Some(before) = best[start] else {
                continue;
            };
            let part: String = chars[start..end].iter().collect();
            let kind = if part.chars().all(|c| c.is_ascii_digit()) || is_affix(&part) {
                Some(Remainder::Affixes)
            } else if (part.chars().count() >= 3 && is_common(&part))
                || (part.chars().count() == 2 && zipf(&part).is_some_and(|z| z >= TWO_LETTER_ZIPF))
            {
                Some(Remainder::Words)
            } else {
                None
            };
            if let Some(kind) = kind {
                let reading = before.min(kind);
                if best[end].is_none_or(|b| reading > b) {
                    best[end] = Some(reading);
                }
            }
        }
    }
    best[n].unwrap_or(Remainder::Unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_ordinary_words_not_brand_names() {
        for word in ["decorative", "velvet", "store", "schuhe", "apple"] {
            assert!(is_ordinary(word), "{word}");
        }
        for brand in ["nike", "adidas", "samsung", "velotrax", "huawei"] {
            assert!(!is_ordinary(brand), "{brand}");
        }
        assert!(is_common("apple"));
        assert!(!is_common("velotrax"));
    }

    #[test]
    fn remainders_read_as_affixes_words_or_nothing() {
        assert_eq!(read_remainder("best", false), Remainder::Affixes);
        assert_eq!(read_remainder("officialstore", false), Remainder::Affixes);
        assert_eq!(read_remainder("2024", false), Remainder::Affixes);
        assert_eq!(read_remainder("shop2024", false), Remainder::Affixes);
        assert_eq!(read_remainder("running", false), Remainder::Words);
        assert_eq!(read_remainder("qzx", false), Remainder::Unreadable);
        assert_eq!(read_remainder("xtivq", false), Remainder::Unreadable);
        assert_eq!(read_remainder("i", true), Remainder::Affixes);
        assert_eq!(read_remainder("i", false), Remainder::Unreadable);
    }
}
