//! Everything one owner holds, as plain data: what testing mode takes out of a store and puts
//! back ([`crate::SessionStore::export_owner`], [`crate::SessionStore::import_owner`]).
//!
//! A dump carries keyed hashes of bearer and refresh secrets, never a secret: a session taken
//! out and put back answers the same token checks, and a dump hands nobody a usable token.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::clock::to_millis;
use crate::error::{Error, Result};
use crate::model::{Owner, Session, SessionId};
use crate::record::Record;
use crate::token::TokenHash;

/// Bytes of a spent refresh hash a store remembers (its prefix).
pub const SPENT_PREFIX_LEN: usize = 8;

/// Most sessions one dump may hold (a store refuses bigger owners' imports).
pub const MAX_DUMP_SESSIONS: usize = 100_000;

/// How many spent refresh hashes a session remembers (a replay of an older one is refused as
/// unknown rather than revoking the family).
pub const SPENT_KEPT: usize = 8;

/// The first [`SPENT_PREFIX_LEN`] bytes of a refresh hash a session spent: enough to recognise
/// its reuse. Shown as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpentPrefix(pub [u8; SPENT_PREFIX_LEN]);

impl SpentPrefix {
    /// The prefix of `hash`.
    pub fn of(hash: &TokenHash) -> Self {
        let mut out = [0u8; SPENT_PREFIX_LEN];
        out.copy_from_slice(&hash.as_bytes()[..SPENT_PREFIX_LEN]);
        Self(out)
    }

    /// Reads a prefix from exactly [`SPENT_PREFIX_LEN`] bytes.
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        b.try_into().ok().map(Self)
    }

    /// Whether `hash` starts with this prefix (constant time).
    pub fn matches(&self, hash: &TokenHash) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&hash.as_bytes()[..SPENT_PREFIX_LEN]).into()
    }
}

impl Serialize for SpentPrefix {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SpentPrefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let mut out = [0u8; SPENT_PREFIX_LEN];
        hex::decode_to_slice(&s, &mut out)
            .map_err(|_| serde::de::Error::custom("not a 16-hex-digit hash prefix"))?;
        Ok(Self(out))
    }
}

/// A credential of the owner (an Amity secure-mode auth token), by its keyed hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialDump {
    /// The credential's keyed hash.
    pub hash: TokenHash,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Everything one owner holds: its live sessions in creation order, its document (an Amity
/// user), the names claimed in its groups, its credentials and the refresh hashes its sessions
/// spent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerDump {
    /// The owner.
    pub owner: Owner,
    /// Its live sessions in creation order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<Session>,
    /// Its document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<Map<String, Value>>,
    /// Names claimed in its groups, each naming the member that holds it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, SessionId>,
    /// Its live credentials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<CredentialDump>,
    /// Per session, the prefixes of the refresh hashes it spent, oldest first.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub spent: BTreeMap<SessionId, Vec<SpentPrefix>>,
}

/// What removing owners took away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// Sessions (live or expired but not yet dropped).
    pub sessions: usize,
    /// Owner documents (users).
    pub documents: usize,
}

impl std::ops::AddAssign for Removed {
    fn add_assign(&mut self, other: Self) {
        self.sessions += other.sessions;
        self.documents += other.documents;
    }
}

impl OwnerDump {
    /// An empty dump of `owner`.
    pub fn new(owner: Owner) -> Self {
        Self {
            owner,
            sessions: Vec::new(),
            doc: None,
            names: BTreeMap::new(),
            credentials: Vec::new(),
            spent: BTreeMap::new(),
        }
    }

