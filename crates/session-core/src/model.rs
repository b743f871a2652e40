//! The core session model shared by every flavor.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::{from_millis, to_millis};
use crate::error::{Error, Result};
use crate::token::TokenHash;

/// The public API a session was issued through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// QuickSync group sessions.
    Quicksync,
    /// QuickBlox `/session.json`.
    Quickblox,
    /// Amity `/api/v3/sessions`.
    Amity,
    /// Session storage management.
    SessionStorage,
}

impl Flavor {
    /// Every flavor, in a stable order.
    pub const ALL: [Flavor; 4] = [
        Flavor::Quicksync,
        Flavor::Quickblox,
        Flavor::Amity,
        Flavor::SessionStorage,
    ];

    /// The flavor's configuration name (`quicksync`, `quickblox`, `amity`, `session-storage`).
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Quicksync => "quicksync",
            Flavor::Quickblox => "quickblox",
            Flavor::Amity => "amity",
            Flavor::SessionStorage => "session-storage",
        }
    }

    /// Parses a configuration name.
    pub fn parse(s: &str) -> Result<Self> {
        Flavor::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| Error::invalid("flavor", format!("unknown flavor `{s}`")))
    }

    /// The flavor whose [`Flavor::short`] tag is `tag`.
    pub fn from_short(tag: &str) -> Option<Self> {
        Flavor::ALL.into_iter().find(|f| f.short() == tag)
    }

    /// A two-letter tag used in store keys.
    pub fn short(self) -> &'static str {
        match self {
            Flavor::Quicksync => "qs",
            Flavor::Quickblox => "qb",
            Flavor::Amity => "am",
            Flavor::SessionStorage => "ss",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The partition a session lives in: all sessions of one owner are stored together (one Redis
/// hash slot), which is what lets per-owner limits and group capacity be enforced atomically.
///
/// Built from a flavor and parts such as tenant and user id; every part is escaped so that the
/// result never holds `{`, `}`, `:` or white space of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Owner(String);

impl Owner {
    /// Longest owner string accepted.
    pub const MAX_LEN: usize = 512;

    /// The owner `<flavor>:<part>:<part>...`.
    pub fn new(flavor: Flavor, parts: &[&str]) -> Result<Self> {
        let mut s = String::from(flavor.short());
        for p in parts {
            s.push(':');
            escape_into(&mut s, p);
        }
        Self::parse(&s)
    }

    /// An owner outside any flavor (e.g. the gateway's own indexes): `<kind>:<part>:<part>...`,
    /// where `kind` is not a flavor tag.
    pub fn custom(kind: &str, parts: &[&str]) -> Result<Self> {
        if kind.is_empty()
            || !kind.bytes().all(|b| b.is_ascii_alphanumeric())
            || Flavor::from_short(kind).is_some()
        {
            return Err(Error::invalid(
                "owner",
                "kind must be alphanumeric and not a flavor tag",
            ));
        }
        let mut s = String::from(kind);
        for p in parts {
            s.push(':');
            escape_into(&mut s, p);
        }
        Self::parse(&s)
    }

    /// Accepts an owner string as produced by [`Owner::new`] (e.g. read back from a store).
    pub fn parse(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(Error::invalid("owner", "length out of range"));
        }
        if !s.bytes().all(is_key_safe_or_colon) {
            return Err(Error::invalid(
                "owner",
                "holds a character keys cannot carry",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The owner as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The flavor whose sessions this owner holds, when it was built by [`Owner::new`].
    pub fn flavor(&self) -> Option<Flavor> {
        self.0.split(':').next().and_then(Flavor::from_short)
    }

    /// The `i`th part given to [`Owner::new`] (0 = the first after the flavor), unescaped.
    pub fn part(&self, i: usize) -> Option<String> {
        let raw = self.0.split(':').nth(i + 1)?;
        let bytes = raw.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'%' && at + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                at += 3;
            } else {
                out.push(bytes[at]);
                at += 1;
            }
        }
        String::from_utf8(out).ok()
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_key_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@' | b'%')
}

fn is_key_safe_or_colon(b: u8) -> bool {
    is_key_safe(b) || b == b':'
}

/// Appends `part` escaped: every byte a store key cannot carry (and `%`) as `%XX`.
pub(crate) fn escape_into(out: &mut String, part: &str) {
    for b in part.bytes() {
        if is_key_safe(b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// A session identifier: 1 to 200 characters of `[A-Za-z0-9._:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

impl SessionId {
    /// Longest id accepted.
    pub const MAX_LEN: usize = 200;

    /// Parses an id, refusing anything a store key could not carry.
    pub fn parse(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(Error::invalid("id", "length out of range"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
        {
            return Err(Error::invalid("id", "holds a character ids may not carry"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SessionId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a session is found: its owner partition and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionRef {
    /// The partition.
    pub owner: Owner,
    /// The session's id within it.
    pub id: SessionId,
}

impl SessionRef {
    /// A reference to `id` under `owner`.
    pub fn new(owner: Owner, id: SessionId) -> Self {
        Self { owner, id }
    }
}

/// Where a session was opened from, as recorded at its creation (see [`crate::metadata`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The client's address (possibly truncated to its network).
    pub ip: Option<std::net::IpAddr>,
    /// The client's `User-Agent`, bounded in length.
    pub user_agent: Option<String>,
}

impl Origin {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.ip.is_none() && self.user_agent.is_none()
    }
}

/// Flavor-specific attributes of a session (small, JSON-typed).
pub type Attrs = serde_json::Map<String, serde_json::Value>;

/// A live (or once live) session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Unique within its owner.
    pub id: SessionId,
    /// The partition the session is stored in.
    pub owner: Owner,
    /// The API it was issued through.
    pub flavor: Flavor,
    /// The application, network, API key or client it belongs to.
    pub tenant: String,
    /// The user id or wallet address, or none for an application-only session.
    pub subject: Option<String>,
    /// The role within a group, or a flavor-specific role.
    pub role: Option<String>,
    /// The group this session is a member of.
    pub parent: Option<SessionId>,
    /// The device it was issued to.
    pub device: Option<String>,
    /// Where it was opened from: the client's address and user agent, as the gateway's
    /// metadata policy let it record them.
    #[serde(default)]
    pub origin: Origin,
    /// Keyed hash of the session's bearer secret.
    pub token_hash: Option<TokenHash>,
    /// Keyed hash of the current refresh secret.
    pub refresh_hash: Option<TokenHash>,
    /// When it was created (millisecond precision).
    pub created_at: DateTime<Utc>,
    /// When it last changed or was used.
    pub updated_at: DateTime<Utc>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// Flavor-specific attributes.
    pub attrs: Attrs,
    /// For a group: how many members it takes (a join may leave the capacity to the group).
    pub capacity: Option<u32>,
}

impl Session {
    /// A session created at `now` that expires `ttl` later; other fields empty.
    pub fn new(
        reference: SessionRef,
        flavor: Flavor,
        tenant: impl Into<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Self {
        let now = truncate_ms(now);
        Self {
            id: reference.id,
            owner: reference.owner,
            flavor,
            tenant: tenant.into(),
            subject: None,
            role: None,
            parent: None,
            device: None,
            origin: Origin::default(),
            token_hash: None,
            refresh_hash: None,
            created_at: now,
            updated_at: now,
            expires_at: truncate_ms(now + ttl),
            attrs: Attrs::new(),
            capacity: None,
        }
    }

    /// Where the session is stored.
    pub fn reference(&self) -> SessionRef {
        SessionRef::new(self.owner.clone(), self.id.clone())
    }

    /// Whether the session is still valid at `now`.
    pub fn is_live_at(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// Whole seconds left at `now` (zero once expired).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        (self.expires_at - now).num_seconds().max(0)
    }

    /// The key that orders an owner's sessions by creation: creation time, then id.
    pub fn order_key(&self) -> String {
        order_key(self.created_at, &self.id)
    }
}

/// `created_at` (ms, zero-padded) and id: sorts by creation, ties broken by id.
pub fn order_key(created_at: DateTime<Utc>, id: &SessionId) -> String {
    format!("{:016}:{}", to_millis(created_at).max(0), id.as_str())
}

/// Drops sub-millisecond precision, as the stores keep milliseconds.
pub fn truncate_ms(t: DateTime<Utc>) -> DateTime<Utc> {
    from_millis(to_millis(t))
}

/// What to do when an owner already has its maximum of live sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LimitPolicy {
    /// Refuse the new session ([`Error::CapacityReached`]).
    #[default]
    Refuse,
    /// Delete the oldest sessions to make room.
    #[serde(alias = "evict_oldest")]
    EvictOldest,
}

/// A cap on an owner's live sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerLimit {
    /// Most live sessions the owner may hold (at least 1).
    pub max: u32,
    /// What happens at the cap.
    pub policy: LimitPolicy,
}

/// What a token check reads of a live session: its times and its secrets' keyed hashes, without
/// its body (device, subject, attributes), which a store need not decode for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionHead {
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Last change (or last use, recorded at the metadata policy's granularity).
    pub updated_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// The bearer's keyed hash.
    pub token_hash: Option<TokenHash>,
    /// The refresh secret's keyed hash.
    pub refresh_hash: Option<TokenHash>,
}

impl SessionHead {
    /// The head of `s`.
    pub fn of(s: &Session) -> Self {
        Self {
            created_at: s.created_at,
            updated_at: s.updated_at,
            expires_at: s.expires_at,
            token_hash: s.token_hash,
            refresh_hash: s.refresh_hash,
        }
    }
}

/// Changes to a session's mutable fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionPatch {
    /// New subject (`Some(None)` clears it).
    pub subject: Option<Option<String>>,
    /// New role (`Some(None)` clears it).
    pub role: Option<Option<String>>,
    /// Replaces the attribute map.
    pub attrs: Option<Attrs>,
    /// Replaces the bearer's keyed hash (a session re-keyed under the active token key).
    pub token_hash: Option<TokenHash>,
}

/// The new secrets and expiry that replace the old ones in a refresh rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotation {
    /// Hash of the new bearer (access) secret.
    pub token_hash: TokenHash,
    /// Hash of the new refresh secret.
    pub refresh_hash: TokenHash,
    /// The session's new expiry.
    pub expires_at: DateTime<Utc>,
}

/// An opaque position in an owner's creation-ordered list of sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor that resumes after `session`: its creation time, expiry and id.
    pub fn after(session: &Session) -> Self {
        Self(format!(
            "{:016}:{:016}:{}",
            to_millis(session.created_at).max(0),
            to_millis(session.expires_at).max(0),
            session.id.as_str()
        ))
    }

    /// Rebuilds a cursor from its string form (which callers should authenticate).
    pub fn from_raw(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The cursor's string form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The creation time, expiry (ms) and id it resumes after, when it is well formed.
    pub fn position(&self) -> Option<(i64, i64, SessionId)> {
        let mut parts = self.0.splitn(3, ':');
        let mut ms = || {
            let p = parts.next()?;
            (p.len() == 16 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<i64>().ok())
                .flatten()
        };
        let (created, expires) = (ms()?, ms()?);
        Some((created, expires, SessionId::parse(parts.next()?).ok()?))
    }
}

/// One page of an owner's sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Sessions in creation order.
    pub items: Vec<Session>,
    /// Where the next page starts, when there may be one.
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_escape_what_keys_cannot_carry() {
        let o = Owner::new(Flavor::Amity, &["net", "user{1}: x%"]).unwrap();
        assert_eq!(o.as_str(), "am:net:user%7B1%7D%3A%20x%25");
        assert!(!o.as_str().contains('{'));
        assert!(Owner::parse("a{b}").is_err());
        assert!(Owner::parse("").is_err());
        assert_eq!(o.part(0).as_deref(), Some("net"));
        assert_eq!(o.part(1).as_deref(), Some("user{1}: x%"));
        assert_eq!(o.part(2), None);
        // Different part lists never collide.
        assert_ne!(
            Owner::new(Flavor::Amity, &["a:b", "c"]).unwrap(),
            Owner::new(Flavor::Amity, &["a", "b:c"]).unwrap()
        );
    }

    #[test]
    fn owners_hold_at_most_512_bytes_once_escaped() {
        let x = |n: usize| "x".repeat(n);
        // A space escapes to three bytes: "am:" + 169 * 3 + 2 = 512.
        let spaced = |n: usize| format!("{}{}", " ".repeat(169), x(n));
        // (accepted, its length, refused one step past it)
        for (good, len, bad) in [
            (Owner::parse(&x(512)), Owner::MAX_LEN, Owner::parse(&x(513))),
            (Owner::parse(&x(1)), 1, Owner::parse("")),
            (
                Owner::new(Flavor::Amity, &[&x(509)]),
                Owner::MAX_LEN,
                Owner::new(Flavor::Amity, &[&x(510)]),
            ),
            (
                Owner::new(Flavor::Amity, &[&spaced(2)]),
                Owner::MAX_LEN,
                Owner::new(Flavor::Amity, &[&spaced(3)]),
            ),
            (
                Owner::custom("gw", &[&x(509)]),
                Owner::MAX_LEN,
                Owner::custom("gw", &[&x(510)]),
            ),
        ] {
            assert_eq!(good.unwrap().as_str().len(), len);
            assert!(
                matches!(&bad, Err(Error::Invalid { field, .. }) if field == "owner"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn session_ids_refuse_key_breaking_characters() {
        assert!(SessionId::parse("user.0a1b2c3d.4e5f6a7b").is_ok());
        for bad in ["", "a b", "a{b}", "a/b", "é", &"x".repeat(201)] {
            assert!(SessionId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn order_keys_sort_by_creation_then_id() {
        let t = from_millis(1_000);
        let a = order_key(t, &SessionId::parse("b").unwrap());
        let b = order_key(
            t + Duration::milliseconds(1),
            &SessionId::parse("a").unwrap(),
        );
        let c = order_key(t, &SessionId::parse("c").unwrap());
        assert!(a < b && a < c && c < b);
    }

    #[test]
    fn flavor_names_round_trip() {
        for f in Flavor::ALL {
            assert_eq!(Flavor::parse(f.as_str()).unwrap(), f);
        }
        assert!(Flavor::parse("nope").is_err());
    }
}
