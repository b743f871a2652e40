//! Request ids: a random prefix drawn once per process and a counter, `3f9a61c2-1042`. Unique
//! across the replicas of a deployment (32 random bits each) without a random number per
//! request; drawn and written only when a line is logged.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Hands out the ids of one process.
#[derive(Debug)]
pub struct RequestIds {
    prefix: [u8; 8],
    next: AtomicU64,
}

impl RequestIds {
    /// Ids under a prefix from the OS random source (a fixed one if it fails: ids stay unique
    /// within the process).
    pub fn new() -> Self {
        let random = session_core::token::random_bytes::<4>().unwrap_or([0x5e, 0x55, 0x10, 0x75]);
        let mut prefix = [0u8; 8];
        for (i, b) in random.iter().enumerate() {
            prefix[2 * i] = HEX[usize::from(b >> 4)];
            prefix[2 * i + 1] = HEX[usize::from(b & 0xf)];
        }
        Self {
            prefix,
            next: AtomicU64::new(1),
        }
    }

    /// The next id.
    pub fn next(&self) -> RequestId {
        RequestId {
            prefix: self.prefix,
            n: self.next.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// One request's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId {
    prefix: [u8; 8],
    n: u64,
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The prefix is hex digits: always UTF-8.
        let prefix = std::str::from_utf8(&self.prefix).unwrap_or("00000000");
        write!(f, "{prefix}-{}", self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_under_one_prefix() {
        let ids = RequestIds::new();
        let (a, b) = (ids.next().to_string(), ids.next().to_string());
        let (pa, na) = a.split_once('-').unwrap_or_default();
        let (pb, nb) = b.split_once('-').unwrap_or_default();
        assert_eq!(pa, pb);
        assert_eq!(pa.len(), 8);
        assert!(pa.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!((na, nb), ("1", "2"));
        assert_ne!(RequestIds::new().next().to_string(), a, "prefixes differ");
    }
}
