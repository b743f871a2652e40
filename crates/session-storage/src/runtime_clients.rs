//! Clients added at run time: looked up in the store's `session_storage.clients` collection
//! after the configured ones.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::routes::mount;
use crate::{ClientSettings, Settings};
use actix_web::{test, App};
use serde_json::Value;
use session_core::tenants::SESSION_STORAGE_CLIENTS;
use session_core::{CoreDeps, MemoryStore, SessionStore, SystemClock, TokenHasher};

fn core() -> (CoreDeps, Arc<MemoryStore>) {
    let clock = Arc::new(SystemClock);
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let core = CoreDeps {
        store: store.clone(),
        clock,
        hasher: TokenHasher::new("test-secret"),
        max_body_bytes: 65536,
        metadata: session_core::MetadataPolicy::default(),
        body_timeout: std::time::Duration::from_secs(10),
    };
    (core, store)
}

fn create(id: &str, secret: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/session-storage/session")
        .insert_header(("ClientID", id))
        .insert_header(("ClientSecret", secret))
        .set_json(serde_json::json!({"data": {}}))
}

#[actix_web::test]
async fn run_time_clients_authenticate_from_the_store() {
    let (core, store) = core();
    let doc = serde_json::json!({
        "client_id": "rt-client", "client_secret": "rt-secret",
        "max_sessions_per_user": 1, "user_id": "rt-user", "note": "metadata is ignored"
    });
    store
        .doc_put(SESSION_STORAGE_CLIENTS, "rt-client", &doc.to_string())
        .await
        .unwrap();
    // A document whose client_id differs from its key, and one that is not a client at all.
    let stray = serde_json::json!({"client_id": "someone-else", "client_secret": "x"});
    store
        .doc_put(SESSION_STORAGE_CLIENTS, "stray", &stray.to_string())
        .await
        .unwrap();
    store
        .doc_put(SESSION_STORAGE_CLIENTS, "corrupt", "{\"client_id\": 5}")
        .await
        .unwrap();
    // A configured client wins over a stored one with the same id.
    let mut settings = Settings::default();
    settings.clients.push(ClientSettings {
        client_id: "cfg-client".into(),
        client_secret: "cfg-secret".into(),
        max_sessions_per_user: 10,
        user_id: None,
        limit_policy: None,
    });
    let shadow = serde_json::json!({"client_id": "cfg-client", "client_secret": "other"});
    store
        .doc_put(SESSION_STORAGE_CLIENTS, "cfg-client", &shadow.to_string())
        .await
        .unwrap();
    let settings = Arc::new(settings);
    let app =
        test::init_service(App::new().configure(|cfg| mount(cfg, core.clone(), settings.clone())))
            .await;

    let r = test::call_service(&app, create("rt-client", "rt-secret").to_request()).await;
    assert_eq!(r.status(), 201);
    let body: Value = test::read_body_json(r).await;
    assert!(body["data"]["id"].as_str().unwrap().starts_with("rt-user."));
    // The stored limit applies.
    let r = test::call_service(&app, create("rt-client", "rt-secret").to_request()).await;
    assert_eq!(r.status(), 409);

    for (id, secret) in [
        ("rt-client", "wrong"),
        ("stray", "x"),
        ("someone-else", "x"),
        ("corrupt", "x"),
        ("cfg-client", "other"),
    ] {
        let r = test::call_service(&app, create(id, secret).to_request()).await;
        assert_eq!(r.status(), 401, "{id}");
        let body: Value = test::read_body_json(r).await;
        assert_eq!(body["errors"][0]["error_code"], "INVALID_CREDENTIALS");
    }
    let r = test::call_service(&app, create("cfg-client", "cfg-secret").to_request()).await;
    assert_eq!(r.status(), 201);

    // Removing the document revokes the client at once.
    store
        .doc_delete(SESSION_STORAGE_CLIENTS, "rt-client")
        .await
        .unwrap();
    let list = test::TestRequest::get()
        .uri("/session-storage/sessions")
        .insert_header(("ClientID", "rt-client"))
        .insert_header(("ClientSecret", "rt-secret"))
        .to_request();
    assert_eq!(test::call_service(&app, list).await.status(), 401);
}
