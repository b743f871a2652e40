//! The flavor's OpenAPI fragment: its paths (annotated on the handlers in [`crate::routes`]),
//! the shapes of its request, response and error bodies ([`crate::dto`], RFC 7807
//! ProblemDetails), the `quicksync` tag and the `QuicksyncApiKey`, `QuicksyncWalletBearer` and
//! `QuicksyncSessionBearer` schemes.
//!
//! Request bodies are the very structs the handlers parse. Bounds that depend on
//! `[quicksync.rules]` are given in the descriptions with their defaults; `minimum`, `maximum`
//! and `maxLength` hold what no configuration can exceed.

use std::marker::PhantomData;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::errors::ProblemDetails;

/// The tag of every QuickSync operation (the flavor's configuration name).
pub const TAG: &str = "quicksync";
/// The security scheme of the tenant's API key (`X-API-KEY`).
pub const API_KEY: &str = "QuicksyncApiKey";
/// The security scheme of the wallet bearer (a JWT from `/v1/wallet-proof/verify`).
pub const WALLET_BEARER: &str = "QuicksyncWalletBearer";
/// The security scheme of the session bearer (a member's session token).
pub const SESSION_BEARER: &str = "QuicksyncSessionBearer";

/// Where a documented error happens: the `instance` its examples show.
pub trait Instance {
    /// The request path.
    const PATH: &'static str;
}

/// Declares marker types for [`Instance`], one a path.
macro_rules! instances {
    ($($(#[$doc:meta])* $name:ident = $path:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl Instance for $name {
            const PATH: &'static str = $path;
        }
    )*};
}

instances! {
    /// `POST /v1/session`.
    AtSession = "/v1/session";
    /// `POST /v1/session/join`.
    AtJoin = "/v1/session/join";
    /// `GET` and `DELETE /v1/session/current`.
    AtCurrent = "/v1/session/current";
    /// `POST /v1/session/current/kick`.
    AtKick = "/v1/session/current/kick";
    /// `POST /v1/session/disconnect`.
    AtDisconnect = "/v1/session/disconnect";
    /// `GET /v1/wallet-proof/nonce`.
    AtNonce = "/v1/wallet-proof/nonce";
    /// `POST /v1/wallet-proof/verify`.
    AtVerify = "/v1/wallet-proof/verify";
}

// The error answers several routes share, each with its example (its `instance` is the route's
// `P`), listed in a route's `responses(...)` next to its own. Their variants are never built:
// they only describe answers.

