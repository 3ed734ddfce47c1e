//! HTML building blocks shared by the market and fair pages: escaping, the page frame and
//! the schema.org JSON-LD product block.

use serde::Serialize;

/// Escapes text for element content and double-quoted attribute values alike.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A complete page. `head_extra` and `body` are already HTML.
pub(crate) fn page(title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n{head_extra}</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// The schema.org `Product` block a marketplace puts in `<head>`. Fields are declared in
/// the order crawlers and humans expect to read them (serde keeps declaration order).
#[derive(Serialize)]
struct ProductLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    image: &'a [String],
    offers: OfferLd<'a>,
}

#[derive(Serialize)]
struct OfferLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    price: &'a str,
    #[serde(rename = "priceCurrency")]
    price_currency: &'a str,
    seller: OrganizationLd<'a>,
}

#[derive(Serialize)]
struct OrganizationLd<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

pub(crate) fn product_json_ld(
    name: &str,
    images: &[String],
    price: &str,
    currency: &str,
    seller: &str,
) -> String {
    let ld = ProductLd {
        context: "https://schema.org",
        kind: "Product",
        name,
        image: images,
        offers: OfferLd {
            kind: "Offer",
            price,
            price_currency: currency,
            seller: OrganizationLd {
                kind: "Organization",
                name: seller,
            },
        },
    };
    // Serializing borrowed strings cannot fail. Inside <script>, "</" would end the element
    // early whatever the JSON says, so it is written as the equivalent "<\/".
    let json = serde_json::to_string(&ld)
        .unwrap_or_default()
        .replace("</", "<\\/");
    format!("<script type=\"application/ld+json\">{json}</script>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("云豹 VЕLОTRAX"), "云豹 VЕLОTRAX");
    }

    #[test]
    fn json_ld_has_the_documented_shape_and_survives_script_breakers() {
        let block = product_json_ld(
            "a </script> b",
            &["/market/img/1.jpg".into()],
            "19.99",
            "EUR",
            "S",
        );
        assert!(block.starts_with(r#"<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"#));
        let json = block
            .trim_end()
            .trim_start_matches(r#"<script type="application/ld+json">"#)
            .trim_end_matches("</script>");
        assert!(!json.contains("</"));
        let value: serde_json::Value = serde_json::from_str(json).expect("json");
        assert_eq!(value["name"], "a </script> b");
        assert_eq!(value["offers"]["seller"]["name"], "S");
        assert_eq!(value["offers"]["priceCurrency"], "EUR");
    }
}
