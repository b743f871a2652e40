//! Where events live in Redis (docs/redis-keys.md, docs/events.md).
//!
//! A Redis function may only touch keys of the slot it runs in, so an owner's events go to a
//! stream in the owner's own slot. Partitions are therefore slots: on a cluster one partition a
//! slot (16384), each stream named with a hash tag chosen to land in exactly that slot; on a
//! single node 16 partitions (the owner's slot modulo 16). Every gateway computes the same
//! names, so deliverers find every stream without a listing.

use session_core::events::{Wakeups, LANES};
use session_core::Owner;

use crate::keys::LAYOUT;

/// Slots of a Redis Cluster.
pub const SLOTS: usize = 16384;

/// Partitions on a single node.
pub const SINGLE_NODE_PARTITIONS: usize = 16;

/// The event keys of one key prefix and topology, built once and shared by every store of a
/// process (it also carries the process's wake-ups).
#[derive(Debug)]
pub struct EventKeys {
    base: String,
    cluster: bool,
    streams: Vec<String>,
    schedules: Vec<String>,
    queue_heads: Vec<String>,
    wakeups: Wakeups,
}

impl EventKeys {
    /// The keys under `prefix`, for a cluster or a single node.
    pub fn new(prefix: &str, cluster: bool) -> Self {
        let base = format!("{prefix}:{LAYOUT}:e:");
        let tags: Vec<String> = if cluster {
            slot_tags()
        } else {
            (0..SINGLE_NODE_PARTITIONS).map(|p| p.to_string()).collect()
        };
        let streams: Vec<String> = tags.iter().map(|t| format!("{base}{{{t}}}")).collect();
        let schedules = streams.iter().map(|s| format!("{s}:x")).collect();
        let queue_heads = streams.iter().map(|s| format!("{s}:q")).collect();
        let partitions = streams.len();
        Self {
            base,
            cluster,
            streams,
            schedules,
            queue_heads,
            wakeups: Wakeups::new(partitions, partitions.min(LANES)),
        }
    }

    /// How many partitions.
    pub fn partitions(&self) -> usize {
        self.streams.len()
    }

    /// Whether the partitions are a cluster's slots.
    pub fn cluster(&self) -> bool {
        self.cluster
    }

    /// The partition of a key whose hash tag is `tag`.
    pub fn partition_of_tag(&self, tag: &str) -> usize {
        let slot = usize::from(slot_of(tag.as_bytes()));
        if self.cluster {
            slot
        } else {
            slot % SINGLE_NODE_PARTITIONS
        }
    }

    /// The partition of an owner's events.
    pub fn partition_of(&self, owner: &Owner) -> usize {
        self.partition_of_tag(owner.as_str())
    }

    /// Partition `p`'s stream.
    pub fn stream(&self, p: usize) -> &str {
        &self.streams[p % self.streams.len()]
    }

    /// Partition `p`'s expiry schedule.
    pub fn schedule(&self, p: usize) -> &str {
        &self.schedules[p % self.schedules.len()]
    }

    /// `P:3:e:{T}:q` — partition `p`'s queues: each one's lifetime -> the expiry of its first
    /// entry.
    pub fn queue_heads(&self, p: usize) -> &str {
        &self.queue_heads[p % self.queue_heads.len()]
    }

    /// `P:3:e:{T}:q<life>` — partition `p`'s queue of the owners of sessions of lifetime `life`
    /// (as the queue heads name it: whole seconds, `s` added for expiries on a whole second).
    pub fn queue(&self, p: usize, life: &str) -> String {
        format!("{}:q{life}", self.stream(p))
    }

    /// The process's wake-ups.
    pub fn wakeups(&self) -> &Wakeups {
        &self.wakeups
    }

    /// `P:3:e:dead:<group>` — a consumer group's dead letters.
    pub fn dead(&self, group: &str) -> String {
        format!("{}dead:{group}", self.base)
    }

    /// `P:3:e:lease:<name>:<lane>` — who delivers (or sweeps) a lane.
    pub fn lease(&self, name: &str, lane: usize) -> String {
        format!("{}lease:{name}:{lane}", self.base)
    }

    /// `P:3:e:workers` — the live workers, by last heartbeat.
    pub fn workers(&self) -> String {
        format!("{}workers", self.base)
    }
}

/// Redis's key slot: CRC16 (XMODEM) of the hash tag, modulo 16384.
pub fn slot_of(tag: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in tag {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % SLOTS as u16
}

/// For every slot, the first decimal number whose slot it is: the hash tag of that slot's
/// stream.
fn slot_tags() -> Vec<String> {
    let mut tags: Vec<Option<String>> = vec![None; SLOTS];
    let mut left = SLOTS;
    let mut n: u64 = 0;
    while left > 0 {
        let t = n.to_string();
        let slot = usize::from(slot_of(t.as_bytes()));
        if tags[slot].is_none() {
            tags[slot] = Some(t);
            left -= 1;
        }
        n += 1;
    }
    tags.into_iter().map(Option::unwrap_or_default).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use session_core::Flavor;

    #[test]
    fn slots_match_redis() {
        // `CLUSTER KEYSLOT foo` and `123456789` (the CRC16 check value 0x31C3).
        assert_eq!(slot_of(b"foo"), 12182);
        assert_eq!(slot_of(b"123456789"), 0x31C3);
    }

    #[test]
    fn every_slot_has_a_stream_of_its_own_slot() {
        let k = EventKeys::new("sg", true);
        assert_eq!(k.partitions(), SLOTS);
        for p in [0, 1, 5000, SLOTS - 1] {
            let key = k.stream(p);
            let tag = &key[key.find('{').unwrap() + 1..key.find('}').unwrap()];
            assert_eq!(usize::from(slot_of(tag.as_bytes())), p);
            assert_eq!(k.schedule(p), format!("{key}:x"));
        }
        let owner = Owner::new(Flavor::Amity, &["net", "u1"]).unwrap();
        assert_eq!(
            k.partition_of(&owner),
            usize::from(slot_of(owner.as_str().as_bytes()))
        );
    }

    #[test]
    fn a_single_node_has_sixteen_partitions() {
        let k = EventKeys::new("sg", false);
        assert_eq!(k.partitions(), 16);
        assert_eq!(k.stream(3), "sg:3:e:{3}");
        assert_eq!(k.schedule(3), "sg:3:e:{3}:x");
        assert_eq!(k.dead("w"), "sg:3:e:dead:w");
        let owner = Owner::new(Flavor::Amity, &["net", "u1"]).unwrap();
        assert!(k.partition_of(&owner) < 16);
    }
}