    /// Whether the owner holds nothing.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.doc.is_none() && self.credentials.is_empty()
    }

    /// Checks that the dump is one a store can hold: every session of this owner, once, with
    /// a record that encodes; members naming a group of the dump; names, refresh histories and
    /// credentials naming what exists.
    pub fn check(&self) -> Result<()> {
        // Read from JSON, an owner has not been through its own checks yet.
        Owner::parse(self.owner.as_str())?;
        if self.sessions.len() > MAX_DUMP_SESSIONS {
            return Err(Error::invalid(
                "sessions",
                format!("more than {MAX_DUMP_SESSIONS} sessions in one owner"),
            ));
        }
        let mut ids = HashSet::with_capacity(self.sessions.len());
        for s in &self.sessions {
            if s.owner != self.owner {
                return Err(Error::invalid(
                    "owner",
                    format!(
                        "session {} belongs to {}, not {}",
                        s.id, s.owner, self.owner
                    ),
                ));
            }
            if !ids.insert(&s.id) {
                return Err(Error::invalid(
                    "id",
                    format!("session {} is listed twice", s.id),
                ));
            }
            Record::encode(s)?;
            if s.expires_at < s.created_at {
                return Err(Error::invalid(
                    "expires_at",
                    format!("session {} expires before it was created", s.id),
                ));
            }
        }
        let groups: HashSet<&SessionId> = self
            .sessions
            .iter()
            .filter(|s| s.parent.is_none())
            .map(|s| &s.id)
            .collect();
        for s in &self.sessions {
            if let Some(p) = &s.parent {
                if !groups.contains(p) {
                    return Err(Error::invalid(
                        "parent",
                        format!("session {} names {p}, not a group of this owner", s.id),
                    ));
                }
            }
        }
        // A name stays taken after its member left, for the group's whole life: it may name
        // a session that is gone.
        if self
            .names
            .keys()
            .any(|name| name.is_empty() || name.len() > 200)
        {
            return Err(Error::invalid("names", "a name is empty or too long"));
        }
        for (id, spent) in &self.spent {
            if !ids.contains(id) {
                return Err(Error::invalid(
                    "spent",
                    format!("{id} is not a session of this owner"),
                ));
            }
            if spent.len() > SPENT_KEPT {
                return Err(Error::invalid(
                    "spent",
                    format!("more than {} hashes for {id}", SPENT_KEPT),
                ));
            }
        }
        for c in &self.credentials {
            if c.expires_at < c.created_at || to_millis(c.expires_at) >= 1 << 48 {
                return Err(Error::invalid("credentials", "times out of range"));
            }
        }
        if let Some(doc) = &self.doc {
            crate::doc::encode(doc)?;
        }
        Ok(())
    }

    /// What is still live at `now` (ms): sessions not expired, members of live groups only,
    /// refresh histories of what remains, credentials not expired; when a group ended, the
    /// names of members that are gone (as the stores drop them with a group).
    pub fn live_at(mut self, now: i64) -> Self {
        let live_groups: HashSet<SessionId> = self
            .sessions
            .iter()
            .filter(|s| s.parent.is_none() && to_millis(s.expires_at) > now)
            .map(|s| s.id.clone())
            .collect();
        let groups_before = self.sessions.iter().filter(|s| s.parent.is_none()).count();
        self.sessions.retain(|s| {
            to_millis(s.expires_at) > now
                && s.parent.as_ref().is_none_or(|p| live_groups.contains(p))
        });
        let kept: HashSet<SessionId> = self.sessions.iter().map(|s| s.id.clone()).collect();
        if live_groups.len() < groups_before {
            self.names.retain(|_, id| kept.contains(id));
        }
        self.spent
            .retain(|id, spent| kept.contains(id) && !spent.is_empty());
        self.credentials.retain(|c| to_millis(c.expires_at) > now);
        self.credentials.sort_by_key(|c| c.hash);
        self.sessions
            .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        self
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::clock::from_millis;
    use crate::model::{Flavor, SessionRef};
    use crate::token::TokenHasher;

    fn owner() -> Owner {
        Owner::new(Flavor::Quicksync, &["g1"]).unwrap()
    }

    fn session(id: &str, parent: Option<&str>, ttl_ms: i64) -> Session {
        let mut s = Session::new(
            SessionRef::new(owner(), SessionId::parse(id).unwrap()),
            Flavor::Quicksync,
            "t",
            from_millis(1_000_000),
            Duration::milliseconds(ttl_ms),
        );
        s.parent = parent.map(|p| SessionId::parse(p).unwrap());
        s
    }

    #[test]
    fn dumps_round_trip_through_json_with_hashes_only() {
        let mut d = OwnerDump::new(owner());
        let mut g = session("g", None, 10_000);
        let h = TokenHasher::new("k").hash("the-token");
        g.token_hash = Some(h);
        d.sessions = vec![g, session("m", Some("g"), 10_000)];
        d.names
            .insert("Brave-Otter".into(), SessionId::parse("m").unwrap());
        d.spent
            .insert(SessionId::parse("g").unwrap(), vec![SpentPrefix::of(&h)]);
        d.check().unwrap();
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains("the-token"));
        assert!(json.contains(&h.to_hex()));
        let back: OwnerDump = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        assert!(SpentPrefix::of(&h).matches(&h));
    }

    #[test]
    fn bad_dumps_are_refused() {
        let mut d = OwnerDump::new(owner());
        d.sessions = vec![session("m", Some("nope"), 10)];
        assert!(d.check().is_err());
        let mut d = OwnerDump::new(owner());
        d.sessions = vec![session("a", None, 10), session("a", None, 10)];
        assert!(d.check().is_err());
        let mut d = OwnerDump::new(owner());
        d.names
            .insert(String::new(), SessionId::parse("ghost").unwrap());
        assert!(d.check().is_err());
        let d: OwnerDump = serde_json::from_str(r#"{"owner": "a{b}"}"#).unwrap();
        assert!(d.check().is_err(), "owners read from JSON are checked");
        let mut other = session("a", None, 10);
        other.owner = Owner::new(Flavor::Quicksync, &["g2"]).unwrap();
        let mut d = OwnerDump::new(owner());
        d.sessions = vec![other];
        assert!(d.check().is_err());
    }

    /// The field a dump's check refuses it for, `None` when it passes.
    fn refused_for(d: &OwnerDump) -> Option<String> {
        match d.check() {
            Ok(()) => None,
            Err(Error::Invalid { field, .. }) => Some(field.to_string()),
            Err(e) => panic!("{e}"),
        }
    }

    /// Each bound of a dump, just inside and just outside: the sessions of one owner, a name's
    /// length, a family's spent secrets.
    #[test]
    fn dump_bounds_hold() {
        let sessions = |n: usize| -> OwnerDump {
            let mut d = OwnerDump::new(owner());
            d.sessions = (0..n)
                .map(|i| session(&format!("s{i}"), None, 10))
                .collect();
            d
        };
        assert_eq!(refused_for(&sessions(MAX_DUMP_SESSIONS)), None);
        assert_eq!(
            refused_for(&sessions(MAX_DUMP_SESSIONS + 1)).as_deref(),
            Some("sessions")
        );
        let named = |len: usize| -> OwnerDump {
            let mut d = OwnerDump::new(owner());
            d.sessions = vec![session("g", None, 10), session("m", Some("g"), 10)];
            d.names
                .insert("n".repeat(len), SessionId::parse("m").unwrap());
            d
        };
        assert_eq!(refused_for(&named(200)), None);
        assert_eq!(refused_for(&named(201)).as_deref(), Some("names"));
        let spent = |n: usize| -> OwnerDump {
            let mut d = OwnerDump::new(owner());
            d.sessions = vec![session("g", None, 10)];
            let h = TokenHasher::new("k").hash("spent");
            d.spent
                .insert(SessionId::parse("g").unwrap(), vec![SpentPrefix::of(&h); n]);
            d
        };
        assert_eq!(refused_for(&spent(SPENT_KEPT)), None);
        assert_eq!(
            refused_for(&spent(SPENT_KEPT + 1)).as_deref(),
            Some("spent")
        );
    }

    #[test]
    fn only_what_is_live_remains() {
        let mut d = OwnerDump::new(owner());
        d.sessions = vec![
            session("g", None, 100),
            session("m", Some("g"), 10_000),
            session("x", None, 10_000),
        ];
        d.names.insert("n".into(), SessionId::parse("m").unwrap());
        let live = d.live_at(1_000_200);
        let ids: Vec<&str> = live.sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["x"]);
        assert!(live.names.is_empty());
    }
}
