//! The admin API's event routes: `GET /admin/v1/events?after=&limit=` (the pull API) and
//! `GET /admin/v1/events/dead-letters?webhook=&limit=`.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::access::EventsAdmin;
use super::payload::EventBody;
use crate::admin::openapi::{AdminErrorBody, BearerThrottled, NoBearer, StoreUnavailable};
use crate::admin::{AdminError, AdminState};

/// Default and largest page.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;
/// Longest cursor accepted.
const MAX_CURSOR: usize = 64;

/// The pull API's query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PullQuery {
    /// The `next` of the page before; from the oldest event kept without one.
    #[param(min_length = 1, max_length = 64)]
    after: Option<String>,
    /// How many, 1-1000 (100 when absent).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// The dead letters' query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeadQuery {
    /// Only this webhook's (`events.webhooks[].name`); every webhook's without.
    webhook: Option<String>,
    /// How many per webhook, 1-1000 (100 when absent).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// A page of the log.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminEventPage)]
pub(crate) struct EventPage {
    /// The events, in log order (each one of the event schemas).
    data: Vec<EventBody>,
    /// The cursor to go on with (`after`); null while the log is empty.
    next: Option<String>,
}

/// Events given up.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminDeadLetters)]
pub(crate) struct DeadLetters {
    /// Newest first, webhook by webhook.
    data: Vec<DeadLetterView>,
}

/// An event a webhook gave up on.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminDeadLetter)]
pub(crate) struct DeadLetterView {
    /// The webhook's name.
    webhook: String,
    /// The event.
    event: EventBody,
    /// The last attempt's error.
    error: String,
    /// How many attempts were made.
    attempts: u32,
    /// When it was given up.
    at: DateTime<Utc>,
}

fn events_of(state: &AdminState) -> Result<&EventsAdmin, AdminError> {
    state
        .events
        .as_ref()
        .ok_or_else(|| AdminError::Invalid("events are off (events.enabled = false)".into()))
}

fn limit(asked: Option<usize>) -> Result<usize, AdminError> {
    match asked.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(n),
        _ => Err(AdminError::Invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        ))),
    }
}

/// The pull API: events in log order after the cursor (from the oldest kept without one) and
/// the cursor to go on with. See docs/events.md.
#[utoipa::path(get, path = "/admin/v1/events",
    operation_id = "admin_events",
    security(("AdminBearer" = [])),
    params(PullQuery),
    responses(
        (status = 200, description = "A page of events.", body = EventPage),
        NoBearer,
        (status = 422, description = "Events are off (`events.enabled = false`), a limit out \
            of range, a cursor not of this log.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn pull(
    state: web::Data<AdminState>,
    q: web::Query<PullQuery>,
) -> Result<HttpResponse, AdminError> {
    let events = events_of(&state)?;
    let limit = limit(q.limit)?;
    if q.after
        .as_ref()
        .is_some_and(|a| a.is_empty() || a.len() > MAX_CURSOR)
    {
        return Err(AdminError::Invalid(
            "after is not a cursor of this log".into(),
        ));
    }
    let page = events.log.page(q.after.as_deref(), limit).await?;
    Ok(HttpResponse::Ok().json(EventPage {
        data: page.events.iter().map(EventBody::of).collect(),
        next: page.next,
    }))
}

/// The events given up after their webhook's retry horizon, newest first, of one webhook or of
/// every one.
#[utoipa::path(get, path = "/admin/v1/events/dead-letters",
    operation_id = "admin_dead_letters",
    security(("AdminBearer" = [])),
    params(DeadQuery),
    responses(
        (status = 200, description = "The dead letters.", body = DeadLetters),
        NoBearer,
        (status = 404, description = "No webhook has this name.", body = AdminErrorBody),
        (status = 422, description = "Events are off (`events.enabled = false`), a limit out \
            of range.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn dead_letters(
    state: web::Data<AdminState>,
    q: web::Query<DeadQuery>,
) -> Result<HttpResponse, AdminError> {
    let events = events_of(&state)?;
    let limit = limit(q.limit)?;
    let names: Vec<&String> = match &q.webhook {
        Some(name) => vec![events
            .webhooks
            .iter()
            .find(|w| *w == name)
            .ok_or(AdminError::NotFound)?],
        None => events.webhooks.iter().collect(),
    };
    let mut data = Vec::new();
    for name in names {
        for letter in events.log.dead_letters(name, limit).await? {
            data.push(DeadLetterView {
                webhook: name.clone(),
                event: EventBody::of(&letter.event),
                error: letter.error,
                attempts: letter.attempts,
                at: letter.at,
            });
        }
    }
    Ok(HttpResponse::Ok().json(DeadLetters { data }))
}
