//! Prometheus metrics, served at `/metrics`: requests by flavor, route and status with latency
//! histograms, sessions created, revoked and expired by flavor, store latency and errors by operation,
//! and the memory store's size and bound when it is the backend.
//! One registry per [`Metrics`]; nothing global.

use std::sync::Arc;

use crate::activity::{Activity, Event};
use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};
use session_core::MemoryStore;

/// Every metric the gateway exports.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    sessions_created: IntCounterVec,
    sessions_revoked: IntCounterVec,
    sessions_expired: IntCounterVec,
    store_seconds: HistogramVec,
    store_errors: IntCounterVec,
    activity: Arc<Activity>,
    attempts_throttled: IntCounterVec,
    /// The memory store, when it is the backend: its size is read at each scrape.
    memory: Option<MemoryGauges>,
    /// Session events: written, delivered, retried, dead-lettered.
    pub events: crate::events::EventMetrics,
}

/// The memory store's gauges and the store they are read from.
#[derive(Clone)]
struct MemoryGauges {
    store: Arc<MemoryStore>,
    sessions: IntGauge,
    max_sessions: IntGauge,
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("session_gateway".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by flavor, route and status",
            ),
            &["flavor", "route", "status"],
        )?;
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["flavor", "route"],
        )?;
        let sessions_created = IntCounterVec::new(
            Opts::new("sessions_created_total", "Sessions created, by flavor"),
            &["flavor"],
        )?;
        let sessions_revoked = IntCounterVec::new(
            Opts::new(
                "sessions_revoked_total",
                "Sessions ended before expiry (deleted, kicked, evicted, family revoked), by flavor",
            ),
            &["flavor"],
        )?;
        let sessions_expired = IntCounterVec::new(
            Opts::new(
                "sessions_expired_total",
                "Sessions the store dropped because they expired, by flavor (a lower bound with Redis)",
            ),
            &["flavor"],
        )?;
        let store_seconds = HistogramVec::new(
            HistogramOpts::new("store_operation_duration_seconds", "Store call latency").buckets(
                vec![
                    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5,
                ],
            ),
            &["operation"],
        )?;
        let store_errors = IntCounterVec::new(
            Opts::new(
                "store_errors_total",
                "Store calls that failed because the store was unavailable or faulty",
            ),
            &["operation", "kind"],
        )?;
        let attempts_throttled = IntCounterVec::new(
            Opts::new(
                "auth_attempts_throttled_total",
                "Credential checks refused with a 429 because their window of failed attempts \
                 was full, by flavor and scope (subject or client address)",
            ),
            &["flavor", "scope"],
        )?;
        registry.register(Box::new(attempts_throttled.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(request_seconds.clone()))?;
        registry.register(Box::new(sessions_created.clone()))?;
        registry.register(Box::new(sessions_revoked.clone()))?;
        registry.register(Box::new(sessions_expired.clone()))?;
        registry.register(Box::new(store_seconds.clone()))?;
        registry.register(Box::new(store_errors.clone()))?;
        let events = crate::events::EventMetrics::register(&registry)?;
        Ok(Self {
            registry,
            requests,
            request_seconds,
            sessions_created,
            sessions_revoked,
            sessions_expired,
            store_seconds,
            store_errors,
            attempts_throttled,
            memory: None,
            activity: Arc::new(Activity::new()),
            events,
        })
    }

    /// Also exports the memory store's size (`memory_store_sessions`, expired sessions not yet
    /// dropped included) and its bound (`memory_store_max_sessions`), read at each scrape.
    pub fn with_memory_store(mut self, store: Arc<MemoryStore>) -> Result<Self, prometheus::Error> {
        let sessions = IntGauge::new(
            "memory_store_sessions",
            "Sessions the memory store holds (expired ones not yet dropped included)",
        )?;
        let max_sessions = IntGauge::new(
            "memory_store_max_sessions",
            "Most sessions the memory store holds (store.memory.max_sessions)",
        )?;
        self.registry.register(Box::new(sessions.clone()))?;
        self.registry.register(Box::new(max_sessions.clone()))?;
        self.memory = Some(MemoryGauges {
            store,
            sessions,
            max_sessions,
        });
        Ok(self)
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        if let Some(m) = &self.memory {
            m.sessions.set(gauge_value(m.store.len()));
            m.max_sessions.set(gauge_value(m.store.max_sessions()));
        }
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::warn!(error = %e, "metrics encoding failed");
        }
        String::from_utf8(buf).unwrap_or_default()
    }

    /// The handles of one route's request metrics (a worker caches them: see
    /// [`crate::access`]).
    pub fn route(&self, route: &str) -> RouteMetrics {
        let flavor = crate::flavors::owner_of(route);
        RouteMetrics {
            seconds: self.request_seconds.with_label_values(&[flavor, route]),
            requests: self.requests.clone(),
            flavor,
            route: route.into(),
            statuses: Vec::new(),
        }
    }

    /// Records a created session.
    pub fn session_created(&self, flavor: &str) {
        self.sessions_created.with_label_values(&[flavor]).inc();
        self.activity.record(flavor, Event::Created, 1);
    }

    /// The sessions created, revoked and expired of the last hour, by minute.
    pub fn activity(&self) -> &Activity {
        &self.activity
    }

    /// Records `n` sessions ended early.
    pub fn sessions_revoked(&self, flavor: &str, n: usize) {
        if n > 0 {
            self.sessions_revoked
                .with_label_values(&[flavor])
                .inc_by(n as u64);
            self.activity.record(flavor, Event::Revoked, n as u64);
        }
    }

    /// Records `n` sessions dropped by the store because they expired.
    pub fn sessions_expired(&self, flavor: &str, n: u64) {
        if n > 0 {
            self.sessions_expired.with_label_values(&[flavor]).inc_by(n);
            self.activity.record(flavor, Event::Expired, n);
        }
    }

    /// Records a credential check refused because its attempt window was full.
    pub fn attempt_throttled(&self, flavor: &str, scope: &str) {
        self.attempts_throttled
            .with_label_values(&[flavor, scope])
            .inc();
    }

    /// Records one store call.
    pub fn observe_store(&self, operation: &str, seconds: f64, error: Option<&'static str>) {
        self.store_seconds
            .with_label_values(&[operation])
            .observe(seconds);
        if let Some(kind) = error {
            self.store_errors
                .with_label_values(&[operation, kind])
                .inc();
        }
    }
}

/// One route's request metrics: its latency histogram and its counter by status, resolved once
/// so that a request costs no label look-up.
pub struct RouteMetrics {
    seconds: Histogram,
    requests: IntCounterVec,
    flavor: &'static str,
    route: Box<str>,
    statuses: Vec<(u16, IntCounter)>,
}

impl RouteMetrics {
    /// Records one request answered with `status` after `seconds`.
    pub fn observe(&mut self, status: u16, seconds: f64) {
        self.seconds.observe(seconds);
        match self.statuses.iter().find(|(s, _)| *s == status) {
            Some((_, counter)) => counter.inc(),
            None => {
                let counter = self.requests.with_label_values(&[
                    self.flavor,
                    &self.route,
                    &status.to_string(),
                ]);
                counter.inc();
                self.statuses.push((status, counter));
            }
        }
    }
}

/// A count as a gauge value (saturating: a store never holds `i64::MAX` sessions).
fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `GET /metrics`.
pub async fn serve(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}

/// Shared handle.
pub type SharedMetrics = Arc<Metrics>;
