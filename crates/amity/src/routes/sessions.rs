//! `/api/v{3,4,5}/sessions`: register, check, revoke, and refresh (`/api/v4/sessions/refresh`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use session_core::{SessionId, SessionRef};

use crate::auth::{self, AuthError};
use crate::dto::{
    ApiVersion, RefreshRequest, RegisterRequest, SessionCheckResponse, SuccessResponse,
};
use crate::errors::{amity_response_error, AmityError, ErrorKind, FieldError, RequestError};
use crate::issue;
use crate::routes::AmityState;
use crate::tokens::RefreshToken;
use crate::users;

/// A failure of the session routes.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The body could not be read.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A credential was missing or refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Fields failed validation.
    #[error("Parameters validation error!")]
    Validation(Vec<FieldError>),
    /// Secure mode and no `authToken`.
    #[error("authToken is required: the network is in secure mode")]
    AuthTokenRequired,
    /// Secure mode and an `authToken` that is not live for this user.
    #[error("Invalid authToken")]
    InvalidAuthToken,
    /// The user is banned from the network.
    #[error("User is globally banned")]
    GlobalBan,
    /// A refresh token that is unknown, malformed or of a gone session.
    #[error("Invalid refresh token")]
    InvalidRefreshToken,
    /// A refresh token spent before: the session and all its tokens are revoked.
    #[error("Refresh token reuse detected: the session has been revoked")]
    RefreshReused,
    /// The store failed.
    #[error("{0}")]
    Store(#[from] session_core::Error),
}

impl AmityError for SessionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Request(e) => e.kind(),
            Self::Auth(e) => e.kind(),
            Self::Validation(_) => ErrorKind::Validation,
            Self::AuthTokenRequired
            | Self::InvalidAuthToken
            | Self::InvalidRefreshToken
            | Self::RefreshReused => ErrorKind::Unauthorized,
            Self::GlobalBan => ErrorKind::GlobalBan,
            Self::Store(e) => ErrorKind::of_store(e),
        }
    }

    fn detail(&self) -> &[FieldError] {
        match self {
            Self::Validation(d) => d,
            _ => &[],
        }
    }
}
amity_response_error!(SessionError);

/// The body as a JSON object, or a 400.
fn object(body: Value) -> Result<serde_json::Map<String, Value>, RequestError> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(RequestError::NotAnObject),
    }
}

/// `POST /api/v3/sessions`.
pub async fn register_v3(
    state: web::Data<AmityState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, SessionError> {
    register(&state, &req, body.into_inner(), ApiVersion::V3).await
}

/// `POST /api/v4/sessions`.
pub async fn register_v4(
    state: web::Data<AmityState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, SessionError> {
    register(&state, &req, body.into_inner(), ApiVersion::V4).await
}

/// `POST /api/v5/sessions`.
pub async fn register_v5(
    state: web::Data<AmityState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, SessionError> {
    register(&state, &req, body.into_inner(), ApiVersion::V5).await
}

async fn register(
    state: &AmityState,
    req: &HttpRequest,
    body: Value,
    version: ApiVersion,
) -> Result<HttpResponse, SessionError> {
    let network = auth::network_from_api_key(state, req).await?;
    let input =
        RegisterRequest::parse(&object(body)?, version).map_err(SessionError::Validation)?;
    let core = &state.core;
    if network.settings.secure_mode {
        let token = input
            .auth_token
            .as_deref()
            .ok_or(SessionError::AuthTokenRequired)?;
        if !issue::check_auth_token(core, &network, &input.user_id, token).await? {
            return Err(SessionError::InvalidAuthToken);
        }
    }
    let user = users::upsert(core, &network, &input.user_id, &input.changes).await?;
    if user.is_global_ban {
        return Err(SessionError::GlobalBan);
    }
    let issued = issue::create(
        core,
        &network,
        &user,
        &input.device_id,
        input.device_info,
        version,
    )
    .await?;
    Ok(HttpResponse::Ok().json(issue::response(&network, user, issued, version)))
}

/// `GET /api/v3/sessions`: 200 while the access token is valid.
pub async fn check(
    state: web::Data<AmityState>,
    req: HttpRequest,
) -> Result<HttpResponse, SessionError> {
    let a = auth::authenticate(&state, &req).await?;
    Ok(HttpResponse::Ok().json(SessionCheckResponse {
        last_cache_purge: a.network.settings.last_cache_purge.clone(),
    }))
}

/// `DELETE /api/v4/sessions`: revokes the access token's session (and its refresh token).
pub async fn revoke(
    state: web::Data<AmityState>,
    req: HttpRequest,
) -> Result<HttpResponse, SessionError> {
    let a = auth::authenticate(&state, &req).await?;
    state.core.store.delete(&a.session.reference()).await?;
    Ok(HttpResponse::Ok().json(SuccessResponse { success: true }))
}

/// `POST /api/v4/sessions/refresh` (`x-api-key`, `{refreshToken}`): a new access and refresh
/// pair for the session. Each refresh token works once; presenting a spent one revokes the
/// session with every token of its family.
pub async fn refresh(
    state: web::Data<AmityState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, SessionError> {
    let network = auth::network_from_api_key(&state, &req).await?;
    let input =
        RefreshRequest::parse(&object(body.into_inner())?).map_err(SessionError::Validation)?;
    let presented =
        RefreshToken::parse(&input.refresh_token).ok_or(SessionError::InvalidRefreshToken)?;
    let core = &state.core;
    let reference = session_ref(&network, &presented.user_id, &presented.session_id)?;
    let session = core
        .store
        .get(&reference)
        .await?
        .ok_or(SessionError::InvalidRefreshToken)?;
    let user = users::get(core, &network, &presented.user_id)
        .await?
        .ok_or(SessionError::InvalidRefreshToken)?;
    if user.is_global_ban {
        return Err(SessionError::GlobalBan);
    }
    let issued = match issue::rotate(core, &network, &user, &session, &input.refresh_token).await {
        Ok(issued) => issued,
        Err(session_core::Error::Replay) => {
            tracing::warn!(
                network = %network.id,
                session = %session.id,
                "amity refresh token reused: session revoked"
            );
            return Err(SessionError::RefreshReused);
        }
        Err(session_core::Error::NotFound | session_core::Error::Unauthorized) => {
            return Err(SessionError::InvalidRefreshToken)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(HttpResponse::Ok().json(issue::response(&network, user, issued, ApiVersion::V4)))
}

fn session_ref(
    network: &crate::network::Network,
    user_id: &str,
    id: &SessionId,
) -> Result<SessionRef, SessionError> {
    let owner = issue::owner(network, user_id).map_err(|_| SessionError::InvalidRefreshToken)?;
    Ok(SessionRef::new(owner, id.clone()))
}
