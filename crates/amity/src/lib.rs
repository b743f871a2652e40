//! The Amity flavor: `POST /api/v3|v4|v5/sessions` with HS256 JWT access tokens checked against
//! the store on every call, single-use refresh tokens with reuse detection, users created on
//! first sight, and secure-mode auth tokens. See `docs/amity.md`.

use std::sync::Arc;

use actix_web::web;
use session_core::CoreDeps;

pub mod auth;
pub mod dto;
pub mod errors;
pub mod issue;
pub mod network;
pub mod openapi;
pub mod routes;
pub mod settings;
pub mod tokens;
pub mod users;

pub use openapi::openapi;
pub use settings::{NetworkSettings, RoleSettings, Settings};

/// Mounts the flavor's routes for the configured networks (run-time networks are read from the
/// store on use).
pub fn configure(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    let networks = network::Networks::from_settings(&settings, &core.hasher);
    routes::mount(cfg, routes::AmityState { core, networks });
}
