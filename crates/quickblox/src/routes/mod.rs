//! The flavor's resources, `/session.json` and `/login.json`: the route table (one line a route,
//! next to its handler's module) and [`mount`].

pub mod answers;
pub mod login;
pub mod session;

use std::sync::Arc;

use actix_web::web;
use session_core::CoreDeps;

use crate::errors::Answer;
use crate::state::{Section, State};

flavor_kit::routes! {
    body: Answer;
    prefix: "";
    "/session.json" => { get: session::show, post: session::create, delete: session::destroy },
    "/login.json" => { post: login::login, delete: login::logout },
}

/// Mounts both resources.
pub fn mount(cfg: &mut web::ServiceConfig, core: CoreDeps, section: Arc<Section>) {
    let state = web::Data::new(State::new(core, &section));
    cfg.service(resources(&|r| r.app_data(state.clone())));
}
