//! `POST /session-storage/session`: a new session with its publisher and subscriber tokens.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use flavor_kit::{BodyLimits, Reply};
use serde_json::Value;
use session_core::{Error, Flavor, Session, SessionRef};

use crate::auth::Authenticated;
use crate::body::read_json;
use crate::clients::Client;
use crate::dto::{CreatedView, Envelope, TimesView};
use crate::errors::{ApiError, ErrorsBody as ErrorBody};
use crate::ids::{self, new_id};
use crate::requests::{parse_create, CreateBody, DEFAULT_INTENT};
use crate::routes::answers::{AtCreate, BodyErrors, RouteErrors};
use crate::state::State;
use crate::tokens::{self, SUBSCRIBER_HASHES};

/// Fresh ids tried before giving up on (astronomically unlikely) collisions.
const ID_ATTEMPTS: usize = 3;

/// Creates a session (201), refusing at the per-user limit or evicting the oldest.
#[utoipa::path(post, path = "/session-storage/session", operation_id = "session_storage_create_session",
    request_body(
        content = CreateBody,
        content_type = "application/json",
        description = "`{\"data\": {...}}`; every field is optional and unknown fields are \
            ignored: `{}` and `{\"data\": {}}` create a session with the defaults.",
    ),
    responses(
        (status = 201, description = "The session with its tokens, shown this once.",
            body = Envelope<CreatedView>),
        (status = 400, description = "The body is not valid JSON, is empty or could not be read.", body = ErrorBody,
            examples(
                ("malformed" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:malformed_json", "status": 400, "title": "Bad Request", "detail": "the request body is not valid JSON: EOF while parsing an object at line 1 column 1", "instance": "/session-storage/session", "error_code": "MALFORMED_JSON"}]}))),
                ("empty" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:empty_body", "status": 400, "title": "Bad Request", "detail": "the request body is empty; send a JSON object such as {\"data\": {}}", "instance": "/session-storage/session", "error_code": "EMPTY_BODY"}]}))),
                ("unreadable" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:unreadable_body", "status": 400, "title": "Bad Request", "detail": "the request body could not be read", "instance": "/session-storage/session", "error_code": "UNREADABLE_BODY"}]}))),
            )),
        (status = 409, description = "The user already holds `max_sessions_per_user` live \
            sessions and the policy is `refuse` (409 by default, `limit_status`).", body = ErrorBody,
            example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:session_limit_reached", "status": 409, "title": "Session Limit Reached", "detail": "the user already holds its maximum of 10 live sessions; delete one first", "instance": "/session-storage/session", "error_code": "SESSION_LIMIT_REACHED"}]})),
        (status = 429, description = "Same as 409, when `limit_status = 429`.", body = ErrorBody,
            example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:session_limit_reached", "status": 429, "title": "Session Limit Reached", "detail": "the user already holds its maximum of 10 live sessions; delete one first", "instance": "/session-storage/session", "error_code": "SESSION_LIMIT_REACHED"}]})),
        (status = 422, description = "A field of the body is of the wrong type or out of range; one entry per field.", body = ErrorBody,
            example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:validation_error", "status": 422, "title": "Unprocessable Entity", "detail": "data.subscriber_count: must be an integer from 0 to 10", "instance": "/session-storage/session", "error_code": "VALIDATION_ERROR"}]})),
        BodyErrors<AtCreate>,
        RouteErrors<AtCreate>,
    ),
    security(("ClientID" = [], "ClientSecret" = [])),
)]
pub async fn create(
    req: HttpRequest,
    state: web::Data<State>,
    Authenticated(client): Authenticated,
    payload: web::Payload,
) -> Reply {
    Ok(run(&req, &state, &client, payload).await?)
}

async fn run(
    req: &HttpRequest,
    state: &State,
    client: &Client,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_json(req, payload, BodyLimits::of(&state.core))
        .await?
        .ok_or(ApiError::EmptyBody)?;
    let request = parse_create(&body, &state.settings)?;
    let ttl = request
        .ttl_seconds
        .unwrap_or(state.settings.default_ttl_seconds);
    let ttl = Duration::seconds(i64::try_from(ttl).map_err(|_| ApiError::Internal)?);
    let hasher = &state.core.hasher;
    for _ in 0..ID_ATTEMPTS {
        let id = new_id()?;
        let wire_id = ids::wire(&client.user, &id);
        let publisher = tokens::issue(&client.id, &wire_id)?;
        let subscribers = (0..request.subscriber_count)
            .map(|_| tokens::issue(&client.id, &wire_id))
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
        session.origin = flavor_kit::metadata::origin(req, &state.core);
        session.token_hash = Some(tokens::hash(hasher, &publisher));
        // Only what differs from the defaults is stored: a default session is its head alone.
        if !subscribers.is_empty() {
            let hashes: Vec<Value> = subscribers
                .iter()
                .map(|t| Value::String(tokens::hash(hasher, t).to_hex()))
                .collect();
            session
                .attrs
                .insert(SUBSCRIBER_HASHES.into(), Value::Array(hashes));
        }
        if request.intent != DEFAULT_INTENT {
            session
                .attrs
                .insert("intent".into(), Value::String(request.intent.clone()));
        }
        if request.publisher_can_subscribe {
            session
                .attrs
                .insert("publisher_can_subscribe".into(), Value::Bool(true));
        }
        let view = CreatedView {
            id: wire_id.clone(),
            publisher,
            subscriber: subscribers,
            webrtc_room_name: wire_id.clone(),
            webrtc_url: state.settings.webrtc_url.clone(),
            ws_url: state.settings.ws_url.clone(),
            intent: request.intent.clone(),
            times: TimesView::from(&session),
        };
        match state.core.store.create(session, Some(client.limit)).await {
            Ok(created) => {
                tracing::info!(
                    client_id = %client.id,
                    session_id = %wire_id,
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
