//! E-mail delivery, for platforms whose IP desk takes notices by mail: a readable plain-text
//! body (Chinese and English for Chinese regimes) with the notice JSON attached, sent over
//! SMTP with `lettre`. Several notices of one group go in one mail ([`EmailSender::send`]
//! takes the grouped notice: one item per listing).
//!
//! No TLS here: the relay is expected on a trusted network (or localhost); a public relay
//! needs lettre's TLS feature and credentials, which this adapter does not configure yet.

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
};
use takedown_model::notice::FiledNotice;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("{what} is not a valid mailbox: {address:?}")]
    Address { what: &'static str, address: String },
    #[error("bad content type for the attachment: {0}")]
    ContentType(String),
    #[error("could not build the mail for notice {notice}: {source}")]
    Build {
        notice: String,
        #[source]
        source: lettre::error::Error,
    },
    #[error("SMTP relay {relay} refused or failed notice {notice}: {source}")]
    Smtp {
        relay: String,
        notice: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// Sends notices as mail through one SMTP relay.
pub struct EmailSender {
    relay: String,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl EmailSender {
    /// A sender through the relay at `host:port` (plain SMTP), mailing as `from`.
    pub fn new(host: &str, port: u16, from: &str) -> Result<Self, EmailError> {
        let from = from.parse().map_err(|_| EmailError::Address {
            what: "the sender",
            address: from.to_owned(),
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .build();
        Ok(Self {
            relay: format!("{host}:{port}"),
            from,
            transport,
        })
    }

    /// Mails `filed` to `to`.
    pub async fn send(&self, filed: &FiledNotice, to: &str) -> Result<(), EmailError> {
        let message = message(filed, self.from.clone(), to)?;
        self.transport
            .send(message)
            .await
            .map_err(|source| EmailError::Smtp {
                relay: self.relay.clone(),
                notice: filed.notice.id.clone(),
                source,
            })?;
        Ok(())
    }
}

/// The mail: the text body and `notice-<id>.json` attached.
pub fn message(filed: &FiledNotice, from: Mailbox, to: &str) -> Result<Message, EmailError> {
    let to: Mailbox = to.parse().map_err(|_| EmailError::Address {
        what: "the platform's address",
        address: to.to_owned(),
    })?;
    let build = |source| EmailError::Build {
        notice: filed.notice.id.clone(),
        source,
    };
    // Serializing our own plain structs cannot fail; an empty attachment would show it.
    let json = serde_json::to_string_pretty(filed).unwrap_or_default();
    let subject = if filed.regime.is_chinese() {
        format!(
            "知识产权侵权通知 / IP infringement notice {} ({})",
            filed.notice.id, filed.right.registration_number
        )
    } else {
        format!(
            "IP infringement notice {} ({})",
            filed.notice.id, filed.right.registration_number
        )
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(text_body(filed)))
                .singlepart(
                    Attachment::new(format!("notice-{}.json", filed.notice.id)).body(
                        json,
                        ContentType::parse("application/json")
                            .map_err(|e| EmailError::ContentType(e.to_string()))?,
                    ),
                ),
        )
        .map_err(build)
}

/// The readable body: who, which right, where, why, evidence, statements, signature.
pub fn text_body(filed: &FiledNotice) -> String {
    let mut body = BodyWriter {
        zh: filed.regime.is_chinese(),
        out: String::new(),
    };
    write_parties(&mut body, filed);
    write_locations(&mut body, filed);
    write_statements(&mut body, filed);
    body.out
}

/// The body text being written, and whether its labels are bilingual.
struct BodyWriter {
    /// Chinese regimes label every field in Chinese and English.
    zh: bool,
    out: String,
}

impl BodyWriter {
    /// The field label, `中文 / English` under a Chinese regime, English otherwise.
    fn label(&self, en: &str, cn: &str) -> String {
        if self.zh {
            format!("{cn} / {en}")
        } else {
            en.to_owned()
        }
    }

    /// Appends one line.
    fn line(&mut self, text: String) {
        self.out.push_str(&text);
        self.out.push('\n');
    }
}

/// Heading, notice id, regime, notifier, rights holder, agent, right and seller.
fn write_parties(body: &mut BodyWriter, filed: &FiledNotice) {
    body.line(body.label("IP infringement notice", "知识产权侵权通知"));
    body.line(format!(
        "{}: {}",
        body.label("Notice id", "通知编号"),
        filed.notice.id
    ));
    body.line(format!(
        "{}: {}",
        body.label("Regime", "适用规则"),
        filed.regime.as_str()
    ));
    body.line(String::new());
    body.line(format!(
        "{}: {}{}",
        body.label("Notifier", "通知人"),
        filed.notifier.name,
        filed
            .notifier
            .email
            .as_deref()
            .map(|e| format!(" <{e}>"))
            .unwrap_or_default()
    ));
    body.line(format!(
        "{}: {}",
        body.label("Rights holder", "权利人"),
        filed.rights_holder.name
    ));
    if let Some(agent) = &filed.agent_authorization {
        body.line(format!(
            "{}: {} ({})",
            body.label("Agent authorization", "授权委托"),
            agent.agent.name,
            agent.document
        ));
    }
    body.line(format!(
        "{}: {} \"{}\", {} {}, {} {}, {} {}",
        body.label("Right", "权利"),
        filed.right.kind.replace('_', " "),
        filed.right.name,
        body.label("no.", "注册号"),
        filed.right.registration_number,
        body.label("office", "登记机关"),
        filed.right.office,
        body.label("classes", "类别"),
        filed.right.classes.join(", ")
    ));
    body.line(format!(
        "{}: {}",
        body.label("Seller", "销售者"),
        filed.notice.seller
    ));
}

/// The infringing listings, each with its booth and evidence captures.
fn write_locations(body: &mut BodyWriter, filed: &FiledNotice) {
    body.line(String::new());
    body.line(body.label("Infringing locations", "侵权位置"));
    for item in &filed.items {
        let booth = item
            .booth
            .as_ref()
            .map(|b| format!(" ({} {} {})", b.fair, b.booth, b.exhibitor))
            .unwrap_or_default();
        body.line(format!("  - {}{booth}", item.listing_url));
        for evidence in &item.evidence {
            body.line(format!(
                "      {}: {} sha256:{}",
                body.label("evidence", "证据"),
                evidence.capture_id,
                evidence.body_digest
            ));
        }
    }
}

/// Explanation, good-faith and accuracy statements, automation note and signature.
fn write_statements(body: &mut BodyWriter, filed: &FiledNotice) {
    body.line(String::new());
    body.line(body.label("Explanation", "侵权理由"));
    if let Some(text) = &filed.explanation_text.zh {
        body.line(format!("  {text}"));
    }
    body.line(format!("  {}", filed.explanation_text.en));
    for (en, cn, text) in [
        ("Good-faith statement", "善意声明", &filed.good_faith),
        ("Accuracy statement", "真实性保证", &filed.accuracy),
    ] {
        body.line(body.label(en, cn));
        if let Some(zh) = &text.zh {
            body.line(format!("  {zh}"));
        }
        body.line(format!("  {}", text.en));
    }
    if filed.automated_detection {
        body.line(body.label(
            "This listing was found by automated matching and checked against the owner's policy.",
            "该商品系通过自动比对发现，并按权利人的规则核对。",
        ));
    }
    if let Some(signature) = &filed.signature {
        body.line(format!(
            "{}: {}, {}",
            body.label("Signed", "签署"),
            signature.name,
            signature.date
        ));
    }
}
