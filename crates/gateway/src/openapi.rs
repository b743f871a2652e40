//! The OpenAPI 3.1 document of a running gateway: the gateway's own paths (`/`, `/healthz`, `/readyz`,
//! `/metrics`, `/openapi.json`) and the fragment of every enabled flavor that has one, generated
//! from the code with `utoipa`. [`configure`] serves it at `/openapi.json` and Swagger UI (embedded
//! in the binary, nothing fetched at run time) at `/docs/`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use session_core::Flavor;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{ContentBuilder, ObjectBuilder, OpenApi, Type};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::flavors;

/// The tag of the gateway's own operations.
pub const TAG: &str = "gateway";
pub use crate::paths::{DOCS_PATH, JSON_PATH};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(crate::index::index, crate::health::healthz, crate::health::readyz),
    tags((name = "gateway", description = "The gateway itself: probes, metrics and this document.")),
)]
struct GatewayDoc;

/// The gateway's own paths and tag, without any flavor.
fn gateway_doc() -> OpenApi {
    let mut doc = <GatewayDoc as utoipa::OpenApi>::openapi();
    doc.info.title = "session-gateway".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Self-hosted, wire-compatible session APIs. Each flavor is one tag; only the flavors \
         this process serves (`[flavors] enabled`) are listed."
            .into(),
    );
    doc.paths.add_path_operation(
        "/metrics",
        vec![HttpMethod::Get],
        OperationBuilder::new()
            .tag(TAG)
            .operation_id(Some("gateway_metrics"))
            .summary(Some("Prometheus metrics"))
            .description(Some(
                "Requests by flavor, route and status with latency histograms, sessions created \
                 and revoked by flavor, store latency and errors by operation.",
            ))
            .response(
                "200",
                text_response("The metrics, in the Prometheus text format."),
            )
            .build(),
    );
    doc.paths.add_path_operation(
        JSON_PATH,
        vec![HttpMethod::Get],
        OperationBuilder::new()
            .tag(TAG)
            .operation_id(Some("gateway_openapi"))
            .summary(Some("This OpenAPI 3.1 document"))
            .description(Some("Swagger UI renders it at `/docs/`."))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("The document (only the enabled flavors).")
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                            .build(),
                    )
                    .build(),
            )
            .build(),
    );
    // The bodies webhooks receive and the pull API lists (docs/events.md).
    doc.merge(<crate::events::payload::EventSchemas as utoipa::OpenApi>::openapi());
    doc
}

fn text_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "text/plain; version=0.0.4",
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        )
        .build()
}

/// The document for the flavors in `enabled`: the gateway's paths, then each enabled flavor's
/// fragment in the order given.
pub fn document(enabled: &[Flavor]) -> OpenApi {
    let mut doc = gateway_doc();
    for flavor in enabled.iter().filter_map(|f| flavors::get(*f)) {
        doc.merge(flavor.openapi());
    }
    doc
}

/// The document a process with `settings` serves: its enabled flavors, the admin API while it is
/// mounted (`admin.token` set) and testing mode's routes while it is on.
pub fn served(settings: &crate::configuration::Settings) -> OpenApi {
    let mut doc = document(&settings.flavors.enabled);
    if settings.admin.token.is_some() {
        doc.merge(crate::admin::document());
    }
    if settings.testing.enabled {
        crate::testing::openapi::extend(&mut doc, settings.testing.journal_size);
    }
    doc
}

/// Mounts `GET /openapi.json` (the serialized `document`), `GET /docs` (a redirect to `/docs/`)
/// and Swagger UI under `/docs/`, reading the document from `/openapi.json`.
pub fn configure(cfg: &mut web::ServiceConfig, document: web::Bytes) {
    cfg.service(crate::health::get_only(JSON_PATH, serve_json))
        .app_data(web::Data::new(document))
        .route("/docs", web::get().to(redirect_to_docs))
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(
                Config::new([JSON_PATH])
                    .validator_url("none")
                    .display_operation_id(true)
                    .try_it_out_enabled(false),
            ),
        );
}

