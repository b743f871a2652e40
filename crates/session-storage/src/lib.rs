//! The session-storage flavor: `POST /session-storage/session` and list / get / delete / extend
//! under `/session-storage/sessions`, authenticated by the `ClientID` and `ClientSecret` headers.
//!
//! Sessions of a client live in one store partition (client and user); ids are
//! `<user>.<8 hex>.<8 hex>`, so a path id maps to its store reference without a lookup. See
//! `docs/session-storage.md` for the wire contract, configuration and errors.

pub mod auth;
pub mod body;
pub mod dto;
pub mod errors;
pub mod ids;
pub mod openapi;
pub mod page_token;
mod routes;
pub mod settings;
pub mod state;
pub mod tokens;

use std::sync::Arc;

use actix_web::web;
use session_core::CoreDeps;

pub use errors::{ApiError, Rejection};
pub use openapi::openapi;
pub use settings::{ClientSettings, Settings};

/// Mounts the flavor's routes under `/session-storage`.
pub fn configure(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    let state = web::Data::new(state::AppState::new(core, settings));
    routes::mount(cfg, state);
}
