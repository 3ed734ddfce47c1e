//! Chinese (and other CJK) marks: found character by character, including traditional
//! forms and same-sound substitutions; and written in pinyin, with or without tones and
//! spaces, or in pinyin mixed with the mark's own characters ("Huawei", "Huá Wéi",
//! "hua2wei2", "华wei").
//!
//! Titles in these scripts have no spaces between words, so a mark is looked for in every
//! window of the title's CJK characters that has the mark's length.

use pinyin::ToPinyinMulti;

use super::fold::{fold_char, is_cjk};
use super::words::{self, Remainder};

/// Pinyin spellings shorter than this (all syllables joined) are too likely to be some
/// other word or abbreviation ("li", "an").
const MIN_PINYIN_LEN: usize = 4;
/// Readings per character tried against Latin letters.
const READINGS: usize = 2;
/// Separators allowed between two syllables ("hua wei", "Hua-Wei", "hua · wei").
const MAX_SEPARATORS: usize = 3;

/// A CJK mark with the toneless pinyin readings of each character.
#[derive(Debug, Clone)]
pub(crate) struct CjkMark {
    /// The mark's folded characters.
    pub chars: Vec<char>,
    /// Per character: every toneless reading, folded as titles are ("lü" → "lu"), with
    /// "v" for "ü" as keyboards type it.
    readings: Vec<Vec<String>>,
}

impl CjkMark {
    /// Prepares a mark of CJK characters (from [`cjk_mark`]).
    pub(crate) fn new(chars: Vec<char>) -> Self {
        let readings = chars
            .iter()
            .map(|&c| {
                let mut out: Vec<String> = Vec::new();
                let plain: Vec<&str> = simplified(c)
                    .to_pinyin_multi()
                    .or_else(|| c.to_pinyin_multi())
                    .map(|m| m.into_iter().map(|p| p.plain()).collect())
                    .unwrap_or_default();
                // The two usual readings (长: zhang, chang); rarer ones (奥 "you") make
                // ordinary pinyin words read as the mark.
                for reading in plain.into_iter().take(READINGS) {
                    let mut folded = String::new();
                    reading.chars().for_each(|r| {
                        fold_char(r, &mut folded);
                    });
                    for form in [folded, reading.replace('ü', "v")] {
                        if !form.is_empty() && !out.contains(&form) {
                            out.push(form);
                        }
                    }
                }
                out
            })
            .collect();
        CjkMark { chars, readings }
    }
}

/// A folded title character with the byte range of its source character.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Folded {
    c: char,
    start: usize,
    end: usize,
}

/// Every title character folded (case, width, diacritics: tone marks go), each pointing
/// back to its source; leetspeak is not applied, so tone numbers stay digits.
pub(crate) fn folded_stream(s: &str) -> Vec<Folded> {
    let mut out = Vec::new();
    let mut folded = String::new();
    for (start, c) in s.char_indices() {
        folded.clear();
        fold_char(c, &mut folded);
        let end = start + c.len_utf8();
        out.extend(folded.chars().map(|f| Folded { c: f, start, end }));
    }
    out
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
}

