//! Request parsing (field by field, so every error names its field) and response bodies.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use session_core::Session;
use utoipa::ToSchema;

use crate::errors::{ApiError, FieldError};
use crate::settings::Settings;

/// The intents a session may be created for.
pub const INTENTS: [&str; 3] = ["api", "broadcaster", "desktop"];

// The request bodies as the document shows them. They are read as JSON values and checked field
// by field (below), so these structs describe the wire, and the parsing code is the authority on
// it.

/// The intent a session is created for.
#[derive(ToSchema)]
#[schema(as = SessionStorageIntent, rename_all = "lowercase")]
pub enum Intent {
    /// The default.
    Api,
    /// A broadcasting client.
    Broadcaster,
    /// A desktop client.
    Desktop,
}

/// The `data` of `POST /session-storage/session`; every field is optional, unknown fields are
/// ignored, null counts as absent.
#[derive(ToSchema)]
#[schema(as = SessionStorageCreateData)]
pub struct CreateData {
    /// How many subscriber tokens to issue, 0 to `max_subscribers` (10); default 0.
    #[schema(minimum = 0, maximum = 10, example = 1)]
    pub subscriber_count: Option<u32>,
    /// Default `api`.
    pub intent: Option<Intent>,
    /// 1 only (a session has one publisher; older clients send it).
    #[schema(minimum = 1, maximum = 1)]
    pub publisher_count: Option<u32>,
    /// Whether the publisher may also subscribe; default false (older clients send it).
    pub publisher_can_subscribe: Option<bool>,
    /// The session's lifetime, `min_ttl_seconds` (60) to `max_ttl_seconds` (31536000); default
    /// `default_ttl_seconds` (30 days).
    #[schema(minimum = 60, maximum = 31536000, example = 3600)]
    pub ttl_seconds: Option<u64>,
}

/// The body of `POST /session-storage/session`: `{"data": {...}}` (`{}` is fine too).
#[derive(ToSchema)]
#[schema(as = SessionStorageCreateRequest)]
pub struct CreateBody {
    /// The session's parameters.
    pub data: Option<CreateData>,
}

/// The `data` of an extension.
#[derive(ToSchema)]
#[schema(as = SessionStorageExtendData)]
pub struct ExtendData {
    /// The new lifetime from now, `min_ttl_seconds` (60) to `max_ttl_seconds` (31536000).
    #[schema(minimum = 60, maximum = 31536000, example = 3600)]
    pub ttl_seconds: u64,
}

/// The optional body of `POST /session-storage/sessions/{id}`:
/// `{"data": {"ttl_seconds": N}}`.
#[derive(ToSchema)]
#[schema(as = SessionStorageExtendRequest)]
pub struct ExtendBody {
    /// The new lifetime.
    pub data: ExtendData,
}

/// A validated `POST /session-storage/session` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRequest {
    /// How many subscriber tokens to issue.
    pub subscriber_count: u32,
    /// One of [`INTENTS`].
    pub intent: String,
    /// Whether the publisher may also subscribe.
    pub publisher_can_subscribe: bool,
    /// The session's lifetime; the configured default when absent.
    pub ttl_seconds: Option<u64>,
}

