//! The load generator and reporter of `make bench` (scripts/bench.sh starts the servers; this
//! binary loads them, measures and writes the tables).
//!
//! - `loadgen measure`: one scenario against a running gateway: req/s and latency over a timed
//!   run, and, with `--redis`, what each request costs Redis. Prints one JSON record.
//! - `loadgen bytes`: Redis memory per created session on a fresh redis-server. One JSON record.
//! - `loadgen growth`: Amity logins of new users while the memory store grows. One JSON record.
//! - `loadgen receive`: a webhook receiver answering 204, for the events scenarios.
//! - `loadgen report`: the records of a run as docs/benchmarks.md.
//! - `loadgen list`: the scenario names `measure` knows.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod bytes;
mod driver;
mod fail;
mod flows;
mod growth;
mod latency;
mod measure;
mod receive;
mod record;
mod redis_info;
mod redis_probe;
mod report;
mod scenario;
mod slowlog;
mod tenants;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::bytes::BytesOf;
use crate::fail::Fallible;
use crate::record::Record;
use crate::scenario::Scenario;

#[derive(Parser)]
#[command(about = "Load generator and reporter of `make bench`")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs one scenario for a fixed time and measures it.
    Measure(measure::Options),
    /// Measures Redis memory per session over a number of creates.
    Bytes(bytes::Options),
    /// Amity logins of new users while the memory store grows.
    Growth(growth::Options),
    /// A webhook receiver that answers every delivery 204 (the events scenarios).
    Receive(receive::Options),
    /// Writes the markdown report of a results file (JSON lines) to stdout.
    Report(report::Options),
    /// Prints the scenario names, one a line.
    List,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Cli::parse().command).await {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}

async fn run(command: Command) -> Fallible<()> {
    match command {
        Command::Measure(o) => emit(&measure::measure(&o).await?),
        Command::Bytes(o) => emit(&bytes::bytes(&o).await?),
        Command::Growth(o) => emit(&growth::growth(&o).await?),
        Command::Receive(o) => receive::receive(&o).await?,
        Command::Report(o) => print!("{}", report::report(&o, &read_records(&o.results)?)),
        Command::List => list(),
    }
    Ok(())
}

/// One record: JSON on stdout (collected by the script), a summary line on stderr.
fn emit(record: &Record) {
    eprintln!("{}", record.summary());
    match serde_json::to_string(record) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("loadgen: cannot encode a record: {e}"),
    }
}

fn read_records(path: &PathBuf) -> Fallible<Vec<Record>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bad record `{l}`: {e}").into()))
        .collect()
}

fn list() {
    for s in Scenario::value_variants() {
        if let Some(name) = s.to_possible_value() {
            println!("{}", name.get_name());
        }
    }
    for b in BytesOf::value_variants() {
        if let Some(name) = b.to_possible_value() {
            println!("bytes-{}", name.get_name());
        }
    }
}
