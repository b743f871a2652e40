//! One-use nonce claims, sharded like the owners.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use super::lock::lock;

const SHARDS: usize = 64;

/// Claimed keys and when each claim ends (ms).
#[derive(Debug)]
pub(crate) struct Nonces(Box<[Mutex<HashMap<String, i64>>]>);

impl Default for Nonces {
    fn default() -> Self {
        Self((0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect())
    }
}

impl Nonces {
    /// Claims `key` until `until` unless a claim lasts past `now`.
    pub(crate) fn claim(&self, key: &str, now: i64, until: i64) -> bool {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        let mut map = lock(&self.0[(h.finish() as usize) & (SHARDS - 1)]);
        match map.get(key) {
            Some(end) if *end > now => false,
            _ => {
                map.insert(key.to_owned(), until);
                true
            }
        }
    }

    /// Drops every claim; how many there were (ended ones not yet swept included).
    pub(crate) fn clear(&self) -> usize {
        self.0
            .iter()
            .map(|shard| {
                let mut map = lock(shard);
                let n = map.len();
                map.clear();
                n
            })
            .sum()
    }

    /// Drops the claims that have ended.
    pub(crate) fn sweep(&self, now: i64) {
        for shard in self.0.iter() {
            lock(shard).retain(|_, end| *end > now);
        }
    }
}
