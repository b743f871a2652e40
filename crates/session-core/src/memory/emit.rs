//! Events of the memory store: collected while an owner's step runs (under its shard lock) and
//! appended to the store's log before the lock is released, so every change that returns has
//! its events in the log, in the owner's order.

use crate::error::Result;
use crate::events::{Event, EventKind, RevokeReason};
use crate::model::{Owner, Session, SessionId};

/// What one step of one owner emits.
#[derive(Debug)]
pub(crate) struct Emitter {
    owner: Owner,
    now: i64,
    /// Sessions removed and not yet emitted: (id, the session, whether it was the removal's
    /// root).
    gone: Vec<(SessionId, Result<Session>, bool)>,
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

    /// The owner whose step this is.
    pub(crate) fn owner(&self) -> &Owner {
        &self.owner
    }

    /// A session left the owner (called by the owner state's `remove_tree`).
    pub(crate) fn removed(&mut self, id: SessionId, session: Result<Session>, root: bool) {
        self.gone.push((id, session, root));
    }

    /// Emits `kind` for `s`.
    pub(crate) fn push(&mut self, kind: EventKind, s: &Session) {
        self.out.push(Event::of_session(kind, self.now, s));
    }

    /// The step's events; removals nobody explained are revocations by their holder.
    pub(crate) fn finish(mut self) -> Vec<Event> {
        self.settle(Some(RevokeReason::Logout), false);
        self.out
    }

    /// Emits the pending removals: expired (`reason` none), or revoked with `reason` (a root) and
    /// `group-deleted` (its members); with `left`, each root also leaves its group.
    pub(crate) fn settle(&mut self, reason: Option<RevokeReason>, left: bool) {
        for (id, session, root) in std::mem::take(&mut self.gone) {
            let Ok(s) = session else {
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
