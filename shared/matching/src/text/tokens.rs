//! Splitting a title into folded tokens that remember where they stand in the title.

use super::fold::{fold_char, is_cjk, leet};

/// A run of letters and digits after folding, with the byte range of the title it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Per character of `text`: the byte range of the title character it came from and how
    /// that character was written (fused marks are told apart by case changes and digits).
    pub chars: Vec<CharTrace>,
}

/// How a title character was written: the evidence of a word boundary inside a token
/// ("bestNIKEstore", "nike2024").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Upper,
    Lower,
    Digit,
    Other,
}

impl Written {
    fn of(c: char) -> Self {
        if c.is_ascii_digit() {
            Written::Digit
        } else if c.is_uppercase() {
            Written::Upper
        } else if c.is_lowercase() {
            Written::Lower
        } else {
            Written::Other
        }
    }
}

/// One character of a token's text: the byte range of its source character in the title,
/// and how that source was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CharTrace {
    pub start: usize,
    pub end: usize,
    pub written: Written,
}

/// A folded character with the byte range of its source character.
#[derive(Debug, Clone, Copy)]
struct Traced {
    c: char,
    start: usize,
    end: usize,
    written: Written,
}

/// Folds `s` and splits it into tokens at anything that is not a letter or digit, and where
/// the script changes between CJK and the rest ("Nike耐克" is two tokens). `@` and `$` are
/// letters in a word that has letters ("$ave", "v@lotrax") and punctuation elsewhere.
pub(crate) fn tokenize(s: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current: Vec<Traced> = Vec::new();
    let mut folded = String::new();
    for (start, c) in s.char_indices() {
        let end = start + c.len_utf8();
        folded.clear();
        fold_char(c, &mut folded);
        if folded.is_empty() {
            // A lone combining mark: part of the preceding letter as the title shows it.
            if let Some(last) = current.last_mut() {
                last.end = end;
            }
            continue;
        }
        let written = Written::of(c);
        for f in folded.chars() {
            let is_token_char = f.is_alphanumeric() || is_symbol(f);
            let script_break = current
                .last()
                .is_some_and(|prev| is_cjk(prev.c) != is_cjk(f));
            if !is_token_char || script_break {
                finish(&mut current, &mut tokens);
            }
            if is_token_char {
                current.push(Traced {
                    c: f,
                    start,
                    end,
                    written,
                });
            }
        }
    }
    finish(&mut current, &mut tokens);
    tokens
}

/// Turns the characters gathered so far into tokens, applying leetspeak where it stands for
/// letters, and clears them.
fn finish(current: &mut Vec<Traced>, tokens: &mut Vec<Token>) {
    let chars = std::mem::take(current);
    if chars.is_empty() {
        return;
    }
    if !chars.iter().any(|t| t.c.is_alphabetic()) {
        // A number: symbols inside it separate numbers, nothing is read as a letter.
        for part in chars.split(|t| is_symbol(t.c)).filter(|p| !p.is_empty()) {
            let plain: Vec<char> = part.iter().map(|t| t.c).collect();
            tokens.push(make_token(part, &plain));
        }
        return;
    }
    tokens.push(make_token(&chars, &read_leet(&chars)));
}

/// Symbols read as letters inside words ([`leet`]), punctuation elsewhere.
fn is_symbol(c: char) -> bool {
    c == '@' || c == '$' || c == '!'
}

