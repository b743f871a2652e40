//! The calls that cover many partitions: the sweep's survey of what is due, the trim, the pull
//! API's read and a consumer group's setup. On a cluster every slot is a partition, and one
//! call per slot would make each of these 16,384 round trips. Instead one function call takes
//! a batch of partitions: the first one's keys route it to that slot's node, and it goes on
//! with the others (their keys in its arguments, `allow-cross-slot-keys`) while its node serves
//! them. It says how many it answered, and the next call starts at the first it did not: a
//! lane's partitions, in slot order, lie in one node's slot range after another, so a batch
//! rarely stops early.

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
/// Partitions per task when every partition is read at once (the pull API, a new group), and
/// how many such tasks run at once.
const SHARE: usize = 1024;
const SHARES_AT_ONCE: usize = 4;

/// The first partition of a batch (whose keys route the call); batches are never empty.
fn first(batch: &[usize]) -> usize {
    batch.first().copied().unwrap_or_default()
}

impl RedisEventLog {
    /// Runs `call` on `parts` batch after batch: each call answers a prefix of its batch (at
    /// least one partition) and its result, and the next batch starts after that prefix.
    async fn batches<T, F, Fut>(parts: &[usize], mut call: F) -> Result<Vec<T>>
    where
        F: FnMut(Vec<usize>) -> Fut,
        Fut: std::future::Future<Output = Result<(usize, T)>>,
    {
        let mut out = Vec::new();
        let mut rest = parts;
        while !rest.is_empty() {
            let batch = rest[..rest.len().min(BATCH)].to_vec();
            let len = batch.len();
            let (answered, result) = call(batch).await?;
            out.push(result);
            rest = &rest[answered.clamp(1, len)..];
        }
        Ok(out)
    }

    /// Calls `lua` for `batch`: keys, the first partition's `first_keys`; arguments,
    /// `args` then `each(p)` of every further partition. Returns how many partitions it
    /// answered and the rest of its reply. Each of these functions may run again after a lost
    /// connection: reads, trims and group creations change nothing the second time.
    async fn call_batch(
        &self,
        what: &str,
        lua: &Lua,
        first_keys: &[&str],
        mut args: Vec<Vec<u8>>,
        batch: &[usize],
        each: impl Fn(usize) -> Vec<Vec<u8>>,
    ) -> Result<(usize, std::vec::IntoIter<Value>)> {
        args.extend(batch.iter().skip(1).flat_map(|&p| each(p)));
        let (_, _, mut items) = self
            .store
            .function(what, lua, first_keys, &args, true)
            .await?;
        let answered = int(what, items.next().unwrap_or(Value::Nil))?;
        Ok((usize::try_from(answered).unwrap_or(1), items))
    }

