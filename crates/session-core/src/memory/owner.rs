//! One owner's partition in the memory store: its sessions as compact records, ordered by
//! creation and by expiry, its groups' rolls, refresh history, claimed names, credentials and
//! document. Every method is O(log n) in the owner's sessions (plus what it removes).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::events::{EventKind, RevokeReason, Signs};
use crate::model::{Owner, Session, SessionId, SessionRef};
use crate::plan::Guard;
use crate::record::{Head, Record};
use crate::snapshot::SpentPrefix;
use crate::store::HeadWatch;
use crate::token::TokenHash;

pub(crate) use crate::snapshot::SPENT_KEPT;

use super::emit::Emitter;

/// A stored session: its record and the keys it is indexed under. A record is never changed in
/// place: a change stores a new one, so dropping a record ends its [`HeadWatch`].
#[derive(Debug)]
pub(crate) struct Stored {
    pub record: Record,
    pub created: i64,
    pub expires: i64,
    pub parent: Option<SessionId>,
    pub device: Option<String>,
    /// Made on the first watched read.
    watch: OnceLock<HeadWatch>,
}

impl Drop for Stored {
    fn drop(&mut self) {
        if let Some(w) = self.watch.get() {
            w.end();
        }
    }
}

impl Stored {
    pub(crate) fn new(s: &Session) -> Result<Self> {
        Ok(Self {
            record: Record::encode(s)?,
            created: s.created_at.timestamp_millis(),
            expires: s.expires_at.timestamp_millis(),
            parent: s.parent.clone(),
            device: s.device.clone(),
            watch: OnceLock::new(),
        })
    }

    /// The watch that holds while this record is the session's.
    pub(crate) fn watch(&self) -> HeadWatch {
        self.watch.get_or_init(HeadWatch::new).clone()
    }

    pub(crate) fn head(&self) -> Result<Head<'_>> {
        Head::parse(&self.record.head)
    }

    pub(crate) fn decode(&self, owner: &Owner, id: &SessionId) -> Result<Session> {
        Record::decode(
            &SessionRef::new(owner.clone(), id.clone()),
            &self.record.head,
            self.record.body.as_deref(),
        )
    }
}

/// A credential of the owner: created and expiry, ms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Credential {
    pub created: i64,
    pub expires: i64,
}

/// Everything of one owner.
#[derive(Debug, Default)]
pub(crate) struct OwnerState {
    pub sessions: HashMap<SessionId, Stored>,
    pub by_created: BTreeSet<(i64, SessionId)>,
    pub by_expiry: BTreeSet<(i64, SessionId)>,
    /// Per group: its members by (created, id).
    pub rolls: HashMap<SessionId, BTreeSet<(i64, SessionId)>>,
    /// Per session: the prefixes of the last refresh hashes it spent, oldest first (as Redis
    /// keeps them, so a snapshot moves between the stores).
    pub spent: HashMap<SessionId, Vec<SpentPrefix>>,
    /// Names claimed in the owner's groups (name -> member), for the group's whole life.
    pub names: HashMap<String, SessionId>,
    pub credentials: BTreeMap<TokenHash, Credential>,
    pub doc: Option<Vec<u8>>,
    /// Events: what this step changed, collected only while the store writes events.
    pub events: Option<Box<Emitter>>,
}

