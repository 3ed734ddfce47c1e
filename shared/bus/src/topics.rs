//! The topics of the pipeline. Keys are chosen for ordering and locality: listings by URL, hashed listings by
//! listing id, matches by owner (one owner's policy decisions in order), notices by platform
//! (one platform's rate limit and circuit breaker in one process), case events by notice.
//! The same key always lands in the same partition, on the embedded bus and on Kafka.

use std::fmt;

/// A topic of the pipeline: what flows between two stages, with its key and partition count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// crawler → hasher; key: listing URL.
    Listings,
    /// hasher → matcher; key: listing id.
    HashedListings,
    /// matcher → actioner; key: owner id.
    Matches,
    /// actioner → notifier; key: platform id.
    Notices,
    /// notifier (from the platform's answers) → actioner's case tracker; key: notice id.
    CaseEvents,
}

/// Where messages that cannot be handled are set aside (see [`crate::DeadLetter`]); keyed by
/// the original message's key. Not a [`Topic`]: no stage consumes it, operators read it.
pub const DEAD_LETTER_TOPIC: &str = "takedown.dead-letters";

/// Partitions of [`DEAD_LETTER_TOPIC`]: few, it carries only the exceptions.
pub const DEAD_LETTER_PARTITIONS: u32 = 1;

impl Topic {
    /// Every topic of the pipeline: what `ensure_topics` creates and lag is summed over.
    pub const ALL: [Topic; 5] = [
        Topic::Listings,
        Topic::HashedListings,
        Topic::Matches,
        Topic::Notices,
        Topic::CaseEvents,
    ];

    /// The topic's name on the bus (before any Kafka namespace prefix).
    pub fn name(self) -> &'static str {
        match self {
            Topic::Listings => "takedown.listings",
            Topic::HashedListings => "takedown.listings.hashed",
            Topic::Matches => "takedown.matches",
            Topic::Notices => "takedown.notices",
            Topic::CaseEvents => "takedown.case-events",
        }
    }

    /// Partitions per topic: the unit of parallelism when a stage runs as several processes.
    pub fn partitions(self) -> u32 {
        match self {
            Topic::Listings | Topic::HashedListings => 8,
            Topic::Matches | Topic::Notices | Topic::CaseEvents => 4,
        }
    }

    /// The topic with this name, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The partition of a key: FNV-1a, stable across processes and builds (std's hasher is
/// randomly seeded per process, so it cannot be used for placement).
pub fn partition_for(key: &str, partitions: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(partitions.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for topic in Topic::ALL {
            assert_eq!(Topic::from_name(topic.name()), Some(topic));
        }
        assert_eq!(Topic::from_name("nope"), None);
        assert_eq!(Topic::from_name(DEAD_LETTER_TOPIC), None);
    }

    #[test]
    fn partitioning_is_stable_and_spreads_keys() {
        assert_eq!(
            partition_for("http://a/1", 8),
            partition_for("http://a/1", 8)
        );
        let used: std::collections::HashSet<u32> = (0..200)
            .map(|i| partition_for(&format!("http://a/{i}"), 8))
            .collect();
        assert_eq!(used.len(), 8);
        assert_eq!(partition_for("x", 0), 0);
    }
}
