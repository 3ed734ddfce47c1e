//! takedown-hasher
