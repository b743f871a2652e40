//! The QuickBlox flavor: `POST/GET/DELETE /session.json` with signed application credentials and
//! `POST/DELETE /login.json`, wire-compatible with the QuickBlox REST API and its SDKs
//! (see docs/quickblox.md).

use flavor_kit::answer::{render_edge, render_status};
use flavor_kit::registry::{no_warnings, same_subject};
use flavor_kit::tenants::documents;
use flavor_kit::FlavorSpec;
use session_core::Flavor;

pub mod auth;
pub mod body;
pub mod directory;
pub mod dto;
pub mod errors;
pub mod openapi;
pub mod params;
pub mod rekey;
pub mod requests;
pub mod routes;
pub mod settings;
pub mod signature;
pub mod state;
pub mod tokens;
pub mod users;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod logs;

pub use settings::{ApplicationEntry, Settings, UserEntry};
pub use state::Section;

/// The flavor, as the gateway's registry knows it.
pub const FLAVOR: FlavorSpec<Section> = FlavorSpec {
    flavor: Flavor::Quickblox,
    section: "quickblox",
    prefixes: &["/session.json", "/login.json"],
    routes: routes::ROUTES,
    secret_keys: &["auth_secret", "password", "password_hash"],
    tenant_kinds: &[directory::APPLICATIONS, directory::USERS],
    configured: |section| {
        let s = section.settings();
        let mut docs = documents(&directory::APPLICATIONS, &s.applications);
        docs.extend(documents(&directory::USERS, &s.users));
        docs
    },
    subject: same_subject,
    validate: |section| section.settings().validate(),
    warnings: no_warnings,
    mount: routes::mount,
    openapi: openapi::fragment,
    render_edge: render_edge::<errors::Answer>,
    render_status: render_status::<errors::Answer>,
};
