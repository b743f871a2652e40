//! Delivery to one webhook: a task per lane. A task delivers only while it holds its lane's
//! lease, so one replica at a time delivers a partition; a replica that takes a lane over first
//! takes the events its predecessor read and did not acknowledge. A partition sends up to
//! `CONCURRENT_REQUESTS` requests at once, never two with events of the same owner, so each
//! owner's (and each session's) events arrive in order. A failing request is retried (backoff
//! with jitter) before anything after it is acknowledged, up to the webhook's horizon; then its
//! events are dead-lettered and delivery goes on. The requests of its window that went through
//! are not sent again. Settled events are acknowledged together, before the partition is read
//! again, before a retry waits, or when the lane is let go: one `XACK` per read, not per window.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use session_core::events::{DeadLetter, Event, ReadRequest};
use tokio::time::Instant;

use super::shared::Shared;
use super::webhook::Webhook;
use super::window::{plan, Request};

/// Partitions of a lane worked at once.
const CONCURRENT_PARTITIONS: usize = 8;
/// Requests of one partition in flight at once (never two with events of one owner). Small:
/// a receiver with a short listen backlog (5 for Python's `http.server`) drops the connections
/// past it, and their retransmitted SYNs cost a second each.
const CONCURRENT_REQUESTS: usize = 4;
/// Events read from a partition at a time (at least a request's worth).
const READ_AHEAD: usize = 100;
/// Idle partitions of large logs (a cluster's slots) are polled at most this many times less
/// often than `poll_interval_ms`.
const IDLE_BACKOFF: u32 = 16;

/// One webhook's delivery state shared by its lane tasks.
pub(crate) struct WebhookLanes {
    pub webhook: Webhook,
    /// Lanes this replica holds.
    pub held: AtomicUsize,
    /// Per lane: the time (ms) of the oldest event it holds undelivered, 0 for none.
    pub oldest: Vec<AtomicI64>,
}

impl WebhookLanes {
    pub fn new(webhook: Webhook, lanes: usize) -> Self {
        Self {
            webhook,
            held: AtomicUsize::new(0),
            oldest: (0..lanes).map(|_| AtomicI64::new(0)).collect(),
        }
    }

    fn report_oldest(&self, shared: &Shared) {
        let oldest = self
            .oldest
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .filter(|t| *t > 0)
            .min();
        let age = oldest.map_or(0.0, |t| {
            (shared.clock.now_millis() - t).max(0) as f64 / 1000.0
        });
        shared.metrics.oldest(&self.webhook.name).set(age);
    }
}

/// One partition of a held lane.
struct Partition {
    p: usize,
    /// Read and not yet settled, in order.
    inflight: VecDeque<Event>,
    /// Ids of settled events (delivered, filtered out or dead) not yet acknowledged.
    settled: Vec<String>,
    /// Ids of held events already delivered, waiting for an earlier failed request of their
    /// window: not sent again when the window is retried.
    delivered: HashSet<String>,
    /// Whether to read this worker's unacknowledged events first (after a takeover).
    pending: bool,
    attempts: u32,
    last_error: String,
    retry_at: Option<Instant>,
    next_poll: Instant,
    idle: Duration,
    seen: u64,
}

impl Partition {
    fn new(p: usize) -> Self {
        Self {
            p,
            inflight: VecDeque::new(),
            settled: Vec::new(),
            delivered: HashSet::new(),
            pending: true,
            attempts: 0,
            last_error: String::new(),
            retry_at: None,
            next_poll: Instant::now(),
            idle: Duration::ZERO,
            seen: 0,
        }
    }

    /// Forgets everything read (the lease is gone: the next holder delivers it).
    fn reset(&mut self) {
        *self = Self::new(self.p);
    }

    /// When this partition next has something to do.
    fn due_at(&self, shared: &Shared) -> Instant {
        if let Some(t) = self.retry_at {
            return t;
        }
        if !self.inflight.is_empty() || shared.log.wakeups().generation(self.p) != self.seen {
            return Instant::now();
        }
        self.next_poll
    }
}

