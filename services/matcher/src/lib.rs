//! takedown-matcher
