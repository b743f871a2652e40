//! The interface the deliverers and the pull API read events through, the same for every
//! store: partitions (one ordered log each; a session's events are all in its owner's
//! partition), lanes (a set of partitions one worker leases at a time, so one worker delivers a
//! partition at a time and in order), consumer groups (one per webhook, each with its own
//! progress), dead letters, and the expiry sweep.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use crate::error::Result;
use crate::events::event::Event;
use crate::model::Owner;

/// Lanes of a log with many partitions (a lane leases `partitions / LANES` of them).
pub const LANES: usize = 16;
/// Dead letters kept per consumer group, the newest (about: Redis drops whole stream nodes).
pub const DEAD_LETTERS_KEPT: usize = 10_000;

/// A shared, dynamically dispatched log.
pub type SharedEventLog = Arc<dyn EventLog>;

/// An event that could not be delivered within its webhook's retry horizon.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeadLetter {
    /// The event.
    pub event: Event,
    /// The last attempt's error.
    pub error: String,
    /// How many attempts were made.
    pub attempts: u32,
    /// When it was given up.
    pub at: DateTime<Utc>,
}

/// What [`EventLog::read`] reads.
#[derive(Debug, Clone, Copy)]
pub struct ReadRequest<'a> {
    /// The consumer group (a webhook's name).
    pub group: &'a str,
    /// The partition.
    pub partition: usize,
    /// The reading worker of the group.
    pub worker: &'a str,
    /// Most events returned.
    pub count: usize,
    /// Whether to read again what the worker read and has not acknowledged.
    pub pending: bool,
}

/// One page of the pull API.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    /// Events in log order.
    pub events: Vec<Event>,
    /// The cursor after the last event returned (the one given when nothing was).
    pub next: Option<String>,
}

/// Wake-ups from this process's own writes: a generation counter per partition, bumped after a
/// write that may have added events there, and a notification per lane.
#[derive(Debug)]
pub struct Wakeups {
    generations: Box<[AtomicU64]>,
    lanes: Box<[Notify]>,
}

impl Wakeups {
    /// Counters for `partitions` partitions in `lanes` lanes.
    pub fn new(partitions: usize, lanes: usize) -> Self {
        Self {
            generations: (0..partitions.max(1)).map(|_| AtomicU64::new(0)).collect(),
            lanes: (0..lanes.max(1)).map(|_| Notify::new()).collect(),
        }
    }

    /// Partition `p` may have new events.
    pub fn touch(&self, p: usize) {
        if let Some(g) = self.generations.get(p) {
            g.fetch_add(1, Ordering::Release);
            self.lanes[p % self.lanes.len()].notify_waiters();
        }
    }

    /// Partition `p`'s generation.
    pub fn generation(&self, p: usize) -> u64 {
        self.generations
            .get(p)
            .map_or(0, |g| g.load(Ordering::Acquire))
    }

    /// Resolves at the next [`Wakeups::touch`] of a partition of `lane`.
    pub fn notified(&self, lane: usize) -> tokio::sync::futures::Notified<'_> {
        self.lanes[lane % self.lanes.len()].notified()
    }
}

/// Where events are kept and how they are read. Implemented by the memory store's bounded
/// in-process log and by the Redis streams.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// How many partitions (ordered logs) there are.
    fn partitions(&self) -> usize;

    /// The partition of an owner's events.
    fn partition_of(&self, owner: &Owner) -> usize;

    /// How many lanes; partition `p` is in lane `p % lanes`.
    fn lanes(&self) -> usize {
        self.partitions().min(LANES)
    }

    /// This process's wake-ups.
    fn wakeups(&self) -> &Wakeups;

    /// Whether the log outlives the process (a restarted gateway delivers what it had not).
    fn durable(&self) -> bool;

    /// Creates consumer group `group` on every partition, starting at the end of each (what is
    /// written from now on); an existing group is left as it is.
    async fn register(&self, group: &str) -> Result<()>;

    /// Records that `worker` is alive (for `ttl`); returns how many workers are.
    async fn heartbeat(&self, worker: &str, ttl: Duration) -> Result<usize>;

    /// Takes, or keeps, lease `name`/`lane` for `worker` for `ttl`; true when `worker` holds it.
    async fn lease(&self, name: &str, lane: usize, worker: &str, ttl: Duration) -> Result<bool>;

    /// Gives the lease up when `worker` holds it.
    async fn release(&self, name: &str, lane: usize, worker: &str) -> Result<()>;

    /// Makes every event of `partition` that another worker of `group` read and did not
    /// acknowledge `worker`'s own (a worker that takes a lane over delivers them again).
    async fn claim(&self, group: &str, partition: usize, worker: &str) -> Result<()>;

    /// Up to `req.count` events of `req.partition` for `req.worker` of `req.group`, in order:
    /// with `req.pending`, those it read before and has not acknowledged; otherwise the next
    /// ones nobody read.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Vec<Event>>;

    /// Acknowledges events of `partition` for `group` (delivered, filtered out or dead).
    async fn ack(&self, group: &str, partition: usize, ids: &[String]) -> Result<()>;

    /// Keeps an event `group` gave up on.
    async fn dead_letter(&self, group: &str, letter: &DeadLetter) -> Result<()>;

    /// The latest dead letters of `group`, newest first.
    async fn dead_letters(&self, group: &str, limit: usize) -> Result<Vec<DeadLetter>>;

    /// Events after the cursor `after` (from the oldest kept without one), at most `limit`.
    async fn page(&self, after: Option<&str>, limit: usize) -> Result<EventPage>;

    /// Ends the sessions of `partitions` whose expiry has passed, each with its
    /// `session.expired` event, up to about `limit` owners per partition; returns how many
    /// sessions expired.
    async fn sweep(&self, partitions: &[usize], limit: usize) -> Result<u64>;

    /// Drops events of `partitions` older than `retention` or beyond the newest `max_len` of
    /// each (both about: the Redis streams drop whole nodes of entries).
    async fn trim(&self, partitions: &[usize], retention: Duration, max_len: usize) -> Result<()>;
}
