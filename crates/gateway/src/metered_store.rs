//! A [`SessionStore`] decorator that times every call and counts sessions created, revoked and
//! expired by flavor into [`Metrics`].

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::Duration;
use session_core::{
    Created, Cursor, Error, Owner, OwnerLimit, Page, Result, Rotation, Session, SessionId,
    SessionPatch, SessionRef, SessionStore, SharedStore, TokenHash,
};

use crate::metrics::Metrics;

/// Wraps a store with metrics. After every call it moves the expiries the wrapped store reports
/// ([`SessionStore::take_expired`]) into `sessions_expired_total`, so its own `take_expired`
/// reports nothing.
pub struct MeteredStore {
    inner: SharedStore,
    metrics: Arc<Metrics>,
}

impl MeteredStore {
    /// `inner`, observed by `metrics`.
    pub fn new(inner: SharedStore, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    async fn timed<T>(&self, op: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
        let started = Instant::now();
        let out = fut.await;
        let kind = match &out {
            Err(Error::StoreUnavailable(_)) => Some("unavailable"),
            Err(Error::Internal(_)) => Some("internal"),
            _ => None,
        };
        self.metrics
            .observe_store(op, started.elapsed().as_secs_f64(), kind);
        self.expired();
        out
    }

    /// Moves the expiries the wrapped store has seen since the last call into the metrics
    /// (cheap: a few atomic swaps).
    fn expired(&self) {
        for (flavor, n) in self.inner.take_expired() {
            self.metrics.sessions_expired(flavor.as_str(), n);
        }
    }

    /// Counts sessions of a flavor's owner; the gateway's own records (index pointers) are not
    /// sessions and are not counted.
    fn revoked(&self, owner: &Owner, n: usize) {
        if let Some(flavor) = owner.flavor() {
            self.metrics.sessions_revoked(flavor.as_str(), n);
        }
    }
}

#[async_trait]
impl SessionStore for MeteredStore {
    async fn ping(&self) -> Result<()> {
        self.timed("ping", self.inner.ping()).await
    }

    async fn create(&self, session: Session, limit: Option<OwnerLimit>) -> Result<Created> {
        let flavor = session.flavor;
        let owner = session.owner.clone();
        let out = self
            .timed("create", self.inner.create(session, limit))
            .await?;
        self.metrics.session_created(flavor.as_str());
        self.revoked(&owner, out.evicted.len());
        Ok(out)
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        self.timed("get", self.inner.get(r)).await
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        self.timed("touch", self.inner.touch(r, ttl, cap)).await
    }

    async fn update(&self, r: &SessionRef, patch: SessionPatch) -> Result<Option<Session>> {
        self.timed("update", self.inner.update(r, patch)).await
    }

    async fn delete(&self, r: &SessionRef) -> Result<usize> {
        let n = self.timed("delete", self.inner.delete(r)).await?;
        self.revoked(&r.owner, n);
        Ok(n)
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        self.timed(
            "list_by_owner",
            self.inner.list_by_owner(owner, after, limit),
        )
        .await
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        self.timed("count_by_owner", self.inner.count_by_owner(owner))
            .await
    }

    async fn create_group(&self, group: Session, first_member: Session) -> Result<()> {
        let flavor = group.flavor;
        self.timed("create_group", self.inner.create_group(group, first_member))
            .await?;
        self.metrics.session_created(flavor.as_str());
        self.metrics.session_created(flavor.as_str());
        Ok(())
    }

    async fn join_group(&self, group: &SessionRef, member: Session, capacity: u32) -> Result<()> {
        let flavor = member.flavor;
        self.timed("join_group", self.inner.join_group(group, member, capacity))
            .await?;
        self.metrics.session_created(flavor.as_str());
        Ok(())
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        self.timed("list_members", self.inner.list_members(group))
            .await
    }

    async fn remove_member(&self, group: &SessionRef, member: &SessionId) -> Result<bool> {
        let removed = self
            .timed("remove_member", self.inner.remove_member(group, member))
            .await?;
        self.revoked(&group.owner, usize::from(removed));
        Ok(removed)
    }

    async fn delete_group(&self, group: &SessionRef) -> Result<usize> {
        let n = self
            .timed("delete_group", self.inner.delete_group(group))
            .await?;
        self.revoked(&group.owner, n);
        Ok(n)
    }

    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool> {
        self.timed("claim_nonce", self.inner.claim_nonce(key, ttl))
            .await
    }

    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Session> {
        let out = self
            .timed(
                "rotate_refresh",
                self.inner.rotate_refresh(r, presented, next),
            )
            .await;
        if matches!(out, Err(Error::Replay)) {
            self.revoked(&r.owner, 1);
        }
        out
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        self.timed("doc_get", self.inner.doc_get(collection, id))
            .await
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        self.timed("doc_put", self.inner.doc_put(collection, id, value))
            .await
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        self.timed("doc_insert", self.inner.doc_insert(collection, id, value))
            .await
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        self.timed("doc_delete", self.inner.doc_delete(collection, id))
            .await
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        self.timed("doc_list", self.inner.doc_list(collection))
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use session_core::{
        Clock, Flavor, ManualClock, MemoryStore, Owner, Session, SessionId, SessionRef,
        SessionStore, SharedStore, TokenHasher,
    };

    use super::MeteredStore;
    use crate::metrics::Metrics;
    use crate::subject_index::IndexedStore;

    #[tokio::test]
    async fn expiries_reach_the_metrics_through_the_subject_index() {
        let clock = Arc::new(ManualClock::starting_now());
        let memory: SharedStore = Arc::new(MemoryStore::new(clock.clone()));
        let indexed: SharedStore = Arc::new(IndexedStore::new(
            memory,
            clock.clone(),
            TokenHasher::new("secret"),
        ));
        let metrics = Arc::new(Metrics::new().unwrap());
        let store = MeteredStore::new(indexed, metrics.clone());
        let owner = Owner::new(Flavor::Amity, &["net", "u1"]).unwrap();
        let mut refs = Vec::new();
        for id in ["a", "b"] {
            let mut s = Session::new(
                SessionRef::new(owner.clone(), SessionId::parse(id).unwrap()),
                Flavor::Amity,
                "net",
                clock.now(),
                chrono::Duration::seconds(1),
            );
            s.subject = Some("u1".into());
            refs.push(s.reference());
            store.create(s, None).await.unwrap();
        }
        clock.advance(chrono::Duration::seconds(2));
        for r in &refs {
            assert!(store.get(r).await.unwrap().is_none());
            assert!(store.get(r).await.unwrap().is_none());
        }
        // The subject index's pointers outlive the sessions, and are never counted anyway.
        let text = metrics.render();
        assert!(
            text.contains("session_gateway_sessions_expired_total{flavor=\"amity\"} 2"),
            "{text}"
        );
        assert!(store.take_expired().is_empty());
    }
}
