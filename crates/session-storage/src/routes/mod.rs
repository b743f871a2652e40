//! Mounting of the `/session-storage` routes, with fallbacks and extractor errors in this
//! flavor's error format.

pub(crate) mod create;
pub(crate) mod sessions;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::errors::ApiError;
use crate::state::AppState;

/// Registers the scope with its state.
pub fn mount(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.service(
        web::scope("/session-storage")
            .app_data(state)
            .app_data(web::JsonConfig::default().error_handler(json_error))
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .service(
                web::resource("/session")
                    .route(web::post().to(create::create))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/sessions")
                    .route(web::get().to(sessions::list))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/sessions/{id}")
                    .route(web::get().to(sessions::get))
                    .route(web::delete().to(sessions::delete))
                    .route(web::post().to(sessions::extend))
                    .default_service(web::to(method_not_allowed)),
            )
            .default_service(web::to(route_not_found)),
    );
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    ApiError::MethodNotAllowed.at(&req).error_response()
}

async fn route_not_found(req: HttpRequest) -> HttpResponse {
    ApiError::RouteNotFound.at(&req).error_response()
}

/// Maps `web::Json` failures (for handlers that use it) to this flavor's errors.
fn json_error(e: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let api = match e {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType("not JSON".into()),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::invalid("body", e.to_string()),
        JsonPayloadError::Deserialize(e) => ApiError::MalformedJson(e.to_string()),
        _ => ApiError::UnreadableBody,
    };
    api.at(req).into()
}

fn query_error(e: QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    ApiError::invalid("query", e.to_string()).at(req).into()
}

fn path_error(_: PathError, req: &HttpRequest) -> actix_web::Error {
    ApiError::SessionNotFound.at(req).into()
}
