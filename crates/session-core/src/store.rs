//! The store contract: the domain's operations, each atomic where an invariant depends on it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;

use crate::attempts::{Attempt, AttemptId, AttemptKey, Window};
use crate::error::Result;
use crate::events::{RevokeReason, Signs};
use crate::model::{
    Cursor, Flavor, Owner, OwnerLimit, Page, Rotation, Session, SessionHead, SessionId,
    SessionPatch, SessionRef,
};
use crate::plan::{Candidate, Created, Guard, NewSession, Revocation, Rotated};
use crate::snapshot::{OwnerDump, Removed};
use crate::token::TokenHash;

/// A shared, dynamically dispatched store.
pub type SharedStore = Arc<dyn SessionStore>;

/// A sign on one stored session, handed out with its head by a store that learns of every
/// change at once (the memory store): it holds until the session is changed or removed, and
/// never holds again. While it holds and the head's expiry has not passed, a new read would
/// answer the same head, so a token check may skip the read.
#[derive(Debug, Clone)]
pub struct HeadWatch(Arc<AtomicBool>);

impl HeadWatch {
    /// A watch that holds.
    pub(crate) fn new() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }

    /// Whether the session is still as it was read.
    pub fn holds(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// The session was changed or removed: the watch stops holding, for good.
    pub(crate) fn end(&self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Largest page any listing returns.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Persistence for sessions, groups, one-use nonces and small documents.
///
/// Every operation treats a session whose `expires_at` has passed as absent. Every operation is
/// one atomic step on one owner's partition (one Redis hash slot, one round trip): those that
/// keep an invariant (owner limits, group capacity, nonce claims, refresh rotation, group
/// deletion, unique names) hold it exactly under any concurrency.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Checks that the backend answers.
    async fn ping(&self) -> Result<()>;

    /// Stores a new session. With `limit`, the owner's live sessions (this one included) never
    /// exceed `limit.max`: the policy refuses ([`crate::Error::CapacityReached`]) or evicts the
    /// oldest. An existing id is a [`crate::Error::Conflict`].
    async fn create(&self, session: Session, limit: Option<OwnerLimit>) -> Result<Created> {
        self.create_with(NewSession::new(session).limit(limit))
            .await
    }

    /// Stores a new session with everything [`NewSession`] asks for, in one atomic step: the
    /// credential check, the owner document upsert, device retirement, then the limit.
    async fn create_with(&self, new: NewSession) -> Result<Created>;

    /// The live session at `r`.
    async fn get(&self, r: &SessionRef) -> Result<Option<Session>>;

    /// The head of the live session at `r` (times and hashes): what a token check reads. A
    /// store that keeps records encoded answers it without decoding the body.
    async fn get_head(&self, r: &SessionRef) -> Result<Option<SessionHead>> {
        Ok(self.get(r).await?.as_ref().map(SessionHead::of))
    }

    /// [`SessionStore::get_head`], with a [`HeadWatch`] on the session from a store that can
    /// give one (the memory store; none from Redis, whose sessions other processes change).
    async fn get_head_watched(
        &self,
        r: &SessionRef,
    ) -> Result<Option<(SessionHead, Option<HeadWatch>)>> {
        Ok(self.get_head(r).await?.map(|h| (h, None)))
    }

    /// Every live session of the owner in creation order (one read, for small owners such as
    /// a group and its members).
    async fn owner_sessions(&self, owner: &Owner) -> Result<Vec<Session>>;

    /// The owner's document, if any.
    async fn owner_doc(&self, owner: &Owner) -> Result<Option<Vec<u8>>>;

    /// Marks the session used now and moves its expiry to `now + ttl`, never past
    /// `created_at + cap` when a cap is given. Returns the updated session.
    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>>;

    /// Records that the session was used now: its `updated_at` becomes now (it never moves
    /// back), its expiry stays. False when no live session is there. Token checks call it at a
    /// coarse granularity ([`crate::MetadataPolicy::seen_due`]) for the session's last use.
    async fn mark_seen(&self, r: &SessionRef) -> Result<bool>;

    /// Applies `patch` and sets `updated_at` to now. Returns the updated session.
    async fn update(&self, r: &SessionRef, patch: SessionPatch) -> Result<Option<Session>> {
        self.update_guarded(r, patch, None).await
    }

    /// [`SessionStore::update`] behind `guard` (checked in the same atomic step).
    async fn update_guarded(
        &self,
        r: &SessionRef,
        patch: SessionPatch,
        guard: Option<&Guard>,
    ) -> Result<Option<Session>>;

    /// Deletes the session, its group members if it is a group, and its refresh history; a
    /// member leaves its group. Returns how many sessions were deleted.
    async fn delete(&self, r: &SessionRef) -> Result<usize> {
        self.delete_guarded(r, None).await
    }

    /// [`SessionStore::delete`] behind `guard` (checked in the same atomic step): a revocation
    /// by the session's holder ([`RevokeReason::Logout`]).
    async fn delete_guarded(&self, r: &SessionRef, guard: Option<&Guard>) -> Result<usize> {
        let reason = RevokeReason::Logout;
        self.revoke(r, Revocation { guard, reason }).await
    }

    /// [`SessionStore::delete`] as `how` says: behind its guard, and why (the session's
    /// `session.revoked` event carries the reason; its members' say `group-deleted`).
    async fn revoke(&self, r: &SessionRef, how: Revocation<'_>) -> Result<usize>;

    /// The owner's live sessions in creation order, starting after `after`.
    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page>;

    /// How many live sessions the owner holds.
    async fn count_by_owner(&self, owner: &Owner) -> Result<usize>;

    /// Stores a group and its first member together. Both share the group's owner; the
    /// member's `parent` names the group.
    async fn create_group(&self, group: Session, first_member: Session) -> Result<()> {
        let name = format!("member:{}", first_member.id);
        self.create_group_named(
            group,
            vec![Candidate {
                name,
                member: first_member,
            }],
        )
        .await
        .map(|_| ())
    }

    /// Stores a group and the first of `candidates` whose name is free (none is taken in a new
    /// group, so the first); returns its index. A member never outlives its group: its expiry
    /// is cut to the group's (here and in joins).
    async fn create_group_named(&self, group: Session, candidates: Vec<Candidate>)
        -> Result<usize>;

    /// Adds `member` to the live group at `group` unless it already has `capacity` members
    /// ([`crate::Error::CapacityReached`]); a missing group is [`crate::Error::NotFound`].
    async fn join_group(&self, group: &SessionRef, member: Session, capacity: u32) -> Result<()> {
        let name = format!("member:{}", member.id);
        match self
            .join_group_named(
                group,
                vec![Candidate { name, member }],
                Some(capacity),
                None,
            )
            .await?
        {
            Joined::Member { .. } => Ok(()),
            Joined::NamesTaken => Err(crate::Error::Conflict("the name is taken".into())),
            Joined::Screen(_) => Err(crate::Error::Internal("join screened".into())),
        }
    }

    /// Adds the first of `candidates` whose name is free in the group, as
    /// [`SessionStore::join_group`] does; without `capacity`, the group's own
    /// ([`Session::capacity`], unlimited when it has none) applies. When the group's role equals
    /// `screen_role`, nothing is joined and the group is returned ([`Joined::Screen`]) for
    /// checks the store cannot make. A member that is already live is a
    /// [`crate::Error::Conflict`].
    async fn join_group_named(
        &self,
        group: &SessionRef,
        candidates: Vec<Candidate>,
        capacity: Option<u32>,
        screen_role: Option<&str>,
    ) -> Result<Joined>;

    /// The group's live members in joining order.
    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>>;

    /// Deletes the member `member` of `group`; false when it is not a member.
    async fn remove_member(&self, group: &SessionRef, member: &SessionId) -> Result<bool> {
        self.remove_member_guarded(group, member, None).await
    }

    /// [`SessionStore::remove_member`] behind `guard`.
    async fn remove_member_guarded(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
    ) -> Result<bool>;

    /// The member `member` leaves `group` behind `guard`; when the member's role is `ends_role`
    /// the whole group ends with it. Returns how many sessions were deleted (0 when `member` is
    /// not a live member of the group).
    async fn leave_group(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
        ends_role: &str,
    ) -> Result<usize>;

    /// Deletes a group with all its members. Returns how many sessions were deleted.
    async fn delete_group(&self, group: &SessionRef) -> Result<usize> {
        self.delete(group).await
    }

    /// Claims a one-use value for `ttl`: true for the first claim, false for every later one
    /// while the claim lasts.
    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool>;

    /// Spends the refresh secret `presented` of the session at `r` and installs `next`.
    /// A secret already spent revokes the session (its whole token family) and answers
    /// [`crate::Error::Replay`]; an unknown one answers [`crate::Error::Unauthorized`]; a missing
    /// session [`crate::Error::NotFound`].
    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Rotated>;

    /// Stores a credential of the owner (an Amity secure-mode auth token) for `ttl`, keeping at
    /// most `max` live ones (the oldest go first).
    async fn issue_credential(
        &self,
        owner: &Owner,
        hash: &TokenHash,
        ttl: Duration,
        max: u32,
    ) -> Result<()>;

    /// Counts one attempt in the window `key` unless `window.max` attempts are already counted
    /// within the last `window.span`; then it answers [`Attempt::Refused`] with the time until
    /// the oldest leaves the window. One atomic step: under any concurrency, at most
    /// `window.max` attempts are counted per span. Refused attempts are not counted.
    async fn count_attempt(&self, key: &AttemptKey, window: Window) -> Result<Attempt>;

    /// Takes back a counted attempt (it succeeded); nothing when it has left the window.
    async fn forget_attempt(&self, key: &AttemptKey, id: &AttemptId) -> Result<()>;

    /// Administrative listing, not for requests: the owners whose string starts with `prefix`
    /// (`"am:"`, `"am:<network>:"`, ...), about `count` at a time. Start with the cursor `""`;
    /// the listing is done when the returned cursor is `""` (a page may be empty before that).
    /// An owner present throughout the walk is returned at least once.
    async fn scan_owners(
        &self,
        prefix: &str,
        cursor: &str,
        count: usize,
    ) -> Result<(Vec<Owner>, String)>;

    /// Testing mode, never on a request path: everything the owner holds that is live (its
    /// sessions with their token hashes, document, names, credentials, refresh history), `None`
    /// when it holds nothing.
    async fn export_owner(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        let _ = owner;
        Err(unsupported("export_owner"))
    }

    /// Testing mode: replaces everything `dump.owner` holds with `dump` ([`OwnerDump::check`]ed;
    /// what of it has expired is left out), in one step.
    async fn import_owner(&self, dump: &OwnerDump) -> Result<()> {
        let _ = dump;
        Err(unsupported("import_owner"))
    }

    /// Testing mode: removes everything the owner holds, in one step.
    async fn remove_owner(&self, owner: &Owner) -> Result<Removed> {
        let _ = owner;
        Err(unsupported("remove_owner"))
    }

    /// Testing mode: drops every one-use claim ([`SessionStore::claim_nonce`]); how many went.
    async fn clear_nonces(&self) -> Result<usize> {
        Err(unsupported("clear_nonces"))
    }

    /// A small JSON document of a collection (tenants, credentials).
    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>>;

    /// Stores (or replaces) a document.
    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()>;

    /// Stores a document unless one exists; returns the document that is now stored and whether
    /// it was this call that inserted it.
    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)>;

    /// Deletes a document; false when there was none.
    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool>;

    /// Every document of a collection, ordered by id.
    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>>;

    /// Returns, and resets, how many sessions of each flavor this store instance has seen
    /// expire since the last call: sessions it dropped because their expiry had passed, not
    /// those deleted, evicted or replaced. Synchronous and cheap, meant to be called after
    /// every store call; flavors with nothing to report are left out.
    ///
    /// Counts are per store instance (one per worker with Redis) and a session is counted
    /// once, when the store drops it: the memory store on the lazy check of a read or write or
    /// in its sweeper, together with the members of an expired group; Redis when a script
    /// prunes it. Redis drops whole owners by itself, and the sessions of an owner that is
    /// never written again are never pruned, so the Redis count is a lower bound. Records that
    /// are not sessions of a flavor (owners built by [`Owner::custom`]) are not counted. The
    /// default reports nothing; a decorator forwards to the store it wraps.
    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        Vec::new()
    }

    /// Events: the `session.signed_in` and `session.signed_out` events this store's updates
    /// wrote since the last call (for the metrics; an update's answer does not say whether its
    /// subject changed). The default reports none; a decorator forwards to the store it wraps.
    fn take_signs(&self) -> Signs {
        Signs::default()
    }
}

