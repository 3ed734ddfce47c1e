//! URL canonicalisation and crawler-trap guards.
//!
//! Two URLs that name the same page must meet in the frontier as one row, so every URL is
//! canonicalised before it is queued: lower-case scheme and host (the `url` crate already
//! does both and drops default ports), no fragment, query parameters sorted, and session or
//! tracking parameters dropped. Hand-written because no maintained crate does this set of
//! rewrites (the field's advice is "`url` plus your own canonicaliser").
//!
//! Traps — calendars that link to next month forever, faceted filters that combine without
//! end, relative links that nest a path in itself — are bounded by [`TrapGuard`]: a cap on
//! URL length, on query parameters, on repeated path segments, and on pages per path
//! pattern (digits folded, query keys without values).

use std::collections::HashMap;

use url::Url;

/// Query parameters that carry a session or a campaign, never what the page shows.
fn is_session_or_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    matches!(
        key.as_str(),
        "jsessionid"
            | "phpsessid"
            | "sid"
            | "sessionid"
            | "session_id"
            | "aspsessionid"
            | "fbclid"
            | "gclid"
            | "dclid"
            | "msclkid"
            | "yclid"
            | "mc_cid"
            | "mc_eid"
            | "_ga"
            | "igshid"
    ) || key.starts_with("utm_")
}

/// The canonical form of `url`: see the module documentation for the rules.
pub fn normalize(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    // `;jsessionid=…` path parameters (Java servlets) name a session, not a page.
    let path = url.path().to_owned();
    if let Some(pos) = path.to_ascii_lowercase().find(";jsessionid=") {
        url.set_path(&path[..pos]);
    }
    if url.query().is_some() {
        let mut pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_session_or_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    url
}

/// Why a URL was kept out of the frontier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrapError {
    #[error("URL is {len} characters long (cap {max})")]
    TooLong { len: usize, max: usize },
    #[error("URL has {count} query parameters (cap {max})")]
    TooManyParams { count: usize, max: usize },
    #[error("path repeats segments ({path})")]
    RepeatedSegments { path: String },
    #[error("path pattern {pattern} already has {max} pages")]
    PatternFull { pattern: String, max: u32 },
}

/// The limits a source sets on the URLs it queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrapLimits {
    pub max_url_len: usize,
    pub max_query_params: usize,
    pub max_pages_per_pattern: u32,
}

/// Admits URLs into the frontier, counting pages per path pattern.
///
/// The counts live for one crawl run: a restart admits up to the cap again, which keeps a
/// trap bounded per run without a table of patterns in the store.
#[derive(Debug)]
pub struct TrapGuard {
    limits: TrapLimits,
    per_pattern: std::sync::Mutex<HashMap<String, u32>>,
}