/// Delivers lane `lane` of `lanes`'s webhook until the runtime stops.
pub(crate) async fn run_lane(shared: Arc<Shared>, lanes: Arc<WebhookLanes>, lane: usize) {
    let log = shared.log.clone();
    let group = lanes.webhook.name.clone();
    let mut parts: Vec<Partition> = (lane..log.partitions())
        .step_by(log.lanes())
        .map(Partition::new)
        .collect();
    let renew_every = shared.lease / 3;
    let mut holding = false;
    let mut renew_at = Instant::now();
    let mut cooldown_until = Instant::now();
    let mut stop = shared.stop.clone();
    loop {
        if *stop.borrow() {
            break;
        }
        let notified = log.wakeups().notified(lane);
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = Instant::now();
        if now >= renew_at {
            renew_at = now + renew_every;
            let share = shared.share.load(Ordering::Relaxed).max(1);
            if holding && lanes.held.load(Ordering::Relaxed) > share {
                // More lanes than a fair share: give this one to another replica.
                let_go(&shared, &lanes, lane, &mut parts, &mut holding).await;
                let _ = log.release(&group, lane, &shared.worker).await;
                cooldown_until = now + shared.lease.mul_f64(1.0 + rand::random::<f64>());
            } else if holding
                || (now >= cooldown_until && lanes.held.load(Ordering::Relaxed) < share)
            {
                match log
                    .lease(&group, lane, &shared.worker, chrono_ms(shared.lease))
                    .await
                {
                    Ok(true) if !holding => {
                        holding = true;
                        lanes.held.fetch_add(1, Ordering::Relaxed);
                        for part in &mut parts {
                            if let Err(e) = log.claim(&group, part.p, &shared.worker).await {
                                tracing::warn!(webhook = %group, partition = part.p, error = %e, "events: cannot take over a partition's pending events");
                            }
                        }
                        tracing::debug!(webhook = %group, lane, "events: lane taken");
                    }
                    Ok(true) => {}
                    Ok(false) if holding => {
                        tracing::warn!(webhook = %group, lane, "events: lane lost to another replica");
                        let_go(&shared, &lanes, lane, &mut parts, &mut holding).await;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(webhook = %group, lane, error = %e, "events: cannot renew a lane's lease");
                        if holding {
                            let_go(&shared, &lanes, lane, &mut parts, &mut holding).await;
                        }
                        renew_at = now + Duration::from_millis(200);
                    }
                }
            }
        }
        let mut next = renew_at;
        if holding {
            let s = &*shared;
            let l = &*lanes;
            stream::iter(parts.iter_mut().filter(|p| p.due_at(s) <= Instant::now()))
                .for_each_concurrent(CONCURRENT_PARTITIONS, |part| step(s, l, part))
                .await;
            let oldest = parts
                .iter()
                .filter_map(|p| p.inflight.front().map(Event::time_ms))
                .min()
                .unwrap_or(0);
            lanes.oldest[lane].store(oldest, Ordering::Relaxed);
            lanes.report_oldest(s);
            for p in &parts {
                next = next.min(p.due_at(s));
            }
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(next) => {}
            _ = stop.changed() => {}
        }
    }
    if holding {
        let_go(&shared, &lanes, lane, &mut parts, &mut holding).await;
        let _ = log.release(&group, lane, &shared.worker).await;
    }
}

/// The lane is no longer this replica's: what it settled is acknowledged, what it read and did
/// not settle is forgotten (the next holder delivers it).
async fn let_go(
    shared: &Shared,
    lanes: &WebhookLanes,
    lane: usize,
    parts: &mut [Partition],
    holding: &mut bool,
) {
    for part in parts.iter_mut() {
        acknowledge(shared, &lanes.webhook.name, part).await;
        part.reset();
    }
    *holding = false;
    lanes.held.fetch_sub(1, Ordering::Relaxed);
    lanes.oldest[lane].store(0, Ordering::Relaxed);
}

fn chrono_ms(d: Duration) -> chrono::Duration {
    chrono::Duration::milliseconds(d.as_millis() as i64)
}

