//! The quickblox flavor (not yet implemented).

use std::sync::Arc;

use actix_web::web;
use serde::{Deserialize, Serialize};
use session_core::CoreDeps;

/// The flavor's configuration section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {}

impl Settings {
    /// Checks the section; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Mounts the flavor's routes.
pub fn configure(_cfg: &mut web::ServiceConfig, _core: CoreDeps, _settings: Arc<Settings>) {}
