//! The [`SessionStore`] operations of the memory store, each one atomic step under the owner's
//! shard lock.

use std::ops::Bound;

use async_trait::async_trait;
use chrono::Duration;

use super::owner::{Credential, OwnerState, Stored, SPENT_KEPT};
use super::{check_member_of, MemoryStore};
use crate::attempts::{Attempt, AttemptId, AttemptKey, Window};
use crate::clock::from_millis;
use crate::error::{Error, Result};
use crate::events::{Event, EventKind, RevokeReason, Signs, TenantChange};
use crate::model::{
    truncate_ms, Cursor, Flavor, LimitPolicy, Owner, Page, Rotation, Session, SessionHead,
    SessionId, SessionPatch, SessionRef,
};
use crate::plan::{Candidate, Created, Guard, NewSession, Revocation, Rotated};
use crate::snapshot::{OwnerDump, Removed, SpentPrefix};
use crate::store::{HeadWatch, Joined, SessionStore, MAX_PAGE_SIZE};
use crate::token::TokenHash;

/// The head of the live session at `r`, with a watch on it when `watched`.
fn head_at(
    st: Option<&OwnerState>,
    r: &SessionRef,
    now: i64,
    watched: bool,
) -> Result<Option<(SessionHead, Option<HeadWatch>)>> {
    let Some(stored) = st.and_then(|st| st.live(&r.id, now)) else {
        return Ok(None);
    };
    let head = stored.head()?.into();
    Ok(Some((head, watched.then(|| stored.watch()))))
}

/// Stores keep milliseconds, like Redis.
fn truncate_times(s: &mut Session) {
    s.created_at = truncate_ms(s.created_at);
    s.updated_at = truncate_ms(s.updated_at);
    s.expires_at = truncate_ms(s.expires_at);
}

fn conflict(id: &SessionId) -> Error {
    Error::Conflict(format!("session {id} exists"))
}

/// Creates `new` in `st`: checks first (credential, conflict, limit), then every change.
fn create_in(st: &mut OwnerState, new: NewSession, now: i64) -> Result<Created> {
    let s = new.session;
    if let Some(hash) = &new.credential {
        if !st.credentials.contains_key(hash) {
            return Err(Error::Unauthorized);
        }
    }
    if st.live(&s.id, now).is_some() {
        return Err(conflict(&s.id));
    }
    let created = s.created_at.timestamp_millis();
    let retired: Vec<SessionId> = match (&s.device, new.retire_device) {
        (Some(device), true) => st
            .by_created
            .iter()
            .filter(|(at, id)| {
                *at <= created
                    && st.sessions.get(id).and_then(|x| x.device.as_ref()) == Some(device)
            })
            .map(|(_, id)| id.clone())
            .collect(),
        _ => Vec::new(),
    };
    let mut evicted = Vec::new();
    if let Some(limit) = new.limit {
        let max = limit.max.max(1) as usize;
        let mut live = st.sessions.len() - retired.len();
        if live >= max && limit.policy == LimitPolicy::Refuse {
            return Err(Error::CapacityReached);
        }
        let mut skip = retired.clone();
        while live >= max {
            let Some(oldest) = st.oldest(&skip) else {
                break;
            };
            skip.push(oldest.clone());
            evicted.push(oldest);
            live -= 1;
        }
    }
    let stored = Stored::new(&s)?;
    let mut out = Created::default();
    if let Some(up) = &new.doc {
        let (doc, inserted) = crate::doc::upsert(st.doc.as_deref(), up, now)?;
        st.doc = Some(doc.clone());
        out.doc = Some(doc);
        out.doc_inserted = inserted;
    }
    let mut gone = Vec::new();
    for id in retired {
        st.remove_tree(&id, &mut gone);
        out.retired.push(id);
    }
    st.emit_revoked(RevokeReason::ReplacedOnDevice, true);
    for id in evicted {
        let before = gone.len();
        st.remove_tree(&id, &mut gone);
        if gone.len() > before {
            out.evicted.push(id);
        }
    }
    st.emit_revoked(RevokeReason::LimitEvicted, true);
    st.emit(EventKind::Created, &s);
    st.insert(s.id.clone(), stored);
    Ok(out)
}

