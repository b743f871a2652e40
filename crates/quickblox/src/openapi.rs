//! The flavor's OpenAPI fragment: its paths (annotated on the handlers in [`crate::routes`]), the
//! shapes of its request and error bodies, the `quickblox` tag and the `QB-Token` scheme.
//!
//! The request bodies are read field by field (see [`crate::params`] and [`crate::requests`]),
//! not deserialized, so the structs below exist for the document only: they describe the wire,
//! and the parsing code is the authority on it.

use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

/// The tag of every QuickBlox operation (the flavor's configuration name).
pub const TAG: &str = "quickblox";
/// The security scheme of the session token.
pub const QB_TOKEN: &str = "QB-Token";

/// The form body of `POST /session.json`, what the SDKs send
/// (`application/x-www-form-urlencoded`). `applicationId` and `authKey` are accepted as
/// aliases. The signature covers every other parameter, `name=value` with decoded values, sorted
/// bytewise and joined with `&`.
#[derive(ToSchema)]
#[schema(as = QuickbloxCreateSessionForm)]
pub struct CreateSessionForm {
    /// The application id (alias `applicationId`).
    #[schema(example = 4242, minimum = 1)]
    pub application_id: u64,
    /// The application's auth key (alias `authKey`).
    #[schema(example = "k3yK3yK3y")]
    pub auth_key: String,
    /// Unix seconds, within `timestamp_window_seconds` of the server's clock.
    #[schema(example = 1795321896)]
    pub timestamp: i64,
    /// Any integer; the (application, timestamp, nonce) triple is accepted once.
    #[schema(example = 14632)]
    pub nonce: i64,
    /// Hex HMAC-SHA1 (40 digits) or HMAC-SHA256 (64 digits) under the application's
    /// `auth_secret` of the other parameters.
    #[schema(example = "2f0d5bbdc3cd4b4a38bb6f3c9b5e0d5f1e3b3f0a")]
    pub signature: String,
    /// For a user session: the user's login (or give `user[email]`).
    #[schema(rename = "user[login]", required = false)]
    pub user_login: String,
    /// For a user session: the user's e-mail address, instead of `user[login]`.
    #[schema(rename = "user[email]", required = false)]
    pub user_email: String,
    /// For a user session: the user's password.
    #[schema(rename = "user[password]", required = false)]
    pub user_password: String,
}

/// The JSON body of `POST /session.json`: the form's fields, numbers as numbers or strings,
/// the user's credentials flat (`"user[login]"`) or nested under `user`.
#[derive(ToSchema)]
#[schema(as = QuickbloxCreateSessionJson)]
pub struct CreateSessionJson {
    /// The application id (alias `applicationId`).
    #[schema(example = 4242, minimum = 1)]
    pub application_id: u64,
    /// The application's auth key (alias `authKey`).
    #[schema(example = "k3yK3yK3y")]
    pub auth_key: String,
    /// Unix seconds, within `timestamp_window_seconds` of the server's clock.
    #[schema(example = 1795321896)]
    pub timestamp: i64,
    /// Any integer; the (application, timestamp, nonce) triple is accepted once.
    #[schema(example = 14632)]
    pub nonce: i64,
    /// Hex HMAC-SHA1 or HMAC-SHA256 of the other parameters (nested ones flattened to
    /// `user[login]`).
    #[schema(example = "2f0d5bbdc3cd4b4a38bb6f3c9b5e0d5f1e3b3f0a")]
    pub signature: String,
    /// For a user session.
    pub user: Option<UserCredentials>,
}

/// A user's credentials: `login` or `email`, with `password`.
#[derive(ToSchema)]
#[schema(as = QuickbloxUserCredentials)]
pub struct UserCredentials {
    /// The login.
    #[schema(example = "alice")]
    pub login: Option<String>,
    /// The e-mail address, instead of the login.
    pub email: Option<String>,
    /// The password.
    #[schema(example = "alice-pass")]
    pub password: String,
}

/// The body of `POST /login.json`, form or JSON: `login` or `email` with `password` (also
/// accepted as `user[login]`, `user[email]`, `user[password]`, or nested under `user`).
#[derive(ToSchema)]
#[schema(as = QuickbloxLogin)]
pub struct LoginBody {
    /// The login.
    #[schema(example = "alice")]
    pub login: Option<String>,
    /// The e-mail address, instead of the login.
    pub email: Option<String>,
    /// The password.
    #[schema(example = "alice-pass")]
    pub password: String,
}

/// What `errors` holds: messages by field (`base` for the request as a whole), or a list of
/// messages (wrong user credentials: `["Unauthorized"]`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = QuickbloxErrorList)]
pub enum Errors {
    /// `{"base": ["Required session does not exist"]}`, `{"nonce": ["must be an integer"]}`.
    Fields(std::collections::BTreeMap<String, Vec<String>>),
    /// `["Unauthorized"]`.
    Messages(Vec<String>),
}

/// Every error of the flavor: `{"errors": ...}`, never HTML or plain text.
#[derive(ToSchema)]
#[schema(as = QuickbloxErrors)]
pub struct ErrorBody {
    /// The messages.
    pub errors: Errors,
}

// The error answers several routes share, each with its example, listed in a route's
// `responses(...)` next to its own. Their variants are never built: they only describe answers.

/// The answers to a body that is too large or neither form nor JSON: 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors {
    #[response(status = 413, description = "A body over `server.max_body_bytes`.",
        example = json!({"errors": {"base": ["Request body is too large (limit 65536 bytes)"]}}))]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "Neither form nor JSON, or not UTF-8.",
        example = json!({"errors": {"base": ["Unsupported content type: send application/x-www-form-urlencoded or application/json (UTF-8)"]}}))]
    Unsupported(ErrorBody),
}

/// The refusal of a `QB-Token` that names no live session: 401.
#[derive(IntoResponses)]
#[response(status = 401, description = "Missing, malformed, unknown, ended or expired `QB-Token`.",
    example = json!({"errors": {"base": ["Required session does not exist"]}}))]
pub struct NoSession(pub ErrorBody);

/// The answers of every route to a fault of the gateway or the store: 500 and 503.
#[derive(IntoResponses)]
pub enum ServerErrors {
    #[response(status = 500, description = "A fault inside the gateway.",
        example = json!({"errors": {"base": ["Internal server error"]}}))]
    Internal(ErrorBody),
    #[response(status = 503, description = "The store did not answer in time; retry.",
        example = json!({"errors": {"base": ["Service temporarily unavailable"]}}))]
    Unavailable(ErrorBody),
}

/// Adds the `QB-Token` security scheme.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            QB_TOKEN,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "QB-Token",
                "The session token of POST /session.json (40 lowercase hex characters); \
                 the `token` query parameter is accepted instead.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::routes::session::create,
        crate::routes::session::show,
        crate::routes::session::destroy,
        crate::routes::login::login,
        crate::routes::login::logout,
    ),
    components(schemas(CreateSessionForm, CreateSessionJson, LoginBody, ErrorBody)),
    tags((name = "quickblox", description = "QuickBlox REST API sessions: `/session.json` with \
        signed application credentials and `/login.json` (see docs/quickblox.md).")),
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
    fn every_route_is_documented_under_the_tag() {
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
                    seen.push(format!("{method} {path}"));
                }
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "delete /login.json",
                "delete /session.json",
                "get /session.json",
                "post /login.json",
                "post /session.json",
            ]
        );
        let schemes = &doc.components.as_ref().unwrap().security_schemes;
        assert!(schemes.contains_key(QB_TOKEN));
    }
}
