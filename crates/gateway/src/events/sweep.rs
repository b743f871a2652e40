//! The expiry sweep and the trimming of old events: per lane, by whichever replica holds the
//! lane's sweep lease. A sweep ends each due owner's expired sessions with their
//! `session.expired` events, one atomic step per owner, so a session is reported once however
//! many replicas (or writes) find it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::time::Instant;

use super::shared::Shared;

/// The lease name of the sweep (webhook names cannot hold `~`).
const SWEEP: &str = "~sweep";
/// Owners ended per partition and sweep.
const OWNERS_PER_SWEEP: usize = 500;
/// Lanes swept at once.
const CONCURRENT: usize = 4;
/// How often old events are trimmed.
const TRIM_EVERY: Duration = Duration::from_secs(60);

/// Sweeps and trims every `interval` until the runtime stops.
pub(crate) async fn run(
    shared: Arc<Shared>,
    interval: Duration,
    retention: chrono::Duration,
    max_events: usize,
) {
    let log = shared.log.clone();
    let lanes = log.lanes();
    let mut held = vec![false; lanes];
    let mut next_trim = Instant::now();
    let mut stop = shared.stop.clone();
    loop {
        if *stop.borrow() {
            break;
        }
        let trim = Instant::now() >= next_trim;
        if trim {
            next_trim = Instant::now() + TRIM_EVERY;
        }
        for (lane, held) in held.iter_mut().enumerate() {
            let lease = chrono::Duration::milliseconds(shared.lease.as_millis() as i64);
            *held = matches!(
                log.lease(SWEEP, lane, &shared.worker, lease).await,
                Ok(true)
            );
        }
        let mine = held.iter().enumerate().filter(|(_, h)| **h).map(|(l, _)| l);
        let (log, shared) = (&log, &shared);
        stream::iter(mine)
            .for_each_concurrent(CONCURRENT, |lane| async move {
                let parts: Vec<usize> = (lane..log.partitions()).step_by(lanes).collect();
                match log.sweep(&parts, OWNERS_PER_SWEEP).await {
                    Ok(n) => shared.metrics.written("session.expired", n),
                    Err(e) => {
                        tracing::warn!(lane, error = %e, "events: the expiry sweep failed");
                    }
                }
                if trim {
                    if let Err(e) = log.trim(&parts, retention, max_events).await {
                        tracing::warn!(lane, error = %e, "events: cannot trim");
                    }
                }
            })
            .await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {}
        }
    }
    for (lane, held) in held.into_iter().enumerate() {
        if held {
            let _ = log.release(SWEEP, lane, &shared.worker).await;
        }
    }
}