impl OwnerState {
    /// Whether nothing is left worth keeping.
    pub(crate) fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.doc.is_none() && self.credentials.is_empty()
    }

    /// The live session `id`, if any (expired ones are pruned by [`OwnerState::prune`]).
    pub(crate) fn live(&self, id: &SessionId, now: i64) -> Option<&Stored> {
        self.sessions.get(id).filter(|s| s.expires > now)
    }

    pub(crate) fn insert(&mut self, id: SessionId, stored: Stored) {
        self.by_created.insert((stored.created, id.clone()));
        self.by_expiry.insert((stored.expires, id.clone()));
        if let Some(parent) = &stored.parent {
            self.rolls
                .entry(parent.clone())
                .or_default()
                .insert((stored.created, id.clone()));
        }
        self.sessions.insert(id, stored);
    }

    /// Replaces the record of a stored session, keeping its indexes current.
    pub(crate) fn replace(&mut self, id: &SessionId, stored: Stored) {
        if let Some(old) = self.sessions.get(id) {
            self.by_expiry.remove(&(old.expires, id.clone()));
        }
        self.by_expiry.insert((stored.expires, id.clone()));
        self.sessions.insert(id.clone(), stored);
    }

    /// Removes a session with its members and history. Returns the ids removed.
    pub(crate) fn remove_tree(&mut self, id: &SessionId, out: &mut Vec<SessionId>) {
        self.remove_node(id, out, true);
    }

    fn remove_node(&mut self, id: &SessionId, out: &mut Vec<SessionId>, root: bool) {
        let Some(s) = self.sessions.remove(id) else {
            return;
        };
        self.by_created.remove(&(s.created, id.clone()));
        self.by_expiry.remove(&(s.expires, id.clone()));
        if let Some(parent) = &s.parent {
            if let Some(roll) = self.rolls.get_mut(parent) {
                roll.remove(&(s.created, id.clone()));
            }
        }
        self.spent.remove(id);
        out.push(id.clone());
        let is_group = s.parent.is_none();
        // Events: the session goes before its members.
        if let Some(e) = self.events.as_mut() {
            let session = s.decode(e.owner(), id);
            e.removed(id.clone(), session, root);
        }
        if let Some(members) = self.rolls.remove(id) {
            for (_, m) in members {
                self.remove_node(&m, out, false);
            }
        }
        if is_group {
            // A group's names go with it.
            self.names
                .retain(|_, member| self.sessions.contains_key(member));
        }
    }

    /// Drops every session that has expired by `now` (with the members of expired groups) and
    /// expired credentials. Returns how many sessions went.
    pub(crate) fn prune(&mut self, now: i64) -> usize {
        let mut gone = Vec::new();
        while let Some((at, id)) = self.by_expiry.first().cloned() {
            if at > now {
                break;
            }
            self.remove_tree(&id, &mut gone);
        }
        self.credentials.retain(|_, c| c.expires > now);
        gone.len()
    }

    /// The sessions a read must treat as gone at `now`: the expired ones and the members of
    /// those (a member of a dead group is dead too). O(what is returned).
    pub(crate) fn dead(&self, now: i64) -> std::collections::HashSet<SessionId> {
        let mut dead = std::collections::HashSet::new();
        let mut queue: Vec<SessionId> = self
            .by_expiry
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| id.clone())
            .collect();
        while let Some(id) = queue.pop() {
            if let Some(members) = self.rolls.get(&id) {
                queue.extend(members.iter().map(|(_, m)| m.clone()));
            }
            dead.insert(id);
        }
        dead
    }

    /// The live members of `group` in joining order.
    pub(crate) fn roll(&self, group: &SessionId) -> Vec<SessionId> {
        self.rolls
            .get(group)
            .map(|r| r.iter().map(|(_, id)| id.clone()).collect())
            .unwrap_or_default()
    }

    /// Checks `guard` against the (pruned) owner.
    pub(crate) fn check(&self, guard: Option<&Guard>, now: i64) -> Result<()> {
        let Some(g) = guard else { return Ok(()) };
        let s = self.live(&g.id, now).ok_or(Error::Unauthorized)?;
        let head = s.head()?;
        if !head.token.is_some_and(|t| t.ct_eq(&g.token)) {
            return Err(Error::Unauthorized);
        }
        match &g.role {
            Some(role) if head.role != Some(role.as_str()) => Err(Error::Forbidden),
            _ => Ok(()),
        }
    }

    /// The oldest live session by creation, other than those in `skip`.
    pub(crate) fn oldest(&self, skip: &[SessionId]) -> Option<SessionId> {
        self.by_created
            .iter()
            .map(|(_, id)| id)
            .find(|id| !skip.contains(id))
            .cloned()
    }
}

impl OwnerState {
    /// Emits `kind` for `s` (nothing while events are off).
    pub(crate) fn emit(&mut self, kind: EventKind, s: &Session) {
        if let Some(e) = self.events.as_mut() {
            e.push(kind, s);
        }
    }

    /// Emits what was removed since the last call: revoked with `reason` (members of a removed
    /// group: `group-deleted`; with `left`, the root also leaves its group).
    pub(crate) fn emit_revoked(&mut self, reason: RevokeReason, left: bool) {
        if let Some(e) = self.events.as_mut() {
            e.settle(Some(reason), left);
        }
    }

    /// Emits the change of `s`'s subject from `before`: `session.signed_out` of the one it had,
    /// then `session.signed_in` of the one it has; nothing when it stayed the same. Returns what
    /// it emitted.
    pub(crate) fn emit_subject_change(&mut self, before: Option<String>, s: &Session) -> Signs {
        let mut signs = Signs::default();
        let Some(e) = self.events.as_mut() else {
            return signs;
        };
        if before == s.subject {
            return signs;
        }
        if before.is_some() {
            let mut out = s.clone();
            out.subject = before;
            e.push(EventKind::SignedOut, &out);
            signs.signed_out = 1;
        }
        if s.subject.is_some() {
            e.push(EventKind::SignedIn, s);
            signs.signed_in = 1;
        }
        signs
    }

    /// Emits what was removed since the last call as expired.
    pub(crate) fn emit_expired(&mut self) {
        if let Some(e) = self.events.as_mut() {
            e.settle(None, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::clock::from_millis;
    use crate::model::Flavor;

    fn stored(owner: &Owner, id: &str, created: i64, ttl_ms: i64, parent: Option<&str>) -> Stored {
        let mut s = Session::new(
            SessionRef::new(owner.clone(), SessionId::parse(id).unwrap()),
            Flavor::Quicksync,
            "t",
            from_millis(created),
            Duration::milliseconds(ttl_ms),
        );
        s.parent = parent.map(|p| SessionId::parse(p).unwrap());
        Stored::new(&s).unwrap()
    }

    #[test]
    fn pruning_takes_expired_groups_with_their_members() {
        let o = Owner::new(Flavor::Quicksync, &["k", "g"]).unwrap();
        let mut st = OwnerState::default();
        let id = |s: &str| SessionId::parse(s).unwrap();
        st.insert(id("g"), stored(&o, "g", 1_000, 100, None));
        st.insert(id("m1"), stored(&o, "m1", 1_001, 10_000, Some("g")));
        st.insert(id("x"), stored(&o, "x", 1_002, 10_000, None));
        assert_eq!(st.roll(&id("g")), vec![id("m1")]);
        assert_eq!(st.prune(1_050), 0);
        assert_eq!(st.prune(1_100), 2);
        assert_eq!(st.sessions.len(), 1);
        assert_eq!(st.oldest(&[]), Some(id("x")));
        assert!(st.rolls.is_empty());
    }
}
