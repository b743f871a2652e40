//! Credential checks: the client API key, the server key and the bearer access token.

use std::rc::Rc;
use std::sync::Arc;

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use flavor_kit::headers;
use session_core::clock::from_millis;
use session_core::{SessionId, SessionRef};

use crate::errors::AuthError;
use crate::jws::AccessClaims;
use crate::network::Network;
use crate::state::State;
use crate::token_memo::Verified;
use crate::{users, verify};

/// The client API key header.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The server key header.
pub const SERVER_KEY_HEADER: &str = "x-server-key";

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    headers::text(req, name).ok().flatten()
}

/// The network named by the request's `x-api-key`. Throttled per client address: an address
/// known to be throttled is refused before the key is looked at, and a wrong key is counted.
pub async fn network_from_api_key(
    state: &State,
    req: &HttpRequest,
) -> Result<Arc<Network>, AuthError> {
    let key = header(req, API_KEY_HEADER).ok_or(AuthError::MissingApiKey)?;
    state.throttle.screen(req)?;
    match state.networks.by_api_key(&state.core, key).await? {
        Some(network) => Ok(network),
        None => {
            state.throttle.record_failure(req, None).await?;
            Err(AuthError::InvalidApiKey)
        }
    }
}

/// The network named by the request's `x-server-key` (and `x-api-key`, when sent), throttled
/// like the API key.
pub async fn network_from_server_key(
    state: &State,
    req: &HttpRequest,
) -> Result<Arc<Network>, AuthError> {
    let key = header(req, SERVER_KEY_HEADER).ok_or(AuthError::MissingServerKey)?;
    let api_key = header(req, API_KEY_HEADER);
    state.throttle.screen(req)?;
    match state
        .networks
        .by_server_key(&state.core, key, api_key)
        .await?
    {
        Some(network) => Ok(network),
        None => {
            state.throttle.record_failure(req, None).await?;
            Err(AuthError::InvalidServerKey)
        }
    }
}

/// What the request's access token names, verified without the store: signature and algorithm
/// under the key its `kid` names, and `exp` against the gateway clock. A token of a configured
/// network this worker has verified before is taken from its memo ([`crate::token_memo`]);
/// only `exp` is compared again.
pub async fn verified(state: &State, req: &HttpRequest) -> Result<Rc<Verified>, AuthError> {
    verified_at(state, req, state.core.clock.now_millis()).await
}

/// [`verified`] at `now_ms` (milliseconds since the epoch).
async fn verified_at(
    state: &State,
    req: &HttpRequest,
    now_ms: i64,
) -> Result<Rc<Verified>, AuthError> {
    let token = headers::bearer(req).ok_or(AuthError::MissingBearer)?;
    let now = now_ms.div_euclid(1000);
    let v = match state.memo.get(token) {
        Some(v) => v,
        None => {
            let (network, claims) =
                verify::access_token(&state.networks, &state.core, token).await?;
            let verified = Verified::new(
                session_of(&network, &claims)?,
                state.core.hasher.hash(&claims.jti),
                network,
                claims,
            );
            match state.networks.is_configured(&verified.network) {
                true => state.memo.keep(token, verified, now),
                false => Rc::new(verified),
            }
        }
    };
    if now >= v.claims.exp {
        return Err(AuthError::Expired);
    }
    Ok(v)
}

/// Where the session a verified token names is stored.
fn session_of(network: &Network, claims: &AccessClaims) -> Result<SessionRef, AuthError> {
    let owner = users::owner(network, &claims.user_id).map_err(|_| AuthError::InvalidToken)?;
    let id = SessionId::parse(&claims.sid).map_err(|_| AuthError::InvalidToken)?;
    Ok(SessionRef::new(owner, id))
}

/// Checks the request's access token ([`verified`]), then reads its session's head (one store
/// read, no body decoded) and compares, in constant time, the keyed hash of the token's `jti`
/// with the session's (under the active token key, then, only on a mismatch, each previous key):
/// a revoked or replaced token is refused at once. The session's last use is recorded at the
/// policy's granularity ([`flavor_kit::metadata::seen`]), so most checks are that one read.
///
/// On the memory store a remembered token's last check stands, without the read, while the
/// store's watch on its session holds and the session has not expired
/// ([`Verified::still_checked`]): any change or removal of the session ends the watch at once.
pub async fn authenticate(state: &State, req: &HttpRequest) -> Result<Rc<Verified>, AuthError> {
    let now_ms = state.core.clock.now_millis();
    let v = verified_at(state, req, now_ms).await?;
    let updated_at = match v.still_checked(now_ms) {
        Some(updated_at) => updated_at,
        None => check_in_store(state, &v).await?,
    };
    flavor_kit::metadata::seen(&state.core, &v.session, updated_at, from_millis(now_ms)).await;
    Ok(v)
}

/// Reads the session `v` names and compares its token hash in constant time; keeps the check
/// with the store's watch, when it gives one. Answers the session's last recorded use.
async fn check_in_store(state: &State, v: &Verified) -> Result<DateTime<Utc>, AuthError> {
    let (head, watch) = state
        .core
        .store
        .get_head_watched(&v.session)
        .await?
        .ok_or(AuthError::Revoked)?;
    let genuine = head
        .token_hash
        .is_some_and(|h| v.jti_hashes(&state.core.hasher).any(|j| j.ct_eq(&h)));
    if !genuine {
        return Err(AuthError::Revoked);
    }
    if let Some(watch) = watch {
        v.keep_check(watch, &head);
    }
    Ok(head.updated_at)
}
