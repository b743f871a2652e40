//! A flavor on its own: mounted on a memory store as a test service, and checked against its own
//! document.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::{test, App};
use flavor_kit::FlavorSpec;
use serde_json::{json, Value};
use session_core::{CoreDeps, MemoryStore, SystemClock, TokenHasher};

use crate::live::{routes_match_document, TestService};
use crate::schema::unresolved;

/// The largest body the mounted flavors accept.
pub const MAX_BODY_BYTES: usize = 65_536;

/// Core services on a fresh memory store and the system clock.
pub fn memory_core() -> CoreDeps {
    CoreDeps {
        store: Arc::new(MemoryStore::new(Arc::new(SystemClock))),
        clock: Arc::new(SystemClock),
        hasher: TokenHasher::new("api-testkit-token-secret"),
        max_body_bytes: MAX_BODY_BYTES,
        metadata: session_core::MetadataPolicy::default(),
        body_timeout: std::time::Duration::from_secs(10),
    }
}

/// The flavor of `spec` alone, with `settings`, on `core`.
pub async fn mount<S: 'static>(
    spec: &FlavorSpec<S>,
    core: CoreDeps,
    settings: S,
) -> impl TestService {
    let (mount, settings) = (spec.mount, Arc::new(settings));
    test::init_service(App::new().configure(move |cfg| mount(cfg, core, settings))).await
}

/// The flavor's document, as JSON.
pub fn document<S>(spec: &FlavorSpec<S>) -> Value {
    serde_json::to_value((spec.openapi)()).unwrap_or_else(|e| panic!("{e}"))
}

/// The names of the security schemes a document declares.
pub fn schemes(doc: &Value) -> BTreeSet<String> {
    doc["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| name.clone())
        .collect()
}

/// Whether each operation (`method path`) of a document requires a credential.
pub fn secured(doc: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            out.push((format!("{method} {path}"), secured));
        }
    }
    out
}

/// What every flavor's document and app hold to: every operation under the flavor's tag, with
/// an operation id of the flavor (`<section>_...`, each once) and a 200 or 201 or 202 or 204 answer; every
/// reference and security requirement resolves, every declared scheme is used; and the live app, mounted with `settings`,
/// serves exactly the routes of its table, which are the documented ones.
pub async fn check_flavor<S: 'static>(spec: &FlavorSpec<S>, settings: S) {
    let doc = document(spec);
    let prefix = format!("{}_", spec.section);
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            assert_eq!(op["tags"], json!([spec.name()]), "{method} {path}");
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(id.starts_with(&prefix), "{method} {path}: operationId {id}");
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            let ok = ["200", "201", "202", "204"]
                .iter()
                .any(|s| op["responses"][s].is_object());
            assert!(ok, "{method} {path}: no success documented");
        }
    }
    assert_eq!(unresolved(&doc), Vec::<String>::new());
    let used: BTreeSet<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .flat_map(|(_, op)| op["security"].as_array().into_iter().flatten())
        .flat_map(|requirement| requirement.as_object().into_iter().flatten())
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(
        schemes(&doc),
        used,
        "declared schemes that no operation uses"
    );
    let app = mount(spec, memory_core(), settings).await;
    routes_match_document(&app, &doc, spec.routes).await;
}
