//! takedown-notifier
