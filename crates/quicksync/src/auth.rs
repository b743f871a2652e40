//! The three credentials: `X-API-KEY` (tenant), the wallet bearer (JWT) and the session bearer
//! (member token: its proof is checked by the one store operation of the request).

use actix_web::HttpRequest;
use flavor_kit::headers;
use session_core::{Guard, Session, SessionId, SessionPatch, SessionRef, TokenHash};

use crate::api_keys::Tenant;
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

/// The tenant of the request's `X-API-KEY`. Throttled per client address: an address known to
/// be throttled is refused before the key is looked at, and a wrong key is counted.
pub async fn tenant(state: &State, req: &HttpRequest) -> Result<Tenant, SessionError> {
    state.throttle.screen(req)?;
    match state.api_keys.resolve(&state.core, api_key(req)).await {
        Err(SessionError::BadApiKey) => {
            state.throttle.record_failure(req, None).await?;
            Err(SessionError::BadApiKey)
        }
        other => other,
    }
}

/// The wallet a wallet bearer speaks for.
pub fn wallet(state: &State, req: &HttpRequest) -> Result<Address, SessionError> {
    let token = bearer(req)?;
    state
        .wallet_tokens
        .verify(token, state.core.clock.now())
        .map_err(SessionError::BadWalletToken)
}

/// A session bearer as presented: where its member is and the hash that proves it. Costs no
/// store call; the proof is checked by the store operation it guards.
#[derive(Debug, Clone)]
pub struct SessionBearer {
    /// The member's group.
    pub group: SessionRef,
    /// The member.
    pub member: SessionId,
    /// The keyed hash of the token.
    pub hash: TokenHash,
    /// Its keyed hashes under the ring's previous keys (empty unless some are listed).
    pub previous: Vec<TokenHash>,
}

impl SessionBearer {
    /// The guards of this bearer under each key of the ring, the active key's first.
    pub fn guards<'a>(&'a self, role: Option<&'a str>) -> impl Iterator<Item = Guard> + 'a {
        std::iter::once(self.hash)
            .chain(self.previous.iter().copied())
            .map(move |token| Guard {
                id: self.member.clone(),
                token,
                role: role.map(str::to_owned),
            })
    }

    /// The member's session among the owner's `sessions`, when the bearer is genuine, and the
    /// hash it matched (under the active key, else a previous one).
    pub fn find<'a>(&self, sessions: &'a [Session]) -> Option<(&'a Session, TokenHash)> {
        let me = sessions
            .iter()
            .find(|s| s.id == self.member && s.parent.as_ref() == Some(&self.group.id))?;
        let stored = me.token_hash?;
        std::iter::once(&self.hash)
            .chain(&self.previous)
            .find(|h| h.ct_eq(&stored))
            .map(|h| (me, *h))
    }
}

/// Runs a store operation guarded by `bearer` (and `role`): under the active key's hash, then,
/// only while it is refused as unauthorized, under each previous key's.
pub async fn guarded<T, F, Fut>(
    bearer: &SessionBearer,
    role: Option<&str>,
    mut op: F,
) -> session_core::Result<T>
where
    F: FnMut(Guard) -> Fut,
    Fut: std::future::Future<Output = session_core::Result<T>>,
{
    let mut outcome = Err(session_core::Error::Unauthorized);
    for guard in bearer.guards(role) {
        outcome = op(guard).await;
        if !matches!(outcome, Err(session_core::Error::Unauthorized)) {
            break;
        }
    }
    outcome
}

/// The request's session bearer, when it has the shape of one of ours.
pub fn session_bearer(state: &State, req: &HttpRequest) -> Result<SessionBearer, SessionError> {
    let token = bearer(req)?;
    let (group_id, member) = tokens::parse(token).ok_or(SessionError::BadSessionToken)?;
    let hasher = &state.core.hasher;
    Ok(SessionBearer {
        group: tokens::group_ref(&group_id).map_err(SessionError::store)?,
        member,
        hash: hasher.hash(token),
        previous: hasher.previous().iter().map(|k| k.hash(token)).collect(),
    })
}

/// Maps a guarded store operation's refusal: a bearer that is not (or no longer) genuine is
/// 401, a member without the host role 403.
pub fn refused(e: session_core::Error) -> SessionError {
    match e {
        session_core::Error::Unauthorized => SessionError::BadSessionToken,
        session_core::Error::Forbidden => SessionError::NotHost,
        other => SessionError::store(other),
    }
}

/// The live member a session bearer belongs to, with its group and every member in joining
/// order: one store read, then a constant-time comparison (and, at the metadata policy's
/// granularity, a write of the member's last use).
pub async fn view(state: &State, req: &HttpRequest) -> Result<GroupView, SessionError> {
    let b = session_bearer(state, req)?;
    let sessions = state
        .core
        .store
        .owner_sessions(&b.group.owner)
        .await
        .map_err(SessionError::store)?;
    let (me, matched) = b.find(&sessions).ok_or(SessionError::BadSessionToken)?;
    let mut me = me.clone();
    if !matched.ct_eq(&b.hash) {
        me = rekey(state, &b, matched, me).await;
    }
    flavor_kit::metadata::seen(
        &state.core,
        &me.reference(),
        me.updated_at,
        state.core.clock.now(),
    )
    .await;
    let group = sessions
        .iter()
        .find(|s| s.id == b.group.id)
        .ok_or(SessionError::BadSessionToken)?
        .clone();
    let members = sessions
        .into_iter()
        .filter(|s| s.parent.as_ref() == Some(&group.id))
        .collect();
    Ok(GroupView { me, group, members })
}

/// Files a member found under a previous token key under the active one (one guarded write,
/// once); a member that could not be re-keyed is served as it is.
async fn rekey(state: &State, b: &SessionBearer, old: TokenHash, me: Session) -> Session {
    let patch = SessionPatch {
        token_hash: Some(b.hash),
        ..SessionPatch::default()
    };
    let guard = Guard {
        id: b.member.clone(),
        token: old,
        role: None,
    };
    match state
        .core
        .store
        .update_guarded(&me.reference(), patch, Some(&guard))
        .await
    {
        Ok(Some(updated)) => updated,
        Ok(None) | Err(_) => me,
    }
}

/// A member's view of its group.
#[derive(Debug, Clone)]
pub struct GroupView {
    /// The reading member.
    pub me: Session,
    /// The group session.
    pub group: Session,
    /// The live members in joining order.
    pub members: Vec<Session>,
}

impl GroupView {
    /// Whether the reading member hosts the group.
    pub fn is_host(&self) -> bool {
        self.me.role.as_deref() == Some(crate::records::HOST)
    }
}

/// The member a session bearer belongs to, if it hosts its session (any other member is 403).
/// For error paths that must answer 401 or 403 before anything else: one store read.
pub async fn host(state: &State, req: &HttpRequest) -> Result<GroupView, SessionError> {
    let v = view(state, req).await?;
    if v.is_host() {
        Ok(v)
    } else {
        Err(SessionError::NotHost)
    }
}