/// The answer to a body that could not be read off the connection: 400.
#[derive(IntoResponses)]
#[response(status = 400, description = "The body could not be read off the connection.",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The request body could not be read.", "instance": P::PATH}))]
pub struct Unreadable<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The answers to a body that is too large or not JSON: 413 and 415.
#[derive(IntoResponses)]
pub enum BodyErrors<P: Instance> {
    #[response(status = 413, description = "A body over `server.max_body_bytes` (declared or streamed).",
        content_type = "application/problem+json",
        example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.14", "title": "Content Too Large", "status": 413, "detail": "The request body is larger than 65536 bytes.", "instance": P::PATH}))]
    TooLarge(ProblemDetails<'static>, PhantomData<P>),
    #[response(status = 415, description = "No JSON content type (`application/json`, `text/json` or `application/*+json`).",
        content_type = "application/problem+json",
        example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.16", "title": "Unsupported Media Type", "status": 415, "detail": "Send the body as application/json (text/json and application/*+json are accepted).", "instance": P::PATH}))]
    NotJson(ProblemDetails<'static>, PhantomData<P>),
}

/// The refusal of a session bearer: 401.
#[derive(IntoResponses)]
#[response(status = 401, description = "No `Authorization: Bearer`, or a session token that is unknown, forged, kicked, departed, deleted or expired.",
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer`")),
    examples(
        ("no bearer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "An Authorization: Bearer token is required.", "instance": P::PATH}))),
        ("bad token" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "The session token is not valid, or the session has ended.", "instance": P::PATH}))),
    ))]
pub struct SessionBearerRefused<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The refusal of a member who is not the host: 403.
#[derive(IntoResponses)]
#[response(status = 403, description = "The caller is not the host.",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.4", "title": "Forbidden", "status": 403, "detail": "Only the session host may do this.", "instance": P::PATH}))]
pub struct NotHost<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The answer to a fault inside the gateway: 500.
#[derive(IntoResponses)]
#[response(status = 500, description = "A fault inside the gateway (logged, not shown).",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.6.1", "title": "Internal Server Error", "status": 500, "detail": "An unexpected error occurred.", "instance": P::PATH}))]
pub struct Internal<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// The answer to a store that did not answer in time: 503.
#[derive(IntoResponses)]
#[response(status = 503, description = "The store did not answer in time; retry.",
    content_type = "application/problem+json",
    example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Service Unavailable", "status": 503, "detail": "The session store is unavailable; retry shortly.", "instance": P::PATH}))]
pub struct Unavailable<P: Instance>(pub ProblemDetails<'static>, PhantomData<P>);

/// A bearer token of `format`.
fn bearer(format: &str, description: &str) -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format(format)
            .description(Some(description))
            .build(),
    )
}

/// Adds the three security schemes.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-KEY",
                "The tenant's API key (`[[quicksync.api_keys]]` or a run-time key); header names \
                 are case-insensitive.",
            ))),
        );
        components.add_security_scheme(
            WALLET_BEARER,
            bearer(
                "JWT",
                "A wallet bearer: the JWT of `POST /v1/wallet-proof/verify` (or one minted by \
                 the operator with the same key), `sub` being the wallet's address.",
            ),
        );
        components.add_security_scheme(
            SESSION_BEARER,
            bearer(
                "<sessionId>.<memberId>.<secret>",
                "A session token: `credentials.token` of a create or join. It dies when its \
                 member is kicked or leaves, or the session ends or expires.",
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        crate::routes::wallet_proof::nonce,
        crate::routes::wallet_proof::verify,
        crate::routes::session::create,
        crate::routes::session::join,
        crate::routes::session::current,
        crate::routes::session::kick,
        crate::routes::session::disconnect,
        crate::routes::session::delete,
    ),
    tags((name = "quicksync", description = "QuickSync group sessions under `/v1`: a wallet \
        proves ownership by signing a server nonce (EIP-191) for a wallet bearer, then creates \
        or joins sessions with rules and one session token per member (see docs/quicksync.md). \
        Every error is an RFC 7807 ProblemDetails (`application/problem+json`); other methods \
        on these paths answer 405 with `Allow`, other paths under `/v1` 404.")),
    components(schemas(ProblemDetails)),
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
    use k256::ecdsa::SigningKey;
    use serde_json::{json, Value};
    use session_core::{Clock, CoreDeps, MemoryStore, SystemClock, TokenHasher};

    use api_testkit::{conforms, documented_examples, unresolved};

    use super::*;
    use crate::eip191::{personal_message_hash, Address};
    use crate::settings::ApiKey;
    use crate::wallet_token::WalletTokens;
    use crate::Settings;

    const KEY: &str = "openapi-test-key";

    fn doc() -> Value {
        serde_json::to_value(openapi()).unwrap()
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

    /// The paths `configure` mounts, read from its source: the `/v1` scope and every
    /// `resource("<path>", ...)` in it.
    fn mounted_paths() -> BTreeSet<String> {
        let source = include_str!("lib.rs");
        assert!(source.contains(r#"web::scope("/v1")"#));
        let paths: BTreeSet<String> = source
            .split(r#"resource(""#)
            .skip(1)
            .map(|rest| format!("/v1{}", rest.split('"').next().unwrap()))
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
        let settings = Arc::new(settings());
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
                assert!(id.starts_with("quicksync_"), "{id}");
                assert_eq!(op["tags"], json!([TAG]), "{method} {path}");
                assert!(op["responses"]["200"].is_object(), "{method} {path}");
                // Everything under /v1/session needs a credential; the wallet proof none.
                let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
                assert_eq!(secured, path.starts_with("/v1/session"), "{method} {path}");
                documented
                    .entry(path.clone())
                    .or_default()
                    .insert(method.to_uppercase());
            }
        }
        assert_eq!(ids.len(), 8);
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
            [API_KEY, SESSION_BEARER, WALLET_BEARER]
        );
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
        let rules = &schemas["QuicksyncSessionRules"]["properties"];
        assert_eq!(
            rules["userCapacity"]["maximum"],
            json!(crate::settings::USER_CAPACITY_LIMIT)
        );
        assert_eq!(
            rules["expiryDurationInSeconds"]["maximum"],
            json!(crate::settings::SECONDS_LIMIT)
        );
    }

    /// Sends `req` to `path` (plus `query`), checks the answer against the documented
    /// response of its status (an error must be one of its examples) and returns that status
    /// with the body (null when empty).
    async fn answer_conforms(
        app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
        doc: &Value,
        (method, path, query): (&str, &str, &str),
        req: actix_test::TestRequest,
    ) -> (u16, Value) {
        let req = req.uri(&format!("{path}{query}")).to_request();
        let resp = app.call(req).await.unwrap();
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let challenge = resp.headers().get("www-authenticate").cloned();
        let bytes = actix_test::read_body(resp).await;
        let documented = &doc["paths"][path][method]["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{method} {path}: {status} is not documented"
        );
        let Some(content_type) = content_type else {
            assert!(
                bytes.is_empty() && documented["content"].is_null(),
                "{method} {path}"
            );
            return (status, Value::Null);
        };
        let media = &documented["content"][&content_type];
        assert!(
            media.is_object(),
            "{method} {path} {status}: {content_type} is not documented"
        );
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        conforms(doc, &media["schema"], &value, "$")
            .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"));
        if status >= 400 {
            let examples = documented_examples(doc, method, path, status);
            assert!(
                examples.contains(&value),
                "{method} {path} {status}: {value} is none of {examples:?}"
            );
        }
        assert_eq!(
            challenge.is_some(),
            documented["headers"]["WWW-Authenticate"].is_object(),
            "{method} {path} {status}"
        );
        (status, value)
    }

    /// A proof of `key` over a fresh nonce, as the body of verify.
    async fn proof(
        app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
        doc: &Value,
        key: &SigningKey,
    ) -> Value {
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
        let join =
            |wallet: &str, body: Value| json_post().insert_header(bearer(wallet)).set_json(body);
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
        let (status, joined) = call(
            ("post", "/v1/session/join"),
            join(
                &guest_wallet,
                json!({"sessionId": session_id, "password": "pw"}),
            ),
        )
        .await;
        assert_eq!(status, 200, "{joined}");
        assert_eq!(joined["credentials"]["role"], "Client");
        let guest = joined["credentials"]["token"].as_str().unwrap().to_owned();
        let guest_id = joined["credentials"]["id"].as_str().unwrap().to_owned();
        let again = join(
            &guest_wallet,
            json!({"sessionId": session_id, "password": "pw"}),
        );
        assert_eq!(call(("post", "/v1/session/join"), again).await.0, 409);

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
        let kick =
            |token: &str, body: Value| json_post().insert_header(bearer(token)).set_json(body);
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
        let (_, joined) = call(
            ("post", "/v1/session/join"),
            join(
                &guest_wallet,
                json!({"sessionId": session_id, "password": "pw"}),
            ),
        )
        .await;
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
}
