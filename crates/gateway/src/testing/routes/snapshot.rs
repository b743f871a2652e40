//! `GET /admin/v1/testing/snapshot` and `PUT /admin/v1/testing/snapshot`.

use actix_web::{web, HttpResponse};
use session_core::Clock;

use super::Ctx;
use crate::admin::object::Object;
use crate::admin::openapi::{AdminErrorBody, NoBearer, StoreUnavailable};
use crate::admin::AdminError;
use crate::testing::state::{self, Loaded, Snapshot};

/// The whole state as one JSON document: sessions with their metadata and the keyed hashes of
/// their secrets (never a token), users, groups, run-time tenants.
#[utoipa::path(get, path = "/admin/v1/testing/snapshot", tag = "testing",
    operation_id = "testing_snapshot",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "The snapshot.", body = Snapshot),
        NoBearer,
        StoreUnavailable,
    ),
)]
pub async fn take(ctx: web::Data<Ctx>) -> Result<HttpResponse, AdminError> {
    let snapshot = state::take(&ctx.store, ctx.testing.clock.now()).await?;
    Ok(HttpResponse::Ok().json(snapshot))
}

/// Replaces the whole state with a snapshot (checked whole first: a bad one changes nothing).
/// Sessions that have expired by the gateway's clock are left out.
#[utoipa::path(put, path = "/admin/v1/testing/snapshot", tag = "testing",
    operation_id = "testing_load_snapshot",
    security(("AdminBearer" = [])),
    request_body(content = Snapshot, description = "A snapshot taken with GET (or written \
        by hand), at most `testing.snapshot_max_bytes`."),
    responses(
        (status = 200, description = "What was loaded, and what it replaced.", body = Loaded),
        NoBearer,
        (status = 422, description = "Not a snapshot, a bad owner or document, or over the \
            size limit; nothing was changed.", body = AdminErrorBody),
        StoreUnavailable,
    ),
)]
pub async fn load(ctx: web::Data<Ctx>, body: Object<Snapshot>) -> Result<HttpResponse, AdminError> {
    let loaded = state::load(&ctx.store, &body).await?;
    Ok(HttpResponse::Ok().json(loaded))
}
