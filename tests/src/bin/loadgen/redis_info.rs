//! The parts of `INFO` a measurement reads, and their differences.

use std::collections::BTreeMap;

/// Commands the probe itself sends; never counted as the gateway's.
const PROBE_COMMANDS: [&str; 3] = ["info", "slowlog", "config"];

/// One `INFO` snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Info {
    /// Calls per command (`cmdstat_<name>`; subcommands as `name|sub`).
    pub calls: BTreeMap<String, u64>,
    /// `total_reads_processed`: read events handled on client connections.
    pub reads: u64,
    /// `used_memory`.
    pub used_memory: u64,
    /// `mem_clients_normal`: client buffers, counted in `used_memory`.
    pub clients_memory: u64,
    /// Keys over every database.
    pub keys: u64,
}

impl Info {
    /// Reads the fields of an `INFO` answer.
    pub fn parse(text: &str) -> Self {
        let mut info = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim_end().split_once(':') else {
                continue;
            };
            info.read(key, value);
        }
        info
    }

    /// Adds the counts of `other` (another node of a cluster) to these.
    pub fn add(&mut self, other: &Info) {
        for (name, n) in &other.calls {
            *self.calls.entry(name.clone()).or_insert(0) += n;
        }
        self.reads += other.reads;
        self.used_memory += other.used_memory;
        self.clients_memory += other.clients_memory;
        self.keys += other.keys;
    }

    fn read(&mut self, key: &str, value: &str) {
        let number = || value.parse().unwrap_or(0);
        match key {
            "total_reads_processed" => self.reads = number(),
            "used_memory" => self.used_memory = number(),
            "mem_clients_normal" => self.clients_memory = number(),
            _ => {
                if let Some(name) = key.strip_prefix("cmdstat_") {
                    self.calls.insert(name.to_owned(), field(value, "calls"));
                } else if key.starts_with("db") {
                    self.keys += field(value, "keys");
                }
            }
        }
    }

    /// Memory holding data: `used_memory` without client buffers.
    pub fn data_memory(&self) -> i64 {
        self.used_memory as i64 - self.clients_memory as i64
    }

    /// Calls per command since `before`, the probe's own commands left out.
    pub fn calls_since(&self, before: &Info) -> BTreeMap<String, u64> {
        self.calls
            .iter()
            .filter(|(name, _)| !is_probe_command(name))
            .map(|(name, n)| {
                (
                    name.clone(),
                    n - before.calls.get(name).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Whether the probe sends `name` (a command or `command|subcommand`).
pub fn is_probe_command(name: &str) -> bool {
    let base = name.split('|').next().unwrap_or(name);
    PROBE_COMMANDS.iter().any(|p| base.eq_ignore_ascii_case(p))
}

/// The number after `name=` in `a=1,b=2`.
fn field(value: &str, name: &str) -> u64 {
    value
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "# Stats\r\ntotal_reads_processed:10\r\n# Memory\r\nused_memory:1000\r\n\
        mem_clients_normal:100\r\n# Commandstats\r\ncmdstat_info:calls=3,usec=9\r\n\
        cmdstat_hmget:calls=5,usec=9,usec_per_call=1.80,rejected_calls=0,failed_calls=0\r\n\
        # Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n";
    const AFTER: &str = "total_reads_processed:25\r\nused_memory:5000\r\nmem_clients_normal:300\r\n\
        cmdstat_info:calls=4,usec=9\r\ncmdstat_hmget:calls=9,usec=9\r\ncmdstat_fcall:calls=2,usec=1\r\n\
        cmdstat_config|set:calls=2,usec=1\r\ndb0:keys=7,expires=1\r\ndb1:keys=1,expires=0\r\n";

    #[test]
    fn reads_the_fields_of_an_answer() {
        let i = Info::parse(BEFORE);
        assert_eq!(
            (i.reads, i.used_memory, i.clients_memory, i.keys),
            (10, 1000, 100, 2)
        );
        assert_eq!(i.calls.get("hmget"), Some(&5));
        assert_eq!(i.data_memory(), 900);
    }

    #[test]
    fn counts_the_gateways_calls_only() {
        let (before, after) = (Info::parse(BEFORE), Info::parse(AFTER));
        let calls: Vec<_> = after.calls_since(&before).into_iter().collect();
        assert_eq!(calls, [("fcall".to_owned(), 2), ("hmget".to_owned(), 4)]);
        assert_eq!(after.keys - before.keys, 6);
        assert_eq!(after.data_memory() - before.data_memory(), 3800);
    }

    #[test]
    fn sums_the_nodes_of_a_cluster() {
        let mut sum = Info::parse(BEFORE);
        sum.add(&Info::parse(AFTER));
        assert_eq!((sum.reads, sum.used_memory, sum.keys), (35, 6000, 10));
        assert_eq!(sum.calls.get("hmget"), Some(&14));
        assert_eq!(sum.calls.get("fcall"), Some(&2));
        assert_eq!(sum.data_memory(), 5600);
    }
}
