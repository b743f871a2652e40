//! `/admin/v1/testing/*`, behind the admin bearer: the route table (one line a route, next to
//! its handler's module; other methods on its paths answer 405 with `Allow`, other paths 404).

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

flavor_kit::routes! {
    body: AdminError;
    prefix: "/admin/v1/testing";
    "/clock" => { get: clock::show, post: clock::change },
    "/reset" => { post: reset::reset },
    "/snapshot" => { get: snapshot::take, put: snapshot::load },
    "/faults" => { get: faults::list, post: faults::add, delete: faults::clear },
    "/faults/{id}" => { delete: faults::remove },
    "/requests" => { get: requests::list, delete: requests::clear },
}

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
            .service(resources(&|r| r))
            .default_service(web::to(|| async { AdminError::NotFound.error_response() })),
    );
}
