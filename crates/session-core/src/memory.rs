//! The embedded in-memory store: a product backend (single process, no persistence) with the same
//! contract as the Redis store. One mutex guards all state, so every operation is atomic.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::model::{
    truncate_ms, Created, Cursor, Flavor, LimitPolicy, Owner, OwnerLimit, Page, Rotation, Session,
    SessionId, SessionPatch, SessionRef,
};
use crate::store::{ExpiryCounter, SessionStore, MAX_PAGE_SIZE};
use crate::token::TokenHash;

/// Sessions and documents in process memory.
#[derive(Debug)]
pub struct MemoryStore {
    clock: SharedClock,
    state: Mutex<State>,
    /// Shared with the state, so that [`SessionStore::take_expired`] needs no lock.
    expired: Arc<ExpiryCounter>,
}

#[derive(Debug, Default)]
struct State {
    sessions: HashMap<SessionRef, Session>,
    /// Per owner: order keys of its sessions, for creation-ordered listing.
    owners: HashMap<Owner, BTreeSet<String>>,
    /// Per group: order keys of its members.
    members: HashMap<SessionRef, BTreeSet<String>>,
    /// Per session: refresh secrets already spent.
    spent: HashMap<SessionRef, HashSet<TokenHash>>,
    nonces: HashMap<String, DateTime<Utc>>,
    docs: HashMap<String, BTreeMap<String, String>>,
    /// Sessions dropped because they expired (with the members of expired groups).
    expired: Arc<ExpiryCounter>,
}

impl MemoryStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: SharedClock) -> Self {
        let state = State::default();
        Self {
            clock,
            expired: state.expired.clone(),
            state: Mutex::new(state),
        }
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

