//! Credential checks: the client API key, the server key and the bearer access token.

use std::sync::Arc;

use actix_web::HttpRequest;
use flavor_kit::headers;
use session_core::{Session, SessionId, SessionRef};

use crate::errors::AuthError;
use crate::issue;
use crate::network::Network;
use crate::state::State;
use crate::tokens::{self, Claims};

/// The client API key header.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The server key header.
pub const SERVER_KEY_HEADER: &str = "x-server-key";

/// A request authenticated by its access token.
#[derive(Debug)]
pub struct Authenticated {
    /// The token's network.
    pub network: Arc<Network>,
    /// The token's live session.
    pub session: Session,
    /// The verified claims.
    pub claims: Claims,
}

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    headers::text(req, name).ok().flatten()
}

/// The network named by the request's `x-api-key`.
pub async fn network_from_api_key(
    state: &State,
    req: &HttpRequest,
) -> Result<Arc<Network>, AuthError> {
    let key = header(req, API_KEY_HEADER).ok_or(AuthError::MissingApiKey)?;
    state
        .networks
        .by_api_key(&state.core, key)
        .await?
        .ok_or(AuthError::InvalidApiKey)
}

/// The network named by the request's `x-server-key` (and `x-api-key`, when sent).
pub async fn network_from_server_key(
    state: &State,
    req: &HttpRequest,
) -> Result<Arc<Network>, AuthError> {
    let key = header(req, SERVER_KEY_HEADER).ok_or(AuthError::MissingServerKey)?;
    let api_key = header(req, API_KEY_HEADER);
    state
        .networks
        .by_server_key(&state.core, key, api_key)
        .await?
        .ok_or(AuthError::InvalidServerKey)
}

/// Checks the request's access token: signature and algorithm under its network's key, `exp`
/// against the gateway clock, then one store read and a constant-time comparison with the
/// session's token hash, so a revoked token is refused at once.
pub async fn authenticate(state: &State, req: &HttpRequest) -> Result<Authenticated, AuthError> {
    let token = headers::bearer(req).ok_or(AuthError::MissingBearer)?;
    let kid = tokens::key_id(token).map_err(|_| AuthError::InvalidToken)?;
    let network = state
        .networks
        .by_kid(&state.core, &kid)
        .await?
        .ok_or(AuthError::InvalidToken)?;
    let claims = tokens::verify(&network, token).map_err(|_| AuthError::InvalidToken)?;
    if claims.user.network_id != network.id {
        return Err(AuthError::InvalidToken);
    }
    if state.core.clock.now().timestamp() >= claims.exp {
        return Err(AuthError::Expired);
    }
    let owner =
        issue::owner(&network, &claims.user.user_id).map_err(|_| AuthError::InvalidToken)?;
    let id = SessionId::parse(&claims.sid).map_err(|_| AuthError::InvalidToken)?;
    let session = state
        .core
        .store
        .get(&SessionRef::new(owner, id))
        .await?
        .ok_or(AuthError::Revoked)?;
    let presented = state.core.hasher.hash(token);
    if !session
        .token_hash
        .as_ref()
        .is_some_and(|h| h.ct_eq(&presented))
    {
        return Err(AuthError::Revoked);
    }
    Ok(Authenticated {
        network,
        session,
        claims,
    })
}
