//! The session-gateway binary's library: configuration, telemetry, health, and the
//! [`startup::Application`] that mounts the enabled flavors on one store.

pub mod access;
pub mod activity;
pub mod admin;
pub mod config_errors;
pub mod config_layers;
pub mod configuration;
pub mod demo;
pub mod events;
pub mod flavors;
pub mod health;
pub mod index;
pub mod keys;
pub mod limits;
pub mod metered_store;
pub mod metrics;
pub mod openapi;
pub mod paths;
pub mod request_id;
pub mod ring_rules;
pub mod rotate_secrets;
pub mod server_logs;
pub mod session_settings;
pub mod shutdown;
pub mod startup;
pub mod startup_summary;
pub mod store;
pub mod store_watch;
pub mod telemetry;
pub mod testing;
pub mod tls;
