//! A [`SessionStore`] decorator that times every call and counts sessions created, revoked and
//! expired, and attempts throttled, by flavor into [`Metrics`]. In testing mode it also notes the
//! tenant and subject each call names, for the journal ([`crate::testing::seen`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::Duration;
use session_core::{
    Attempt, AttemptId, AttemptKey, Candidate, Created, Cursor, Error, Flavor, Guard, HeadWatch,
    Joined, NewSession, Owner, OwnerDump, Page, Removed, Result, Revocation, Rotated, Rotation,
    Session, SessionHead, SessionId, SessionPatch, SessionRef, SessionStore, SharedStore,
    TokenHash, Window,
};

use crate::metrics::Metrics;
use crate::testing::seen;

/// Wraps a store with metrics. After every call it moves the expiries the wrapped store reports
/// ([`SessionStore::take_expired`]) into `sessions_expired_total`, so its own `take_expired`
/// reports nothing.
pub struct MeteredStore {
    inner: SharedStore,
    metrics: Arc<Metrics>,
    /// Testing mode: calls note what they name ([`seen`]).
    noting: bool,
    /// Whether the store writes events (then they are counted as the changes succeed).
    events: bool,
}

impl MeteredStore {
    /// `inner`, observed by `metrics`.
    pub fn new(inner: SharedStore, metrics: Arc<Metrics>) -> Self {
        Self {
            inner,
            metrics,
            noting: false,
            events: false,
        }
    }

    /// Also counts the events the wrapped store writes (`events_written_total`).
    pub fn counting_events(mut self, on: bool) -> Self {
        self.events = on;
        self
    }

    /// Events: `n` events of type `kind` were written with a change.
    fn written(&self, kind: &str, n: usize) {
        if self.events {
            self.metrics.events.written(kind, n as u64);
        }
    }

    /// With `on`, every call also notes the tenant and subject it names into the request's
    /// [`seen::Seen`] (testing mode's journal); off, that costs one branch per call.
    pub fn noting(mut self, on: bool) -> Self {
        self.noting = on;
        self
    }

    fn note(&self, s: &Session) {
        if self.noting {
            seen::note(s);
        }
    }

    fn note_owner(&self, owner: &Owner) {
        if self.noting {
            seen::note_owner(owner);
        }
    }

    fn noted(&self, out: Result<Option<Session>>) -> Result<Option<Session>> {
        if let Ok(Some(s)) = &out {
            self.note(s);
        }
        out
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
            self.written("session.expired", n as usize);
        }
        let signs = self.inner.take_signs();
        self.written("session.signed_out", signs.signed_out as usize);
        self.written("session.signed_in", signs.signed_in as usize);
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

    async fn create_with(&self, new: NewSession) -> Result<Created> {
        self.note(&new.session);
        let flavor = new.session.flavor;
        let owner = new.session.owner.clone();
        let out = self.timed("create", self.inner.create_with(new)).await?;
        self.metrics.session_created(flavor.as_str());
        self.revoked(&owner, out.evicted.len() + out.retired.len());
        self.written("session.created", 1);
        self.written("session.revoked", out.evicted.len() + out.retired.len());
        Ok(out)
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        self.noted(self.timed("get", self.inner.get(r)).await)
    }

    async fn get_head(&self, r: &SessionRef) -> Result<Option<SessionHead>> {
        self.note_owner(&r.owner);
        self.timed("get", self.inner.get_head(r)).await
    }

    /// Testing mode hands out no watch: its journal notes every check's owner, so every check
    /// must reach the store.
    async fn get_head_watched(
        &self,
        r: &SessionRef,
    ) -> Result<Option<(SessionHead, Option<HeadWatch>)>> {
        if self.noting {
            let head = self.get_head(r).await?;
            return Ok(head.map(|h| (h, None)));
        }
        self.timed("get", self.inner.get_head_watched(r)).await
    }

    async fn owner_sessions(&self, owner: &Owner) -> Result<Vec<Session>> {
        self.note_owner(owner);
        let out = self
            .timed("owner_sessions", self.inner.owner_sessions(owner))
            .await;
        if let Ok(Some(s)) = out.as_ref().map(|all| all.first()) {
            self.note(s);
        }
        out
    }

    async fn owner_doc(&self, owner: &Owner) -> Result<Option<Vec<u8>>> {
        self.note_owner(owner);
        self.timed("owner_doc", self.inner.owner_doc(owner)).await
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        self.noted(self.timed("touch", self.inner.touch(r, ttl, cap)).await)
    }

    async fn mark_seen(&self, r: &SessionRef) -> Result<bool> {
        self.note_owner(&r.owner);
        self.timed("mark_seen", self.inner.mark_seen(r)).await
    }

