//! The QuickBlox flavor: `POST/GET/DELETE /session.json` with signed application credentials and
//! `POST/DELETE /login.json`, wire-compatible with the QuickBlox REST API and its SDKs
//! (see docs/quickblox.md).

pub mod body;
pub mod directory;
pub mod dto;
pub mod errors;
pub mod openapi;
pub mod params;
pub mod passwords;
pub mod requests;
pub mod routes;
pub mod settings;
pub mod signature;
pub mod tokens;
pub mod users;

use std::sync::Arc;

use actix_web::web;
use chrono::Duration;
use session_core::CoreDeps;

pub use openapi::openapi;
pub use settings::{ApplicationEntry, Settings, UserEntry};

use crate::directory::Tenants;
use crate::routes::State;

/// Mounts the flavor's routes.
pub fn configure(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    let tenants = Tenants::new(settings.directory(), core.store.clone());
    let state = State {
        tenants,
        window_seconds: i64::try_from(settings.timestamp_window_seconds).unwrap_or(i64::MAX / 4),
        ttl: Duration::seconds(i64::try_from(settings.session_ttl_seconds).unwrap_or(7200)),
        core,
    };
    routes::mount(cfg, web::Data::new(state));
}
