//! The HTTP side of every flow: one keep-alive client, a counter for unique values, and the
//! outcome of one operation.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::fail::Fallible;

/// A client of one gateway.
pub struct Client {
    pub http: reqwest::Client,
    base: String,
    counter: AtomicU64,
}

impl Client {
    /// A client of the gateway at `base` (`http://127.0.0.1:PORT`) keeping up to `connections`
    /// connections open.
    pub fn new(base: &str, connections: usize) -> Fallible<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .no_proxy()
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            counter: AtomicU64::new(0),
        })
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A number no other call of this client returns.
    pub fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }
}

/// What one operation did: how many HTTP requests it sent and why it failed, if it did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub requests: u32,
    pub failure: Option<String>,
}

impl Outcome {
    /// `requests` requests, the last of which answered `want` (or why not).
    pub fn of(requests: u32, checked: Result<Response, String>) -> Self {
        Self {
            requests,
            failure: checked.err(),
        }
    }
}

/// The response if it has status `want`, else what went wrong.
pub fn expect(sent: reqwest::Result<Response>, want: StatusCode) -> Result<Response, String> {
    match sent {
        Ok(r) if r.status() == want => Ok(r),
        Ok(r) => Err(format!(
            "{} answered {} (want {want})",
            r.url().path(),
            r.status()
        )),
        Err(e) => Err(format!("request failed: {e}")),
    }
}

/// The string at `pointer` of a JSON answer with status `want`.
pub async fn json_field(
    sent: reqwest::Result<Response>,
    want: StatusCode,
    pointer: &str,
) -> Result<String, String> {
    let body: Value = expect(sent, want)?
        .json()
        .await
        .map_err(|e| format!("unreadable answer: {e}"))?;
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no `{pointer}` in {body}"))
}
