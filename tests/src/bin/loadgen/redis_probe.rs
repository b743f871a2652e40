//! A connection of its own to the gateway's redis-server: `INFO` snapshots and the command log.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::Value;

use crate::fail::Fallible;
use crate::redis_info::Info;
use crate::slowlog::Logged;

/// How long [`Probe::settled_info`] waits for memory to stop changing.
const SETTLE_TRIES: u32 = 30;
const SETTLE_STEP: Duration = Duration::from_millis(100);

/// The probe's connection.
pub struct Probe {
    con: MultiplexedConnection,
}

/// Slow-log settings to put back after a count phase.
pub struct SavedLog {
    slower_than: String,
    max_len: String,
}

impl Probe {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Fallible<Self> {
        let con = redis::Client::open(url)?
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| format!("cannot reach redis at {url}: {e}"))?;
        Ok(Self { con })
    }

    /// One snapshot (one `INFO` command: one command and one read event of the probe).
    pub async fn info(&mut self) -> Fallible<Info> {
        let text: String = redis::cmd("INFO")
            .arg("all")
            .query_async(&mut self.con)
            .await?;
        Ok(Info::parse(&text))
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
        redis::cmd("SLOWLOG")
            .arg("RESET")
            .exec_async(&mut self.con)
            .await?;
        Ok(saved)
    }

    /// Every logged command, oldest first.
    pub async fn logged(&mut self) -> Fallible<Vec<Logged>> {
        let len: u64 = redis::cmd("SLOWLOG")
            .arg("LEN")
            .query_async(&mut self.con)
            .await?;
        let entries: Vec<Value> = redis::cmd("SLOWLOG")
            .arg("GET")
            .arg(len)
            .query_async(&mut self.con)
            .await?;
        let log: Option<Vec<Logged>> = entries.iter().rev().map(Logged::from_entry).collect();
        log.ok_or_else(|| "an unreadable SLOWLOG entry".into())
    }

    /// Puts the slow-log settings back and empties the log.
    pub async fn restore(&mut self, saved: SavedLog) -> Fallible<()> {
        self.config_set("slowlog-log-slower-than", &saved.slower_than)
            .await?;
        self.config_set("slowlog-max-len", &saved.max_len).await?;
        redis::cmd("SLOWLOG")
            .arg("RESET")
            .exec_async(&mut self.con)
            .await?;
        Ok(())
    }

    async fn config_get(&mut self, name: &str) -> Fallible<String> {
        let pair: (String, String) = redis::cmd("CONFIG")
            .arg("GET")
            .arg(name)
            .query_async(&mut self.con)
            .await?;
        Ok(pair.1)
    }

    async fn config_set(&mut self, name: &str, value: &str) -> Fallible<()> {
        redis::cmd("CONFIG")
            .arg("SET")
            .arg(name)
            .arg(value)
            .exec_async(&mut self.con)
            .await?;
        Ok(())
    }
}
