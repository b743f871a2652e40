//! `GET /api/.well-known/jwks.json`: the public keys of the flavor's asymmetric signing keys
//! (`[[amity.signing_keys]]` with ES256 or EdDSA), so that other services verify access tokens
//! without calling the gateway. HS256 keys are secrets and never listed.

use actix_web::{web, HttpResponse};
use flavor_kit::Reply;
use serde::Serialize;
use utoipa::ToSchema;

use crate::routes::answers::ServerErrors;
use crate::state::State;

/// A JSON Web Key Set (RFC 7517).
#[derive(Serialize, ToSchema)]
#[schema(as = AmityJwks)]
pub struct Jwks {
    /// One public key per asymmetric signing key: `kty`, `crv`, `x` (and `y` for P-256),
    /// `kid`, `alg`, `use`.
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<serde_json::Value>,
}

/// The access tokens' public keys
///
/// The JWKS of the ES256 and EdDSA keys of `[[amity.signing_keys]]`, each under the `kid` that the access tokens it signed carry; empty when access tokens are signed with HS256 only. A token verified with it is genuine; whether its session still lives is only known to the gateway (`GET /api/v3/sessions`).
#[utoipa::path(get, path = "/api/.well-known/jwks.json", operation_id = "amity_get_jwks",
    responses(
        (status = 200, description = "The key set.", body = Jwks,
            example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "2025-06", "alg": "EdDSA", "use": "sig"}]})),
        ServerErrors,
    ),
)]
pub async fn jwks(state: web::Data<State>) -> Reply {
    let set = state.networks.signing_keys().jwks();
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(set))
}
