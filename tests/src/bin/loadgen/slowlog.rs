//! The command log of a count phase: with `slowlog-log-slower-than 0` Redis logs every
//! command it runs, those run inside a function or script with the address `?:0` (no peer).

use redis::{FromRedisValue, Value};

use crate::redis_info::is_probe_command;

/// One logged command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Lower-case name.
    pub name: String,
    /// Whether a function or script ran it (rather than a client sending it).
    pub in_script: bool,
}

impl Logged {
    /// Reads one `SLOWLOG GET` entry: id, time, duration, arguments, client address, name.
    pub fn from_entry(entry: &Value) -> Option<Self> {
        let Value::Array(fields) = entry else {
            return None;
        };
        let args: Vec<Vec<u8>> = FromRedisValue::from_redis_value_ref(fields.get(3)?).ok()?;
        let addr: String = FromRedisValue::from_redis_value_ref(fields.get(4)?).ok()?;
        Some(Self {
            name: String::from_utf8_lossy(args.first()?).to_ascii_lowercase(),
            in_script: addr.ends_with(":0"),
        })
    }
}

/// Commands run inside functions or scripts, the probe's own left out.
pub fn in_scripts(log: &[Logged]) -> u64 {
    log.iter()
        .filter(|l| l.in_script && !is_probe_command(&l.name))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(cmd: &str, addr: &str) -> Value {
        Value::Array(vec![
            Value::Int(1),
            Value::Int(1_700_000_000),
            Value::Int(3),
            Value::Array(vec![
                Value::BulkString(cmd.into()),
                Value::BulkString(vec![0xff]),
            ]),
            Value::BulkString(addr.into()),
            Value::BulkString(Vec::new()),
        ])
    }

    #[test]
    fn tells_commands_of_scripts_from_commands_of_clients() {
        let log: Vec<Logged> = [
            entry("FCALL", "127.0.0.1:50312"),
            entry("hset", "?:0"),
            entry("HGETALL", "?:0"),
            entry("INFO", "127.0.0.1:50400"),
        ]
        .iter()
        .filter_map(Logged::from_entry)
        .collect();
        assert_eq!(log.len(), 4);
        assert_eq!(
            log[0],
            Logged {
                name: "fcall".into(),
                in_script: false
            }
        );
        assert_eq!(in_scripts(&log), 2);
        assert_eq!(Logged::from_entry(&Value::Int(3)), None);
    }
}
