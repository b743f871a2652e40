//! The flavor's OpenAPI document: the operations of its route table ([`crate::routes`], each
//! documented on its handler), the shapes of its error bodies (RFC 7807 ProblemDetails), the
//! `quicksync` tag and the `QuicksyncApiKey`, `QuicksyncWalletBearer` and
//! `QuicksyncSessionBearer` schemes.
//!
//! Request bodies are the very structs the handlers parse. Bounds that depend on
//! `[quicksync.rules]` are given in the descriptions with their defaults; `minimum`, `maximum`
//! and `maxLength` hold what no configuration can exceed.

use flavor_kit::openapi::{document, Scheme};
use utoipa::OpenApi;

use crate::errors::ProblemDetails;

/// The tag of every QuickSync operation (the flavor's configuration name).
pub const TAG: &str = "quicksync";
/// The security scheme of the tenant's API key (`X-API-KEY`).
pub const API_KEY: &str = "QuicksyncApiKey";
/// The security scheme of the wallet bearer (a JWT from `/v1/wallet-proof/verify`).
pub const WALLET_BEARER: &str = "QuicksyncWalletBearer";
/// The security scheme of the session bearer (a member's session token).
pub const SESSION_BEARER: &str = "QuicksyncSessionBearer";

/// What the flavor's tag says of it.
const DESCRIPTION: &str = "QuickSync group sessions under `/v1`: a wallet \
        proves ownership by signing a server nonce (EIP-191) for a wallet bearer, then creates \
        or joins sessions with rules and one session token per member (see docs/quicksync.md). \
        Every error is an RFC 7807 ProblemDetails (`application/problem+json`); other methods \
        on these paths answer 405 with `Allow`, other paths under `/v1` 404.";

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn fragment() -> utoipa::openapi::OpenApi {
    document::<ProblemDetails>(
        TAG,
        DESCRIPTION,
        crate::routes::Paths::openapi(),
        &[
            (
                API_KEY,
                Scheme::Header {
                    name: "X-API-KEY",
                    description: "The tenant's API key (`[[quicksync.api_keys]]` or a run-time \
                        key); header names are case-insensitive.",
                },
            ),
            (
                WALLET_BEARER,
                Scheme::Bearer {
                    format: "JWT",
                    description: "A wallet bearer: the JWT of `POST /v1/wallet-proof/verify` (or \
                        one minted by the operator with the same key), `sub` being the wallet's \
                        address.",
                },
            ),
            (
                SESSION_BEARER,
                Scheme::Bearer {
                    format: "<sessionId>.<memberId>.<secret>",
                    description: "A session token: `credentials.token` of a create or join. It \
                        dies when its member is kicked or leaves, or the session ends or expires.",
                },
            ),
        ],
    )
}
