//! The document of `/admin/v1/testing/*`, merged into `/openapi.json` while testing mode is on.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};

use super::routes;

/// The tag of testing mode's operations.
pub const TAG: &str = "testing";

/// What the tag says of it.
const DESCRIPTION: &str = "Testing mode (`[testing] enabled`, never in production): the clock \
    every expiry follows, reset, snapshots, injected faults and the request journal. Behind the \
    admin bearer; errors in the admin format. See docs/testing.md.";

/// The fragment.
pub fn document() -> OpenApi {
    crate::admin::openapi::fragment(
        TAG,
        DESCRIPTION,
        <routes::Paths as utoipa::OpenApi>::openapi(),
    )
}

/// Adds the fragment to the gateway's document, with the journal's size
/// (`testing.journal_size`) as the largest `limit` of the journal.
pub fn extend(doc: &mut OpenApi, journal_size: usize) {
    let mut fragment = document();
    let journal = fragment
        .paths
        .paths
        .get_mut("/admin/v1/testing/requests")
        .and_then(|item| item.get.as_mut());
    let limits = journal
        .into_iter()
        .flat_map(|op| op.parameters.iter_mut().flatten())
        .filter(|p| p.name == "limit");
    for limit in limits {
        if let Some(RefOr::T(Schema::Object(schema))) = limit.schema.as_mut() {
            schema.maximum = Some(journal_size.max(1).into());
        }
    }
    doc.merge(fragment);
}
