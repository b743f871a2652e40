//! `GET /session-storage/sessions` and `GET`/`DELETE`/`POST /session-storage/sessions/{id}`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use flavor_kit::{BodyLimits, Reply};
use serde::Deserialize;
use session_core::SessionRef;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::body::read_json;
use crate::clients::Client;
use crate::dto::{Envelope, PageBody, SessionView};
use crate::errors::{ApiError, ErrorsBody as ErrorBody};
use crate::ids::parse_own;
use crate::page_token;
use crate::requests::{parse_extend, parse_list, ExtendBody};
use crate::routes::answers::{AtList, AtSession, BodyErrors, NotFound, RouteErrors};
use crate::state::State;

/// The client's live sessions in creation order, one page at a time.
#[utoipa::path(get, path = "/session-storage/sessions", operation_id = "session_storage_list_sessions",
    params(
        ("page_size" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Sessions per page, 1 to `max_page_size` (100); default \
                `default_page_size` (20). Empty counts as absent."),
        ("page_token" = Option<String>, Query,
            description = "The `next_page_token` of the previous page. Empty counts as absent."),
    ),
    responses(
        (status = 200, description = "A page of the client's live sessions, in creation order.",
            body = PageBody),
        (status = 422, description = "A bad `page_size`, or a `page_token` altered or issued to another client.", body = ErrorBody,
            examples(
                ("page_size" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:validation_error", "status": 422, "title": "Unprocessable Entity", "detail": "page_size: must be an integer from 1 to 100", "instance": "/session-storage/sessions", "error_code": "VALIDATION_ERROR"}]}))),
                ("page_token" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:invalid_page_token", "status": 422, "title": "Unprocessable Entity", "detail": "page_token is not a token this server issued for this client", "instance": "/session-storage/sessions", "error_code": "INVALID_PAGE_TOKEN"}]}))),
            )),
        RouteErrors<AtList>,
    ),
    security(("ClientID" = [], "ClientSecret" = [])),
)]
pub async fn list(
    req: HttpRequest,
    state: web::Data<State>,
    Authenticated(client): Authenticated,
) -> Reply {
    let (size, token) = parse_list(req.query_string(), &state.settings)?;
    let hasher = &state.core.hasher;
    let cursor = match token {
        Some(t) => {
            Some(page_token::decode(hasher, &client.owner, &t).ok_or(ApiError::InvalidPageToken)?)
        }
        None => None,
    };
    let page = state
        .core
        .store
        .list_by_owner(&client.owner, cursor.as_ref(), size)
        .await
        .map_err(ApiError::from)?;
    let data: Vec<SessionView> = page.items.iter().map(SessionView::from).collect();
    let next = page
        .next
        .map(|c| page_token::encode(hasher, &client.owner, &c));
    Ok(HttpResponse::Ok().json(PageBody {
        ok: true,
        data,
        next_page_token: next,
    }))
}

/// One of the client's sessions.
#[utoipa::path(get, path = "/session-storage/sessions/{id}", operation_id = "session_storage_get_session",
    params(IdPath),
    responses(
        (status = 200, description = "The session (never its tokens).",
            body = Envelope<SessionView>),
        NotFound,
        RouteErrors<AtSession>,
    ),
    security(("ClientID" = [], "ClientSecret" = [])),
)]
pub async fn get(
    state: web::Data<State>,
    Authenticated(client): Authenticated,
    id: web::Path<IdPath>,
) -> Reply {
    let r = id.own_ref(&client)?;
    let found = state.core.store.get(&r).await.map_err(ApiError::from)?;
    let session = found.ok_or(ApiError::SessionNotFound)?;
    Ok(HttpResponse::Ok().json(Envelope::new(SessionView::from(&session))))
}

