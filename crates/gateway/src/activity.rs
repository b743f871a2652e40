//! Recent activity for the admin overview: sessions created, revoked and expired per flavor in
//! each of the last 60 minutes of this process (what `/metrics` counts since start, kept by the
//! minute). Recorded where the metrics are; per process, like them.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use session_core::Flavor;

/// What happened to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Created.
    Created,
    /// Ended early (deleted, kicked, evicted, family revoked).
    Revoked,
    /// Dropped by the store because it expired.
    Expired,
}

impl Event {
    const ALL: [Event; 3] = [Event::Created, Event::Revoked, Event::Expired];

    fn slot(self) -> usize {
        match self {
            Event::Created => 0,
            Event::Revoked => 1,
            Event::Expired => 2,
        }
    }
}

/// Minutes kept.
const MINUTES: u64 = 60;
/// Counts of one minute: per flavor ([`Flavor::ALL`] order), per event.
type Counts = [[u64; 3]; Flavor::ALL.len()];

/// Per-minute counts of the last hour.
#[derive(Debug)]
pub struct Activity {
    started: Instant,
    minutes: Mutex<VecDeque<(u64, Counts)>>,
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

/// The counts of a window, per flavor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// How long the window is: an hour, or the time since the process started when shorter.
    pub span: Duration,
    /// Per flavor, in [`Flavor::ALL`] order: created, revoked, expired.
    pub counts: Vec<(Flavor, [u64; 3])>,
}

impl Window {
    /// The count of `event` for `flavor`.
    pub fn get(&self, flavor: Flavor, event: Event) -> u64 {
        self.counts
            .iter()
            .find(|(f, _)| *f == flavor)
            .map_or(0, |(_, c)| c[event.slot()])
    }
}

impl Activity {
    /// Nothing recorded yet; the window starts now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            minutes: Mutex::new(VecDeque::new()),
        }
    }

    fn minute(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_secs() / 60
    }

    /// Records `n` events of the flavor named `flavor` (an unknown name is ignored).
    pub fn record(&self, flavor: &str, event: Event, n: u64) {
        self.record_at(flavor, event, n, Instant::now());
    }

    fn record_at(&self, flavor: &str, event: Event, n: u64, at: Instant) {
        let Some(f) = Flavor::ALL.iter().position(|f| f.as_str() == flavor) else {
            return;
        };
        if n == 0 {
            return;
        }
        let minute = self.minute(at);
        let mut minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        if minutes.back().is_none_or(|(m, _)| *m != minute) {
            minutes.push_back((minute, Counts::default()));
        }
        while minutes.front().is_some_and(|(m, _)| *m + MINUTES <= minute) {
            minutes.pop_front();
        }
        if let Some((_, counts)) = minutes.back_mut() {
            counts[f][event.slot()] += n;
        }
    }

    /// The counts of the last hour (or since start).
    pub fn last_hour(&self) -> Window {
        self.window_at(Instant::now())
    }

    fn window_at(&self, at: Instant) -> Window {
        let now = self.minute(at);
        let minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = Counts::default();
        for (m, counts) in minutes.iter() {
            if m + MINUTES > now {
                for (t, c) in total.iter_mut().zip(counts) {
                    for e in Event::ALL {
                        t[e.slot()] += c[e.slot()];
                    }
                }
            }
        }
        Window {
            span: at
                .saturating_duration_since(self.started)
                .min(Duration::from_secs(MINUTES * 60)),
            counts: Flavor::ALL.into_iter().zip(total).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cover_the_last_sixty_minutes() {
        let a = Activity::new();
        let t0 = a.started;
        let min = |m: u64| t0 + Duration::from_secs(m * 60 + 1);
        a.record_at("amity", Event::Created, 2, min(0));
        a.record_at("amity", Event::Revoked, 1, min(10));
        a.record_at("quicksync", Event::Expired, 4, min(59));
        a.record_at("nope", Event::Created, 9, min(59));
        let w = a.window_at(min(59));
        assert_eq!(w.get(Flavor::Amity, Event::Created), 2);
        assert_eq!(w.get(Flavor::Amity, Event::Revoked), 1);
        assert_eq!(w.get(Flavor::Quicksync, Event::Expired), 4);
        assert_eq!(w.span, Duration::from_secs(3541));
        // An hour later the first minute has left the window.
        let w = a.window_at(min(60));
        assert_eq!(w.get(Flavor::Amity, Event::Created), 0);
        assert_eq!(w.get(Flavor::Amity, Event::Revoked), 1);
        assert_eq!(w.span, Duration::from_secs(3600));
        // Recording later drops what is older than an hour.
        a.record_at("amity", Event::Created, 1, min(200));
        assert_eq!(a.minutes.lock().unwrap().len(), 1);
        assert_eq!(a.window_at(min(200)).get(Flavor::Amity, Event::Created), 1);
    }
}
