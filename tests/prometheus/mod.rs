//! A parser for the Prometheus text exposition format (0.0.4) strict enough to refuse what
//! Prometheus would: metric and label names by their grammar, quoted label values with their
//! escapes, numeric values (`+Inf`, `-Inf`, `NaN` included) and an optional timestamp, one
//! `# TYPE` per family declared before its samples, the suffixes a summary or histogram may
//! carry, and no series twice.

#![allow(dead_code)] // each test file uses its part

use std::collections::{BTreeMap, HashMap, HashSet};

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series name (with a `_sum`, `_count` or `_bucket` suffix where it has one).
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| format!("not a number: {text:?}")),
    }
}

/// Labels from just after `{` to the matching `}`; returns them and the rest of the line.
fn parse_labels(mut rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("a label without '=' in {rest:?}"))?;
        let name = name.trim();
        if !is_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        let mut chars = after
            .strip_prefix('"')
            .ok_or_else(|| format!("label {name} is not quoted"))?
            .char_indices();
        let mut value = String::new();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape in label {name}: {other:?}")),
                },
                Some((at, '"')) => break at,
                Some((_, '\n')) | None => return Err(format!("label {name} is not closed")),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = after[1 + end + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err(format!("expected ',' or '}}' at {rest:?}"));
        }
    }
}

/// The family a sample belongs to, given the declared types.
fn family<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_sum", "_count", "_bucket"] {
        if let Some(base) = name.strip_suffix(suffix)
            && matches!(
                types.get(base).map(String::as_str),
                Some("summary" | "histogram")
            )
        {
            return base;
        }
    }
    name
}

/// Every sample of `text`, or the first rule it breaks (with the line).
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut sampled: HashSet<String> = HashSet::new();
    let mut seen: HashSet<(String, BTreeMap<String, String>)> = HashSet::new();
    let mut samples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", number + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            match words.as_slice() {
                ["TYPE", name, kind] => {
                    if !is_metric_name(name) {
                        return Err(at("bad metric name".into()));
                    }
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(kind) {
                        return Err(at(format!("unknown type {kind}")));
                    }
                    if sampled.contains(*name) {
                        return Err(at("TYPE after the family's samples".into()));
                    }
                    if types
                        .insert((*name).to_owned(), (*kind).to_owned())
                        .is_some()
                    {
                        return Err(at("TYPE twice".into()));
                    }
                }
                ["TYPE", ..] => return Err(at("TYPE needs a name and a type".into())),
                ["HELP", name, ..] if !is_metric_name(name) => {
                    return Err(at("bad metric name".into()));
                }
                _ => {}
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| at("no value".into()))?;
        let name = &line[..name_end];
        if !is_metric_name(name) {
            return Err(at("bad metric name".into()));
        }
        let (labels, rest) = match line[name_end..].strip_prefix('{') {
            Some(inner) => parse_labels(inner).map_err(at)?,
            None => (BTreeMap::new(), &line[name_end..]),
        };
        let mut fields = rest.split_whitespace();
        let value = parse_value(fields.next().ok_or_else(|| at("no value".into()))?).map_err(at)?;
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .map_err(|_| at("bad timestamp".into()))?;
        }
        if fields.next().is_some() {
            return Err(at("trailing text".into()));
        }
        let family = family(name, &types);
        if name.ends_with("_bucket") && family != name && !labels.contains_key("le") {
            return Err(at("a histogram bucket without le".into()));
        }
        sampled.insert(family.to_owned());
        if !seen.insert((name.to_owned(), labels.clone())) {
            return Err(at("the same series twice".into()));
        }
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Ok(samples)
}

/// The value of the series `name` whose labels include `labels`; `None` if there is none.
pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

#[test]
fn the_parser_refuses_what_prometheus_would() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\"} 3\n\
                # TYPE s summary\ns{quantile=\"0.5\"} 1.5\ns_sum 3\ns_count 2\nb NaN 1700000000\n";
    let samples = parse(good).expect("valid");
    assert_eq!(value(&samples, "a_total", &[("y", "q\"")]), Some(3.0));
    assert_eq!(value(&samples, "s_count", &[]), Some(2.0));
    for bad in [
        "1abc 1\n",
        "a{x=1} 1\n",
        "a{x=\"1\" 1\n",
        "a one\n",
        "a 1\na 1\n",
        "a 1\n# TYPE a gauge\n",
        "# TYPE a gauge\n# TYPE a gauge\n",
        "a{x=\"1\",x=\"2\"} 1\n",
        "# TYPE a widget\n",
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}
