//! `/admin/v1/testing/*`, behind the admin bearer: one line a route, next to its handler.

pub mod clock;
pub mod faults;
pub mod requests;
pub mod reset;
pub mod snapshot;

use std::sync::Arc;

use actix_web::{web, ResponseError};
use flavor_kit::Throttle;
use session_core::SharedStore;

use super::Testing;
use crate::admin::{require_bearer, AdminError};

/// What the handlers share on one worker.
pub struct Ctx {
    /// The process's testing state.
    pub testing: Arc<Testing>,
    /// This worker's store.
    pub store: SharedStore,
}

/// Mounts the scope; `token` is the admin bearer, `throttle` the admin API's wrong-bearer count.
pub fn configure(cfg: &mut web::ServiceConfig, ctx: Ctx, token: Arc<str>, throttle: Arc<Throttle>) {
    let json = web::JsonConfig::default()
        .limit(ctx.testing.settings.snapshot_max_bytes)
        .error_handler(|e, _| AdminError::Invalid(format!("body: {e}")).into());
    let query = web::QueryConfig::default()
        .error_handler(|e, _| AdminError::Invalid(format!("query: {e}")).into());
    cfg.service(
        web::scope("/admin/v1/testing")
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                require_bearer(token.clone(), throttle.clone(), req, next)
            }))
            .app_data(web::Data::new(ctx))
            .app_data(json)
            .app_data(query)
            .route("/clock", web::get().to(clock::show))
            .route("/clock", web::post().to(clock::change))
            .route("/reset", web::post().to(reset::reset))
            .route("/snapshot", web::get().to(snapshot::take))
            .route("/snapshot", web::put().to(snapshot::load))
            .route("/faults", web::get().to(faults::list))
            .route("/faults", web::post().to(faults::add))
            .route("/faults", web::delete().to(faults::clear))
            .route("/faults/{id}", web::delete().to(faults::remove))
            .route("/requests", web::get().to(requests::list))
            .route("/requests", web::delete().to(requests::clear))
            .default_service(web::to(|| async { AdminError::NotFound.error_response() })),
    );
}
