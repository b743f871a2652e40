//! A connection flood at full scale, against the real binary with its open-file limit at 6,000
//! (so `server.max_connections` is cut to 5,400): 5,000 stalled bodies leave `/healthz` and a
//! login answering within a second; 20,000 (over three times the gateway's open-file limit) do not
//! bring it down, its accept failures are written at most once a second, and it serves again within
//! a second of them being cut (docs/operations.md has the measured times, debug and release).
//! The stalled connections are held by `stall_client` processes, whose sockets count against
//! their own limits (this machine's is 20,000), not the test's. Loopback only; the clients give
//! up a connect after 2 s and exit when told or after 300 s. Run alone (`make test-flood`, part of
//! `make test`; about 40 s), not beside the rest of the suite.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::process::Gateway;
use serde_json::Value;

use super::edge::{
    at_level, config_file, healthz_within_a_second_of_the_cut, serves_within_a_second,
};

/// A `stall_client` process holding stalled connections; killed (closing them) when dropped.
struct Held {
    child: Child,
    opened: usize,
}

impl Held {
    /// Opens `count` connections to `socket`, each tried `tries` times.
    fn open(socket: &str, count: usize, tries: u32) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stall_client"))
            .args([socket, &count.to_string(), &tries.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let opened = line
            .trim()
            .strip_prefix("opened ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("stall_client said {line:?}"));
        Self { child, opened }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run alone by `make test-flood` (in `make test`): its 1 s bounds under 20,000 \
            connections do not hold while the rest of the suite shares the two cores"]
async fn twenty_thousand_stalled_connections_never_stop_the_gateway() {
    let config = config_file("flood-scale");
    let env = [
        ("GATEWAY__SERVER__BODY_TIMEOUT_SECS", "120"),
        ("GATEWAY__SERVER__WORKERS", "2"),
    ];
    let mut gw = Gateway::start(&config, &env, Some(6_000));
    let socket = gw.socket();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();

    let socket_5k = socket.clone();
    let first = tokio::task::spawn_blocking(move || Held::open(&socket_5k, 5_000, 5))
        .await
        .unwrap();
    assert_eq!(first.opened, 5_000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    serves_within_a_second(&gw, &http).await;

    // 15,000 more: 20,000 in all, past the gateway's 6,000 descriptors.
    let flood_started = Instant::now();
    let socket_15k = socket.clone();
    let second = tokio::task::spawn_blocking(move || Held::open(&socket_15k, 15_000, 1))
        .await
        .unwrap();
    let opened = second.opened;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(gw.is_running(), "the gateway died under the flood");
    let flood_secs = flood_started.elapsed().as_secs_f64();

    drop(second);
    drop(first);
    let served_again = healthz_within_a_second_of_the_cut(&gw, &http).await;
    serves_within_a_second(&gw, &http).await;
    assert!(gw.is_running());

    // Accept failures, when there were any, at most one line a second.
    let lines = gw.lines();
    let mut per_second: HashMap<String, usize> = HashMap::new();
    for v in lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        if v["target"] == "actix_server::accept" {
            let ts = v["timestamp"].as_str().unwrap_or_default();
            *per_second.entry(ts.chars().take(19).collect()).or_default() += 1;
        }
    }
    assert!(
        per_second.values().all(|n| *n <= 1),
        "accept failures more than once a second: {per_second:?}"
    );
    assert!(
        at_level(&lines, "ERROR").len() <= per_second.len(),
        "{:?}",
        at_level(&lines, "ERROR")
    );
    eprintln!(
        "flood: 5000 + {opened} of 15000 connections held ({flood_secs:.1} s); served again \
         {served_again:?} after the cut; {} accept-failure lines",
        per_second.len()
    );
}
