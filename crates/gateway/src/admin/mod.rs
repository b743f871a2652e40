//! The admin API under `/admin/v1` (bearer `admin.token`; not mounted when unset) and the
//! console that uses it (`/admin/`, [`console`]): an overview ([`overview`]), sessions across
//! flavors ([`sessions`]), and tenants and credentials of the configuration and of run time
//! ([`tenants`], found through [`directory`]).

mod console;
mod directory;
mod errors;
pub mod object;
pub mod openapi;
mod overview;
mod sessions;
mod state;
mod tenants;

pub use errors::AdminError;
pub use sessions::handle_of;
pub use state::AdminState;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, HttpMessage, ResponseError};
use flavor_kit::{headers, Throttle};

use crate::events::routes as events;
use session_core::token::ct_eq_str;

flavor_kit::routes! {
    body: AdminError;
    prefix: "/admin/v1";
    "/overview" => { get: overview::overview },
    "/sessions" => { get: sessions::list, delete: sessions::revoke_all },
    "/sessions/{handle}" => { get: sessions::show, delete: sessions::revoke },
    "/sessions/{handle}/members" => { get: sessions::members },
    "/tenants" => { get: tenants::kinds },
    "/tenants/{kind}" => { get: tenants::list, put: tenants::put },
    "/tenants/{kind}/{id}" => { put: tenants::edit, delete: tenants::delete },
    "/events" => { get: events::pull },
    "/events/dead-letters" => { get: events::dead_letters },
}

/// The admin API's document: the operations of the route table under the tag `admin`, merged
/// into `/openapi.json` while the API is mounted (`admin.token` set).
pub fn document() -> utoipa::openapi::OpenApi {
    openapi::fragment(
        openapi::TAG,
        openapi::DESCRIPTION,
        <Paths as utoipa::OpenApi>::openapi(),
    )
}

/// Headers of every admin answer: never cached, never sniffed.
fn private() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// Mounts `/admin/v1` (the route table: other methods on its paths answer 405 with `Allow`,
/// other paths 404) and the console.
pub fn configure(cfg: &mut web::ServiceConfig, state: AdminState) {
    let token: std::sync::Arc<str> = state.token.clone().into();
    let throttle = state.throttle.clone();
    let query = web::QueryConfig::default()
        .error_handler(|e, _| AdminError::Invalid(format!("query: {e}")).into());
    cfg.service(
        web::scope("/admin/v1")
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                require_bearer(token.clone(), throttle.clone(), req, next)
            }))
            .wrap(private())
            .app_data(web::Data::new(state))
            .app_data(query)
            .service(resources(&|r| r))
            .default_service(web::to(|| async { AdminError::NotFound.error_response() })),
    );
    console::configure(cfg);
}

/// Middleware on the whole scope: nothing under `/admin/v1` runs without the bearer. Every
/// bearer is counted per client address before it is looked at (a right one is taken back at
/// once), so an address past `[admin.throttle]` is answered 429 by every worker and replica,
/// whatever bearer it sends. The admin API is not a hot path: the two store calls are cheap
/// next to what it answers.
pub(crate) async fn require_bearer(
    token: std::sync::Arc<str>,
    throttle: std::sync::Arc<Throttle>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Until a resource takes it, a request is the admin API's as a whole (a refused one too).
    req.extensions_mut()
        .insert(flavor_kit::routes::RoutePattern("/admin/v1"));
    let refused = match throttle.admit(req.request(), None).await {
        Err(refusal) => Some(AdminError::from(refusal)),
        Ok(pass) => {
            let authorized = headers::bearer(req.request())
                .is_some_and(|presented| ct_eq_str(presented, &token));
            match authorized {
                true => {
                    pass.succeeded();
                    None
                }
                false => {
                    pass.failed();
                    Some(AdminError::Unauthorized)
                }
            }
        }
    };
    if let Some(error) = refused {
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(req, error.error_response()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
