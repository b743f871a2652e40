//! The flavor mounted on its own, against stores the black-box tests cannot reach into: run-time
//! API keys written to the store, and a store that does not answer (503).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::eip191::{personal_message_hash, Address};
use crate::settings::ApiKey;
use crate::tokens;
use crate::wallet_token::WalletTokens;
use crate::Settings;
use actix_web::{test, App};
use k256::ecdsa::SigningKey;
use serde_json::Value;
use session_core::tenants::QUICKSYNC_API_KEYS;
use session_core::unavailable::UnavailableStore;
use session_core::{
    Clock, CoreDeps, MemoryStore, SessionId, SessionStore, SharedStore, SystemClock, TokenHasher,
};

fn settings() -> Settings {
    let mut s = Settings::default();
    s.api_keys.push(ApiKey {
        key: "config-key".into(),
        name: Some("from-config".into()),
    });
    s.wallet_token.hs256_secret = "unit-test-wallet-secret-0123456789abcdef".into();
    s
}

fn core(store: SharedStore) -> CoreDeps {
    CoreDeps {
        store,
        clock: Arc::new(SystemClock),
        hasher: TokenHasher::new("unit-test-token-secret"),
        max_body_bytes: 65536,
        metadata: session_core::MetadataPolicy::default(),
        body_timeout: std::time::Duration::from_secs(10),
    }
}

fn bearer(s: &Settings) -> String {
    let w = Address::parse("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23").unwrap();
    WalletTokens::new(&s.wallet_token)
        .issue(&w, SystemClock.now())
        .unwrap()
}

