//! The three credentials: `X-API-KEY` (tenant), the wallet bearer (JWT) and the session bearer
//! (member token; one store read).

use actix_web::HttpRequest;
use flavor_kit::headers;
use session_core::{Session, SessionRef};

use crate::eip191::Address;
use crate::errors::SessionError;
use crate::state::State;
use crate::tokens;

/// The `Authorization: Bearer` credential (scheme case-insensitive).
pub fn bearer(req: &HttpRequest) -> Result<&str, SessionError> {
    headers::bearer(req).ok_or(SessionError::MissingBearer)
}

/// The `X-API-KEY` header, if any.
pub fn api_key(req: &HttpRequest) -> Option<&str> {
    headers::text(req, "x-api-key").ok().flatten()
}

/// The wallet a wallet bearer speaks for.
pub fn wallet(state: &State, req: &HttpRequest) -> Result<Address, SessionError> {
    let token = bearer(req)?;
    state
        .wallet_tokens
        .verify(token, state.core.clock.now())
        .map_err(SessionError::BadWalletToken)
}

/// A live member, authenticated by its session bearer.
#[derive(Debug, Clone)]
pub struct Member {
    /// The member's session.
    pub session: Session,
    /// Its group.
    pub group: SessionRef,
}

impl Member {
    /// Whether the member hosts its session.
    pub fn is_host(&self) -> bool {
        self.session.role.as_deref() == Some(crate::records::HOST)
    }
}

/// The member a session bearer belongs to: one store read and a constant-time comparison.
pub async fn member(state: &State, req: &HttpRequest) -> Result<Member, SessionError> {
    let token = bearer(req)?;
    let (group_id, member_id) = tokens::parse(token).ok_or(SessionError::BadSessionToken)?;
    let group = tokens::group_ref(&group_id).map_err(SessionError::store)?;
    let r = SessionRef::new(group.owner.clone(), member_id);
    let session = state
        .core
        .store
        .get(&r)
        .await
        .map_err(SessionError::store)?
        .ok_or(SessionError::BadSessionToken)?;
    let presented = state.core.hasher.hash(token);
    let genuine = session.parent.as_ref() == Some(&group_id)
        && session
            .token_hash
            .as_ref()
            .is_some_and(|h| h.ct_eq(&presented));
    if !genuine {
        return Err(SessionError::BadSessionToken);
    }
    Ok(Member { session, group })
}

/// The member a session bearer belongs to, if it hosts its session (any other member is 403).
pub async fn host(state: &State, req: &HttpRequest) -> Result<Member, SessionError> {
    let me = member(state, req).await?;
    if me.is_host() {
        Ok(me)
    } else {
        Err(SessionError::NotHost)
    }
}
