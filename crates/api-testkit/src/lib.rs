//! Test support shared by the flavor crates (a dev-dependency only): checks that real answers
//! fit the OpenAPI document a crate generates, with no JSON-Schema engine, just the subset
//! utoipa emits (`$ref`, `oneOf`, `allOf`, `properties`/`required`, types, enums, lengths,
//! `maximum`, `items`, `additionalProperties`) — and, against a live app, that its routes are
//! the documented ones and its answers the documented responses ([`live`]); and that a
//! configuration's bounds hold on both sides ([`bounds`]).

pub mod bounds;
pub mod flavor;
pub mod live;
pub mod schema;

pub use bounds::check_bounds;
pub use flavor::{check_flavor, memory_core, mount};
pub use live::{answer_conforms, routes_match_document, TestService};
pub use schema::{conforms, documented_examples, members, refs, unresolved};
