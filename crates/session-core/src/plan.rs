//! What one request asks of the store in one atomic step: a new session with everything that
//! must change with it, and the guards that fold a bearer check into a write.

use crate::events::RevokeReason;
use crate::model::{OwnerLimit, Session, SessionId};
use crate::token::TokenHash;

/// A new session and what must happen with it, atomically, in its owner's partition.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session to store.
    pub session: Session,
    /// The owner's cap on live sessions.
    pub limit: Option<OwnerLimit>,
    /// Deletes the owner's other sessions on the same device (`session.device`) created no later
    /// than this one (one session per device).
    pub retire_device: bool,
    /// The owner's document (an Amity user): inserted when absent, otherwise patched.
    pub doc: Option<DocUpsert>,
    /// A live credential of the owner ([`crate::SessionStore::issue_credential`]) with this
    /// hash must exist, or the create is [`crate::Error::Unauthorized`].
    pub credential: Option<TokenHash>,
}

impl NewSession {
    /// Just `session`, without limit, device retirement, document or credential.
    pub fn new(session: Session) -> Self {
        Self {
            session,
            limit: None,
            retire_device: false,
            doc: None,
            credential: None,
        }
    }

    /// With the owner limit `limit`.
    pub fn limit(mut self, limit: Option<OwnerLimit>) -> Self {
        self.limit = limit;
        self
    }
}

/// The owner's document, a MessagePack map: `fresh` is stored when there is none; otherwise
/// every `(key, value)` of `patch` that differs from the stored value replaces it (a member
/// missing from the document has its value in `defaults`, and a member set to its default is
/// left out), and when anything changed `stamp` is set to the store's now (integer
/// milliseconds). When the stored document has the member `refuse_if` set to `true`, nothing
/// is changed or created and the create is [`crate::Error::Forbidden`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocUpsert {
    /// The document to insert (a MessagePack map).
    pub fresh: Vec<u8>,
    /// String members to set on an existing document.
    pub patch: Vec<(String, String)>,
    /// The values of members a document leaves out.
    pub defaults: Vec<(String, String)>,
    /// The member that records when the document last changed.
    pub stamp: Option<String>,
    /// A boolean member that, when true, refuses the create.
    pub refuse_if: Option<String>,
}

/// The result of a create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Created {
    /// Sessions deleted to make room (evict-oldest policy).
    pub evicted: Vec<SessionId>,
    /// Sessions on the same device that the new one replaced.
    pub retired: Vec<SessionId>,
    /// The owner's document, when the create carried a [`DocUpsert`].
    pub doc: Option<Vec<u8>>,
    /// Whether the create inserted that document.
    pub doc_inserted: bool,
}

/// A refresh rotation's result: the session with its new secrets, and the owner's document.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotated {
    /// The session after the rotation.
    pub session: crate::model::Session,
    /// The owner's document, if it has one.
    pub doc: Option<Vec<u8>>,
}

/// A bearer check folded into a write: the session `id` of the same owner must be live, hold
/// the token hash `token`, and have the role `role` when one is given; otherwise the write does
/// nothing and answers [`crate::Error::Unauthorized`] (or [`crate::Error::Forbidden`] for a
/// live, genuine session with another role).
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    /// The acting session.
    pub id: SessionId,
    /// The keyed hash of the token it presented.
    pub token: TokenHash,
    /// The role it must hold.
    pub role: Option<String>,
}

/// How a session is revoked: behind which guard (checked in the same atomic step), and why
/// (its `session.revoked` event carries the reason; its members' say `group-deleted`).
#[derive(Debug, Clone, Copy)]
pub struct Revocation<'a> {
    /// The acting session that must present its token (and role), when there is one.
    pub guard: Option<&'a Guard>,
    /// Why.
    pub reason: RevokeReason,
}

impl<'a> Revocation<'a> {
    /// A revocation for `reason` with no guard (the admin API, the gateway itself).
    pub fn by(reason: RevokeReason) -> Self {
        Self {
            guard: None,
            reason,
        }
    }

    /// A revocation for `reason` behind `guard`.
    pub fn guarded(guard: &'a Guard, reason: RevokeReason) -> Self {
        Self {
            guard: Some(guard),
            reason,
        }
    }
}

/// One candidate for a new group member: the name it would claim (unique within the group
/// while the group lives) and the member session that carries it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The name claimed (compared as given; callers normalise case).
    pub name: String,
    /// The member session to store when the name is free.
    pub member: Session,
}
