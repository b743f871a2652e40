//! What every HTTP flavor needs and session-core must not know (it is actix-free by design):
//!
//! - [`answer`]: one way to answer an error in the flavor's own format. A flavor implements
//!   [`ErrorBody`] once for its vendor body and [`FlavorError`] for each of its error enums;
//!   routes return [`Reply`], and `?` turns any flavor error into a [`Rejection`].
//! - [`fault`]: the one store-error policy (logged once; 503 when the store is away, 500 else).
//! - [`body`]: bounded body reading (size limit, and the hook for a body timeout).
//! - [`headers`]: header and bearer helpers.
//! - [`client`]: the client's address (`X-Forwarded-For` only from trusted proxies).
//! - [`throttle`]: brute-force throttling of credential checks (429 with `Retry-After`).
//! - [`routes`]: the route table of a flavor ([`routes!`]): its resources with a 405 and `Allow`,
//!   its OpenAPI operations, the `instance` (request path) of its error answers, its fallback.
//! - [`passwords`]: Argon2id with one parameter set, on the blocking pool.
//! - [`openapi`]: security schemes and the `instance` markers of documented error examples.
//! - [`tenants`]: run-time tenants (kinds, documents) and which keys are secrets;
//!   [`tenant_ids`]: their document ids under the token key ring.
//! - [`signing_keys`]: JWT keys with key ids (HS256, ES256, EdDSA, public keys) and JWKS.
//! - [`registry`]: [`FlavorSpec`], the one value a flavor exposes to the gateway.
//! - [`client`] and [`metadata`]: the client's address, and what a session records of its client
//!   (address, user agent, last use) under the gateway's policy.

pub mod answer;
pub mod body;
pub mod client;
pub mod fault;
pub mod headers;
pub mod metadata;
pub mod openapi;
pub mod passwords;
pub mod registry;
pub mod routes;
pub mod signing_keys;
pub mod tenant_ids;
pub mod tenants;
pub mod throttle;
pub mod whole;

#[cfg(test)]
mod testing;

pub use answer::{EdgeError, ErrorBody, FlavorError, Rejection, Reply};
pub use body::{BodyError, BodyLimits};
pub use fault::Fault;
pub use registry::FlavorSpec;
pub use tenants::TenantKind;
pub use throttle::{Pass, Refusal, Subject, Throttle, ThrottleSettings};

#[doc(hidden)]
pub mod __private {
    pub use actix_web;
    pub use utoipa;
}
