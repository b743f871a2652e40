//! The flavor's OpenAPI fragment: its paths (annotated on the handlers in [`crate::routes`]), the
//! shapes of its request, response and error bodies, the `amity` tag and the `AmityApiKey`,
//! `AmityBearer` and `AmityServerKey` schemes.
//!
//! Request bodies are read as JSON objects and checked field by field ([`crate::dto`]), so the
//! request structs below exist for the document only: they describe the wire, and the parsing
//! code is the authority on it (the tests below hold their length limits to its constants).
//! Unknown fields are ignored and `null` counts as absent everywhere.

use std::collections::BTreeMap;

use utoipa::openapi::response::Response;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

use crate::errors::Body as ErrorBody;

/// The tag of every Amity operation (the flavor's configuration name).
pub const TAG: &str = "amity";
/// The security scheme of the client API key (`x-api-key`).
pub const API_KEY: &str = "AmityApiKey";
/// The security scheme of the access token (`Authorization: Bearer`).
pub const BEARER: &str = "AmityBearer";
/// The security scheme of the server key (`x-server-key`).
pub const SERVER_KEY: &str = "AmityServerKey";

/// `deviceInfo.kind`.
#[derive(ToSchema)]
#[schema(as = AmityDeviceKind, rename_all = "lowercase")]
pub enum DeviceKind {
    /// iOS.
    Ios,
    /// Android.
    Android,
    /// A browser.
    Web,
    /// Node.js.
    Node,
}

/// The device a session is issued to; kept in the access token's `user.deviceInfo` (other
/// members are dropped).
#[derive(ToSchema)]
#[schema(as = AmityDeviceInfo, rename_all = "camelCase")]
pub struct DeviceInfo {
    /// Required when `deviceInfo` is sent.
    pub kind: DeviceKind,
    /// Any length: only the first 100 characters are kept (browsers send their user agent).
    #[schema(example = "iPhone15,2")]
    pub model: Option<String>,
    /// The SDK's version.
    #[schema(max_length = 30, example = "6.30.0")]
    pub sdk_version: Option<String>,
}

/// The body of `POST /api/v3/sessions` (`profileHandle` is not part of v3 and is ignored).
#[derive(ToSchema)]
#[schema(as = AmityRegisterV3Request, rename_all = "camelCase")]
pub struct RegisterV3 {
    /// The user; created on first sight.
    #[schema(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
    /// The device; with `one_session_per_device`, a login retires the user's older sessions
    /// on it.
    #[schema(min_length = 1, max_length = 150, example = "laptop-1")]
    pub device_id: String,
    /// The device's description (`{}` when absent).
    pub device_info: Option<DeviceInfo>,
    /// The user's shown name; changes the stored user when sent.
    #[schema(max_length = 100, example = "Alice")]
    pub display_name: Option<String>,
    /// Required on a network in secure mode: a live token from the authentication-token
    /// routes for this `userId`. Only length-checked otherwise.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"
    )]
    pub auth_token: Option<String>,
}

/// The body of `POST /api/v4/sessions`: v3's, plus `profileHandle`.
#[derive(ToSchema)]
#[schema(as = AmityRegisterV4Request, rename_all = "camelCase")]
pub struct RegisterV4 {
    /// The user; created on first sight.
    #[schema(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
    /// The device; with `one_session_per_device`, a login retires the user's older sessions
    /// on it.
    #[schema(min_length = 1, max_length = 150, example = "laptop-1")]
    pub device_id: String,
    /// The device's description (`{}` when absent).
    pub device_info: Option<DeviceInfo>,
    /// The user's shown name; changes the stored user when sent.
    #[schema(max_length = 100, example = "Alice")]
    pub display_name: Option<String>,
    /// The user's handle; changes the stored user when sent.
    #[schema(max_length = 100, example = "alice")]
    pub profile_handle: Option<String>,
    /// Required on a network in secure mode: a live token from the authentication-token
    /// routes for this `userId`. Only length-checked otherwise.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"
    )]
    pub auth_token: Option<String>,
}

