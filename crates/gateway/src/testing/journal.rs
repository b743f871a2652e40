//! The request journal: the last requests of every flavor this process served, in a bounded
//! ring, with secrets masked ([`super::mask`]).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use session_core::Flavor;
use utoipa::ToSchema;

/// Headers and body of a request or a response, secrets masked.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(as = TestingJournalMessage)]
pub struct Message {
    /// Header names (lower case) and values; several values of one name joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The body: JSON, a form as a string, or a note of its size; absent when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub body: Option<Value>,
}

/// One request.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TestingJournalEntry)]
pub struct Entry {
    /// Its number in this process, counting from 1.
    pub id: u64,
    /// When it arrived, by the gateway's clock (testing mode's).
    pub time: DateTime<Utc>,
    /// The flavor it was for.
    #[schema(value_type = String, example = "amity")]
    pub flavor: Flavor,
    /// The method.
    #[schema(example = "POST")]
    pub method: String,
    /// The path and query string (secret values masked).
    #[schema(example = "/api/v3/sessions")]
    pub path: String,
    /// The status answered.
    #[schema(example = 200)]
    pub status: u16,
    /// How long the answer took, ms.
    pub latency_ms: f64,
    /// The tenant of the session it concerned (application, network, API key name, client).
    pub tenant: Option<String>,
    /// The subject of the session it concerned (user id, wallet address).
    pub subject: Option<String>,
    /// The injected fault that answered or delayed it.
    pub fault: Option<u64>,
    /// What was asked.
    pub request: Message,
    /// What was answered.
    pub response: Message,
}

/// The ring.
#[derive(Debug)]
pub struct Journal {
    size: usize,
    entries: Mutex<(u64, VecDeque<Entry>)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Journal {
    /// A journal of `size` entries (0: it keeps nothing).
    pub fn new(size: usize) -> Self {
        Self {
            size,
            entries: Mutex::new((0, VecDeque::with_capacity(size.min(1024)))),
        }
    }

    /// How many entries it keeps.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether it keeps anything.
    pub fn is_on(&self) -> bool {
        self.size > 0
    }

    /// Adds `entry` (its id is set here), dropping the oldest past the size.
    pub fn record(&self, mut entry: Entry) {
        if self.size == 0 {
            return;
        }
        let mut ring = lock(&self.entries);
        ring.0 += 1;
        entry.id = ring.0;
        if ring.1.len() == self.size {
            ring.1.pop_front();
        }
        ring.1.push_back(entry);
    }

    /// The last `limit` entries of `flavor` (every flavor when `None`), newest first.
    pub fn last(&self, flavor: Option<Flavor>, limit: usize) -> Vec<Entry> {
        lock(&self.entries)
            .1
            .iter()
            .rev()
            .filter(|e| flavor.is_none_or(|f| e.flavor == f))
            .take(limit)
            .cloned()
            .collect()
    }

    /// Forgets every entry; how many there were.
    pub fn clear(&self) -> usize {
        std::mem::take(&mut lock(&self.entries).1).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(flavor: Flavor) -> Entry {
        Entry {
            id: 0,
            time: Utc::now(),
            flavor,
            method: "GET".into(),
            path: "/x".into(),
            status: 200,
            latency_ms: 1.0,
            tenant: None,
            subject: None,
            fault: None,
            request: Message::default(),
            response: Message::default(),
        }
    }

    #[test]
    fn the_ring_keeps_the_last_entries_newest_first() {
        let j = Journal::new(3);
        for f in [
            Flavor::Amity,
            Flavor::Quickblox,
            Flavor::Amity,
            Flavor::Amity,
        ] {
            j.record(entry(f));
        }
        let ids: Vec<u64> = j.last(None, 10).iter().map(|e| e.id).collect();
        assert_eq!(ids, [4, 3, 2]);
        let amity: Vec<u64> = j
            .last(Some(Flavor::Amity), 1)
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(amity, [4]);
        assert_eq!(j.clear(), 3);
        assert!(j.last(None, 10).is_empty());
        let off = Journal::new(0);
        off.record(entry(Flavor::Amity));
        assert!(off.last(None, 10).is_empty());
    }
}
