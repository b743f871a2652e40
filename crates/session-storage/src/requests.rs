//! The request bodies and query parameters of the flavor, each member written once, as a
//! [`Member`]: its name, what it is and how the document describes it. The parser reads the body
//! (a JSON value) and the query member by member, with the bounds of the configuration, so every
//! error names its member; the document shows the bounds of the default configuration. Every
//! member is optional unless said, unknown members are ignored and `null` counts as absent.

use flavor_kit::openapi::{object, optional, Schemas};
use serde_json::{json, Map, Value};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::errors::{ApiError, FieldError};
use crate::settings::Settings;

/// The intents a session may be created for.
pub const INTENTS: [&str; 3] = ["api", "broadcaster", "desktop"];

/// What a member holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A count (`int32`) within bounds of the configuration.
    Count(fn(&Settings) -> (u64, u64)),
    /// A lifetime in seconds (`int64`) within bounds of the configuration.
    Seconds(fn(&Settings) -> (u64, u64)),
    /// `true` or `false`.
    Flag,
}

/// A member of a request's `data` (or the query).
#[derive(Debug, Clone, Copy)]
pub struct Member {
    /// Its name on the wire.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// What the document says of it.
    pub description: &'static str,
    /// Its example.
    pub example: Option<u64>,
}

impl Member {
    /// Its bounds under `s` (counts and lifetimes).
    pub fn bounds(&self, s: &Settings) -> (u64, u64) {
        match self.kind {
            Kind::Count(f) | Kind::Seconds(f) => f(s),
            Kind::Flag => (0, 1),
        }
    }

    /// Its schema under the default configuration.
    fn schema(&self, required: bool) -> RefOr<Schema> {
        let ty = match self.kind {
            Kind::Flag => Type::Boolean,
            Kind::Count(_) | Kind::Seconds(_) => Type::Integer,
        };
        let schema_type = if required {
            SchemaType::Type(ty)
        } else {
            SchemaType::Array(vec![ty, Type::Null])
        };
        let format = match self.kind {
            Kind::Count(_) => Some(KnownFormat::Int32),
            Kind::Seconds(_) => Some(KnownFormat::Int64),
            Kind::Flag => None,
        };
        let bounds = match self.kind {
            Kind::Flag => None,
            _ => Some(self.bounds(&Settings::default())),
        };
        #[allow(deprecated)] // `example`: what the rest of the document uses.
        let schema = ObjectBuilder::new()
            .schema_type(schema_type)
            .format(format.map(SchemaFormat::KnownFormat))
            .description(Some(self.description))
            .example(self.example.map(|e| json!(e)))
            .minimum(bounds.map(|b| b.0 as f64))
            .maximum(bounds.map(|b| b.1 as f64));
        schema.into()
    }
}

/// `subscriber_count`.
pub const SUBSCRIBER_COUNT: Member = Member {
    name: "subscriber_count",
    kind: Kind::Count(|s| (0, u64::from(s.max_subscribers))),
    description: "How many subscriber tokens to issue, 0 to `max_subscribers` (10); default 0.",
    example: Some(1),
};
/// `publisher_count`: older clients send it.
pub const PUBLISHER_COUNT: Member = Member {
    name: "publisher_count",
    kind: Kind::Count(|_| (1, 1)),
    description: "1 only (a session has one publisher; older clients send it).",
    example: None,
};
/// `publisher_can_subscribe`.
pub const PUBLISHER_CAN_SUBSCRIBE: Member = Member {
    name: "publisher_can_subscribe",
    kind: Kind::Flag,
    description: "Whether the publisher may also subscribe; default false (older clients send it).",
    example: None,
};
/// `ttl_seconds` of a create.
pub const TTL_SECONDS: Member = Member {
    name: "ttl_seconds",
    kind: Kind::Seconds(|s| (s.min_ttl_seconds, s.max_ttl_seconds)),
    description: "The session's lifetime, `min_ttl_seconds` (60) to `max_ttl_seconds` (31536000); \
        default\n`default_ttl_seconds` (30 days).",
    example: Some(3600),
};
/// `ttl_seconds` of an extension.
pub const EXTEND_TTL_SECONDS: Member = Member {
    description: "The new lifetime from now, `min_ttl_seconds` (60) to `max_ttl_seconds` \
        (31536000).",
    ..TTL_SECONDS
};
/// `intent`: one of [`INTENTS`].
pub const INTENT: &str = "intent";

// ---------------------------------------------------------------------------------------------
// The document

/// The intent a session is created for.
pub struct Intent;
flavor_kit::documented!(
    Intent,
    "SessionStorageIntent",
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The intent a session is created for."))
        .enum_values(Some(INTENTS))
        .into(),
    |_| {}
);

/// The `data` of a create.
pub struct CreateData;
flavor_kit::documented!(
    CreateData,
    "SessionStorageCreateData",
    object(
        "The `data` of `POST /session-storage/session`; every field is optional, unknown fields \
         are\nignored, null counts as absent.",
        vec![
            (SUBSCRIBER_COUNT.name, SUBSCRIBER_COUNT.schema(false), false),
            (INTENT, optional(&Intent::name(), "Default `api`."), false),
            (PUBLISHER_COUNT.name, PUBLISHER_COUNT.schema(false), false),
            (
                PUBLISHER_CAN_SUBSCRIBE.name,
                PUBLISHER_CAN_SUBSCRIBE.schema(false),
                false
            ),
            (TTL_SECONDS.name, TTL_SECONDS.schema(false), false),
        ],
    ),
    |schemas| schemas.push((Intent::name().into_owned(), Intent::schema()))
);

