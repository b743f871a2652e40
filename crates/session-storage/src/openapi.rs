//! The flavor's OpenAPI fragment: its paths (annotated on the handlers in `routes`), the shapes
//! of its request bodies, the error answers its routes share, the `session-storage` tag and the
//! `ClientID` / `ClientSecret` schemes.
//!
//! Request bodies are read as JSON values and checked field by field ([`crate::dto`]), so the
//! request structs below exist for the document only: they describe the wire, and the parsing
//! code is the authority on it.

use std::marker::PhantomData;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use crate::errors::ErrorBody;

/// The tag of every session-storage operation (the flavor's configuration name).
pub const TAG: &str = "session-storage";
/// The security scheme of the client id header.
pub const CLIENT_ID: &str = "ClientID";
/// The security scheme of the client secret header.
pub const CLIENT_SECRET: &str = "ClientSecret";

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

/// Where a documented error happens: the `instance` its examples show.
pub trait Instance {
    /// The request path.
    const PATH: &'static str;
}

/// `POST /session-storage/session`.
pub struct AtCreate;

impl Instance for AtCreate {
    const PATH: &'static str = "/session-storage/session";
}

/// `GET /session-storage/sessions`.
pub struct AtList;

impl Instance for AtList {
    const PATH: &'static str = "/session-storage/sessions";
}

/// `/session-storage/sessions/{id}`, with an example id.
pub struct AtSession;

impl Instance for AtSession {
    const PATH: &'static str =
        "/session-storage/sessions/8a4c2e9e-5b1f-5d0a-9c3e-2f6b7d8e9f01.1a2b3c4d.5e6f7a8b";
}

// The error answers several routes share, each with its examples (their `instance` is the
// route's `P`), listed in a route's `responses(...)` next to its own. Their variants are never
// built: they only describe answers.

/// What every route may answer: refused credentials (401) and faults of the gateway or the
/// store (500, 503).
#[derive(IntoResponses)]
pub enum RouteErrors<P: Instance> {
    #[response(status = 401, description = "Missing `ClientID`/`ClientSecret`, an unknown client or a wrong secret.",
        examples(
            ("missing" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:missing_credentials", "status": 401, "title": "Unauthorized", "detail": "send the ClientID and ClientSecret headers", "instance": P::PATH, "error_code": "MISSING_CREDENTIALS"}]}))),
            ("invalid" = (value = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:invalid_credentials", "status": 401, "title": "Unauthorized", "detail": "the ClientID or ClientSecret is not valid", "instance": P::PATH, "error_code": "INVALID_CREDENTIALS"}]}))),
        ))]
    Unauthorized(ErrorBody, PhantomData<P>),
    #[response(status = 500, description = "A fault inside the gateway (logged, never detailed).",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:internal_error", "status": 500, "title": "Internal Server Error", "detail": "internal error", "instance": P::PATH, "error_code": "INTERNAL_ERROR"}]}))]
    Internal(ErrorBody, PhantomData<P>),
    #[response(status = 503, description = "The store did not answer within `store.timeout_ms`; retry later.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:store_unavailable", "status": 503, "title": "Service Unavailable", "detail": "the session store is unavailable; retry later", "instance": P::PATH, "error_code": "STORE_UNAVAILABLE"}]}))]
    Unavailable(ErrorBody, PhantomData<P>),
}

/// The answers to a body that is too large or not JSON: 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors<P: Instance> {
    #[response(status = 413, description = "The body is larger than `server.max_body_bytes`.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:payload_too_large", "status": 413, "title": "Payload Too Large", "detail": "the request body is larger than 65536 bytes", "instance": P::PATH, "error_code": "PAYLOAD_TOO_LARGE"}]}))]
    TooLarge(ErrorBody, PhantomData<P>),
    #[response(status = 415, description = "A body with a content type other than `application/json` or `application/*+json`.",
        example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:unsupported_media_type", "status": 415, "title": "Unsupported Media Type", "detail": "send the body as application/json, not `text/plain`", "instance": P::PATH, "error_code": "UNSUPPORTED_MEDIA_TYPE"}]}))]
    Unsupported(ErrorBody, PhantomData<P>),
}

/// The answer to an id that is not one of the client's live sessions: 404.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such session among the client's own (unknown, expired, deleted, malformed or another client's id).",
    example = json!({"ok": false, "errors": [{"type": "urn:session-storage:error:session_not_found", "status": 404, "title": "Not Found", "detail": "no session with this id", "instance": AtSession::PATH, "error_code": "SESSION_NOT_FOUND"}]}))]
pub struct NotFound(pub ErrorBody);

/// Adds the `ClientID` and `ClientSecret` security schemes.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            CLIENT_ID,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "ClientID",
                "The client's id (header names are case-insensitive).",
            ))),
        );
        components.add_security_scheme(
            CLIENT_SECRET,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "ClientSecret",
                "The client's secret; sent with `ClientID` on every request.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::routes::create::create,
        crate::routes::sessions::list,
        crate::routes::sessions::get,
        crate::routes::sessions::delete,
        crate::routes::sessions::extend,
    ),
    tags((name = "session-storage", description = "Session storage (Palabra.ai-compatible): \
        create streaming sessions with publisher and subscriber tokens, then list, get, delete \
        and extend them (see docs/session-storage.md).")),
    components(schemas(ErrorBody)),
    modifiers(&Security),
)]
struct ApiDoc;

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_under_the_tag_with_both_headers() {
        let doc = openapi();
        let mut seen = Vec::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("get", &item.get),
                ("post", &item.post),
                ("delete", &item.delete),
            ] {
                if let Some(op) = op {
                    assert_eq!(op.tags.as_deref(), Some(&[TAG.to_owned()][..]));
                    let security = serde_json::to_value(&op.security).unwrap();
                    assert_eq!(
                        security,
                        serde_json::json!([{CLIENT_ID: [], CLIENT_SECRET: []}]),
                        "{method} {path}"
                    );
                    seen.push(format!("{method} {path}"));
                }
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "delete /session-storage/sessions/{id}",
                "get /session-storage/sessions",
                "get /session-storage/sessions/{id}",
                "post /session-storage/session",
                "post /session-storage/sessions/{id}",
            ]
        );
        let schemes = &doc.components.as_ref().unwrap().security_schemes;
        assert!(schemes.contains_key(CLIENT_ID) && schemes.contains_key(CLIENT_SECRET));
    }
}
