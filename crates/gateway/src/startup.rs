//! The [`Application`]: binds the listener (port 0 in tests), builds one app per worker with the
//! enabled flavors mounted, and runs until SIGTERM/SIGINT, finishing in-flight requests for up
//! to `server.shutdown_timeout_secs` and saying how many it had to drop.
//!
//! The edge limits are set here: headers within `server.header_timeout_secs`, bodies within
//! `server.body_timeout_secs` (read by the flavors: [`flavor_kit::body`]), idle keep-alive
//! connections closed after `server.keep_alive_secs`, and at most `server.max_connections`
//! connections, below the open-file limit ([`crate::limits`]).

use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::http::KeepAlive;
use actix_web::middleware::{from_fn, Condition};
use actix_web::{web, App, HttpResponse, HttpServer};
use flavor_kit::client::TrustedProxies;
use flavor_kit::{BodyLimits, Throttle};
use serde_json::json;
use session_core::{CoreDeps, SharedClock, SharedStore, SystemClock, TokenHasher};

use crate::access::{Access, InFlight};
use crate::admin::{self, AdminState};
use crate::configuration::Settings;
use crate::events::{EventRuntime, EventsAdmin};
use crate::health::{self, Readiness};
use crate::limits;
use crate::metered_store::MeteredStore;
use crate::metrics::{self, Metrics};
use crate::request_id::RequestIds;
use crate::store::StoreFactory;
use crate::testing::Testing;

/// The largest body the admin API reads.
const ADMIN_BODY_BYTES: usize = 64 * 1024;

/// Why the gateway could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// host:port.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TLS certificate or key could not be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The store could not be set up.
    #[error("store: {0}")]
    Store(#[from] session_core::Error),
    /// The configuration cannot run against what the store holds.
    #[error("invalid configuration: {0}")]
    Refused(String),
    /// The metrics registry could not be built.
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// The server failed while running.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    /// Event delivery could not start.
    #[error("events: {0}")]
    Events(String),
    /// Testing mode could not start (its seed file).
    #[error("{0}")]
    Testing(String),
}

/// A bound, ready-to-run gateway.
pub struct Application {
    port: u16,
    address: String,
    server: Server,
    in_flight: Arc<InFlight>,
    /// Event delivery and the expiry sweep, when events are on.
    events: Option<EventRuntime>,
    /// Resolves on the first SIGTERM or SIGINT; installed at build, so a signal sent right
    /// after start-up is never lost to the default action.
    stop_signal: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// How the gateway stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Requests still running when `server.shutdown_timeout_secs` ran out, dropped unanswered.
    pub dropped: u64,
}

/// What every worker's app is built from.
#[derive(Clone)]
struct Shared {
    settings: Arc<Settings>,
    stores: StoreFactory,
    clock: SharedClock,
    hasher: TokenHasher,
    metrics: Arc<Metrics>,
    /// The OpenAPI document of the enabled flavors, serialized once.
    openapi: web::Bytes,
    /// The event log for the admin API, when events are on.
    events: Option<EventsAdmin>,
    /// Testing mode, when on.
    testing: Option<Arc<Testing>>,
    /// Whose `X-Forwarded-For` is believed.
    trusted: TrustedProxies,
    /// The edge middleware (shared by every worker).
    access: Access,
}