#[actix_web::test]
async fn run_time_api_keys_come_from_the_store() {
    let store = Arc::new(MemoryStore::new(Arc::new(SystemClock)));
    let deps = core(store.clone());
    let put = |key: &str, doc: &str| {
        let (store, id, doc) = (store.clone(), deps.hasher.hash(key), doc.to_owned());
        async move {
            store
                .doc_put(QUICKSYNC_API_KEYS, &id.to_hex(), &doc)
                .await
                .unwrap()
        }
    };
    put(
        "runtime-key",
        r#"{"key": "runtime-key", "name": "tenant-rt"}"#,
    )
    .await;
    put("unnamed-key", r#"{"key": "unnamed-key"}"#).await;
    put(
        "disabled-key",
        r#"{"key": "disabled-key", "disabled": true}"#,
    )
    .await;
    put("mismatch-key", r#"{"key": "another-key"}"#).await;
    put("broken-key", "not json").await;

    let s = settings();
    let jwt = bearer(&s);
    let app = test::init_service(
        App::new().configure(|c| crate::routes::mount(c, deps.clone(), Arc::new(s.clone()))),
    )
    .await;
    let create = |key: &'static str| {
        test::TestRequest::post()
            .uri("/v1/session")
            .insert_header(("X-API-KEY", key))
            .insert_header(("Authorization", format!("Bearer {jwt}")))
            .insert_header(("Content-Type", "application/json"))
            .set_payload("{}")
            .to_request()
    };
    for (key, tenant) in [
        ("config-key", Some("from-config")),
        ("runtime-key", Some("tenant-rt")),
        ("unnamed-key", None),
    ] {
        let res = test::call_service(&app, create(key)).await;
        assert_eq!(res.status(), 200, "{key}");
        let body: Value = test::read_body_json(res).await;
        let id = SessionId::parse(body["sessionId"].as_str().unwrap()).unwrap();
        let group = store
            .get(&tokens::group_ref(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
        match tenant {
            Some(t) => assert_eq!(group.tenant, t),
            // Derived from the key's keyed hash, never the key itself.
            None => assert!(group.tenant.starts_with("key-") && !group.tenant.contains(key)),
        }
    }
    for key in ["disabled-key", "mismatch-key", "broken-key", "unknown-key"] {
        let res = test::call_service(&app, create(key)).await;
        assert_eq!(res.status(), 401, "{key}");
        let body: Value = test::read_body_json(res).await;
        assert_eq!(body["detail"], "The API key is not valid.");
        assert_eq!(body["instance"], "/v1/session");
    }
}

#[actix_web::test]
async fn an_unavailable_store_is_503_problem_details() {
    let s = settings();
    let jwt = bearer(&s);
    let app = test::init_service(App::new().configure(|c| {
        crate::routes::mount(c, core(Arc::new(UnavailableStore)), Arc::new(s.clone()))
    }))
    .await;

    // Issuing a nonce needs no store.
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/v1/wallet-proof/nonce")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let nonce: Value = test::read_body_json(res).await;
    let message = nonce["message"].as_str().unwrap();

    // A valid proof fails only at the nonce claim.
    let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let (sig, recid) = key
        .sign_prehash_recoverable(&personal_message_hash(message.as_bytes()))
        .unwrap();
    let mut sig = sig.to_bytes().to_vec();
    sig.push(27 + recid.to_byte());
    let proof = serde_json::json!({
        "walletAddress": Address::of_key(key.verifying_key()).checksummed(),
        "message": message,
        "signature": format!("0x{}", hex::encode(&sig)),
    });
    let group = tokens::new_group_id().unwrap();
    let member = tokens::member_id(&TokenHasher::new("x"), &group, "0xa").unwrap();
    let member_token = tokens::issue(&group, &member).unwrap();
    let requests = [
        test::TestRequest::post()
            .uri("/v1/wallet-proof/verify?chain=Ethereum")
            .set_json(&proof)
            .to_request(),
        test::TestRequest::post()
            .uri("/v1/session")
            .insert_header(("X-API-KEY", "config-key"))
            .insert_header(("Authorization", format!("Bearer {jwt}")))
            .set_json(serde_json::json!({}))
            .to_request(),
        test::TestRequest::post()
            .uri("/v1/session/join")
            .insert_header(("Authorization", format!("Bearer {jwt}")))
            .set_json(serde_json::json!({"sessionId": group.as_str()}))
            .to_request(),
        test::TestRequest::get()
            .uri("/v1/session/current")
            .insert_header(("Authorization", format!("Bearer {member_token}")))
            .to_request(),
        // An unknown API key is looked up in the store, which is down: 503, not 401.
        test::TestRequest::post()
            .uri("/v1/session")
            .insert_header(("X-API-KEY", "unknown"))
            .insert_header(("Authorization", format!("Bearer {jwt}")))
            .set_json(serde_json::json!({}))
            .to_request(),
    ];
    for req in requests {
        let path = req.path().to_owned();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), 503, "{path}");
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        let body: Value = test::read_body_json(res).await;
        assert_eq!(body["status"], 503);
        assert_eq!(body["title"], "Service Unavailable");
        assert_eq!(body["instance"], path.as_str());
        assert!(!body["detail"].as_str().unwrap().contains("timed out"));
    }
}

#[actix_web::test]
async fn verify_without_a_secret_is_503_and_bad_queries_are_400() {
    let store = Arc::new(MemoryStore::new(Arc::new(SystemClock)));
    let app = test::init_service(App::new().configure(|c| {
        crate::routes::mount(c, core(store.clone()), Arc::new(Settings::default()))
    }))
    .await;
    let proof = serde_json::json!({
        "walletAddress": "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23",
        "message": "m",
        "signature": "0x00",
    });
    let res = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/v1/wallet-proof/verify")
            .set_json(&proof)
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 503);
    let body: Value = test::read_body_json(res).await;
    assert_eq!(
        body["detail"],
        "Wallet verification is not configured on this server."
    );

    let res = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/v1/wallet-proof/verify?chain=Ethereum&chain=Solana")
            .set_json(&proof)
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 400);
    let body: Value = test::read_body_json(res).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .starts_with("The query string is not valid"));
    assert_eq!(body["instance"], "/v1/wallet-proof/verify");
}
