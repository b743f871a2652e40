//! `/api/v{3,4,5}/sessions`: register, check, revoke, and refresh (`/api/v4/sessions/refresh`).

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::{BodyLimits, Reply, Subject};
use serde_json::{Map, Value};
use session_core::Guard;

use crate::auth;
use crate::body::read_object;
use crate::dto::{ApiVersion, SessionResponse, SuccessResponse};
use crate::errors::{AuthError, Body as ErrorBody, SessionError};
use crate::issue;
use crate::requests::{
    Refresh, RefreshRequest, RegisterRequest, RegisterV3, RegisterV4, RegisterV5,
};
use crate::routes::answers::{
    BearerRefused, BodyErrors, GlobalBan, LoginErrors, ServerErrors, Throttled,
};
use crate::session_check::SessionCheckResponse;
use crate::state::State;
use crate::tokens::RefreshToken;

/// Log in (v3)
///
/// Creates a session for `userId` on `deviceId` (the user is created on first sight, and `displayName` changes it only when sent; `profileHandle` is ignored on v3). The user's oldest sessions beyond `max_sessions_per_user` are revoked. Returns a refresh token.
#[utoipa::path(post, path = "/api/v3/sessions", operation_id = "amity_create_session_v3",
    request_body(content = RegisterV3, content_type = "application/json"),
    responses(
        (status = 200, description = "The session: access and refresh token, the user and its roles.", body = SessionResponse),
        LoginErrors,
    ),
    security(("AmityApiKey" = [])),
)]
pub async fn register_v3(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> Reply {
    let body = read_object(&req, payload, BodyLimits::of(&state.core)).await?;
    Ok(register(&state, &req, &body, ApiVersion::V3).await?)
}

/// Log in (v4)
///
/// Creates a session for `userId` on `deviceId` (the user is created on first sight, and `displayName`/`profileHandle` change it only when sent). The user's oldest sessions beyond `max_sessions_per_user` are revoked. Adds `profileHandle`; returns a refresh token.
#[utoipa::path(post, path = "/api/v4/sessions", operation_id = "amity_create_session_v4",
    request_body(content = RegisterV4, content_type = "application/json"),
    responses(
        (status = 200, description = "The session: access and refresh token, the user and its roles.", body = SessionResponse),
        LoginErrors,
    ),
    security(("AmityApiKey" = [])),
)]
pub async fn register_v4(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> Reply {
    let body = read_object(&req, payload, BodyLimits::of(&state.core)).await?;
    Ok(register(&state, &req, &body, ApiVersion::V4).await?)
}

/// Log in (v5)
///
/// Creates a session for `userId` on `deviceId` (the user is created on first sight, and `displayName`/`profileHandle` change it only when sent). The user's oldest sessions beyond `max_sessions_per_user` are revoked. What the official SDK calls, at login and for renewal. No refresh token; `userId` may not start with `ADMIN_` or `DELETED_`.
#[utoipa::path(post, path = "/api/v5/sessions", operation_id = "amity_create_session_v5",
    params(
        ("set-access-token-cookie" = Option<String>, Header,
            description = "Sent by the official SDK (`true`); any value is accepted and ignored (no cookie is set)."),
    ),
    request_body(content = RegisterV5, content_type = "application/json"),
    responses(
        (status = 200, description = "The session: access token (no `refreshToken`), `userType: signed-in`, the user and its roles.", body = SessionResponse),
        LoginErrors,
    ),
    security(("AmityApiKey" = [])),
)]
pub async fn register_v5(
    state: web::Data<State>,
    req: HttpRequest,
    payload: web::Payload,
) -> Reply {
    let body = read_object(&req, payload, BodyLimits::of(&state.core)).await?;
    Ok(register(&state, &req, &body, ApiVersion::V5).await?)
}

async fn register(
    state: &State,
    req: &HttpRequest,
    body: &Map<String, Value>,
    version: ApiVersion,
) -> Result<HttpResponse, SessionError> {
    let network = auth::network_from_api_key(state, req).await?;
    let input = RegisterRequest::parse(body, version).map_err(SessionError::Validation)?;
    let auth_token = match network.settings.secure_mode {
        true => Some(
            input
                .auth_token
                .as_deref()
                .ok_or(SessionError::AuthTokenRequired)?,
        ),
        false => None,
    };
    let registration = issue::Registration {
        user_id: &input.user_id,
        changes: &input.changes,
        device_id: &input.device_id,
        device_info: input.device_info.clone(),
        version,
        auth_token,
        origin: flavor_kit::metadata::origin(req, &state.core),
    };
    // A secure-mode auth token is checked by the store: counted per user and per client
    // address before the check, taken back when it holds.
    let pass = match auth_token {
        Some(_) => {
            let subject = Subject {
                tenant: &network.id,
                name: &input.user_id,
            };
            Some(
                state
                    .throttle
                    .admit(req, Some(subject))
                    .await
                    .map_err(AuthError::from)?,
            )
        }
        None => None,
    };
    let registered = issue::register(&state.core, &network, registration).await;
    match (&registered, pass) {
        (Ok(_), Some(pass)) => pass.succeeded(),
        (Err(session_core::Error::Unauthorized), Some(pass)) => pass.failed(),
        _ => {}
    }
    let (user, issued) = registered.map_err(|e| match e {
        session_core::Error::Unauthorized => SessionError::InvalidAuthToken,
        session_core::Error::Forbidden => SessionError::GlobalBan,
        other => other.into(),
    })?;
    Ok(HttpResponse::Ok().json(issue::response(&network, user, issued, version)))
}

