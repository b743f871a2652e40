//! The flavor against its own document, live: its routes are the documented ones, and its real
//! answers (successes and every way each route fails) fit their documented responses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use actix_web::test as actix_test;
use api_testkit::flavor::{schemes, secured};
use api_testkit::TestService;
use k256::ecdsa::SigningKey;
use serde_json::{json, Value};
use session_core::{Clock, SystemClock};

use crate::eip191::{personal_message_hash, Address};
use crate::openapi::{API_KEY, SESSION_BEARER, WALLET_BEARER};
use crate::settings::ApiKey;
use crate::wallet_token::WalletTokens;
use crate::{Settings, FLAVOR};

const KEY: &str = "openapi-test-key";

fn doc() -> Value {
    api_testkit::flavor::document(&FLAVOR)
}

fn settings() -> Settings {
    let mut s = Settings::default();
    s.api_keys.push(ApiKey {
        key: KEY.into(),
        name: None,
    });
    s.wallet_token.hs256_secret = "openapi-test-wallet-secret-0123456789abcdef".into();
    s
}

#[actix_web::test]
async fn the_routes_are_the_documented_ones_and_the_session_routes_secured() {
    api_testkit::check_flavor(&FLAVOR, settings()).await;
    let doc = doc();
    // Everything under /v1/session needs a credential; the wallet proof none.
    for (operation, secured) in secured(&doc) {
        assert_eq!(secured, operation.contains(" /v1/session"), "{operation}");
    }
    let expected = [API_KEY, SESSION_BEARER, WALLET_BEARER].map(String::from);
    assert_eq!(schemes(&doc), BTreeSet::from(expected));
}

#[test]
fn request_schemas_refuse_unknown_members_and_name_the_required_ones() {
    let doc = doc();
    let schemas = &doc["components"]["schemas"];
    for (name, required) in [
        (
            "QuicksyncVerifyRequest",
            json!(["walletAddress", "message", "signature"]),
        ),
        ("QuicksyncCreateSessionRequest", Value::Null),
        ("QuicksyncIdentity", Value::Null),
        ("QuicksyncSessionRules", Value::Null),
        ("QuicksyncWhiteListAddressRequest", json!(["address"])),
        ("QuicksyncJoinRequest", json!(["sessionId"])),
        ("QuicksyncKickRequest", json!(["userId"])),
    ] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
        assert_eq!(schemas[name]["required"], required, "{name}");
    }
    assert_eq!(
        schemas["QuicksyncRole"]["enum"],
        json!([crate::records::HOST, crate::records::CLIENT])
    );
    // The bounds of the default configuration, as the server enforces them out of the box.
    let rules = &schemas["QuicksyncSessionRules"]["properties"];
    let defaults = crate::settings::RulesSettings::default();
    assert_eq!(rules["userCapacity"]["minimum"], 1);
    assert_eq!(
        rules["userCapacity"]["maximum"],
        json!(defaults.max_user_capacity)
    );
    assert_eq!(
        rules["expiryDurationInSeconds"]["minimum"],
        json!(defaults.min_expiry_seconds)
    );
    assert_eq!(
        rules["expiryDurationInSeconds"]["maximum"],
        json!(defaults.max_expiry_seconds)
    );
    assert_eq!(
        rules["password"]["maxLength"],
        json!(defaults.max_password_length)
    );
}

/// The flavor alone, on a memory store.
async fn app() -> impl TestService {
    api_testkit::mount(&FLAVOR, api_testkit::memory_core(), settings()).await
}

/// Sends `req` to `path` (plus `query`) and checks the answer against the document.
async fn answer_conforms(
    app: &impl TestService,
    doc: &Value,
    (method, path, query): (&str, &str, &str),
    req: actix_test::TestRequest,
) -> (u16, Value) {
    let req = req.uri(&format!("{path}{query}"));
    api_testkit::answer_conforms(app, doc, (method, path), req).await
}

/// A proof of `key` over a fresh nonce, as the body of verify.
async fn proof(app: &impl TestService, doc: &Value, key: &SigningKey) -> Value {
    let get = actix_test::TestRequest::get();
    let (status, nonce) =
        answer_conforms(app, doc, ("get", "/v1/wallet-proof/nonce", ""), get).await;
    assert_eq!(status, 200);
    let message = nonce["message"].as_str().unwrap();
    let (sig, recid) = key
        .sign_prehash_recoverable(&personal_message_hash(message.as_bytes()))
        .unwrap();
    let mut sig = sig.to_bytes().to_vec();
    sig.push(27 + recid.to_byte());
    json!({
        "walletAddress": Address::of_key(key.verifying_key()).checksummed(),
        "message": message,
        "signature": format!("0x{}", hex::encode(&sig)),
    })
}