/// The body of `POST /api/v5/sessions`: v4's, with `userId` not starting with `ADMIN_` or
/// `DELETED_`.
#[derive(ToSchema)]
#[schema(as = AmityRegisterV5Request, rename_all = "camelCase")]
pub struct RegisterV5 {
    /// The user; created on first sight. Must not start with `ADMIN_` or `DELETED_`.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^(?!ADMIN_|DELETED_)",
        example = "alice"
    )]
    pub user_id: String,
    /// The device; with `one_session_per_device`, a login retires the user's older sessions
    /// on it (the SDK's renewal re-posts this route).
    #[schema(min_length = 1, max_length = 150, example = "laptop-1")]
    pub device_id: String,
    /// The device's description (`{}` when absent).
    pub device_info: Option<DeviceInfo>,
    /// The user's shown name; changes the stored user when sent.
    #[schema(max_length = 100, example = "Alice")]
    pub display_name: Option<String>,
    /// The user's handle; changes the stored user when sent.
    #[schema(max_length = 100, example = "alice")]
    pub profile_handle: Option<String>,
    /// Required on a network in secure mode: a live token from the authentication-token
    /// routes for this `userId`. Only length-checked otherwise.
    #[schema(
        min_length = 1,
        max_length = 100,
        example = "5f1ed1f8c9a0c3d1b8e4a7f2c6d9e0b1a2c3d4e5"
    )]
    pub auth_token: Option<String>,
}

/// The body of `POST /api/v4/sessions/refresh`.
#[derive(ToSchema)]
#[schema(as = AmityRefreshRequest, rename_all = "camelCase")]
pub struct Refresh {
    /// The `refreshToken` of the last login or refresh; each works once.
    #[schema(
        min_length = 1,
        max_length = 1024,
        example = "YWxpY2U.8693ab6ca453e91f63c6635a1a3ad71c.TRfAejqER2Njc3liW6jY4zNeJP6XyidY3Z3BP3wpNUI"
    )]
    pub refresh_token: String,
}

/// The body of `POST /api/v4/authentication/token`.
#[derive(ToSchema)]
#[schema(as = AmityAuthTokenRequest, rename_all = "camelCase")]
pub struct AuthToken {
    /// Whom the token is for.
    #[schema(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
}

/// The query of `GET /api/v3/authentication/token`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AuthTokenQuery {
    /// Whom the token is for.
    #[param(min_length = 1, max_length = 50, example = "alice")]
    pub user_id: String,
}

// The error answers several routes share, each with its examples, listed in a route's
// `responses(...)` next to its own. Their variants are never built: they only describe answers.

/// The answers to a JSON body that cannot be taken: 400, 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors {
    #[response(status = 400, description = "A body that is not JSON, is empty, is not a JSON \
        object or could not be read.",
        examples(
            ("malformed" = (value = json!({"status": "error", "code": 400000, "message": "Malformed JSON body: EOF while parsing a value at line 1 column 0"}))),
            ("not an object" = (value = json!({"status": "error", "code": 400000, "message": "The request body must be a JSON object"}))),
        ))]
    Unreadable(ErrorBody<'static>),
    #[response(status = 413, description = "A body over `server.max_body_bytes`.",
        example = json!({"status": "error", "code": 400000, "message": "Request body is too large (limit: 65536 bytes)"}))]
    TooLarge(ErrorBody<'static>),
    #[response(status = 415, description = "A body without `Content-Type: application/json` (or \
        another `+json` type).",
        example = json!({"status": "error", "code": 400000, "message": "Content-Type must be application/json"}))]
    NotJson(ErrorBody<'static>),
}

/// The answers of every route to a fault of the gateway or the store: 500 and 503.
#[derive(IntoResponses)]
pub enum ServerErrors {
    #[response(status = 500, description = "A fault inside the gateway (details only in the log).",
        example = json!({"status": "error", "code": 500000, "message": "Unexpected error"}))]
    Internal(ErrorBody<'static>),
    #[response(status = 503, description = "The store did not answer in time; retry.",
        example = json!({"status": "error", "code": 500000, "message": "Service temporarily unavailable, please retry"}))]
    Unavailable(ErrorBody<'static>),
}

