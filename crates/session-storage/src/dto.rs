//! Response bodies.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use session_core::Session;
use utoipa::ToSchema;

/// RFC 3339 UTC with `Z`, whole seconds (`2024-10-11T09:02:56Z`).
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A success body: `{"ok": true, "data": ...}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionStorageEnvelope)]
pub struct Envelope<T> {
    /// Always true.
    #[schema(example = true)]
    pub ok: bool,
    /// The payload.
    pub data: T,
}

impl<T> Envelope<T> {
    /// `data` in a success body.
    pub fn new(data: T) -> Self {
        Self { ok: true, data }
    }
}

/// A page of the listing: `{"ok": true, "data": [...], "next_page_token": ...}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionStoragePage)]
pub struct PageBody {
    /// Always true.
    #[schema(example = true)]
    pub ok: bool,
    /// Sessions in creation order.
    pub data: Vec<SessionView>,
    /// Resumes after the last item (pass it as `page_token`); null on the last page. Opaque.
    pub next_page_token: Option<String>,
}

/// What `GET` shows of a session.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionStorageSession)]
pub struct SessionView {
    /// `<user>.<hex>.<hex>`.
    #[schema(example = "8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b")]
    pub id: String,
    /// When it was made, changed and vanishes.
    #[serde(flatten)]
    pub times: TimesView,
}

impl From<&Session> for SessionView {
    fn from(s: &Session) -> Self {
        Self {
            id: crate::ids::wire(s.subject.as_deref().unwrap_or_default(), &s.id),
            times: TimesView::from(s),
        }
    }
}

/// A session's times, as every answer that shows a session gives them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionStorageTimes)]
pub struct TimesView {
    /// Creation time (RFC 3339 UTC, whole seconds).
    #[schema(example = "2024-10-11T09:02:56Z")]
    pub created_at: String,
    /// Last change (creation or extension; at creation, the same as `created_at`).
    #[schema(example = "2024-10-11T09:02:56Z")]
    pub updated_at: String,
    /// When it vanishes.
    #[schema(example = "2024-11-10T09:02:56Z")]
    pub expires_at: String,
}

impl From<&Session> for TimesView {
    fn from(s: &Session) -> Self {
        Self {
            created_at: timestamp(s.created_at),
            updated_at: timestamp(s.updated_at),
            expires_at: timestamp(s.expires_at),
        }
    }
}

/// The `data` of a create: the tokens, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SessionStorageCreated)]
pub struct CreatedView {
    /// The session id (`<user>.<8 hex>.<8 hex>`).
    #[schema(example = "8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b")]
    pub id: String,
    /// The publisher token (`<base64url(client_id)>.<session id>.<secret>`).
    pub publisher: String,
    /// One token per subscriber.
    pub subscriber: Vec<String>,
    /// The WebRTC room of the session (its id).
    pub webrtc_room_name: String,
    /// From configuration.
    pub webrtc_url: String,
    /// From configuration.
    pub ws_url: String,
    /// As requested.
    #[schema(example = "api")]
    pub intent: String,
    /// When it was made and vanishes.
    #[serde(flatten)]
    pub times: TimesView,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn timestamps_are_whole_seconds_with_z() {
        let t = DateTime::parse_from_rfc3339("2024-10-11T09:02:56.789+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(t), "2024-10-11T09:02:56Z");
    }
}
