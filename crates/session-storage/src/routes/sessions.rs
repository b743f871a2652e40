//! `GET /session-storage/sessions` and `GET`/`DELETE`/`POST /session-storage/sessions/{id}`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use session_core::SessionRef;

use crate::auth::Authenticated;
use crate::body::read_json;
use crate::dto::{parse_extend, parse_list, Envelope, PageBody, SessionView};
use crate::errors::{ApiError, Rejection};
use crate::ids::parse_own;
use crate::page_token;
use crate::state::{AppState, Client};

/// The client's live sessions in creation order, one page at a time.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(client): Authenticated,
) -> Result<HttpResponse, Rejection> {
    let run = async {
        let (size, token) = parse_list(req.query_string(), &state.settings)?;
        let hasher = &state.core.hasher;
        let cursor = match token {
            Some(t) => Some(
                page_token::decode(hasher, &client.owner, &t).ok_or(ApiError::InvalidPageToken)?,
            ),
            None => None,
        };
        let page = state
            .core
            .store
            .list_by_owner(&client.owner, cursor.as_ref(), size)
            .await?;
        let data: Vec<SessionView> = page.items.iter().map(SessionView::from).collect();
        let next = page
            .next
            .map(|c| page_token::encode(hasher, &client.owner, &c));
        Ok::<_, ApiError>(HttpResponse::Ok().json(PageBody {
            ok: true,
            data,
            next_page_token: next,
        }))
    };
    run.await.map_err(|e| e.at(&req))
}

/// One of the client's sessions.
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(client): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, Rejection> {
    let run = async {
        let r = own_ref(&client, &id)?;
        let session = state
            .core
            .store
            .get(&r)
            .await?
            .ok_or(ApiError::SessionNotFound)?;
        Ok::<_, ApiError>(HttpResponse::Ok().json(Envelope::new(SessionView::from(&session))))
    };
    run.await.map_err(|e| e.at(&req))
}

/// Deletes one of the client's sessions (204).
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(client): Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, Rejection> {
    let run = async {
        let r = own_ref(&client, &id)?;
        if state.core.store.delete(&r).await? == 0 {
            return Err(ApiError::SessionNotFound);
        }
        tracing::info!(client_id = %client.id, session_id = %r.id, "session deleted");
        Ok(HttpResponse::NoContent().finish())
    };
    run.await.map_err(|e| e.at(&req))
}

/// Moves a session's expiry to now + `ttl_seconds` (204).
pub async fn extend(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(client): Authenticated,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Rejection> {
    let run = async {
        let body = read_json(&req, payload, state.core.max_body_bytes).await?;
        let ttl = parse_extend(req.query_string(), body.as_ref(), &state.settings)?;
        let ttl = Duration::seconds(i64::try_from(ttl).map_err(|_| ApiError::Internal)?);
        let r = own_ref(&client, &id)?;
        state
            .core
            .store
            .touch(&r, ttl, None)
            .await?
            .ok_or(ApiError::SessionNotFound)?;
        tracing::info!(client_id = %client.id, session_id = %r.id, "session extended");
        Ok::<_, ApiError>(HttpResponse::NoContent().finish())
    };
    run.await.map_err(|e| e.at(&req))
}

/// The store reference of `raw` if it is one of `client`'s ids; any other id is not found.
fn own_ref(client: &Client, raw: &str) -> Result<SessionRef, ApiError> {
    parse_own(raw, &client.user)
        .map(|id| SessionRef::new(client.owner.clone(), id))
        .ok_or(ApiError::SessionNotFound)
}
