//! `GET /v1/wallet-proof/nonce` and `POST /v1/wallet-proof/verify?chain=Ethereum`.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::body::read_json;
use crate::dto::{NonceDto, TokenDto, VerifyQuery, VerifyRequest};
use crate::eip191::{self, Address, SignatureError};
use crate::errors::{RequestError, WalletProofError};
use crate::nonce::{NonceError, Nonces};
use crate::state::State;

/// Hands out a nonce and the message to sign; nothing is stored.
pub async fn nonce(state: web::Data<State>) -> Result<HttpResponse, WalletProofError> {
    let issued = state
        .nonces
        .issue(state.core.clock.now())
        .map_err(WalletProofError::store)?;
    Ok(HttpResponse::Ok().json(NonceDto {
        nonce: issued.nonce,
        message: issued.message,
    }))
}

/// Checks a signed nonce and issues a wallet bearer; each nonce redeems once.
pub async fn verify(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<State>,
) -> Result<HttpResponse, actix_web::Error> {
    let query = web::Query::<VerifyQuery>::from_query(req.query_string())
        .map_err(|e| RequestError::Query(e.to_string()))?;
    if let Some(chain) = query.chain.as_deref() {
        if !chain.eq_ignore_ascii_case("ethereum") {
            let shown: String = chain.chars().take(32).collect();
            return Err(WalletProofError::UnsupportedChain(shown).into());
        }
    }
    let body: VerifyRequest = read_json(&req, payload, state.core.max_body_bytes).await?;
    Ok(redeem(&state, &body).await?)
}

async fn redeem(state: &State, body: &VerifyRequest) -> Result<HttpResponse, WalletProofError> {
    if !state.wallet_tokens.is_configured() {
        return Err(WalletProofError::NotConfigured);
    }
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
