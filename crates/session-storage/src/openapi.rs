//! The flavor's OpenAPI document: the operations of its route table ([`crate::routes`], each
//! documented on its handler), the shape of its error body, the `session-storage` tag and the
//! `ClientID` / `ClientSecret` schemes.

use flavor_kit::openapi::{add_schemes, Scheme};
use utoipa::OpenApi;

use crate::errors::ErrorsBody;

/// The tag of every session-storage operation (the flavor's configuration name).
pub const TAG: &str = "session-storage";
/// The security scheme of the client id header.
pub const CLIENT_ID: &str = "ClientID";
/// The security scheme of the client secret header.
pub const CLIENT_SECRET: &str = "ClientSecret";

#[derive(OpenApi)]
#[openapi(
    tags((name = "session-storage", description = "Session storage (Palabra.ai-compatible): \
        create streaming sessions with publisher and subscriber tokens, then list, get, delete \
        and extend them (see docs/session-storage.md).")),
    components(schemas(ErrorsBody)),
)]
struct ApiDoc;

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::Paths::openapi());
    add_schemes(
        &mut doc,
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
    );
    doc
}
