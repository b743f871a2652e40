//! `POST /admin/v1/testing/reset`: everything, or one tenant's state.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use session_core::Flavor;
use utoipa::ToSchema;

use super::Ctx;
use crate::admin::AdminError;
use crate::testing::openapi::AdminErrorBody;
use crate::testing::state::{self, Counts};

/// Longest tenant id accepted.
const MAX_TENANT_LEN: usize = 256;

/// `{}` for everything, or a flavor and one of its tenants.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TestingReset)]
pub struct ResetRequest {
    /// The tenant's flavor (with `tenant`).
    #[schema(example = "amity")]
    pub flavor: Option<String>,
    /// The tenant: a QuickBlox application id, an Amity network id, a QuickSync API key's
    /// name, a session-storage client id (with `flavor`).
    #[schema(example = "client-a")]
    pub tenant: Option<String>,
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
        (status = 401, description = "No valid admin bearer.", body = AdminErrorBody),
        (status = 422, description = "A flavor without a tenant (or the reverse), an unknown \
            flavor.", body = AdminErrorBody),
        (status = 503, description = "The store did not answer.", body = AdminErrorBody),
    ),
)]
pub async fn reset(
    ctx: web::Data<Ctx>,
    body: web::Json<ResetRequest>,
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
            if tenant.is_empty() || tenant.len() > MAX_TENANT_LEN {
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