/// Inserts the first candidate whose name is free, never outliving the group that expires at
/// `group_expires`; its index, `None` when every name is taken.
fn insert_named(
    st: &mut OwnerState,
    candidates: Vec<Candidate>,
    group_expires: chrono::DateTime<chrono::Utc>,
    now: i64,
) -> Result<Option<usize>> {
    if let Some(c) = candidates
        .iter()
        .find(|c| st.live(&c.member.id, now).is_some())
    {
        return Err(conflict(&c.member.id));
    }
    for (i, mut c) in candidates.into_iter().enumerate() {
        if st.names.contains_key(&c.name) {
            continue;
        }
        c.member.expires_at = c.member.expires_at.min(group_expires);
        let stored = Stored::new(&c.member)?;
        st.emit(EventKind::Created, &c.member);
        st.emit(EventKind::MemberJoined, &c.member);
        st.names.insert(c.name, c.member.id.clone());
        st.insert(c.member.id, stored);
        return Ok(Some(i));
    }
    Ok(None)
}

impl MemoryStore {
    /// Events: a run-time tenant document changed.
    fn tenant_changed(&self, change: TenantChange, collection: &str, id: &str) {
        if let Some(log) = self.event_buffer() {
            let now = self.clock_ms();
            log.append(vec![Event::of_tenant(change, now, collection, id)]);
        }
    }
}

