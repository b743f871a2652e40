//! The flavor's OpenAPI document: the operations of its route table ([`crate::routes`], each
//! documented on its handler), the shapes of its request and error bodies, the `quickblox` tag
//! and the `QB-Token` scheme.

use flavor_kit::openapi::{add_schemes, Scheme};
use utoipa::OpenApi;

use crate::errors::ErrorsBody;
use crate::requests::{CreateSessionForm, CreateSessionJson, LoginBody};

/// The tag of every QuickBlox operation (the flavor's configuration name).
pub const TAG: &str = "quickblox";
/// The security scheme of the session token.
pub const QB_TOKEN: &str = "QB-Token";

#[derive(OpenApi)]
#[openapi(
    components(schemas(CreateSessionForm, CreateSessionJson, LoginBody, ErrorsBody)),
    tags((name = "quickblox", description = "QuickBlox REST API sessions: `/session.json` with \
        signed application credentials and `/login.json` (see docs/quickblox.md).")),
)]
struct ApiDoc;

/// The flavor's OpenAPI fragment, to merge into the gateway's document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::Paths::openapi());
    add_schemes(
        &mut doc,
        &[(
            QB_TOKEN,
            Scheme::Header {
                name: "QB-Token",
                description: "The session token of POST /session.json (40 lowercase hex \
                    characters); the `token` query parameter is accepted instead.",
            },
        )],
    );
    doc
}
