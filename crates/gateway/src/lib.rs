//! The session-gateway binary's library: configuration, telemetry, health, and the
//! [`startup::Application`] that mounts the enabled flavors on one store.

pub mod configuration;
pub mod health;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
