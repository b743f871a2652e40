//! Run-time networks: documents in the store's `amity.networks` collection (keyed by the keyed
//! hash of the API key, each the JSON of a `[[amity.networks]]` entry) are served like
//! configured ones, and stop being served when removed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::network::doc_id;
use crate::{NetworkSettings, Settings};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, App};
use serde_json::{json, Value};
use session_core::{
    tenants, CoreDeps, ManualClock, MemoryStore, SessionStore, SharedClock, TokenHasher,
};

const API_KEY: &str = "runtime-api-key";
const SERVER_KEY: &str = "runtime-server-key";

fn core() -> (CoreDeps, Arc<MemoryStore>) {
    let clock: SharedClock = Arc::new(ManualClock::starting_now());
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let core = CoreDeps {
        store: store.clone(),
        clock,
        hasher: TokenHasher::new("runtime-test-secret"),
        max_body_bytes: 65_536,
        metadata: session_core::MetadataPolicy::default(),
        body_timeout: std::time::Duration::from_secs(10),
    };
    (core, store)
}

async fn body(resp: ServiceResponse) -> (u16, Value) {
    let status = resp.status().as_u16();
    let bytes = test::read_body(resp).await;
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

#[actix_web::test]
async fn store_networks_serve_secure_mode_login_and_bearer_checks() {
    let (core, store) = core();
    let doc = json!({"api_key": API_KEY, "server_key": SERVER_KEY, "secure_mode": true});
    let id = doc_id(&core.hasher, API_KEY);
    store
        .doc_put(tenants::AMITY_NETWORKS, &id, &doc.to_string())
        .await
        .unwrap();
    let app =
        test::init_service(App::new().configure(|cfg| {
            crate::routes::mount(cfg, core.clone(), Arc::new(Settings::default()))
        }))
        .await;

    // The server key alone finds the network (no x-api-key sent).
    let req = test::TestRequest::post()
        .uri("/api/v4/authentication/token")
        .insert_header(("x-server-key", SERVER_KEY))
        .set_json(json!({"userId": "rita"}))
        .to_request();
    let (status, token) = body(app.call(req).await.unwrap()).await;
    assert_eq!(status, 200, "{token}");
    let auth_token = token.as_str().unwrap().to_owned();

    let req = test::TestRequest::post()
        .uri("/api/v5/sessions")
        .insert_header(("x-api-key", API_KEY))
        .set_json(json!({"userId": "rita", "deviceId": "d", "authToken": auth_token}))
        .to_request();
    let (status, session) = body(app.call(req).await.unwrap()).await;
    assert_eq!(status, 200, "{session}");
    let access = session["accessToken"].as_str().unwrap().to_owned();
    let network_id = crate::network::default_network_id(API_KEY);
    assert!(session["users"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{network_id}/social/user/")));

    let check = |token: String| {
        test::TestRequest::get()
            .uri("/api/v3/sessions")
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    let (status, _) = body(app.call(check(access.clone())).await.unwrap()).await;
    assert_eq!(status, 200);

    // Removing the network revokes its tokens and keys at once.
    assert!(store
        .doc_delete(tenants::AMITY_NETWORKS, &id)
        .await
        .unwrap());
    let (status, err) = body(app.call(check(access)).await.unwrap()).await;
    assert_eq!((status, err["code"].clone()), (401, json!(400100)));
    let req = test::TestRequest::post()
        .uri("/api/v5/sessions")
        .insert_header(("x-api-key", API_KEY))
        .set_json(json!({"userId": "rita", "deviceId": "d"}))
        .to_request();
    let (status, err) = body(app.call(req).await.unwrap()).await;
    assert_eq!((status, err["code"].clone()), (401, json!(400100)));
}

#[actix_web::test]
async fn configuration_wins_and_bad_documents_are_ignored() {
    let (core, store) = core();
    // A configured network and a store document for the same key that disagrees.
    let settings = Settings {
        networks: vec![NetworkSettings {
            api_key: API_KEY.into(),
            network_id: Some("from-config".into()),
            ..Default::default()
        }],
        ..Settings::default()
    };
    let put = |key: &str, doc: String| {
        let store = store.clone();
        let id = doc_id(&core.hasher, key);
        async move {
            store
                .doc_put(tenants::AMITY_NETWORKS, &id, &doc)
                .await
                .unwrap()
        }
    };
    put(
        API_KEY,
        json!({"api_key": API_KEY, "network_id": "from-store"}).to_string(),
    )
    .await;
    // Unreadable, invalid, and filed under another key's id.
    put("broken", "{not json".into()).await;
    put(
        "invalid",
        json!({"api_key": "invalid", "token_ttl_seconds": 0}).to_string(),
    )
    .await;
    put("elsewhere", json!({"api_key": "mismatch"}).to_string()).await;
    let app = test::init_service(
        App::new().configure(|cfg| crate::routes::mount(cfg, core.clone(), Arc::new(settings))),
    )
    .await;

    let login = |key: &'static str| {
        test::TestRequest::post()
            .uri("/api/v3/sessions")
            .insert_header(("x-api-key", key))
            .set_json(json!({"userId": "sam", "deviceId": "d"}))
            .to_request()
    };
    let (status, session) = body(app.call(login(API_KEY)).await.unwrap()).await;
    assert_eq!(status, 200, "{session}");
    assert!(session["users"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("from-config/"));
    for key in ["broken", "invalid", "elsewhere", "mismatch"] {
        let (status, err) = body(app.call(login(key)).await.unwrap()).await;
        assert_eq!(status, 401, "{key}: {err}");
        assert_eq!(err["code"], 400100);
    }
}
