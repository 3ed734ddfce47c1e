//! takedown-platform
