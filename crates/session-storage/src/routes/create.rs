//! `POST /session-storage/session`: a new session with its publisher and subscriber tokens.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use serde_json::Value;
use session_core::{Error, Flavor, Session, SessionRef};

use crate::auth::Authenticated;
use crate::body::read_json;
use crate::dto::{parse_create, timestamp, CreatedView, Envelope};
use crate::errors::{ApiError, Rejection};
use crate::ids::new_id;
use crate::state::{AppState, Client};
use crate::tokens::{self, SUBSCRIBER_HASHES};

/// Fresh ids tried before giving up on (astronomically unlikely) collisions.
const ID_ATTEMPTS: usize = 3;

/// Creates a session (201), refusing at the per-user limit or evicting the oldest.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authenticated(client): Authenticated,
    payload: web::Payload,
) -> Result<HttpResponse, Rejection> {
    run(&req, &state, &client, payload)
        .await
        .map_err(|e| e.at(&req))
}

async fn run(
    req: &HttpRequest,
    state: &AppState,
    client: &Client,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_json(req, payload, state.core.max_body_bytes)
        .await?
        .ok_or(ApiError::EmptyBody)?;
    let request = parse_create(&body, &state.settings)?;
    let ttl = request
        .ttl_seconds
        .unwrap_or(state.settings.default_ttl_seconds);
    let ttl = Duration::seconds(i64::try_from(ttl).map_err(|_| ApiError::Internal)?);
    let hasher = &state.core.hasher;
    for _ in 0..ID_ATTEMPTS {
        let id = new_id(&client.user)?;
        let publisher = tokens::issue(&client.id, &id)?;
        let subscribers = (0..request.subscriber_count)
            .map(|_| tokens::issue(&client.id, &id))
            .collect::<Result<Vec<_>, _>>()?;
        let now = state.core.clock.now();
        let mut session = Session::new(
            SessionRef::new(client.owner.clone(), id.clone()),
            Flavor::SessionStorage,
            client.id.clone(),
            now,
            ttl,
        );
        session.subject = Some(client.user.clone());
        session.token_hash = Some(tokens::hash(hasher, &publisher));
        let hashes: Vec<Value> = subscribers
            .iter()
            .map(|t| Value::String(tokens::hash(hasher, t).as_str().to_owned()))
            .collect();
        session
            .attrs
            .insert(SUBSCRIBER_HASHES.into(), Value::Array(hashes));
        session
            .attrs
            .insert("intent".into(), Value::String(request.intent.clone()));
        session.attrs.insert(
            "publisher_can_subscribe".into(),
            Value::Bool(request.publisher_can_subscribe),
        );
        let view = CreatedView {
            id: id.to_string(),
            publisher,
            subscriber: subscribers,
            webrtc_room_name: id.to_string(),
            webrtc_url: state.settings.webrtc_url.clone(),
            ws_url: state.settings.ws_url.clone(),
            intent: request.intent.clone(),
            created_at: timestamp(session.created_at),
            updated_at: timestamp(session.updated_at),
            expires_at: timestamp(session.expires_at),
        };
        match state.core.store.create(session, Some(client.limit)).await {
            Ok(created) => {
                tracing::info!(
                    client_id = %client.id,
                    session_id = %id,
                    evicted = created.evicted.len(),
                    "session created"
                );
                return Ok(HttpResponse::Created().json(Envelope::new(view)));
            }
            Err(Error::Conflict(_)) => continue,
            Err(Error::CapacityReached) => {
                return Err(ApiError::LimitReached {
                    max: client.limit.max,
                    status: state.limit_status(),
                })
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::error!(client_id = %client.id, "no free session id after {ID_ATTEMPTS} attempts");
    Err(ApiError::Internal)
}
