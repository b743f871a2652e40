//! `/admin/v1/testing/faults`: add, list and remove injected faults.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use crate::admin::object::Object;
use crate::admin::openapi::{AdminErrorBody, NoBearer};
use crate::admin::AdminError;
use crate::testing::faults::{FaultSpec, RuleView};

/// A new rule's id.
#[derive(Serialize, ToSchema)]
#[schema(as = TestingFaultId)]
pub struct Added {
    /// Its id (for `DELETE /admin/v1/testing/faults/{id}`).
    pub id: u64,
}

/// Every rule in force.
#[derive(Serialize, ToSchema)]
#[schema(as = TestingFaultRules)]
pub struct Rules {
    /// Oldest first (the first that matches a request fires).
    pub data: Vec<RuleView>,
}

/// How many went.
#[derive(Serialize, ToSchema)]
#[schema(as = TestingCleared)]
pub struct Cleared {
    /// How many were removed.
    pub removed: usize,
}

/// Adds a rule: matching requests of the flavor wait `delay_ms`, then get `status` with the
/// flavor's usual body for it, `times` times (forever without).
#[utoipa::path(post, path = "/admin/v1/testing/faults", tag = "testing",
    operation_id = "testing_add_fault",
    security(("AdminBearer" = [])),
    request_body(content = FaultSpec, example = json!({"flavor": "amity", "method": "POST",
        "path": "/api/v3/sessions", "status": 503, "delay_ms": 0, "probability": 1.0, "times": 1})),
    responses(
        (status = 201, description = "The rule is in force.", body = Added),
        NoBearer,
        (status = 422, description = "A flavor not served here, a status it has no answer \
            for, a path not its own, a bound crossed.", body = AdminErrorBody),
    ),
)]
pub async fn add(ctx: web::Data<Ctx>, body: Object<FaultSpec>) -> Result<HttpResponse, AdminError> {
    let id = ctx
        .testing
        .faults
        .add(body.into_inner(), &ctx.testing.served)
        .map_err(AdminError::Invalid)?;
    Ok(HttpResponse::Created().json(Added { id }))
}

/// Every rule, with how many requests it hit.
#[utoipa::path(get, path = "/admin/v1/testing/faults", tag = "testing",
    operation_id = "testing_faults",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "The rules.", body = Rules),
        NoBearer,
    ),
)]
pub async fn list(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(Rules {
        data: ctx.testing.faults.list(),
    })
}

/// Removes every rule.
#[utoipa::path(delete, path = "/admin/v1/testing/faults", tag = "testing",
    operation_id = "testing_clear_faults",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "How many rules were removed.", body = Cleared),
        NoBearer,
    ),
)]
pub async fn clear(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(Cleared {
        removed: ctx.testing.faults.clear(),
    })
}

/// Removes one rule.
#[utoipa::path(delete, path = "/admin/v1/testing/faults/{id}", tag = "testing",
    operation_id = "testing_remove_fault",
    security(("AdminBearer" = [])),
    params(("id" = u64, Path, description = "The rule's id.")),
    responses(
        (status = 204, description = "Removed."),
        NoBearer,
        (status = 404, description = "No such rule.", body = AdminErrorBody),
    ),
)]
pub async fn remove(
    ctx: web::Data<Ctx>,
    id: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id: u64 = id.parse().map_err(|_| AdminError::NotFound)?;
    if ctx.testing.faults.remove(id) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AdminError::NotFound)
    }
}
