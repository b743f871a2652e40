//! The embedded in-memory store: a product backend (single process, no persistence) with the same
//! contract as the Redis store.
//!
//! State is split into shards by owner, each behind its own mutex, so no request waits for a
//! whole-table resize and requests of different owners rarely meet. Within an owner, sessions are
//! kept as compact records ([`crate::record`]) indexed by creation and by expiry, so create,
//! count and list cost O(log n) in the owner's sessions. The number of stored sessions is
//! bounded ([`MemoryStore::with_capacity`]): a create beyond the bound first drops every expired
//! session, then answers [`Error::StoreUnavailable`].

mod attempts;
mod docs;
mod emit;
mod lock;
mod nonces;
mod ops;
mod owner;
mod snapshot;

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{EventBuffer, SignCounter};
use crate::model::{Owner, Session, SessionRef};
use crate::secrets::Sealer;
use crate::store::ExpiryCounter;

use self::attempts::Attempts;
use self::docs::Docs;
use self::lock::lock;
use self::nonces::Nonces;
use self::owner::OwnerState;

/// Shards of the owner map (a power of two).
const SHARDS: usize = 256;

/// The default bound on stored sessions.
pub const DEFAULT_MAX_SESSIONS: usize = 1_000_000;

/// Sessions and documents in process memory.
#[derive(Debug)]
pub struct MemoryStore {
    clock: SharedClock,
    shards: Box<[Mutex<HashMap<Owner, OwnerState>>]>,
    nonces: Nonces,
    attempts: Attempts,
    docs: Docs,
    /// Sessions stored now (live or expired but not yet dropped).
    len: AtomicUsize,
    max_sessions: usize,
    expired: ExpiryCounter,
    /// Events: the sign-in and sign-out events updates wrote, for the metrics.
    signs: SignCounter,
    sealer: Sealer,
    /// Events: the log changes are written to, when events are on.
    events: Option<Arc<EventBuffer>>,
}

impl MemoryStore {
    /// An empty store reading time from `clock`, bounded at [`DEFAULT_MAX_SESSIONS`].
    pub fn new(clock: SharedClock) -> Self {
        Self::with_capacity(clock, DEFAULT_MAX_SESSIONS)
    }

    /// An empty store that holds at most `max_sessions` sessions.
    pub fn with_capacity(clock: SharedClock, max_sessions: usize) -> Self {
        Self {
            clock,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            nonces: Nonces::default(),
            attempts: Attempts::default(),
            docs: Docs::default(),
            len: AtomicUsize::new(0),
            max_sessions: max_sessions.max(1),
            expired: ExpiryCounter::default(),
            signs: SignCounter::default(),
            sealer: Sealer::default(),
            events: None,
        }
    }

    /// The store writing every change's events to a bounded in-process log of `max_events`.
    pub fn with_events(mut self, max_events: usize) -> Self {
        self.events = Some(Arc::new(EventBuffer::new(max_events)));
        self
    }

    /// The event log, when events are on.
    pub fn event_buffer(&self) -> Option<&Arc<EventBuffer>> {
        self.events.as_ref()
    }

    /// Events: starts collecting what a step of `owner` emits.
    fn open_events(&self, st: &mut OwnerState, owner: &Owner, now: i64) {
        if self.events.is_some() {
            st.events = Some(Box::new(self::emit::Emitter::new(owner.clone(), now)));
        }
    }

    /// Events: appends what the step emitted (still under the owner's lock).
    fn close_events(&self, st: &mut OwnerState) {
        if let (Some(log), Some(e)) = (&self.events, st.events.take()) {
            log.append(e.finish());
        }
    }

    /// The store, keeping run-time tenant documents sealed with `sealer` ([`crate::secrets`]).
    pub fn with_sealer(mut self, sealer: Sealer) -> Self {
        self.sealer = sealer;
        self
    }

    /// How many sessions are stored (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Whether no session is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound on stored sessions.
    pub fn max_sessions(&self) -> usize {
        self.max_sessions
    }