/// The mark written in pinyin, or in pinyin and its own characters, anywhere in the title:
/// the byte range and the folded text matched. At least one syllable must be in Latin
/// letters (all-CJK titles are [`compare`]'s), syllables may carry a tone number and be
/// separated by spaces or punctuation, and the Latin spelling must start and end at a word
/// boundary, or next to sellers' affixes ("huaweistore"). A spelling in Latin letters alone
/// shorter than [`MIN_PINYIN_LEN`], or written as one ordinary word ("lining" for 李宁), is
/// not taken for the mark.
pub(crate) fn find_pinyin(stream: &[Folded], mark: &CjkMark) -> Option<(usize, usize, String)> {
    for at in 0..stream.len() {
        let c = stream[at].c;
        if !(is_latin_letter(c) || is_cjk(c)) {
            continue;
        }
        if is_latin_letter(c) && !glued_ok(stream, at, Direction::Before) {
            continue;
        }
        let mut path = Vec::new();
        if let Some(end) = match_units(stream, mark, 0, at, &mut path)
            && path.iter().any(|u| matches!(u, Unit::Latin(_)))
        {
            let latin: String = path
                .iter()
                .map(|u| match u {
                    Unit::Latin(s) => s.as_str(),
                    Unit::Own => "",
                })
                .collect();
            let all_latin = path.iter().all(|u| matches!(u, Unit::Latin(_)));
            // "Li Ning" is the mark, "lining" is an ordinary word.
            let spaced = stream[at..end].iter().any(|f| !f.c.is_alphanumeric());
            if all_latin
                && (latin.len() < MIN_PINYIN_LEN || (!spaced && words::is_ordinary(&latin)))
            {
                continue;
            }
            let (first, last) = (stream.get(at)?, stream.get(end.checked_sub(1)?)?);
            let normalized = stream[at..end]
                .iter()
                .map(|f| f.c)
                .filter(|c| c.is_alphanumeric())
                .collect();
            return Some((first.start, last.end, normalized));
        }
    }
    None
}