/// The answer of a store that does not offer an operation of testing mode.
fn unsupported(op: &str) -> crate::Error {
    crate::Error::Internal(format!("{op} is not supported by this store"))
}

/// The outcome of [`SessionStore::join_group_named`].
#[derive(Debug, Clone, PartialEq)]
pub enum Joined {
    /// The candidate at `index` joined `group`.
    Member {
        /// Which candidate.
        index: usize,
        /// The group joined.
        group: Box<Session>,
    },
    /// Every candidate's name is taken; nothing was joined.
    NamesTaken,
    /// The group asks for checks first; nothing was joined.
    Screen(Box<Session>),
}

/// Lock-free per-flavor tallies of expired sessions, for [`SessionStore::take_expired`].
#[derive(Debug, Default)]
pub struct ExpiryCounter([AtomicU64; Flavor::ALL.len()]);

impl ExpiryCounter {
    /// Adds `n` expired sessions of the owner's flavor; an owner of no flavor is ignored.
    pub fn add(&self, owner: &Owner, n: u64) {
        if let (Some(flavor), true) = (owner.flavor(), n > 0) {
            self.0[slot(flavor)].fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The tallies since the last call, without zeros; resets them.
    pub fn take(&self) -> Vec<(Flavor, u64)> {
        Flavor::ALL
            .into_iter()
            .filter_map(|f| match self.0[slot(f)].swap(0, Ordering::Relaxed) {
                0 => None,
                n => Some((f, n)),
            })
            .collect()
    }
}

fn slot(flavor: Flavor) -> usize {
    match flavor {
        Flavor::Quicksync => 0,
        Flavor::Quickblox => 1,
        Flavor::Amity => 2,
        Flavor::SessionStorage => 3,
    }
}