/// The answer to a globally banned user: 403 (code 400312).
#[derive(IntoResponses)]
#[response(status = 403, description = "The user is globally banned (code 400312).",
    example = json!({"status": "error", "code": 400312, "message": "User is globally banned"}))]
pub struct GlobalBan(pub ErrorBody<'static>);

/// The refusals only a login (`POST /api/v3|v4|v5/sessions`) gives: 401 and 422.
#[derive(IntoResponses)]
pub enum LoginRefusals {
    #[response(status = 401, description = "A missing or unknown `x-api-key`; in secure mode, a \
        missing `authToken` or one that is not live for this `userId`.",
        examples(
            ("missing key" = (value = json!({"status": "error", "code": 400100, "message": "Missing API key (x-api-key header)"}))),
            ("invalid key" = (value = json!({"status": "error", "code": 400100, "message": "Invalid API key"}))),
            ("authToken required" = (value = json!({"status": "error", "code": 400100, "message": "authToken is required: the network is in secure mode"}))),
            ("invalid authToken" = (value = json!({"status": "error", "code": 400100, "message": "Invalid authToken"}))),
        ))]
    Unauthorized(ErrorBody<'static>),
    #[response(status = 422, description = "Fields failed validation: every failing field is \
        listed in `data.detail`.",
        example = json!({"status": "error", "code": 500000, "message": "Parameters validation error!",
            "data": {"detail": [
                {"path": ["userId"], "message": "\"userId\" must not be empty"},
                {"path": ["deviceInfo", "kind"], "message": "\"deviceInfo.kind\" must be one of [ios, android, web, node]"}]}}))]
    Invalid(ErrorBody<'static>),
}

/// Every error answer of a login: [`BodyErrors`], [`LoginRefusals`], [`GlobalBan`] and
/// [`ServerErrors`].
pub struct LoginErrors;

impl IntoResponses for LoginErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = BodyErrors::responses();
        all.extend(LoginRefusals::responses());
        all.extend(GlobalBan::responses());
        all.extend(ServerErrors::responses());
        all
    }
}

/// The refusal of an access token (`Authorization: Bearer`): 401.
#[derive(IntoResponses)]
#[response(status = 401, description = "A missing, malformed, forged, expired or revoked access \
    token (logged out, refreshed, evicted).",
    examples(
        ("missing" = (value = json!({"status": "error", "code": 400100, "message": "Missing access token (Authorization: Bearer)"}))),
        ("invalid" = (value = json!({"status": "error", "code": 400100, "message": "Invalid access token"}))),
        ("expired" = (value = json!({"status": "error", "code": 400100, "message": "Access token has expired"}))),
        ("revoked" = (value = json!({"status": "error", "code": 400100, "message": "Access token has been revoked"}))),
    ))]
pub struct BearerRefused(pub ErrorBody<'static>);

/// The refusals of the secure-mode token routes: 401, 403 and 422.
#[derive(IntoResponses)]
pub enum AuthTokenErrors {
    #[response(status = 401, description = "A missing or unknown `x-server-key` (or one that \
        does not match the `x-api-key` sent with it).",
        examples(
            ("missing" = (value = json!({"status": "error", "code": 400100, "message": "Missing server key (x-server-key header)"}))),
            ("invalid" = (value = json!({"status": "error", "code": 400100, "message": "Invalid server key"}))),
        ))]
    Unauthorized(ErrorBody<'static>),
    #[response(status = 403, description = "The network is not in secure mode (code 400300).",
        example = json!({"status": "error", "code": 400300, "message": "Secure mode is off for this network"}))]
    SecureModeOff(ErrorBody<'static>),
    #[response(status = 422, description = "`userId` is missing, not a string or out of length.",
        example = json!({"status": "error", "code": 500000, "message": "Parameters validation error!",
            "data": {"detail": [{"path": ["userId"], "message": "\"userId\" is required"}]}}))]
    Invalid(ErrorBody<'static>),
}

