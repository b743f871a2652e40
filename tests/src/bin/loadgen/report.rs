//! `loadgen report`: docs/benchmarks.md from the records of one run.

use std::fmt::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use crate::bytes::BytesOf;
use crate::record::{Bytes, Growth, Record, Throughput};
use crate::scenario::Scenario;

#[derive(clap::Args)]
pub struct Options {
    /// The records (JSON lines) of `measure`, `bytes` and `growth`.
    #[arg(long)]
    pub results: PathBuf,
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// The gateway's actix workers.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Operations of each count phase.
    #[arg(long, default_value_t = 200)]
    pub counted: u64,
    /// `redis-server --version`.
    #[arg(long, default_value = "")]
    pub redis_version: String,
}

/// The whole document.
pub fn report(o: &Options, records: &[Record]) -> String {
    let throughput: Vec<&Throughput> = records.iter().filter_map(as_throughput).collect();
    let bytes: Vec<&Bytes> = records.iter().filter_map(as_bytes).collect();
    let growth: Vec<&Growth> = records.iter().filter_map(as_growth).collect();
    let mut doc = String::from("# Benchmarks\n\n");
    doc += &method(o, !throughput.is_empty());
    if !throughput.is_empty() {
        doc += &requests_table(&throughput, o.counted);
        doc += &flavor_table(
            "Creates",
            "Each flavor's create from the table above, on every store measured.",
            &throughput,
            Scenario::create,
        );
        doc += &flavor_table(
            "Token checks",
            "Each flavor's token check from the table above, on every store measured.",
            &throughput,
            Scenario::token_check,
        );
    }
    if !bytes.is_empty() {
        doc += &bytes_table(&bytes);
    }
    for g in growth {
        doc += &growth_section(g);
    }
    doc += &scenarios(&throughput);
    doc += HOW_TO;
    doc
}

/// How to run `make bench` and read what it writes; the same in every report.
const HOW_TO: &str = "\
## How to run and read

`make bench` (scripts/bench.sh) builds the gateway and `loadgen` (tests/src/bin/loadgen) in \
release mode, then runs every scenario of `BENCH_SCENARIOS` on every store of `BENCH_STORES` \
(`memory redis cluster`), each on a fresh gateway and a fresh redis-server or cluster on \
loopback ports, and writes this file (`BENCH_OUT`). Every run is bounded: `BENCH_SECONDS` per \
timed run, `BENCH_BYTES_SESSIONS` creates per memory figure, `BENCH_GROWTH_SESSIONS` logins or \
`BENCH_GROWTH_SECONDS` for the growth run. The growth run is opt-in: \
`BENCH_SCENARIOS=mem-growth make bench`. Every option is listed at the top of scripts/bench.sh; \
`BENCH_RESULTS=path` keeps the raw records (JSON lines), and `loadgen report --results path` \
renders them again.

- **req/s** counts HTTP requests; **p50/p99/p99.9** are of operations (one request each, two \
  for `ss-create-delete`), measured by the client, so they include its own queueing.
- **cmds** is exact over the whole timed run; **top-level** and **round trips** come from the \
  one-at-a-time count phase, where no two requests share a read event. A round trip of 1 \
  means one command, function call, pipeline or MULTI/EXEC per request; the QuickBlox create \
  makes 2 (the nonce claim and the session live in different hash slots, see \
  docs/redis-keys.md).
- **bytes per session** include every key and index entry a create adds (and the user's \
  document for a new Amity user), after Redis's incremental rehashing settled.
- **Memory store growth**: a resize of a whole table would show as a band whose p99 or max \
  jumps while its neighbours stay flat.
- **Where a token check spends its time**: a profile of the Amity check (perf, call graphs) is \
  at the end of this page; the side-by-side runs against other session servers are in \
  docs/benchmarks-peers.md.
";

fn method(o: &Options, timed_runs: bool) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let redis = o
        .redis_version
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .map_or(String::new(), |v| format!(" {v}"));
    let timed = if timed_runs {
        format!("; a warm-up, then {} s per scenario", o.seconds)
    } else {
        String::new()
    };
    format!(
        "Written by `make bench` (scripts/bench.sh) on {date}: release build, the gateway with {w} \
         workers, each scenario on a fresh gateway over the memory store (`memory`), a fresh \
         redis-server{redis} without persistence (`redis`) or a fresh Redis Cluster of 3 masters \
         without replicas (`cluster`); a store named `<store>+webhook` is the same with session \
         events on and one webhook delivering them to a local receiver that answers 204 (the \
         cost of events: compare with the same scenario on `<store>`); {c} closed-loop HTTP/1.1 \
         keep-alive clients \
         (`loadgen`) on the same machine ({cores} cores shared by clients, gateway and \
         Redis){timed}. Latencies in milliseconds. Figures of a shared machine: compare runs of \
         one machine only.\n\n",
        date = chrono::Utc::now().format("%Y-%m-%d"),
        w = o.workers,
        c = o.concurrency,
    )
}

