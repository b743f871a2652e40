//! Which tenant and subject a request concerned, for the journal, without a word from the
//! flavors: the journal runs each request inside a task-local [`Seen`], and [`NotingStore`]
//! (wrapped around each worker's store in testing mode only) notes the sessions and owners the
//! request's store calls name.

use std::cell::RefCell;
use std::future::Future;

use async_trait::async_trait;
use chrono::Duration;
use session_core::events::RevokeReason;
use session_core::{
    Attempt, AttemptId, AttemptKey, Candidate, Created, Cursor, Flavor, Guard, Joined, NewSession,
    Owner, OwnerDump, Page, Removed, Result, Rotated, Rotation, Session, SessionId, SessionPatch,
    SessionRef, SessionStore, SharedStore, TokenHash, Window,
};

/// The tenant and subject of what one request touched (the last one named wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The tenant.
    pub tenant: Option<String>,
    /// The subject.
    pub subject: Option<String>,
}

tokio::task_local! {
    static SEEN: RefCell<Seen>;
}

/// Runs `fut` (one request) and returns its output with what its store calls named.
pub async fn watch<F: Future>(fut: F) -> (F::Output, Seen) {
    SEEN.scope(RefCell::new(Seen::default()), async {
        let out = fut.await;
        let seen = SEEN.with(|s| s.borrow().clone());
        (out, seen)
    })
    .await
}

/// Notes a session's tenant and subject (outside a watched request, nothing happens).
fn note(s: &Session) {
    let _ = SEEN.try_with(|seen| {
        let mut seen = seen.borrow_mut();
        if !s.tenant.is_empty() {
            seen.tenant = Some(s.tenant.clone());
        }
        if s.subject.is_some() {
            seen.subject = s.subject.clone();
        }
    });
}

/// Notes the tenant and subject an owner is made of (an Amity or session-storage user).
fn note_owner(owner: &Owner) {
    if !matches!(
        owner.flavor(),
        Some(Flavor::Amity) | Some(Flavor::SessionStorage)
    ) {
        return;
    }
    let _ = SEEN.try_with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(t) = owner.part(0) {
            seen.tenant = Some(t);
        }
        if let Some(s) = owner.part(1) {
            seen.subject = Some(s);
        }
    });
}

fn noted(out: Result<Option<Session>>) -> Result<Option<Session>> {
    if let Ok(Some(s)) = &out {
        note(s);
    }
    out
}

/// A store that notes what each call names, then forwards it.
pub struct NotingStore(pub SharedStore);

#[async_trait]
impl SessionStore for NotingStore {
    async fn ping(&self) -> Result<()> {
        self.0.ping().await
    }

    async fn create_with(&self, new: NewSession) -> Result<Created> {
        note(&new.session);
        self.0.create_with(new).await
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        noted(self.0.get(r).await)
    }

    async fn owner_sessions(&self, owner: &Owner) -> Result<Vec<Session>> {
        note_owner(owner);
        let out = self.0.owner_sessions(owner).await;
        if let Ok(Some(s)) = out.as_ref().map(|all| all.first()) {
            note(s);
        }
        out
    }

    async fn owner_doc(&self, owner: &Owner) -> Result<Option<Vec<u8>>> {
        note_owner(owner);
        self.0.owner_doc(owner).await
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        noted(self.0.touch(r, ttl, cap).await)
    }

    async fn count_attempt(&self, key: &AttemptKey, window: Window) -> Result<Attempt> {
        self.0.count_attempt(key, window).await
    }

    async fn forget_attempt(&self, key: &AttemptKey, id: &AttemptId) -> Result<()> {
        self.0.forget_attempt(key, id).await
    }

    async fn mark_seen(&self, r: &SessionRef) -> Result<bool> {
        note_owner(&r.owner);
        self.0.mark_seen(r).await
    }

    async fn update_guarded(
        &self,
        r: &SessionRef,
        patch: SessionPatch,
        guard: Option<&Guard>,
    ) -> Result<Option<Session>> {
        noted(self.0.update_guarded(r, patch, guard).await)
    }

    async fn delete_guarded(&self, r: &SessionRef, guard: Option<&Guard>) -> Result<usize> {
        note_owner(&r.owner);
        self.0.delete_guarded(r, guard).await
    }

