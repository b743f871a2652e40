//! The flavor's OpenAPI document: the operations of its route table ([`crate::routes`], each
//! documented on its handler), the shapes of its error bodies, the `amity` tag and the
//! `AmityApiKey`, `AmityBearer` and `AmityServerKey` schemes.

use flavor_kit::openapi::{document, Scheme};
use utoipa::OpenApi;

use crate::auth::{API_KEY_HEADER, SERVER_KEY_HEADER};
use crate::errors::Body as ErrorBody;

/// The tag of every Amity operation (the flavor's configuration name).
pub const TAG: &str = "amity";
/// The security scheme of the client API key (`x-api-key`).
pub const API_KEY: &str = "AmityApiKey";
/// The security scheme of the access token (`Authorization: Bearer`).
pub const BEARER: &str = "AmityBearer";
/// The security scheme of the server key (`x-server-key`).
pub const SERVER_KEY: &str = "AmityServerKey";

/// What the flavor's tag says of it.
const DESCRIPTION: &str = "Amity Social Cloud sessions: `/api/v3|v4|v5/sessions` \
        with JWT access tokens, single-use refresh tokens and secure-mode auth tokens (see \
        docs/amity.md). Every error is `{\"status\": \"error\", \"code\", \"message\"}`; other \
        methods on these paths answer 405 (code 400000) with `Allow`.";

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn fragment() -> utoipa::openapi::OpenApi {
    document::<ErrorBody>(
        TAG,
        DESCRIPTION,
        crate::routes::Paths::openapi(),
        &[
            (
                API_KEY,
                Scheme::Header {
                    name: API_KEY_HEADER,
                    description: "The network's API key (the client key of the SDK).",
                },
            ),
            (
                BEARER,
                Scheme::Bearer {
                    format: "JWT",
                    description: "The `accessToken` of a login or refresh: an HS256 JWT, checked \
                        against the store on every call (revocation is immediate).",
                },
            ),
            (
                SERVER_KEY,
                Scheme::Header {
                    name: SERVER_KEY_HEADER,
                    description: "The network's server key, for the customer's server only \
                        (secure mode).",
                },
            ),
        ],
    )
}
