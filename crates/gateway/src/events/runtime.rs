//! The event runtime of one gateway process: its worker id, the heartbeat that sizes each
//! replica's fair share of lanes, one delivery task per webhook and lane, and the sweep.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use session_core::events::SharedEventLog;
use session_core::SharedClock;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::deliver::{run_lane, WebhookLanes};
use super::metrics::EventMetrics;
use super::settings::EventsSettings;
use super::shared::Shared;
use super::webhook::Webhook;

/// How long start-up waits for the webhooks' consumer groups before it goes on (they are then
/// created in the background, before delivery starts).
const REGISTER_WAIT: Duration = Duration::from_secs(10);

/// The running deliverers and sweep; stopping releases their leases.
pub struct EventRuntime {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl EventRuntime {
    /// Starts delivery to `settings.webhooks` and the sweep over `log`. Must run inside a
    /// Tokio runtime.
    pub async fn start(
        settings: &EventsSettings,
        log: SharedEventLog,
        clock: SharedClock,
        metrics: EventMetrics,
    ) -> Result<Self, String> {
        let worker = session_core::token::random_hex(8).map_err(|e| e.to_string())?;
        let (stop_tx, stop) = watch::channel(false);
        let lanes = log.lanes();
        let shared = Arc::new(Shared {
            log: log.clone(),
            worker,
            clock,
            metrics,
            lease: Duration::from_millis(settings.lease_ms),
            poll: Duration::from_millis(settings.poll_interval_ms),
            share: AtomicUsize::new(lanes),
            stop,
        });
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(heartbeat(shared.clone())));
        tasks.push(tokio::spawn(super::sweep::run(
            shared.clone(),
            Duration::from_millis(settings.sweep_interval_ms),
            chrono::Duration::seconds(settings.retention_secs as i64),
            settings.max_events,
        )));
        for w in &settings.webhooks {
            let webhook = Arc::new(WebhookLanes::new(Webhook::new(w)?, lanes));
            let registered = tokio::time::timeout(REGISTER_WAIT, log.register(&w.name)).await;
            let ready = matches!(registered, Ok(Ok(())));
            if !ready {
                tracing::warn!(webhook = %w.name, "events: the webhook's consumer groups are not there yet; retrying in the background");
            }
            tasks.push(tokio::spawn(start_webhook(shared.clone(), webhook, ready)));
        }
        Ok(Self {
            stop: stop_tx,
            tasks,
        })
    }

    /// Stops every task and releases the leases (within a few seconds).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let all = futures_util::future::join_all(self.tasks);
        let _ = tokio::time::timeout(Duration::from_secs(5), all).await;
    }
}

/// Registers the webhook's groups (unless done) and runs its lanes.
async fn start_webhook(shared: Arc<Shared>, lanes: Arc<WebhookLanes>, ready: bool) {
    let mut stop = shared.stop.clone();
    if !ready {
        loop {
            if *stop.borrow() {
                return;
            }
            match shared.log.register(&lanes.webhook.name).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(webhook = %lanes.webhook.name, error = %e, "events: cannot create the consumer groups")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(shared.lease / 3) => {}
                _ = stop.changed() => {}
            }
        }
    }
    let tasks: Vec<_> = (0..shared.log.lanes())
        .map(|lane| tokio::spawn(run_lane(shared.clone(), lanes.clone(), lane)))
        .collect();
    futures_util::future::join_all(tasks).await;
}

/// Tells the others this replica is alive and sizes its share of lanes.
async fn heartbeat(shared: Arc<Shared>) {
    let mut stop = shared.stop.clone();
    let lanes = shared.log.lanes();
    loop {
        if *stop.borrow() {
            return;
        }
        let alive = chrono::Duration::milliseconds(shared.lease.as_millis() as i64 * 2);
        match shared.log.heartbeat(&shared.worker, alive).await {
            Ok(n) => shared
                .share
                .store(lanes.div_ceil(n.max(1)), Ordering::Relaxed),
            Err(e) => tracing::debug!(error = %e, "events: heartbeat failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(shared.lease / 3) => {}
            _ = stop.changed() => {}
        }
    }
}