/// How one character of the mark was written.
#[derive(Debug, Clone)]
enum Unit {
    /// The mark's own character (or its traditional form).
    Own,
    /// A pinyin syllable in Latin letters.
    Latin(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Before,
    After,
}

/// Whether the Latin letters glued to the match at `at` (looking `direction`) are nothing,
/// or sellers' affixes and digits only.
fn glued_ok(stream: &[Folded], at: usize, direction: Direction) -> bool {
    let glued: String = match direction {
        Direction::Before => {
            let mut letters: Vec<char> = stream[..at]
                .iter()
                .rev()
                .take_while(|f| f.c.is_ascii_alphanumeric())
                .map(|f| f.c)
                .collect();
            letters.reverse();
            letters.into_iter().collect()
        }
        Direction::After => stream[at..]
            .iter()
            .take_while(|f| f.c.is_ascii_alphanumeric())
            .map(|f| f.c)
            .collect(),
    };
    glued.is_empty()
        || words::read_remainder(&glued, direction == Direction::Before) == Remainder::Affixes
}

/// Matches the mark's characters from `k` on at stream position `at`; the end position.
fn match_units(
    stream: &[Folded],
    mark: &CjkMark,
    k: usize,
    at: usize,
    path: &mut Vec<Unit>,
) -> Option<usize> {
    if k == mark.chars.len() {
        // A Latin spelling must not run on into a longer word ("huaweixyz").
        let ends_latin = matches!(path.last(), Some(Unit::Latin(_)));
        return (!ends_latin || glued_ok(stream, at, Direction::After)).then_some(at);
    }
    let mut at = at;
    if k > 0 {
        let mut skipped = 0;
        while stream
            .get(at)
            .is_some_and(|f| !f.c.is_alphanumeric() && skipped < MAX_SEPARATORS)
        {
            at += 1;
            skipped += 1;
        }
    }
    let here = stream.get(at)?;
    let want = mark.chars.get(k)?;
    if is_cjk(here.c) && simplified(here.c) == simplified(*want) {
        path.push(Unit::Own);
        if let Some(end) = match_units(stream, mark, k + 1, at + 1, path) {
            return Some(end);
        }
        path.pop();
        return None;
    }
    for reading in mark.readings.get(k)? {
        let len = reading.chars().count();
        let Some(window) = stream.get(at..at + len) else {
            continue;
        };
        if !window.iter().map(|f| f.c).eq(reading.chars()) {
            continue;
        }
        let mut next = at + len;
        // A tone number ("hua2"), not part of a longer number.
        if stream.get(next).is_some_and(|f| ('1'..='5').contains(&f.c))
            && !stream.get(next + 1).is_some_and(|f| f.c.is_ascii_digit())
        {
            next += 1;
        }
        path.push(Unit::Latin(reading.clone()));
        if let Some(end) = match_units(stream, mark, k + 1, next, path) {
            return Some(end);
        }
        path.pop();
    }
    None
}

/// A CJK character of the title, folded, with its byte range and whether punctuation or
/// spaces separate it from the previous one ("云 豹").
#[derive(Debug, Clone, Copy)]
pub(crate) struct CjkChar {
    pub c: char,
    pub start: usize,
    pub end: usize,
    pub gap_before: bool,
}

/// Runs of CJK characters, separated by punctuation or spaces at most; a Latin letter or a
/// digit ends a run (a mark split by other words is not the mark).
pub(crate) fn cjk_runs(s: &str) -> Vec<Vec<CjkChar>> {
    let mut runs = Vec::new();
    let mut current: Vec<CjkChar> = Vec::new();
    let mut gap = false;
    let mut folded = String::new();
    for (start, c) in s.char_indices() {
        folded.clear();
        fold_char(c, &mut folded);
        for f in folded.chars() {
            if is_cjk(f) {
                let gap_before = gap && !current.is_empty();
                current.push(CjkChar {
                    c: f,
                    start,
                    end: start + c.len_utf8(),
                    gap_before,
                });
                gap = false;
            } else if f.is_alphanumeric() {
                if !current.is_empty() {
                    runs.push(std::mem::take(&mut current));
                }
                gap = false;
            } else {
                gap = true;
            }
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// The folded CJK characters of a mark, if the mark is written in CJK only.
pub(crate) fn cjk_mark(mark: &str) -> Option<Vec<char>> {
    let mut folded = String::new();
    mark.chars().for_each(|c| {
        fold_char(c, &mut folded);
    });
    let letters: Vec<char> = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    (!letters.is_empty() && letters.iter().all(|&c| is_cjk(c))).then_some(letters)
}

/// How a window of title characters relates to the mark, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CjkVariant {
    Exact,
    Spacing,
    TraditionalForm,
    SamePinyin,
}

/// Compares a window of the title with the mark (same length).
pub(crate) fn compare(window: &[CjkChar], mark: &[char]) -> Option<CjkVariant> {
    if window.len() != mark.len() || mark.is_empty() {
        return None;
    }
    let spaced = window.iter().skip(1).any(|w| w.gap_before);
    if window.iter().zip(mark).all(|(w, &m)| w.c == m) {
        return Some(if spaced {
            CjkVariant::Spacing
        } else {
            CjkVariant::Exact
        });
    }
    if window
        .iter()
        .zip(mark)
        .all(|(w, &m)| simplified(w.c) == simplified(m))
    {
        return Some(CjkVariant::TraditionalForm);
    }
    // One character alone sounds like too many others; and a window sharing no character
    // with the mark is usually an ordinary word that happens to sound the same (天时 for a
    // mark 天使), so at least one character must be the mark's own.
    let shares_one = window
        .iter()
        .zip(mark)
        .any(|(w, &m)| simplified(w.c) == simplified(m));
    let same_sound = window
        .iter()
        .zip(mark)
        .all(|(w, &m)| simplified(w.c) == simplified(m) || sounds_alike(w.c, m));
    (mark.len() >= 2 && shares_one && same_sound).then_some(CjkVariant::SamePinyin)
}

/// Whether two characters share a toneless pinyin reading (any of their readings).
fn sounds_alike(a: char, b: char) -> bool {
    let readings = |c: char| -> Vec<&'static str> {
        c.to_pinyin_multi()
            .map(|m| m.into_iter().map(|p| p.plain()).collect())
            .unwrap_or_default()
    };
    let a = readings(a);
    !a.is_empty() && readings(b).iter().any(|r| a.contains(r))
}

/// The simplified form of a traditional character from a small table of characters common
/// in brand names; other characters are returned unchanged.
pub(crate) fn simplified(c: char) -> char {
    TRADITIONAL
        .chars()
        .position(|t| t == c)
        .and_then(|i| SIMPLIFIED.chars().nth(i))
        .unwrap_or(c)
}

/// Traditional characters and, at the same positions in `SIMPLIFIED`, their simplified forms.
const TRADITIONAL: &str = "\
    雲龍鳳華馬鳥國東門風車貝見長電興樂寶愛發髮體學萬與豐麗億時會\
    來錢鐵銀飛開關陽陰雞魚麥書畫聖藝衛遠達運動網絲紅綠藍黃韓灣臺\
    優壽盧劉張陳楊趙吳孫鄭謝羅蘇葉鄧許龐瑪蘭倫傑偉強勝園圓團場夢\
    專將對導島廣應戰擊數無溫燈爾獅環產當眾筆節簡緣練總聯聲膚臉舊\
    藥處號術裝視親覺觀訊記設詩話語說調讀變貓貨質購賣買費資賽軟輕\
    辦農邊鄉醫針鏡鐘鑽閃間隊際雙離難靈頂順頭題顏類顯飄飯館駕驗鬥\
    鮮鳴鴨鵬鶴鷹鹽麵齊齒龜豔";
const SIMPLIFIED: &str = "\
    云龙凤华马鸟国东门风车贝见长电兴乐宝爱发发体学万与丰丽亿时会\
    来钱铁银飞开关阳阴鸡鱼麦书画圣艺卫远达运动网丝红绿蓝黄韩湾台\
    优寿卢刘张陈杨赵吴孙郑谢罗苏叶邓许庞玛兰伦杰伟强胜园圆团场梦\
    专将对导岛广应战击数无温灯尔狮环产当众笔节简缘练总联声肤脸旧\
    药处号术装视亲觉观讯记设诗话语说调读变猫货质购卖买费资赛软轻\
    办农边乡医针镜钟钻闪间队际双离难灵顶顺头题颜类显飘饭馆驾验斗\
    鲜鸣鸭鹏鹤鹰盐面齐齿龟艳";

#[cfg(test)]
mod tests {
    use super::*;

    fn window(s: &str) -> Vec<CjkChar> {
        cjk_runs(s).into_iter().flatten().collect()
    }

    #[test]
    fn runs_break_at_latin_and_bridge_punctuation() {
        let runs = cjk_runs("云 豹abc耐克");
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].iter().map(|c| c.c).collect::<String>(), "云豹");
        assert!(runs[0][1].gap_before);
    }

