//! The clock of testing mode: the gateway's clock moved by an offset, or frozen at an instant.
//! Every expiry decision reads it (flavors and stores take it as their [`Clock`]). Its state
//! lives in the store, so every gateway process on one Redis moves together: a change is
//! written there at once, and each process reads it back every `testing.clock_sync_ms`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use session_core::clock::from_millis;
use session_core::{Clock, SharedClock, SharedStore};

/// The store document that holds the clock's state (`P:3:d:{testing:clock}` on Redis).
pub const COLLECTION: &str = "testing";
/// Its id.
pub const ID: &str = "clock";

/// Marks a clock that is not frozen.
const RUNNING: i64 = i64::MIN;

/// Locks `m`, poisoned or not (nothing panics while holding it).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shared state: an offset over the base clock, or a frozen instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockState {
    /// Milliseconds added to the base clock while running.
    pub offset_ms: i64,
    /// The instant (ms) the clock stands at while frozen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frozen_at_ms: Option<i64>,
    /// Counts the changes: a process never goes back to an older state it reads late.
    #[serde(default)]
    pub generation: u64,
}

/// The base clock with a movable offset; reading it costs two atomic loads.
#[derive(Debug)]
pub struct TestingClock {
    base: SharedClock,
    offset_ms: AtomicI64,
    frozen_at_ms: AtomicI64,
    /// The generation applied; guards the two values above against an older state.
    generation: Mutex<u64>,
}

impl TestingClock {
    /// `base`, not moved.
    pub fn new(base: SharedClock) -> Self {
        Self {
            base,
            offset_ms: AtomicI64::new(0),
            frozen_at_ms: AtomicI64::new(RUNNING),
            generation: Mutex::new(0),
        }
    }

    /// The base clock's time, ms.
    pub fn real_ms(&self) -> i64 {
        self.base.now_millis()
    }

    /// The state it runs with.
    pub fn state(&self) -> ClockState {
        let generation = *lock(&self.generation);
        let frozen = self.frozen_at_ms.load(Ordering::Acquire);
        ClockState {
            offset_ms: self.offset_ms.load(Ordering::Acquire),
            frozen_at_ms: (frozen != RUNNING).then_some(frozen),
            generation,
        }
    }

    /// Runs with `state` from now on, unless it runs with a newer one already.
    pub fn apply(&self, state: ClockState) {
        let mut generation = lock(&self.generation);
        if state.generation < *generation {
            return;
        }
        *generation = state.generation;
        self.offset_ms.store(state.offset_ms, Ordering::Release);
        self.frozen_at_ms
            .store(state.frozen_at_ms.unwrap_or(RUNNING), Ordering::Release);
    }

    /// Reads the shared state from `store` and runs with it (kept as is when there is none or
    /// the store does not answer).
    pub async fn sync(&self, store: &SharedStore) {
        match store.doc_get(COLLECTION, ID).await {
            Ok(Some(text)) => match serde_json::from_str::<ClockState>(&text) {
                Ok(state) => self.apply(state),
                Err(e) => tracing::warn!(error = %e, "testing: unreadable clock state"),
            },
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "testing: cannot read the clock state"),
        }
    }

    /// Keeps the clock in step with the store every `every`, until the clock is dropped.
    pub fn spawn_sync(self: &Arc<Self>, store: SharedStore, every: Duration) {
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(clock) = weak.upgrade() else { break };
                clock.sync(&store).await;
            }
        });
    }
}

impl Clock for TestingClock {
    fn now(&self) -> DateTime<Utc> {
        from_millis(self.now_millis())
    }

    fn now_millis(&self) -> i64 {
        let frozen = self.frozen_at_ms.load(Ordering::Acquire);
        if frozen != RUNNING {
            return frozen;
        }
        self.real_ms()
            .saturating_add(self.offset_ms.load(Ordering::Acquire))
    }
}

/// One change of `POST /admin/v1/testing/clock`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// Forward by this many ms.
    Advance(i64),
    /// To this instant (ms), not earlier than now.
    Set(i64),
    /// Stop (true) or go on from where it stands (false).
    Freeze(bool),
    /// Back to the base clock.
    Reset,
}

impl ClockState {
    /// The state after `change`, at base time `real` (ms): the next generation.
    pub fn after(self, change: Change, real: i64) -> Self {
        let now = self.now(real);
        let generation = self.generation + 1;
        let at = |t: i64| match self.frozen_at_ms {
            Some(_) => Self {
                offset_ms: t - real,
                frozen_at_ms: Some(t),
                generation,
            },
            None => Self {
                offset_ms: t - real,
                frozen_at_ms: None,
                generation,
            },
        };
        match change {
            Change::Advance(ms) => at(now.saturating_add(ms)),
            Change::Set(t) => at(t),
            Change::Freeze(true) => Self {
                offset_ms: now - real,
                frozen_at_ms: Some(now),
                generation,
            },
            Change::Freeze(false) => Self {
                offset_ms: now - real,
                frozen_at_ms: None,
                generation,
            },
            Change::Reset => Self {
                generation,
                ..Self::default()
            },
        }
    }

    /// The time it reads at base time `real` (ms).
    pub fn now(self, real: i64) -> i64 {
        self.frozen_at_ms
            .unwrap_or(real.saturating_add(self.offset_ms))
    }
}

#[cfg(test)]
mod tests {
    use session_core::clock::to_millis;
    use session_core::ManualClock;

    use super::*;

    #[test]
    fn the_clock_moves_freezes_and_resets() {
        let base = Arc::new(ManualClock::new(from_millis(1_000_000)));
        let clock = TestingClock::new(base.clone());
        assert_eq!(to_millis(clock.now()), 1_000_000);
        let real = clock.real_ms();
        let s = clock.state().after(Change::Advance(7_201_000), real);
        clock.apply(s);
        assert_eq!(to_millis(clock.now()), 8_201_000);
        base.advance(chrono::Duration::seconds(1));
        assert_eq!(to_millis(clock.now()), 8_202_000, "it keeps running");

        let s = clock.state().after(Change::Freeze(true), clock.real_ms());
        clock.apply(s);
        base.advance(chrono::Duration::seconds(5));
        assert_eq!(to_millis(clock.now()), 8_202_000, "frozen");
        let s = clock.state().after(Change::Advance(1_000), clock.real_ms());
        clock.apply(s);
        assert_eq!(to_millis(clock.now()), 8_203_000, "moved while frozen");
        let s = clock.state().after(Change::Freeze(false), clock.real_ms());
        clock.apply(s);
        base.advance(chrono::Duration::seconds(1));
        assert_eq!(to_millis(clock.now()), 8_204_000, "runs on from there");

        let s = clock.state().after(Change::Set(9_000_000), clock.real_ms());
        clock.apply(s);
        assert_eq!(to_millis(clock.now()), 9_000_000);
        let stale = clock.state();
        clock.apply(clock.state().after(Change::Reset, clock.real_ms()));
        assert_eq!(clock.now(), base.now());
        clock.apply(stale);
        assert_eq!(
            clock.now(),
            base.now(),
            "an older state read late is ignored"
        );
    }
}
