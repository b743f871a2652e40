//! What the document of the admin API (`/admin/v1`; [`super::document`]) is made of besides the
//! operations of its route table: its error body, the `AdminBearer` scheme, the schemas its
//! parameters name, and [`fragment`], which testing mode's routes share.

use std::borrow::Cow;

use flavor_kit::openapi::Scheme;
use serde::Serialize;
use session_core::Flavor;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

/// The tag of the admin API's operations.
pub const TAG: &str = "admin";
/// The security scheme of every admin operation.
pub const SCHEME: &str = "AdminBearer";

/// What the tag says of it.
pub const DESCRIPTION: &str =
    "The admin API under `/admin/v1` (mounted when `admin.token` is set): \
    an overview, sessions across flavors, run-time tenants and credentials, and the event log \
    (see docs/operations.md#admin-api). Every operation takes `Authorization: Bearer \
    <admin.token>`; every error is `{\"error\": {\"code\", \"message\"}}`; other methods on \
    these paths answer 405 with `Allow`, other paths under `/admin/v1` 404.";

/// Every error of the admin API: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminError)]
pub struct AdminErrorBody {
    /// The error.
    pub error: AdminErrorDetail,
}

/// One admin error.
#[derive(Serialize, ToSchema)]
pub struct AdminErrorDetail {
    /// `unauthorized`, `not_found`, `method_not_allowed`, `invalid_request`, `conflict`,
    /// `request_timeout`, `too_many_attempts`, `store_unavailable` or `internal`.
    #[schema(example = "invalid_request")]
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// 401, which every admin operation may answer.
#[derive(IntoResponses)]
#[response(status = 401, description = "No valid admin bearer.")]
pub struct NoBearer(pub AdminErrorBody);

/// 429: the address sent too many wrong bearers (the admin API's throttle).
#[derive(IntoResponses)]
#[response(
    status = 429,
    description = "Too many wrong bearers from this address."
)]
pub struct BearerThrottled(pub AdminErrorBody);

/// 503: the store did not answer.
#[derive(IntoResponses)]
#[response(status = 503, description = "The store did not answer.")]
pub struct StoreUnavailable(pub AdminErrorBody);

/// A string schema of the values `names`, described by `description`.
fn one_of_names(description: &str, names: Vec<&str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .into()
}

/// A flavor, by its name.
pub struct FlavorName;

impl PartialSchema for FlavorName {
    fn schema() -> RefOr<Schema> {
        one_of_names("A flavor.", Flavor::ALL.map(Flavor::as_str).to_vec())
    }
}

impl ToSchema for FlavorName {
    fn name() -> Cow<'static, str> {
        "AdminFlavor".into()
    }
}

/// A flavor filter: a flavor's name, or empty for every flavor.
pub struct FlavorFilter;

impl PartialSchema for FlavorFilter {
    fn schema() -> RefOr<Schema> {
        let mut names = vec![""];
        names.extend(Flavor::ALL.map(Flavor::as_str));
        one_of_names("A flavor, or empty for every flavor.", names)
    }
}

impl ToSchema for FlavorFilter {
    fn name() -> Cow<'static, str> {
        "AdminFlavorFilter".into()
    }
}

/// A kind of run-time tenant or credential, by its name.
pub struct TenantKindName;

impl PartialSchema for TenantKindName {
    fn schema() -> RefOr<Schema> {
        let names = crate::flavors::tenant_kinds().map(|k| k.name).collect();
        one_of_names("A kind of tenant or credential.", names)
    }
}

impl ToSchema for TenantKindName {
    fn name() -> Cow<'static, str> {
        "AdminTenantKind".into()
    }
}

/// A fragment of admin routes: the operations of `paths` under `tag` (described by
/// `description`), the admin error body and the admin bearer.
pub fn fragment(tag: &str, description: &str, paths: OpenApi) -> OpenApi {
    let mut doc = flavor_kit::openapi::document::<AdminErrorBody>(
        tag,
        description,
        paths,
        &[(
            SCHEME,
            Scheme::Bearer {
                format: "admin.token",
                description: "The admin bearer: `admin.token` of the configuration.",
            },
        )],
    );
    // Parameters refer to these by name; only bodies bring their schemas along.
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .extend([
            (FlavorName::name().into_owned(), FlavorName::schema()),
            (FlavorFilter::name().into_owned(), FlavorFilter::schema()),
            (
                TenantKindName::name().into_owned(),
                TenantKindName::schema(),
            ),
        ]);
    doc
}
