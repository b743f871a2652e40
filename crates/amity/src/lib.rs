//! The Amity flavor: `POST /api/v3|v4|v5/sessions` with HS256 JWT access tokens checked against
//! the store on every call, single-use refresh tokens with reuse detection, users created on
//! first sight, and secure-mode auth tokens. See `docs/amity.md`.

use flavor_kit::answer::{render_edge, render_status};
use flavor_kit::registry::{no_warnings, same_subject};
use flavor_kit::tenants::documents;
use flavor_kit::FlavorSpec;
use session_core::Flavor;

pub mod auth;
pub mod body;
pub mod dto;
pub mod errors;
pub mod issue;
pub mod jws;
pub mod network;
pub mod openapi;
pub mod requests;
pub mod roles;
pub mod routes;
pub mod session_check;
pub mod settings;
pub mod state;
pub mod times;
pub mod token_memo;
pub mod tokens;
pub mod users;
pub mod verify;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod runtime_networks;
#[cfg(test)]
mod timing;

pub use settings::{NetworkSettings, RoleSettings, Settings};

/// The flavor, as the gateway's registry knows it.
pub const FLAVOR: FlavorSpec<Settings> = FlavorSpec {
    flavor: Flavor::Amity,
    section: "amity",
    prefixes: &["/api/"],
    routes: routes::ROUTES,
    secret_keys: &["server_key", "jwt_secret", "secret", "private_key_pem"],
    tenant_kinds: &[network::TENANT_KIND],
    configured: |s| documents(&network::TENANT_KIND, &s.networks),
    subject: same_subject,
    validate: Settings::validate,
    warnings: no_warnings,
    mount: routes::mount,
    openapi: openapi::fragment,
    render_edge: render_edge::<errors::Answer>,
    render_status: render_status::<errors::Answer>,
};
