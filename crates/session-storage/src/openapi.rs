//! The flavor's OpenAPI document: the operations of its route table ([`crate::routes`], each
//! documented on its handler), the shape of its error body, the `session-storage` tag and the
//! `ClientID` / `ClientSecret` schemes.

use flavor_kit::openapi::{document, Scheme};
use utoipa::OpenApi;

use crate::errors::ErrorsBody;

/// The tag of every session-storage operation (the flavor's configuration name).
pub const TAG: &str = "session-storage";
/// The security scheme of the client id header.
pub const CLIENT_ID: &str = "ClientID";
/// The security scheme of the client secret header.
pub const CLIENT_SECRET: &str = "ClientSecret";

/// What the flavor's tag says of it.
const DESCRIPTION: &str = "Session storage (Palabra.ai-compatible): \
        create streaming sessions with publisher and subscriber tokens, then list, get, delete \
        and extend them (see docs/session-storage.md).";

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn fragment() -> utoipa::openapi::OpenApi {
    document::<ErrorsBody>(
        TAG,
        DESCRIPTION,
        crate::routes::Paths::openapi(),
        &[
            (
                CLIENT_ID,
                Scheme::Header {
                    name: "ClientID",
                    description: "The client's id (header names are case-insensitive).",
                },
            ),
            (
                CLIENT_SECRET,
                Scheme::Header {
                    name: "ClientSecret",
                    description: "The client's secret; sent with `ClientID` on every request.",
                },
            ),
        ],
    )
}
