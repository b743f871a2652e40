//! `GET /`: a small JSON index of the gateway (service, version, the flavors it serves with their
//! route prefixes, and links to its documentation and probes), in every environment.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use session_core::Flavor;
use utoipa::ToSchema;

use crate::flavors;

/// The body of `GET /`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = GatewayIndex)]
pub struct Index {
    /// Always `session-gateway`.
    #[schema(example = "session-gateway")]
    pub service: &'static str,
    /// The gateway's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// The flavors this process serves, in `[flavors] enabled` order.
    pub flavors: Vec<IndexFlavor>,
    /// Where the gateway's own resources are.
    pub links: Links,
}

/// A flavor served.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = GatewayIndexFlavor)]
pub struct IndexFlavor {
    /// Its name (`quickblox`).
    #[schema(example = "quickblox")]
    pub name: &'static str,
    /// The path prefixes of its routes.
    #[schema(example = json!(["/session.json", "/login.json"]))]
    pub prefixes: &'static [&'static str],
}

/// The gateway's own resources.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = GatewayIndexLinks)]
pub struct Links {
    /// Swagger UI.
    #[schema(example = "/docs/")]
    pub docs: &'static str,
    /// The OpenAPI document.
    #[schema(example = "/openapi.json")]
    pub openapi: &'static str,
    /// Liveness.
    #[schema(example = "/healthz")]
    pub healthz: &'static str,
    /// Readiness.
    #[schema(example = "/readyz")]
    pub readyz: &'static str,
    /// Prometheus metrics.
    #[schema(example = "/metrics")]
    pub metrics: &'static str,
}

impl Index {
    /// The index of a gateway serving `enabled`.
    pub fn new(enabled: &[Flavor]) -> Self {
        Self {
            service: "session-gateway",
            version: env!("CARGO_PKG_VERSION"),
            flavors: enabled
                .iter()
                .filter_map(|f| flavors::get(*f))
                .map(|r| IndexFlavor {
                    name: r.flavor().as_str(),
                    prefixes: r.prefixes(),
                })
                .collect(),
            links: Links {
                docs: crate::paths::DOCS_PATH,
                openapi: crate::paths::JSON_PATH,
                healthz: "/healthz",
                readyz: "/readyz",
                metrics: "/metrics",
            },
        }
    }
}

/// Mounts `GET /` for a gateway serving `enabled`.
pub fn configure(cfg: &mut web::ServiceConfig, enabled: &[Flavor]) {
    let body = web::Bytes::from(serde_json::to_vec(&Index::new(enabled)).unwrap_or_default());
    cfg.service(
        web::resource("/")
            .app_data(web::Data::new(IndexBody(body)))
            .route(web::get().to(index)),
    );
}

/// The serialized index, built once per worker.
pub(crate) struct IndexBody(web::Bytes);

/// What this gateway is and where its documentation and probes are.
#[utoipa::path(
    get,
    path = "/",
    tag = "gateway",
    operation_id = "gateway_index",
    responses(
        (status = 200, description = "The service, its version, the flavors it serves and links.",
            body = Index),
    ),
)]
pub(crate) async fn index(body: web::Data<IndexBody>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_lists_the_flavors_served_and_the_links() {
        let v = serde_json::to_value(Index::new(&[Flavor::Amity, Flavor::Quickblox])).unwrap();
        assert_eq!(v["service"], "session-gateway");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["flavors"][0]["name"], "amity");
        assert_eq!(v["flavors"][1]["prefixes"][1], "/login.json");
        assert_eq!(v["flavors"].as_array().unwrap().len(), 2);
        assert_eq!(v["links"]["docs"], "/docs/");
        assert_eq!(v["links"]["openapi"], "/openapi.json");
    }
}
