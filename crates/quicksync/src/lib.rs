//! The QuickSync flavor: wallet proofs (EIP-191 `personal_sign` over a server nonce) that earn
//! a wallet bearer (HS256 JWT), and group sessions (create, join, read, kick, disconnect,
//! delete) under `/v1`, answering errors as RFC 7807 ProblemDetails. See docs/quicksync.md.

use flavor_kit::answer::{render_edge, render_status};
use flavor_kit::tenants::documents;
use flavor_kit::FlavorSpec;
use session_core::Flavor;

pub mod api_keys;
pub mod auth;
pub mod body;
pub mod dto;
pub mod eip191;
pub mod errors;
pub mod nonce;
pub mod openapi;
pub mod pseudonym;
pub mod records;
pub mod routes;
pub mod rules;
pub mod settings;
pub mod state;
pub mod tokens;
pub mod wallet_token;

#[cfg(test)]
mod alone;
#[cfg(test)]
mod conformance;

pub use settings::Settings;

/// The flavor, as the gateway's registry knows it.
pub const FLAVOR: FlavorSpec<Settings> = FlavorSpec {
    flavor: Flavor::Quicksync,
    section: "quicksync",
    prefixes: &["/v1/"],
    routes: routes::ROUTES,
    secret_keys: &["key", "hs256_secret", "secret", "private_key_pem"],
    tenant_kinds: &[api_keys::TENANT_KIND],
    configured: |s| documents(&api_keys::TENANT_KIND, &s.api_keys),
    subject: |user| eip191::Address::parse(user).map_or_else(|| user.to_owned(), |a| a.lower()),
    validate: Settings::validate,
    warnings: Settings::warnings,
    mount: routes::mount,
    openapi: openapi::fragment,
    render_edge: render_edge::<errors::Problem>,
    render_status: render_status::<errors::Problem>,
};
