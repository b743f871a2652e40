//! The flavor's HTTP routes and the state they share.

use actix_web::web;
use session_core::CoreDeps;

use crate::errors::{json_config, method_not_allowed, query_config};
use crate::network::Networks;

pub(crate) mod authentication;
pub(crate) mod network_settings;
pub(crate) mod sessions;

pub use authentication::AuthTokenError;
pub use sessions::SessionError;

/// What every handler runs on.
pub struct AmityState {
    /// Store, clock, hasher, limits.
    pub core: CoreDeps,
    /// The networks served.
    pub networks: Networks,
}

/// Mounts every route, each with this flavor's body and query error handling.
pub fn mount(cfg: &mut web::ServiceConfig, state: AmityState) {
    let limit = state.core.max_body_bytes;
    let state = web::Data::new(state);
    let resource = |path: &str, allow: &'static str| {
        web::resource(path)
            .app_data(state.clone())
            .app_data(json_config(limit))
            .app_data(query_config())
            .default_service(web::to(move || async move { method_not_allowed(allow) }))
    };
    cfg.service(
        resource("/api/v3/sessions", "POST, GET")
            .route(web::post().to(sessions::register_v3))
            .route(web::get().to(sessions::check)),
    )
    .service(
        resource("/api/v4/sessions", "POST, DELETE")
            .route(web::post().to(sessions::register_v4))
            .route(web::delete().to(sessions::revoke)),
    )
    .service(resource("/api/v5/sessions", "POST").route(web::post().to(sessions::register_v5)))
    .service(resource("/api/v4/sessions/refresh", "POST").route(web::post().to(sessions::refresh)))
    .service(
        resource("/api/v4/authentication/token", "POST")
            .route(web::post().to(authentication::issue_text)),
    )
    .service(
        resource("/api/v3/authentication/token", "GET")
            .route(web::get().to(authentication::issue_json)),
    )
    .service(
        resource("/api/v3/network-settings/chat", "GET")
            .route(web::get().to(network_settings::chat)),
    )
    // Registered last: any other path under /api answers in Amity's format.
    .service(web::scope("/api").default_service(web::to(|| async {
        actix_web::ResponseError::error_response(&crate::errors::RequestError::Route)
    })));
}
