//! `loadgen measure`: a warm-up, a timed run, and on Redis a count phase.
//!
//! - Timed run: `concurrency` closed-loop clients for `seconds`. On Redis, the `INFO
//!   commandstats` delta over it gives every command Redis ran per request (inside functions
//!   too).
//! - Count phase (Redis only, after the timed run): `counted` operations one at a time while
//!   Redis logs every command. Commands logged as run by a function or script (address `?:0`)
//!   are taken from the commandstats delta to leave the commands the gateway sent; the
//!   `total_reads_processed` delta (less the probe's own `INFO`) gives round trips: with one
//!   request in flight, each read event is one command, pipeline or transaction the gateway
//!   sent and waited for. On a cluster every master is watched and the counts are summed.

use std::sync::Arc;
use std::time::Duration;

use crate::driver::{drive, Limit, Run};
use crate::fail::Fallible;
use crate::flows::{Client, Load};
use crate::latency::Latency;
use crate::record::{Record, RedisCost, Throughput};
use crate::redis_info::Info;
use crate::redis_probe::Probe;
use crate::scenario::Scenario;
use crate::slowlog;

/// Warm-up operations per client (opens every connection of the gateway and of its workers).
const WARM_UP_PER_CLIENT: u64 = 4;
/// Room in the command log per counted operation.
const LOG_ENTRIES_PER_OP: u64 = 256;

#[derive(clap::Args)]
pub struct Options {
    /// The gateway, `http://127.0.0.1:PORT`.
    #[arg(long)]
    pub base: String,
    #[arg(long)]
    pub scenario: Scenario,
    /// The store's name in the report (`memory`, `redis`).
    #[arg(long)]
    pub store: String,
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// The gateway's redis-server, or every master of its cluster (repeat the option or
    /// separate by commas): measure what requests cost them.
    #[arg(long, value_delimiter = ',')]
    pub redis: Vec<String>,
    /// Operations of the count phase.
    #[arg(long, default_value_t = 200)]
    pub counted: u64,
}

/// Runs the scenario and measures it.
pub async fn measure(o: &Options) -> Fallible<Record> {
    let client = Client::new(&o.base, o.concurrency)?;
    let load = Arc::new(Load::prepare(o.scenario, client, o.concurrency).await?);
    warm_up(&load, o.concurrency).await?;
    let watch = if o.redis.is_empty() {
        None
    } else {
        Some(Watch::start(&o.redis).await?)
    };
    let run = drive(
        &load,
        o.concurrency,
        Limit::time(Duration::from_secs(o.seconds)),
    )
    .await?;
    warn_of_failures_in(&o.scenario.name(), &run);
    let redis = match watch {
        Some(watch) => Some(watch.cost(&load, &run, o.counted).await?),
        None => None,
    };
    Ok(Record::Throughput(Throughput {
        scenario: o.scenario.name(),
        store: o.store.clone(),
        concurrency: o.concurrency,
        requests: run.requests,
        errors: run.errors,
        req_per_s: run.rate(),
        latency: Latency::of(&mut run.micros()),
        redis,
    }))
}

async fn warm_up(load: &Arc<Load>, concurrency: usize) -> Fallible<()> {
    let ops = concurrency as u64 * WARM_UP_PER_CLIENT;
    let run = drive(load, concurrency, Limit::ops(ops)).await?;
    match (run.successes(), run.first_failure) {
        (0, Some(why)) => Err(format!("every warm-up request failed: {why}").into()),
        _ => Ok(()),
    }
}

fn warn_of_failures_in(what: &str, run: &Run) {
    if let Some(why) = &run.first_failure {
        eprintln!("{what}: {} operations failed, the first: {why}", run.errors);
    }
}

/// The gateway's redis-server as it was before the timed run.
struct Watch {
    probe: Probe,
    before: Info,
}

impl Watch {
    async fn start(urls: &[String]) -> Fallible<Self> {
        let mut probe = Probe::connect(urls).await?;
        let before = probe.info().await?;
        Ok(Self { probe, before })
    }

    /// The timed run's commands per request, then the count phase.
    async fn cost(mut self, load: &Arc<Load>, run: &Run, counted: u64) -> Fallible<RedisCost> {
        let calls = self.probe.info().await?.calls_since(&self.before);
        let per_request = |n: u64| n as f64 / run.requests.max(1) as f64;
        let mut by_command: Vec<(String, f64)> = calls
            .iter()
            .map(|(name, n)| (name.clone(), per_request(*n)))
            .collect();
        by_command.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let phase = count_phase(load, &mut self.probe, counted).await?;
        Ok(RedisCost {
            commands: per_request(calls.values().sum()),
            by_command,
            counted_requests: phase.requests,
            top_level: phase.per_request(phase.top_level),
            round_trips: phase.per_request(phase.round_trips),
        })
    }
}

/// What the count phase saw.
struct Counted {
    requests: u64,
    top_level: u64,
    round_trips: u64,
}

impl Counted {
    fn per_request(&self, n: u64) -> f64 {
        n as f64 / self.requests.max(1) as f64
    }
}

async fn count_phase(load: &Arc<Load>, probe: &mut Probe, ops: u64) -> Fallible<Counted> {
    let room = ops * LOG_ENTRIES_PER_OP;
    let saved = probe.log_every_command(room).await?;
    let counted = logged_run(load, probe, ops, room).await;
    probe.restore(saved).await?;
    counted
}

async fn logged_run(load: &Arc<Load>, probe: &mut Probe, ops: u64, room: u64) -> Fallible<Counted> {
    let before = probe.info().await?;
    let run = drive(load, 1, Limit::ops(ops)).await?;
    let after = probe.info().await?;
    warn_of_failures_in("the count phase", &run);
    let log = probe.logged().await?;
    if log.len() as u64 >= room {
        return Err(format!("the command log overflowed ({room} entries)").into());
    }
    let all: u64 = after.calls_since(&before).values().sum();
    Ok(Counted {
        requests: run.requests,
        top_level: all.saturating_sub(slowlog::in_scripts(&log)),
        // The `after` snapshot's own INFO is one read event of the probe on each node.
        round_trips: (after.reads - before.reads).saturating_sub(probe.node_count()),
    })
}
