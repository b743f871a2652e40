//! The flavor's routes under `/session-storage`: the route table (one line a route, next to its
//! handler's module) and [`mount`], with extractor errors in this flavor's format.

pub mod answers;
pub mod create;
pub mod sessions;

use std::sync::Arc;

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{web, HttpRequest};
use flavor_kit::routes::fallback;
use flavor_kit::Rejection;
use session_core::CoreDeps;

use crate::errors::ApiError;
use crate::settings::Settings;
use crate::state::State;

flavor_kit::routes! {
    body: ApiError;
    prefix: "/session-storage";
    "/session" => { post: create::create },
    "/sessions" => { get: sessions::list },
    "/sessions/{id}" => { get: sessions::get, delete: sessions::delete, post: sessions::extend },
}

/// Mounts the flavor's routes under `/session-storage`; other paths there answer 404 in this
/// flavor's format.
pub fn mount(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    cfg.service(
        web::scope("/session-storage")
            .app_data(web::Data::new(State::new(core, settings)))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .service(resources(&|r| r))
            .default_service(fallback(|| ApiError::RouteNotFound)),
    );
}

fn query_error(e: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    Rejection::from(ApiError::invalid("query", e.to_string())).into()
}

fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    Rejection::from(ApiError::SessionNotFound).into()
}
