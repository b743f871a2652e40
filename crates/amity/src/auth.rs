//! Credential checks: the client API key, the server key and the bearer access token.

use std::sync::Arc;

use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::HttpRequest;
use session_core::{Session, SessionId, SessionRef};

use crate::errors::{amity_response_error, AmityError, ErrorKind};
use crate::issue;
use crate::network::Network;
use crate::routes::AmityState;
use crate::tokens::{self, Claims};

/// The client API key header.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The server key header.
pub const SERVER_KEY_HEADER: &str = "x-server-key";

/// A missing or refused credential.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `x-api-key`.
    #[error("Missing API key (x-api-key header)")]
    MissingApiKey,
    /// An `x-api-key` of no network.
    #[error("Invalid API key")]
    InvalidApiKey,
    /// No `x-server-key`.
    #[error("Missing server key (x-server-key header)")]
    MissingServerKey,
    /// An `x-server-key` of no network.
    #[error("Invalid server key")]
    InvalidServerKey,
    /// No `Authorization: Bearer`.
    #[error("Missing access token (Authorization: Bearer)")]
    MissingBearer,
    /// A bearer that is not a valid access token of a known network.
    #[error("Invalid access token")]
    InvalidToken,
    /// A valid access token past its `exp`.
    #[error("Access token has expired")]
    Expired,
    /// A valid access token whose session is gone (logged out, refreshed, evicted).
    #[error("Access token has been revoked")]
    Revoked,
    /// The store failed.
    #[error("{0}")]
    Store(#[from] session_core::Error),
}

impl AmityError for AuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Store(e) => ErrorKind::of_store(e),
            _ => ErrorKind::Unauthorized,
        }
    }
}
amity_response_error!(AuthError);

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

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The network named by the request's `x-api-key`.
pub async fn network_from_api_key(
    state: &AmityState,
    req: &HttpRequest,
) -> Result<Arc<Network>, AuthError> {
    let key = header(req.headers(), API_KEY_HEADER).ok_or(AuthError::MissingApiKey)?;
    state
        .networks
        .by_api_key(&state.core, key)
        .await?
        .ok_or(AuthError::InvalidApiKey)
}

/// The network named by the request's `x-server-key` (and `x-api-key`, when sent).
pub async fn network_from_server_key(
    state: &AmityState,
    req: &HttpRequest,
) -> Result<Arc<Network>, AuthError> {
    let headers = req.headers();
    let key = header(headers, SERVER_KEY_HEADER).ok_or(AuthError::MissingServerKey)?;
    let api_key = header(headers, API_KEY_HEADER);
    state
        .networks
        .by_server_key(&state.core, key, api_key)
        .await?
        .ok_or(AuthError::InvalidServerKey)
}

/// The `Bearer` token of the request.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = header(req.headers(), AUTHORIZATION.as_str())?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Checks the request's access token: signature and algorithm under its network's key, `exp`
/// against the gateway clock, then one store read and a constant-time comparison with the
/// session's token hash, so a revoked token is refused at once.
pub async fn authenticate(
    state: &AmityState,
    req: &HttpRequest,
) -> Result<Authenticated, AuthError> {
    let token = bearer(req).ok_or(AuthError::MissingBearer)?;
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
