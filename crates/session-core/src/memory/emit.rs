//! Events of the memory store: collected while an owner's step runs (under its shard lock) and
//! appended to the store's log before the lock is released, so every change that returns has
//! its events in the log, in the owner's order.

use crate::events::{Event, EventKind, RevokeReason};
use crate::model::{Owner, Session, SessionId};

use super::owner::{OwnerState, Stored};

/// What one step of one owner emits.
#[derive(Debug)]
pub(crate) struct Emitter {
    owner: Owner,
    now: i64,
    /// Sessions removed and not yet emitted: (id, record, whether it was the removal's root).
    gone: Vec<(SessionId, Stored, bool)>,
    out: Vec<Event>,
}

impl Emitter {
    pub(crate) fn new(owner: Owner, now: i64) -> Self {
        Self {
            owner,
            now,
            gone: Vec::new(),
            out: Vec::new(),
        }
    }

    /// A session left the owner (called by [`OwnerState::remove_tree`]).
    pub(crate) fn removed(&mut self, id: SessionId, stored: Stored, root: bool) {
        self.gone.push((id, stored, root));
    }

    /// The step's events; removals nobody explained are revocations by their holder.
    pub(crate) fn finish(mut self) -> Vec<Event> {
        self.settle(Some(RevokeReason::Logout), false);
        self.out
    }

    /// Emits the pending removals: expired (`reason` none), or revoked with `reason` (a root) and
    /// `group-deleted` (its members); with `left`, each root also leaves its group.
    fn settle(&mut self, reason: Option<RevokeReason>, left: bool) {
        for (id, stored, root) in std::mem::take(&mut self.gone) {
            let Ok(s) = stored.decode(&self.owner, &id) else {
                tracing::warn!(session = %id, "events: an unreadable record left unreported");
                continue;
            };
            let kind = match (reason, root) {
                (None, _) => EventKind::Expired,
                (Some(r), true) => EventKind::Revoked(r),
                (Some(_), false) => EventKind::Revoked(RevokeReason::GroupDeleted),
            };
            self.out.push(Event::of_session(kind, self.now, &s));
            if left && root && s.parent.is_some() {
                self.out
                    .push(Event::of_session(EventKind::MemberLeft, self.now, &s));
            }
        }
    }
}

impl OwnerState {
    /// Emits `kind` for `s` (nothing while events are off).
    pub(crate) fn emit(&mut self, kind: EventKind, s: &Session) {
        if let Some(e) = self.events.as_mut() {
            e.out.push(Event::of_session(kind, e.now, s));
        }
    }

    /// Emits what was removed since the last call: revoked with `reason` (members of a removed
    /// group: `group-deleted`; with `left`, the root also leaves its group).
    pub(crate) fn emit_revoked(&mut self, reason: RevokeReason, left: bool) {
        if let Some(e) = self.events.as_mut() {
            e.settle(Some(reason), left);
        }
    }

    /// Emits what was removed since the last call as expired.
    pub(crate) fn emit_expired(&mut self) {
        if let Some(e) = self.events.as_mut() {
            e.settle(None, false);
        }
    }
}
