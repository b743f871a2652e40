//! What each measurement reports: one JSON line per record, read back by `loadgen report`.

use serde::{Deserialize, Serialize};

use crate::latency::Latency;

/// One measurement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Record {
    Throughput(Throughput),
    Bytes(Bytes),
    Growth(Growth),
}

/// A timed run of one scenario on one store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Throughput {
    pub scenario: String,
    pub store: String,
    pub concurrency: usize,
    /// HTTP requests of the timed run.
    pub requests: u64,
    /// Failed operations.
    pub errors: u64,
    pub req_per_s: f64,
    /// Of operations (an operation is one request, two for `ss-create-delete`).
    pub latency: Latency,
    /// What the requests cost Redis (Redis runs only).
    pub redis: Option<RedisCost>,
}

/// Redis work per HTTP request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedisCost {
    /// Every command Redis ran (those run inside functions and scripts included), from the
    /// `INFO commandstats` delta over the timed run.
    pub commands: f64,
    /// The same by command, most frequent first.
    pub by_command: Vec<(String, f64)>,
    /// Requests of the count phase (one at a time, after the timed run).
    pub counted_requests: u64,
    /// Commands the gateway sent (all commands less those run inside functions), count phase.
    pub top_level: f64,
    /// Read events Redis handled (one per command, pipeline or transaction sent), count phase.
    pub round_trips: f64,
}

/// Redis memory per session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bytes {
    /// What was created (`ss`, `amity`, `qb`, `qs`).
    pub of: String,
    /// Sessions created.
    pub sessions: u64,
    pub errors: u64,
    pub bytes_per_session: f64,
    pub keys_per_session: f64,
}

/// Amity logins of new users while the memory store grows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Growth {
    pub concurrency: usize,
    /// Logins answered (sessions created plus errors).
    pub logins: u64,
    pub errors: u64,
    pub seconds: f64,
    /// The target count of logins.
    pub target: u64,
    /// Gateway resident memory before the first and after the last login.
    pub rss_start: u64,
    pub rss_end: u64,
    pub bands: Vec<Band>,
}

/// The logins that found the store holding `from..to` sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Band {
    pub from: u64,
    pub to: u64,
    pub logins: u64,
    pub req_per_s: f64,
    pub latency: Latency,
}

impl Record {
    /// One line for the operator.
    pub fn summary(&self) -> String {
        match self {
            Self::Throughput(t) => format!(
                "{} on {}: {} requests, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors{}",
                t.scenario,
                t.store,
                t.requests,
                t.req_per_s,
                t.latency.p50,
                t.latency.p99,
                t.errors,
                t.redis.as_ref().map_or(String::new(), |r| format!(
                    ", {:.2} Redis commands, {:.2} round trips per request",
                    r.commands, r.round_trips
                )),
            ),
            Self::Bytes(b) => format!(
                "bytes of {}: {} sessions, {:.0} bytes and {:.2} keys per session, {} errors",
                b.of, b.sessions, b.bytes_per_session, b.keys_per_session, b.errors
            ),
            Self::Growth(g) => format!(
                "memory store growth: {} logins in {:.0} s, {} errors, RSS {} MB",
                g.logins,
                g.seconds,
                g.errors,
                g.rss_end >> 20
            ),
        }
    }
}
