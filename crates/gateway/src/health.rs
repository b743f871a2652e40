//! `/healthz` (the process is up) and `/readyz` (the store answers within its timeout).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;
use session_core::SharedStore;

/// What the readiness probe checks.
#[derive(Clone)]
pub struct Readiness {
    /// This worker's store.
    pub store: SharedStore,
    /// How long the store may take to answer.
    pub timeout: Duration,
}

/// Mounts the two probes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    match tokio::time::timeout(readiness.timeout, readiness.store.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: store unavailable");
            unavailable("store unavailable")
        }
        Err(_) => {
            tracing::warn!("readiness: store timed out");
            unavailable("store timed out")
        }
    }
}

fn unavailable(reason: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "reason": reason}))
}
