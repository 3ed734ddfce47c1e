//! E-mail delivery, for platforms whose IP desk takes notices by mail: a readable plain-text
//! body (Chinese and English for Chinese regimes) with the notice JSON attached, sent over
//! SMTP with `lettre`. Several notices of one group go in one mail ([`EmailSender::send`]
//! takes the grouped notice: one item per listing).
//!
//! The connection to the relay is plain ([`SmtpTls::None`], for a relay on the host or a
//! trusted network), upgraded with STARTTLS before anything else is said
//! ([`SmtpTls::Starttls`]: no fallback to plain text, so a stripped STARTTLS offer fails the
//! delivery instead of leaking it) or TLS from the first byte ([`SmtpTls::Implicit`]).
//! Certificates are checked against the system's roots plus any extra CA given, on rustls
//! with the aws-lc-rs provider the rest of the workspace uses. A login goes only over TLS.

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType},
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
    },
};
use serde::{Deserialize, Serialize};
use takedown_model::notice::FiledNotice;

/// A failure to build or send a mail; never carries the relay password.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// A sender or recipient that is not a mailbox.
    #[error("{what} is not a valid mailbox: {address:?}")]
    Address {
        /// Which address (the sender, the platform's).
        what: &'static str,
        /// The address as given.
        address: String,
    },
    /// The attachment's content type was refused.
    #[error("bad content type for the attachment: {0}")]
    ContentType(String),
    /// The mail could not be put together.
    #[error("could not build the mail for notice {notice}: {source}")]
    Build {
        /// The notice's id.
        notice: String,
        /// Why.
        #[source]
        source: lettre::error::Error,
    },
    /// The extra CA certificates were not usable PEM.
    #[error("the CA certificates for SMTP relay {relay} are not usable: {reason}")]
    CaPem {
        /// The relay, `host:port`.
        relay: String,
        /// What is wrong with them.
        reason: String,
    },
    /// The TLS settings for the relay could not be set up.
    #[error("could not set up TLS for SMTP relay {relay}: {source}")]
    Tls {
        /// The relay, `host:port`.
        relay: String,
        /// Why.
        #[source]
        source: lettre::transport::smtp::Error,
    },
    /// The relay refused the mail, the login or the TLS handshake, or could not be reached.
    #[error("SMTP relay {relay} refused or failed notice {notice}: {source}")]
    Smtp {
        /// The relay, `host:port`.
        relay: String,
        /// The notice's id.
        notice: String,
        /// Why (the relay's reply; lettre never puts the password in it).
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// How the connection to the relay is protected (`tls` in `[platforms.email]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the host or a trusted network (the default, as
    /// before TLS was supported).
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS before anything else, and refused if the
    /// relay does not offer it (usually port 587).
    Starttls,
    /// TLS from the first byte, "SMTPS" (usually port 465).
    Implicit,
}

impl SmtpTls {
    /// Whether this is plain SMTP (so `tls` is left out when a config is written back).
    pub fn is_none(&self) -> bool {
        *self == SmtpTls::None
    }
}

/// Where the relay is and how to talk to it.
#[derive(Debug, Clone)]
pub struct SmtpRelay {
    /// The relay's host name or address; also the name its certificate must carry.
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// Plain, STARTTLS or implicit TLS.
    pub tls: SmtpTls,
    /// PEM CA certificates trusted for the relay on top of the system's roots (a private CA).
    pub extra_ca_pem: Option<Vec<u8>>,
    /// The login, if the relay wants one (its `Debug` shows no password).
    pub credentials: Option<Credentials>,
}

impl SmtpRelay {
    /// A plain relay with no login, at `host:port`.
    pub fn plain(host: &str, port: u16) -> Self {
        Self {
            host: host.to_owned(),
            port,
            tls: SmtpTls::None,
            extra_ca_pem: None,
            credentials: None,
        }
    }

    /// `host:port`, as errors name the relay.
    fn shown(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// lettre's TLS setting: the relay's name checked against the system's roots plus the
    /// extra CAs.
    fn lettre_tls(&self) -> Result<Tls, EmailError> {
        if self.tls == SmtpTls::None {
            return Ok(Tls::None);
        }
        let mut parameters = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.extra_ca_pem {
            // lettre reads every certificate of the bundle but accepts a file with none.
            if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(EmailError::CaPem {
                    relay: self.shown(),
                    reason: "no BEGIN CERTIFICATE block".into(),
                });
            }
            let certificate = Certificate::from_pem(pem).map_err(|e| EmailError::CaPem {
                relay: self.shown(),
                reason: e.to_string(),
            })?;
            parameters = parameters.add_root_certificate(certificate);
        }
        let parameters = parameters
            .build_rustls()
            .map_err(|source| EmailError::Tls {
                relay: self.shown(),
                source,
            })?;
        Ok(match self.tls {
            SmtpTls::Starttls => Tls::Required(parameters),
            _ => Tls::Wrapper(parameters),
        })
    }
}

/// Sends notices as mail through one SMTP relay.
pub struct EmailSender {
    relay: String,
    from: Mailbox,
    /// Boxed: with its TLS settings it is several times the size of the other adapters.
    transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
}

impl EmailSender {
    /// A sender through the relay at `host:port` (plain SMTP, no login), mailing as `from`.
    pub fn new(host: &str, port: u16, from: &str) -> Result<Self, EmailError> {
        Self::through(&SmtpRelay::plain(host, port), from)
    }

    /// A sender through `relay` (with its TLS and login), mailing as `from`.
    pub fn through(relay: &SmtpRelay, from: &str) -> Result<Self, EmailError> {
        let from = from.parse().map_err(|_| EmailError::Address {
            what: "the sender",
            address: from.to_owned(),
        })?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host)
            .port(relay.port)
            .tls(relay.lettre_tls()?);
        if let Some(credentials) = &relay.credentials {
            builder = builder.credentials(credentials.clone());
        }
        Ok(Self {
            relay: relay.shown(),
            from,
            transport: Box::new(builder.build()),
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
