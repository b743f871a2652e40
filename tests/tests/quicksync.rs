//! Black-box tests of the QuickSync flavor (`/v1`), with real secp256k1 wallets signing
//! EIP-191 messages. Each scenario runs on the memory store (`<name>::memory`) and on Redis
//! (`<name>::redis`); clock-driven ones run on memory with a settable clock.

use std::time::Duration as StdDuration;

use chrono::Duration;
use e2e::{spawn_app, spawn_app_with_clock, TestApp};
use futures_util::future::join_all;
use k256::ecdsa::SigningKey;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};

const API_KEY: &str = "qs-test-key";
const WALLET_SECRET: &str = "quicksync-test-wallet-secret-0123456789";

pub(crate) const OVERLAY: &str = r#"
[[quicksync.api_keys]]
key = "qs-test-key"
name = "tenant-a"

[[quicksync.api_keys]]
key = "qs-other-key"

[quicksync.wallet_token]
hs256_secret = "quicksync-test-wallet-secret-0123456789"
ttl_seconds = 900

[quicksync.rules]
default_user_capacity = 10
max_user_capacity = 100
default_expiry_seconds = 3600
max_expiry_seconds = 86400
max_files = 100
max_total_megabytes = 1024
max_name_length = 64
max_password_length = 128
max_whitelist_addresses = 5
"#;

// ---------------------------------------------------------------------------------------------
// A wallet, written independently of the gateway's code.

pub(crate) struct Wallet {
    key: SigningKey,
}

impl Wallet {
    pub(crate) fn new(seed: &str) -> Self {
        let bytes = Keccak256::digest(format!("quicksync-e2e-wallet:{seed}").as_bytes());
        Self {
            key: SigningKey::from_slice(&bytes).unwrap(),
        }
    }

    /// `0x` and 40 lowercase hex digits.
    pub(crate) fn address(&self) -> String {
        let point = self.key.verifying_key().to_encoded_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        format!("0x{}", hex::encode(&hash[12..]))
    }

    /// EIP-191 personal_sign: 0x r || s || v (v = 27/28).
    fn sign(&self, message: &str) -> String {
        let mut h = Keccak256::new();
        h.update(format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes());
        h.update(message.as_bytes());
        let (sig, recid) = self.key.sign_prehash_recoverable(&h.finalize()).unwrap();
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(27 + recid.to_byte());
        format!("0x{}", hex::encode(bytes))
    }
}

