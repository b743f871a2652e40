//! The flavor's routes under `/v1`: the route table (one line a route, next to its handler's
//! module) and [`mount`].

pub mod answers;
pub mod session;
pub mod wallet_proof;

use std::sync::Arc;

use actix_web::web;
use flavor_kit::routes::fallback;
use session_core::CoreDeps;

use crate::errors::{Problem, RequestError};
use crate::settings::Settings;
use crate::state::State;

flavor_kit::routes! {
    body: Problem;
    prefix: "/v1";
    "/wallet-proof/nonce" => { get: wallet_proof::nonce },
    "/wallet-proof/verify" => { post: wallet_proof::verify },
    "/session" => { post: session::create },
    "/session/join" => { post: session::join },
    "/session/current" => { get: session::current, delete: session::delete },
    "/session/current/kick" => { post: session::kick },
    "/session/disconnect" => { post: session::disconnect },
}

/// Mounts the flavor's routes under `/v1`; other paths there answer 404 in ProblemDetails.
pub fn mount(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    cfg.service(
        web::scope("/v1")
            .app_data(web::Data::new(State::new(core, settings)))
            .service(resources(&|r| r))
            .default_service(fallback(|| RequestError::RouteNotFound)),
    );
}
