//! The document of `/admin/v1/testing/*`, merged into `/openapi.json` while testing mode is on.

use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::{Modify, ToSchema};

use super::routes;

/// The tag of testing mode's operations.
pub const TAG: &str = "testing";

/// Every error of the admin API: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = TestingAdminError)]
pub struct AdminErrorBody {
    /// The error.
    pub error: AdminErrorDetail,
}

/// One admin error.
#[derive(Serialize, ToSchema)]
#[schema(as = TestingAdminErrorDetail)]
pub struct AdminErrorDetail {
    /// `unauthorized`, `not_found`, `invalid_request`, `store_unavailable` or `internal`.
    #[schema(example = "invalid_request")]
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// The admin bearer (`admin.token`).
struct AdminBearer;

impl Modify for AdminBearer {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "AdminBearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        routes::clock::show, routes::clock::change, routes::reset::reset,
        routes::snapshot::take, routes::snapshot::load, routes::faults::add,
        routes::faults::list, routes::faults::clear, routes::faults::remove,
        routes::requests::list, routes::requests::clear,
    ),
    modifiers(&AdminBearer),
    tags((name = "testing", description = "Testing mode (`[testing] enabled`, never in \
        production): the clock every expiry follows, reset, snapshots, injected faults and the \
        request journal. Behind the admin bearer. See docs/testing.md.")),
)]
struct TestingDoc;

/// The fragment.
pub fn document() -> OpenApi {
    <TestingDoc as utoipa::OpenApi>::openapi()
}

/// Adds the fragment to the gateway's document.
pub fn extend(doc: &mut OpenApi) {
    doc.merge(document());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragment_resolves_and_collides_with_nothing() {
        let mut doc = crate::openapi::document(&session_core::Flavor::ALL);
        let before = serde_json::to_value(&doc).unwrap();
        extend(&mut doc);
        let after = serde_json::to_value(&doc).unwrap();
        assert_eq!(api_testkit::unresolved(&after), Vec::<String>::new());
        let paths = after["paths"].as_object().unwrap();
        for p in [
            "/admin/v1/testing/clock",
            "/admin/v1/testing/reset",
            "/admin/v1/testing/snapshot",
            "/admin/v1/testing/faults",
            "/admin/v1/testing/faults/{id}",
            "/admin/v1/testing/requests",
        ] {
            assert!(paths.contains_key(p), "{p}");
        }
        let fragment = serde_json::to_value(document()).unwrap();
        for name in fragment["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert!(
                before["components"]["schemas"].get(name).is_none(),
                "{name} is also a flavor's schema"
            );
        }
        assert_eq!(
            after["components"]["securitySchemes"]["AdminBearer"]["scheme"],
            "bearer"
        );
    }
}
