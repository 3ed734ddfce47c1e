//! Folding one character to the form marks are compared in: compatibility-normalized,
//! lower-case, without diacritics, with Cyrillic and Greek look-alikes mapped to Latin.
//!
//! Folding is done a character at a time so that every folded character can be traced back
//! to the character of the title it came from (reasons quote the title as it stands).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Appends the folded form of `c` to `out` (possibly nothing, for a lone combining mark, or
/// several characters, for a ligature). Returns whether a look-alike or a diacritic had to
/// be removed, i.e. whether the character was disguised rather than merely cased.
pub(crate) fn fold_char(c: char, out: &mut String) -> bool {
    let mut disguised = false;
    for d in std::iter::once(c).nfkc() {
        // Capitals first: Greek capital Ν looks like N but its lower case ν looks like v.
        if let Some(latin) = upper_lookalike(d) {
            out.push(latin);
            disguised = true;
            continue;
        }
        // A capital of a script whose lower case looks like no Latin letter (Cherokee Ꭺ,
        // lower case ꭺ) is compared as drawn.
        if d.is_uppercase()
            && has_latin_style_diacritics(d)
            && let Some(latin) = confusable_prototype(d, true)
        {
            out.push_str(&latin);
            disguised = true;
            continue;
        }
        for lower in d.to_lowercase() {
            if !has_latin_style_diacritics(lower) {
                // Past the alphabetic blocks: Lisu, Cherokee small letters, historic
                // scripts (U+10000 on) may still be drawn like Latin letters.
                match (!is_cjk(lower))
                    .then(|| confusable_prototype(lower, d.is_uppercase()))
                    .flatten()
                {
                    Some(latin) => {
                        out.push_str(&latin);
                        disguised = true;
                    }
                    None => out.push(lower),
                }
                continue;
            }
            for e in std::iter::once(lower).nfd() {
                if is_combining_mark(e) {
                    disguised = true;
                } else if let Some(latin) = lower_lookalike(e) {
                    out.push_str(latin);
                    disguised = true;
                } else if let Some(latin) = confusable_prototype(e, d.is_uppercase()) {
                    out.push_str(&latin);
                    disguised = true;
                } else {
                    out.push(e);
                }
            }
        }
    }
    disguised
}

/// The Latin letters a letter of another script (or an unusual Latin one) is drawn like,
/// from the confusables data of Unicode TS #39 (`unicode_security::skeleton`): "ɑ" → "a",
/// Armenian "օ" → "o", Cherokee "Ꮪ" → "s". Only ASCII prototypes count: a skeleton that
/// maps to another non-Latin character says nothing about a Latin mark. The hand tables
/// above come first (their choices for Greek and Cyrillic are what tests rely on); TS #39
/// draws a capital I and a lower-case l alike, so an upper-case source reads as "i".
fn confusable_prototype(c: char, upper: bool) -> Option<String> {
    // Letters and the marks and signs scripts draw like letters (Malayalam "ം" like "o"),
    // not spaces or punctuation.
    if c.is_ascii() || c.is_whitespace() || c.is_ascii_punctuation() {
        return None;
    }
    let mut buffer = [0u8; 4];
    let skeleton: String = unicode_security::skeleton(c.encode_utf8(&mut buffer)).collect();
    if skeleton.is_empty() || !skeleton.chars().all(|s| s.is_ascii_alphanumeric()) {
        return None;
    }
    let lowered = skeleton.to_ascii_lowercase();
    Some(if upper && lowered == "l" {
        "i".to_string()
    } else {
        lowered
    })
}

/// Whether diacritic stripping applies: alphabetic scripts only. Hangul syllables would
/// decompose into jamo and kana would lose their voicing marks (が is not か), so
/// everything from the CJK blocks on is kept whole.
fn has_latin_style_diacritics(c: char) -> bool {
    (c as u32) < 0x2E80
}

