//! Session events on Redis: the partition streams the library's functions append to, and the
//! [`RedisEventLog`] the deliverers read them through (docs/events.md, docs/redis-keys.md).

mod across;
mod decode;
mod keys;
mod log;

pub use keys::{slot_of, EventKeys, SINGLE_NODE_PARTITIONS, SLOTS};
pub use log::RedisEventLog;
