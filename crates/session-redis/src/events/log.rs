//! [`EventLog`] on Redis: one stream per partition with a consumer group per webhook, leases
//! as keys that expire, dead letters as a capped stream per group, the expiry sweep as one
//! function call per due owner, found by one call per node for many partitions.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use redis::Value;
use session_core::events::{
    DeadLetter, Event, EventLog, EventPage, ReadRequest, Wakeups, DEAD_LETTERS_KEPT,
};
use session_core::{Error, Owner, Result, SharedClock};

use super::decode::{self, Entry};
use super::keys::EventKeys;
use crate::codec::{array, bytes, int, string};
use crate::scripts::SCRIPTS;
use crate::{RedisSettings, RedisStore};

/// How many pending entries one `XAUTOCLAIM` takes over.
const CLAIM_STEP: usize = 100;

/// The events of a Redis store (single node or cluster).
pub struct RedisEventLog {
    pub(super) store: RedisStore,
    pub(super) keys: Arc<EventKeys>,
}

impl std::fmt::Debug for RedisEventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisEventLog")
            .field("partitions", &self.keys.partitions())
            .finish()
    }
}

impl RedisEventLog {
    /// The log of the stores that write with `keys` (the same value, so their writes wake the
    /// deliverers of this process). Connects lazily, on the runtime that first uses it.
    pub fn new(settings: RedisSettings, clock: SharedClock, keys: Arc<EventKeys>) -> Result<Self> {
        let store = RedisStore::new(settings, clock)?.with_events(keys.clone());
        Ok(Self { store, keys })
    }

    /// Ends the expired sessions of the owner `hash` of `partition`, due in its schedule (`life`
    /// empty) or at the head of its queue for `life` (`entry`, which the call takes off).
    async fn expire(&self, partition: usize, hash: &str, life: &str, entry: &str) -> Result<u64> {
        let (x, c) = (format!("{hash}:x"), format!("{hash}:c"));
        let (stream, schedule) = (self.keys.stream(partition), self.keys.schedule(partition));
        let queue = (!life.is_empty()).then(|| self.keys.queue(partition, life));
        let mut keys = vec![hash, x.as_str(), c.as_str(), stream, schedule];
        let mut args = Vec::new();
        if let Some(queue) = &queue {
            keys.extend([queue.as_str(), self.keys.queue_heads(partition)]);
            args = vec![entry.as_bytes().to_vec(), life.as_bytes().to_vec()];
        }
        let (pruned, _, _) = self
            .store
            .function("events_expire", &SCRIPTS.expire, &keys, &args, false)
            .await?;
        Ok(pruned)
    }

    async fn command(&self, what: &str, cmd: redis::Cmd) -> Result<Value> {
        self.store.query(what, cmd, false).await
    }

    /// Redis's own time, ms (stream ids are made of it).
    async fn redis_now(&self) -> Result<i64> {
        let v = self.command("events_time", redis::cmd("TIME")).await?;
        let parts = array("events_time", v)?;
        let secs: i64 = parts
            .first()
            .cloned()
            .map(|v| string("events_time", v))
            .transpose()?
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::Internal("events_time: no time".into()))?;
        let micros: i64 = parts
            .get(1)
            .cloned()
            .map(|v| string("events_time", v))
            .transpose()?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok(secs * 1000 + micros / 1000)
    }

    /// The events of entries of partition `p`; entries that cannot be read (trimmed before they
    /// were read, or corrupt) are reported and left out.
    pub(super) fn decode(&self, p: usize, entries: &[Entry]) -> (Vec<Event>, Vec<String>) {
        let mut events = Vec::with_capacity(entries.len());
        let mut bad = Vec::new();
        for e in entries {
            match decode::event(&self.store.keys, p, e) {
                Ok(ev) => events.push(ev),
                Err(err) => {
                    tracing::warn!(partition = p, entry = %e.id, error = %err, "events: an entry cannot be delivered");
                    bad.push(e.id.clone());
                }
            }
        }
        (events, bad)
    }

    async fn xack(&self, group: &str, p: usize, stream_ids: &[String]) -> Result<()> {
        if stream_ids.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("XACK");
        cmd.arg(self.keys.stream(p)).arg(group);
        for id in stream_ids {
            cmd.arg(id);
        }
        self.command("events_ack", cmd).await.map(|_| ())
    }

    async fn create_group(&self, group: &str, p: usize) -> Result<()> {
        self.create_groups(group, &[p]).await
    }
}

