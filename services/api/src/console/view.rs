//! What the console's pages and the demo's HTML report both show of a match: the reason in
//! words, the matched region as a box over the listing's image, the title with the matched
//! span marked, and what kind of image a blob is.

use takedown_model::MatchReason;

/// The media type of an image blob by its signature (PNG, JPEG, GIF, WebP), or
/// `application/octet-stream` for anything else.
pub fn image_media_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, ..] => "image/jpeg",
        [b'G', b'I', b'F', ..] => "image/gif",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "image/webp",
        _ => "application/octet-stream",
    }
}

/// Why the matcher matched, in one line: the hash or local-feature comparison and the view
/// for an image, the variant and normalized span for a title.
pub fn describe_reason(reason: &MatchReason) -> String {
    match reason {
        MatchReason::Image {
            view,
            distance,
            threshold,
            region,
            algorithm,
            inliers,
            ..
        } => format!(
            "{}, view {view}{}",
            match inliers {
                Some(n) => format!("{algorithm}: {n} inliers ≥ {threshold}"),
                None => format!("{algorithm} distance {distance} ≤ {threshold}"),
            },
            region
                .map(|r| format!(
                    ", region x={:.2} y={:.2} w={:.2} h={:.2}",
                    r[0], r[1], r[2], r[3]
                ))
                .unwrap_or_default()
        ),
        MatchReason::Text {
            normalized,
            variant,
            distance,
            ..
        } => format!("{variant} (normalized \"{normalized}\", distance {distance})"),
    }
}

/// A matched region as SVG attributes over a `0 0 1 1` view box (fractions of the image).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Left edge, 0–1 of the width.
    pub x: String,
    /// Top edge, 0–1 of the height.
    pub y: String,
    /// Width, 0–1 of the image's.
    pub width: String,
    /// Height, 0–1 of the image's.
    pub height: String,
}

/// The box to draw for a match's region (`[x, y, w, h]` fractions), clamped to the image;
/// `None` for a whole-image match or a region that is not a finite box.
pub fn region(region: Option<[f32; 4]>) -> Option<Region> {
    let [x, y, w, h] = region?;
    if ![x, y, w, h].iter().all(|v| v.is_finite()) {
        return None;
    }
    let x = x.clamp(0.0, 1.0);
    let y = y.clamp(0.0, 1.0);
    let w = w.clamp(0.0, 1.0 - x);
    let h = h.clamp(0.0, 1.0 - y);
    (w > 0.0 && h > 0.0).then(|| Region {
        x: format!("{x:.4}"),
        y: format!("{y:.4}"),
        width: format!("{w:.4}"),
        height: format!("{h:.4}"),
    })
}

/// A title cut around the span that matched, for `<mark>`ing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedTitle {
    /// The title before the span.
    pub before: String,
    /// The span as it stands in the title (empty if it was not found).
    pub span: String,
    /// The title after the span.
    pub after: String,
}

/// `title` cut around the first occurrence of `span`, compared ignoring case; the whole
/// title unmarked when the span is not in it (the matcher's span is normally verbatim).
pub fn mark_span(title: &str, span: &str) -> MarkedTitle {
    let unmarked = || MarkedTitle {
        before: title.to_owned(),
        span: String::new(),
        after: String::new(),
    };
    if span.is_empty() {
        return unmarked();
    }
    if let Some(start) = title.find(span) {
        let end = start + span.len();
        return MarkedTitle {
            before: title[..start].to_owned(),
            span: title[start..end].to_owned(),
            after: title[end..].to_owned(),
        };
    }
    let wanted: Vec<char> = span.chars().flat_map(char::to_lowercase).collect();
    let span_chars = span.chars().count();
    for (start, _) in title.char_indices() {
        let candidate: String = title[start..].chars().take(span_chars).collect();
        let lowered: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
        if lowered == wanted {
            let end = start + candidate.len();
            return MarkedTitle {
                before: title[..start].to_owned(),
                span: candidate,
                after: title[end..].to_owned(),
            };
        }
    }
    unmarked()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_is_marked_verbatim_or_ignoring_case() {
        let marked = mark_span("New VELOTRAX bike bell", "VELOTRAX");
        assert_eq!(
            (
                marked.before.as_str(),
                marked.span.as_str(),
                marked.after.as_str()
            ),
            ("New ", "VELOTRAX", " bike bell")
        );
        let marked = mark_span("Nouveau vélotrax", "VÉLOTRAX");
        assert_eq!(
            (marked.before.as_str(), marked.span.as_str()),
            ("Nouveau ", "vélotrax")
        );
        let marked = mark_span("plain", "absent");
        assert_eq!(
            (marked.before.as_str(), marked.span.as_str()),
            ("plain", "")
        );
    }

    #[test]
    fn a_region_is_clamped_to_the_image_and_nonsense_is_dropped() {
        let r = region(Some([0.5, 0.25, 0.75, 0.5])).expect("a box");
        assert_eq!((r.x.as_str(), r.width.as_str()), ("0.5000", "0.5000"));
        assert_eq!(region(Some([f32::NAN, 0.0, 0.1, 0.1])), None);
        assert_eq!(region(Some([0.2, 0.2, 0.0, 0.3])), None);
        assert_eq!(region(None), None);
    }

    #[test]
    fn images_are_told_by_their_signature() {
        assert_eq!(image_media_type(b"\x89PNG\r\n\x1a\n"), "image/png");
        assert_eq!(image_media_type(&[0xFF, 0xD8, 0xFF]), "image/jpeg");
        assert_eq!(image_media_type(b"<html>"), "application/octet-stream");
    }
}
