//! Reading request bodies: JSON content types only (`application/json`, `text/json`,
//! `application/*+json`), at most `server.max_body_bytes`, parsed strictly with the JSON path of
//! any schema error. Every failure is a [`RequestError`] (a ProblemDetails answer).

use actix_web::mime;
use actix_web::web;
use actix_web::HttpRequest;
use flavor_kit::body::{self, BodyLimits};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::dto::Object;
use crate::errors::RequestError;

/// Whether the request declares a JSON body (`text/json` too).
fn is_json(req: &HttpRequest) -> bool {
    match body::media_type(req) {
        Ok(Some(m)) => body::is_json(&m) || (m.type_() == mime::TEXT && m.subtype() == mime::JSON),
        _ => false,
    }
}

/// Reads and parses the body as `T`.
pub async fn read_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<T, RequestError> {
    if !is_json(req) {
        return Err(RequestError::UnsupportedMediaType);
    }
    let bytes = body::read(req, payload, limits).await?;
    parse(&bytes)
}

/// Parses a JSON document strictly: one value, nothing after it.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, RequestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RequestError::EmptyBody);
    }
    // Syntax first, so that a truncated document is a syntax error even when the schema
    // would already have objected to its first member.
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map_err(|e| RequestError::Syntax(e.to_string()))?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: Object<T> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = match e.path().to_string() {
            p if p == "." => "$".to_owned(),
            p => p,
        };
        let inner = e.into_inner();
        match inner.classify() {
            Category::Data => RequestError::Schema {
                path,
                reason: without_position(&inner),
            },
            _ => RequestError::Syntax(inner.to_string()),
        }
    })?;
    de.end().map_err(|e| RequestError::Syntax(e.to_string()))?;
    Ok(value.0)
}

/// serde_json's message without its ` at line L column C` tail.
fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::CreateSessionRequest;

    fn schema_path(body: &str) -> (String, String) {
        match parse::<CreateSessionRequest>(body.as_bytes()) {
            Err(RequestError::Schema { path, reason }) => (path, reason),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_properties_are_named_at_every_level() {
        assert_eq!(schema_path(r#"{"foo": 1}"#).0, "foo");
        assert_eq!(
            schema_path(r#"{"identity": {"nick": "x"}}"#).0,
            "identity.nick"
        );
        assert_eq!(
            schema_path(r#"{"rules": {"maxUsers": 3}}"#).0,
            "rules.maxUsers"
        );
        let (path, reason) =
            schema_path(r#"{"rules": {"whiteListAddresses": [{"address": "0x1", "x": 1}]}}"#);
        assert_eq!(path, "rules.whiteListAddresses[0].x");
        assert!(reason.starts_with("unknown field `x`"), "{reason}");
    }

    #[test]
    fn wrong_types_are_named() {
        let (path, reason) = schema_path(r#"{"rules": {"userCapacity": "ten"}}"#);
        assert_eq!(path, "rules.userCapacity");
        assert!(!reason.contains("line"), "{reason}");
        assert_eq!(schema_path(r#"[]"#).0, "$");
        assert_eq!(schema_path(r#"{"rules": []}"#).0, "rules");
        assert_eq!(schema_path(r#"{"identity": "x"}"#).0, "identity");
        assert_eq!(
            schema_path(r#"{"rules": {"whiteListAddresses": [[]]}}"#).0,
            "rules.whiteListAddresses[0]"
        );
    }

    #[test]
    fn syntax_and_emptiness_are_told_apart() {
        assert!(matches!(
            parse::<CreateSessionRequest>(b"  "),
            Err(RequestError::EmptyBody)
        ));
        assert!(matches!(
            parse::<CreateSessionRequest>(b"{\"rules\": "),
            Err(RequestError::Syntax(_))
        ));
        assert!(matches!(
            parse::<CreateSessionRequest>(b"{\"foo\": "),
            Err(RequestError::Syntax(_))
        ));
        assert!(matches!(
            parse::<CreateSessionRequest>(b"{} {}"),
            Err(RequestError::Syntax(_))
        ));
        assert!(parse::<CreateSessionRequest>(b" {} ").is_ok());
    }
}