/// A cursor's stream position, when it is one of ours.
fn cursor(after: &str) -> Result<(u64, u64, usize)> {
    decode::position(after).ok_or_else(|| Error::invalid("after", "not a cursor of this log"))
}

/// The stream entry id of an event id.
fn stream_id(event_id: &str) -> Option<String> {
    decode::position(event_id).map(|(ms, seq, _)| format!("{ms}-{seq}"))
}

/// The least a partition is asked for in one page of the pull API.
const PAGE_SHARE_MIN: usize = 16;

#[async_trait]
impl EventLog for RedisEventLog {
    fn partitions(&self) -> usize {
        self.keys.partitions()
    }

    fn partition_of(&self, owner: &Owner) -> usize {
        self.keys.partition_of(owner)
    }

    fn wakeups(&self) -> &Wakeups {
        self.keys.wakeups()
    }

    fn durable(&self) -> bool {
        true
    }

    async fn register(&self, group: &str) -> Result<()> {
        self.create_groups_everywhere(group).await
    }

    async fn heartbeat(&self, worker: &str, ttl: Duration) -> Result<usize> {
        let key = self.keys.workers();
        let (_, _, mut rest) = self
            .store
            .function(
                "events_heartbeat",
                &SCRIPTS.workers,
                &[key.as_str()],
                &[
                    worker.as_bytes().to_vec(),
                    ttl.num_milliseconds().max(1).to_string().into_bytes(),
                ],
                true,
            )
            .await?;
        Ok(int("events_heartbeat", rest.next().unwrap_or(Value::Int(1)))?.max(1) as usize)
    }

    async fn lease(&self, name: &str, lane: usize, worker: &str, ttl: Duration) -> Result<bool> {
        let key = self.keys.lease(name, lane);
        let (_, _, mut rest) = self
            .store
            .function(
                "events_lease",
                &SCRIPTS.lease,
                &[key.as_str()],
                &[
                    b"take".to_vec(),
                    worker.as_bytes().to_vec(),
                    ttl.num_milliseconds().max(1).to_string().into_bytes(),
                ],
                false,
            )
            .await?;
        Ok(int("events_lease", rest.next().unwrap_or(Value::Int(0)))? == 1)
    }

    async fn release(&self, name: &str, lane: usize, worker: &str) -> Result<()> {
        let key = self.keys.lease(name, lane);
        self.store
            .function(
                "events_release",
                &SCRIPTS.lease,
                &[key.as_str()],
                &[b"drop".to_vec(), worker.as_bytes().to_vec(), b"1".to_vec()],
                false,
            )
            .await
            .map(|_| ())
    }

    async fn claim(&self, group: &str, partition: usize, worker: &str) -> Result<()> {
        let mut at = "0-0".to_owned();
        loop {
            let mut cmd = redis::cmd("XAUTOCLAIM");
            cmd.arg(self.keys.stream(partition))
                .arg(group)
                .arg(worker)
                .arg(0)
                .arg(&at)
                .arg("COUNT")
                .arg(CLAIM_STEP);
            let reply = match self.command("events_claim", cmd).await {
                Err(Error::Internal(e)) if e.contains("NOGROUP") => {
                    return self.create_group(group, partition).await;
                }
                other => other?,
            };
            let mut parts = array("events_claim", reply)?.into_iter();
            at = string("events_claim", parts.next().unwrap_or(Value::Nil))?;
            if at == "0-0" {
                return Ok(());
            }
        }
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Vec<Event>> {
        let ReadRequest {
            group,
            partition,
            worker,
            count,
            pending,
        } = req;
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(group)
            .arg(worker)
            .arg("COUNT")
            .arg(count.max(1))
            .arg("STREAMS")
            .arg(self.keys.stream(partition))
            .arg(if pending { "0" } else { ">" });
        let reply = match self.command("events_read", cmd).await {
            Err(Error::Internal(e)) if e.contains("NOGROUP") => {
                // The stream went away (a flush): the group starts again from now.
                self.create_group(group, partition).await?;
                return Ok(Vec::new());
            }
            other => other?,
        };
        let entries = decode::read_reply("events_read", reply)?;
        let (events, bad) = self.decode(partition, &entries);
        self.xack(group, partition, &bad).await?;
        Ok(events)
    }

    async fn ack(&self, group: &str, partition: usize, ids: &[String]) -> Result<()> {
        let ids: Vec<String> = ids.iter().filter_map(|i| stream_id(i)).collect();
        self.xack(group, partition, &ids).await
    }

    async fn dead_letter(&self, group: &str, letter: &DeadLetter) -> Result<()> {
        let json = serde_json::to_string(letter)
            .map_err(|e| Error::Internal(format!("events: a dead letter: {e}")))?;
        let mut cmd = redis::cmd("XADD");
        cmd.arg(self.keys.dead(group))
            .arg("MAXLEN")
            .arg("~")
            .arg(DEAD_LETTERS_KEPT)
            .arg("*")
            .arg("l")
            .arg(json);
        self.command("events_dead_letter", cmd).await.map(|_| ())
    }

    async fn dead_letters(&self, group: &str, limit: usize) -> Result<Vec<DeadLetter>> {
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(self.keys.dead(group))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(limit.max(1));
        let entries = decode::entries(
            "events_dead_letters",
            self.store.query("events_dead_letters", cmd, true).await?,
        )?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let Some(fields) = e.fields else { continue };
            let mut it = fields.into_iter();
            while let (Some(_), Some(v)) = (it.next(), it.next()) {
                let raw = bytes("events_dead_letters", v)?;
                match serde_json::from_slice::<DeadLetter>(&raw) {
                    Ok(letter) => out.push(letter),
                    Err(err) => tracing::warn!(error = %err, "events: an unreadable dead letter"),
                }
            }
        }
        Ok(out)
    }

