//! The Amity JWKS document (`GET /api/.well-known/jwks.json`) as another service uses it: the
//! access tokens of real session creates, signed with ES256 and EdDSA keys of
//! `[[amity.signing_keys]]`, verify against the document's keys with libraries that are not the
//! gateway's verifier (`jsonwebtoken`'s `DecodingKey::from_jwk`, and Node's own crypto), across a
//! rotation of the signing key; the document holds public halves only.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use e2e::{on_redis, spawn_with, test_settings, TestApp};
use flavor_kit::signing_keys::test_keys::{ED25519_PRIVATE, ES256_PRIVATE};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use session_core::SystemClock;

use crate::testing::clients::{run, skipped};

const API_KEY: &str = "amity-jwks-api-key";
const ES_KID: &str = "es-2026-01";
const ED_KID: &str = "ed-2026-06";
const HS_KID: &str = "hs-legacy";
const HS_SECRET: &str = "amity-jwks-hs256-secret-0123456789abcdef";

/// A `[[amity.signing_keys]]` entry.
fn key(kid: &str, algorithm: &str, material: &str) -> String {
    let material = if algorithm == "HS256" {
        format!("secret = \"{material}\"")
    } else {
        format!("private_key_pem = '''\n{material}'''")
    };
    format!("[[amity.signing_keys]]\nkid = \"{kid}\"\nalgorithm = \"{algorithm}\"\n{material}\n")
}

fn es256() -> String {
    key(ES_KID, "ES256", ES256_PRIVATE)
}

fn eddsa() -> String {
    key(ED_KID, "EdDSA", ED25519_PRIVATE)
}

fn hs256() -> String {
    key(HS_KID, "HS256", HS_SECRET)
}

/// A gateway whose one network has no `jwt_secret` (the flavor's signing keys sign its
/// tokens), on the shared Redis under `prefix`.
async fn start(signing_keys: &[String], prefix: &str) -> TestApp {
    let overlay = format!(
        "[[amity.networks]]\napi_key = \"{API_KEY}\"\n\n{}",
        signing_keys.join("\n")
    );
    let mut settings = on_redis(test_settings(&overlay), e2e::shared_redis());
    settings.store.key_prefix = prefix.to_owned();
    spawn_with(settings, Arc::new(SystemClock)).await
}

