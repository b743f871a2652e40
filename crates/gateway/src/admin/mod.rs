//! The admin API under `/admin/v1` (bearer `admin.token`; not mounted when unset) and the
//! console that uses it (`/admin/`, [`console`]): an overview ([`overview`]), sessions across
//! flavors ([`sessions`]), and tenants and credentials of the configuration and of run time
//! ([`tenants`], found through [`directory`]).

mod console;
mod directory;
mod errors;
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
use actix_web::{web, ResponseError};
use flavor_kit::headers;
use session_core::token::ct_eq_str;

/// Headers of every admin answer: never cached, never sniffed.
fn private() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// Mounts `/admin/v1` and the console.
pub fn configure(cfg: &mut web::ServiceConfig, state: AdminState) {
    let token: std::sync::Arc<str> = state.token.clone().into();
    let json = web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|e, _| AdminError::Invalid(format!("body: {e}")).into());
    let query = web::QueryConfig::default()
        .error_handler(|e, _| AdminError::Invalid(format!("query: {e}")).into());
    cfg.service(
        web::scope("/admin/v1")
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                require_bearer(token.clone(), req, next)
            }))
            .wrap(private())
            .app_data(web::Data::new(state))
            .app_data(json)
            .app_data(query)
            .route("/overview", web::get().to(overview::overview))
            .route("/sessions", web::get().to(sessions::list))
            .route("/sessions", web::delete().to(sessions::revoke_all))
            .route("/sessions/{handle}", web::get().to(sessions::show))
            .route("/sessions/{handle}", web::delete().to(sessions::revoke))
            .route(
                "/sessions/{handle}/members",
                web::get().to(sessions::members),
            )
            .route("/tenants", web::get().to(tenants::kinds))
            .route("/tenants/{kind}", web::get().to(tenants::list))
            .route("/tenants/{kind}", web::put().to(tenants::put))
            .route("/tenants/{kind}/{id}", web::put().to(tenants::edit))
            .route("/tenants/{kind}/{id}", web::delete().to(tenants::delete))
            .default_service(web::to(|| async { AdminError::NotFound.error_response() })),
    );
    console::configure(cfg);
}

/// Middleware on the whole scope: nothing under `/admin/v1` runs without the bearer.
pub(crate) async fn require_bearer(
    token: std::sync::Arc<str>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let authorized =
        headers::bearer(req.request()).is_some_and(|presented| ct_eq_str(presented, &token));
    if !authorized {
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(
            req,
            AdminError::Unauthorized.error_response(),
        ));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