    async fn update_guarded(
        &self,
        r: &SessionRef,
        patch: SessionPatch,
        guard: Option<&Guard>,
    ) -> Result<Option<Session>> {
        let out = self
            .timed("update", self.inner.update_guarded(r, patch, guard))
            .await;
        self.noted(out)
    }

    async fn revoke(&self, r: &SessionRef, how: Revocation<'_>) -> Result<usize> {
        self.note_owner(&r.owner);
        let n = self.timed("delete", self.inner.revoke(r, how)).await?;
        self.revoked(&r.owner, n);
        self.written("session.revoked", n);
        Ok(n)
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        self.note_owner(owner);
        self.timed(
            "list_by_owner",
            self.inner.list_by_owner(owner, after, limit),
        )
        .await
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        self.note_owner(owner);
        self.timed("count_by_owner", self.inner.count_by_owner(owner))
            .await
    }

    async fn create_group_named(
        &self,
        group: Session,
        candidates: Vec<Candidate>,
    ) -> Result<usize> {
        self.note(&group);
        if let Some(c) = candidates.first() {
            self.note(&c.member);
        }
        let flavor = group.flavor;
        let out = self
            .timed(
                "create_group",
                self.inner.create_group_named(group, candidates),
            )
            .await?;
        self.metrics.session_created(flavor.as_str());
        self.metrics.session_created(flavor.as_str());
        self.written("session.created", 2);
        self.written("group.member_joined", 1);
        Ok(out)
    }

    async fn join_group_named(
        &self,
        group: &SessionRef,
        candidates: Vec<Candidate>,
        capacity: Option<u32>,
        screen_role: Option<&str>,
    ) -> Result<Joined> {
        if let Some(c) = candidates.first() {
            self.note(&c.member);
        }
        let out = self
            .timed(
                "join_group",
                self.inner
                    .join_group_named(group, candidates, capacity, screen_role),
            )
            .await?;
        if let (Joined::Member { .. }, Some(flavor)) = (&out, group.owner.flavor()) {
            self.metrics.session_created(flavor.as_str());
        }
        if let Joined::Member { .. } = &out {
            self.written("session.created", 1);
            self.written("group.member_joined", 1);
        }
        Ok(out)
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        self.timed("list_members", self.inner.list_members(group))
            .await
    }

    async fn remove_member_guarded(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
    ) -> Result<bool> {
        let removed = self
            .timed(
                "remove_member",
                self.inner.remove_member_guarded(group, member, guard),
            )
            .await?;
        self.revoked(&group.owner, usize::from(removed));
        self.written("session.revoked", usize::from(removed));
        self.written("group.member_left", usize::from(removed));
        Ok(removed)
    }

    async fn leave_group(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
        ends_role: &str,
    ) -> Result<usize> {
        let n = self
            .timed(
                "leave_group",
                self.inner.leave_group(group, member, guard, ends_role),
            )
            .await?;
        self.revoked(&group.owner, n);
        self.written("session.revoked", n);
        self.written("group.member_left", usize::from(n > 0));
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
    ) -> Result<Rotated> {
        self.note_owner(&r.owner);
        let out = self
            .timed(
                "rotate_refresh",
                self.inner.rotate_refresh(r, presented, next),
            )
            .await;
        match &out {
            Ok(rotated) => {
                self.note(&rotated.session);
                self.written("session.refreshed", 1);
            }
            Err(Error::Replay) => {
                self.revoked(&r.owner, 1);
                self.written("session.revoked", 1);
            }
            Err(_) => {}
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
        self.note_owner(owner);
        self.timed(
            "issue_credential",
            self.inner.issue_credential(owner, hash, ttl, max),
        )
        .await
    }

    async fn count_attempt(&self, key: &AttemptKey, window: Window) -> Result<Attempt> {
        let out = self
            .timed("count_attempt", self.inner.count_attempt(key, window))
            .await?;
        if matches!(out, Attempt::Refused { .. }) {
            let flavor = key.flavor().map_or("gateway", |f| f.as_str());
            self.metrics.attempt_throttled(flavor, key.scope().as_str());
        }
        Ok(out)
    }

    async fn forget_attempt(&self, key: &AttemptKey, id: &AttemptId) -> Result<()> {
        self.timed("forget_attempt", self.inner.forget_attempt(key, id))
            .await
    }

    async fn scan_owners(
        &self,
        prefix: &str,
        cursor: &str,
        count: usize,
    ) -> Result<(Vec<Owner>, String)> {
        self.timed("scan_owners", self.inner.scan_owners(prefix, cursor, count))
            .await
    }

    async fn export_owner(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        self.timed("export_owner", self.inner.export_owner(owner))
            .await
    }

    async fn import_owner(&self, dump: &OwnerDump) -> Result<()> {
        self.timed("import_owner", self.inner.import_owner(dump))
            .await
    }

    async fn remove_owner(&self, owner: &Owner) -> Result<Removed> {
        self.timed("remove_owner", self.inner.remove_owner(owner))
            .await
    }

    async fn clear_nonces(&self) -> Result<usize> {
        self.timed("clear_nonces", self.inner.clear_nonces()).await
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        self.timed("doc_get", self.inner.doc_get(collection, id))
            .await
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        self.timed("doc_put", self.inner.doc_put(collection, id, value))
            .await?;
        self.written("tenant.changed", 1);
        Ok(())
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        let out = self
            .timed("doc_insert", self.inner.doc_insert(collection, id, value))
            .await?;
        self.written("tenant.changed", usize::from(out.1));
        Ok(out)
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        let gone = self
            .timed("doc_delete", self.inner.doc_delete(collection, id))
            .await?;
        self.written("tenant.changed", usize::from(gone));
        Ok(gone)
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        self.timed("doc_list", self.inner.doc_list(collection))
            .await
    }

    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        // Already moved into the metrics after every call.
        Vec::new()
    }