/// Decodes the live session `id` of `owner`.
fn decoded(st: &OwnerState, owner: &Owner, id: &SessionId, now: i64) -> Result<Option<Session>> {
    st.live(id, now).map(|s| s.decode(owner, id)).transpose()
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    async fn create_with(&self, mut new: NewSession) -> Result<Created> {
        truncate_times(&mut new.session);
        self.make_room(1)?;
        let owner = new.session.owner.clone();
        self.with_owner(&owner, |st, now| create_in(st, new, now))
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        self.read_owner(&r.owner, |st, now| match st {
            Some(st) => decoded(st, &r.owner, &r.id, now),
            None => Ok(None),
        })
    }

    async fn get_head(&self, r: &SessionRef) -> Result<Option<SessionHead>> {
        self.read_owner(&r.owner, |st, now| {
            Ok(head_at(st, r, now, false)?.map(|(head, _)| head))
        })
    }

    async fn get_head_watched(
        &self,
        r: &SessionRef,
    ) -> Result<Option<(SessionHead, Option<HeadWatch>)>> {
        self.read_owner(&r.owner, |st, now| head_at(st, r, now, true))
    }

    async fn owner_sessions(&self, owner: &Owner) -> Result<Vec<Session>> {
        self.read_owner(owner, |st, now| {
            let Some(st) = st else { return Ok(Vec::new()) };
            let dead = st.dead(now);
            st.by_created
                .iter()
                .filter(|(_, id)| !dead.contains(id))
                .filter_map(|(_, id)| decoded(st, owner, id, now).transpose())
                .collect()
        })
    }

    async fn owner_doc(&self, owner: &Owner) -> Result<Option<Vec<u8>>> {
        Ok(self.read_owner(owner, |st, _| st.and_then(|st| st.doc.clone())))
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        self.with_owner(&r.owner, |st, now| {
            let Some(mut s) = decoded(st, &r.owner, &r.id, now)? else {
                return Ok(None);
            };
            let mut until = from_millis(now) + ttl;
            if let Some(cap) = cap {
                until = until.min(s.created_at + cap);
            }
            s.updated_at = from_millis(now);
            s.expires_at = truncate_ms(until);
            st.replace(&r.id, Stored::new(&s)?);
            Ok(Some(s))
        })
    }

    async fn mark_seen(&self, r: &SessionRef) -> Result<bool> {
        self.with_owner(&r.owner, |st, now| {
            let Some(mut s) = decoded(st, &r.owner, &r.id, now)? else {
                return Ok(false);
            };
            let at = from_millis(now);
            if s.updated_at < at {
                s.updated_at = at;
                st.replace(&r.id, Stored::new(&s)?);
            }
            Ok(true)
        })
    }

    async fn update_guarded(
        &self,
        r: &SessionRef,
        patch: SessionPatch,
        guard: Option<&Guard>,
    ) -> Result<Option<Session>> {
        self.with_owner(&r.owner, |st, now| {
            st.check(guard, now)?;
            let Some(mut s) = decoded(st, &r.owner, &r.id, now)? else {
                return Ok(None);
            };
            let before = s.subject.clone();
            if let Some(subject) = patch.subject {
                s.subject = subject;
            }
            if let Some(role) = patch.role {
                s.role = role;
            }
            if let Some(attrs) = patch.attrs {
                s.attrs = attrs;
            }
            if let Some(hash) = patch.token_hash {
                s.token_hash = Some(hash);
            }
            s.updated_at = from_millis(now);
            st.replace(&r.id, Stored::new(&s)?);
            self.signs.add(st.emit_subject_change(before, &s));
            Ok(Some(s))
        })
    }

    async fn revoke(&self, r: &SessionRef, how: Revocation<'_>) -> Result<usize> {
        self.with_owner(&r.owner, |st, now| {
            st.check(how.guard, now)?;
            let mut gone = Vec::new();
            if st.live(&r.id, now).is_some() {
                st.remove_tree(&r.id, &mut gone);
                st.emit_revoked(how.reason, true);
            }
            Ok(gone.len())
        })
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        self.read_owner(owner, |st, now| {
            let Some(st) = st else {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            };
            let mut items = Vec::with_capacity(limit);
            let mut more = false;
            let start = match after.map(Cursor::position) {
                Some(Some((created, _, id))) => Bound::Excluded((created, id)),
                // A cursor that does not parse resumes after everything.
                Some(None) => return Ok(Page { items, next: None }),
                None => Bound::Unbounded,
            };
            for (_, id) in st.by_created.range((start, Bound::Unbounded)) {
                if let Some(s) = decoded(st, owner, id, now)? {
                    if items.len() == limit {
                        more = true;
                        break;
                    }
                    items.push(s);
                }
            }
            let next = if more {
                items.last().map(Cursor::after)
            } else {
                None
            };
            Ok(Page { items, next })
        })
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        Ok(self.read_owner(owner, |st, now| {
            st.map_or(0, |st| st.sessions.len() - st.dead(now).len())
        }))
    }

    async fn create_group_named(
        &self,
        mut group: Session,
        mut candidates: Vec<Candidate>,
    ) -> Result<usize> {
        truncate_times(&mut group);
        for c in &mut candidates {
            truncate_times(&mut c.member);
            check_member_of(&group.reference(), &c.member)?;
        }
        self.make_room(2)?;
        let owner = group.owner.clone();
        self.with_owner(&owner, |st, now| {
            if st.live(&group.id, now).is_some() {
                return Err(conflict(&group.id));
            }
            if let Some(c) = candidates
                .iter()
                .find(|c| st.live(&c.member.id, now).is_some())
            {
                return Err(conflict(&c.member.id));
            }
            let stored = Stored::new(&group)?;
            // Check the candidates before the group goes in, so a failure stores nothing.
            let free = candidates
                .iter()
                .position(|c| !st.names.contains_key(&c.name))
                .ok_or_else(|| Error::Conflict("every candidate name is taken".into()))?;
            st.emit(EventKind::Created, &group);
            st.insert(group.id.clone(), stored);
            let picked = insert_named(st, candidates.split_off(free), group.expires_at, now)?
                .ok_or_else(|| Error::Conflict("every candidate name is taken".into()))?;
            Ok(free + picked)
        })
    }

    async fn join_group_named(
        &self,
        group: &SessionRef,
        mut candidates: Vec<Candidate>,
        capacity: Option<u32>,
        screen_role: Option<&str>,
    ) -> Result<Joined> {
        for c in &mut candidates {
            truncate_times(&mut c.member);
            check_member_of(group, &c.member)?;
        }
        self.make_room(1)?;
        self.with_owner(&group.owner, |st, now| {
            let Some(g) = st.live(&group.id, now) else {
                return Err(Error::NotFound);
            };
            let head = g.head()?;
            if screen_role.is_some() && head.role == screen_role {
                let g = g.decode(&group.owner, &group.id)?;
                return Ok(Joined::Screen(Box::new(g)));
            }
            let capacity = capacity.or(head.capacity).unwrap_or(u32::MAX);
            let g = g.decode(&group.owner, &group.id)?;
            if st.roll(&group.id).len() >= capacity as usize {
                return Err(Error::CapacityReached);
            }
            Ok(match insert_named(st, candidates, g.expires_at, now)? {
                Some(index) => Joined::Member {
                    index,
                    group: Box::new(g),
                },
                None => Joined::NamesTaken,
            })
        })
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        self.read_owner(&group.owner, |st, now| {
            let Some(st) = st else { return Ok(Vec::new()) };
            if st.live(&group.id, now).is_none() {
                return Ok(Vec::new());
            }
            st.roll(&group.id)
                .iter()
                .filter_map(|id| decoded(st, &group.owner, id, now).transpose())
                .collect()
        })
    }

    async fn remove_member_guarded(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
    ) -> Result<bool> {
        self.with_owner(&group.owner, |st, now| {
            st.check(guard, now)?;
            let is_member = st
                .live(member, now)
                .is_some_and(|m| m.parent.as_ref() == Some(&group.id));
            if !is_member {
                return Ok(false);
            }
            let mut gone = Vec::new();
            st.remove_tree(member, &mut gone);
            st.emit_revoked(RevokeReason::Kicked, true);
            Ok(true)
        })
    }

    async fn leave_group(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
        ends_role: &str,
    ) -> Result<usize> {
        self.with_owner(&group.owner, |st, now| {
            st.check(guard, now)?;
            let Some(m) = st.live(member, now) else {
                return Ok(0);
            };
            if m.parent.as_ref() != Some(&group.id) {
                return Ok(0);
            }
            let ends = m.head()?.role == Some(ends_role);
            let mut gone = Vec::new();
            // The member leaves first; when its role ends the group, the group follows.
            st.remove_tree(member, &mut gone);
            st.emit_revoked(RevokeReason::Disconnected, true);
            if ends {
                st.remove_tree(&group.id, &mut gone);
                st.emit_revoked(RevokeReason::GroupDeleted, false);
            }
            Ok(gone.len())
        })
    }

    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool> {
        if ttl <= Duration::zero() {
            return Ok(true);
        }
        let now = self.now();
        Ok(self
            .nonces
            .claim(key, now, now.saturating_add(ttl.num_milliseconds())))
    }

    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Rotated> {
        self.with_owner(&r.owner, |st, now| {
            let Some(mut s) = decoded(st, &r.owner, &r.id, now)? else {
                return Err(Error::NotFound);
            };
            if s.refresh_hash.is_some_and(|h| h.ct_eq(presented)) {
                let old = s.refresh_hash.replace(next.refresh_hash);
                s.token_hash = Some(next.token_hash);
                s.expires_at = truncate_ms(next.expires_at);
                s.updated_at = from_millis(now);
                st.replace(&r.id, Stored::new(&s)?);
                st.emit(EventKind::Refreshed, &s);
                if let Some(old) = old {
                    let spent = st.spent.entry(r.id.clone()).or_default();
                    spent.push(SpentPrefix::of(&old));
                    if spent.len() > SPENT_KEPT {
                        spent.remove(0);
                    }
                }
                return Ok(Rotated {
                    session: s,
                    doc: st.doc.clone(),
                });
            }
            let reused = st.spent.get(&r.id).is_some_and(|spent| {
                spent
                    .iter()
                    .fold(false, |seen, h| h.matches(presented) | seen)
            });
            if reused {
                let mut gone = Vec::new();
                st.remove_tree(&r.id, &mut gone);
                st.emit_revoked(RevokeReason::RefreshReuseDetected, true);
                return Err(Error::Replay);
            }
            Err(Error::Unauthorized)
        })
    }

    async fn issue_credential(
        &self,
        owner: &Owner,
        hash: &TokenHash,
        ttl: Duration,
        max: u32,
    ) -> Result<()> {
        self.with_owner(owner, |st, now| {
            while st.credentials.len() >= max.max(1) as usize {
                let oldest = st
                    .credentials
                    .iter()
                    .min_by_key(|(h, c)| (c.created, **h))
                    .map(|(h, _)| *h);
                match oldest {
                    Some(h) => st.credentials.remove(&h),
                    None => break,
                };
            }
            // Issued one after the other within a millisecond, each is still newer than the
            // last: `created` orders them for eviction.
            let expires = now.saturating_add(ttl.num_milliseconds());
            let newest = st.credentials.values().map(|c| c.created).max();
            let created = newest.map_or(now, |n| now.max(n + 1)).min(expires);
            st.credentials
                .insert(*hash, Credential { created, expires });
            Ok(())
        })
    }

    async fn count_attempt(&self, key: &AttemptKey, window: Window) -> Result<Attempt> {
        Ok(self.attempts.count(key.as_str(), window, self.now()))
    }

    async fn forget_attempt(&self, key: &AttemptKey, id: &AttemptId) -> Result<()> {
        self.attempts.forget(key.as_str(), id);
        Ok(())
    }

    async fn scan_owners(
        &self,
        prefix: &str,
        cursor: &str,
        count: usize,
    ) -> Result<(Vec<Owner>, String)> {
        // The cursor is `<shard>:<last owner returned>`; shards are walked in order and each
        // one's matching owners in sorted order.
        let (mut shard, after) = match cursor.split_once(':') {
            Some((s, rest)) => (
                s.parse::<usize>()
                    .map_err(|_| Error::invalid("cursor", "not a cursor of this store"))?,
                Some(rest.to_owned()),
            ),
            None if cursor.is_empty() => (0, None),
            None => return Err(Error::invalid("cursor", "not a cursor of this store")),
        };
        let mut after = after.filter(|a| !a.is_empty());
        let mut out = Vec::new();
        while shard < self.shard_count() {
            let mut owners: Vec<Owner> = self
                .shard_owners(shard)
                .into_iter()
                .filter(|o| o.as_str().starts_with(prefix))
                .filter(|o| after.as_deref().is_none_or(|a| o.as_str() > a))
                .collect();
            owners.sort();
            let room = count.max(1) - out.len();
            if owners.len() > room {
                owners.truncate(room);
                let last = owners
                    .last()
                    .map(|o| o.as_str().to_owned())
                    .unwrap_or_default();
                out.extend(owners);
                return Ok((out, format!("{shard}:{last}")));
            }
            out.extend(owners);
            shard += 1;
            after = None;
            if out.len() >= count.max(1) && shard < self.shard_count() {
                return Ok((out, format!("{shard}:")));
            }
        }
        Ok((out, String::new()))
    }

    async fn export_owner(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        self.export(owner)
    }

    async fn import_owner(&self, dump: &OwnerDump) -> Result<()> {
        self.import(dump)
    }

    async fn remove_owner(&self, owner: &Owner) -> Result<Removed> {
        Ok(self.remove(owner))
    }

    async fn clear_nonces(&self) -> Result<usize> {
        Ok(self.clear_claims())
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .docs
            .get(collection, id)
            .and_then(|stored| self.sealer.from_store(collection, id, stored)))
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        let stored = self.sealer.to_store(collection, id, value)?;
        self.docs.put(collection, id, &stored);
        self.tenant_changed(TenantChange::Put, collection, id);
        Ok(())
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        let stored = self.sealer.to_store(collection, id, value)?;
        match self.docs.insert(collection, id, &stored) {
            (_, true) => {
                self.tenant_changed(TenantChange::Put, collection, id);
                Ok((value.to_owned(), true))
            }
            (existing, false) => self
                .sealer
                .from_store(collection, id, existing)
                .map(|doc| (doc, false))
                .ok_or_else(|| Error::Internal("a stored document does not open".into())),
        }
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        let gone = self.docs.delete(collection, id);
        if gone {
            self.tenant_changed(TenantChange::Deleted, collection, id);
        }
        Ok(gone)
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        Ok(self
            .docs
            .list(collection)
            .into_iter()
            .filter_map(|(id, stored)| {
                let doc = self.sealer.from_store(collection, &id, stored)?;
                Some((id, doc))
            })
            .collect())
    }

    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        self.expired.take()
    }

    fn take_signs(&self) -> Signs {
        self.signs.take()
    }
}