/// Deletes one of the client's sessions (204).
#[utoipa::path(delete, path = "/session-storage/sessions/{id}", operation_id = "session_storage_delete_session",
    params(IdPath),
    responses(
        (status = 204, description = "Deleted; empty body."),
        NotFound,
        RouteErrors<AtSession>,
    ),
    security(("ClientID" = [], "ClientSecret" = [])),
)]
pub async fn delete(
    state: web::Data<State>,
    Authenticated(client): Authenticated,
    id: web::Path<IdPath>,
) -> Reply {
    let r = id.own_ref(&client)?;
    if state.core.store.delete(&r).await.map_err(ApiError::from)? == 0 {
        return Err(ApiError::SessionNotFound.into());
    }
    tracing::info!(client_id = %client.id, session_id = %r.id, "session deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Moves a session's expiry to now + `ttl_seconds` (204).
#[utoipa::path(post, path = "/session-storage/sessions/{id}", operation_id = "session_storage_extend_session",
    params(
        IdPath,
        ("ttl_seconds" = Option<u64>, Query, minimum = 60, maximum = 31536000,
            description = "The new lifetime from now, `min_ttl_seconds` (60) to \
                `max_ttl_seconds` (31536000); or give it in the body (both must agree)."),
    ),
    request_body(
        content = Option<ExtendBody>,
        content_type = "application/json",
        description = "`{\"data\": {\"ttl_seconds\": N}}`, instead of the query parameter.",
    ),
    responses(
        (status = 204, description = "`expires_at` is now + `ttl_seconds`, `updated_at` now; \
            empty body."),
        (status = 400, description = "The body is not valid JSON or could not be read.", body = ErrorBody,
            examples(
                ("malformed" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:malformed_json", "status": 400, "title": "Bad Request", "detail": "the request body is not valid JSON: EOF while parsing an object at line 1 column 1", "instance": "/session-storage/sessions/8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b", "error_code": "MALFORMED_JSON"}]}))),
                ("unreadable" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:unreadable_body", "status": 400, "title": "Bad Request", "detail": "the request body could not be read", "instance": "/session-storage/sessions/8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b", "error_code": "UNREADABLE_BODY"}]}))),
            )),
        (status = 422, description = "`ttl_seconds` missing, out of range, or different in the query and the body.", body = ErrorBody,
            example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:validation_error", "status": 422, "title": "Unprocessable Entity", "detail": "ttl_seconds: must be a whole number of seconds from 60 to 31536000", "instance": "/session-storage/sessions/8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b", "error_code": "VALIDATION_ERROR"}]})),
        NotFound,
        BodyErrors<AtSession>,
        RouteErrors<AtSession>,
    ),
    security(("ClientID" = [], "ClientSecret" = [])),
)]
pub async fn extend(
    req: HttpRequest,
    state: web::Data<State>,
    Authenticated(client): Authenticated,
    id: web::Path<IdPath>,
    payload: web::Payload,
) -> Reply {
    let body = read_json(&req, payload, BodyLimits::of(&state.core)).await?;
    let ttl = parse_extend(req.query_string(), body.as_ref(), &state.settings)?;
    let ttl = Duration::seconds(i64::try_from(ttl).map_err(|_| ApiError::Internal)?);
    let r = id.own_ref(&client)?;
    let touched = state.core.store.touch(&r, ttl, None).await;
    touched
        .map_err(ApiError::from)?
        .ok_or(ApiError::SessionNotFound)?;
    tracing::info!(client_id = %client.id, session_id = %r.id, "session extended");
    Ok(HttpResponse::NoContent().finish())
}

/// The `{id}` of `/session-storage/sessions/{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The session id (`<user>.<8 hex>.<8 hex>`).
    id: String,
}

impl IdPath {
    /// The store reference of the id if it is one of `client`'s; any other id is not found.
    fn own_ref(&self, client: &Client) -> Result<SessionRef, ApiError> {
        parse_own(&self.id, &client.user)
            .map(|id| SessionRef::new(client.owner.clone(), id))
            .ok_or(ApiError::SessionNotFound)
    }
}
