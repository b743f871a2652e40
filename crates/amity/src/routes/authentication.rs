//! Secure mode: `POST /api/v4/authentication/token` (text/plain) and
//! `GET /api/v3/authentication/token?userId=` (a JSON string), both with `x-server-key`.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::{BodyLimits, Reply};
use serde_json::{Map, Value};

use crate::auth;
use crate::body::read_object;
use crate::errors::AuthTokenError;
use crate::issue;
use crate::requests::{AuthToken, AuthTokenQuery, AuthTokenRequest};
use crate::routes::answers::{AuthTokenErrors, BodyErrors, ServerErrors};
use crate::state::State;

async fn issue_for(
    state: &State,
    req: &HttpRequest,
    fields: &Map<String, Value>,
) -> Result<String, AuthTokenError> {
    let network = auth::network_from_server_key(state, req).await?;
    if !network.settings.secure_mode {
        return Err(AuthTokenError::SecureModeOff);
    }
    let input = AuthTokenRequest::parse(fields).map_err(AuthTokenError::Validation)?;
    Ok(issue::auth_token(&state.core, &network, &input.user_id).await?)
}

/// Issue a secure-mode auth token (text)
///
/// Issues a secure-mode `authToken` for `userId` (40 hex characters, valid for `auth_token_ttl_seconds`, reusable until then; a user holds at most 10). Called by the customer's server: the server key names the network (send `x-api-key` too to look a run-time network up directly). Errors are the JSON body too, not text.
#[utoipa::path(post, path = "/api/v4/authentication/token", operation_id = "amity_issue_auth_token",
    request_body(content = AuthToken, content_type = "application/json"),
    responses(
        (status = 200, description = "The `authToken`, as plain text.", body = String,
            content_type = "text/plain; charset=utf-8",
            example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"),
        BodyErrors,
        AuthTokenErrors,
        ServerErrors,
    ),
    security(("AmityServerKey" = []), ("AmityServerKey" = [], "AmityApiKey" = [])),
)]
pub async fn issue_text(state: web::Data<State>, req: HttpRequest, payload: web::Payload) -> Reply {
    let fields = read_object(&req, payload, BodyLimits::of(&state.core)).await?;
    let token = issue_for(&state, &req, &fields).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(token))
}

/// Issue a secure-mode auth token (JSON)
///
/// Issues a secure-mode `authToken` for `userId` (40 hex characters, valid for `auth_token_ttl_seconds`, reusable until then; a user holds at most 10). Called by the customer's server: the server key names the network (send `x-api-key` too to look a run-time network up directly).
#[utoipa::path(get, path = "/api/v3/authentication/token", operation_id = "amity_get_auth_token",
    params(AuthTokenQuery),
    responses(
        (status = 200, description = "The `authToken`, as a JSON string.", body = String,
            content_type = "application/json",
            example = json!("5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5")),
        AuthTokenErrors,
        ServerErrors,
    ),
    security(("AmityServerKey" = []), ("AmityServerKey" = [], "AmityApiKey" = [])),
)]
pub async fn issue_json(
    state: web::Data<State>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Reply {
    let fields: Map<String, Value> = query
        .into_inner()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let token = issue_for(&state, &req, &fields).await?;
    Ok(HttpResponse::Ok().json(token))
}