/// The folded characters with leetspeak applied to every run of leet characters that touches
/// a letter and is not part of a longer number: "v3l0trax" → "velotrax", but
/// "velotrax2024" keeps its year and "shop365" its number.
fn read_leet(chars: &[Traced]) -> Vec<char> {
    let mut out: Vec<char> = chars.iter().map(|t| t.c).collect();
    let mut i = 0;
    while i < chars.len() {
        if leet(chars[i].c).is_none() {
            i += 1;
            continue;
        }
        let run_end = (i..chars.len())
            .find(|&j| leet(chars[j].c).is_none())
            .unwrap_or(chars.len());
        let before = i.checked_sub(1).is_some_and(|j| chars[j].c.is_alphabetic());
        let after = chars.get(run_end).is_some_and(|t| t.c.is_alphabetic());
        // Part of a longer number ("shop365", "nike2024"): the number stays.
        let in_number = i
            .checked_sub(1)
            .is_some_and(|j| chars[j].c.is_ascii_digit())
            || chars.get(run_end).is_some_and(|t| t.c.is_ascii_digit());
        // "!" is a letter only between letters ("C!nder"; "Sale!" ends a sentence).
        let bang = chars[i..run_end].iter().any(|t| t.c == '!');
        if (before || after) && !in_number && (!bang || (before && after)) {
            for slot in &mut out[i..run_end] {
                *slot = leet(*slot).unwrap_or(*slot);
            }
        }
        i = run_end;
    }
    out
}

/// A token from traced characters and what they read as; a symbol that was not read as a
/// letter is dropped, as punctuation would be.
fn make_token(chars: &[Traced], letters: &[char]) -> Token {
    let kept: Vec<(char, &Traced)> = letters
        .iter()
        .zip(chars)
        .filter(|(c, _)| !is_symbol(**c))
        .map(|(c, t)| (*c, t))
        .collect();
    Token {
        text: kept.iter().map(|(c, _)| *c).collect(),
        // A dropped symbol at either end ("VeloTrax!") is not part of the token.
        start: kept
            .first()
            .or(chars.first().map(|t| (t.c, t)).as_ref())
            .map_or(0, |(_, t)| t.start),
        end: kept
            .last()
            .or(chars.last().map(|t| (t.c, t)).as_ref())
            .map_or(0, |(_, t)| t.end),
        chars: kept
            .iter()
            .map(|(_, t)| CharTrace {
                start: t.start,
                end: t.end,
                written: t.written,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_on_punctuation_and_script_changes() {
        assert_eq!(texts("Velo-Trax, 2024!"), ["velo", "trax", "2024"]);
        assert_eq!(texts("Nike耐克 鞋"), ["nike", "耐克", "鞋"]);
    }

    #[test]
    fn leet_only_next_to_letters() {
        assert_eq!(
            texts("v3l0trax $99 l33t velotrax2024"),
            ["velotrax", "99", "leet", "velotrax2024"]
        );
        assert_eq!(
            texts("v@l0trax $ave @ 10@20 $99"),
            ["valotrax", "save", "10", "20", "99"]
        );
    }

    #[test]
    fn numbers_and_exclamations_stay_what_they_are() {
        assert_eq!(
            texts("C!nder 9oo9le shop365 Sale! nike2024"),
            ["cinder", "google", "shop365", "sale", "nike2024"]
        );
    }

    #[test]
    fn tokens_point_back_into_the_original() {
        let title = "Neu: VЕLОTRAX Schuhé";
        let tokens = tokenize(title);
        assert_eq!(&title[tokens[1].start..tokens[1].end], "VЕLОTRAX");
        assert_eq!(&title[tokens[2].start..tokens[2].end], "Schuhé");
        assert_eq!(tokens[2].text, "schuhe");
    }

    #[test]
    fn every_character_remembers_its_source_and_case() {
        let title = "bestNІKE2024 ß";
        let tokens = tokenize(title);
        assert_eq!(tokens[0].text, "bestnike2024");
        assert_eq!(tokens[0].chars.len(), tokens[0].text.chars().count());
        let written: Vec<Written> = tokens[0].chars.iter().map(|c| c.written).collect();
        assert_eq!(written[3], Written::Lower);
        assert_eq!(written[4], Written::Upper);
        assert_eq!(written[5], Written::Upper, "Cyrillic І is a capital");
        assert_eq!(written[8], Written::Digit);
        let i = tokens[0].chars[5];
        assert_eq!(&title[i.start..i.end], "І");
        // One title character folded to two: both point back to it.
        assert_eq!(tokens[1].text, "ss");
        assert_eq!(tokens[1].chars[0], tokens[1].chars[1]);
    }
}