#[actix_web::test]
async fn real_answers_match_their_documented_schemas_and_examples() {
    let doc = doc();
    let app = app().await;
    let call = |(method, path): (&'static str, &'static str), req: actix_test::TestRequest| {
        let (app, doc) = (&app, &doc);
        async move { answer_conforms(app, doc, (method, path, ""), req).await }
    };
    let post = actix_test::TestRequest::post;
    let bearer = |token: &str| ("authorization", format!("Bearer {token}"));
    let json_post = || post().insert_header(("content-type", "application/json"));
    let host_key = SigningKey::from_slice(&[7; 32]).unwrap();
    let guest_key = SigningKey::from_slice(&[9; 32]).unwrap();

    // Wallet proofs: one good one, then every way one fails.
    let verify = "/v1/wallet-proof/verify";
    let good = proof(&app, &doc, &host_key).await;
    let (status, token) = call(("post", verify), post().set_json(&good)).await;
    assert_eq!(status, 200);
    let host_wallet = token["token"].as_str().unwrap().to_owned();
    let fresh = proof(&app, &doc, &host_key).await;
    let mut altered = fresh.clone();
    altered["message"] = json!(format!("{}x", fresh["message"].as_str().unwrap()));
    let mut malformed = fresh.clone();
    malformed["signature"] = json!("0x12");
    let mut other = fresh.clone();
    other["walletAddress"] = proof(&app, &doc, &guest_key).await["walletAddress"].clone();
    let mut bad_address = fresh.clone();
    bad_address["walletAddress"] = json!("0x12");
    let mut incomplete = fresh.clone();
    incomplete.as_object_mut().unwrap().remove("signature");
    for (query, body, expected) in [
        ("", &good, 400),
        ("?chain=Solana", &fresh, 400),
        ("?chain=ethereum&chain=Ethereum", &fresh, 400),
        ("", &altered, 400),
        ("", &malformed, 400),
        ("", &other, 400),
        ("", &bad_address, 400),
        ("", &incomplete, 422),
    ] {
        let (status, body) =
            answer_conforms(&app, &doc, ("post", verify, query), post().set_json(body)).await;
        assert_eq!(status, expected, "{query} {body}");
    }
    let (status, _) = call(("post", verify), json_post().set_payload("")).await;
    assert_eq!(status, 422);
    let (status, _) = call(
        ("post", verify),
        json_post().set_payload(vec![b' '; 65_537]),
    )
    .await;
    assert_eq!(status, 413);
    let (status, _) = call(("post", verify), post().set_payload("{}")).await;
    assert_eq!(status, 415);

    // Create, then every way a create fails.
    let s = settings();
    let tokens = WalletTokens::new(&s.wallet_token);
    let guest_address = Address::of_key(guest_key.verifying_key());
    let guest_wallet = tokens.issue(&guest_address, SystemClock.now()).unwrap();
    let expired = tokens
        .issue(
            &guest_address,
            SystemClock.now() - chrono::Duration::days(1),
        )
        .unwrap();
    let create = || {
        json_post()
            .insert_header(("x-api-key", KEY))
            .insert_header(bearer(&host_wallet))
    };
    let rules = json!({"identity": {"name": "Host"},
        "rules": {"userCapacity": 2, "password": "pw", "allowOnlyWhitelistedAddresses": true,
                  "whiteListAddresses": [{"address": guest_address.lower()}]}});
    let (status, created) = call(("post", "/v1/session"), create().set_json(&rules)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["credentials"]["role"], "Host");
    let session_id = created["sessionId"].as_str().unwrap().to_owned();
    let host = created["credentials"]["token"].as_str().unwrap().to_owned();
    let host_id = created["credentials"]["id"].as_str().unwrap().to_owned();
    for (req, expected) in [
        (post(), 401),
        (post().insert_header(bearer(&expired)), 401),
        (json_post().insert_header(bearer(&host_wallet)), 401),
        (
            json_post()
                .insert_header(bearer(&host_wallet))
                .insert_header(("x-api-key", "nope")),
            401,
        ),
        (create(), 422),
        (create().set_payload(r#"{"rules": {"maxUsers": 3}}"#), 422),
        (
            create().set_payload(r#"{"rules": {"userCapacity": 101}}"#),
            422,
        ),
        (create().set_payload(vec![b' '; 65_537]), 413),
        (
            post()
                .insert_header(("x-api-key", KEY))
                .insert_header(bearer(&host_wallet))
                .set_payload("{}"),
            415,
        ),
    ] {
        assert_eq!(call(("post", "/v1/session"), req).await.0, expected);
    }

    // Join: the failures first, then the guest gets in; then the session is full.
    let join = |wallet: &str, body: Value| json_post().insert_header(bearer(wallet)).set_json(body);
    let unknown = "0d0a1c6e-2f4b-4a59-9a43-3d3c1f1f2b7e";
    for (req, expected) in [
        (post(), 401),
        (post().insert_header(bearer(&expired)), 401),
        (join(&guest_wallet, json!({})), 422),
        (join(&guest_wallet, json!({"sessionId": unknown})), 404),
        (join(&guest_wallet, json!({"sessionId": session_id})), 403),
        (
            join(
                &guest_wallet,
                json!({"sessionId": session_id, "password": "no"}),
            ),
            403,
        ),
        (
            join(
                &host_wallet,
                json!({"sessionId": session_id, "password": "pw"}),
            ),
            403,
        ),
    ] {
        assert_eq!(call(("post", "/v1/session/join"), req).await.0, expected);
    }
    let guest_joins = || {
        let body = json!({"sessionId": session_id, "password": "pw"});
        call(("post", "/v1/session/join"), join(&guest_wallet, body))
    };
    let (status, joined) = guest_joins().await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["credentials"]["role"], "Client");
    let guest = joined["credentials"]["token"].as_str().unwrap().to_owned();
    let guest_id = joined["credentials"]["id"].as_str().unwrap().to_owned();
    assert_eq!(guest_joins().await.0, 409);

    // The session as each member sees it.
    for token in [&host, &guest] {
        let req = actix_test::TestRequest::get().insert_header(bearer(token));
        let (status, current) = call(("get", "/v1/session/current"), req).await;
        assert_eq!(status, 200);
        assert_eq!(current["users"].as_array().unwrap().len(), 2);
    }
    let get = actix_test::TestRequest::get;
    assert_eq!(call(("get", "/v1/session/current"), get()).await.0, 401);
    let forged = format!("{session_id}.{host_id}.forged");
    let req = get().insert_header(bearer(&forged));
    assert_eq!(call(("get", "/v1/session/current"), req).await.0, 401);

    // Kick and delete are the host's; kick checks its body.
    let kick = |token: &str, body: Value| json_post().insert_header(bearer(token)).set_json(body);
    let nobody = "5d41402abc4b2a76b9719d911017c592";
    let delete = actix_test::TestRequest::delete;
    for (req, expected) in [
        (kick(&guest, json!({"userId": host_id})), 403),
        (kick(&host, json!({})), 422),
        (kick(&host, json!({"userId": host_id})), 422),
        (kick(&host, json!({"userId": nobody})), 404),
        (post(), 401),
    ] {
        assert_eq!(
            call(("post", "/v1/session/current/kick"), req).await.0,
            expected
        );
    }
    let req = delete().insert_header(bearer(&guest));
    assert_eq!(call(("delete", "/v1/session/current"), req).await.0, 403);
    let (status, body) = call(
        ("post", "/v1/session/current/kick"),
        kick(&host, json!({"userId": guest_id})),
    )
    .await;
    assert_eq!((status, body), (200, Value::Null));
    // The kicked guest is gone; it joins again and leaves; the host ends the session.
    let req = post().insert_header(bearer(&guest));
    assert_eq!(call(("post", "/v1/session/disconnect"), req).await.0, 401);
    let (_, joined) = guest_joins().await;
    let guest = joined["credentials"]["token"].as_str().unwrap();
    let req = post().insert_header(bearer(guest));
    assert_eq!(
        call(("post", "/v1/session/disconnect"), req).await,
        (200, Value::Null)
    );
    let req = delete().insert_header(bearer(&host));
    assert_eq!(
        call(("delete", "/v1/session/current"), req).await,
        (200, Value::Null)
    );
    let req = delete().insert_header(bearer(&host));
    assert_eq!(call(("delete", "/v1/session/current"), req).await.0, 401);
}
