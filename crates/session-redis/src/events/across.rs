//! The calls that cover many partitions: the sweep's survey of what is due, the trim, the pull
//! API's read and a consumer group's setup. On a cluster every slot is a partition, and one
//! call per slot would make each of these 16,384 round trips. Instead one function call takes
//! a batch of partitions: the first one's keys route it to that slot's node, and it goes on
//! with the others (their keys in its arguments, `allow-cross-slot-keys`; `across` in
//! lib.lua) while its node serves them. It says how many it answered, and the next call starts
//! at the first it did not: partitions in slot order lie in one node's slot range after
//! another, so a batch rarely stops early.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use redis::Value;
use session_core::events::Event;
use session_core::{Error, Result};

use super::decode;
use super::log::RedisEventLog;
use crate::codec::{int, string};
use crate::scripts::{Lua, SCRIPTS};

/// The most partitions one call takes.
const BATCH: usize = 128;
/// Partitions per task when every partition is covered at once (the pull API, a new group),
/// and how many such tasks run at once.
const SHARE: usize = 1024;
const SHARES_AT_ONCE: usize = 4;

/// One record of a reply: the partition it is about and its other fields.
type Record = (usize, Vec<Value>);

/// A function that covers many partitions: its name in metrics, its code and how many values
/// each record of its reply holds (the partition's position first; 0: no records).
struct Cover<'a> {
    what: &'static str,
    lua: &'a Lua,
    width: usize,
}