/// Latin letters drawn like the Cyrillic and Greek capitals, as lower case.
fn upper_lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'А' => 'a',
        'В' => 'b',
        'Е' => 'e',
        'К' => 'k',
        'М' => 'm',
        'Н' => 'h',
        'О' => 'o',
        'Р' => 'p',
        'С' => 'c',
        'Т' => 't',
        'У' | 'Ү' => 'y',
        'Х' => 'x',
        'Ѕ' => 's',
        'І' => 'i',
        'Ј' => 'j',
        'Һ' => 'h',
        'Ԛ' => 'q',
        'Ԝ' => 'w',
        // Greek
        'Α' => 'a',
        'Β' => 'b',
        'Ε' => 'e',
        'Ζ' => 'z',
        'Η' => 'h',
        'Ι' => 'i',
        'Κ' => 'k',
        'Μ' => 'm',
        'Ν' => 'n',
        'Ο' => 'o',
        'Ρ' => 'p',
        'Τ' => 't',
        'Υ' => 'y',
        'Χ' => 'x',
        _ => return None,
    })
}

/// Latin letters drawn like lower-case Cyrillic, Greek and a few Latin letters whose
/// stroke is not a combining mark (ø, ł, đ).
fn lower_lookalike(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic
        'а' => "a",
        'в' => "b",
        'е' => "e",
        'к' => "k",
        'м' => "m",
        'н' => "h",
        'о' => "o",
        'р' => "p",
        'с' => "c",
        'т' => "t",
        'у' | 'ү' => "y",
        'х' => "x",
        'ѕ' => "s",
        'і' => "i",
        'ј' => "j",
        'ԁ' => "d",
        'һ' => "h",
        'ԛ' => "q",
        'ԝ' => "w",
        // Greek
        'α' => "a",
        'β' => "b",
        'γ' => "y",
        'ε' => "e",
        'η' => "n",
        'ι' => "i",
        'κ' => "k",
        'ν' => "v",
        'ο' => "o",
        'ρ' => "p",
        'τ' => "t",
        'υ' => "u",
        'χ' => "x",
        'ω' => "w",
        // Latin letters with strokes, and ligatures NFKC leaves alone
        'ø' => "o",
        'ł' => "l",
        'đ' => "d",
        'ħ' => "h",
        'ŧ' => "t",
        'ı' => "i",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

/// Digits and symbols used as letters ("v3l0trax", "$hoe$", "C!nder", "9oo9le"); applied by
/// the tokenizer only next to letters and outside longer numbers, so prices, years and
/// model numbers stay numbers.
pub(crate) fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        '@' => 'a',
        '$' => 's',
        '!' => 'i',
        _ => return None,
    })
}

/// Han ideographs, kana and Hangul: scripts written without spaces between words, matched
/// character by character rather than by tokens.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7A3   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F // CJK Extensions B–F and compatibility supplement
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> (String, bool) {
        let mut out = String::new();
        let disguised = s.chars().fold(false, |d, c| fold_char(c, &mut out) | d);
        (out, disguised)
    }

    #[test]
    fn case_and_width_are_not_disguises() {
        assert_eq!(fold("VeloTrax"), ("velotrax".into(), false));
        assert_eq!(fold("ＶＥＬＯ"), ("velo".into(), false));
    }

    #[test]
    fn lookalikes_and_diacritics_are_folded_and_flagged() {
        assert_eq!(fold("VЕLОTRAX"), ("velotrax".into(), true));
        assert_eq!(fold("Vélotrax"), ("velotrax".into(), true));
        assert_eq!(fold("ΝΙΚΕ"), ("nike".into(), true));
        assert_eq!(fold("ν"), ("v".into(), true));
        assert_eq!(fold("Øre"), ("ore".into(), true));
    }

    #[test]
    fn other_confusables_come_from_unicode_ts39() {
        // Latin alpha, Armenian o, Cherokee capitals, Cyrillic palochka.
        assert_eq!(fold("ɑdidɑs"), ("adidas".into(), true));
        assert_eq!(fold("nօkia"), ("nokia".into(), true));
        assert_eq!(fold("ᏚᎪᎷᏚung"), ("samsung".into(), true));
        assert_eq!(fold("NӀKE"), ("nike".into(), true));
        // Cherokee small letters, Lisu, Osage, mathematical letters.
        assert_eq!(fold("robbinꮪ"), ("robbins".into(), true));
        assert_eq!(fold("lateraꓲ"), ("lateral".into(), true));
        assert_eq!(fold("nels𐓪n"), ("nelson".into(), true));
        // Letters of other scripts that look like no Latin letter stay as they are.
        assert_eq!(fold("ж"), ("ж".into(), false));
    }

    #[test]
    fn cjk_is_kept_whole() {
        assert_eq!(fold("云豹が한"), ("云豹が한".into(), false));
    }
}