    #[test]
    fn marks_must_be_all_cjk() {
        assert_eq!(cjk_mark("云豹"), Some(vec!['云', '豹']));
        assert_eq!(cjk_mark("云豹 Sport"), None);
        assert_eq!(cjk_mark("..."), None);
    }

    #[test]
    fn the_traditional_table_pairs_up() {
        assert_eq!(TRADITIONAL.chars().count(), SIMPLIFIED.chars().count());
        assert_eq!(simplified('雲'), '云');
        assert_eq!(simplified('髮'), '发');
        assert_eq!(simplified('豹'), '豹');
    }

    #[test]
    fn classifies_windows() {
        let mark = ['云', '豹'];
        assert_eq!(compare(&window("云豹"), &mark), Some(CjkVariant::Exact));
        assert_eq!(compare(&window("云·豹"), &mark), Some(CjkVariant::Spacing));
        assert_eq!(
            compare(&window("雲豹"), &mark),
            Some(CjkVariant::TraditionalForm)
        );
        assert_eq!(
            compare(&window("云暴"), &mark),
            Some(CjkVariant::SamePinyin)
        );
        assert_eq!(compare(&window("云南"), &mark), None);
        assert_eq!(
            compare(&window("运报"), &mark),
            None,
            "no character of the mark's own"
        );
    }
}
