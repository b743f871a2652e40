//! `/admin/v1/testing/requests`: the request journal.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use session_core::Flavor;
use utoipa::{IntoParams, ToSchema};

use super::faults::Cleared;
use super::Ctx;
use crate::admin::openapi::{AdminErrorBody, FlavorName, NoBearer};
use crate::admin::AdminError;
use crate::testing::journal::Entry;

/// How many entries a page holds unless asked.
const DEFAULT_LIMIT: usize = 50;

/// Which entries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    /// Only this flavor's requests.
    #[param(value_type = Option<FlavorName>)]
    pub flavor: Option<String>,
    /// How many, 1 to `testing.journal_size` (50, or the journal's size when smaller, when
    /// absent).
    #[param(minimum = 1)]
    pub limit: Option<usize>,
}

/// The last requests.
#[derive(Serialize, ToSchema)]
#[schema(as = TestingJournal)]
pub struct Journal {
    /// Newest first.
    pub data: Vec<Entry>,
}

/// The last requests of the flavors, newest first: method, path, status, latency, time,
/// tenant and subject, headers and bodies with every secret and token masked.
#[utoipa::path(get, path = "/admin/v1/testing/requests", tag = "testing",
    operation_id = "testing_requests",
    security(("AdminBearer" = [])),
    params(JournalQuery),
    responses(
        (status = 200, description = "The entries.", body = Journal),
        NoBearer,
        (status = 422, description = "An unknown flavor or a limit out of range.",
            body = AdminErrorBody),
    ),
)]
pub async fn list(
    ctx: web::Data<Ctx>,
    q: web::Query<JournalQuery>,
) -> Result<HttpResponse, AdminError> {
    let flavor = q
        .flavor
        .as_deref()
        .map(|f| {
            Flavor::parse(f).map_err(|_| {
                AdminError::Invalid(format!(
                    "flavor must be one of {}",
                    Flavor::ALL.map(Flavor::as_str).join(", ")
                ))
            })
        })
        .transpose()?;
    let size = ctx.testing.journal.size();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT.min(size.max(1)));
    if !(1..=size.max(1)).contains(&limit) {
        return Err(AdminError::Invalid(format!(
            "limit must be between 1 and {} (testing.journal_size)",
            size.max(1)
        )));
    }
    Ok(HttpResponse::Ok().json(Journal {
        data: ctx.testing.journal.last(flavor, limit),
    }))
}

/// Empties the journal.
#[utoipa::path(delete, path = "/admin/v1/testing/requests", tag = "testing",
    operation_id = "testing_clear_requests",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "How many entries were removed.", body = Cleared),
        NoBearer,
    ),
)]
pub async fn clear(ctx: web::Data<Ctx>) -> HttpResponse {
    HttpResponse::Ok().json(Cleared {
        removed: ctx.testing.journal.clear(),
    })
}
