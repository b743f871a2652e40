//! `POST /login.json` (the session of the `QB-Token` becomes a user session) and
//! `DELETE /login.json` (it becomes an application session again).

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::{BodyLimits, Fault, Reply};
use session_core::{Flavor, Guard, SessionPatch};

use crate::auth::{authenticate, check_user, slide};
use crate::body;
use crate::dto::{application_id, expiration, UserEnvelope, EXPIRATION_HEADER};
use crate::errors::{ErrorsBody as ErrorBody, LoginError, RequestError};
use crate::requests::{self, LoginBody};
use crate::routes::answers::{BodyErrors, NoSession, ServerErrors, Throttled};
use crate::state::State;
use crate::tokens;

/// Sets the session's user (`None`: back to an application session), in one store step
/// guarded by the token, so a token revoked meanwhile changes nothing.
async fn set_user(
    state: &State,
    bearer: &tokens::Bearer,
    user_id: Option<u64>,
) -> Result<session_core::Session, RequestError> {
    let patch = SessionPatch {
        subject: Some(user_id.map(|id| id.to_string())),
        ..Default::default()
    };
    let guard = Guard {
        id: bearer.reference.id.clone(),
        token: bearer.hash,
        role: None,
    };
    let mut updated = state
        .core
        .store
        .update_guarded(&bearer.reference, patch, Some(&guard))
        .await
        .map_err(|e| match e {
            session_core::Error::Unauthorized | session_core::Error::Forbidden => {
                RequestError::NoSession
            }
            other => other.into(),
        })?
        .ok_or(RequestError::NoSession)?;
    slide(state, &mut updated).await?;
    Ok(updated)
}

/// `POST /login.json`: `login` or `email` with `password`; answers 202 with the user.
///
/// The same token is now a session of that user (logging in again switches users).
#[utoipa::path(post, path = "/login.json", operation_id = "quickblox_login",
    request_body(
        description = "The user's credentials.",
        content(
            (LoginBody = "application/x-www-form-urlencoded"),
            (LoginBody = "application/json"),
        ),
    ),
    responses(
        (status = 202, description = "The user; the token's session is now theirs.",
            body = UserEnvelope,
            headers(("QB-Token-ExpirationDate" = String,
                description = "When the token expires: `YYYY-MM-DD HH:MM:SS UTC`."))),
        (status = 400, description = "A body that does not parse, or no body.", body = ErrorBody,
            example = json!({"errors": {"base": ["Request body is empty"]}})),
        (status = 401, description = "A missing or dead `QB-Token`, or wrong credentials.",
            body = ErrorBody,
            examples(
                ("session" = (value = json!({"errors": {"base": ["Required session does not exist"]}}))),
                ("credentials" = (value = json!({"errors": ["Unauthorized"]}))),
            )),
        (status = 422, description = "A missing or bad field.", body = ErrorBody,
            example = json!({"errors": {"login": ["is required"]}})),
        Throttled,
        BodyErrors,
        ServerErrors,
    ),
    security(("QB-Token" = [])),
)]
pub async fn login(req: HttpRequest, payload: web::Payload, state: web::Data<State>) -> Reply {
    // A missing or malformed token fails before the body is read.
    tokens::from_request(&req)?;
    let params = body::read(&req, payload, BodyLimits::of(&state.core)).await?;
    let credentials = requests::login(&params)?;
    let (_, bearer, session) = authenticate(&req, &state).await?;
    let app = u64::try_from(application_id(&session)).map_err(|_| {
        RequestError::Fault(Fault::internal(
            Flavor::Quickblox,
            "a session without an application",
        ))
    })?;
    let user = check_user(&state, &req, app, credentials)
        .await?
        .ok_or(LoginError::Unauthorized)?;
    let updated = set_user(&state, &bearer, Some(user.id)).await?;
    tracing::info!(
        application_id = app,
        user_id = user.id,
        "quickblox: session logged in"
    );
    Ok(HttpResponse::Accepted()
        .insert_header((EXPIRATION_HEADER, expiration(updated.expires_at)))
        .json(UserEnvelope::new(&user, state.core.clock.now())))
}

/// `DELETE /login.json`: the session stays, with `user_id` 0.
#[utoipa::path(delete, path = "/login.json", operation_id = "quickblox_logout",
    responses(
        (status = 200, description = "The token is an application session again (`user_id` 0); \
            empty body.",
            headers(("QB-Token-ExpirationDate" = String,
                description = "When the token expires: `YYYY-MM-DD HH:MM:SS UTC`."))),
        NoSession,
        ServerErrors,
    ),
    security(("QB-Token" = [])),
)]
pub async fn logout(req: HttpRequest, state: web::Data<State>) -> Reply {
    // One guarded store step: the token is checked by the write itself.
    let token = tokens::from_request(&req)?;
    let bearer = tokens::bearer(&state.core.hasher, &token)?;
    let mut updated = set_user(&state, &bearer, None).await;
    // A session made under a previous key of the ring lives where that key put it.
    for old in tokens::previous_bearers(&state.core.hasher, &token) {
        if !matches!(updated, Err(RequestError::NoSession)) {
            break;
        }
        updated = set_user(&state, &old?, None).await;
    }
    let updated = updated?;
    Ok(HttpResponse::Ok()
        .insert_header((EXPIRATION_HEADER, expiration(updated.expires_at)))
        .finish())
}
