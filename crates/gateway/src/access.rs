//! The edge middleware, outermost on every worker: one access log line per request, the request
//! metrics, and the count of requests in flight (what a forced shutdown drops).
//!
//! The line, target `gateway::access`: method, route pattern (never the path: QuickBlox takes a
//! token in the query, and ids are not for logs), status, latency in microseconds and the
//! request id. INFO for every answer below 500 (a client's mistake is no event of ours), WARN
//! for a 503 or another 5xx (the store is away), ERROR only for a 500 (a fault of ours).
//!
//! Per request it costs two clock reads, two atomic additions (the count in flight), one
//! non-atomic reference count and a look-up of the route's metric handles in this worker's
//! cache (by the pattern's address: no hashing): no allocation once a route has been seen. A
//! request id is drawn only for a line that is written.

use std::cell::RefCell;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, HttpMessage};
use flavor_kit::routes::RoutePattern;

use crate::metrics::{Metrics, RouteMetrics};
use crate::request_id::RequestIds;

/// The requests in flight across every worker, and those a forced shutdown dropped.
#[derive(Debug, Default)]
pub struct InFlight {
    now: AtomicUsize,
    dropped: AtomicU64,
    stopping: AtomicBool,
}

impl InFlight {
    /// From now on, a request that ends without an answer was dropped by the shutdown.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Requests dropped since [`InFlight::stopping`], counting those still running (the server
    /// has stopped: they never finish).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::SeqCst) + self.now.load(Ordering::SeqCst) as u64
    }

    /// Requests running now.
    pub fn running(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }
}

/// The middleware factory: shared by every worker.
#[derive(Clone)]
pub struct Access {
    metrics: Arc<Metrics>,
    ids: Arc<RequestIds>,
    in_flight: Arc<InFlight>,
}

impl Access {
    /// Logs, measures and counts every request.
    pub fn new(metrics: Arc<Metrics>, ids: Arc<RequestIds>, in_flight: Arc<InFlight>) -> Self {
        Self {
            metrics,
            ids,
            in_flight,
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Access
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = AccessService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AccessService {
            inner: service,
            worker: Rc::new(Worker {
                shared: self.clone(),
                routes: RefCell::new(RouteCache::default()),
            }),
        }))
    }
}

/// One worker's middleware.
pub struct AccessService<S> {
    inner: S,
    worker: Rc<Worker>,
}

/// What one worker's requests share: the process's metrics, ids and count in flight, and the
/// worker's cache of metric handles. A request holds it by a reference count of the worker's
/// own (not an atomic one).
struct Worker {
    shared: Access,
    routes: RefCell<RouteCache>,
}

/// A worker's metric handles by route pattern. A pattern is one static string, so it is found
/// by its address among the few dozen a worker sees; a copy of a pattern elsewhere gets an
/// entry of its own, with the same handles.
#[derive(Default)]
struct RouteCache(Vec<(&'static str, RouteMetrics)>);

impl RouteCache {
    fn observe(&mut self, metrics: &Metrics, route: &'static str, status: u16, secs: f64) {
        if let Some((_, handles)) = self.0.iter_mut().find(|(p, _)| std::ptr::eq(*p, route)) {
            return handles.observe(status, secs);
        }
        let mut handles = metrics.route(route);
        handles.observe(status, secs);
        self.0.push((route, handles));
    }
}

impl<S, B> Service<ServiceRequest> for AccessService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = AccessFuture<S::Future>;

    actix_web::dev::forward_ready!(inner);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        self.worker
            .shared
            .in_flight
            .now
            .fetch_add(1, Ordering::Relaxed);
        let guard = Guard {
            worker: self.worker.clone(),
            answered: false,
        };
        let method = req.method().clone();
        AccessFuture {
            inner: self.inner.call(req),
            started: Instant::now(),
            method,
            guard,
        }
    }
}

/// Counts a request out of flight however it ends; one that ends unanswered while the server
/// is stopping was dropped.
struct Guard {
    worker: Rc<Worker>,
    answered: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let in_flight = &self.worker.shared.in_flight;
        if !self.answered && in_flight.stopping.load(Ordering::SeqCst) {
            in_flight.dropped.fetch_add(1, Ordering::SeqCst);
        }
        in_flight.now.fetch_sub(1, Ordering::SeqCst);
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, logged and measured when it resolves.
    pub struct AccessFuture<F> {
        #[pin]
        inner: F,
        started: Instant,
        method: Method,
        guard: Guard,
    }
}

impl<F, B> Future for AccessFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        this.guard.answered = true;
        let elapsed = this.started.elapsed();
        let (status, route) = match &outcome {
            Ok(res) => (res.status(), route_of(res.request())),
            Err(e) => (e.as_response_error().status_code(), UNMATCHED),
        };
        let shared = &this.guard.worker.shared;
        this.guard.worker.routes.borrow_mut().observe(
            &shared.metrics,
            route,
            status.as_u16(),
            elapsed.as_secs_f64(),
        );
        log(this.method, route, status, elapsed.as_micros(), &shared.ids);
        Poll::Ready(outcome)
    }
}

/// The label of a request no route took.
pub const UNMATCHED: &str = "unmatched";

/// The route pattern of a request: the [`RoutePattern`] its resource is marked with (every
/// flavor route and the gateway's own), else one a middleware put in its extensions before any
/// resource took it (the admin API's), else [`UNMATCHED`]. Never matched again: no regex on
/// the hot path.
fn route_of(req: &actix_web::HttpRequest) -> &'static str {
    if let Some(RoutePattern(p)) = req.app_data::<RoutePattern>() {
        return p;
    }
    req.extensions()
        .get::<RoutePattern>()
        .map_or(UNMATCHED, |RoutePattern(p)| p)
}

/// The access line, with the next request id (drawn only when the line is written: a field's
/// value is evaluated only for an enabled event).
fn log(method: &Method, route: &str, status: StatusCode, micros: u128, ids: &RequestIds) {
    let status = status.as_u16();
    let method = method.as_str();
    match status {
        500 => {
            tracing::error!(target: "gateway::access", method, route, status, latency_us = micros as u64, request_id = %ids.next(), "request failed")
        }
        501..=599 => {
            tracing::warn!(target: "gateway::access", method, route, status, latency_us = micros as u64, request_id = %ids.next(), "request refused")
        }
        _ => {
            tracing::info!(target: "gateway::access", method, route, status, latency_us = micros as u64, request_id = %ids.next(), "request")
        }
    }
}