    /// Starts a background task that drops expired sessions and nonces every `every`; it ends
    /// when the store is dropped. Reads check expiry as well, so this only bounds memory.
    pub fn spawn_sweeper(self: &Arc<Self>, every: std::time::Duration) {
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(store) = weak.upgrade() else { break };
                store.sweep();
            }
        });
    }

    /// Drops every expired session, nonce and attempt window now, one shard at a time. Returns how many
    /// sessions were dropped.
    pub fn sweep(&self) -> usize {
        let now = self.now();
        let mut dropped = 0;
        for shard in self.shards.iter() {
            let mut map = lock(shard);
            map.retain(|owner, st| {
                let due = st.by_expiry.first().is_some_and(|(at, _)| *at <= now);
                if due {
                    self.open_events(st, owner, now);
                }
                let n = st.prune(now);
                if due {
                    st.emit_expired();
                    self.close_events(st);
                }
                self.forget(owner, n, true);
                dropped += n;
                !st.is_empty()
            });
        }
        self.nonces.sweep(now);
        self.attempts.sweep(now);
        dropped
    }

    fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The owners of shard `i` that still hold sessions or a document.
    fn shard_owners(&self, i: usize) -> Vec<Owner> {
        lock(&self.shards[i]).keys().cloned().collect()
    }

    fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    /// The store's clock, in milliseconds.
    pub(crate) fn clock_ms(&self) -> i64 {
        self.now()
    }

    fn shard(&self, owner: &Owner) -> MutexGuard<'_, HashMap<Owner, OwnerState>> {
        let mut h = DefaultHasher::new();
        owner.hash(&mut h);
        lock(&self.shards[(h.finish() as usize) & (SHARDS - 1)])
    }

    /// Runs `f` on the owner's pruned state (created when absent); drops the state when it is
    /// left empty.
    fn with_owner<T>(
        &self,
        owner: &Owner,
        f: impl FnOnce(&mut OwnerState, i64) -> Result<T>,
    ) -> Result<T> {
        let now = self.now();
        let mut map = self.shard(owner);
        let st = map.entry(owner.clone()).or_default();
        self.open_events(st, owner, now);
        let before = st.sessions.len();
        let pruned = st.prune(now);
        st.emit_expired();
        self.forget(owner, pruned, true);
        let out = f(st, now);
        self.close_events(st);
        let after = st.sessions.len();
        let removed_by_f = (before - pruned).saturating_sub(after);
        let added_by_f = after.saturating_sub(before - pruned);
        self.len.fetch_add(added_by_f, Ordering::Relaxed);
        self.forget(owner, removed_by_f, false);
        if st.is_empty() {
            map.remove(owner);
        }
        out
    }

    /// Reads the owner's state without changing it (expired sessions are filtered by callers).
    fn read_owner<T>(&self, owner: &Owner, f: impl FnOnce(Option<&OwnerState>, i64) -> T) -> T {
        let now = self.now();
        let map = self.shard(owner);
        f(map.get(owner), now)
    }

    /// Accounts for `n` sessions leaving the store; `expired` ones are tallied as expiries.
    fn forget(&self, owner: &Owner, n: usize, expired: bool) {
        if n == 0 {
            return;
        }
        self.len.fetch_sub(n, Ordering::Relaxed);
        if expired {
            self.expired.add(owner, n as u64);
        }
    }

    /// Refuses a create when the store is full, after dropping what has expired.
    fn make_room(&self, adding: usize) -> Result<()> {
        if self.len() + adding <= self.max_sessions {
            return Ok(());
        }
        self.sweep();
        if self.len() + adding <= self.max_sessions {
            return Ok(());
        }
        Err(Error::StoreUnavailable(format!(
            "the memory store is full: {} sessions (store.memory.max_sessions)",
            self.max_sessions
        )))
    }
}

/// A group member must share its group's owner and name the group as its parent.
pub fn check_member_of(group: &SessionRef, member: &Session) -> Result<()> {
    if member.owner != group.owner || member.parent.as_ref() != Some(&group.id) {
        return Err(Error::invalid(
            "member",
            "a member must share its group's owner and name the group as parent",
        ));
    }
    Ok(())
}
