//! Sessions created under a previous token key live where that key put them (their place is
//! derived from the token's keyed hash). A check that finds one there moves it to where the
//! active key puts it, once: a copy under the active key, then the old one deleted behind a
//! guard on its token, so a session revoked meanwhile is not brought back. Only a check whose
//! copy was made deletes the source, so two replicas that disagree on the active key (during a
//! rolling restart) may move a session back and forth but never lose it. With events on, a move
//! writes the new handle's `session.created` and the old one's `session.revoked` (reason
//! `rekeyed`).

use session_core::events::RevokeReason;
use session_core::{Error, Guard, NewSession, Revocation, Session};

use crate::errors::RequestError;
use crate::state::State;
use crate::tokens::Bearer;

/// Moves `session`, found at `from` (a previous key's place), to `to` (the active key's);
/// returns it as it now is. A session revoked while it moved is [`RequestError::NoSession`].
pub async fn move_session(
    state: &State,
    from: &Bearer,
    to: &Bearer,
    session: Session,
) -> Result<Session, RequestError> {
    let store = &state.core.store;
    let mut moved = session;
    moved.id = to.reference.id.clone();
    moved.owner = to.reference.owner.clone();
    moved.token_hash = Some(to.hash);
    let copied = match store.create_with(NewSession::new(moved.clone())).await {
        Ok(_) => true,
        // A concurrent check of the same token moved it first.
        Err(Error::Conflict(_)) => false,
        Err(e) => return Err(e.into()),
    };
    if !copied {
        // Moved by a concurrent check (or by a replica whose active key is this one's
        // previous, moving it back): the source stays, so one copy always remains.
        if let Some(there) = store.get(&to.reference).await? {
            return Ok(there);
        }
        return store
            .get(&from.reference)
            .await?
            .filter(|s| s.token_hash.is_some_and(|h| h.ct_eq(&from.hash)))
            .ok_or(RequestError::NoSession);
    }
    let guard = Guard {
        id: from.reference.id.clone(),
        token: from.hash,
        role: None,
    };
    let gone = match store
        .revoke(
            &from.reference,
            Revocation::guarded(&guard, RevokeReason::Rekeyed),
        )
        .await
    {
        Ok(n) => n > 0,
        Err(Error::Unauthorized | Error::Forbidden) => false,
        Err(e) => return Err(e.into()),
    };
    if !gone {
        // Revoked between the read and the move: the copy goes too.
        store
            .revoke(&to.reference, Revocation::by(RevokeReason::Rekeyed))
            .await?;
        return Err(RequestError::NoSession);
    }
    tracing::debug!("quickblox: a session moved to the active token key");
    Ok(moved)
}