impl RedisEventLog {
    /// Calls `f` over `parts`, batch after batch: keys, `keys(first partition)`; arguments,
    /// `head` then `each(p)` of every partition of the batch. Each call answers a prefix of
    /// its batch (at least one partition) and the next starts after it. Returns the replies'
    /// records. These functions may run again after a lost connection: reads, trims and group
    /// creations change nothing the second time.
    async fn across<'s>(
        &'s self,
        f: Cover<'_>,
        parts: &[usize],
        keys: impl Fn(usize) -> Vec<&'s str>,
        head: &[Vec<u8>],
        each: impl Fn(usize) -> Vec<Vec<u8>>,
    ) -> Result<Vec<Record>> {
        let Cover { what, lua, width } = f;
        let mut records = Vec::new();
        let mut rest = parts;
        while let Some(&first) = rest.first() {
            let batch = &rest[..rest.len().min(BATCH)];
            let mut args = head.to_vec();
            args.extend(batch.iter().flat_map(|&p| each(p)));
            let (_, _, mut items) = self
                .store
                .function(what, lua, &keys(first), &args, true)
                .await?;
            let answered = int(what, items.next().unwrap_or(Value::Nil))?;
            while width > 0 && items.len() >= width {
                let mut record: Vec<Value> = items.by_ref().take(width).collect();
                let at = record.remove(0);
                let p = usize::try_from(int(what, at)?)
                    .ok()
                    .and_then(|at| batch.get(at).copied())
                    .ok_or_else(|| Error::Internal(format!("redis {what}: bad position")))?;
                records.push((p, record));
            }
            let answered = usize::try_from(answered).unwrap_or(1);
            rest = &rest[answered.clamp(1, batch.len())..];
        }
        Ok(records)
    }

    /// `cover(share)` for every partition, a share of them per task, a few tasks at once; the
    /// records of all.
    async fn in_shares<Fut>(&self, cover: impl Fn(Vec<usize>) -> Fut) -> Result<Vec<Record>>
    where
        Fut: std::future::Future<Output = Result<Vec<Record>>>,
    {
        let all: Vec<usize> = (0..self.keys.partitions()).collect();
        let shares: Vec<Vec<Record>> = stream::iter(all.chunks(SHARE).map(<[usize]>::to_vec))
            .map(cover)
            .buffer_unordered(SHARES_AT_ONCE)
            .try_collect()
            .await?;
        Ok(shares.into_iter().flatten().collect())
    }

    /// The owners due in `parts`, each with its partition, lifetime and queue entry (both empty
    /// for the schedule), at most `limit` a call.
    pub(super) async fn due(
        &self,
        parts: &[usize],
        limit: usize,
    ) -> Result<Vec<(usize, String, String, String)>> {
        let keys = |p| {
            vec![
                self.keys.schedule(p),
                self.keys.queue_heads(p),
                self.keys.stream(p),
            ]
        };
        let head = [limit.max(1).to_string().into_bytes()];
        let stream = |p| vec![self.keys.stream(p).into()];
        let found = self
            .across(
                Cover {
                    what: "events_sweep",
                    lua: &SCRIPTS.due,
                    width: 4,
                },
                parts,
                keys,
                &head,
                stream,
            )
            .await?;
        found
            .into_iter()
            .map(|(p, fields)| {
                let mut fields = fields.into_iter().map(|v| string("events_sweep", v));
                let mut next = || fields.next().unwrap_or_else(|| Ok(String::new()));
                Ok((p, next()?, next()?, next()?))
            })
            .collect()
    }

    /// `f` over `parts` where each partition is named by its stream alone.
    async fn on_streams(&self, f: Cover<'_>, parts: &[usize], head: &[Vec<u8>]) -> Result<()> {
        let stream = |p| vec![self.keys.stream(p).into()];
        let route = |p| vec![self.keys.stream(p)];
        self.across(f, parts, route, head, stream).await.map(|_| ())
    }

    /// Drops the events of `parts` older than `retention_ms` (by Redis's clock) or beyond the
    /// newest `max_len` of each.
    pub(super) async fn trim_parts(
        &self,
        parts: &[usize],
        retention_ms: i64,
        max_len: usize,
    ) -> Result<()> {
        let head = [
            retention_ms.max(0).to_string().into_bytes(),
            max_len.to_string().into_bytes(),
        ];
        let trim = Cover {
            what: "events_trim",
            lua: &SCRIPTS.trim,
            width: 0,
        };
        self.on_streams(trim, parts, &head).await
    }

    /// Creates the consumer group `group` on the streams of `parts` (and the streams), leaving
    /// an existing one as it is.
    pub(super) async fn create_groups(&self, group: &str, parts: &[usize]) -> Result<()> {
        let xgroup = Cover {
            what: "events_register",
            lua: &SCRIPTS.xgroup,
            width: 0,
        };
        self.on_streams(xgroup, parts, &[group.as_bytes().to_vec()])
            .await
    }

    /// The consumer group `group` on every partition.
    pub(super) async fn create_groups_everywhere(&self, group: &str) -> Result<()> {
        self.in_shares(|share| async move {
            self.create_groups(group, &share).await.map(|()| Vec::new())
        })
        .await
        .map(|_| ())
    }

    /// Of every partition with events from its start (`start(p)`) up to `before_ms`: the
    /// partition and the stream position `(ms, seq)` of its first such event.
    pub(super) async fn heads(
        &self,
        start: &(impl Fn(usize) -> String + Sync),
        before_ms: i64,
    ) -> Result<Vec<(usize, (u64, u64))>> {
        let end = &before_ms.max(0).to_string();
        let firsts = self
            .in_shares(|share| async move { self.read(&share, start, end, 1, "ids").await })
            .await?;
        firsts
            .into_iter()
            .map(|(p, mut id)| {
                let id = string("events_page", id.pop().unwrap_or(Value::Nil))?;
                id.split_once('-')
                    .and_then(|(ms, seq)| Some((p, (ms.parse().ok()?, seq.parse().ok()?))))
                    .ok_or_else(|| Error::Internal(format!("redis events_page: entry id {id}")))
            })
            .collect()
    }

    /// The events of each of `parts` (in slot order) that has some from its start up to the
    /// stream position `end`, at most `per` each.
    pub(super) async fn ranges(
        &self,
        parts: &[usize],
        start: &(impl Fn(usize) -> String + Sync),
        end: &str,
        per: usize,
    ) -> Result<Vec<Vec<Event>>> {
        let mut out = Vec::new();
        for (p, mut entries) in self.read(parts, start, end, per, "entries").await? {
            let entries = decode::entries("events_page", entries.pop().unwrap_or(Value::Nil))?;
            out.push(self.decode(p, &entries).0);
        }
        Ok(out)
    }

    /// The `range` function over `parts`: each partition that has entries with what the
    /// function answered of it (`what`: `ids` or `entries`).
    async fn read(
        &self,
        parts: &[usize],
        start: &(impl Fn(usize) -> String + Sync),
        end: &str,
        per: usize,
        what: &str,
    ) -> Result<Vec<Record>> {
        let head = [
            end.as_bytes().to_vec(),
            per.max(1).to_string().into_bytes(),
            what.as_bytes().to_vec(),
        ];
        let each = |p| vec![self.keys.stream(p).into(), start(p).into_bytes()];
        let route = |p| vec![self.keys.stream(p)];
        self.across(
            Cover {
                what: "events_page",
                lua: &SCRIPTS.range,
                width: 2,
            },
            parts,
            route,
            &head,
            each,
        )
        .await
    }
}
