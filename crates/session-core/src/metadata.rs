//! What a session records of its client, and how: [`MetadataPolicy`], built once from the
//! gateway's `[sessions.metadata]` section and handed to every flavor in
//! [`crate::CoreDeps`]. A session records, at its creation, its client's address (whole, or
//! truncated to its /24 or /48 network) and user agent (bounded); its last use is its
//! `updated_at`, which token checks move forward at most once per [`MetadataPolicy::last_seen`]
//! so that a check stays a store read most of the time.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Origin;

/// How much of a client's address a session keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpPrecision {
    /// The whole address.
    #[default]
    Full,
    /// Its network only: IPv4 /24, IPv6 /48 (the host part zeroed).
    Truncated,
    /// Nothing.
    None,
}

/// Longest user agent a session may keep, in bytes.
pub const MAX_USER_AGENT: usize = 1024;

/// What sessions record of their clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataPolicy {
    /// Whether anything is recorded (address, user agent, last use).
    pub enabled: bool,
    /// How much of the address.
    pub ip: IpPrecision,
    /// Longest user agent kept, in bytes (cut on a character boundary); 0 keeps none.
    pub user_agent_max: usize,
    /// How far a session's recorded last use may lag behind a token check before the check
    /// writes it.
    pub last_seen: Duration,
}

impl Default for MetadataPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            ip: IpPrecision::Full,
            user_agent_max: 256,
            last_seen: Duration::seconds(60),
        }
    }
}

impl MetadataPolicy {
    /// Records nothing.
    pub const OFF: Self = Self {
        enabled: false,
        ip: IpPrecision::None,
        user_agent_max: 0,
        last_seen: Duration::MAX,
    };

    /// What a session opened by a client at `ip` with `user_agent` records.
    pub fn origin(&self, ip: Option<IpAddr>, user_agent: Option<&str>) -> Origin {
        if !self.enabled {
            return Origin::default();
        }
        Origin {
            ip: ip.and_then(|ip| self.address(ip)),
            user_agent: user_agent.and_then(|ua| self.agent(ua)),
        }
    }

    /// The part of `ip` that is kept.
    pub fn address(&self, ip: IpAddr) -> Option<IpAddr> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match self.ip {
            IpPrecision::None => None,
            IpPrecision::Full => Some(ip),
            IpPrecision::Truncated => Some(match ip {
                IpAddr::V4(v4) => {
                    let [a, b, c, _] = v4.octets();
                    IpAddr::V4(Ipv4Addr::new(a, b, c, 0))
                }
                IpAddr::V6(v6) => {
                    let s = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
                }
            }),
        }
    }

    /// The part of a user agent that is kept: printable characters only, at most
    /// `user_agent_max` bytes (cut on a character boundary); none when nothing is left.
    pub fn agent(&self, user_agent: &str) -> Option<String> {
        let max = self.user_agent_max.min(MAX_USER_AGENT);
        let mut out = String::new();
        for c in user_agent.trim().chars() {
            let c = if c.is_control() { ' ' } else { c };
            if out.len() + c.len_utf8() > max {
                break;
            }
            out.push(c);
        }
        let out = out.trim_end().to_owned();
        (!out.is_empty()).then_some(out)
    }

    /// Whether a token check at `now` should record the use of a session last changed at
    /// `updated_at` (it lags by at least [`MetadataPolicy::last_seen`]).
    pub fn seen_due(&self, updated_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.enabled && now - updated_at >= self.last_seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::from_millis;
    use crate::model::{Flavor, Owner, Session, SessionId, SessionRef};

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_kept_whole_truncated_or_not_at_all() {
        let mut p = MetadataPolicy::default();
        assert_eq!(p.address(ip("203.0.113.77")), Some(ip("203.0.113.77")));
        assert_eq!(
            p.address(ip("::ffff:203.0.113.77")),
            Some(ip("203.0.113.77"))
        );
        p.ip = IpPrecision::Truncated;
        assert_eq!(p.address(ip("203.0.113.77")), Some(ip("203.0.113.0")));
        assert_eq!(
            p.address(ip("2001:db8:abcd:12:1:2:3:4")),
            Some(ip("2001:db8:abcd::"))
        );
        assert_eq!(
            p.address(ip("::ffff:198.51.100.9")),
            Some(ip("198.51.100.0"))
        );
        p.ip = IpPrecision::None;
        assert_eq!(p.address(ip("203.0.113.77")), None);
    }

    #[test]
    fn user_agents_are_bounded_and_printable() {
        let mut p = MetadataPolicy {
            user_agent_max: 10,
            ..Default::default()
        };
        assert_eq!(p.agent("curl/8.0.1").as_deref(), Some("curl/8.0.1"));
        assert_eq!(p.agent("Mozilla/5.0 (X11)").as_deref(), Some("Mozilla/5."));
        assert_eq!(p.agent("a\u{0}b\nc").as_deref(), Some("a b c"));
        // Never cut inside a character.
        assert_eq!(p.agent("ééééééé").as_deref(), Some("ééééé"));
        assert_eq!(p.agent("   ").as_deref(), None);
        p.user_agent_max = 0;
        assert_eq!(p.agent("curl/8.0.1"), None);
        p.user_agent_max = usize::MAX;
        assert_eq!(p.agent(&"x".repeat(5000)).unwrap().len(), MAX_USER_AGENT);
    }

    #[test]
    fn off_records_nothing_and_never_asks_for_a_write() {
        let o = MetadataPolicy::OFF.origin(Some(ip("203.0.113.7")), Some("agent"));
        assert!(o.is_empty());
        let t = from_millis(1_700_000_000_000);
        let s = Session::new(
            SessionRef::new(
                Owner::new(Flavor::Amity, &["n", "u"]).unwrap(),
                SessionId::parse("s").unwrap(),
            ),
            Flavor::Amity,
            "n",
            t,
            Duration::days(1),
        );
        assert!(!MetadataPolicy::OFF.seen_due(s.updated_at, t + Duration::days(365)));
        let on = MetadataPolicy::default();
        assert!(!on.seen_due(s.updated_at, t + Duration::seconds(59)));
        assert!(on.seen_due(s.updated_at, t + Duration::seconds(60)));
    }
}