/// Check the access token
///
/// 200 while the access token is valid: signature, `exp`, and its session still live in the store.
#[utoipa::path(get, path = "/api/v3/sessions", operation_id = "amity_check_session",
    responses(
        (status = 200, description = "The token is valid.", body = SessionCheckResponse),
        BearerRefused,
        ServerErrors,
    ),
    security(("AmityBearer" = [])),
)]
pub async fn check(state: web::Data<State>, req: HttpRequest) -> Reply {
    let v = auth::authenticate(&state, &req).await?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(v.network.check_answer()))
}

/// Log out
///
/// Revokes the access token's session with its refresh token, at once (what the SDK's `secureLogout()` sends).
#[utoipa::path(delete, path = "/api/v4/sessions", operation_id = "amity_revoke_session",
    responses(
        (status = 200, description = "The session is revoked.", body = SuccessResponse),
        BearerRefused,
        ServerErrors,
    ),
    security(("AmityBearer" = [])),
)]
pub async fn revoke(state: web::Data<State>, req: HttpRequest) -> Reply {
    // The token's session is deleted only if the token is still its current one, in one step.
    let v = auth::verified(&state, &req).await?;
    let r = &v.session;
    // Under the active token key, then (only when refused) each previous key.
    let mut deleted = Err(session_core::Error::Unauthorized);
    for token in v.jti_hashes(&state.core.hasher) {
        let guard = Guard {
            id: r.id.clone(),
            token,
            role: None,
        };
        deleted = state.core.store.delete_guarded(r, Some(&guard)).await;
        if !matches!(deleted, Err(session_core::Error::Unauthorized)) {
            break;
        }
    }
    deleted.map_err(|e| match e {
        session_core::Error::Unauthorized => AuthError::Revoked.into(),
        other => SessionError::from(other),
    })?;
    Ok(HttpResponse::Ok().json(SuccessResponse { success: true }))
}

/// Refresh the session (this gateway's own route)
///
/// Spends a refresh token for a new access and refresh pair on the same session; the previous access token stops working. Each refresh token works once: presenting a spent one revokes the session with every token of its family (401).
#[utoipa::path(post, path = "/api/v4/sessions/refresh", operation_id = "amity_refresh_session",
    request_body(content = Refresh, content_type = "application/json"),
    responses(
        (status = 200, description = "A new access and refresh token (the v4 response).",
            body = SessionResponse),
        (status = 401, description = "A missing or unknown `x-api-key`; an unknown, malformed \
            or forged refresh token, or one of a gone session; a reused one (the session is \
            then revoked).", body = ErrorBody,
            examples(
                ("missing key" = (value = json!({"status": "error", "code": 400100, "message": "Missing API key (x-api-key header)"}))),
                ("invalid key" = (value = json!({"status": "error", "code": 400100, "message": "Invalid API key"}))),
                ("invalid" = (value = json!({"status": "error", "code": 400100, "message": "Invalid refresh token"}))),
                ("reused" = (value = json!({"status": "error", "code": 400100, "message": "Refresh token reuse detected: the session has been revoked"}))),
            )),
        (status = 422, description = "`refreshToken` is missing, not a string or out of \
            length.", body = ErrorBody,
            example = json!({"status": "error", "code": 500000, "message": "Parameters validation error!",
                "data": {"detail": [{"path": ["refreshToken"], "message": "\"refreshToken\" is required"}]}})),
        Throttled,
        BodyErrors,
        GlobalBan,
        ServerErrors,
    ),
    security(("AmityApiKey" = [])),
)]
pub async fn refresh(state: web::Data<State>, req: HttpRequest, payload: web::Payload) -> Reply {
    let body = read_object(&req, payload, BodyLimits::of(&state.core)).await?;
    Ok(spend(&state, &req, &body).await?)
}

/// Spends a refresh token for a new pair.
async fn spend(
    state: &State,
    req: &HttpRequest,
    body: &Map<String, Value>,
) -> Result<HttpResponse, SessionError> {
    let network = auth::network_from_api_key(state, req).await?;
    let input = RefreshRequest::parse(body).map_err(SessionError::Validation)?;
    let presented =
        RefreshToken::parse(&input.refresh_token).ok_or(SessionError::InvalidRefreshToken)?;
    let (user, issued) = match issue::rotate(
        &state.core,
        &network,
        &presented.user_id,
        &presented.session_id,
        &input.refresh_token,
    )
    .await
    {
        Ok(done) => done,
        Err(session_core::Error::Replay) => {
            tracing::warn!(
                network = %network.id,
                session = %presented.session_id,
                "amity refresh token reused: session revoked"
            );
            return Err(SessionError::RefreshReused);
        }
        Err(session_core::Error::Forbidden) => return Err(SessionError::GlobalBan),
        Err(session_core::Error::NotFound | session_core::Error::Unauthorized) => {
            return Err(SessionError::InvalidRefreshToken)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(HttpResponse::Ok().json(issue::response(&network, user, issued, ApiVersion::V4)))
}
