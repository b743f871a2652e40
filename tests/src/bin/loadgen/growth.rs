//! `loadgen growth`: Amity logins of new users, `concurrency` at a time, on a fresh gateway over
//! the memory store, until `sessions` logins or `max_seconds`. Latencies by band of the store's
//! size (the position of a login in the run: the sessions stored when it was sent), and the
//! gateway's resident memory per session at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::driver::{drive, Limit, Sample};
use crate::fail::Fallible;
use crate::flows::{Client, Load};
use crate::latency::Latency;
use crate::record::{Band, Growth, Record};
use crate::scenario::Scenario;

#[derive(clap::Args)]
pub struct Options {
    /// The gateway, `http://127.0.0.1:PORT`, on a fresh memory store.
    #[arg(long)]
    pub base: String,
    /// The gateway's process id (its resident memory is read from /proc).
    #[arg(long)]
    pub pid: u32,
    #[arg(long, default_value_t = 1_000_000)]
    pub sessions: u64,
    /// Logins per band of the report.
    #[arg(long, default_value_t = 100_000)]
    pub band: u64,
    #[arg(long, default_value_t = 300)]
    pub max_seconds: u64,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
}

/// Runs the logins and measures them.
pub async fn growth(o: &Options) -> Fallible<Record> {
    let client = Client::new(&o.base, o.concurrency)?;
    let load = Arc::new(Load::prepare(Scenario::AmityRegisterNew, client, o.concurrency).await?);
    let rss_start = resident_bytes(o.pid)?;
    let limit = Limit {
        ops: Some(o.sessions),
        until: Some(Instant::now() + Duration::from_secs(o.max_seconds)),
    };
    let run = drive(&load, o.concurrency, limit).await?;
    let rss_end = resident_bytes(o.pid)?;
    if let Some(why) = &run.first_failure {
        eprintln!("growth: {} logins failed, the first: {why}", run.errors);
    }
    Ok(Record::Growth(Growth {
        concurrency: o.concurrency,
        logins: run.ops(),
        errors: run.errors,
        seconds: run.elapsed.as_secs_f64(),
        target: o.sessions,
        rss_start,
        rss_end,
        bands: bands(&run.samples, o.band.max(1)),
    }))
}

/// The samples split by `width` consecutive positions.
fn bands(samples: &[Sample], width: u64) -> Vec<Band> {
    let Some(last) = samples.iter().map(|s| s.index).max() else {
        return Vec::new();
    };
    let mut by_band: Vec<Vec<Sample>> = vec![Vec::new(); (last / width + 1) as usize];
    for s in samples {
        by_band[(s.index / width) as usize].push(*s);
    }
    by_band
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.is_empty())
        .map(|(i, b)| band(i as u64 * width, b))
        .collect()
}

fn band(from: u64, samples: &[Sample]) -> Band {
    let first = samples.iter().map(|s| s.done_ms).min().unwrap_or(0);
    let last = samples.iter().map(|s| s.done_ms).max().unwrap_or(0);
    let to = samples.iter().map(|s| s.index).max().unwrap_or(from) + 1;
    let mut micros: Vec<u32> = samples.iter().map(|s| s.micros).collect();
    Band {
        from,
        to,
        logins: samples.len() as u64,
        req_per_s: samples.len() as f64 * 1000.0 / f64::from((last - first).max(1)),
        latency: Latency::of(&mut micros),
    }
}

/// `VmRSS` of process `pid`.
fn resident_bytes(pid: u32) -> Fallible<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| format!("no VmRSS in {path}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(index: u64, micros: u32, done_ms: u32) -> Sample {
        Sample {
            index,
            micros,
            done_ms,
        }
    }

    #[test]
    fn splits_logins_by_the_store_size_they_met() {
        let samples: Vec<Sample> = (0..25)
            .map(|i| sample(i, 1000 * (i as u32 + 1), i as u32 * 10))
            .collect();
        let b = bands(&samples, 10);
        assert_eq!(b.len(), 3);
        assert_eq!((b[0].from, b[0].to, b[0].logins), (0, 10, 10));
        assert_eq!((b[2].from, b[2].to, b[2].logins), (20, 25, 5));
        assert_eq!(b[1].latency.max, 20.0);
        assert_eq!(b[0].req_per_s, 10.0 * 1000.0 / 90.0);
        assert!(bands(&[], 10).is_empty());
    }

    #[test]
    fn reads_the_resident_memory_of_this_process() {
        assert!(resident_bytes(std::process::id()).is_ok_and(|b| b > 0));
    }
}
