//! The session-storage flavor: `POST /session-storage/session` and list / get / delete / extend
//! under `/session-storage/sessions`, authenticated by the `ClientID` and `ClientSecret` headers.
//!
//! Sessions of a client live in one store partition (client and user); ids are
//! `<user>.<8 hex>.<8 hex>`, so a path id maps to its store reference without a lookup. See
//! `docs/session-storage.md` for the wire contract, configuration and errors.

use flavor_kit::answer::{render_edge, render_status};
use flavor_kit::registry::no_warnings;
use flavor_kit::tenants::documents;
use flavor_kit::FlavorSpec;
use session_core::Flavor;

pub mod auth;
pub mod body;
pub mod clients;
pub mod dto;
pub mod errors;
pub mod ids;
pub mod openapi;
pub mod page_token;
pub mod requests;
pub mod routes;
pub mod settings;
pub mod state;
pub mod tokens;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod runtime_clients;

pub use errors::ApiError;
pub use settings::{ClientSettings, Settings};

/// The flavor, as the gateway's registry knows it.
pub const FLAVOR: FlavorSpec<Settings> = FlavorSpec {
    flavor: Flavor::SessionStorage,
    section: "session_storage",
    prefixes: &["/session-storage/"],
    routes: routes::ROUTES,
    secret_keys: &["client_secret"],
    tenant_kinds: &[clients::TENANT_KIND],
    configured: |s| documents(&clients::TENANT_KIND, &s.clients),
    subject: ids::user_of,
    validate: Settings::validate,
    warnings: no_warnings,
    mount: routes::mount,
    openapi: openapi::fragment,
    render_edge: render_edge::<ApiError>,
    render_status: render_status::<ApiError>,
};