/// One step of one partition: read when nothing is held, then one request (or one retry).
async fn step(shared: &Shared, lanes: &WebhookLanes, part: &mut Partition) {
    let webhook = &lanes.webhook;
    let group = webhook.name.as_str();
    let log = &shared.log;
    let now = Instant::now();
    if part.inflight.is_empty() {
        acknowledge(shared, group, part).await;
        part.seen = log.wakeups().generation(part.p);
        let want = READ_AHEAD.max(webhook.max_batch);
        let mut req = ReadRequest {
            group,
            partition: part.p,
            worker: &shared.worker,
            count: want,
            pending: part.pending,
        };
        let mut got = log.read(req).await;
        if matches!(&got, Ok(v) if v.is_empty()) && part.pending {
            part.pending = false;
            req.pending = false;
            got = log.read(req).await;
        }
        match got {
            Err(e) => {
                tracing::warn!(webhook = group, partition = part.p, error = %e, "events: cannot read");
                part.next_poll = now + shared.poll;
                return;
            }
            Ok(events) if events.is_empty() => {
                part.idle = if log.partitions() > session_core::events::LANES {
                    (part.idle * 2).clamp(shared.poll, shared.poll * IDLE_BACKOFF)
                } else {
                    shared.poll
                };
                part.next_poll = now + part.idle;
                return;
            }
            Ok(events) => {
                part.idle = Duration::ZERO;
                part.inflight.extend(events);
            }
        }
    }
    // The next window: requests that may go out together (see `window`).
    let window = plan(
        &part.inflight,
        |e| webhook.wants(e),
        webhook.max_batch,
        CONCURRENT_REQUESTS,
    );
    let Some(front) = window.first() else {
        return;
    };
    if front.batch.is_empty() {
        settle(part, front.take);
        return;
    }
    let age = shared.clock.now() - front.batch[0].time;
    if part.attempts > 0 && age > webhook.horizon {
        for e in &front.batch {
            let letter = DeadLetter {
                event: e.clone(),
                error: part.last_error.clone(),
                attempts: part.attempts,
                at: shared.clock.now(),
            };
            if let Err(err) = log.dead_letter(group, &letter).await {
                tracing::warn!(webhook = group, error = %err, "events: cannot keep a dead letter");
                part.retry_at = Some(now + shared.poll);
                return;
            }
            shared.metrics.dead_lettered(group);
        }
        tracing::warn!(webhook = group, events = front.batch.len(), error = %part.last_error, "events: given up after the retry horizon");
        settle(part, front.take);
        return;
    }
    let delivered = &part.delivered;
    let sent_before = |r: &Request| r.batch.iter().all(|e| delivered.contains(&e.id));
    let outcomes = join_all(window.iter().map(|r| async move {
        if sent_before(r) {
            return Outcome::SentBefore;
        }
        match webhook.send(&r.batch).await {
            Ok(()) => Outcome::Sent,
            Err(e) => Outcome::Failed(e),
        }
    }))
    .await;
    let now_ms = shared.clock.now_millis();
    for (r, outcome) in window.iter().zip(&outcomes) {
        match outcome {
            Outcome::SentBefore => {}
            Outcome::Sent => r.batch.iter().for_each(|e| {
                part.delivered.insert(e.id.clone());
                shared
                    .metrics
                    .delivered(group, (now_ms - e.time_ms()) as f64 / 1000.0)
            }),
            Outcome::Failed(_) => shared.metrics.retried(group, r.batch.len()),
        }
    }
    // The requests before the first failure are done; a failure is retried with what follows
    // it, except the requests that went through (remembered in `delivered`).
    let done = outcomes
        .iter()
        .take_while(|o| !matches!(o, Outcome::Failed(_)))
        .count();
    let settled: usize = window[..done].iter().map(|r| r.take).sum();
    if settled > 0 {
        settle(part, settled);
    }
    if let Some(Outcome::Failed(err)) = outcomes.into_iter().nth(done) {
        // What went through is acknowledged now: the retries may take long.
        acknowledge(shared, group, part).await;
        part.attempts += 1;
        let wait = webhook.backoff(part.attempts);
        tracing::debug!(webhook = group, partition = part.p, attempt = part.attempts, error = %err, ?wait, "events: delivery failed, will retry");
        part.last_error = err;
        part.retry_at = Some(Instant::now() + wait);
    }
}

/// What became of one request of a window.
enum Outcome {
    /// Its events went through in an earlier try of the window: not sent again.
    SentBefore,
    /// The receiver took it.
    Sent,
    /// It failed (the error).
    Failed(String),
}

/// The first `take` held events are done: dropped, and acknowledged with the next
/// `acknowledge`.
fn settle(part: &mut Partition, take: usize) {
    for e in part.inflight.drain(..take.min(part.inflight.len())) {
        part.delivered.remove(&e.id);
        part.settled.push(e.id);
    }
    part.attempts = 0;
    part.retry_at = None;
    part.last_error.clear();
}

/// Acknowledges the partition's settled events in one call.
async fn acknowledge(shared: &Shared, group: &str, part: &mut Partition) {
    if part.settled.is_empty() {
        return;
    }
    if let Err(e) = shared.log.ack(group, part.p, &part.settled).await {
        // Delivered but not acknowledged: a takeover may deliver them again (at least once).
        tracing::warn!(webhook = group, partition = part.p, error = %e, "events: cannot acknowledge");
    }
    part.settled.clear();
}
