//! What one worker has learnt from the store about full windows: the keys refused and until
//! when, so that a client known to be throttled is answered 429 without a store call (and its
//! attempts, right or wrong, are not checked). Empty, it costs one atomic load.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Most keys remembered; past it, expired ones are dropped and new ones not remembered (the
/// store still refuses them).
const MOST: usize = 10_000;

/// Refused window keys and when each refusal ends (ms).
#[derive(Debug, Default)]
pub(crate) struct Refused {
    until: Mutex<HashMap<String, i64>>,
    len: AtomicUsize,
}

impl Refused {
    /// Whether no key is remembered (one atomic load).
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Relaxed) == 0
    }

    /// Until when `key` is refused, if it is at `now`.
    pub(crate) fn get(&self, key: &str, now: i64) -> Option<i64> {
        if self.is_empty() {
            return None;
        }
        let mut map = self.until.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some(until) if *until > now => Some(*until),
            Some(_) => {
                map.remove(key);
                self.len.store(map.len(), Ordering::Relaxed);
                None
            }
            None => None,
        }
    }

    /// Remembers that `key` is refused until `until`.
    pub(crate) fn remember(&self, key: &str, until: i64, now: i64) {
        let mut map = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MOST {
            map.retain(|_, u| *u > now);
        }
        if map.len() < MOST || map.contains_key(key) {
            map.insert(key.to_owned(), until);
        }
        self.len.store(map.len(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_end_and_stay_bounded() {
        let r = Refused::default();
        assert_eq!(r.get("a", 0), None);
        r.remember("a", 100, 0);
        assert_eq!(r.get("a", 50), Some(100));
        assert_eq!(r.get("a", 100), None);
        assert_eq!(r.len.load(Ordering::Relaxed), 0);
        for i in 0..MOST + 5 {
            r.remember(&i.to_string(), 10, 0);
        }
        assert_eq!(r.len.load(Ordering::Relaxed), MOST);
        // Once the old ones have ended, new ones fit again.
        r.remember("late", 1000, 20);
        assert_eq!(r.get("late", 20), Some(1000));
    }
}