/// Adds the three security schemes.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::auth::API_KEY_HEADER,
                "The network's API key (the client key of the SDK).",
            ))),
        );
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `accessToken` of a login or refresh: an HS256 JWT, checked \
                         against the store on every call (revocation is immediate).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SERVER_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                crate::auth::SERVER_KEY_HEADER,
                "The network's server key, for the customer's server only (secure mode).",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::routes::sessions::register_v3,
        crate::routes::sessions::register_v4,
        crate::routes::sessions::register_v5,
        crate::routes::sessions::check,
        crate::routes::sessions::revoke,
        crate::routes::sessions::refresh,
        crate::routes::authentication::issue_text,
        crate::routes::authentication::issue_json,
        crate::routes::network_settings::chat,
    ),
    tags((name = "amity", description = "Amity Social Cloud sessions: `/api/v3|v4|v5/sessions` \
        with JWT access tokens, single-use refresh tokens and secure-mode auth tokens (see \
        docs/amity.md). Every error is `{\"status\": \"error\", \"code\", \"message\"}`; other \
        methods on these paths answer 405 (code 400000) with `Allow`.")),
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
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::http::Method;
    use actix_web::{test as actix_test, App};
    use serde_json::{json, Value};
    use session_core::{CoreDeps, MemoryStore, SystemClock, TokenHasher};

    use api_testkit::{conforms, documented_examples, unresolved};

    use super::*;
    use crate::dto;
    use crate::settings::{NetworkSettings, RoleSettings, Settings};

    const API: &str = "openapi-test-key";
    const SERVER: &str = "openapi-test-server-key";

    fn doc() -> Value {
        serde_json::to_value(openapi()).unwrap()
    }

    /// The paths `routes::mount` mounts, read from its source: every `resource("<path>", ...)`.
    fn mounted_paths() -> BTreeSet<String> {
        let source = include_str!("routes/mod.rs");
        let paths: BTreeSet<String> = source
            .split("resource(\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
            .collect();
        assert!(paths.len() >= 7, "{paths:?}");
        paths
    }

    async fn app(
    ) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>
    {
        let core = CoreDeps {
            store: Arc::new(MemoryStore::new(Arc::new(SystemClock))),
            clock: Arc::new(SystemClock),
            hasher: TokenHasher::new("openapi-test-secret"),
            max_body_bytes: 65_536,
        };
        let settings = Settings {
            networks: vec![NetworkSettings {
                api_key: API.into(),
                server_key: Some(SERVER.into()),
                roles: vec![RoleSettings {
                    role_id: "moderator".into(),
                    display_name: None,
                    permissions: vec!["BAN_USER".into()],
                }],
                default_user_roles: vec!["moderator".into()],
                ..NetworkSettings::default()
            }],
        };
        let settings = Arc::new(settings);
        actix_test::init_service(App::new().configure(|cfg| crate::configure(cfg, core, settings)))
            .await
    }

    #[actix_web::test]
    async fn every_mounted_route_is_documented_once_under_the_tag() {
        let doc = doc();
        let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut ids = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
                assert!(id.starts_with("amity_"), "{id}");
                assert_eq!(op["tags"], json!([TAG]), "{method} {path}");
                assert!(op["security"].as_array().is_some_and(|s| !s.is_empty()));
                assert!(op["responses"]["200"].is_object(), "{method} {path}");
                documented
                    .entry(path.clone())
                    .or_default()
                    .insert(method.to_uppercase());
            }
        }
        assert_eq!(ids.len(), 9);
        assert_eq!(
            documented.keys().cloned().collect::<BTreeSet<_>>(),
            mounted_paths()
        );
        // What the mounted app serves: any answer but 405 (even a 401 or 415) means the
        // method has a route.
        let app = app().await;
        for (path, methods) in &documented {
            let mut served = BTreeSet::new();
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] {
                let req = actix_test::TestRequest::default()
                    .method(Method::from_bytes(method.as_bytes()).unwrap())
                    .uri(path)
                    .to_request();
                let status = app.call(req).await.unwrap().status().as_u16();
                assert_ne!(status, 404, "{method} {path}");
                if status != 405 {
                    served.insert(method.to_owned());
                }
            }
            assert_eq!(&served, methods, "{path}");
        }
        // Every reference and security requirement resolves within the fragment.
        assert_eq!(unresolved(&doc), Vec::<String>::new());
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(
            schemes.keys().map(String::as_str).collect::<Vec<_>>(),
            [API_KEY, BEARER, SERVER_KEY]
        );
    }

    #[test]
    fn request_schemas_hold_the_parser_limits() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        let max =
            |schema: &str, field: &str| schemas[schema]["properties"][field]["maxLength"].as_u64();
        for v in ["V3", "V4", "V5"] {
            let s = format!("AmityRegister{v}Request");
            assert_eq!(max(&s, "userId"), Some(dto::USER_ID_MAX as u64));
            assert_eq!(max(&s, "deviceId"), Some(dto::DEVICE_ID_MAX as u64));
            assert_eq!(max(&s, "displayName"), Some(dto::NAME_MAX as u64));
            assert_eq!(max(&s, "authToken"), Some(dto::AUTH_TOKEN_MAX as u64));
            let handle = max(&s, "profileHandle");
            assert_eq!(handle, (v != "V3").then_some(dto::NAME_MAX as u64), "{s}");
            assert_eq!(schemas[&s]["required"], json!(["userId", "deviceId"]));
        }
        assert_eq!(
            max("AmityDeviceInfo", "sdkVersion"),
            Some(dto::SDK_VERSION_MAX as u64)
        );
        assert_eq!(schemas["AmityDeviceKind"]["enum"], json!(dto::DEVICE_KINDS));
        assert_eq!(
            max("AmityRefreshRequest", "refreshToken"),
            Some(dto::REFRESH_TOKEN_MAX as u64)
        );
        assert_eq!(
            max("AmityAuthTokenRequest", "userId"),
            Some(dto::USER_ID_MAX as u64)
        );
        let query = &doc["paths"]["/api/v3/authentication/token"]["get"]["parameters"][0];
        assert_eq!(query["name"], "userId");
        assert_eq!(
            query["schema"]["maxLength"].as_u64(),
            Some(dto::USER_ID_MAX as u64)
        );
        let pattern = schemas["AmityRegisterV5Request"]["properties"]["userId"]["pattern"]
            .as_str()
            .unwrap();
        for prefix in dto::RESERVED_PREFIXES {
            assert!(pattern.contains(prefix), "{pattern}");
        }
    }

    /// Sends `req`, checks the answer against the documented response of its status and
    /// returns that status with the body.
    async fn answer_conforms(
        app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
        doc: &Value,
        (method, path): (&str, &str),
        req: actix_test::TestRequest,
    ) -> (u16, Value) {
        let resp = app.call(req.to_request()).await.unwrap();
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = actix_test::read_body(resp).await;
        let documented = &doc["paths"][path][method]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{method} {path}: {status} is not documented"
        );
        let content_type = content_type.expect("a body");
        let media = &documented["content"][&content_type];
        assert!(
            media.is_object(),
            "{method} {path} {status}: {content_type} is not documented"
        );
        let value = if content_type.starts_with("text/plain") {
            Value::String(String::from_utf8(bytes.to_vec()).unwrap())
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        conforms(doc, &media["schema"], &value, "$")
            .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"));
        (status, value)
    }

    #[actix_web::test]
    async fn real_answers_match_their_documented_schemas() {
        let doc = doc();
        let app = app().await;
        let call = |(method, path): (&'static str, &'static str), req: actix_test::TestRequest| {
            let (app, doc) = (&app, &doc);
            async move { answer_conforms(app, doc, (method, path), req.uri(path)).await }
        };
        let with_key = |req: actix_test::TestRequest| req.insert_header(("x-api-key", API));
        let post = || with_key(actix_test::TestRequest::post());
        let bearer = |token: &str| ("authorization", format!("Bearer {token}"));
        // One device per version: a login retires the user's older sessions on its device.
        let login = |device: &str| {
            json!({"userId": "alice", "deviceId": device, "displayName": "Alice",
                "deviceInfo": {"kind": "web", "model": "m", "sdkVersion": "1.0"}})
        };

        let mut tokens = BTreeMap::new();
        for (v, path) in [
            ("v3", "/api/v3/sessions"),
            ("v4", "/api/v4/sessions"),
            ("v5", "/api/v5/sessions"),
        ] {
            let (status, body) = call(("post", path), post().set_json(login(v))).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["refreshToken"].is_string(), v != "v5");
            assert_eq!(body["userType"].is_string(), v == "v5");
            assert_eq!(body["roles"][0]["roleId"], "moderator");
            tokens.insert(v, body);
        }
        let (status, body) = call(
            ("post", "/api/v4/sessions/refresh"),
            post().set_json(json!({"refreshToken": tokens["v4"]["refreshToken"]})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let access = body["accessToken"].as_str().unwrap().to_owned();
        for (path, req) in [
            ("/api/v3/sessions", actix_test::TestRequest::get()),
            (
                "/api/v3/network-settings/chat",
                actix_test::TestRequest::get(),
            ),
        ] {
            let (status, body) = call(("get", path), req.insert_header(bearer(&access))).await;
            assert_eq!(status, 200, "{body}");
        }
        let revoke = actix_test::TestRequest::delete().insert_header(bearer(&access));
        let (status, _) = call(("delete", "/api/v4/sessions"), revoke).await;
        assert_eq!(status, 200);

        // Errors, each answered with one of the documented examples: the revoked token, a bad
        // key, a validation error listing every field, bodies that are empty, not an object,
        // too large or not JSON, a spent refresh token, the token routes off secure mode.
        let get = actix_test::TestRequest::get;
        let json = || post().insert_header(("content-type", "application/json"));
        let invalid = json!({"userId": "", "deviceId": "d", "deviceInfo": {"kind": "tv"}});
        let spent = json!({"refreshToken": tokens["v4"]["refreshToken"]});
        let cases = [
            (
                "get",
                "/api/v3/sessions",
                get().insert_header(bearer(&access)),
                401,
            ),
            ("get", "/api/v3/network-settings/chat", get(), 401),
            (
                "post",
                "/api/v5/sessions",
                actix_test::TestRequest::post()
                    .insert_header(("x-api-key", "nope"))
                    .set_json(login("d")),
                401,
            ),
            ("post", "/api/v3/sessions", post().set_json(invalid), 422),
            ("post", "/api/v4/sessions", json().set_payload("[1]"), 400),
            ("post", "/api/v4/sessions", json().set_payload(""), 400),
            (
                "post",
                "/api/v5/sessions",
                json().set_payload(vec![b' '; 65_537]),
                413,
            ),
            (
                "post",
                "/api/v3/sessions",
                post()
                    .insert_header(("content-type", "text/plain"))
                    .set_payload("{}"),
                415,
            ),
            (
                "post",
                "/api/v4/sessions/refresh",
                post().set_json(spent),
                401,
            ),
            (
                "post",
                "/api/v4/authentication/token",
                actix_test::TestRequest::post()
                    .insert_header(("x-server-key", SERVER))
                    .set_json(json!({"userId": "alice"})),
                403,
            ),
            (
                "get",
                "/api/v3/authentication/token",
                get().insert_header(("x-server-key", "wrong")),
                401,
            ),
        ];
        for (method, path, req, expected) in cases {
            let (status, body) = call((method, path), req).await;
            assert_eq!(status, expected, "{method} {path}: {body}");
            let examples = documented_examples(&doc, method, path, status);
            assert!(
                examples.contains(&body),
                "{method} {path} {status}: {body} is none of {examples:?}"
            );
        }
    }

    #[test]
    fn chat_settings_are_written_as_before() {
        let body = serde_json::to_string(&dto::ChatSettings::SERVED).unwrap();
        let before = json!({
            "enabled": true,
            "mention": {"isAllowMentionedChannelEnabled": false},
            "messagePreview": {"enabled": false, "isIncludeDeleted": false},
            "marker": {"enabled": false},
        });
        assert_eq!(body, before.to_string());
    }
}