/// How the Redis columns are counted.
fn redis_legend(counted: u64) -> String {
    format!(
        "Redis columns, per HTTP request: **cmds**, every command Redis ran, those run inside \
         functions included (the `INFO commandstats` delta over the timed run). Then {counted} \
         operations go one at a time while Redis logs every command (`slowlog-log-slower-than \
         0`): **top-level**, the commandstats delta less the commands logged as run by a \
         function (client `?:0`), i.e. the commands the gateway sent; **round trips**, the \
         `total_reads_processed` delta less the probe's own `INFO`: with one request in flight, \
         each read event is one command, pipeline or MULTI/EXEC the gateway sent and waited \
         for. On `cluster` every master is counted and the counts summed (commands the cluster \
         client sends of its own, such as `cluster|slots`, show in **cmds**).\n\n"
    )
}

fn requests_table(rows: &[&Throughput], counted: u64) -> String {
    let mut t = format!("## Requests\n\n{}", redis_legend(counted));
    t.push_str(
        "\
         | scenario | store | requests | req/s | p50 | p99 | p99.9 | errors | cmds | top-level | round trips | commands per request |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for r in rows {
        let (cmds, top, trips, by) = match &r.redis {
            Some(c) => (
                number(c.commands),
                number(c.top_level),
                number(c.round_trips),
                breakdown(&c.by_command),
            ),
            None => dashes(),
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {cmds} | {top} | {trips} | {by} |",
            r.scenario, r.store, r.requests, r.req_per_s, r.latency.p50, r.latency.p99, r.latency.p999, r.errors,
        );
    }
    t.push('\n');
    t
}

fn dashes() -> (String, String, String, String) {
    let d = || "–".to_owned();
    (d(), d(), d(), d())
}

/// A flavor's request of one kind (create or token check), as [`Scenario::create`] names it.
type Pick = fn(Scenario) -> Option<(&'static str, &'static str)>;

/// One row per flavor request of `pick` and store measured, in the order of the scenarios and
/// of the runs.
fn flavor_table(title: &str, intro: &str, rows: &[&Throughput], pick: Pick) -> String {
    let mut t = format!(
        "## {title}\n\n{intro}\n\n\
         | flavor | request | store | req/s | p50 | p99 | Redis cmds | round trips |\n\
         | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
    );
    let mut any = false;
    for s in Scenario::value_variants() {
        let Some((flavor, request)) = pick(*s) else {
            continue;
        };
        for r in rows.iter().filter(|r| r.scenario == s.name()) {
            any = true;
            let cost = r.redis.as_ref();
            let _ = writeln!(
                t,
                "| {flavor} | `{request}` | {} | {:.0} | {:.2} | {:.2} | {} | {} |",
                r.store,
                r.req_per_s,
                r.latency.p50,
                r.latency.p99,
                cost.map_or("–".into(), |c| number(c.commands)),
                cost.map_or("–".into(), |c| number(c.round_trips)),
            );
        }
    }
    if !any {
        return String::new();
    }
    t.push('\n');
    t
}

fn bytes_table(rows: &[&Bytes]) -> String {
    let mut t = String::from(
        "## Redis memory per session\n\n\
         Each on a fresh redis-server and gateway: after a warm-up, `used_memory` less client \
         buffers (`mem_clients_normal`) is read once it settles, the sessions are created, and it \
         is read again; the growth over the sessions created, and likewise the keyspace.\n\n\
         | what | sessions | bytes per session | keys per session | errors |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    for b in rows {
        let what = BytesOf::from_str(&b.of, false).map_or("?", BytesOf::describe);
        let _ = writeln!(
            t,
            "| {what} | {} | {:.0} | {} | {} |",
            b.sessions,
            b.bytes_per_session,
            number(b.keys_per_session),
            b.errors
        );
    }
    t.push('\n');
    t
}

