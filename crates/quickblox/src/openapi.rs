//! The flavor's OpenAPI document: the operations of its route table ([`crate::routes`], each
//! documented on its handler), the shapes of its request and error bodies, the `quickblox` tag
//! and the `QB-Token` scheme.

use flavor_kit::openapi::{document, Scheme};
use utoipa::OpenApi;

use crate::errors::ErrorsBody;

/// The tag of every QuickBlox operation (the flavor's configuration name).
pub const TAG: &str = "quickblox";
/// The security scheme of the session token.
pub const QB_TOKEN: &str = "QB-Token";

/// What the flavor's tag says of it.
const DESCRIPTION: &str = "QuickBlox REST API sessions: `/session.json` with \
        signed application credentials and `/login.json` (see docs/quickblox.md).";

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn fragment() -> utoipa::openapi::OpenApi {
    document::<ErrorsBody>(
        TAG,
        DESCRIPTION,
        crate::routes::Paths::openapi(),
        &[(
            QB_TOKEN,
            Scheme::Header {
                name: "QB-Token",
                description: "The session token of POST /session.json (40 lowercase hex \
                    characters); the `token` query parameter is accepted instead.",
            },
        )],
    )
}
