//! The demo's HTML report: for every match, the listing's image beside the registered image
//! (or the title beside the word mark), with the reason and the notice. Images are inlined
//! as data URIs so the file stands alone. What it says of a match (the reason in words, the
//! image's type) is the web console's (`takedown_api::console::view`).

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use base64::Engine;
use takedown_api::console::view::{describe_reason, image_media_type};
use takedown_model::MatchReason;
use takedown_store::MatchRecord;

use serde::Serialize;

use crate::backends::Storage;

/// One row of the demo's table: a match and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoRow {
    pub listing_url: String,
    pub platform: String,
    pub seller: String,
    pub title: String,
    pub right_id: String,
    pub right_name: String,
    pub kind: String,
    pub score: f32,
    /// "auto_file" or "review".
    pub decision: String,
    pub notice_id: Option<String>,
    /// "acknowledged", "filed", … or "review" for a match waiting for a reviewer.
    pub notice_status: String,
    pub case_id: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn img(data: &Storage, digest: &str) -> String {
    match data.blobs.get(digest) {
        Ok(bytes) => format!(
            r#"<img src="data:{};base64,{}" alt="{digest}">"#,
            image_media_type(&bytes),
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        ),
        Err(e) => format!("<em>{}</em>", escape(&e.to_string())),
    }
}

pub fn write(
    path: &Path,
    data: &Storage,
    matches: &[MatchRecord],
    rows: &[DemoRow],
) -> std::io::Result<()> {
    let by_match: BTreeMap<(&str, &str), &MatchRecord> = matches
        .iter()
        .map(|m| ((m.found.listing_url.as_str(), m.found.right_id.as_str()), m))
        .collect();
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><title>takedown — matches</title><style>\
         body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.5em;vertical-align:top}img{max-width:220px;max-height:220px}\
         .mark{font-size:1.6em;font-weight:bold}.id{font-family:monospace;word-break:break-all;max-width:14em}td:first-child{max-width:22em}td:first-child a{word-break:break-all}</style><h1>takedown — matches and notices</h1><table>\
         <tr><th>listing</th><th>listing image / title</th><th>registered</th><th>why</th><th>notice</th></tr>",
    );
    for row in rows {
        let Some(record) = by_match.get(&(row.listing_url.as_str(), row.right_id.as_str())) else {
            continue;
        };
        let (left, right, why) = match &record.found.reason {
            MatchReason::Image {
                listing_image,
                right_image,
                ..
            } => (
                img(data, listing_image),
                img(data, right_image),
                escape(&describe_reason(&record.found.reason)),
            ),
            MatchReason::Text { span, .. } => (
                format!(
                    "<div>{}</div><div>span: <b>{}</b></div>",
                    escape(&row.title),
                    escape(span)
                ),
                format!("<div class=mark>{}</div>", escape(&row.right_name)),
                escape(&describe_reason(&record.found.reason)),
            ),
        };
        let _ = write!(
            html,
            "<tr><td><a href=\"{url}\">{url}</a><br>seller: {seller}<br>{kind}, score {score:.2}</td><td>{left}</td><td>{right}<br>{right_id}</td><td>{why}</td><td class=id>{notice}<br>{status}</td></tr>",
            url = escape(&row.listing_url),
            seller = escape(&row.seller),
            kind = escape(&row.kind),
            score = row.score,
            right_id = escape(&row.right_id),
            notice = escape(row.notice_id.as_deref().unwrap_or("-")),
            status = escape(&row.notice_status),
        );
    }
    html.push_str("</table>\n");
    std::fs::write(path, html)
}
