//! Connections of its own to the gateway's redis-server, or to every master of its cluster:
//! `INFO` snapshots (summed over the nodes) and the command log (of every node).

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::Value;

use crate::fail::Fallible;
use crate::redis_info::Info;
use crate::slowlog::Logged;

/// How long [`Probe::settled_info`] waits for memory to stop changing.
const SETTLE_TRIES: u32 = 30;
const SETTLE_STEP: Duration = Duration::from_millis(100);

/// The probe's connections, one per node.
pub struct Probe {
    nodes: Vec<MultiplexedConnection>,
}

/// Slow-log settings to put back after a count phase.
pub struct SavedLog {
    slower_than: String,
    max_len: String,
}

impl Probe {
    /// Connects to every node of `urls` (one for a single redis-server, every master of a
    /// cluster).
    pub async fn connect(urls: &[String]) -> Fallible<Self> {
        if urls.is_empty() {
            return Err("no redis-server to watch".into());
        }
        let mut nodes = Vec::with_capacity(urls.len());
        for url in urls {
            let con = redis::Client::open(url.as_str())?
                .get_multiplexed_async_connection()
                .await
                .map_err(|e| format!("cannot reach redis at {url}: {e}"))?;
            nodes.push(con);
        }
        Ok(Self { nodes })
    }

    /// How many nodes the probe watches (each snapshot is one read event on each).
    pub fn node_count(&self) -> u64 {
        self.nodes.len() as u64
    }

    /// One snapshot, summed over the nodes (one `INFO` command, so one command and one read
    /// event of the probe, on each node).
    pub async fn info(&mut self) -> Fallible<Info> {
        let mut sum = Info::default();
        for con in &mut self.nodes {
            let text: String = redis::cmd("INFO").arg("all").query_async(con).await?;
            sum.add(&Info::parse(&text));
        }
        Ok(sum)
    }

    /// A snapshot once memory stopped changing (incremental rehashing done).
    pub async fn settled_info(&mut self) -> Fallible<Info> {
        let mut last = self.info().await?;
        for _ in 0..SETTLE_TRIES {
            tokio::time::sleep(SETTLE_STEP).await;
            let now = self.info().await?;
            if now.data_memory() == last.data_memory() {
                return Ok(now);
            }
            last = now;
        }
        Ok(last)
    }

    /// Logs every command Redis runs from now on, up to `entries`; returns the settings to
    /// [`Probe::restore`].
    pub async fn log_every_command(&mut self, entries: u64) -> Fallible<SavedLog> {
        let saved = SavedLog {
            slower_than: self.config_get("slowlog-log-slower-than").await?,
            max_len: self.config_get("slowlog-max-len").await?,
        };
        self.config_set("slowlog-max-len", &entries.to_string())
            .await?;
        self.config_set("slowlog-log-slower-than", "0").await?;
        self.reset_log().await?;
        Ok(saved)
    }

    /// Every logged command of every node, each node's oldest first.
    pub async fn logged(&mut self) -> Fallible<Vec<Logged>> {
        let mut log = Vec::new();
        for con in &mut self.nodes {
            let len: u64 = redis::cmd("SLOWLOG").arg("LEN").query_async(con).await?;
            let entries: Vec<Value> = redis::cmd("SLOWLOG")
                .arg("GET")
                .arg(len)
                .query_async(con)
                .await?;
            for entry in entries.iter().rev() {
                log.push(Logged::from_entry(entry).ok_or("an unreadable SLOWLOG entry")?);
            }
        }
        Ok(log)
    }

    /// Puts the slow-log settings back and empties the log.
    pub async fn restore(&mut self, saved: SavedLog) -> Fallible<()> {
        self.config_set("slowlog-log-slower-than", &saved.slower_than)
            .await?;
        self.config_set("slowlog-max-len", &saved.max_len).await?;
        self.reset_log().await
    }

    async fn reset_log(&mut self) -> Fallible<()> {
        for con in &mut self.nodes {
            redis::cmd("SLOWLOG").arg("RESET").exec_async(con).await?;
        }
        Ok(())
    }

    /// The setting of the first node (every node of a bench cluster starts alike).
    async fn config_get(&mut self, name: &str) -> Fallible<String> {
        let con = self.nodes.first_mut().ok_or("no redis-server to watch")?;
        let pair: (String, String) = redis::cmd("CONFIG")
            .arg("GET")
            .arg(name)
            .query_async(con)
            .await?;
        Ok(pair.1)
    }

    async fn config_set(&mut self, name: &str, value: &str) -> Fallible<()> {
        for con in &mut self.nodes {
            redis::cmd("CONFIG")
                .arg("SET")
                .arg(name)
                .arg(value)
                .exec_async(con)
                .await?;
        }
        Ok(())
    }
}