    async fn revoke(
        &self,
        r: &SessionRef,
        guard: Option<&Guard>,
        reason: RevokeReason,
    ) -> Result<usize> {
        note_owner(&r.owner);
        self.0.revoke(r, guard, reason).await
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        note_owner(owner);
        self.0.list_by_owner(owner, after, limit).await
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        note_owner(owner);
        self.0.count_by_owner(owner).await
    }

    async fn create_group_named(
        &self,
        group: Session,
        candidates: Vec<Candidate>,
    ) -> Result<usize> {
        note(&group);
        if let Some(c) = candidates.first() {
            note(&c.member);
        }
        self.0.create_group_named(group, candidates).await
    }

    async fn join_group_named(
        &self,
        group: &SessionRef,
        candidates: Vec<Candidate>,
        capacity: Option<u32>,
        screen_role: Option<&str>,
    ) -> Result<Joined> {
        if let Some(c) = candidates.first() {
            note(&c.member);
        }
        self.0
            .join_group_named(group, candidates, capacity, screen_role)
            .await
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        self.0.list_members(group).await
    }

    async fn remove_member_guarded(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
    ) -> Result<bool> {
        self.0.remove_member_guarded(group, member, guard).await
    }

    async fn leave_group(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
        ends_role: &str,
    ) -> Result<usize> {
        self.0.leave_group(group, member, guard, ends_role).await
    }

    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool> {
        self.0.claim_nonce(key, ttl).await
    }

    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Rotated> {
        note_owner(&r.owner);
        let out = self.0.rotate_refresh(r, presented, next).await;
        if let Ok(rotated) = &out {
            note(&rotated.session);
        }
        out
    }

    async fn issue_credential(
        &self,
        owner: &Owner,
        hash: &TokenHash,
        ttl: Duration,
        max: u32,
    ) -> Result<()> {
        note_owner(owner);
        self.0.issue_credential(owner, hash, ttl, max).await
    }

    async fn scan_owners(
        &self,
        prefix: &str,
        cursor: &str,
        count: usize,
    ) -> Result<(Vec<Owner>, String)> {
        self.0.scan_owners(prefix, cursor, count).await
    }

    async fn export_owner(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        self.0.export_owner(owner).await
    }

    async fn import_owner(&self, dump: &OwnerDump) -> Result<()> {
        self.0.import_owner(dump).await
    }

    async fn remove_owner(&self, owner: &Owner) -> Result<Removed> {
        self.0.remove_owner(owner).await
    }

    async fn clear_nonces(&self) -> Result<usize> {
        self.0.clear_nonces().await
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        self.0.doc_get(collection, id).await
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        self.0.doc_put(collection, id, value).await
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        self.0.doc_insert(collection, id, value).await
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        self.0.doc_delete(collection, id).await
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        self.0.doc_list(collection).await
    }

    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        self.0.take_expired()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use session_core::{Clock, ManualClock, MemoryStore};

    use super::*;

    #[tokio::test]
    async fn a_watched_request_sees_what_its_store_calls_name() {
        let clock = Arc::new(ManualClock::starting_now());
        let store = NotingStore(Arc::new(MemoryStore::new(clock.clone())));
        let owner = Owner::new(Flavor::Quickblox, &["abc"]).unwrap();
        let mut s = Session::new(
            SessionRef::new(owner, SessionId::parse("abc").unwrap()),
            Flavor::Quickblox,
            "4242",
            clock.now(),
            Duration::hours(1),
        );
        s.subject = Some("17".into());
        let r = s.reference();
        store.create(s, None).await.unwrap();
        let (got, seen) = watch(store.get(&r)).await;
        assert!(got.unwrap().is_some());
        assert_eq!(seen.tenant.as_deref(), Some("4242"));
        assert_eq!(seen.subject.as_deref(), Some("17"));
        let user = Owner::new(Flavor::Amity, &["net-1", "alice"]).unwrap();
        let (_, seen) = watch(store.count_by_owner(&user)).await;
        assert_eq!(
            seen,
            Seen {
                tenant: Some("net-1".into()),
                subject: Some("alice".into())
            }
        );
        // Outside a watched request nothing is noted, and nothing breaks.
        assert!(store.get(&r).await.unwrap().is_some());
    }
}
