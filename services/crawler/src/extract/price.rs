//! Prices written in page text: "€19.99", "19,99 EUR", "¥128", "US $5.00", "1.299,00 €".
//!
//! Returns the amount normalised to a dot decimal ("19.99") and the ISO 4217 code when the
//! symbol says it. `$` and `¥` are ambiguous; the page's `lang` decides (`en-US` → USD,
//! `ja` → JPY, `zh` → CNY), otherwise the currency is left unknown rather than guessed.

use std::sync::LazyLock;

use regex::Regex;

/// Symbols and codes, longest first so "US $" wins over "$".
const CURRENCIES: &[(&str, Option<&str>)] = &[
    ("US $", Some("USD")),
    ("US$", Some("USD")),
    ("HK$", Some("HKD")),
    ("USD", Some("USD")),
    ("EUR", Some("EUR")),
    ("GBP", Some("GBP")),
    ("CNY", Some("CNY")),
    ("RMB", Some("CNY")),
    ("JPY", Some("JPY")),
    ("HKD", Some("HKD")),
    ("€", Some("EUR")),
    ("£", Some("GBP")),
    ("￥", Some("CNY")),
    ("元", Some("CNY")),
    ("円", Some("JPY")),
    ("₩", Some("KRW")),
    ("₹", Some("INR")),
    ("$", None),
    ("¥", None),
];

const SYMBOLS: &str = r"US ?\$|HK\$|USD|EUR|GBP|CNY|RMB|JPY|HKD|€|£|￥|元|円|₩|₹|\$|¥";
const AMOUNT: &str = r"\d{1,3}(?:[.,\u{a0} ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?";

static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:^|[^\w])({SYMBOLS})\s?({AMOUNT})(?:[^\d]|$)"))
        .unwrap_or_else(|e| panic!("built-in price pattern: {e}"))
});
static AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[^\d.,])({AMOUNT})\s?({SYMBOLS})(?:[^A-Za-z]|$)"
    ))
    .unwrap_or_else(|e| panic!("built-in price pattern: {e}"))
});

/// A price found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    pub amount: String,
    pub currency: Option<String>,
}

/// The first price in `text` (symbol before or after the amount, whichever comes first).
pub fn find_price(text: &str, lang: Option<&str>) -> Option<Price> {
    let before = BEFORE
        .captures(text)
        .and_then(|c| Some((c.get(1)?, c.get(2)?)))
        .map(|(sym, amount)| (sym.start(), sym.as_str(), amount.as_str()));
    let after = AFTER
        .captures(text)
        .and_then(|c| Some((c.get(1)?, c.get(2)?)))
        .map(|(amount, sym)| (amount.start(), sym.as_str(), amount.as_str()));
    let (_, symbol, amount) = match (before, after) {
        (Some(b), Some(a)) => {
            if a.0 < b.0 {
                a
            } else {
                b
            }
        }
        (b, a) => b.or(a)?,
    };
    Some(Price {
        amount: normalise_amount(amount)?,
        currency: currency_of(symbol, lang),
    })
}

fn currency_of(symbol: &str, lang: Option<&str>) -> Option<String> {
    let known = CURRENCIES
        .iter()
        .find(|(s, _)| *s == symbol)
        .and_then(|(_, code)| *code);
    if let Some(code) = known {
        return Some(code.to_owned());
    }
    let lang = lang.unwrap_or_default().to_ascii_lowercase();
    match symbol {
        "$" if lang == "en-us" => Some("USD".to_owned()),
        "¥" if lang.starts_with("ja") => Some("JPY".to_owned()),
        "¥" if lang.starts_with("zh") => Some("CNY".to_owned()),
        _ => None,
    }
}

/// "1.299,00" → "1299.00", "1,299.00" → "1299.00", "19,99" → "19.99", "128" → "128".
fn normalise_amount(raw: &str) -> Option<String> {
    let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    // The last separator followed by one or two digits is the decimal mark; every other
    // separator groups thousands.
    let decimal_at = cleaned
        .rfind(['.', ','])
        .filter(|&i| (1..=2).contains(&(cleaned.len() - i - 1)));
    let mut out = String::with_capacity(cleaned.len());
    for (i, c) in cleaned.char_indices() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if Some(i) == decimal_at {
            out.push('.');
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, lang: Option<&str>, amount: &str, currency: Option<&str>) {
        assert_eq!(
            find_price(text, lang),
            Some(Price {
                amount: amount.to_owned(),
                currency: currency.map(str::to_owned)
            }),
            "{text}"
        );
    }

    #[test]
    fn reads_common_price_shapes() {
        check("Now only €19.99!", None, "19.99", Some("EUR"));
        check("Price: 19,99 EUR incl. VAT", None, "19.99", Some("EUR"));
        check("¥128", Some("zh-CN"), "128", Some("CNY"));
        check("¥128", Some("ja"), "128", Some("JPY"));
        check("¥128", None, "128", None);
        check("US $5.00 + shipping", None, "5.00", Some("USD"));
        check("1.299,00 €", None, "1299.00", Some("EUR"));
        check("£1,299.50", None, "1299.50", Some("GBP"));
        check("售价 ￥88", None, "88", Some("CNY"));
        check("$12", Some("en-US"), "12", Some("USD"));
    }

    #[test]
    fn ignores_numbers_without_a_currency() {
        assert_eq!(find_price("Page 2 of 10, 128 items", None), None);
        assert_eq!(find_price("Model EURO2024", None), None);
    }
}
