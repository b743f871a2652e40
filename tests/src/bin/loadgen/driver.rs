//! The closed loop: a number of clients, each sending its next operation as soon as the last
//! one answered, until a count of operations or a deadline is reached.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fail::Fallible;
use crate::flows::{Load, Outcome};

/// When a run stops: after `ops` operations were started, at `until`, whichever comes first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limit {
    pub ops: Option<u64>,
    pub until: Option<Instant>,
}

impl Limit {
    /// Exactly `ops` operations.
    pub fn ops(ops: u64) -> Self {
        Self {
            ops: Some(ops),
            until: None,
        }
    }

    /// Operations for `time`.
    pub fn time(time: Duration) -> Self {
        Self {
            ops: None,
            until: Some(Instant::now() + time),
        }
    }

    fn allows(&self, index: u64) -> bool {
        self.ops.is_none_or(|n| index < n) && self.until.is_none_or(|t| Instant::now() < t)
    }
}

/// One operation: its position in the run (in the order operations were started), how long it
/// took and when it ended (milliseconds since the run started).
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub index: u64,
    pub micros: u32,
    pub done_ms: u32,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Run {
    pub samples: Vec<Sample>,
    /// HTTP requests sent (an operation may send more than one).
    pub requests: u64,
    /// Operations that failed.
    pub errors: u64,
    pub elapsed: Duration,
    /// Why the first failed operation failed.
    pub first_failure: Option<String>,
}

impl Run {
    fn record(&mut self, index: u64, started: Instant, run_start: Instant, outcome: Outcome) {
        self.samples.push(Sample {
            index,
            micros: saturating_u32(started.elapsed().as_micros()),
            done_ms: saturating_u32(run_start.elapsed().as_millis()),
        });
        self.requests += u64::from(outcome.requests);
        if let Some(why) = outcome.failure {
            self.errors += 1;
            self.first_failure.get_or_insert(why);
        }
    }

    fn absorb(&mut self, part: Run) {
        self.samples.extend(part.samples);
        self.requests += part.requests;
        self.errors += part.errors;
        if self.first_failure.is_none() {
            self.first_failure = part.first_failure;
        }
    }

    /// Operations that completed.
    pub fn ops(&self) -> u64 {
        self.samples.len() as u64
    }

    /// Operations that succeeded.
    pub fn successes(&self) -> u64 {
        self.ops() - self.errors
    }

    /// HTTP requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Every latency in microseconds.
    pub fn micros(&self) -> Vec<u32> {
        self.samples.iter().map(|s| s.micros).collect()
    }
}

/// Runs `load` from `concurrency` clients until `limit`.
pub async fn drive(load: &Arc<Load>, concurrency: usize, limit: Limit) -> Fallible<Run> {
    let next = Arc::new(AtomicU64::new(0));
    let run_start = Instant::now();
    let clients: Vec<_> = (0..concurrency.max(1))
        .map(|_| tokio::spawn(client(load.clone(), next.clone(), limit, run_start)))
        .collect();
    let mut run = Run::default();
    for c in clients {
        run.absorb(c.await?);
    }
    run.elapsed = run_start.elapsed();
    Ok(run)
}

async fn client(load: Arc<Load>, next: Arc<AtomicU64>, limit: Limit, run_start: Instant) -> Run {
    let mut part = Run::default();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if !limit.allows(index) {
            return part;
        }
        let started = Instant::now();
        let outcome = load.once().await;
        part.record(index, started, run_start, outcome);
    }
}

fn saturating_u32(n: u128) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_stops_at_its_count_or_its_deadline() {
        let ops = Limit::ops(3);
        assert!(ops.allows(2));
        assert!(!ops.allows(3));
        let past = Limit {
            ops: Some(10),
            until: Some(Instant::now()),
        };
        assert!(!past.allows(0));
        assert!(Limit::time(Duration::from_secs(60)).allows(u64::MAX));
    }
}
