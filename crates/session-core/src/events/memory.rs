//! [`EventLog`] over the memory store's [`EventBuffer`]: one partition, one lane, one process
//! (leases always granted), nothing durable.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;

use crate::error::{Error, Result};
use crate::events::buffer::EventBuffer;
use crate::events::event::Event;
use crate::events::log::{DeadLetter, EventLog, EventPage, ReadRequest, Wakeups};
use crate::memory::MemoryStore;
use crate::model::Owner;

/// The memory store's events.
#[derive(Debug, Clone)]
pub struct MemoryEventLog {
    store: Arc<MemoryStore>,
    buffer: Arc<EventBuffer>,
}

impl MemoryEventLog {
    /// The log of `store`; `None` when the store writes no events.
    pub fn of(store: Arc<MemoryStore>) -> Option<Self> {
        let buffer = store.event_buffer()?.clone();
        Some(Self { store, buffer })
    }

    /// How many events were dropped past the log's bound.
    pub fn dropped(&self) -> u64 {
        self.buffer.dropped()
    }
}

#[async_trait]
impl EventLog for MemoryEventLog {
    fn partitions(&self) -> usize {
        1
    }

    fn partition_of(&self, _owner: &Owner) -> usize {
        0
    }

    fn wakeups(&self) -> &Wakeups {
        self.buffer.wakeups()
    }

    fn durable(&self) -> bool {
        false
    }

    async fn register(&self, group: &str) -> Result<()> {
        self.buffer.register(group);
        Ok(())
    }

    async fn heartbeat(&self, _worker: &str, _ttl: Duration) -> Result<usize> {
        Ok(1)
    }

    async fn lease(
        &self,
        _name: &str,
        _lane: usize,
        _worker: &str,
        _ttl: Duration,
    ) -> Result<bool> {
        Ok(true)
    }

    async fn release(&self, _name: &str, _lane: usize, _worker: &str) -> Result<()> {
        Ok(())
    }

    async fn claim(&self, _group: &str, _partition: usize, _worker: &str) -> Result<()> {
        Ok(())
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Vec<Event>> {
        Ok(self.buffer.read(req.group, req.count, req.pending))
    }

    async fn ack(&self, group: &str, _partition: usize, ids: &[String]) -> Result<()> {
        self.buffer.ack(group, ids);
        Ok(())
    }

    async fn dead_letter(&self, group: &str, letter: &DeadLetter) -> Result<()> {
        self.buffer.dead_letter(group, letter.clone());
        Ok(())
    }

    async fn dead_letters(&self, group: &str, limit: usize) -> Result<Vec<DeadLetter>> {
        Ok(self.buffer.dead_letters(group, limit))
    }

    async fn page(&self, after: Option<&str>, limit: usize) -> Result<EventPage> {
        self.buffer
            .page(after, limit)
            .ok_or_else(|| Error::invalid("after", "not a cursor of this log"))
    }

    async fn sweep(&self, _partitions: &[usize], _limit: usize) -> Result<u64> {
        Ok(self.store.sweep() as u64)
    }

    async fn trim(
        &self,
        _partitions: &[usize],
        _retention: Duration,
        _max_len: usize,
    ) -> Result<()> {
        // Bounded as it is written.
        Ok(())
    }
}