/// A wallet bearer minted outside the gateway with the configured key.
fn mint(sub: &str, exp_in: i64, alg: jsonwebtoken::Algorithm, secret: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        &json!({"sub": sub, "exp": now + exp_in, "iat": now}),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub(crate) fn minted(w: &Wallet) -> String {
    mint(
        &w.address(),
        600,
        jsonwebtoken::Algorithm::HS256,
        WALLET_SECRET,
    )
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers.

async fn get_nonce(app: &TestApp) -> (u64, String) {
    let r = app
        .client
        .get(app.url("/v1/wallet-proof/nonce"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    (
        v["nonce"].as_u64().unwrap(),
        v["message"].as_str().unwrap().to_owned(),
    )
}

async fn verify(app: &TestApp, body: &Value) -> Response {
    app.client
        .post(app.url("/v1/wallet-proof/verify?chain=Ethereum"))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Nonce, sign, verify: a wallet bearer issued by the gateway.
pub(crate) async fn prove(app: &TestApp, w: &Wallet) -> String {
    let (_, message) = get_nonce(app).await;
    let r = verify(
        app,
        &json!({"walletAddress": w.address(), "message": message, "signature": w.sign(&message)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create(app: &TestApp, wallet_token: &str, body: &Value) -> Response {
    app.client
        .post(app.url("/v1/session"))
        .header("X-API-KEY", API_KEY)
        .bearer_auth(wallet_token)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn create_ok(app: &TestApp, wallet_token: &str, body: &Value) -> Value {
    let r = create(app, wallet_token, body).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub(crate) async fn join(app: &TestApp, wallet_token: &str, body: &Value) -> Response {
    app.client
        .post(app.url("/v1/session/join"))
        .bearer_auth(wallet_token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn current(app: &TestApp, token: &str) -> Response {
    app.client
        .get(app.url("/v1/session/current"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn kick(app: &TestApp, token: &str, user_id: &str) -> Response {
    app.client
        .post(app.url("/v1/session/current/kick"))
        .bearer_auth(token)
        .json(&json!({"userId": user_id}))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn disconnect(app: &TestApp, token: &str) -> Response {
    app.client
        .post(app.url("/v1/session/disconnect"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn delete(app: &TestApp, token: &str) -> Response {
    app.client
        .delete(app.url("/v1/session/current"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Asserts an RFC 7807 answer and returns its body.
async fn problem(r: Response, status: u16, path: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    if status == 401 {
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], status, "{v}");
    assert!(v["type"]
        .as_str()
        .unwrap()
        .starts_with("https://tools.ietf.org/html/rfc"));
    assert!(!v["title"].as_str().unwrap().is_empty());
    assert!(!v["detail"].as_str().unwrap().is_empty());
    assert_eq!(v["instance"], path, "{v}");
    v
}

/// Asserts a 422 naming `field`.
async fn invalid(r: Response, path: &str, field: &str) -> Value {
    let v = problem(r, 422, path).await;
    assert_eq!(v["title"], "Client Error");
    assert!(
        v["errors"][field].is_array(),
        "expected errors.{field}: {v}"
    );
    if field != "$" {
        assert!(v["detail"].as_str().unwrap().contains(field), "{v}");
    }
    v
}

pub(crate) fn token_of(v: &Value) -> String {
    v["credentials"]["token"].as_str().unwrap().to_owned()
}

pub(crate) fn id_of(v: &Value) -> String {
    v["credentials"]["id"].as_str().unwrap().to_owned()
}

pub(crate) fn session_of(v: &Value) -> String {
    v["sessionId"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Scenarios, each run on memory and on Redis.

on_both_stores!(OVERLAY =>
    walkthrough,
    nonces_are_single_use_even_under_concurrency,
    wallet_proof_failures_are_400,
    wallet_bearers_are_checked,
    api_keys_are_checked,
    create_applies_defaults_and_bounds,
    create_schema_is_strict,
    bodies_are_checked_for_type_size_and_syntax,
    join_enforces_the_rules,
    concurrent_joins_fill_capacity_exactly,
    only_the_host_kicks_and_deletes,
    host_disconnect_ends_the_session,
    unknown_routes_and_methods_are_problems,
);

/// nonce -> sign -> verify -> create -> join -> current -> kick -> disconnect -> delete.
async fn walkthrough(app: &TestApp) {
    let host_wallet = Wallet::new("host");
    let alice_wallet = Wallet::new("alice");
    let bob_wallet = Wallet::new("bob");

    let (nonce, message) = get_nonce(app).await;
    assert!(message.contains(&nonce.to_string()));
    let r = verify(
        app,
        &json!({
            "walletAddress": host_wallet.address().to_uppercase().replace("0X", "0x"),
            "message": message,
            "signature": host_wallet.sign(&message),
        }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let host_jwt = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims = jsonwebtoken::decode::<Value>(
        &host_jwt,
        &jsonwebtoken::DecodingKey::from_secret(WALLET_SECRET.as_bytes()),
        &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
    )
    .unwrap()
    .claims;
    assert_eq!(
        claims["sub"].as_str().unwrap().to_lowercase(),
        host_wallet.address()
    );
    let exp = claims["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((890..=900).contains(&exp), "{exp}");

    let created = create_ok(
        app,
        &host_jwt,
        &json!({
            "identity": {"name": "Hostess", "chainAddress": host_wallet.address()},
            "rules": {"userCapacity": 3, "expiryDurationInSeconds": 1800, "password": "s3cret"}
        }),
    )
    .await;
    assert_eq!(created["credentials"]["role"], "Host");
    assert!((1798..=1800).contains(&created["expiresIn"].as_i64().unwrap()));
    let rules = &created["rules"];
    assert_eq!(rules["maxUsers"], 3);
    assert_eq!(rules["maxFiles"], 100);
    assert_eq!(rules["maxTotalMegaBytes"], 1024);
    assert_eq!(rules["passwordProtected"], true);
    assert_eq!(rules["whiteListAddresses"], json!([]));
    assert!((1798..=1800).contains(&rules["expiry"].as_i64().unwrap()));
    let sid = session_of(&created);
    let host_token = token_of(&created);
    let host_id = id_of(&created);
    assert!(!created["credentials"]["pseudonym"]
        .as_str()
        .unwrap()
        .is_empty());

    let alice_jwt = prove(app, &alice_wallet).await;
    let joined = join(
        app,
        &alice_jwt,
        &json!({"sessionId": sid, "password": "s3cret"}),
    )
    .await;
    assert_eq!(joined.status(), 200);
    let alice = joined.json::<Value>().await.unwrap();
    assert_eq!(alice["sessionId"], sid);
    assert_eq!(alice["credentials"]["role"], "Client");
    assert_eq!(alice["rules"]["maxUsers"], 3);
    let alice_token = token_of(&alice);
    let alice_id = id_of(&alice);
    assert_ne!(
        alice["credentials"]["pseudonym"],
        created["credentials"]["pseudonym"]
    );

    let bob_jwt = prove(app, &bob_wallet).await;
    let bob = join(
        app,
        &bob_jwt,
        &json!({"sessionId": sid, "password": "s3cret"}),
    )
    .await;
    assert_eq!(bob.status(), 200);
    let bob = bob.json::<Value>().await.unwrap();
    let bob_token = token_of(&bob);

    for token in [&host_token, &alice_token, &bob_token] {
        let r = current(app, token).await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["id"], sid);
        assert_eq!(v["creatorId"], host_id);
        assert_eq!(v["maxUsers"], 3);
        assert_eq!(v["maxFiles"], 100);
        assert_eq!(v["maxTotalMegaBytes"], 1024);
        assert_eq!(v["passwordProtected"], true);
        assert_eq!(v["whiteListAddresses"], json!([]));
        assert!(v["expiry"].as_i64().unwrap() > 1700);
        let users = v["users"].as_array().unwrap();
        assert_eq!(users.len(), 3);
        assert_eq!(users[0]["id"], host_id);
        assert_eq!(users[0]["role"], "Host");
        assert_eq!(users[0]["name"], "Hostess");
        assert_eq!(users[0]["address"], host_wallet.address());
        assert_eq!(users[1]["id"], alice_id);
        assert_eq!(users[1]["role"], "Client");
        assert_eq!(users[1]["name"], alice["credentials"]["pseudonym"]);
        assert_eq!(
            users[1]["address"].as_str().unwrap().to_lowercase(),
            alice_wallet.address()
        );
    }

    // Kick alice: her token dies at once; bob's lives on.
    let r = kick(app, &host_token, &alice_id).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().len(), 0);
    problem(current(app, &alice_token).await, 401, "/v1/session/current").await;
    problem(
        disconnect(app, &alice_token).await,
        401,
        "/v1/session/disconnect",
    )
    .await;
    let v: Value = current(app, &bob_token).await.json().await.unwrap();
    assert_eq!(v["users"].as_array().unwrap().len(), 2);

    // Bob leaves: his token dies.
    let r = disconnect(app, &bob_token).await;
    assert_eq!(r.status(), 200);
    problem(current(app, &bob_token).await, 401, "/v1/session/current").await;
    let v: Value = current(app, &host_token).await.json().await.unwrap();
    assert_eq!(v["users"].as_array().unwrap().len(), 1);

    // Alice may come back (a kick is not a ban) with a new token.
    let back = join(
        app,
        &alice_jwt,
        &json!({"sessionId": sid, "password": "s3cret"}),
    )
    .await;
    assert_eq!(back.status(), 200);
    let back_token = token_of(&back.json::<Value>().await.unwrap());

    // Delete: every token dies, the session is gone.
    let r = delete(app, &host_token).await;
    assert_eq!(r.status(), 200);
    for token in [&host_token, &back_token, &alice_token, &bob_token] {
        problem(current(app, token).await, 401, "/v1/session/current").await;
    }
    let r = join(
        app,
        &bob_jwt,
        &json!({"sessionId": sid, "password": "s3cret"}),
    )
    .await;
    problem(r, 404, "/v1/session/join").await;
}

/// A proof redeems once; 100 concurrent redemptions of one proof yield exactly one token.
async fn nonces_are_single_use_even_under_concurrency(app: &TestApp) {
    let w = Wallet::new("nonce");
    let (_, message) = get_nonce(app).await;
    let body =
        json!({"walletAddress": w.address(), "message": message, "signature": w.sign(&message)});
    assert_eq!(verify(app, &body).await.status(), 200);
    let v = problem(verify(app, &body).await, 400, "/v1/wallet-proof/verify").await;
    assert!(
        v["detail"].as_str().unwrap().contains("already been used"),
        "{v}"
    );

    let (_, message) = get_nonce(app).await;
    let body =
        json!({"walletAddress": w.address(), "message": message, "signature": w.sign(&message)});
    let results = join_all((0..100).map(|_| verify(app, &body))).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let reused = statuses.iter().filter(|s| **s == 400).count();
    assert_eq!((ok, reused), (1, 99), "{statuses:?}");
}

/// Every way a wallet proof can fail: 400 with a detail that says why.
async fn wallet_proof_failures_are_400(app: &TestApp) {
    let path = "/v1/wallet-proof/verify";
    let w = Wallet::new("proof");
    let other = Wallet::new("other");
    let (_, message) = get_nonce(app).await;
    let sig = w.sign(&message);
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"walletAddress": other.address(), "message": message, "signature": sig}),
            "not made by walletAddress",
        ),
        (
            json!({"walletAddress": "0x1234", "message": message, "signature": sig}),
            "walletAddress must be",
        ),
        (
            json!({"walletAddress": w.address(), "message": message.replace("Nonce: ", "Nonce: 9"), "signature": sig}),
            "not carry a nonce issued by this server",
        ),
        (
            json!({"walletAddress": w.address(), "message": "Sign this please", "signature": sig}),
            "not carry a nonce issued by this server",
        ),
        (
            json!({"walletAddress": w.address(), "message": message, "signature": "0xdeadbeef"}),
            "malformed",
        ),
        (
            json!({"walletAddress": w.address(), "message": message, "signature": format!("0x{}", "zz".repeat(65))}),
            "malformed",
        ),
        (
            json!({"walletAddress": w.address(), "message": message, "signature": format!("{}1d", &sig[..130])}),
            "v must be",
        ),
        (
            json!({"walletAddress": w.address(), "message": message, "signature": high_s(&sig)}),
            "upper half",
        ),
    ];
    for (body, says) in cases {
        let v = problem(verify(app, &body).await, 400, path).await;
        assert!(
            v["detail"].as_str().unwrap().contains(says),
            "{body} -> {v}"
        );
        assert_eq!(v["title"], "Bad Request");
    }
    // A signature over another message recovers another address.
    let v = problem(
        verify(
            app,
            &json!({"walletAddress": w.address(), "message": message, "signature": w.sign("something else")}),
        )
        .await,
        400,
        path,
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("not made by"), "{v}");
    // None of the failures spent the nonce.
    let ok = verify(
        app,
        &json!({"walletAddress": w.address(), "message": message, "signature": sig}),
    )
    .await;
    assert_eq!(ok.status(), 200);

    // Another chain.
    let r = app
        .client
        .post(app.url("/v1/wallet-proof/verify?chain=Solana"))
        .json(&json!({"walletAddress": w.address(), "message": message, "signature": sig}))
        .send()
        .await
        .unwrap();
    let v = problem(r, 400, path).await;
    assert!(v["detail"].as_str().unwrap().contains("Solana"));
    // Without ?chain, Ethereum is assumed.
    let (_, message) = get_nonce(app).await;
    let r = app
        .client
        .post(app.url("/v1/wallet-proof/verify"))
        .json(&json!({"walletAddress": w.address(), "message": message, "signature": w.sign(&message)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Missing and unknown members are schema errors (422).
    invalid(
        verify(
            app,
            &json!({"walletAddress": w.address(), "message": message}),
        )
        .await,
        path,
        "$",
    )
    .await;
    invalid(
        verify(app, &json!({"walletAddress": w.address(), "message": message, "signature": sig, "chainId": 1})).await,
        path,
        "chainId",
    )
    .await;
    invalid(
        verify(
            app,
            &json!({"walletAddress": 5, "message": message, "signature": sig}),
        )
        .await,
        path,
        "walletAddress",
    )
    .await;
}

/// The same signature with s replaced by n - s (and v flipped): valid ECDSA, refused (EIP-2).
fn high_s(sig: &str) -> String {
    let bytes = hex::decode(&sig[2..]).unwrap();
    let parsed = k256::ecdsa::Signature::from_slice(&bytes[..64]).unwrap();
    let (r, s) = parsed.split_scalars();
    let flipped = k256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
    let mut out = flipped.to_bytes().to_vec();
    out.push(if bytes[64] == 27 { 28 } else { 27 });
    format!("0x{}", hex::encode(out))
}

/// Wallet bearers: HS256 with the configured key only, unexpired, `sub` a wallet address.
async fn wallet_bearers_are_checked(app: &TestApp) {
    let path = "/v1/session";
    let w = Wallet::new("bearer");
    let hs256 = jsonwebtoken::Algorithm::HS256;
    // Minted outside the gateway with the configured key: accepted.
    let external = mint(&w.address(), 600, hs256, WALLET_SECRET);
    let created = create_ok(app, &external, &json!({})).await;
    assert_eq!(created["credentials"]["role"], "Host");

    let refused = [
        (None, "Authorization: Bearer"),
        (Some("garbage".to_owned()), "not a well-formed JWT"),
        (
            Some(mint(&w.address(), -5, hs256, WALLET_SECRET)),
            "expired",
        ),
        (
            Some(mint(&w.address(), 600, hs256, "another-secret")),
            "signature",
        ),
        (
            Some(mint(
                &w.address(),
                600,
                jsonwebtoken::Algorithm::HS512,
                WALLET_SECRET,
            )),
            "algorithm",
        ),
        (Some(mint("alice", 600, hs256, WALLET_SECRET)), "subject"),
        (Some(unsigned(&w.address())), "not"),
        // A session token is not a wallet bearer.
        (Some(token_of(&created)), "not a well-formed JWT"),
    ];
    for (token, says) in refused {
        let mut req = app
            .client
            .post(app.url(path))
            .header("X-API-KEY", API_KEY)
            .json(&json!({}));
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        let v = problem(req.send().await.unwrap(), 401, path).await;
        assert!(
            v["detail"].as_str().unwrap().contains(says),
            "{token:?} -> {v}"
        );
        // Join takes the same bearer.
        let mut req = app
            .client
            .post(app.url("/v1/session/join"))
            .json(&json!({"sessionId": session_of(&created)}));
        if let Some(t) = &token {
            req = req.bearer_auth(t);
        }
        problem(req.send().await.unwrap(), 401, "/v1/session/join").await;
    }
    // The scheme name is case-insensitive.
    let r = app
        .client
        .post(app.url(path))
        .header("X-API-KEY", API_KEY)
        .header("Authorization", format!("bearer {external}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A wallet bearer is not a session token.
    problem(current(app, &external).await, 401, "/v1/session/current").await;
}

/// `alg: none` with the claims of a valid token.
fn unsigned(sub: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let exp = chrono::Utc::now().timestamp() + 600;
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"sub": sub, "exp": exp}).to_string())
    )
}

/// `X-API-KEY` is required to create; any configured key works; join does not need one.
async fn api_keys_are_checked(app: &TestApp) {
    let path = "/v1/session";
    let jwt = minted(&Wallet::new("keys"));
    for (key, says) in [
        (None, "X-API-KEY header is required"),
        (Some("nope"), "not valid"),
        (Some(""), "required"),
    ] {
        let mut req = app
            .client
            .post(app.url(path))
            .bearer_auth(&jwt)
            .json(&json!({}));
        if let Some(k) = key {
            req = req.header("X-API-KEY", k);
        }
        let v = problem(req.send().await.unwrap(), 401, path).await;
        assert!(v["detail"].as_str().unwrap().contains(says), "{v}");
    }
    let long = "k".repeat(5000);
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(&jwt)
        .header("X-API-KEY", long)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    problem(r, 401, path).await;
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(&jwt)
        .header("X-API-KEY", "qs-other-key")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sid = session_of(&r.json::<Value>().await.unwrap());
    let r = join(
        app,
        &minted(&Wallet::new("keys-joiner")),
        &json!({"sessionId": sid}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

/// Rules left out take the configured defaults; out-of-bound values are refused (422).
async fn create_applies_defaults_and_bounds(app: &TestApp) {
    let path = "/v1/session";
    let jwt = minted(&Wallet::new("rules"));
    let v = create_ok(app, &jwt, &json!({})).await;
    assert_eq!(v["rules"]["maxUsers"], 10);
    assert_eq!(v["rules"]["maxFiles"], 100);
    assert_eq!(v["rules"]["maxTotalMegaBytes"], 1024);
    assert_eq!(v["rules"]["passwordProtected"], false);
    assert!((3598..=3600).contains(&v["expiresIn"].as_i64().unwrap()));
    // Nulls everywhere are the same as absent members.
    let v = create_ok(
        app,
        &jwt,
        &json!({"identity": null, "password": null, "whiteListAddresses": null,
                "rules": {"userCapacity": null, "expiryDurationInSeconds": null, "password": null,
                          "allowOnlyWhitelistedAddresses": null, "whiteListAddresses": null}}),
    )
    .await;
    assert_eq!(v["rules"]["maxUsers"], 10);
    // Bounds.
    let v = create_ok(
        app,
        &jwt,
        &json!({"rules": {"userCapacity": 100, "expiryDurationInSeconds": 86400}}),
    )
    .await;
    assert_eq!(v["rules"]["maxUsers"], 100);
    assert!((86398..=86400).contains(&v["expiresIn"].as_i64().unwrap()));
    // Whole numbers written with a fraction (JSON Schema's `integer`) are the same numbers.
    let v = create_ok(
        app,
        &jwt,
        &json!({"rules": {"userCapacity": 5.0, "expiryDurationInSeconds": 759.0}}),
    )
    .await;
    assert_eq!(v["rules"]["maxUsers"], 5);
    assert!((757..=759).contains(&v["expiresIn"].as_i64().unwrap()));
    let r = create(app, &jwt, &json!({"rules": {"userCapacity": 5.5}})).await;
    invalid(r, path, "rules.userCapacity").await;
    let a = Wallet::new("w1").address();
    let too_many: Vec<Value> = (0..6)
        .map(|i| json!({"address": Wallet::new(&format!("wl{i}")).address()}))
        .collect();
    let cases = [
        (json!({"rules": {"userCapacity": 0}}), "rules.userCapacity"),
        (
            json!({"rules": {"userCapacity": 101}}),
            "rules.userCapacity",
        ),
        (json!({"rules": {"userCapacity": -1}}), "rules.userCapacity"),
        (
            json!({"rules": {"expiryDurationInSeconds": 86401}}),
            "rules.expiryDurationInSeconds",
        ),
        (
            json!({"rules": {"expiryDurationInSeconds": 0}}),
            "rules.expiryDurationInSeconds",
        ),
        (
            json!({"identity": {"name": "n".repeat(65)}}),
            "identity.name",
        ),
        (
            json!({"identity": {"chainAddress": "a b"}}),
            "identity.chainAddress",
        ),
        (
            json!({"identity": {"chainAddress": "a".repeat(129)}}),
            "identity.chainAddress",
        ),
        (
            json!({"rules": {"password": "p".repeat(129)}}),
            "rules.password",
        ),
        (json!({"password": "p".repeat(129)}), "password"),
        (
            json!({"password": "a", "rules": {"password": "b"}}),
            "password",
        ),
        (
            json!({"rules": {"whiteListAddresses": [{"address": a}, {"address": "0xnothex"}]}}),
            "rules.whiteListAddresses[1].address",
        ),
        (
            json!({"rules": {"whiteListAddresses": [{}]}}),
            "rules.whiteListAddresses[0].address",
        ),
        (
            json!({"whiteListAddresses": ["nope"]}),
            "whiteListAddresses[0]",
        ),
        (
            json!({"rules": {"whiteListAddresses": too_many}}),
            "rules.whiteListAddresses",
        ),
    ];
    for (body, field) in cases {
        invalid(create(app, &jwt, &body).await, path, field).await;
    }
}

/// Unknown properties are refused at every level; wrong types name their field.
async fn create_schema_is_strict(app: &TestApp) {
    let path = "/v1/session";
    let jwt = minted(&Wallet::new("schema"));
    let a = Wallet::new("w").address();
    let cases = [
        (json!({"name": "x"}), "name"),
        (
            json!({"identity": {"name": "x", "avatar": "y"}}),
            "identity.avatar",
        ),
        (json!({"rules": {"maxUsers": 3}}), "rules.maxUsers"),
        (
            json!({"rules": {"whiteListAddresses": [{"address": a, "label": "x"}]}}),
            "rules.whiteListAddresses[0].label",
        ),
        (
            json!({"rules": {"userCapacity": "ten"}}),
            "rules.userCapacity",
        ),
        (
            json!({"rules": {"userCapacity": 2.5}}),
            "rules.userCapacity",
        ),
        (
            json!({"rules": {"allowOnlyWhitelistedAddresses": "yes"}}),
            "rules.allowOnlyWhitelistedAddresses",
        ),
        (json!({"rules": []}), "rules"),
        (json!({"identity": "me"}), "identity"),
        (json!({"whiteListAddresses": "0x1"}), "whiteListAddresses"),
        (json!([]), "$"),
        (json!("session"), "$"),
    ];
    for (body, field) in cases {
        let v = invalid(create(app, &jwt, &body).await, path, field).await;
        if field == "name" {
            assert!(
                v["detail"]
                    .as_str()
                    .unwrap()
                    .contains("unknown field `name`"),
                "{v}"
            );
        }
    }
}

/// Content type, size and syntax, on every route that takes a body.
async fn bodies_are_checked_for_type_size_and_syntax(app: &TestApp) {
    let jwt = minted(&Wallet::new("bodies"));
    let created = create_ok(app, &jwt, &json!({})).await;
    let host = token_of(&created);
    let limit = app.settings.server.max_body_bytes;
    let routes: [(&str, &str); 4] = [
        ("/v1/session", "wallet"),
        ("/v1/session/join", "wallet"),
        ("/v1/session/current/kick", "session"),
        ("/v1/wallet-proof/verify", "none"),
    ];
    for (path, auth) in routes {
        let send = |ct: Option<&str>, body: Vec<u8>| {
            let mut req = app
                .client
                .post(app.url(path))
                .header("X-API-KEY", API_KEY)
                .body(body);
            req = match auth {
                "wallet" => req.bearer_auth(&jwt),
                "session" => req.bearer_auth(&host),
                _ => req,
            };
            if let Some(ct) = ct {
                req = req.header("content-type", ct);
            }
            req.send()
        };
        let v = problem(
            send(Some("text/plain"), b"{}".to_vec()).await.unwrap(),
            415,
            path,
        )
        .await;
        assert!(v["detail"].as_str().unwrap().contains("application/json"));
        problem(send(None, b"{}".to_vec()).await.unwrap(), 415, path).await;
        problem(
            send(Some("application/x-www-form-urlencoded"), b"a=b".to_vec())
                .await
                .unwrap(),
            415,
            path,
        )
        .await;
        let v = invalid(
            send(Some("application/json"), Vec::new()).await.unwrap(),
            path,
            "$",
        )
        .await;
        assert!(v["detail"].as_str().unwrap().contains("non-empty"), "{v}");
        let v = invalid(
            send(Some("application/json"), b"{\"a\": ".to_vec())
                .await
                .unwrap(),
            path,
            "$",
        )
        .await;
        assert!(
            v["detail"].as_str().unwrap().contains("not valid JSON"),
            "{v}"
        );
        invalid(
            send(Some("application/json"), b"{} []".to_vec())
                .await
                .unwrap(),
            path,
            "$",
        )
        .await;
        let big = format!("{{\"x\": \"{}\"}}", "a".repeat(limit));
        let v = problem(
            send(Some("application/json"), big.into_bytes())
                .await
                .unwrap(),
            413,
            path,
        )
        .await;
        assert!(v["detail"].as_str().unwrap().contains(&limit.to_string()));
    }
    // The seed's other JSON media types are accepted.
    for ct in [
        "text/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let r = app
            .client
            .post(app.url("/v1/session"))
            .header("X-API-KEY", API_KEY)
            .bearer_auth(&jwt)
            .header("content-type", ct)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{ct}");
    }
    // A chunked body over the limit (no Content-Length) is refused as well.
    let (status, body) = chunked_post(app, "/v1/session", &jwt, limit + 2048).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("application/problem+json"), "{body}");
}

/// POSTs `size` bytes of white space with `Transfer-Encoding: chunked` over a raw connection;
/// returns the status and the raw response head and body.
async fn chunked_post(app: &TestApp, path: &str, jwt: &str, size: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nX-API-KEY: {API_KEY}\r\n\
         Authorization: Bearer {jwt}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 1024];
    let mut sent = 0;
    while sent < size {
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break; // the server answered and closed early
        }
        sent += chunk.len();
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        StdDuration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Join: 404 unknown session, 403 password and whitelist, 409 already in.
async fn join_enforces_the_rules(app: &TestApp) {
    let path = "/v1/session/join";
    let host = Wallet::new("j-host");
    let friend = Wallet::new("j-friend");
    let stranger = Wallet::new("j-stranger");
    let created = create_ok(
        app,
        &minted(&host),
        &json!({"rules": {"password": "pw", "allowOnlyWhitelistedAddresses": true,
                          "whiteListAddresses": [{"address": friend.address().to_uppercase().replace("0X", "0x")}]}}),
    )
    .await;
    let sid = session_of(&created);
    assert_eq!(created["rules"]["passwordProtected"], true);
    let listed = created["rules"]["whiteListAddresses"][0]["address"]
        .as_str()
        .unwrap();
    assert_eq!(listed.to_lowercase(), friend.address());

    for unknown in [
        "00000000-0000-4000-8000-000000000000",
        "not-a-session",
        &"x".repeat(300),
    ] {
        let v = problem(
            join(app, &minted(&friend), &json!({"sessionId": unknown})).await,
            404,
            path,
        )
        .await;
        assert_eq!(v["title"], "Not Found");
    }
    invalid(
        join(app, &minted(&friend), &json!({})).await,
        path,
        "sessionId",
    )
    .await;
    invalid(
        join(app, &minted(&friend), &json!({"sessionId": sid, "pin": 1})).await,
        path,
        "pin",
    )
    .await;
    let v = problem(
        join(
            app,
            &minted(&stranger),
            &json!({"sessionId": sid, "password": "pw"}),
        )
        .await,
        403,
        path,
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("whitelisted"), "{v}");
    let v = problem(
        join(app, &minted(&friend), &json!({"sessionId": sid})).await,
        403,
        path,
    )
    .await;
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("requires a password"),
        "{v}"
    );
    let v = problem(
        join(
            app,
            &minted(&friend),
            &json!({"sessionId": sid, "password": "PW"}),
        )
        .await,
        403,
        path,
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("wrong"), "{v}");
    // Session ids are case-insensitive UUIDs.
    let r = join(
        app,
        &minted(&friend),
        &json!({"sessionId": sid.to_uppercase(), "password": "pw"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v = problem(
        join(
            app,
            &minted(&friend),
            &json!({"sessionId": sid, "password": "pw"}),
        )
        .await,
        409,
        path,
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("already"), "{v}");
    // The host is in already, too (and is whitelisted implicitly as the creator? no: refused as a member).
    let open = create_ok(app, &minted(&host), &json!({})).await;
    let v = problem(
        join(
            app,
            &minted(&host),
            &json!({"sessionId": session_of(&open)}),
        )
        .await,
        409,
        path,
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("already"), "{v}");
    // The deprecated top-level whitelist is enforced.
    let legacy = create_ok(
        app,
        &minted(&host),
        &json!({"whiteListAddresses": [friend.address()]}),
    )
    .await;
    let r = join(
        app,
        &minted(&stranger),
        &json!({"sessionId": session_of(&legacy)}),
    )
    .await;
    problem(r, 403, path).await;
    let r = join(
        app,
        &minted(&friend),
        &json!({"sessionId": session_of(&legacy)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Full: 409.
    let small = create_ok(app, &minted(&host), &json!({"rules": {"userCapacity": 2}})).await;
    let r = join(
        app,
        &minted(&friend),
        &json!({"sessionId": session_of(&small)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v = problem(
        join(
            app,
            &minted(&stranger),
            &json!({"sessionId": session_of(&small)}),
        )
        .await,
        409,
        path,
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("full"), "{v}");
}

/// Capacity 5 (host included), 30 wallets joining at once: exactly 4 get in, 26 get 409,
/// and every pseudonym in the session is distinct.
async fn concurrent_joins_fill_capacity_exactly(app: &TestApp) {
    let created = create_ok(
        app,
        &minted(&Wallet::new("c-host")),
        &json!({"rules": {"userCapacity": 5}}),
    )
    .await;
    let sid = session_of(&created);
    let wallets: Vec<String> = (0..30)
        .map(|i| minted(&Wallet::new(&format!("c-{i}"))))
        .collect();
    let body = json!({"sessionId": sid});
    let results = join_all(wallets.iter().map(|jwt| join(app, jwt, &body))).await;
    let ok = results
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    let full = results
        .iter()
        .filter(|r| r.status() == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, full), (4, 26));
    let v: Value = current(app, &token_of(&created))
        .await
        .json()
        .await
        .unwrap();
    let users = v["users"].as_array().unwrap();
    assert_eq!(users.len(), 5);
    let mut names: Vec<&str> = users.iter().map(|u| u["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 5);
}

/// Kick and delete are the host's; a client gets 403 and changes nothing.
async fn only_the_host_kicks_and_deletes(app: &TestApp) {
    let created = create_ok(app, &minted(&Wallet::new("r-host")), &json!({})).await;
    let sid = session_of(&created);
    let host = token_of(&created);
    let a: Value = join(
        app,
        &minted(&Wallet::new("r-a")),
        &json!({"sessionId": sid}),
    )
    .await
    .json()
    .await
    .unwrap();
    let b: Value = join(
        app,
        &minted(&Wallet::new("r-b")),
        &json!({"sessionId": sid}),
    )
    .await
    .json()
    .await
    .unwrap();
    let kick_path = "/v1/session/current/kick";
    let v = problem(kick(app, &token_of(&a), &id_of(&b)).await, 403, kick_path).await;
    assert!(v["detail"].as_str().unwrap().contains("host"), "{v}");
    problem(delete(app, &token_of(&a)).await, 403, "/v1/session/current").await;
    problem(
        kick(app, &host, "0123456789abcdef0123456789abcdef").await,
        404,
        kick_path,
    )
    .await;
    problem(kick(app, &host, "nope").await, 404, kick_path).await;
    invalid(
        kick(app, &host, &id_of(&created)).await,
        kick_path,
        "userId",
    )
    .await;
    let r = app
        .client
        .post(app.url(kick_path))
        .bearer_auth(&host)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    invalid(r, kick_path, "userId").await;
    // A member of another session is not found here.
    let other = create_ok(app, &minted(&Wallet::new("r-other")), &json!({})).await;
    problem(kick(app, &host, &id_of(&other)).await, 404, kick_path).await;
    problem(kick(app, "not-a-token", &id_of(&b)).await, 401, kick_path).await;
    let users = current(app, &host).await.json::<Value>().await.unwrap()["users"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(users, 3);
    // The host's kick works; kicking again is 404.
    assert_eq!(kick(app, &host, &id_of(&b)).await.status(), 200);
    problem(kick(app, &host, &id_of(&b)).await, 404, kick_path).await;
    assert_eq!(current(app, &token_of(&a)).await.status(), 200);
    problem(
        current(app, &token_of(&b)).await,
        401,
        "/v1/session/current",
    )
    .await;
    // A tampered token (right ids, wrong secret) is refused.
    let t = token_of(&a);
    let forged = format!(
        "{}{}",
        &t[..t.len() - 1],
        if t.ends_with('A') { 'B' } else { 'A' }
    );
    problem(current(app, &forged).await, 401, "/v1/session/current").await;
}

/// A host that disconnects ends the session for everyone.
async fn host_disconnect_ends_the_session(app: &TestApp) {
    let created = create_ok(app, &minted(&Wallet::new("d-host")), &json!({})).await;
    let sid = session_of(&created);
    let a: Value = join(
        app,
        &minted(&Wallet::new("d-a")),
        &json!({"sessionId": sid}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(disconnect(app, &token_of(&created)).await.status(), 200);
    for t in [token_of(&created), token_of(&a)] {
        problem(current(app, &t).await, 401, "/v1/session/current").await;
    }
    problem(
        disconnect(app, &token_of(&a)).await,
        401,
        "/v1/session/disconnect",
    )
    .await;
    problem(
        delete(app, &token_of(&created)).await,
        401,
        "/v1/session/current",
    )
    .await;
    problem(
        join(
            app,
            &minted(&Wallet::new("d-b")),
            &json!({"sessionId": sid}),
        )
        .await,
        404,
        "/v1/session/join",
    )
    .await;
    problem(disconnect(app, "").await, 401, "/v1/session/disconnect").await;
}

/// Under /v1, unknown paths are 404 and wrong methods 405, in ProblemDetails.
async fn unknown_routes_and_methods_are_problems(app: &TestApp) {
    let r = app.client.get(app.url("/v1/nope")).send().await.unwrap();
    problem(r, 404, "/v1/nope").await;
    let r = app.client.put(app.url("/v1/session")).send().await.unwrap();
    assert_eq!(r.headers()["allow"], "POST");
    problem(r, 405, "/v1/session").await;
    let r = app
        .client
        .post(app.url("/v1/session/current"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET, DELETE");
    problem(r, 405, "/v1/session/current").await;
    let r = app
        .client
        .post(app.url("/v1/wallet-proof/nonce"))
        .send()
        .await
        .unwrap();
    problem(r, 405, "/v1/wallet-proof/nonce").await;
    let r = app
        .client
        .get(app.url("/v1/session/disconnect"))
        .send()
        .await
        .unwrap();
    problem(r, 405, "/v1/session/disconnect").await;
}

// ---------------------------------------------------------------------------------------------
// Time, on the memory store with a settable clock.

#[tokio::test]
async fn sessions_nonces_and_bearers_expire_memory() {
    let (app, clock) = spawn_app_with_clock(OVERLAY).await;
    let w = Wallet::new("clock");
    // A nonce older than 10 minutes is refused.
    let (_, message) = get_nonce(&app).await;
    clock.advance(Duration::seconds(601));
    let r = verify(
        &app,
        &json!({"walletAddress": w.address(), "message": message, "signature": w.sign(&message)}),
    )
    .await;
    let v = problem(r, 400, "/v1/wallet-proof/verify").await;
    assert!(v["detail"].as_str().unwrap().contains("expired"), "{v}");

    // The gateway's wallet bearer lives 900 s by the gateway's clock.
    let jwt = prove(&app, &w).await;
    clock.advance(Duration::seconds(899));
    let created = create_ok(
        &app,
        &jwt,
        &json!({"rules": {"expiryDurationInSeconds": 120}}),
    )
    .await;
    assert_eq!(created["expiresIn"], 120);
    clock.advance(Duration::seconds(1));
    let v = problem(create(&app, &jwt, &json!({})).await, 401, "/v1/session").await;
    assert!(v["detail"].as_str().unwrap().contains("expired"), "{v}");

    // The session lives 120 s: members and joins end with it.
    let sid = session_of(&created);
    let joiner = mint(
        &Wallet::new("clock-j").address(),
        100_000,
        jsonwebtoken::Algorithm::HS256,
        WALLET_SECRET,
    );
    let a: Value = join(&app, &joiner, &json!({"sessionId": sid}))
        .await
        .json()
        .await
        .unwrap();
    clock.advance(Duration::seconds(60));
    let v: Value = current(&app, &token_of(&a)).await.json().await.unwrap();
    assert_eq!(v["expiry"], 59); // 120 - 1 - 60
    clock.advance(Duration::seconds(58));
    assert_eq!(current(&app, &token_of(&created)).await.status(), 200);
    clock.advance(Duration::seconds(1));
    problem(
        current(&app, &token_of(&created)).await,
        401,
        "/v1/session/current",
    )
    .await;
    problem(
        current(&app, &token_of(&a)).await,
        401,
        "/v1/session/current",
    )
    .await;
    problem(
        join(&app, &joiner, &json!({"sessionId": sid})).await,
        404,
        "/v1/session/join",
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// The reference wallet client: ethers.js (the signer dapps use) in tests/quicksync-e2e/.

#[tokio::test]
async fn ethers_wallet_client_walkthrough_memory() {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        println!("SKIPPED: SG_SKIP_CLIENT_E2E=1, the ethers.js client end-to-end test did not run");
        return;
    }
    let app = spawn_app(OVERLAY).await;
    run_client(&app).await;
}

#[tokio::test]
async fn ethers_wallet_client_walkthrough_redis() {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        println!("SKIPPED: SG_SKIP_CLIENT_E2E=1, the ethers.js client end-to-end test did not run");
        return;
    }
    let app = e2e::spawn_app_on_redis(OVERLAY).await;
    run_client(&app).await;
}

async fn run_client(app: &TestApp) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("quicksync-e2e");
    assert!(
        dir.join("node_modules").join("ethers").is_dir(),
        "install the client first: npm ci --prefix {} (or set SG_SKIP_CLIENT_E2E=1)",
        dir.display()
    );
    let child = tokio::process::Command::new("node")
        .arg("walkthrough.mjs")
        .current_dir(&dir)
        .env("QS_BASE_URL", &app.address)
        .env("QS_API_KEY", API_KEY)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(StdDuration::from_secs(120), child)
        .await
        .expect("the client did not finish within 120 s")
        .expect("node could not be started");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "client failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("quicksync client walkthrough: ok"),
        "{stdout}\n{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bearers minted by an operator's own verifier, checked with a configured public key.

#[tokio::test]
async fn operator_minted_es256_bearers_are_accepted_memory() {
    let pair = rcgen::KeyPair::generate().unwrap(); // ECDSA P-256
    let keys = format!(
        "public_key_algorithm = \"ES256\"\npublic_key_pem = \"\"\"\n{}\"\"\"\n",
        pair.public_key_pem()
    );
    let overlay = OVERLAY.replacen(
        "[quicksync.wallet_token]\n",
        &format!("[quicksync.wallet_token]\n{keys}"),
        1,
    );
    let app = spawn_app(&overlay).await;
    let w = Wallet::new("es256");
    let now = chrono::Utc::now().timestamp();
    let es256 = |exp: i64, key: &rcgen::KeyPair| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256),
            &json!({"sub": w.address(), "exp": exp}),
            &jsonwebtoken::EncodingKey::from_ec_pem(key.serialize_pem().as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let r = create(&app, &es256(now + 600, &pair), &json!({})).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // HS256 bearers with the secret still work.
    create_ok(&app, &minted(&w), &json!({})).await;
    // Another key, or an expired token, is refused.
    let other = rcgen::KeyPair::generate().unwrap();
    for bad in [es256(now + 600, &other), es256(now - 1, &pair)] {
        problem(create(&app, &bad, &json!({})).await, 401, "/v1/session").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_redis_refuses_creates_whole() {
    let redis = e2e::full_redis();
    let app = e2e::spawn_app_on(OVERLAY, &redis).await;
    let r = create(&app, &minted(&Wallet::new("full")), &json!({})).await;
    problem(r, 503, "/v1/session").await;
    assert_eq!(
        e2e::key_count(&redis),
        1,
        "nothing of the session was stored"
    );
}

/// The memory store at its bound (`store.memory.max_sessions`) refuses a group whole, with 503
/// in QuickSync's format; a host who ends a group makes room again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_memory_store_refuses_groups_until_one_ends() {
    let app = spawn_app(&format!("{OVERLAY}\n[store.memory]\nmax_sessions = 4\n")).await;
    let mut hosts = Vec::new();
    let refused = loop {
        let token = minted(&Wallet::new(&format!("full-{}", hosts.len())));
        let r = create(&app, &token, &json!({})).await;
        if r.status() != StatusCode::OK || hosts.len() > 4 {
            break r;
        }
        let body: Value = r.json().await.unwrap();
        hosts.push(body["credentials"]["token"].as_str().unwrap().to_owned());
    };
    assert!(
        !hosts.is_empty() && hosts.len() <= 4,
        "{} groups fit",
        hosts.len()
    );
    problem(refused, 503, "/v1/session").await;
    assert_eq!(delete(&app, &hosts[0]).await.status(), 200);
    let again = minted(&Wallet::new("full-again"));
    assert_eq!(
        create(&app, &again, &json!({})).await.status(),
        StatusCode::OK
    );
}
