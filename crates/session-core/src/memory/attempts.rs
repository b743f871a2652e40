//! Attempt windows ([`crate::attempts`]), sharded like the owners: each window is the times of
//! its counted attempts, oldest first, counted and changed under its shard's lock.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::Duration;

use super::lock::lock;
use crate::attempts::{Attempt, AttemptId, Window};

const SHARDS: usize = 64;

/// One window: its counted attempts (time in ms, id), oldest first, and when the newest leaves.
#[derive(Debug, Default)]
struct Log {
    counted: VecDeque<(i64, u64)>,
    until: i64,
}

/// Every window, by key.
#[derive(Debug)]
pub(crate) struct Attempts {
    shards: Box<[Mutex<HashMap<String, Log>>]>,
    next_id: AtomicU64,
}

impl Default for Attempts {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            next_id: AtomicU64::new(1),
        }
    }
}

impl Attempts {
    fn shard(&self, key: &str) -> &Mutex<HashMap<String, Log>> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        &self.shards[(h.finish() as usize) & (SHARDS - 1)]
    }

    /// Counts an attempt at `now` (ms) in `key`'s window unless it is full.
    pub(crate) fn count(&self, key: &str, window: Window, now: i64) -> Attempt {
        let span = window.span.num_milliseconds().max(1);
        let mut map = lock(self.shard(key));
        let log = map.entry(key.to_owned()).or_default();
        while log.counted.front().is_some_and(|(at, _)| *at <= now - span) {
            log.counted.pop_front();
        }
        if log.counted.len() >= window.max.max(1) as usize {
            let oldest = log.counted.front().map_or(now, |(at, _)| *at);
            return Attempt::Refused {
                retry_after: Duration::milliseconds((oldest + span - now).max(1)),
            };
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        log.counted.push_back((now, id));
        log.until = now + span;
        Attempt::Counted(AttemptId::new(id.to_string()))
    }

    /// Takes the attempt `id` out of `key`'s window.
    pub(crate) fn forget(&self, key: &str, id: &AttemptId) {
        let Ok(id) = id.as_str().parse::<u64>() else {
            return;
        };
        let mut map = lock(self.shard(key));
        if let Some(log) = map.get_mut(key) {
            log.counted.retain(|(_, counted)| *counted != id);
            if log.counted.is_empty() {
                map.remove(key);
            }
        }
    }

    /// Drops the windows whose attempts have all left them.
    pub(crate) fn sweep(&self, now: i64) {
        for shard in self.shards.iter() {
            lock(shard).retain(|_, log| log.until > now);
        }
    }
}