impl Application {
    /// Binds and builds the server with the system clock. Must run inside an actix/tokio runtime.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Binds and builds the server with the given clock (tests use a settable one).
    pub async fn build_with_clock(
        settings: Settings,
        clock: SharedClock,
    ) -> Result<Self, StartupError> {
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener.local_addr()?.port();
        for section in settings.sections.enabled(&settings.flavors.enabled) {
            for warning in section.warnings() {
                tracing::warn!("{warning}");
            }
        }
        crate::keys::refuse_plain_tenants(&settings.store, settings.is_relaxed(), clock.clone())
            .await
            .map_err(StartupError::Refused)?;
        let testing = Testing::new(&settings, clock.clone());
        let clock = testing.as_ref().map_or(clock, |t| t.clock());
        let stores =
            StoreFactory::with_events(&settings.store, clock.clone(), Some(&settings.events))?;
        let first_store = stores.for_worker()?;
        if let Some(t) = &testing {
            t.start(first_store.clone())
                .await
                .map_err(StartupError::Testing)?;
        }
        let document = crate::openapi::served(&settings);
        let openapi =
            web::Bytes::from(serde_json::to_vec(&document).map_err(std::io::Error::from)?);
        let trusted = TrustedProxies::parse(&settings.server.trusted_proxies)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let metrics = Arc::new(match stores.memory() {
            Some(memory) => Metrics::new()?.with_memory_store(memory.clone())?,
            None => Metrics::new()?,
        });
        let (events, runtime) = match stores.event_log()? {
            Some(log) => {
                let runtime = EventRuntime::start(
                    &settings.events,
                    log.clone(),
                    clock.clone(),
                    metrics.events.clone(),
                )
                .await
                .map_err(StartupError::Events)?;
                let webhooks = settings
                    .events
                    .webhooks
                    .iter()
                    .map(|w| w.name.clone())
                    .collect();
                (Some(EventsAdmin { log, webhooks }), Some(runtime))
            }
            None => (None, None),
        };
        let in_flight = Arc::new(InFlight::default());
        let access = Access::new(
            metrics.clone(),
            Arc::new(RequestIds::new()),
            in_flight.clone(),
        );
        let shared = Shared {
            openapi,
            trusted,
            access,
            hasher: crate::keys::token_ring(&settings.store),
            metrics,
            events,
            stores,
            clock,
            settings: Arc::new(settings),
            testing,
        };
        let settings = shared.settings.clone();
        let tls = match (&settings.server.tls_cert, &settings.server.tls_key) {
            (Some(cert), Some(key)) => {
                Some(crate::tls::server_config(cert, key).map_err(StartupError::Tls)?)
            }
            _ => None,
        };
        let server = HttpServer::new(move || {
            let raw = shared
                .stores
                .for_worker()
                .unwrap_or_else(|_| first_store.clone());
            let store: SharedStore = Arc::new(
                MeteredStore::new(raw, shared.metrics.clone())
                    .noting(shared.testing.is_some())
                    .counting_events(shared.events.is_some()),
            );
            let core = CoreDeps {
                store: store.clone(),
                clock: shared.clock.clone(),
                hasher: shared.hasher.clone(),
                max_body_bytes: shared.settings.server.max_body_bytes,
                metadata: shared.settings.sessions.policy(),
                body_timeout: Duration::from_secs(shared.settings.server.body_timeout_secs),
            };
            let admin = shared.settings.admin.token.clone().map(|token| AdminState {
                token,
                store: store.clone(),
                hasher: shared.hasher.clone(),
                sections: shared.settings.sections.clone(),
                enabled: shared.settings.flavors.enabled.clone(),
                backend: shared.settings.store.backend_name().to_owned(),
                timeout: Duration::from_millis(shared.settings.store.timeout_ms),
                metrics: shared.metrics.clone(),
                throttle: Arc::new(Throttle::gateway(&core, shared.settings.admin.throttle)),
                body: BodyLimits {
                    max_bytes: ADMIN_BODY_BYTES,
                    timeout: Some(core.body_timeout),
                },
                events: shared.events.clone(),
            });
            let readiness = Readiness {
                store,
                timeout: Duration::from_millis(shared.settings.store.timeout_ms),
            };
            let shared = shared.clone();
            let testing = shared.testing.clone();
            let testing_store = core.store.clone();
            let testing_throttle = match &admin {
                Some(state) => state.throttle.clone(),
                None => Arc::new(Throttle::gateway(&core, shared.settings.admin.throttle)),
            };
            App::new()
                .wrap(Condition::new(
                    testing.is_some(),
                    // Boxed: every request's future holds this one's place even when testing
                    // mode is off, and the layer's own is large (moved on every request).
                    from_fn(move |req, next| {
                        Box::pin(crate::testing::layer::layer(testing.clone(), req, next))
                    }),
                ))
                .wrap(shared.access.clone())
                .app_data(shared.trusted.clone())
                .app_data(web::PayloadConfig::new(core.max_body_bytes))
                .app_data(web::Data::new(readiness))
                .app_data(web::Data::from(shared.metrics.clone()))
                // The flavors first: their scopes and paths are static, and a request for one of
                // them never tries the gateway's own patterns (`/docs/{tail}` is a regex).
                .configure(|cfg| mount_flavors(cfg, &shared, core))
                .configure(health::configure)
                .configure(|cfg| crate::index::configure(cfg, &shared.settings.flavors.enabled))
                .service(health::get_only("/metrics", metrics::serve))
                .configure(|cfg| crate::openapi::configure(cfg, shared.openapi.clone()))
                .configure(|cfg| {
                    if let Some(t) = &shared.testing {
                        crate::testing::configure(cfg, t, testing_store, testing_throttle);
                    }
                })
                .configure(|cfg| {
                    if let Some(state) = admin {
                        admin::configure(cfg, state);
                    }
                })
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .disable_signals()
        .client_request_timeout(Duration::from_secs(settings.server.header_timeout_secs))
        .keep_alive(match settings.server.keep_alive_secs {
            0 => KeepAlive::Disabled,
            secs => KeepAlive::Timeout(Duration::from_secs(secs)),
        });
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let open_files = limits::raise_open_files();
        let cap = limits::connection_cap(settings.server.max_connections, open_files);
        if cap < settings.server.max_connections {
            tracing::warn!(
                configured = settings.server.max_connections,
                open_files = open_files.unwrap_or_default(),
                cap,
                "server.max_connections is cut to stay below the open-file limit"
            );
        }
        let server = server
            .workers(workers)
            .max_connections(limits::per_worker(cap, workers));
        let (server, scheme) = match tls {
            Some(config) => (server.listen_rustls_0_23(listener, config)?, "https"),
            None => (server.listen(listener)?, "http"),
        };
        Ok(Self {
            port,
            address: format!("{scheme}://{}:{port}", settings.server.host),
            server: server.run(),
            in_flight,
            stop_signal: Box::pin(crate::shutdown::on_signal(
                settings.server.shutdown_timeout_secs,
            )),
            events: runtime,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http(s)://host:port`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped by a handle.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let served = self.server.await.map_err(StartupError::from);
        if let Some(events) = self.events {
            events.stop().await;
        }
        served
    }

    /// Serves until SIGTERM or SIGINT (or a handle), then stops: no new connections, in-flight
    /// requests get `server.shutdown_timeout_secs` to finish, and those still running then are
    /// dropped and counted.
    pub async fn run_until_signalled(self) -> Result<Stopped, StartupError> {
        tracing::info!(address = %self.address, "session-gateway listening");
        let handle = self.server.handle();
        let mut server = self.server;
        let in_flight = self.in_flight;
        tokio::select! {
            done = &mut server => done?,
            () = self.stop_signal => {
                in_flight.stopping();
                tracing::info!(in_flight = in_flight.running(), "stopping: finishing in-flight requests");
                // The server future carries out the stop: both are polled together.
                let (_, done) = tokio::join!(handle.stop(true), server);
                done?;
            }
        }
        if let Some(events) = self.events {
            events.stop().await;
        }
        Ok(Stopped {
            dropped: in_flight.dropped(),
        })
    }
}

/// Mounts the enabled flavors, in the order `[flavors] enabled` lists them.
fn mount_flavors(cfg: &mut web::ServiceConfig, shared: &Shared, core: CoreDeps) {
    let settings = &shared.settings;
    for section in settings.sections.enabled(&settings.flavors.enabled) {
        section.mount(cfg, core.clone());
    }
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({"error": "not found"}))
}
