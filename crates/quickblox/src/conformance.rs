//! The flavor against its own document, live: its routes are the documented ones, each under the
//! tag, with its security scheme.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::openapi::QB_TOKEN;
use crate::{Section, FLAVOR};

#[actix_web::test]
async fn every_route_is_documented_under_the_tag() {
    api_testkit::check_flavor(&FLAVOR, Section::default()).await;
    let doc = api_testkit::flavor::document(&FLAVOR);
    assert!(doc["components"]["securitySchemes"][QB_TOKEN].is_object());
}
