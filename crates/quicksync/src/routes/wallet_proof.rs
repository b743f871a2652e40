//! `GET /v1/wallet-proof/nonce` and `POST /v1/wallet-proof/verify?chain=Ethereum`.

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::{BodyLimits, Reply};

use crate::body::read_json;
use crate::dto::{NonceDto, TokenDto, VerifyQuery, VerifyRequest};
use crate::eip191::{self, Address};
use crate::errors::{NonceError, ProblemDetails, RequestError, SignatureError, WalletProofError};
use crate::nonce::Nonces;
use crate::routes::answers::{AtNonce, AtVerify, BodyErrors, Internal, Throttled};
use crate::state::State;

/// A nonce to sign
///
/// A nonce and the message to sign with the wallet (EIP-191 `personal_sign`). Issuing stores nothing: the message carries the nonce, its issue time and a MAC over both.
#[utoipa::path(get, path = "/v1/wallet-proof/nonce", operation_id = "quicksync_get_nonce",
    responses(
        (status = 200, description = "The nonce and the message to sign.", body = NonceDto),
        Internal<AtNonce>,
    ),
)]
pub async fn nonce(state: web::Data<State>) -> Reply {
    let issued = state
        .nonces
        .issue(state.core.clock.now())
        .map_err(WalletProofError::store)?;
    Ok(HttpResponse::Ok().json(NonceDto {
        nonce: issued.nonce,
        message: issued.message,
    }))
}

/// Redeem a signed nonce for a wallet bearer
///
/// Checks, in order: `chain`, the body, `walletAddress`, the message (issued by this gateway, unaltered, at most `wallet_proof.nonce_ttl_seconds` old), the signature and its signer. The nonce is spent last, once: a forged or malformed proof never spends it.
#[utoipa::path(post, path = "/v1/wallet-proof/verify", operation_id = "quicksync_verify_wallet_proof",
    params(VerifyQuery),
    request_body(content = VerifyRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The wallet bearer.", body = TokenDto),
        (status = 400, description = "A proof that does not hold: unsupported `chain`, bad `walletAddress`, a message not issued by this server or altered, an expired or used nonce, a malformed signature, one that does not verify or was made by another address; an unreadable query or body stream.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("chain" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "Unsupported chain `Solana`: only Ethereum is supported.", "instance": "/v1/wallet-proof/verify"}))),
                ("address" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "walletAddress must be 0x followed by 40 hexadecimal digits.", "instance": "/v1/wallet-proof/verify"}))),
                ("unknown nonce" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The message does not carry a nonce issued by this server.", "instance": "/v1/wallet-proof/verify"}))),
                ("expired nonce" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The nonce has expired; request a new one.", "instance": "/v1/wallet-proof/verify"}))),
                ("used nonce" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The nonce has already been used; request a new one.", "instance": "/v1/wallet-proof/verify"}))),
                ("malformed signature" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The signature is malformed: expected 65 bytes as 130 hex digits.", "instance": "/v1/wallet-proof/verify"}))),
                ("bad signature" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The signature does not verify.", "instance": "/v1/wallet-proof/verify"}))),
                ("other signer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The signature was not made by walletAddress.", "instance": "/v1/wallet-proof/verify"}))),
                ("query" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Bad Request", "status": 400, "detail": "The query string is not valid: Query deserialize error: duplicate field `chain`", "instance": "/v1/wallet-proof/verify"}))),
            )),
        (status = 422, description = "The body breaks the schema (unknown, missing or mistyped member), is empty or is not JSON; `errors` names the member by JSON path.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("empty" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "A non-empty request body is required.", "instance": "/v1/wallet-proof/verify", "errors": {"$": ["A non-empty request body is required."]}}))),
                ("missing member" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "One or more validation errors occurred: $: missing field `signature`", "instance": "/v1/wallet-proof/verify", "errors": {"$": ["missing field `signature`"]}}))),
            )),
        (status = 503, description = "The store did not answer in time; retry. Also: no `wallet_token.hs256_secret` is configured.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("store" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Service Unavailable", "status": 503, "detail": "The session store is unavailable; retry shortly.", "instance": "/v1/wallet-proof/verify"}))),
                ("not configured" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Service Unavailable", "status": 503, "detail": "Wallet verification is not configured on this server.", "instance": "/v1/wallet-proof/verify"}))),
            )),
        Throttled<AtVerify>,
        BodyErrors<AtVerify>,
        Internal<AtVerify>,
    ),
)]
pub async fn verify(req: HttpRequest, payload: web::Payload, state: web::Data<State>) -> Reply {
    let query = web::Query::<VerifyQuery>::from_query(req.query_string())
        .map_err(|e| RequestError::Query(e.to_string()))?;
    if let Some(chain) = query.chain.as_deref() {
        if !chain.eq_ignore_ascii_case("ethereum") {
            let shown: String = chain.chars().take(32).collect();
            return Err(WalletProofError::UnsupportedChain(shown).into());
        }
    }
    let body: VerifyRequest = read_json(&req, payload, BodyLimits::of(&state.core)).await?;
    if !state.wallet_tokens.is_configured() {
        return Err(WalletProofError::NotConfigured.into());
    }
    // A proof costs a curve recovery: counted per client address before it is checked, taken
    // back when it holds.
    let pass = state
        .throttle
        .admit(&req, None)
        .await
        .map_err(WalletProofError::from)?;
    let redeemed = redeem(&state, &body).await;
    match &redeemed {
        Ok(_) => pass.succeeded(),
        Err(WalletProofError::Fault(_)) => drop(pass),
        Err(_) => pass.failed(),
    }
    Ok(redeemed?)
}

async fn redeem(state: &State, body: &VerifyRequest) -> Result<HttpResponse, WalletProofError> {
    let claimed =
        Address::parse(body.wallet_address.trim()).ok_or(WalletProofError::InvalidAddress)?;
    let now = state.core.clock.now();
    let redeemable = state
        .nonces
        .check(&body.message, now)
        .map_err(|e| match e {
            NonceError::Unknown => WalletProofError::UnknownNonce,
            NonceError::Expired => WalletProofError::ExpiredNonce,
        })?;
    // Curve arithmetic runs on the blocking pool, keeping the worker's event loop free.
    let (message, signature) = (body.message.clone(), body.signature.trim().to_owned());
    let recovered = web::block(move || eip191::recover_personal_sign(&message, &signature))
        .await
        .map_err(|e| WalletProofError::store(session_core::Error::Internal(e.to_string())))?;
    let signer = recovered.map_err(|e| match e {
        SignatureError::Malformed(why) => WalletProofError::MalformedSignature(why),
        SignatureError::Invalid => WalletProofError::BadSignature,
    })?;
    if signer != claimed {
        return Err(WalletProofError::AddressMismatch);
    }
    // Last, so that only the wallet's own valid proof can spend its nonce.
    let ttl = state.nonces.ttl() + chrono::Duration::seconds(120);
    let first = state
        .core
        .store
        .claim_nonce(&Nonces::claim_key(redeemable.nonce), ttl)
        .await
        .map_err(WalletProofError::store)?;
    if !first {
        return Err(WalletProofError::ReusedNonce);
    }
    let token = state
        .wallet_tokens
        .issue(&claimed, now)
        .ok_or(WalletProofError::NotConfigured)?;
    tracing::info!(wallet = %claimed.checksummed(), "quicksync: wallet verified");
    Ok(HttpResponse::Ok().json(TokenDto { token }))
}