fn growth_section(g: &Growth) -> String {
    let stored = g.logins - g.errors;
    let per_session = (g.rss_end as f64 - g.rss_start as f64) / stored.max(1) as f64;
    let stop = if g.logins >= g.target {
        "all"
    } else {
        "stopped at the time limit:"
    };
    let mut t = format!(
        "## Memory store growth\n\n\
         Amity logins of new users ({stop} {} of {} in {:.0} s, {} errors) at {} connections on a \
         fresh gateway over the memory store; latencies by the number of sessions stored when the \
         login was sent. Gateway resident memory {:.0} MB before, {:.0} MB after: **{per_session:.0} \
         bytes per session**, the user's document included.\n\n\
         | sessions stored | logins | req/s | p50 | p99 | max |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
        g.logins,
        g.target,
        g.seconds,
        g.errors,
        g.concurrency,
        mb(g.rss_start),
        mb(g.rss_end),
    );
    for b in &g.bands {
        let _ = writeln!(
            t,
            "| {}–{} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
            thousands(b.from),
            thousands(b.to),
            b.logins,
            b.req_per_s,
            b.latency.p50,
            b.latency.p99,
            b.latency.max
        );
    }
    t.push('\n');
    t
}

fn scenarios(rows: &[&Throughput]) -> String {
    let mut seen: Vec<Scenario> = rows
        .iter()
        .filter_map(|r| Scenario::named(&r.scenario))
        .collect();
    seen.dedup();
    if seen.is_empty() {
        return String::new();
    }
    let mut t = String::from("## Scenarios\n\n");
    for s in seen {
        let _ = writeln!(t, "- `{}`: {}", s.name(), s.describe());
    }
    t.push('\n');
    t
}

/// `commands per request` by name, most frequent first, those under 0.01 left out.
fn breakdown(by_command: &[(String, f64)]) -> String {
    let parts: Vec<String> = by_command
        .iter()
        .filter(|(_, n)| *n >= 0.005)
        .map(|(name, n)| format!("{name} {}", number(*n)))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// Two decimals at most, trailing zeros dropped.
fn number(n: f64) -> String {
    let s = format!("{n:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `1200000` as `1,200,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let head = digits.len() % 3;
    let mut out = digits[..head].to_owned();
    for group in digits.as_bytes()[head..].chunks(3) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&String::from_utf8_lossy(group));
    }
    out
}

fn as_throughput(r: &Record) -> Option<&Throughput> {
    match r {
        Record::Throughput(t) => Some(t),
        _ => None,
    }
}

fn as_bytes(r: &Record) -> Option<&Bytes> {
    match r {
        Record::Bytes(b) => Some(b),
        _ => None,
    }
}

fn as_growth(r: &Record) -> Option<&Growth> {
    match r {
        Record::Growth(g) => Some(g),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::Latency;
    use crate::record::RedisCost;

    fn run(scenario: &str, store: &str, redis: Option<RedisCost>) -> Throughput {
        Throughput {
            scenario: scenario.into(),
            store: store.into(),
            concurrency: 64,
            requests: 1000,
            errors: 0,
            req_per_s: 200.4,
            latency: Latency {
                p50: 1.0,
                p99: 2.5,
                p999: 3.0,
                max: 4.0,
            },
            redis,
        }
    }

    fn cost() -> RedisCost {
        RedisCost {
            commands: 3.0,
            by_command: vec![
                ("fcall".into(), 1.0),
                ("hset".into(), 2.0),
                ("hello".into(), 0.001),
            ],
            counted_requests: 200,
            top_level: 1.0,
            round_trips: 1.0,
        }
    }

    fn options() -> Options {
        Options {
            results: PathBuf::new(),
            seconds: 5,
            concurrency: 64,
            workers: 2,
            counted: 200,
            redis_version: "Redis server v=7.0.15 sha=0".into(),
        }
    }

    #[test]
    fn writes_a_row_per_run_and_a_create_and_check_row_per_flavor_and_store() {
        let records = [
            Record::Throughput(run("amity-check", "memory", None)),
            Record::Throughput(run("amity-check", "redis", Some(cost()))),
            Record::Throughput(run("qb-create", "redis", Some(cost()))),
        ];
        let doc = report(&options(), &records);
        assert!(doc.contains("redis-server 7.0.15"));
        assert!(doc.contains(
            "| amity-check | memory | 1000 | 200 | 1.00 | 2.50 | 3.00 | 0 | – | – | – | – |"
        ));
        assert!(doc.contains("| 3 | 1 | 1 | fcall 1, hset 2 |"));
        assert!(doc.contains(
            "| Amity | `GET /api/v3/sessions` | memory | 200 | 1.00 | 2.50 | – | – |\n\
             | Amity | `GET /api/v3/sessions` | redis | 200 | 1.00 | 2.50 | 3 | 1 |\n"
        ));
        assert!(doc
            .contains("| QuickBlox | `POST /session.json` | redis | 200 | 1.00 | 2.50 | 3 | 1 |"));
        assert!(!doc.contains("| QuickBlox | `GET"));
        assert!(!doc.contains("| Amity | `POST"));
        assert!(!doc.contains("## Redis memory"));
        assert!(doc.ends_with(HOW_TO));
    }

    #[test]
    fn formats_numbers_for_reading() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.506), "0.51");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