    /// The owners due in `parts`, each with its partition, lifetime and queue entry (both empty
    /// for the schedule), at most `limit` a call.
    pub(super) async fn due(
        &self,
        parts: &[usize],
        limit: usize,
    ) -> Result<Vec<(usize, String, String, String)>> {
        let limit = &limit.max(1).to_string().into_bytes();
        let found = Self::batches(parts, |batch| async move {
            let first = first(&batch);
            let keys = [
                self.keys.schedule(first),
                self.keys.queue_heads(first),
                self.keys.stream(first),
            ];
            let (answered, mut items) = self
                .call_batch(
                    "events_sweep",
                    &SCRIPTS.due,
                    &keys,
                    vec![limit.clone()],
                    &batch,
                    |p| vec![self.keys.stream(p).into()],
                )
                .await?;
            let mut due = Vec::new();
            while let (Some(at), Some(owner), Some(life), Some(entry)) =
                (items.next(), items.next(), items.next(), items.next())
            {
                let p = position("events_sweep", at, &batch)?;
                due.push((
                    p,
                    string("events_sweep", owner)?,
                    string("events_sweep", life)?,
                    string("events_sweep", entry)?,
                ));
            }
            Ok((answered, due))
        })
        .await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// Drops the events of `parts` older than `retention_ms` (by Redis's clock) or beyond the
    /// newest `max_len` of each.
    pub(super) async fn trim_parts(
        &self,
        parts: &[usize],
        retention_ms: i64,
        max_len: usize,
    ) -> Result<()> {
        let args = vec![
            retention_ms.max(0).to_string().into_bytes(),
            max_len.to_string().into_bytes(),
        ];
        Self::batches(parts, |batch| {
            let args = args.clone();
            async move {
                let route = [self.keys.stream(first(&batch))];
                let (answered, _) = self
                    .call_batch("events_trim", &SCRIPTS.trim, &route, args, &batch, |p| {
                        vec![self.keys.stream(p).into()]
                    })
                    .await?;
                Ok((answered, ()))
            }
        })
        .await
        .map(|_| ())
    }

    /// Creates the consumer group `group` on the streams of `parts` (and the streams), leaving
    /// an existing one as it is.
    pub(super) async fn create_groups(&self, group: &str, parts: &[usize]) -> Result<()> {
        Self::batches(parts, |batch| async move {
            let route = [self.keys.stream(first(&batch))];
            let args = vec![group.as_bytes().to_vec()];
            let (answered, _) = self
                .call_batch(
                    "events_register",
                    &SCRIPTS.xgroup,
                    &route,
                    args,
                    &batch,
                    |p| vec![self.keys.stream(p).into()],
                )
                .await?;
            Ok((answered, ()))
        })
        .await
        .map(|_| ())
    }

    /// The consumer group `group` on every partition, a share of them per task.
    pub(super) async fn create_groups_everywhere(&self, group: &str) -> Result<()> {
        let all: Vec<usize> = (0..self.keys.partitions()).collect();
        stream::iter(all.chunks(SHARE).map(<[usize]>::to_vec))
            .map(|share| async move { self.create_groups(group, &share).await })
            .buffer_unordered(SHARES_AT_ONCE)
            .try_collect::<Vec<()>>()
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
        let all: Vec<usize> = (0..self.keys.partitions()).collect();
        let end = before_ms.max(0).to_string();
        let shares: Vec<Vec<(usize, Value)>> =
            stream::iter(all.chunks(SHARE).map(<[usize]>::to_vec))
                .map(|share| {
                    let end = end.clone();
                    async move { self.read_parts(&share, start, &end, 1, "ids").await }
                })
                .buffer_unordered(SHARES_AT_ONCE)
                .try_collect()
                .await?;
        let mut heads = Vec::new();
        for (p, id) in shares.into_iter().flatten() {
            let id = string("events_page", id)?;
            let (ms, seq) = id
                .split_once('-')
                .and_then(|(ms, seq)| Some((ms.parse().ok()?, seq.parse().ok()?)))
                .ok_or_else(|| Error::Internal(format!("redis events_page: entry id {id}")))?;
            heads.push((p, (ms, seq)));
        }
        Ok(heads)
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
        for (p, entries) in self.read_parts(parts, start, end, per, "entries").await? {
            let entries = decode::entries("events_page", entries)?;
            out.push(self.decode(p, &entries).0);
        }
        Ok(out)
    }

    /// The `range` function over `parts`, batch after batch: each partition that has entries
    /// with what the function answered of it (`what`: `ids` or `entries`).
    async fn read_parts(
        &self,
        parts: &[usize],
        start: &(impl Fn(usize) -> String + Sync),
        end: &str,
        per: usize,
        what: &str,
    ) -> Result<Vec<(usize, Value)>> {
        let head = vec![
            end.as_bytes().to_vec(),
            per.max(1).to_string().into_bytes(),
            what.as_bytes().to_vec(),
        ];
        let read = Self::batches(parts, |batch| {
            let mut args = head.clone();
            async move {
                let route = [self.keys.stream(first(&batch))];
                args.push(start(first(&batch)).into_bytes());
                let (answered, mut items) = self
                    .call_batch("events_page", &SCRIPTS.range, &route, args, &batch, |p| {
                        vec![self.keys.stream(p).into(), start(p).into_bytes()]
                    })
                    .await?;
                let mut read = Vec::new();
                while let (Some(at), Some(value)) = (items.next(), items.next()) {
                    read.push((position("events_page", at, &batch)?, value));
                }
                Ok((answered, read))
            }
        })
        .await?;
        Ok(read.into_iter().flatten().collect())
    }
}

/// The partition at the position `at` of `batch` (a reply's item).
fn position(what: &str, at: Value, batch: &[usize]) -> Result<usize> {
    usize::try_from(int(what, at)?)
        .ok()
        .and_then(|at| batch.get(at).copied())
        .ok_or_else(|| Error::Internal(format!("redis {what}: bad position")))
}
