//! The session-gateway binary's library: configuration, telemetry, health, and the
//! [`startup::Application`] that mounts the enabled flavors on one store.

pub mod admin;
pub mod configuration;
pub mod flavors;
pub mod health;
pub mod keys;
pub mod metered_store;
pub mod metrics;
pub mod openapi;
pub mod ring_rules;
pub mod rotate_secrets;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
