//! `loadgen bytes`: Redis memory per session. On a fresh redis-server and gateway: a warm-up
//! (the gateway's connections and function library in place, owners other than the measured
//! one), a settled `INFO` snapshot, `sessions` creates, another settled snapshot. Bytes per
//! session are the growth of `used_memory` less client buffers (`mem_clients_normal`) over the
//! sessions created; keys per session the growth of the keyspace.

use std::sync::Arc;

use clap::ValueEnum;

use crate::driver::{drive, Limit};
use crate::fail::Fallible;
use crate::flows::{Client, Load};
use crate::record::{Bytes, Record};
use crate::redis_probe::Probe;
use crate::scenario::Scenario;

/// Warm-up operations per client.
const WARM_UP_PER_CLIENT: u64 = 4;

/// What is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BytesOf {
    /// Session-storage sessions of one client user.
    Ss,
    /// Amity logins of new users (user document included).
    Amity,
    /// QuickBlox application sessions (with their nonce claims).
    Qb,
    /// QuickSync groups with their host.
    Qs,
}

impl BytesOf {
    /// The scenario that warms up and the one that is measured.
    fn scenarios(self) -> (Scenario, Scenario) {
        match self {
            Self::Ss => (Scenario::SsCreate, Scenario::SsCreateOne),
            Self::Amity => (Scenario::AmityRegisterNew, Scenario::AmityRegisterNew),
            Self::Qb => (Scenario::QbCreate, Scenario::QbCreate),
            Self::Qs => (Scenario::QsCreate, Scenario::QsCreate),
        }
    }

    /// The name on the command line.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    /// What one unit is, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Ss => "session-storage session, all of one client user",
            Self::Amity => "Amity login of a new user, the user's document included",
            Self::Qb => "QuickBlox application session, its nonce claim included",
            Self::Qs => "QuickSync group with its host session",
        }
    }
}

#[derive(clap::Args)]
pub struct Options {
    /// The gateway, `http://127.0.0.1:PORT`.
    #[arg(long)]
    pub base: String,
    /// The gateway's redis-server (fresh: nothing else writes to it).
    #[arg(long)]
    pub redis: String,
    #[arg(long, value_enum)]
    pub of: BytesOf,
    #[arg(long, default_value_t = 10_000)]
    pub sessions: u64,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
}

/// Creates `sessions` and measures what Redis holds for them.
pub async fn bytes(o: &Options) -> Fallible<Record> {
    let (warm, measured) = o.of.scenarios();
    let load = prepare(o, measured).await?;
    let warm_load = if warm == measured {
        load.clone()
    } else {
        prepare(o, warm).await?
    };
    let warm_ops = o.concurrency as u64 * WARM_UP_PER_CLIENT;
    drive(&warm_load, o.concurrency, Limit::ops(warm_ops)).await?;
    let mut probe = Probe::connect(std::slice::from_ref(&o.redis)).await?;
    let before = probe.settled_info().await?;
    let run = drive(&load, o.concurrency, Limit::ops(o.sessions)).await?;
    let after = probe.settled_info().await?;
    if let Some(why) = &run.first_failure {
        eprintln!(
            "bytes of {}: {} creates failed, the first: {why}",
            o.of.name(),
            run.errors
        );
    }
    let created = run.successes().max(1) as f64;
    Ok(Record::Bytes(Bytes {
        of: o.of.name(),
        sessions: run.successes(),
        errors: run.errors,
        bytes_per_session: (after.data_memory() - before.data_memory()) as f64 / created,
        keys_per_session: (after.keys as f64 - before.keys as f64) / created,
    }))
}

async fn prepare(o: &Options, scenario: Scenario) -> Fallible<Arc<Load>> {
    let client = Client::new(&o.base, o.concurrency)?;
    Ok(Arc::new(
        Load::prepare(scenario, client, o.concurrency).await?,
    ))
}
