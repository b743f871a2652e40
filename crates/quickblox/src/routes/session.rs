//! `POST /session.json` (signed creation), `GET /session.json`, `DELETE /session.json`.

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::{BodyLimits, Reply};
use session_core::token::{ct_eq_str, random_bytes};
use session_core::{Flavor, Session};

use crate::auth::{authenticate, check_user};
use crate::body;
use crate::dto::{expiration, new_attrs, SessionEnvelope, EXPIRATION_HEADER};
use crate::errors::{ErrorsBody as ErrorBody, RequestError, SessionError};
use crate::requests::{CreateSession, CreateSessionForm, CreateSessionJson};
use crate::routes::answers::{BodyErrors, NoSession, ServerErrors, Throttled};
use crate::signature;
use crate::state::State;
use crate::tokens;

/// The one-use key of an (application, timestamp, nonce) triple.
fn nonce_key(request: &CreateSession) -> String {
    format!(
        "qb:{}:{}:{}",
        request.application_id, request.timestamp, request.nonce
    )
}

/// A random positive 31-bit session number (the `id` field).
fn session_number() -> Result<u64, RequestError> {
    let b = random_bytes::<4>()?;
    Ok(u64::from((u32::from_be_bytes(b) & 0x7fff_ffff).max(1)))
}

/// `POST /session.json`: an application session, or a user session with user credentials.
///
/// Checks, in order: body and fields (400/413/415/422), application and auth key (422),
/// signature (422), timestamp (422), nonce (422), user credentials (401). A `QB-Token` header is
/// ignored.
#[utoipa::path(post, path = "/session.json", operation_id = "quickblox_create_session",
    request_body(
        description = "Signed application credentials, optionally with a user's.",
        content(
            (CreateSessionForm = "application/x-www-form-urlencoded"),
            (CreateSessionJson = "application/json"),
        ),
    ),
    responses(
        (status = 201, description = "The new session and its token.", body = SessionEnvelope,
            headers(("QB-Token-ExpirationDate" = String,
                description = "When the token expires: `YYYY-MM-DD HH:MM:SS UTC`."))),
        (status = 400, description = "A body that does not parse, or no body.", body = ErrorBody,
            example = json!({"errors": {"base": ["Malformed JSON body"]}})),
        (status = 401, description = "Wrong user login, e-mail or password.", body = ErrorBody,
            example = json!({"errors": ["Unauthorized"]})),
        (status = 422, description = "A bad field, an unknown application or auth key, an \
            unexpected signature, a bad timestamp or a used nonce.", body = ErrorBody,
            examples(
                ("field" = (value = json!({"errors": {"nonce": ["must be an integer"]}}))),
                ("application" = (value = json!({"errors": {"base": ["Unknown application or auth key"]}}))),
                ("signature" = (value = json!({"errors": {"base": ["Unexpected signature"]}}))),
                ("timestamp" = (value = json!({"errors": {"base": ["Bad timestamp"]}}))),
                ("nonce" = (value = json!({"errors": {"base": ["Nonce has already been used"]}}))),
            )),
        Throttled,
        BodyErrors,
        ServerErrors,
    ),
)]
pub async fn create(req: HttpRequest, payload: web::Payload, state: web::Data<State>) -> Reply {
    Ok(open(&req, payload, &state).await?)
}

