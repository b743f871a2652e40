//! The flavor against its own document, live: its routes are the documented ones, each under the
//! tag, with its security scheme.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::{test, App};
use api_testkit::{routes_match_document, unresolved};
use session_core::{CoreDeps, MemoryStore, SystemClock, TokenHasher};

use crate::openapi::{QB_TOKEN, TAG};
use crate::{Section, FLAVOR};

#[actix_web::test]
async fn every_route_is_documented_under_the_tag() {
    let doc = serde_json::to_value((FLAVOR.openapi)()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(op["tags"], serde_json::json!([TAG]), "{method} {path}");
            assert!(op["operationId"]
                .as_str()
                .unwrap()
                .starts_with("quickblox_"));
        }
    }
    assert!(doc["components"]["securitySchemes"][QB_TOKEN].is_object());
    assert_eq!(unresolved(&doc), Vec::<String>::new());
    let core = CoreDeps {
        store: Arc::new(MemoryStore::new(Arc::new(SystemClock))),
        clock: Arc::new(SystemClock),
        hasher: TokenHasher::new("conformance-secret"),
        max_body_bytes: 65_536,
    };
    let section = Arc::new(Section::default());
    let app =
        test::init_service(App::new().configure(|cfg| (FLAVOR.mount)(cfg, core, section))).await;
    routes_match_document(&app, &doc, crate::routes::ROUTES).await;
}
