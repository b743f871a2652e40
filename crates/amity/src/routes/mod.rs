//! The flavor's routes: the route table (one line a route, next to its handler's module) and
//! [`mount`].

pub mod answers;
pub mod authentication;
pub mod jwks;
pub mod network_settings;
pub mod sessions;

use std::sync::Arc;

use actix_web::web;
use flavor_kit::routes::fallback;
use session_core::CoreDeps;

use crate::errors::{query_config, Answer, RequestError};
use crate::settings::Settings;
use crate::state::State;

flavor_kit::routes! {
    body: Answer;
    prefix: "/api";
    "/v3/sessions" => { post: sessions::register_v3, get: sessions::check },
    "/v4/sessions" => { post: sessions::register_v4, delete: sessions::revoke },
    "/v5/sessions" => { post: sessions::register_v5 },
    "/v4/sessions/refresh" => { post: sessions::refresh },
    "/v4/authentication/token" => { post: authentication::issue_text },
    "/v3/authentication/token" => { get: authentication::issue_json },
    "/v3/network-settings/chat" => { get: network_settings::chat },
    "/.well-known/jwks.json" => { get: jwks::jwks },
}

/// Mounts the flavor's routes under `/api`; any other path there answers 404 in Amity's format.
pub fn mount(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    cfg.service(
        web::scope("/api")
            .app_data(web::Data::new(State::new(core, &settings)))
            .app_data(query_config())
            .service(resources(&|r| r))
            .default_service(fallback(|| RequestError::Route)),
    );
}