/// Parses a create body: `{"data": {...}}`, every field optional, unknown fields ignored.
pub fn parse_create(body: &Value, s: &Settings) -> Result<CreateRequest, ApiError> {
    let data = data_object(body)?;
    let mut errors = Vec::new();
    let mut req = CreateRequest {
        subscriber_count: 0,
        intent: "api".into(),
        publisher_can_subscribe: false,
        ttl_seconds: None,
    };
    if let Some(v) = present(&data, "subscriber_count") {
        match v.as_u64().filter(|n| *n <= u64::from(s.max_subscribers)) {
            Some(n) => req.subscriber_count = u32::try_from(n).unwrap_or(0),
            None => errors.push(FieldError::new(
                "data.subscriber_count",
                format!("must be an integer from 0 to {}", s.max_subscribers),
            )),
        }
    }
    if let Some(v) = present(&data, "intent") {
        match v.as_str().filter(|i| INTENTS.contains(i)) {
            Some(i) => req.intent = i.to_owned(),
            None => errors.push(FieldError::new(
                "data.intent",
                format!("must be one of {}", INTENTS.join(", ")),
            )),
        }
    }
    if let Some(v) = present(&data, "publisher_count") {
        if v.as_u64() != Some(1) {
            errors.push(FieldError::new(
                "data.publisher_count",
                "must be 1 (a session has one publisher)",
            ));
        }
    }
    if let Some(v) = present(&data, "publisher_can_subscribe") {
        match v.as_bool() {
            Some(b) => req.publisher_can_subscribe = b,
            None => errors.push(FieldError::new(
                "data.publisher_can_subscribe",
                "must be true or false",
            )),
        }
    }
    if let Some(v) = present(&data, "ttl_seconds") {
        match ttl_from_json(v, s) {
            Ok(n) => req.ttl_seconds = Some(n),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(req)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The `ttl_seconds` of an extend: from the query, from `{"data": {"ttl_seconds": N}}`, or both
/// when they agree.
pub fn parse_extend(query: &str, body: Option<&Value>, s: &Settings) -> Result<u64, ApiError> {
    let from_query = match query_value(query, "ttl_seconds")? {
        Some(raw) => Some(ttl_from_str(&raw, s).map_err(one)?),
        None => None,
    };
    let from_body = match body {
        Some(b) => {
            let data = data_object(b)?;
            match present(&data, "ttl_seconds") {
                Some(v) => Some(ttl_from_json(v, s).map_err(one)?),
                None => None,
            }
        }
        None => None,
    };
    match (from_query, from_body) {
        (Some(q), Some(b)) if q != b => Err(ApiError::invalid(
            "ttl_seconds",
            "the query and the body name different values",
        )),
        (Some(n), _) | (None, Some(n)) => Ok(n),
        (None, None) => Err(ApiError::invalid(
            "ttl_seconds",
            format!(
                "is required (query ?ttl_seconds=N or body {{\"data\": {{\"ttl_seconds\": N}}}}), \
                 N from {} to {}",
                s.min_ttl_seconds, s.max_ttl_seconds
            ),
        )),
    }
}

/// The `page_size` and `page_token` of a listing (empty values count as absent).
pub fn parse_list(query: &str, s: &Settings) -> Result<(usize, Option<String>), ApiError> {
    let size = match query_value(query, "page_size")? {
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=s.max_page_size).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "page_size",
                    format!("must be an integer from 1 to {}", s.max_page_size),
                )
            })?,
        None => s.default_page_size,
    };
    Ok((size, query_value(query, "page_token")?))
}

fn one(e: FieldError) -> ApiError {
    ApiError::Validation(vec![e])
}

/// The body's `data` object: absent or null is empty; anything but an object is refused.
fn data_object(body: &Value) -> Result<Map<String, Value>, ApiError> {
    let Some(top) = body.as_object() else {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    };
    match top.get("data") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::invalid("data", "must be a JSON object")),
    }
}

/// A field that is present and not null.
fn present<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.get(key).filter(|v| !v.is_null())
}

fn ttl_from_json(v: &Value, s: &Settings) -> Result<u64, FieldError> {
    v.as_u64()
        .filter(|n| (s.min_ttl_seconds..=s.max_ttl_seconds).contains(n))
        .ok_or_else(|| ttl_error("data.ttl_seconds", s))
}

fn ttl_from_str(raw: &str, s: &Settings) -> Result<u64, FieldError> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (s.min_ttl_seconds..=s.max_ttl_seconds).contains(n))
        .ok_or_else(|| ttl_error("ttl_seconds", s))
}

fn ttl_error(field: &str, s: &Settings) -> FieldError {
    FieldError::new(
        field,
        format!(
            "must be a whole number of seconds from {} to {}",
            s.min_ttl_seconds, s.max_ttl_seconds
        ),
    )
}

/// One query parameter; empty counts as absent, a repeated one or a malformed query is refused.
fn query_value(query: &str, key: &str) -> Result<Option<String>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ApiError::invalid("query", "is not a valid URL-encoded query string"))?;
    let mut found = pairs.into_iter().filter(|(k, _)| k == key).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(ApiError::invalid(key, "is given more than once"));
    }
    Ok(first.filter(|v| !v.is_empty()))
}

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
    /// Creation time (RFC 3339 UTC, whole seconds).
    #[schema(example = "2024-10-11T09:02:56Z")]
    pub created_at: String,
    /// Last change (creation or extension).
    #[schema(example = "2024-10-11T09:02:56Z")]
    pub updated_at: String,
    /// When it vanishes.
    #[schema(example = "2024-11-10T09:02:56Z")]
    pub expires_at: String,
}