impl TrapGuard {
    pub fn new(limits: TrapLimits) -> Self {
        Self {
            limits,
            per_pattern: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Checks `url` (already normalized) against the limits and reserves a place in its
    /// pattern; Ok holds the pattern, to [`TrapGuard::release`] if the URL turns out to be
    /// known already — a link seen on every page must not use up its pattern's room.
    /// Reserving under the lock keeps the cap exact when many pages are visited at once.
    pub fn reserve(&self, url: &Url) -> Result<String, TrapError> {
        let limits = self.limits;
        let len = url.as_str().len();
        if len > limits.max_url_len {
            return Err(TrapError::TooLong {
                len,
                max: limits.max_url_len,
            });
        }
        let count = url.query_pairs().count();
        if count > limits.max_query_params {
            return Err(TrapError::TooManyParams {
                count,
                max: limits.max_query_params,
            });
        }
        if repeats_segments(url.path()) {
            return Err(TrapError::RepeatedSegments {
                path: url.path().to_owned(),
            });
        }
        let pattern = pattern(url);
        let mut counts = self.counts();
        let seen = counts.entry(pattern.clone()).or_default();
        if *seen >= limits.max_pages_per_pattern {
            return Err(TrapError::PatternFull {
                pattern,
                max: limits.max_pages_per_pattern,
            });
        }
        *seen += 1;
        Ok(pattern)
    }

    /// Starts a new run's counts.
    pub fn clear(&self) {
        self.counts().clear();
    }

    /// Gives back a place [`TrapGuard::reserve`] took for a URL that was not new.
    pub fn release(&self, pattern: &str) {
        if let Some(seen) = self.counts().get_mut(pattern) {
            *seen = seen.saturating_sub(1);
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        // A poisoned lock only means another visit panicked mid-count; the counts are
        // still usable.
        self.per_pattern
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// True if the path repeats itself: one segment more than three times, or a run of
/// segments three times in a row (`/a/b/a/b/a/b`), the mark of relative links that nest.
fn repeats_segments(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in &segments {
        let n = counts.entry(s).or_default();
        *n += 1;
        if *n > 3 {
            return true;
        }
    }
    for width in 1..=segments.len() / 3 {
        for start in 0..=segments.len() - 3 * width {
            let a = &segments[start..start + width];
            let b = &segments[start + width..start + 2 * width];
            let c = &segments[start + 2 * width..start + 3 * width];
            if a == b && b == c {
                return true;
            }
        }
    }
    false
}

/// The shape of a URL: host, path with every run of digits folded to `N`, and the sorted
/// query keys without their values. A calendar (`/cal/2031/07`) or a faceted filter
/// (`?color=red&size=m`) keeps one shape however far it is followed.
pub fn pattern(url: &Url) -> String {
    let mut out = String::new();
    out.push_str(url.host_str().unwrap_or(""));
    let mut in_digits = false;
    for c in url.path().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    let mut keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    keys.sort();
    keys.dedup();
    if !keys.is_empty() {
        out.push('?');
        out.push_str(&keys.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(&Url::parse(s).expect("url")).to_string()
    }

    #[test]
    fn normalizes_case_ports_fragments_params_and_sessions() {
        assert_eq!(
            norm("HTTP://Shop.Example:80/a/B?z=1&a=2#top"),
            "http://shop.example/a/B?a=2&z=1"
        );
        assert_eq!(
            norm("https://shop.example:443/x?utm_source=mail&id=7&fbclid=abc&gclid=q&SID=9"),
            "https://shop.example/x?id=7"
        );
        assert_eq!(
            norm("https://shop.example/x;jsessionid=ABC123?PHPSESSID=1"),
            "https://shop.example/x"
        );
        assert_eq!(
            norm("http://shop.example:8080/x?b=2&a=1"),
            "http://shop.example:8080/x?a=1&b=2"
        );
    }

    fn limits() -> TrapLimits {
        TrapLimits {
            max_url_len: 100,
            max_query_params: 3,
            max_pages_per_pattern: 5,
        }
    }

    fn admit(guard: &TrapGuard, s: &str) -> Result<(), TrapError> {
        guard
            .reserve(&normalize(&Url::parse(s).expect("url")))
            .map(|_| ())
    }

    #[test]
    fn refuses_long_urls_many_params_and_repeated_segments() {
        let guard = TrapGuard::new(limits());
        let long = format!("http://h/{}", "x".repeat(120));
        assert!(matches!(
            admit(&guard, &long),
            Err(TrapError::TooLong { .. })
        ));
        assert!(matches!(
            admit(&guard, "http://h/s?a=1&b=2&c=3&d=4"),
            Err(TrapError::TooManyParams { count: 4, .. })
        ));
        assert!(matches!(
            admit(&guard, "http://h/a/b/a/b/a/b/"),
            Err(TrapError::RepeatedSegments { .. })
        ));
        assert!(matches!(
            admit(&guard, "http://h/x/x/x/x"),
            Err(TrapError::RepeatedSegments { .. })
        ));
        assert!(admit(&guard, "http://h/a/b/a/b/c").is_ok());
        assert!(admit(&guard, "http://h/s?a=1&b=2&c=3").is_ok());
    }

    #[test]
    fn caps_pages_per_pattern() {
        let guard = TrapGuard::new(limits());
        for month in 1..=5 {
            admit(&guard, &format!("http://h/cal/2031/{month}")).expect("admitted");
        }
        assert!(matches!(
            admit(&guard, "http://h/cal/2032/1"),
            Err(TrapError::PatternFull { .. })
        ));
        // A place given back (the URL was known already) is free again.
        guard.release("h/cal/N/N");
        admit(&guard, "http://h/cal/2032/1").expect("released place");
        // Another shape still has room.
        admit(&guard, "http://h/item/1").expect("other pattern");
        assert_eq!(
            pattern(&Url::parse("http://h/f?size=m&color=red&color=blue").expect("url")),
            "h/f?color&size"
        );
    }
}
