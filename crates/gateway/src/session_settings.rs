//! `[sessions]`: what every flavor's sessions record of their clients (`[sessions.metadata]`),
//! turned into the [`MetadataPolicy`] the flavors receive.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use session_core::metadata::MAX_USER_AGENT;
use session_core::{IpPrecision, MetadataPolicy};

/// `[sessions]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionSettings {
    /// `[sessions.metadata]`.
    pub metadata: MetadataSettings,
}

/// `[sessions.metadata]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetadataSettings {
    /// Whether sessions record their client's address, user agent and last use.
    pub enabled: bool,
    /// `full`, `truncated` (IPv4 /24, IPv6 /48) or `none`.
    pub ip: IpPrecision,
    /// Longest user agent kept, in bytes; 0 keeps none.
    pub user_agent_max_bytes: usize,
    /// How far a session's recorded last use may lag before a token check writes it.
    pub last_seen_granularity_seconds: u64,
}

/// Longest last-seen granularity accepted: one day.
const MAX_GRANULARITY_SECONDS: u64 = 86_400;

impl Default for MetadataSettings {
    fn default() -> Self {
        let p = MetadataPolicy::default();
        Self {
            enabled: p.enabled,
            ip: p.ip,
            user_agent_max_bytes: p.user_agent_max,
            last_seen_granularity_seconds: 60,
        }
    }
}

impl SessionSettings {
    /// Checks the values a parse cannot; the error is `(key, reason)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let m = &self.metadata;
        if m.user_agent_max_bytes > MAX_USER_AGENT {
            return Err((
                "sessions.metadata.user_agent_max_bytes",
                format!("must be between 0 and {MAX_USER_AGENT}"),
            ));
        }
        if !(1..=MAX_GRANULARITY_SECONDS).contains(&m.last_seen_granularity_seconds) {
            return Err((
                "sessions.metadata.last_seen_granularity_seconds",
                format!("must be between 1 and {MAX_GRANULARITY_SECONDS}"),
            ));
        }
        Ok(())
    }

    /// The policy the flavors apply.
    pub fn policy(&self) -> MetadataPolicy {
        let m = &self.metadata;
        if !m.enabled {
            return MetadataPolicy::OFF;
        }
        let seconds = m.last_seen_granularity_seconds.min(MAX_GRANULARITY_SECONDS);
        MetadataPolicy {
            enabled: true,
            ip: m.ip,
            user_agent_max: m.user_agent_max_bytes,
            last_seen: Duration::seconds(i64::try_from(seconds).unwrap_or(60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> Result<SessionSettings, String> {
        toml::from_str::<SessionSettings>(toml).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_record_everything_with_a_minute_of_granularity() {
        let s = parse("").unwrap();
        assert!(s.validate().is_ok());
        assert_eq!(s.policy(), MetadataPolicy::default());
    }

    #[test]
    fn values_are_checked_and_off_records_nothing() {
        let s = parse("[metadata]\nip = \"truncated\"\nuser_agent_max_bytes = 64\n").unwrap();
        assert_eq!(s.policy().ip, IpPrecision::Truncated);
        assert_eq!(s.policy().user_agent_max, 64);
        assert!(parse("[metadata]\nip = \"half\"\n").is_err());
        assert!(parse("[metadata]\nbogus = 1\n").is_err());
        let s = parse("[metadata]\nuser_agent_max_bytes = 5000\n").unwrap();
        assert_eq!(
            s.validate().unwrap_err().0,
            "sessions.metadata.user_agent_max_bytes"
        );
        let s = parse("[metadata]\nlast_seen_granularity_seconds = 0\n").unwrap();
        assert_eq!(
            s.validate().unwrap_err().0,
            "sessions.metadata.last_seen_granularity_seconds"
        );
        let s = parse("[metadata]\nenabled = false\n").unwrap();
        assert_eq!(s.policy(), MetadataPolicy::OFF);
    }
}
