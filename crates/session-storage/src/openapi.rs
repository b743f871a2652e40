//! The flavor's OpenAPI fragment: its paths (annotated on the handlers in `routes`), the shapes
//! of its request bodies, the `session-storage` tag and the `ClientID` / `ClientSecret` schemes.
//!
//! Request bodies are read as JSON values and checked field by field ([`crate::dto`]), so the
//! request structs below exist for the document only: they describe the wire, and the parsing
//! code is the authority on it.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

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
