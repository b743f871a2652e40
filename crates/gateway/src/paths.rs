//! The paths of the gateway's own resources, named once for the routes, the OpenAPI document
//! and the `GET /` index.

/// Where the OpenAPI document is served.
pub const JSON_PATH: &str = "/openapi.json";
/// Where Swagger UI is served (with a trailing slash; `/docs` redirects here).
pub const DOCS_PATH: &str = "/docs/";
