//! The flavor against its own document, live: its routes are the documented ones, and its real
//! answers fit their documented responses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use actix_web::test as actix_test;
use api_testkit::flavor::{schemes, secured};
use api_testkit::TestService;
use serde_json::{json, Value};

use crate::openapi::{API_KEY, BEARER, SERVER_KEY};
use crate::settings::{NetworkSettings, RoleSettings, Settings};
use crate::{dto, requests, FLAVOR};

const API: &str = "openapi-test-key";
const SERVER: &str = "openapi-test-server-key";

fn doc() -> Value {
    api_testkit::flavor::document(&FLAVOR)
}

fn settings() -> Settings {
    Settings {
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
        ..Settings::default()
    }
}

#[actix_web::test]
async fn the_routes_are_the_documented_ones_and_all_are_secured() {
    api_testkit::check_flavor(&FLAVOR, settings()).await;
    let doc = doc();
    for (operation, secured) in secured(&doc) {
        // The public keys are public: other services fetch them to verify access tokens.
        let public = operation == "get /api/.well-known/jwks.json";
        assert_eq!(secured, !public, "{operation} needs a credential");
    }
    assert_eq!(
        schemes(&doc),
        BTreeSet::from([API_KEY, BEARER, SERVER_KEY].map(String::from))
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
        assert_eq!(max(&s, "userId"), Some(requests::USER_ID.max as u64));
        assert_eq!(max(&s, "deviceId"), Some(requests::DEVICE_ID.max as u64));
        assert_eq!(max(&s, "displayName"), Some(requests::NAME_MAX as u64));
        assert_eq!(max(&s, "authToken"), Some(requests::AUTH_TOKEN.max as u64));
        let handle = max(&s, "profileHandle");
        assert_eq!(
            handle,
            (v != "V3").then_some(requests::NAME_MAX as u64),
            "{s}"
        );
        assert_eq!(schemas[&s]["required"], json!(["userId", "deviceId"]));
    }
    assert_eq!(
        max("AmityDeviceInfo", "sdkVersion"),
        Some(requests::SDK_VERSION.max as u64)
    );
    assert_eq!(
        schemas["AmityDeviceKind"]["enum"],
        json!(requests::DEVICE_KINDS)
    );
    assert_eq!(
        max("AmityRefreshRequest", "refreshToken"),
        Some(requests::REFRESH_TOKEN.max as u64)
    );
    assert_eq!(
        max("AmityAuthTokenRequest", "userId"),
        Some(requests::USER_ID.max as u64)
    );
    let query = &doc["paths"]["/api/v3/authentication/token"]["get"]["parameters"][0];
    assert_eq!(query["name"], "userId");
    assert_eq!(
        query["schema"]["maxLength"].as_u64(),
        Some(requests::USER_ID.max as u64)
    );
    let pattern = schemas["AmityRegisterV5Request"]["properties"]["userId"]["pattern"]
        .as_str()
        .unwrap();
    for prefix in requests::RESERVED_PREFIXES {
        assert!(pattern.contains(prefix), "{pattern}");
    }
}

/// The flavor alone, on a memory store.
async fn app() -> impl TestService {
    api_testkit::mount(&FLAVOR, api_testkit::memory_core(), settings()).await
}

/// Sends `req` and checks the answer against the document.
async fn answer_conforms(
    app: &impl TestService,
    doc: &Value,
    (method, path): (&str, &str),
    req: actix_test::TestRequest,
) -> (u16, Value) {
    api_testkit::answer_conforms(app, doc, (method, path), req).await
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
        // An error is one of the documented examples (checked by `answer_conforms`).
        assert_eq!(status, expected, "{method} {path}: {body}");
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
