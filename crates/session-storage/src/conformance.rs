//! The flavor against its own document, live: its routes are the documented ones, each under the
//! tag and with both credential headers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use actix_web::{test, App};
use api_testkit::{routes_match_document, unresolved};
use serde_json::json;
use session_core::{CoreDeps, MemoryStore, SystemClock, TokenHasher};

use crate::openapi::{CLIENT_ID, CLIENT_SECRET, TAG};
use crate::{Settings, FLAVOR};

#[actix_web::test]
async fn every_route_is_documented_under_the_tag_with_both_headers() {
    let doc = serde_json::to_value((FLAVOR.openapi)()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(op["tags"], json!([TAG]), "{method} {path}");
            assert_eq!(
                op["security"],
                json!([{CLIENT_ID: [], CLIENT_SECRET: []}]),
                "{method} {path}"
            );
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert!(schemes[CLIENT_ID].is_object() && schemes[CLIENT_SECRET].is_object());
    assert_eq!(unresolved(&doc), Vec::<String>::new());
    let core = CoreDeps {
        store: Arc::new(MemoryStore::new(Arc::new(SystemClock))),
        clock: Arc::new(SystemClock),
        hasher: TokenHasher::new("conformance-secret"),
        max_body_bytes: 65_536,
    };
    let settings = Arc::new(Settings::default());
    let app =
        test::init_service(App::new().configure(|cfg| (FLAVOR.mount)(cfg, core, settings))).await;
    routes_match_document(&app, &doc, crate::routes::ROUTES).await;
}