    fn take_signs(&self) -> session_core::events::Signs {
        // Already moved into the metrics after every call.
        session_core::events::Signs::default()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use session_core::{
        Clock, Flavor, ManualClock, MemoryStore, Owner, Session, SessionId, SessionRef,
        SessionStore,
    };

    use super::MeteredStore;
    use crate::metrics::Metrics;
    use crate::testing::seen::{watch, Seen};

    #[tokio::test]
    async fn expiries_reach_the_metrics() {
        let clock = Arc::new(ManualClock::starting_now());
        let memory: Arc<MemoryStore> = Arc::new(MemoryStore::new(clock.clone()));
        let metrics = Arc::new(Metrics::new().unwrap());
        let store = MeteredStore::new(memory.clone(), metrics.clone());
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
        }
        // The next write to the owner drops them, counted once.
        let mut later = Session::new(
            SessionRef::new(owner.clone(), SessionId::parse("c").unwrap()),
            Flavor::Amity,
            "net",
            clock.now(),
            chrono::Duration::seconds(10),
        );
        later.subject = Some("u1".into());
        store.create(later, None).await.unwrap();
        memory.sweep();
        store.get(&refs[0]).await.unwrap();
        let text = metrics.render();
        assert!(
            text.contains("session_gateway_sessions_expired_total{flavor=\"amity\"} 2"),
            "{text}"
        );
        assert!(store.take_expired().is_empty());
    }

    #[tokio::test]
    async fn sign_events_reach_the_written_metrics() {
        let clock = Arc::new(ManualClock::starting_now());
        let memory = Arc::new(MemoryStore::new(clock.clone()).with_events(1000));
        let metrics = Arc::new(Metrics::new().unwrap());
        let store = MeteredStore::new(memory, metrics.clone()).counting_events(true);
        let owner = Owner::new(Flavor::Quickblox, &["app-session"]).unwrap();
        let s = Session::new(
            SessionRef::new(owner, SessionId::parse("s").unwrap()),
            Flavor::Quickblox,
            "4242",
            clock.now(),
            chrono::Duration::hours(1),
        );
        let r = s.reference();
        store.create(s, None).await.unwrap();
        for user in [Some("17"), Some("17"), Some("18"), None] {
            let patch = session_core::SessionPatch {
                subject: Some(user.map(str::to_owned)),
                ..Default::default()
            };
            store.update(&r, patch).await.unwrap().unwrap();
        }
        let text = metrics.render();
        for (kind, n) in [("session.signed_in", 2), ("session.signed_out", 2)] {
            let line = format!("session_gateway_events_written_total{{type=\"{kind}\"}} {n}");
            assert!(text.contains(&line), "{line} missing: {text}");
        }
    }

    #[tokio::test]
    async fn a_noting_store_tells_a_watched_request_what_its_calls_name() {
        let clock = Arc::new(ManualClock::starting_now());
        let memory = Arc::new(MemoryStore::new(clock.clone()));
        let store = MeteredStore::new(memory, Arc::new(Metrics::new().unwrap())).noting(true);
        let owner = Owner::new(Flavor::Quickblox, &["abc"]).unwrap();
        let mut s = Session::new(
            SessionRef::new(owner, SessionId::parse("abc").unwrap()),
            Flavor::Quickblox,
            "4242",
            clock.now(),
            chrono::Duration::hours(1),
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

    #[tokio::test]
    async fn a_store_built_without_noting_notes_nothing() {
        let clock = Arc::new(ManualClock::starting_now());
        let memory = Arc::new(MemoryStore::new(clock.clone()));
        let store = MeteredStore::new(memory, Arc::new(Metrics::new().unwrap()));
        let user = Owner::new(Flavor::Amity, &["net-1", "alice"]).unwrap();
        let (_, seen) = watch(store.count_by_owner(&user)).await;
        assert_eq!(seen, Seen::default());
    }
}
