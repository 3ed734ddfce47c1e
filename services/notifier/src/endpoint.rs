//! Where a platform receives notices.

use takedown_webhook::Secret;

#[derive(Debug, Clone)]
pub struct PlatformEndpoint {
    pub platform: String,
    /// The handler's notice URL, e.g. `https://platform.example/notices`.
    pub url: String,
    /// Shared with the platform; signs every delivery. Debug shows it redacted.
    pub secret: Secret,
}
