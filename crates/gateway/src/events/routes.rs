//! The admin API's event routes: `GET /admin/v1/events?after=&limit=` (the pull API) and
//! `GET /admin/v1/events/dead-letters?webhook=&limit=`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::access::EventsAdmin;
use super::payload::EventBody;
use crate::admin::{AdminError, AdminState};

/// Default and largest page.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;
/// Longest cursor accepted.
const MAX_CURSOR: usize = 64;

/// The pull API's query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PullQuery {
    after: Option<String>,
    limit: Option<usize>,
}

/// The dead letters' query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeadQuery {
    webhook: Option<String>,
    limit: Option<usize>,
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

/// `GET /admin/v1/events?after=<cursor>&limit=`: events in log order after the cursor (from
/// the oldest kept without one) and the cursor to go on with.
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
    Ok(HttpResponse::Ok().json(json!({
        "data": page.events.iter().map(EventBody::of).collect::<Vec<_>>(),
        "next": page.next,
    })))
}

/// `GET /admin/v1/events/dead-letters?webhook=&limit=`: the events given up, newest first, of
/// one webhook or of every one.
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
            data.push(json!({
                "webhook": name,
                "event": EventBody::of(&letter.event),
                "error": letter.error,
                "attempts": letter.attempts,
                "at": letter.at,
            }));
        }
    }
    Ok(HttpResponse::Ok().json(json!({ "data": data })))
}
