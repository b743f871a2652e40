//! The flavor against its own document, live: its routes are the documented ones, each under the
//! tag and with both credential headers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::openapi::{CLIENT_ID, CLIENT_SECRET};
use crate::{Settings, FLAVOR};

#[actix_web::test]
async fn every_route_is_documented_under_the_tag_with_both_headers() {
    api_testkit::check_flavor(&FLAVOR, Settings::default()).await;
    let doc = api_testkit::flavor::document(&FLAVOR);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let both = json!([{CLIENT_ID: [], CLIENT_SECRET: []}]);
            assert_eq!(op["security"], both, "{method} {path}");
        }
    }
}
