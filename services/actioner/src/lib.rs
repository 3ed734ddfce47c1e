//! takedown-actioner