async fn fetch_jwks(app: &TestApp) -> Value {
    let r = app
        .client
        .get(app.url("/api/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    r.json().await.unwrap()
}

/// The document lists exactly `kids`, each a public signing key, and nothing secret.
fn assert_public_only(jwks: &Value, kids: &[&str]) {
    let keys = jwks["keys"].as_array().unwrap();
    let listed: BTreeSet<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(listed, kids.iter().copied().collect(), "{jwks}");
    for k in keys {
        assert!(k.get("d").is_none(), "private key material: {k}");
        assert!(k.get("k").is_none(), "a symmetric key: {k}");
        assert_eq!(k["use"], "sig", "{k}");
        let (kty, alg) = (k["kty"].as_str(), k["alg"].as_str());
        assert!(
            matches!(
                (kty, alg),
                (Some("EC"), Some("ES256")) | (Some("OKP"), Some("EdDSA"))
            ),
            "{k}"
        );
    }
    let text = jwks.to_string();
    for secret in [
        HS_KID.to_owned(),
        HS_SECRET.to_owned(),
        URL_SAFE_NO_PAD.encode(HS_SECRET),
    ] {
        assert!(!text.contains(&secret), "the HS256 key shows: {text}");
    }
}

/// A real session create: the access token.
async fn login(app: &TestApp, user: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v4/sessions"))
        .header("x-api-key", API_KEY)
        .json(&json!({"userId": user, "deviceId": format!("{user}-device")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    body["accessToken"].as_str().unwrap().to_owned()
}

/// The gateway's own answer to `token` (its session check).
async fn check(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/api/v3/sessions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The claims of `token`, verified by `jsonwebtoken` with the key of `jwks` that its header's
/// `kid` names.
fn verify(jwks: &Value, token: &str) -> Result<Value, String> {
    let set: JwkSet = serde_json::from_value(jwks.clone()).map_err(|e| e.to_string())?;
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
    let kid = header.kid.ok_or("no kid in the header")?;
    let jwk = set.find(&kid).ok_or(format!("no key {kid} in the JWKS"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let validation = Validation::new(header.alg);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

/// `token`'s header names `kid` and `alg`, and its signature verifies with that key of `jwks`;
/// its claims.
fn assert_signed_by(jwks: &Value, token: &str, kid: &str, alg: Algorithm) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(kid));
    assert_eq!(header.alg, alg);
    verify(jwks, token).unwrap_or_else(|e| panic!("{kid}: {e}"))
}

/// Whether Node's crypto (OpenSSL) verifies each of `tokens` with the key of `jwks` its header
/// names; `None` when client end-to-end tests are skipped (`SG_SKIP_CLIENT_E2E=1`).
async fn node_verifies(jwks: &Value, tokens: &[&str]) -> Option<Vec<bool>> {
    if skipped("the JWKS checked with Node's crypto") {
        return None;
    }
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg("verify-jws.mjs")
        .arg(json!({"jwks": jwks, "tokens": tokens}).to_string())
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("amity-e2e"));
    Some(serde_json::from_str(&run(cmd, 30).await).unwrap())
}

/// `token` with its claims replaced by `claims` (the signature kept).
fn with_claims(token: &str, claims: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    parts.join(".")
}

/// `token` with a header naming `kid` and `alg` (the signature kept).
fn with_header(token: &str, kid: &str, alg: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[0] = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT", "kid": kid}).to_string());
    parts.join(".")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_tokens_verify_against_the_jwks_across_a_signing_key_rotation() {
    let prefix = format!("jwks{}", session_core::token::random_hex(4).unwrap());

    // ES256 signs; an HS256 key, listed to verify, is never published.
    let first = start(&[es256(), hs256()], &prefix).await;
    let jwks = fetch_jwks(&first).await;
    assert_public_only(&jwks, &[ES_KID]);
    let es_token = login(&first, "alice").await;
    let claims = assert_signed_by(&jwks, &es_token, ES_KID, Algorithm::ES256);
    assert_eq!(claims["user"]["userId"], "alice", "{claims}");

    // A second replica with an EdDSA key moved first: it signs; the ES256 key, now one that
    // only verifies, stays in the document, and the tokens it signed still verify, offline and
    // at the gateway.
    let second = start(&[eddsa(), es256(), hs256()], &prefix).await;
    let rotated = fetch_jwks(&second).await;
    assert_public_only(&rotated, &[ED_KID, ES_KID]);
    let ed_token = login(&second, "bob").await;
    let claims = assert_signed_by(&rotated, &ed_token, ED_KID, Algorithm::EdDSA);
    assert_eq!(claims["user"]["userId"], "bob", "{claims}");
    assert_signed_by(&rotated, &es_token, ES_KID, Algorithm::ES256);
    assert_eq!(check(&second, &es_token).await, 200);
    assert_eq!(
        check(&first, &ed_token).await,
        401,
        "the first knows no EdDSA key"
    );

    // What was not signed by the named key does not verify: altered claims, or a header that
    // names the other key.
    let mut forged = claims.clone();
    forged["user"]["userId"] = json!("mallory");
    let altered = with_claims(&ed_token, &forged);
    let misnamed = with_header(&es_token, ED_KID, "EdDSA");
    assert!(verify(&rotated, &altered).is_err());
    assert!(verify(&rotated, &misnamed).is_err());

    // The same, with an implementation that shares nothing with the gateway.
    if let Some(verdicts) =
        node_verifies(&rotated, &[&es_token, &ed_token, &altered, &misnamed]).await
    {
        assert_eq!(verdicts, [true, true, false, false]);
    }
    first.stop().await;
    second.stop().await;
}
