//! The admin view's index: every session with a subject gets a small pointer record under the
//! owner `ix:<tenant>:<subject>`, so the admin API can list a subject's sessions across flavors
//! with the store's own creation-ordered, expiring, paginated listing.
//!
//! Pointers are written after the session (a separate call: they are a view, not an
//! invariant) and outlive it by a grace period; a listing skips and deletes pointers whose session
//! is gone or has changed subject.

use async_trait::async_trait;
use chrono::Duration;
use session_core::{
    Attrs, Created, Cursor, Flavor, Owner, OwnerLimit, Page, Result, Rotation, Session, SessionId,
    SessionPatch, SessionRef, SessionStore, SharedClock, SharedStore, TokenHash, TokenHasher,
};

/// How long a pointer outlives the expiry its session had when it was written (sliding sessions
/// such as QuickBlox's may be extended meanwhile).
const POINTER_GRACE_DAYS: i64 = 30;

/// The owner under which a subject's pointers live.
pub fn index_owner(tenant: &str, subject: &str) -> Result<Owner> {
    Owner::custom("ix", &[tenant, subject])
}

/// Wraps a store and keeps the subject index as sessions are created or change subject.
pub struct IndexedStore {
    inner: SharedStore,
    clock: SharedClock,
    hasher: TokenHasher,
}

impl IndexedStore {
    /// `inner` with an index kept alongside.
    pub fn new(inner: SharedStore, clock: SharedClock, hasher: TokenHasher) -> Self {
        Self {
            inner,
            clock,
            hasher,
        }
    }

    async fn index(&self, s: &Session) {
        let Some(subject) = s.subject.as_deref() else {
            return;
        };
        if let Err(e) = self.try_index(s, subject).await {
            tracing::warn!(error = %e, "subject index not updated");
        }
    }

    async fn try_index(&self, s: &Session, subject: &str) -> Result<()> {
        let owner = index_owner(&s.tenant, subject)?;
        let digest = self
            .hasher
            .hash_parts(&["ix", s.owner.as_str(), s.id.as_str()]);
        let id = SessionId::parse(&digest.as_str()[..32])?;
        let now = self.clock.now();
        let mut pointer = Session::new(
            SessionRef::new(owner, id),
            s.flavor,
            s.tenant.clone(),
            now,
            Duration::days(POINTER_GRACE_DAYS),
        );
        pointer.created_at = s.created_at;
        pointer.expires_at = pointer
            .expires_at
            .max(s.expires_at + Duration::days(POINTER_GRACE_DAYS));
        pointer.subject = Some(subject.to_owned());
        let mut attrs = Attrs::new();
        attrs.insert("owner".into(), s.owner.as_str().into());
        attrs.insert("id".into(), s.id.as_str().into());
        pointer.attrs = attrs;
        match self.inner.create(pointer, None).await {
            Ok(_) | Err(session_core::Error::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The session a pointer names.
pub fn pointer_target(pointer: &Session) -> Option<SessionRef> {
    let owner = Owner::parse(pointer.attrs.get("owner")?.as_str()?).ok()?;
    let id = SessionId::parse(pointer.attrs.get("id")?.as_str()?).ok()?;
    Some(SessionRef::new(owner, id))
}

#[async_trait]
impl SessionStore for IndexedStore {
    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
    async fn create(&self, session: Session, limit: Option<OwnerLimit>) -> Result<Created> {
        let out = self.inner.create(session.clone(), limit).await?;
        self.index(&session).await;
        Ok(out)
    }
    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        self.inner.get(r).await
    }
    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        self.inner.touch(r, ttl, cap).await
    }
    async fn update(&self, r: &SessionRef, patch: SessionPatch) -> Result<Option<Session>> {
        let subject_changed = matches!(patch.subject, Some(Some(_)));
        let out = self.inner.update(r, patch).await?;
        if let (true, Some(s)) = (subject_changed, &out) {
            self.index(s).await;
        }
        Ok(out)
    }
    async fn delete(&self, r: &SessionRef) -> Result<usize> {
        self.inner.delete(r).await
    }
    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        self.inner.list_by_owner(owner, after, limit).await
    }
    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        self.inner.count_by_owner(owner).await
    }
    async fn create_group(&self, group: Session, first_member: Session) -> Result<()> {
        self.inner
            .create_group(group.clone(), first_member.clone())
            .await?;
        self.index(&group).await;
        self.index(&first_member).await;
        Ok(())
    }
    async fn join_group(&self, group: &SessionRef, member: Session, capacity: u32) -> Result<()> {
        self.inner
            .join_group(group, member.clone(), capacity)
            .await?;
        self.index(&member).await;
        Ok(())
    }
    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        self.inner.list_members(group).await
    }
    async fn remove_member(&self, group: &SessionRef, member: &SessionId) -> Result<bool> {
        self.inner.remove_member(group, member).await
    }
    async fn delete_group(&self, group: &SessionRef) -> Result<usize> {
        self.inner.delete_group(group).await
    }
    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool> {
        self.inner.claim_nonce(key, ttl).await
    }
    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Session> {
        self.inner.rotate_refresh(r, presented, next).await
    }
    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        self.inner.doc_get(collection, id).await
    }
    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        self.inner.doc_put(collection, id, value).await
    }
    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        self.inner.doc_insert(collection, id, value).await
    }
    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        self.inner.doc_delete(collection, id).await
    }
    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        self.inner.doc_list(collection).await
    }
    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        self.inner.take_expired()
    }
}