/// Checks a signed request and opens its session.
async fn open(
    req: &HttpRequest,
    payload: web::Payload,
    state: &State,
) -> Result<HttpResponse, SessionError> {
    let params = body::read(req, payload, BodyLimits::of(&state.core)).await?;
    let request = CreateSession::parse(&params)?;
    let app = state
        .tenants
        .application(request.application_id)
        .await?
        .ok_or(SessionError::UnknownApplication)?;
    if !ct_eq_str(&app.auth_key, &request.auth_key) {
        return Err(SessionError::UnknownApplication);
    }
    // The signature comes first: an unsigned request must not burn a nonce.
    if !signature::verify(
        &app.auth_secret,
        &signature::canonical(&params),
        &request.signature,
    ) {
        tracing::info!(application_id = app.id, "quickblox: unexpected signature");
        return Err(SessionError::BadSignature);
    }
    let now = state.core.clock.now();
    let skew = i128::from(now.timestamp()) - i128::from(request.timestamp);
    if skew.abs() > i128::from(state.window_seconds) {
        return Err(SessionError::BadTimestamp);
    }
    let claim_ttl = chrono::Duration::seconds(2 * state.window_seconds);
    if !state
        .core
        .store
        .claim_nonce(&nonce_key(&request), claim_ttl)
        .await?
    {
        tracing::info!(application_id = app.id, "quickblox: replayed nonce");
        return Err(SessionError::NonceReused);
    }
    let user = match request.user.clone() {
        None => None,
        Some(credentials) => Some(
            check_user(state, req, app.id, credentials)
                .await?
                .ok_or(SessionError::Unauthorized)?,
        ),
    };
    let user_id = user.as_ref().map_or(0, |u| u.id);
    let (token, bearer) = tokens::issue(&state.core.hasher)?;
    let mut session = Session::new(
        bearer.reference,
        Flavor::Quickblox,
        app.id.to_string(),
        now,
        state.ttl,
    );
    session.subject = user.as_ref().map(|u| u.id.to_string());
    session.token_hash = Some(bearer.hash);
    session.origin = flavor_kit::metadata::origin(req, &state.core);
    session.attrs = new_attrs(session_number()?, request.nonce, request.timestamp);
    state.core.store.create(session.clone(), None).await?;
    tracing::info!(
        application_id = app.id,
        user_id,
        "quickblox: session created"
    );
    Ok(HttpResponse::Created()
        .insert_header((EXPIRATION_HEADER, expiration(session.expires_at)))
        .json(SessionEnvelope::new(&session, &token)))
}

/// `GET /session.json`: the session of the `QB-Token`, its lifetime renewed.
#[utoipa::path(get, path = "/session.json", operation_id = "quickblox_get_session",
    responses(
        (status = 200, description = "The session; its lifetime starts again.",
            body = SessionEnvelope,
            headers(("QB-Token-ExpirationDate" = String,
                description = "When the token expires: `YYYY-MM-DD HH:MM:SS UTC`."))),
        NoSession,
        ServerErrors,
    ),
    security(("QB-Token" = [])),
)]
pub async fn show(req: HttpRequest, state: web::Data<State>) -> Reply {
    let (token, _, session) = authenticate(&req, &state).await?;
    Ok(HttpResponse::Ok()
        .insert_header((EXPIRATION_HEADER, expiration(session.expires_at)))
        .json(SessionEnvelope::new(&session, &token)))
}

/// `DELETE /session.json`: ends the session of the `QB-Token`.
#[utoipa::path(delete, path = "/session.json", operation_id = "quickblox_delete_session",
    responses(
        (status = 200, description = "The session is ended, its token gone; empty body."),
        NoSession,
        ServerErrors,
    ),
    security(("QB-Token" = [])),
)]
pub async fn destroy(req: HttpRequest, state: web::Data<State>) -> Reply {
    let token = tokens::from_request(&req)?;
    let bearer = tokens::bearer(&state.core.hasher, &token)?;
    // The session's place is derived from the token's keyed hash (160 bits of it), so only the
    // holder of the token can name it: the delete itself is the bearer check.
    let store = &state.core.store;
    let mut deleted = store
        .delete(&bearer.reference)
        .await
        .map_err(RequestError::from)?;
    // A session made under a previous key of the ring lives where that key put it.
    for old in tokens::previous_bearers(&state.core.hasher, &token) {
        if deleted > 0 {
            break;
        }
        deleted = store
            .delete(&old?.reference)
            .await
            .map_err(RequestError::from)?;
    }
    if deleted == 0 {
        return Err(RequestError::NoSession.into());
    }
    Ok(HttpResponse::Ok().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_keys_name_the_triple() {
        let r = CreateSession {
            application_id: 4242,
            auth_key: "k".into(),
            timestamp: 1_795_317_711,
            nonce: -2_147_483_648,
            signature: String::new(),
            user: None,
        };
        assert_eq!(nonce_key(&r), "qb:4242:1795317711:-2147483648");
    }

    #[test]
    fn session_numbers_are_positive_31_bit() {
        for _ in 0..100 {
            let n = session_number().unwrap();
            assert!((1..=i32::MAX as u64).contains(&n));
        }
    }
}
