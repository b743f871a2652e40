//! `POST /admin/v1/testing/reset`: everything, or one tenant's state.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use session_core::Flavor;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::Ctx;
use crate::admin::object::Object;
use crate::admin::openapi::{AdminErrorBody, FlavorName, NoBearer, StoreUnavailable};
use crate::admin::AdminError;
use crate::testing::state::{self, Counts};

/// Longest tenant id accepted.
const MAX_TENANT_LEN: usize = 256;

/// `{}` for everything, or a flavor and one of its tenants.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The tenant's flavor (with `tenant`).
    pub flavor: Option<String>,
    /// The tenant: a QuickBlox application id, an Amity network id, a QuickSync API key's
    /// name, a session-storage client id (with `flavor`).
    pub tenant: Option<String>,
}

/// Everything (`{}`, or both members null), or one tenant (both members).
impl utoipa::PartialSchema for ResetRequest {
    fn schema() -> RefOr<Schema> {
        let null = || ObjectBuilder::new().schema_type(Type::Null);
        let closed = || {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        let everything = closed()
            .description(Some("Everything."))
            .property("flavor", null())
            .property("tenant", null());
        let tenant = closed()
            .description(Some("One tenant's state."))
            .property("flavor", FlavorName::schema())
            .property(
                "tenant",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(MAX_TENANT_LEN))
                    .description(Some(
                        "A QuickBlox application id, an Amity network id, a QuickSync API \
                         key's name, a session-storage client id.",
                    ))
                    .examples([json!("client-a")]),
            )
            .required("flavor")
            .required("tenant");
        OneOfBuilder::new().item(everything).item(tenant).into()
    }
}

impl ToSchema for ResetRequest {
    fn name() -> std::borrow::Cow<'static, str> {
        "TestingReset".into()
    }
}

/// Removes state: `{}` removes every session, group, user, nonce claim and run-time tenant
/// (tenants of the configuration stay) and empties the request journal; with a flavor and a
/// tenant, only that tenant's sessions, groups and users.
#[utoipa::path(post, path = "/admin/v1/testing/reset", tag = "testing",
    operation_id = "testing_reset",
    security(("AdminBearer" = [])),
    request_body(content = ResetRequest, examples(
        ("everything" = (value = json!({}))),
        ("one tenant" = (value = json!({"flavor": "session-storage", "tenant": "client-a"}))),
    )),
    responses(
        (status = 200, description = "What was removed.", body = Counts),
        NoBearer,
        (status = 422, description = "A flavor without a tenant (or the reverse), an unknown \
            flavor.", body = AdminErrorBody),
        StoreUnavailable,
    ),
)]
pub async fn reset(
    ctx: web::Data<Ctx>,
    body: Object<ResetRequest>,
) -> Result<HttpResponse, AdminError> {
    let counts = match (&body.flavor, &body.tenant) {
        (None, None) => {
            let counts = state::wipe(&ctx.store).await?;
            ctx.testing.journal.clear();
            counts
        }
        (Some(flavor), Some(tenant)) => {
            let flavor = Flavor::parse(flavor).map_err(|_| {
                AdminError::Invalid(format!(
                    "flavor must be one of {}",
                    Flavor::ALL.map(Flavor::as_str).join(", ")
                ))
            })?;
            if tenant.is_empty() || tenant.chars().count() > MAX_TENANT_LEN {
                return Err(AdminError::Invalid(format!(
                    "tenant must be 1-{MAX_TENANT_LEN} characters"
                )));
            }
            state::wipe_tenant(&ctx.store, flavor, tenant).await?
        }
        _ => {
            return Err(AdminError::Invalid(
                "give both flavor and tenant, or neither (everything)".into(),
            ))
        }
    };
    Ok(HttpResponse::Ok().json(counts))
}