async fn serve_json(document: web::Data<web::Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.get_ref().clone())
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, DOCS_PATH))
        .finish()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;

    use super::*;
    use session_core::events::EventType;

    fn json(doc: &OpenApi) -> Value {
        serde_json::to_value(doc).unwrap()
    }

    /// `(method, path, operationId)` of every operation.
    fn operations(doc: &Value) -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op.get("operationId") {
                    out.push((method.clone(), path.clone(), id.as_str().map(str::to_owned)));
                } else if op.is_object() && op.get("responses").is_some() {
                    out.push((method.clone(), path.clone(), None));
                }
            }
        }
        out
    }

    #[test]
    fn operation_ids_are_present_and_unique() {
        let doc = json(&document(&Flavor::ALL));
        let ops = operations(&doc);
        assert!(ops.len() >= 13, "{ops:?}");
        let mut seen = BTreeMap::new();
        for (method, path, id) in ops {
            let id = id.unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {other} and {method} {path}");
            }
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_of_session_gateway() {
        let doc = json(&document(&Flavor::ALL));
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert_eq!(doc["info"]["title"], "session-gateway");
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        for path in ["/", "/healthz", "/readyz", "/metrics", "/openapi.json"] {
            assert!(doc["paths"][path]["get"].is_object(), "{path}");
        }
    }

    #[test]
    fn every_event_type_has_its_schema_in_the_components() {
        let doc = json(&document(&[]));
        let schemas = &doc["components"]["schemas"];
        for name in EventType::ALL.map(crate::events::payload::schema_name) {
            let schema = &schemas[name];
            assert!(schema.is_object(), "{name} is missing");
            for field in property_names(schema) {
                assert!(
                    !["token", "secret", "hash"]
                        .iter()
                        .any(|w| field.contains(w)),
                    "{name} has the field {field}"
                );
            }
        }
        let revoked = schemas["SessionRevoked"].to_string();
        for reason in session_core::events::RevokeReason::ALL {
            assert!(revoked.contains(reason.as_str()), "{reason:?}: {revoked}");
        }
    }

    /// The names of every property of `schema`, at any depth (`allOf` parts included).
    fn property_names(schema: &Value) -> Vec<String> {
        let mut out = Vec::new();
        match schema {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    out.extend(props.keys().cloned());
                }
                map.values().for_each(|v| out.extend(property_names(v)));
            }
            Value::Array(items) => items.iter().for_each(|v| out.extend(property_names(v))),
            _ => {}
        }
        out
    }

    #[test]
    fn fragments_do_not_collide_so_merging_loses_nothing() {
        // `OpenApi::merge` keeps the first of two schemas, security schemes or operations of
        // the same name: a collision would silently document one flavor with another's shapes.
        let mut schemas = BTreeMap::new();
        let mut schemes = BTreeMap::new();
        let mut ops = BTreeMap::new();
        let mut tags = BTreeSet::new();
        let parts = std::iter::once(("gateway".to_owned(), gateway_doc()))
            .chain(flavors::all().map(|f| (f.flavor().as_str().to_owned(), f.openapi())))
            .chain(std::iter::once((
                crate::admin::openapi::TAG.to_owned(),
                crate::admin::document(),
            )));
        for (owner, doc) in parts {
            let v = json(&doc);
            for name in v["components"]["schemas"].as_object().into_iter().flatten() {
                if let Some(other) = schemas.insert(name.0.clone(), owner.clone()) {
                    panic!("schema {} is defined by {other} and {owner}", name.0);
                }
            }
            for name in v["components"]["securitySchemes"]
                .as_object()
                .into_iter()
                .flatten()
            {
                if let Some(other) = schemes.insert(name.0.clone(), owner.clone()) {
                    panic!(
                        "security scheme {} is defined by {other} and {owner}",
                        name.0
                    );
                }
            }
            for (method, path, _) in operations(&v) {
                if let Some(other) = ops.insert(format!("{method} {path}"), owner.clone()) {
                    panic!("{method} {path} is documented by {other} and {owner}");
                }
            }
            for t in v["tags"].as_array().into_iter().flatten() {
                tags.insert(t["name"].as_str().unwrap().to_owned());
            }
            assert!(tags.contains(&owner), "{owner} has no tag named after it");
        }
        let mut all = document(&Flavor::ALL);
        all.merge(crate::admin::document());
        let all = json(&all);
        assert_eq!(
            all["components"]["schemas"]
                .as_object()
                .map_or(0, |m| m.len()),
            schemas.len()
        );
        assert_eq!(operations(&all).len(), ops.len());
    }

    #[test]
    fn every_reference_and_security_requirement_resolves() {
        let doc = json(&document(&Flavor::ALL));
        assert!(!api_testkit::refs(&doc).is_empty());
        assert_eq!(api_testkit::unresolved(&doc), Vec::<String>::new());
    }

    #[test]
    fn the_admin_api_is_documented_while_it_is_mounted() {
        use crate::configuration::{Settings, Sources};
        let mut settings = Settings::load_from(Sources {
            environment: Some("test".into()),
            ..Default::default()
        })
        .unwrap();
        settings.admin.token = None;
        let off = json(&served(&settings));
        assert!(!off["paths"]
            .as_object()
            .unwrap()
            .keys()
            .any(|p| p.starts_with("/admin/")));
        settings.admin.token = Some("admin-token-0123456789".into());
        let on = json(&served(&settings));
        assert_eq!(api_testkit::unresolved(&on), Vec::<String>::new());
        let documented: BTreeSet<(String, String)> = operations(&on)
            .into_iter()
            .filter(|(_, p, _)| p.starts_with("/admin/"))
            .map(|(m, p, _)| (m.to_uppercase(), p))
            .collect();
        let table: BTreeSet<(String, String)> = crate::admin::ROUTES
            .iter()
            .flat_map(|(p, ms)| ms.iter().map(|m| ((*m).to_owned(), (*p).to_owned())))
            .collect();
        assert_eq!(documented, table);
        assert!(on["paths"]["/admin/v1/testing/clock"].is_null());
    }

    #[test]
    fn only_enabled_flavors_are_documented() {
        let doc = json(&document(&[Flavor::Quickblox]));
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/session.json"));
        assert!(paths.contains_key("/healthz"));
        assert!(!paths.keys().any(|p| p.starts_with("/session-storage")));
        let tags: Vec<&str> = doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(tags, ["gateway", "quickblox"]);
        assert!(doc["components"]["securitySchemes"]["ClientID"].is_null());
    }

    #[test]
    fn the_testing_fragment_resolves_and_collides_with_nothing() {
        let mut doc = document(&Flavor::ALL);
        let before = serde_json::to_value(&doc).unwrap();
        crate::testing::openapi::extend(&mut doc, 20);
        let after = serde_json::to_value(&doc).unwrap();
        assert_eq!(api_testkit::unresolved(&after), Vec::<String>::new());
        let paths = after["paths"].as_object().unwrap();
        for p in [
            "/admin/v1/testing/clock",
            "/admin/v1/testing/reset",
            "/admin/v1/testing/snapshot",
            "/admin/v1/testing/faults",
            "/admin/v1/testing/faults/{id}",
            "/admin/v1/testing/requests",
        ] {
            assert!(paths.contains_key(p), "{p}");
        }
        let fragment = serde_json::to_value(crate::testing::openapi::document()).unwrap();
        for name in fragment["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert!(
                before["components"]["schemas"].get(name).is_none(),
                "{name} is also a flavor's schema"
            );
        }
        assert_eq!(
            after["components"]["securitySchemes"]["AdminBearer"]["scheme"],
            "bearer"
        );
    }
}
