//! `GET /admin/v1/overview`: the store's health, live sessions per flavor and tenant (an
//! administrative scan of the store, bounded), and the sessions created, revoked and expired
//! in the last hour as this process counted them (`/metrics`, kept by the minute).

use std::collections::BTreeMap;
use std::time::Instant;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use session_core::{Flavor, Owner};
use utoipa::ToSchema;

use super::directory::Directory;
use super::errors::{AdminError, AdminResult};
use super::openapi::{AdminErrorBody, BearerThrottled, FlavorName, NoBearer};
use super::sessions::with_group_tenants;
use super::state::AdminState;
use crate::activity::Event;

/// Most users, groups and QuickBlox sessions counted in one overview; past it the counts are
/// marked incomplete.
const MAX_OWNERS: usize = 10_000;
/// Owners asked for per scan step.
const SCAN_STEP: usize = 500;

/// Live sessions of one flavor.
#[derive(Default)]
struct Live {
    sessions: usize,
    groups: usize,
    by_tenant: BTreeMap<String, usize>,
}

/// Counts the live sessions of `flavor`, reading at most `budget` owners; false when the
/// budget ran out first.
async fn count(
    state: &AdminState,
    flavor: Flavor,
    live: &mut Live,
    budget: &mut usize,
) -> Result<bool, AdminError> {
    let prefix = format!("{}:", flavor.short());
    let mut cursor = String::new();
    loop {
        let (owners, next) = state.store.scan_owners(&prefix, &cursor, SCAN_STEP).await?;
        for owner in owners {
            if *budget == 0 {
                return Ok(false);
            }
            *budget -= 1;
            tally(state, flavor, &owner, live).await?;
        }
        if next.is_empty() {
            return Ok(true);
        }
        cursor = next;
    }
}

/// Adds one owner's live sessions: a user's are counted without reading them; a QuickSync
/// group counts its members (and itself as a group).
async fn tally(
    state: &AdminState,
    flavor: Flavor,
    owner: &Owner,
    live: &mut Live,
) -> Result<(), AdminError> {
    if matches!(flavor, Flavor::Amity | Flavor::SessionStorage) {
        let n = state.store.count_by_owner(owner).await?;
        if n > 0 {
            live.sessions += n;
            *live
                .by_tenant
                .entry(owner.part(0).unwrap_or_default())
                .or_default() += n;
        }
        return Ok(());
    }
    for s in with_group_tenants(state.store.owner_sessions(owner).await?) {
        if s.capacity.is_some() {
            live.groups += 1;
            continue;
        }
        live.sessions += 1;
        *live.by_tenant.entry(s.tenant).or_default() += 1;
    }
    Ok(())
}

/// The overview.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminOverview)]
pub(crate) struct Overview {
    /// The overview.
    data: OverviewData,
}

/// The store, and every flavor's sessions.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminOverviewData)]
pub(crate) struct OverviewData {
    /// The store's health.
    store: StoreHealth,
    /// Whether every user and group was counted (false past 10000, or with the store down).
    complete: bool,
    /// How many users, groups and QuickBlox sessions were read.
    counted_owners: usize,
    /// The span of `created`, `revoked` and `expired`, in seconds.
    window_seconds: u64,
    /// One entry a flavor, served here or not.
    flavors: Vec<FlavorOverview>,
}

/// The store's answer to a ping.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminStoreHealth)]
pub(crate) struct StoreHealth {
    /// The store's kind and target (`memory`, `redis`, ...).
    backend: String,
    /// Whether it answered within its timeout.
    ok: bool,
    /// How long it took, in milliseconds.
    latency_ms: f64,
    /// Why it did not answer.
    error: Option<String>,
}

/// One flavor's sessions.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminFlavorOverview)]
pub(crate) struct FlavorOverview {
    /// The flavor.
    #[schema(value_type = FlavorName)]
    flavor: Flavor,
    /// Whether this process serves it.
    served: bool,
    /// Live sessions (null with the store down).
    live: Option<usize>,
    /// Live groups (QuickSync; null otherwise).
    groups: Option<usize>,
    /// Live sessions per tenant.
    tenants: Vec<TenantLive>,
    /// Sessions created in the window, by this process.
    created: u64,
    /// Sessions revoked in the window, by this process.
    revoked: u64,
    /// Sessions that expired in the window, as this process saw them.
    expired: u64,
}

/// One tenant's live sessions.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminTenantLive)]
pub(crate) struct TenantLive {
    /// The tenant id.
    tenant: String,
    /// Another name of it, when it has one.
    name: Option<String>,
    /// Its live sessions.
    live: usize,
}

/// The store's answer to a ping within its timeout, and how long it took.
async fn health(state: &AdminState) -> StoreHealth {
    let started = Instant::now();
    let outcome = tokio::time::timeout(state.timeout, state.store.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("timed out".to_owned()),
    };
    StoreHealth {
        backend: state.backend.clone(),
        ok: error.is_none(),
        latency_ms: (latency_ms * 100.0).round() / 100.0,
        error,
    }
}

/// The store's health, live sessions per flavor and tenant (an administrative scan, bounded),
/// and the sessions created, revoked and expired in the last hour as this process counted them.
#[utoipa::path(get, path = "/admin/v1/overview",
    operation_id = "admin_overview",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "The overview (also with the store down: `store.ok` \
            false).", body = Overview),
        NoBearer,
        BearerThrottled,
        (status = 503, description = "The store stopped answering during the count.",
            body = AdminErrorBody),
    ),
)]
pub(crate) async fn overview(state: web::Data<AdminState>) -> AdminResult {
    let store = health(&state).await;
    let window = state.metrics.activity().last_hour();
    let mut budget = MAX_OWNERS;
    let mut complete = true;
    let mut flavors = Vec::new();
    let reachable = store.ok;
    let directory = match reachable {
        true => Some(Directory::load(&state, None).await?),
        false => None,
    };
    for flavor in Flavor::ALL {
        let mut live = Live::default();
        if reachable && complete {
            complete = count(&state, flavor, &mut live, &mut budget).await?;
        }
        let tenants = live
            .by_tenant
            .iter()
            .map(|(tenant, n)| TenantLive {
                tenant: tenant.clone(),
                name: directory
                    .as_ref()
                    .and_then(|d| d.label(flavor, tenant))
                    .map(str::to_owned),
                live: *n,
            })
            .collect();
        flavors.push(FlavorOverview {
            flavor,
            served: state.enabled.contains(&flavor),
            live: reachable.then_some(live.sessions),
            groups: (flavor == Flavor::Quicksync && reachable).then_some(live.groups),
            tenants,
            created: window.get(flavor, Event::Created),
            revoked: window.get(flavor, Event::Revoked),
            expired: window.get(flavor, Event::Expired),
        });
    }
    Ok(HttpResponse::Ok().json(Overview {
        data: OverviewData {
            store,
            complete: reachable && complete,
            counted_owners: MAX_OWNERS - budget,
            window_seconds: window.span.as_secs(),
            flavors,
        },
    }))
}
