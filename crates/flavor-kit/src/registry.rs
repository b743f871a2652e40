//! [`FlavorSpec`]: the one value a flavor exposes (`pub const FLAVOR`), which the gateway's
//! registry iterates over to load, check, mount and document the flavors.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use session_core::{CoreDeps, Flavor};

use crate::answer::EdgeError;
use crate::tenants::{Document, TenantKind};

/// Everything the gateway needs to know of a flavor whose configuration section is `S`.
pub struct FlavorSpec<S: 'static> {
    /// The flavor (its name is `flavor.as_str()`).
    pub flavor: Flavor,
    /// Its configuration section (`[section]`; also `GATEWAY__<SECTION>__...`).
    pub section: &'static str,
    /// The path prefixes of its routes (for metrics and for answering on its behalf).
    pub prefixes: &'static [&'static str],
    /// Its route table: every route's full path and methods (the `ROUTES` of its
    /// [`routes!`](crate::routes!)).
    pub routes: &'static [(&'static str, &'static [&'static str])],
    /// The keys of its section (and of its run-time documents) that hold secrets.
    pub secret_keys: &'static [&'static str],
    /// Its tenants and credentials managed at run time.
    pub tenant_kinds: &'static [TenantKind],
    /// Its configured tenants and credentials, each a document of one of its kinds (by name).
    pub configured: fn(&S) -> Vec<(&'static str, Document)>,
    /// The subject its sessions carry for a user id as an app knows it (a wallet address in
    /// any case, ...).
    pub subject: fn(&str) -> String,
    /// Checks the section; the message names the offending key.
    pub validate: fn(&S) -> Result<(), String>,
    /// Acceptable but unwise values, logged once at start-up when the flavor is served.
    pub warnings: fn(&S) -> Vec<String>,
    /// Mounts its routes on one worker's app (the section is shared by every worker).
    pub mount: fn(&mut web::ServiceConfig, CoreDeps, Arc<S>),
    /// Its OpenAPI fragment.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// Its answer to an edge error, for a request at the given path.
    pub render_edge: fn(EdgeError, &str) -> HttpResponse,
    /// Its answer for a status alone, for a request at the given path (testing mode's injected
    /// faults; [`crate::answer::render_status`]).
    pub render_status: fn(StatusCode, &str) -> Option<HttpResponse>,
}

impl<S> FlavorSpec<S> {
    /// The flavor's name.
    pub fn name(&self) -> &'static str {
        self.flavor.as_str()
    }

    /// Whether `route` (a path or a route pattern) is one of the flavor's.
    pub fn owns(&self, route: &str) -> bool {
        self.prefixes.iter().any(|p| route.starts_with(p))
    }
}

/// A [`FlavorSpec::subject`] for a flavor that stores user ids as apps send them.
pub fn same_subject(user_id: &str) -> String {
    user_id.to_owned()
}

/// A [`FlavorSpec::warnings`] for a flavor that has none.
pub fn no_warnings<S>(_: &S) -> Vec<String> {
    Vec::new()
}