impl From<&Session> for SessionView {
    fn from(s: &Session) -> Self {
        Self {
            id: s.id.to_string(),
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
    /// Creation time (RFC 3339 UTC, whole seconds).
    #[schema(example = "2024-10-11T09:02:56Z")]
    pub created_at: String,
    /// Same as `created_at`.
    #[schema(example = "2024-10-11T09:02:56Z")]
    pub updated_at: String,
    /// When it vanishes.
    #[schema(example = "2024-11-10T09:02:56Z")]
    pub expires_at: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn s() -> Settings {
        Settings::default()
    }

    fn fields(e: ApiError) -> Vec<String> {
        match e {
            ApiError::Validation(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn create_defaults_and_accepts_older_clients_fields() {
        let r = parse_create(&json!({"data": {}}), &s()).unwrap();
        assert_eq!(r.subscriber_count, 0);
        assert_eq!(r.intent, "api");
        assert!(!r.publisher_can_subscribe);
        assert_eq!(parse_create(&json!({}), &s()).unwrap(), r);
        let r = parse_create(
            &json!({"data": {"subscriber_count": 10, "intent": "desktop", "publisher_count": 1,
                              "publisher_can_subscribe": true, "ttl_seconds": 60, "extra": 1}}),
            &s(),
        )
        .unwrap();
        assert_eq!(r.subscriber_count, 10);
        assert_eq!(r.intent, "desktop");
        assert!(r.publisher_can_subscribe);
        assert_eq!(r.ttl_seconds, Some(60));
    }

    #[test]
    fn create_names_every_bad_field() {
        let e = parse_create(
            &json!({"data": {"subscriber_count": 11, "intent": "x", "publisher_count": 2,
                              "publisher_can_subscribe": "yes", "ttl_seconds": 59}}),
            &s(),
        )
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "data.subscriber_count",
                "data.intent",
                "data.publisher_count",
                "data.publisher_can_subscribe",
                "data.ttl_seconds"
            ]
        );
        for (body, field) in [
            (json!([]), "body"),
            (json!({"data": 1}), "data"),
            (
                json!({"data": {"subscriber_count": -1}}),
                "data.subscriber_count",
            ),
            (
                json!({"data": {"subscriber_count": 1.5}}),
                "data.subscriber_count",
            ),
            (json!({"data": {"intent": 3}}), "data.intent"),
        ] {
            assert_eq!(fields(parse_create(&body, &s()).unwrap_err()), [field]);
        }
    }

    #[test]
    fn extend_reads_query_or_body() {
        assert_eq!(parse_extend("ttl_seconds=60", None, &s()).unwrap(), 60);
        let b = json!({"data": {"ttl_seconds": 120}});
        assert_eq!(parse_extend("", Some(&b), &s()).unwrap(), 120);
        assert_eq!(
            parse_extend("ttl_seconds=120", Some(&b), &s()).unwrap(),
            120
        );
        for (q, body) in [
            ("", None),
            ("ttl_seconds=", None),
            ("ttl_seconds=59", None),
            ("ttl_seconds=31536001", None),
            ("ttl_seconds=abc", None),
            ("ttl_seconds=-5", None),
            ("ttl_seconds=1.5", None),
            ("ttl_seconds=60&ttl_seconds=70", None),
            ("ttl_seconds=60", Some(json!({"data": {"ttl_seconds": 61}}))),
            ("", Some(json!({"data": {"ttl_seconds": "60"}}))),
            ("", Some(json!({"data": {}}))),
        ] {
            let e = parse_extend(q, body.as_ref(), &s()).unwrap_err();
            assert!(matches!(e, ApiError::Validation(_)), "{q} {body:?}");
        }
    }

    #[test]
    fn list_query_bounds() {
        assert_eq!(parse_list("", &s()).unwrap(), (20, None));
        assert_eq!(
            parse_list("page_size=&page_token=", &s()).unwrap(),
            (20, None)
        );
        assert_eq!(
            parse_list("page_size=100&page_token=abc", &s()).unwrap(),
            (100, Some("abc".into()))
        );
        for q in [
            "page_size=0",
            "page_size=101",
            "page_size=x",
            "page_size=-1",
        ] {
            assert_eq!(fields(parse_list(q, &s()).unwrap_err()), ["page_size"]);
        }
    }

    #[test]
    fn timestamps_are_whole_seconds_with_z() {
        let t = DateTime::parse_from_rfc3339("2024-10-11T09:02:56.789+00:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(t), "2024-10-11T09:02:56Z");
    }
}