    /// Drops every expired session and nonce now. Returns how many sessions were dropped.
    pub fn sweep(&self) -> usize {
        let now = self.clock.now();
        let mut st = self.lock();
        let expired: Vec<SessionRef> = st
            .sessions
            .iter()
            .filter(|(_, s)| !s.is_live_at(now))
            .map(|(r, _)| r.clone())
            .collect();
        // A member of an expired group is removed (and counted) with it: 0 when reached later.
        let n = expired.iter().map(|r| st.remove_expired(r)).sum();
        st.nonces.retain(|_, until| *until > now);
        n
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code path panics while holding the lock, but never let poisoning take the store down.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State {
    /// The live session at `r`, dropping it first if it has expired.
    fn live(&mut self, r: &SessionRef, now: DateTime<Utc>) -> Option<&mut Session> {
        let expired = match self.sessions.get(r) {
            None => return None,
            Some(s) => !s.is_live_at(now),
        };
        if expired {
            self.remove_expired(r);
            return None;
        }
        self.sessions.get_mut(r)
    }

    fn insert(&mut self, s: Session) {
        let r = s.reference();
        self.owners
            .entry(s.owner.clone())
            .or_default()
            .insert(s.order_key());
        if let Some(parent) = &s.parent {
            self.members
                .entry(SessionRef::new(s.owner.clone(), parent.clone()))
                .or_default()
                .insert(s.order_key());
        }
        self.sessions.insert(r, s);
    }

    /// Removes an expired session with its members, counting them as expired. Returns how many
    /// sessions went.
    fn remove_expired(&mut self, r: &SessionRef) -> usize {
        let n = self.remove_tree(r);
        self.expired.add(&r.owner, n as u64);
        n
    }

    /// Removes a session, its members and its bookkeeping. Returns how many sessions went.
    fn remove_tree(&mut self, r: &SessionRef) -> usize {
        let Some(s) = self.sessions.remove(r) else {
            return 0;
        };
        let key = s.order_key();
        if let Some(idx) = self.owners.get_mut(&s.owner) {
            idx.remove(&key);
            if idx.is_empty() {
                self.owners.remove(&s.owner);
            }
        }
        if let Some(parent) = &s.parent {
            let group = SessionRef::new(s.owner.clone(), parent.clone());
            if let Some(m) = self.members.get_mut(&group) {
                m.remove(&key);
            }
        }
        self.spent.remove(r);
        let mut n = 1;
        if let Some(members) = self.members.remove(r) {
            for k in members {
                if let Some(id) = id_of_order_key(&k) {
                    n += self.remove_tree(&SessionRef::new(s.owner.clone(), id));
                }
            }
        }
        n
    }

    /// Drops the owner's expired sessions and returns its live order keys.
    fn live_keys(&mut self, owner: &Owner, now: DateTime<Utc>) -> Vec<String> {
        let keys: Vec<String> = self
            .owners
            .get(owner)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let mut live = Vec::with_capacity(keys.len());
        for k in keys {
            let Some(id) = id_of_order_key(&k) else {
                continue;
            };
            if self
                .live(&SessionRef::new(owner.clone(), id), now)
                .is_some()
            {
                live.push(k);
            }
        }
        live
    }
}

impl State {
    /// The group's live members in joining order, dropping expired ones.
    fn live_members(&mut self, group: &SessionRef, now: DateTime<Utc>) -> Vec<Session> {
        let keys: Vec<String> = self
            .members
            .get(group)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let Some(id) = id_of_order_key(&k) else {
                continue;
            };
            let r = SessionRef::new(group.owner.clone(), id);
            match self.live(&r, now) {
                Some(s) => out.push(s.clone()),
                // Gone from the sessions but still listed: drop the stale entry.
                None => {
                    if let Some(m) = self.members.get_mut(group) {
                        m.remove(&k);
                    }
                }
            }
        }
        out
    }
}

/// The id part of an order key (`<millis>:<id>`).
pub(crate) fn id_of_order_key(key: &str) -> Option<SessionId> {
    key.split_once(':')
        .and_then(|(_, id)| SessionId::parse(id).ok())
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    async fn create(&self, mut session: Session, limit: Option<OwnerLimit>) -> Result<Created> {
        truncate_times(&mut session);
        let now = self.clock.now();
        let mut st = self.lock();
        let r = session.reference();
        if st.live(&r, now).is_some() {
            return Err(Error::Conflict(format!("session {} exists", r.id)));
        }
        let mut created = Created::default();
        if let Some(limit) = limit {
            let max = limit.max.max(1) as usize;
            let live = st.live_keys(&session.owner, now);
            if live.len() >= max {
                match limit.policy {
                    LimitPolicy::Refuse => return Err(Error::CapacityReached),
                    LimitPolicy::EvictOldest => {
                        // One at a time: evicting a group also removes its members.
                        while st.live_keys(&session.owner, now).len() >= max {
                            let oldest = st.live_keys(&session.owner, now).first().cloned();
                            let Some(id) = oldest.as_deref().and_then(id_of_order_key) else {
                                break;
                            };
                            st.remove_tree(&SessionRef::new(session.owner.clone(), id.clone()));
                            created.evicted.push(id);
                        }
                    }
                }
            }
        }
        st.insert(session);
        Ok(created)
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        let now = self.clock.now();
        Ok(self.lock().live(r, now).map(|s| s.clone()))
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        let now = truncate_ms(self.clock.now());
        let mut st = self.lock();
        let Some(s) = st.live(r, now) else {
            return Ok(None);
        };
        let mut until = now + ttl;
        if let Some(cap) = cap {
            until = until.min(s.created_at + cap);
        }
        s.updated_at = now;
        s.expires_at = truncate_ms(until);
        Ok(Some(s.clone()))
    }

    async fn update(&self, r: &SessionRef, patch: SessionPatch) -> Result<Option<Session>> {
        let now = truncate_ms(self.clock.now());
        let mut st = self.lock();
        let Some(s) = st.live(r, now) else {
            return Ok(None);
        };
        if let Some(subject) = patch.subject {
            s.subject = subject;
        }
        if let Some(role) = patch.role {
            s.role = role;
        }
        if let Some(attrs) = patch.attrs {
            s.attrs = attrs;
        }
        s.updated_at = now;
        Ok(Some(s.clone()))
    }

    async fn delete(&self, r: &SessionRef) -> Result<usize> {
        let now = self.clock.now();
        let mut st = self.lock();
        if st.live(r, now).is_none() {
            return Ok(0);
        }
        Ok(st.remove_tree(r))
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let now = self.clock.now();
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let mut st = self.lock();
        let keys = st.live_keys(owner, now);
        let start = match after {
            Some(c) => keys.partition_point(|k| k.as_str() <= c.as_str()),
            None => 0,
        };
        let window: Vec<&String> = keys[start..].iter().take(limit + 1).collect();
        let more = window.len() > limit;
        let mut items = Vec::with_capacity(limit);
        for k in window.into_iter().take(limit) {
            if let Some(id) = id_of_order_key(k) {
                if let Some(s) = st.sessions.get(&SessionRef::new(owner.clone(), id)) {
                    items.push(s.clone());
                }
            }
        }
        let next = if more {
            items.last().map(Cursor::after)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        let now = self.clock.now();
        Ok(self.lock().live_keys(owner, now).len())
    }

    async fn create_group(&self, mut group: Session, mut first_member: Session) -> Result<()> {
        truncate_times(&mut group);
        truncate_times(&mut first_member);
        check_member_of(&group.reference(), &first_member)?;
        let now = self.clock.now();
        let mut st = self.lock();
        for r in [group.reference(), first_member.reference()] {
            if st.live(&r, now).is_some() {
                return Err(Error::Conflict(format!("session {} exists", r.id)));
            }
        }
        st.insert(group);
        st.insert(first_member);
        Ok(())
    }

    async fn join_group(
        &self,
        group: &SessionRef,
        mut member: Session,
        capacity: u32,
    ) -> Result<()> {
        truncate_times(&mut member);
        check_member_of(group, &member)?;
        let now = self.clock.now();
        let mut st = self.lock();
        if st.live(group, now).is_none() {
            return Err(Error::NotFound);
        }
        if st.live(&member.reference(), now).is_some() {
            return Err(Error::Conflict(format!("session {} exists", member.id)));
        }
        if st.live_members(group, now).len() >= capacity as usize {
            return Err(Error::CapacityReached);
        }
        st.insert(member);
        Ok(())
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        let now = self.clock.now();
        let mut st = self.lock();
        if st.live(group, now).is_none() {
            return Ok(Vec::new());
        }
        Ok(st.live_members(group, now))
    }

    async fn remove_member(&self, group: &SessionRef, member: &SessionId) -> Result<bool> {
        let now = self.clock.now();
        let mut st = self.lock();
        let r = SessionRef::new(group.owner.clone(), member.clone());
        match st.live(&r, now) {
            Some(s) if s.parent.as_ref() == Some(&group.id) => Ok(st.remove_tree(&r) > 0),
            _ => Ok(false),
        }
    }

    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool> {
        let now = self.clock.now();
        let mut st = self.lock();
        match st.nonces.get(key) {
            Some(until) if *until > now => Ok(false),
            _ => {
                st.nonces.insert(key.to_owned(), now + ttl);
                Ok(true)
            }
        }
    }

    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Session> {
        let now = truncate_ms(self.clock.now());
        let mut st = self.lock();
        let Some(s) = st.live(r, now) else {
            return Err(Error::NotFound);
        };
        let current = s.refresh_hash.as_ref().is_some_and(|h| h.ct_eq(presented));
        if current {
            let old = s.refresh_hash.replace(next.refresh_hash);
            s.token_hash = Some(next.token_hash);
            s.expires_at = truncate_ms(next.expires_at);
            s.updated_at = now;
            let out = s.clone();
            if let Some(old) = old {
                st.spent.entry(r.clone()).or_default().insert(old);
            }
            return Ok(out);
        }
        let reused = st
            .spent
            .get(r)
            .is_some_and(|spent| spent.iter().any(|h| h.ct_eq(presented)));
        if reused {
            st.remove_tree(r);
            return Err(Error::Replay);
        }
        Err(Error::Unauthorized)
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .lock()
            .docs
            .get(collection)
            .and_then(|c| c.get(id).cloned()))
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        self.lock()
            .docs
            .entry(collection.to_owned())
            .or_default()
            .insert(id.to_owned(), value.to_owned());
        Ok(())
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        let mut st = self.lock();
        let c = st.docs.entry(collection.to_owned()).or_default();
        if let Some(existing) = c.get(id) {
            return Ok((existing.clone(), false));
        }
        c.insert(id.to_owned(), value.to_owned());
        Ok((value.to_owned(), true))
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        Ok(self
            .lock()
            .docs
            .get_mut(collection)
            .is_some_and(|c| c.remove(id).is_some()))
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        Ok(self
            .lock()
            .docs
            .get(collection)
            .map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        self.expired.take()
    }
}

/// Stores keep milliseconds, like Redis.
fn truncate_times(s: &mut Session) {
    s.created_at = truncate_ms(s.created_at);
    s.updated_at = truncate_ms(s.updated_at);
    s.expires_at = truncate_ms(s.expires_at);
}

/// A group member must share the group's owner and name the group as its parent.
pub fn check_member_of(group: &SessionRef, member: &Session) -> Result<()> {
    if member.owner != group.owner || member.parent.as_ref() != Some(&group.id) {
        return Err(Error::invalid(
            "member",
            "a member must share its group's owner and name the group as parent",
        ));
    }
    Ok(())
}
