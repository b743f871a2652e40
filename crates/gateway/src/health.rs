//! `/healthz` (the process is up) and `/readyz` (the store answers within its timeout).

use std::time::Duration;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use flavor_kit::routes::marked;
use serde::Serialize;
use serde_json::json;
use session_core::SharedStore;
use utoipa::ToSchema;

/// The body of `/healthz` and `/readyz`.
#[derive(Serialize, ToSchema)]
#[schema(as = GatewayStatus)]
pub struct Status {
    /// `ok` (`/healthz`), `ready` or `unavailable` (`/readyz`).
    #[schema(example = "ok")]
    pub status: String,
    /// Why the gateway is not ready (`store unavailable`, `store timed out`).
    #[schema(required = false)]
    pub reason: String,
}

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
    cfg.service(get_only("/healthz", healthz))
        .service(get_only("/readyz", readyz));
}

/// The resource `path` ([`marked`] with it, for the access log and metrics) served by `handler`
/// on `GET`; every other method answers 405 with `Allow: GET`.
pub fn get_only<F, Args>(path: &'static str, handler: F) -> impl HttpServiceFactory
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    marked(
        web::resource(path)
            .route(flavor_kit::routes::route(Method::GET).to(handler))
            .default_service(web::to(method_not_allowed)),
        path,
    )
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, "GET"))
        .json(json!({"error": "method not allowed"}))
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "gateway",
    operation_id = "gateway_healthz",
    responses(
        (status = 200, description = "Always, while the process serves requests.",
            body = Status, example = json!({"status": "ok"})),
    ),
)]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The store answers within `store.timeout_ms`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "gateway",
    operation_id = "gateway_readyz",
    responses(
        (status = 200, description = "Ready: the store answered a ping in time.", body = Status,
            example = json!({"status": "ready"})),
        (status = 503, description = "The store is unavailable or timed out.", body = Status,
            example = json!({"status": "unavailable", "reason": "store timed out"})),
    ),
)]
pub(crate) async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
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

/// Asks `127.0.0.1:port/healthz` for a 200 (plain HTTP/1.1), within `timeout`.
pub fn probe(port: u16, timeout: Duration) -> Result<(), String> {
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut conn =
        std::net::TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    conn.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    conn.set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).map_err(|e| e.to_string())?;
    if head.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("answered {}", String::from_utf8_lossy(&head)))
    }
}