/// The body of a create.
pub struct CreateBody;
flavor_kit::documented!(
    CreateBody,
    "SessionStorageCreateRequest",
    object(
        "The body of `POST /session-storage/session`: `{\"data\": {...}}` (`{}` is fine too).",
        vec![(
            "data",
            optional(&CreateData::name(), "The session's parameters."),
            false
        )],
    ),
    |schemas: &mut Schemas| {
        schemas.push((CreateData::name().into_owned(), CreateData::schema()));
        CreateData::schemas(schemas);
    }
);

/// The `data` of an extension.
pub struct ExtendData;
flavor_kit::documented!(
    ExtendData,
    "SessionStorageExtendData",
    object(
        "The `data` of an extension: `ttl_seconds` here or in the query (both: the same value).",
        vec![(
            EXTEND_TTL_SECONDS.name,
            EXTEND_TTL_SECONDS.schema(false),
            false
        )],
    ),
    |_| {}
);

/// The optional body of an extension.
pub struct ExtendBody;
flavor_kit::documented!(
    ExtendBody,
    "SessionStorageExtendRequest",
    object(
        "The optional body of `POST /session-storage/sessions/{id}`:\n`{\"data\": \
         {\"ttl_seconds\": N}}`; `null` or `{}` is no body.",
        vec![(
            "data",
            optional(&ExtendData::name(), "The new lifetime."),
            false
        )],
    ),
    |schemas| schemas.push((ExtendData::name().into_owned(), ExtendData::schema()))
);

// ---------------------------------------------------------------------------------------------
// The parser

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

/// The intent of a create that names none.
pub const DEFAULT_INTENT: &str = "api";

/// Parses a create body: `{"data": {...}}`, every field optional, unknown fields ignored.
pub fn parse_create(body: &Value, s: &Settings) -> Result<CreateRequest, ApiError> {
    let data = data_object(body)?;
    let mut errors = Vec::new();
    let mut req = CreateRequest {
        subscriber_count: 0,
        intent: DEFAULT_INTENT.into(),
        publisher_can_subscribe: false,
        ttl_seconds: None,
    };
    if let Some(v) = present(&data, SUBSCRIBER_COUNT.name) {
        let (low, high) = SUBSCRIBER_COUNT.bounds(s);
        match flavor_kit::whole::of_value(v).filter(|n| (low..=high).contains(n)) {
            Some(n) => req.subscriber_count = u32::try_from(n).unwrap_or(0),
            None => errors.push(FieldError::new(
                "data.subscriber_count",
                format!("must be an integer from {low} to {high}"),
            )),
        }
    }
    if let Some(v) = present(&data, INTENT) {
        match v.as_str().filter(|i| INTENTS.contains(i)) {
            Some(i) => req.intent = i.to_owned(),
            None => errors.push(FieldError::new(
                "data.intent",
                format!("must be one of {}", INTENTS.join(", ")),
            )),
        }
    }
    if let Some(v) = present(&data, PUBLISHER_COUNT.name) {
        if flavor_kit::whole::of_value(v) != Some(PUBLISHER_COUNT.bounds(s).1) {
            errors.push(FieldError::new(
                "data.publisher_count",
                "must be 1 (a session has one publisher)",
            ));
        }
    }
    if let Some(v) = present(&data, PUBLISHER_CAN_SUBSCRIBE.name) {
        match v.as_bool() {
            Some(b) => req.publisher_can_subscribe = b,
            None => errors.push(FieldError::new(
                "data.publisher_can_subscribe",
                "must be true or false",
            )),
        }
    }
    if let Some(v) = present(&data, TTL_SECONDS.name) {
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
/// when they agree; a `null` body is no body.
pub fn parse_extend(query: &str, body: Option<&Value>, s: &Settings) -> Result<u64, ApiError> {
    let from_query = match query_value(query, EXTEND_TTL_SECONDS.name)? {
        Some(raw) => Some(ttl_from_str(&raw, s).map_err(one)?),
        None => None,
    };
    let from_body = match body.filter(|b| !b.is_null()) {
        Some(b) => {
            let data = data_object(b)?;
            match present(&data, EXTEND_TTL_SECONDS.name) {
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
    let (low, high) = TTL_SECONDS.bounds(s);
    flavor_kit::whole::of_value(v)
        .filter(|n| (low..=high).contains(n))
        .ok_or_else(|| ttl_error("data.ttl_seconds", s))
}

fn ttl_from_str(raw: &str, s: &Settings) -> Result<u64, FieldError> {
    let (low, high) = TTL_SECONDS.bounds(s);
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (low..=high).contains(n))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    /// JSON Schema's `integer` takes `2697.0` as well as `2697`; an extension's `null` body is
    /// no body.
    #[test]
    fn whole_floats_and_null_bodies_are_what_the_document_allows() {
        let r = parse_create(
            &json!({"data": {"ttl_seconds": 2697.0, "subscriber_count": 2.0, "publisher_count": 1.0}}),
            &s(),
        )
        .unwrap();
        assert_eq!((r.ttl_seconds, r.subscriber_count), (Some(2697), 2));
        let b = json!({"data": {"ttl_seconds": 120.0}});
        assert_eq!(parse_extend("", Some(&b), &s()).unwrap(), 120);
        assert_eq!(
            parse_extend("ttl_seconds=60", Some(&Value::Null), &s()).unwrap(),
            60
        );
        for ttl in [json!(2697.5), json!(-60.0), json!(1e300)] {
            let b = json!({"data": {"ttl_seconds": ttl}});
            assert_eq!(
                fields(parse_create(&b, &s()).unwrap_err()),
                ["data.ttl_seconds"]
            );
        }
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
}