    async fn page(&self, after: Option<&str>, limit: usize) -> Result<EventPage> {
        let from = after.map(cursor).transpose()?;
        // Only events old enough that no write can still add one before them: a second on a
        // cluster (node clocks differ), a millisecond on a single node.
        let settle = if self.keys.cluster() { 1000 } else { 1 };
        let before = self.redis_now().await? - settle;
        let limit = limit.max(1);
        // Events are ordered by (ms, seq, partition); a partition starts after the cursor.
        let start = |p: usize| match from {
            None => "-".to_owned(),
            Some((ms, seq, cp)) if p > cp => format!("{ms}-{seq}"),
            Some((ms, seq, _)) => format!("({ms}-{seq}"),
        };
        // First each partition's first event after the cursor (an id each). The page's
        // events are no later than the `limit`th of those, so only the partitions whose first
        // event is no later are read, each up to it.
        let mut heads: Vec<(u64, u64, usize)> = self
            .heads(&start, before)
            .await?
            .into_iter()
            .map(|(p, (ms, seq))| (ms, seq, p))
            .collect();
        heads.sort_unstable();
        let last_head = heads.get(limit - 1).copied();
        let end = match last_head {
            Some((ms, seq, _)) => format!("{ms}-{seq}"),
            None => before.max(0).to_string(),
        };
        heads.truncate(limit);
        let mut parts: Vec<usize> = heads.into_iter().map(|(_, _, p)| p).collect();
        parts.sort_unstable();
        // Each is asked for a share of the page, not the whole page (which would read up to
        // `limit` squared events): a partition that returns its full share may hold more
        // before later events of the others, so the page ends at the earliest last event of
        // those (nothing before it is missing, and it holds that partition's share at least).
        let per = limit.min((2 * limit / parts.len().max(1)).max(PAGE_SHARE_MIN));
        let read = self.ranges(&parts, &start, &end, per).await?;
        // An event of another partition at the same (ms, seq) as the last head comes after it.
        let cut = read
            .iter()
            .filter(|events| events.len() >= per)
            .filter_map(|events| events.last().and_then(|e| decode::position(&e.id)))
            .chain(last_head)
            .min();
        let mut events: Vec<Event> = read.into_iter().flatten().collect();
        events.sort_by_key(|e| decode::position(&e.id));
        if let Some(cut) = cut {
            events.retain(|e| decode::position(&e.id).is_some_and(|at| at <= cut));
        }
        events.truncate(limit);
        let next = events
            .last()
            .map(|e| e.id.clone())
            .or_else(|| after.map(str::to_owned));
        Ok(EventPage { events, next })
    }

    async fn sweep(&self, partitions: &[usize], limit: usize) -> Result<u64> {
        let mut expired = 0u64;
        let mut woken = None;
        // Each owner due in the schedule (no lifetime) or at the head of a queue (its lifetime
        // and the entry, which the owner's call takes off the queue).
        for (p, owner, life, entry) in self.due(partitions, limit).await? {
            let pruned = self.expire(p, &owner, &life, &entry).await?;
            if pruned > 0 && woken != Some(p) {
                self.keys.wakeups().touch(p);
                woken = Some(p);
            }
            expired += pruned;
        }
        Ok(expired)
    }

    async fn trim(&self, partitions: &[usize], retention: Duration, max_len: usize) -> Result<()> {
        self.trim_parts(partitions, retention.num_milliseconds(), max_len)
            .await
    }
}
