//! The memory store's event log: one bounded, in-process partition. Events are appended under
//! the owner's lock, in the same step as the change; the oldest are dropped past the bound
//! (whether delivered or not). Nothing survives the process.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::events::event::Event;
use crate::events::log::{DeadLetter, EventPage, Wakeups, DEAD_LETTERS_KEPT};

/// The memory store's log.
#[derive(Debug)]
pub struct EventBuffer {
    inner: Mutex<Inner>,
    wakeups: Wakeups,
    cap: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// The sequence number of the last event appended (ids are these numbers).
    last: u64,
    events: VecDeque<(u64, Event)>,
    groups: HashMap<String, Progress>,
    dead: HashMap<String, VecDeque<DeadLetter>>,
    /// Events dropped past the bound.
    dropped: u64,
}

impl Inner {
    /// The events after sequence number `seq`, in order. Numbers are consecutive, so the first
    /// one is found by its distance from the front, not by a scan of the log.
    fn after(&self, seq: u64) -> impl Iterator<Item = &(u64, Event)> {
        let front = self.events.front().map_or(0, |(first, _)| *first);
        let skip = usize::try_from(seq.saturating_add(1).saturating_sub(front))
            .map_or(self.events.len(), |n| n.min(self.events.len()));
        self.events.range(skip..)
    }
}

/// A consumer group's place: everything up to `acked` is done, up to `read` handed out.
#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    read: u64,
    acked: u64,
}

impl EventBuffer {
    /// A log holding at most `cap` events.
    pub fn new(cap: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            wakeups: Wakeups::new(1, 1),
            cap: cap.max(1),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends events in order, giving each its id.
    pub fn append(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        {
            let mut inner = self.inner();
            for e in events {
                inner.last += 1;
                let seq = inner.last;
                inner.events.push_back((seq, e.with_id(seq.to_string())));
                if inner.events.len() > self.cap {
                    inner.events.pop_front();
                    inner.dropped += 1;
                }
            }
        }
        self.wakeups.touch(0);
    }

    /// The wake-ups of appends.
    pub fn wakeups(&self) -> &Wakeups {
        &self.wakeups
    }

    /// How many events were dropped past the bound.
    pub fn dropped(&self) -> u64 {
        self.inner().dropped
    }

    /// Starts group `group` at the end of the log, unless it exists.
    pub fn register(&self, group: &str) {
        let mut inner = self.inner();
        let last = inner.last;
        inner.groups.entry(group.to_owned()).or_insert(Progress {
            read: last,
            acked: last,
        });
    }

    /// Up to `count` events for `group`: those handed out and not acknowledged (`pending`), or
    /// the next ones.
    pub fn read(&self, group: &str, count: usize, pending: bool) -> Vec<Event> {
        let mut inner = self.inner();
        let Some(p) = inner.groups.get(group).copied() else {
            return Vec::new();
        };
        let (from, to) = if pending {
            (p.acked, p.read)
        } else {
            (p.read, u64::MAX)
        };
        let out: Vec<Event> = inner
            .after(from)
            .take_while(|(seq, _)| *seq <= to)
            .take(count)
            .map(|(_, e)| e.clone())
            .collect();
        if !pending {
            if let (Some(last), Some(g)) = (out.last(), inner.groups.get_mut(group)) {
                g.read = last.id.parse().unwrap_or(g.read);
            }
        }
        out
    }

    /// Acknowledges events of `group` (in order: everything up to the highest id).
    pub fn ack(&self, group: &str, ids: &[String]) {
        let top = ids.iter().filter_map(|i| i.parse::<u64>().ok()).max();
        let mut inner = self.inner();
        if let (Some(top), Some(g)) = (top, inner.groups.get_mut(group)) {
            g.acked = g.acked.max(top);
            g.read = g.read.max(g.acked);
        }
    }

    /// Keeps a dead letter of `group`.
    pub fn dead_letter(&self, group: &str, letter: DeadLetter) {
        let mut inner = self.inner();
        let dead = inner.dead.entry(group.to_owned()).or_default();
        dead.push_front(letter);
        dead.truncate(DEAD_LETTERS_KEPT);
    }

    /// The latest dead letters of `group`.
    pub fn dead_letters(&self, group: &str, limit: usize) -> Vec<DeadLetter> {
        self.inner()
            .dead
            .get(group)
            .map(|d| d.iter().take(limit).cloned().collect())
            .unwrap_or_default()
    }

    /// Events after `after` (a sequence number), at most `limit`.
    pub fn page(&self, after: Option<&str>, limit: usize) -> Option<EventPage> {
        let after = match after {
            Some(a) => a.parse::<u64>().ok()?,
            None => 0,
        };
        let inner = self.inner();
        let events: Vec<Event> = inner
            .after(after)
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect();
        let next = events
            .last()
            .map(|e| e.id.clone())
            .or_else(|| Some(after.to_string()));
        Some(EventPage { events, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::kind::TenantChange;

    fn ev(n: i64) -> Event {
        Event::of_tenant(TenantChange::Put, n, "amity.networks", &n.to_string())
    }

    #[test]
    fn groups_read_in_order_keep_what_they_did_not_acknowledge_and_the_bound_holds() {
        let b = EventBuffer::new(5);
        b.append(vec![ev(1)]);
        b.register("w");
        b.append((2..=4).map(ev).collect());
        let first = b.read("w", 2, false);
        assert_eq!(
            first.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["2", "3"]
        );
        // Not acknowledged: handed out again as pending.
        assert_eq!(b.read("w", 10, true).len(), 2);
        b.ack("w", &["2".into()]);
        assert_eq!(b.read("w", 10, true)[0].id, "3");
        assert_eq!(b.read("w", 10, false)[0].id, "4");
        b.append((5..=9).map(ev).collect());
        assert_eq!(b.dropped(), 4);
        let page = b.page(None, 100).unwrap();
        assert_eq!(page.events.len(), 5);
        assert_eq!(page.next.as_deref(), Some("9"));
        assert!(b.page(Some("9"), 10).unwrap().events.is_empty());
        // The front is now 5: a cursor from before it starts there, one inside it after it.
        let ids = |p: EventPage| p.events.into_iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(b.page(Some("1"), 2).unwrap()), ["5", "6"]);
        assert_eq!(ids(b.page(Some("7"), 10).unwrap()), ["8", "9"]);
        assert!(b.page(Some("99"), 10).unwrap().events.is_empty());
        // The group had read up to 4 and acknowledged 2: its pending 3 and 4 were dropped, so
        // nothing is pending and the next read starts at the front.
        assert!(b.read("w", 10, true).is_empty());
        assert_eq!(b.read("w", 2, false)[0].id, "5");
        assert!(b.page(Some("x"), 10).is_none());
        assert!(b.read("unknown", 10, false).is_empty());
    }
}
