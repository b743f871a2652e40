//! The compact session record every store keeps: a binary *head* with what token checks and
//! the stores' own scripts read, and an optional MessagePack *body* with the rest.
//!
//! Head (big-endian):
//!
//! | bytes | field |
//! | --- | --- |
//! | 1 | flags: bit 0 token hash, bit 1 refresh hash, bit 2 role, bit 3 parent, bit 4 capacity; bits 5-7 the format (0) |
//! | 6 | `created_at`, ms since the Unix epoch |
//! | 6 | `updated_at`, ms |
//! | 6 | `expires_at`, ms |
//! | 16 | token hash, when flagged |
//! | 16 | refresh hash, when flagged |
//! | 1 + n | role, when flagged (length, then UTF-8) |
//! | 1 + n | parent id, when flagged |
//! | 4 | a group's capacity, when flagged |
//!
//! Body, left out when empty: a MessagePack map `d` device, `s` subject, `t` tenant, `f` flavor,
//! `i` the client's address and `a` its user agent (an empty map is also read as an empty array), followed by the attributes as a second
//! MessagePack map when there are any (so a script can replace either part without decoding
//! the other). Tenant and subject are written only when they differ from what the owner
//! implies ([`Owner::part`] 0 and 1): an owner built from a tenant and a user id holds them
//! already, so an Amity or session-storage record repeats neither. A subject of `None` where
//! the owner implies one is written as `false`. The flavor is written only for owners that name
//! none.
//!
//! The Redis scripts read the head at the same offsets (`session-redis/src/scripts/lib.lua`).

use serde_json::{Map, Value};

use crate::clock::{from_millis, to_millis};
use crate::error::{Error, Result};
use crate::model::{Attrs, Flavor, Origin, Session, SessionId, SessionRef};
use crate::token::{TokenHash, TAG_LEN};

/// Bytes of the fixed part of a head.
pub const HEAD_FIXED: usize = 19;

const TOKEN: u8 = 1;
const REFRESH: u8 = 2;
const ROLE: u8 = 4;
const PARENT: u8 = 8;
const CAPACITY: u8 = 16;
const FORMAT_MASK: u8 = 0xE0;

/// The largest time a head holds (48 bits of milliseconds: the year 10889).
const MAX_MS: i64 = (1 << 48) - 1;

/// A session as its store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The binary head.
    pub head: Vec<u8>,
    /// The MessagePack body, when the session has anything beyond its head.
    pub body: Option<Vec<u8>>,
}

impl Record {
    /// Encodes `s`. Fails for a role or parent longer than 255 bytes or a time outside 0..2^48 ms.
    pub fn encode(s: &Session) -> Result<Self> {
        Ok(Self {
            head: encode_head(s)?,
            body: encode_body(s)?,
        })
    }

    /// A record stored as one value (the Redis store keeps a session's head and, when they fit
    /// together, its body in one hash field): its head and its body, when the value holds one.
    pub fn split_stored(v: &[u8]) -> Result<(&[u8], Option<&[u8]>)> {
        let len = Head::parse(v)?.len;
        let (head, body) = v.split_at(len);
        Ok((head, (!body.is_empty()).then_some(body)))
    }

    /// Decodes the session stored at `r` as one value ([`Record::split_stored`]), its body read
    /// from `body` when the value holds none.
    pub fn decode_stored(r: &SessionRef, v: &[u8], body: Option<&[u8]>) -> Result<Session> {
        let (head, inline) = Self::split_stored(v)?;
        Self::decode(r, head, inline.or(body))
    }

    /// Decodes the session stored at `r`.
    pub fn decode(r: &SessionRef, head: &[u8], body: Option<&[u8]>) -> Result<Session> {
        let h = Head::parse(head)?;
        let mut s = Session {
            id: r.id.clone(),
            owner: r.owner.clone(),
            flavor: r.owner.flavor().unwrap_or(Flavor::SessionStorage),
            tenant: r.owner.part(0).unwrap_or_default(),
            subject: r.owner.part(1),
            role: h.role.map(str::to_owned),
            parent: match h.parent {
                Some(p) => Some(SessionId::parse(p).map_err(|e| corrupt(&format!("parent: {e}")))?),
                None => None,
            },
            device: None,
            origin: Origin::default(),
            token_hash: h.token,
            refresh_hash: h.refresh,
            created_at: from_millis(h.created),
            updated_at: from_millis(h.updated),
            expires_at: from_millis(h.expires),
            attrs: Attrs::new(),
            capacity: h.capacity,
        };
        if let Some(body) = body {
            apply_body(&mut s, body)?;
        }
        Ok(s)
    }
}

/// The head of a record, borrowed: what a token check needs, without decoding the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    /// Creation, ms.
    pub created: i64,
    /// Last change, ms.
    pub updated: i64,
    /// Expiry, ms.
    pub expires: i64,
    /// The token hash.
    pub token: Option<TokenHash>,
    /// The refresh hash.
    pub refresh: Option<TokenHash>,
    /// The role.
    pub role: Option<&'a str>,
    /// The parent id.
    pub parent: Option<&'a str>,
    /// A group's capacity.
    pub capacity: Option<u32>,
    /// Bytes of the head (what follows, in a stored record, is the body).
    pub len: usize,
}

impl<'a> Head<'a> {
    /// Parses a head; bytes after it are left alone (see [`Record::split_stored`]).
    pub fn parse(b: &'a [u8]) -> Result<Self> {
        if b.len() < HEAD_FIXED {
            return Err(corrupt("short head"));
        }
        let flags = b[0];
        if flags & FORMAT_MASK != 0 {
            return Err(corrupt("unknown record format"));
        }
        let mut at = HEAD_FIXED;
        let mut tag = |on: bool| -> Result<Option<TokenHash>> {
            if !on {
                return Ok(None);
            }
            let t = b
                .get(at..at + TAG_LEN)
                .and_then(TokenHash::from_slice)
                .ok_or_else(|| corrupt("short hash"))?;
            at += TAG_LEN;
            Ok(Some(t))
        };
        let token = tag(flags & TOKEN != 0)?;
        let refresh = tag(flags & REFRESH != 0)?;
        let mut text = |on: bool| -> Result<Option<&'a str>> {
            if !on {
                return Ok(None);
            }
            let n = usize::from(*b.get(at).ok_or_else(|| corrupt("short head"))?);
            let s = b
                .get(at + 1..at + 1 + n)
                .ok_or_else(|| corrupt("short head"))?;
            at += 1 + n;
            std::str::from_utf8(s)
                .map(Some)
                .map_err(|_| corrupt("text is not UTF-8"))
        };
        let role = text(flags & ROLE != 0)?;
        let parent = text(flags & PARENT != 0)?;
        let capacity = if flags & CAPACITY != 0 {
            let b = b.get(at..at + 4).ok_or_else(|| corrupt("short head"))?;
            at += 4;
            Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        } else {
            None
        };
        Ok(Self {
            len: at,
            created: u48(&b[1..7]),
            updated: u48(&b[7..13]),
            expires: u48(&b[13..19]),
            token,
            refresh,
            role,
            parent,
            capacity,
        })
    }
}

impl From<Head<'_>> for crate::model::SessionHead {
    fn from(h: Head<'_>) -> Self {
        Self {
            created_at: from_millis(h.created),
            updated_at: from_millis(h.updated),
            expires_at: from_millis(h.expires),
            token_hash: h.token,
            refresh_hash: h.refresh,
        }
    }
}

fn u48(b: &[u8]) -> i64 {
    b.iter().fold(0i64, |acc, x| (acc << 8) | i64::from(*x))
}

fn put_u48(out: &mut Vec<u8>, ms: i64, what: &str) -> Result<()> {
    if !(0..=MAX_MS).contains(&ms) {
        return Err(Error::invalid(what, "time out of range"));
    }
    out.extend_from_slice(&ms.to_be_bytes()[2..]);
    Ok(())
}

fn put_text(out: &mut Vec<u8>, s: &str, what: &str) -> Result<()> {
    let n = u8::try_from(s.len()).map_err(|_| Error::invalid(what, "longer than 255 bytes"))?;
    out.push(n);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn encode_head(s: &Session) -> Result<Vec<u8>> {
    let mut flags = 0;
    for (on, bit) in [
        (s.token_hash.is_some(), TOKEN),
        (s.refresh_hash.is_some(), REFRESH),
        (s.role.is_some(), ROLE),
        (s.parent.is_some(), PARENT),
        (s.capacity.is_some(), CAPACITY),
    ] {
        if on {
            flags |= bit;
        }
    }
    let mut out = Vec::with_capacity(HEAD_FIXED + 2 * TAG_LEN);
    out.push(flags);
    put_u48(&mut out, to_millis(s.created_at), "created_at")?;
    put_u48(&mut out, to_millis(s.updated_at), "updated_at")?;
    put_u48(&mut out, to_millis(s.expires_at), "expires_at")?;
    for t in [&s.token_hash, &s.refresh_hash].into_iter().flatten() {
        out.extend_from_slice(t.as_bytes());
    }
    if let Some(role) = &s.role {
        put_text(&mut out, role, "role")?;
    }
    if let Some(parent) = &s.parent {
        put_text(&mut out, parent.as_str(), "parent")?;
    }
    if let Some(c) = s.capacity {
        out.extend_from_slice(&c.to_be_bytes());
    }
    Ok(out)
}

fn encode_body(s: &Session) -> Result<Option<Vec<u8>>> {
    let desc = describe(s);
    if desc.is_empty() && s.attrs.is_empty() {
        return Ok(None);
    }
    let mut out = pack(&desc)?;
    if !s.attrs.is_empty() {
        out.extend(pack(&s.attrs)?);
    }
    Ok(Some(out))
}

/// The descriptive part of a body: what the owner does not imply.
pub fn describe(s: &Session) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(d) = &s.device {
        m.insert("d".into(), Value::String(d.clone()));
    }
    if let Some(v) = subject_value(s) {
        m.insert("s".into(), v);
    }
    if Some(&s.tenant) != s.owner.part(0).as_ref() {
        m.insert("t".into(), Value::String(s.tenant.clone()));
    }
    if s.owner.flavor() != Some(s.flavor) {
        m.insert("f".into(), Value::String(s.flavor.as_str().into()));
    }
    if let Some(ip) = s.origin.ip {
        m.insert("i".into(), Value::String(ip.to_string()));
    }
    if let Some(a) = &s.origin.user_agent {
        m.insert("a".into(), Value::String(a.clone()));
    }
    m
}

/// How the body records `s.subject`: `None` when the owner implies it.
pub fn subject_value(s: &Session) -> Option<Value> {
    if s.subject == s.owner.part(1) {
        return None;
    }
    Some(s.subject.clone().map_or(Value::Bool(false), Value::String))
}

/// Packs a map as MessagePack.
pub fn pack(m: &Map<String, Value>) -> Result<Vec<u8>> {
    rmp_serde::to_vec(m).map_err(|e| Error::Internal(format!("cannot encode a session body: {e}")))
}

fn apply_body(s: &mut Session, body: &[u8]) -> Result<()> {
    let mut rest = body;
    let desc: Value =
        rmp_serde::from_read(&mut rest).map_err(|e| corrupt(&format!("body: {e}")))?;
    match desc {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("d", Value::String(d)) => s.device = Some(d),
                    ("s", Value::String(x)) => s.subject = Some(x),
                    ("s", Value::Bool(false) | Value::Null) => s.subject = None,
                    ("t", Value::String(t)) => s.tenant = t,
                    ("f", Value::String(f)) => {
                        s.flavor = Flavor::parse(&f).map_err(|_| corrupt("flavor"))?;
                    }
                    ("i", Value::String(ip)) => {
                        s.origin.ip = Some(ip.parse().map_err(|_| corrupt("address"))?);
                    }
                    ("a", Value::String(a)) => s.origin.user_agent = Some(a),
                    // Unknown members are tolerated for forward compatibility.
                    (_, _) => {}
                }
            }
        }
        // A script re-encodes an empty map as an empty array.
        Value::Array(a) if a.is_empty() => {}
        _ => return Err(corrupt("body is not a map")),
    }
    if !rest.is_empty() {
        s.attrs = rmp_serde::from_slice(rest).map_err(|e| corrupt(&format!("attributes: {e}")))?;
    }
    Ok(())
}

fn corrupt(what: &str) -> Error {
    Error::Internal(format!("corrupt session record: {what}"))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::model::Owner;
    use crate::token::TokenHasher;

    fn sample(owner: Owner) -> Session {
        let mut s = Session::new(
            SessionRef::new(owner, SessionId::parse("s1").unwrap()),
            Flavor::Amity,
            "net",
            from_millis(1_700_000_000_123),
            Duration::hours(1),
        );
        s.subject = Some("u1".into());
        s
    }

    #[test]
    fn records_round_trip_and_leave_out_what_the_owner_implies() {
        let o = Owner::new(Flavor::Amity, &["net", "u1"]).unwrap();
        let mut s = sample(o.clone());
        let r = Record::encode(&s).unwrap();
        assert_eq!(r.head.len(), HEAD_FIXED);
        assert_eq!(r.body, None, "tenant and subject come from the owner");
        assert_eq!(Record::decode(&s.reference(), &r.head, None).unwrap(), s);

        s.token_hash = Some(TokenHasher::new("k").hash("t"));
        s.refresh_hash = Some(TokenHasher::new("k").hash("r"));
        s.role = Some("host".into());
        s.parent = Some(SessionId::parse("g").unwrap());
        s.device = Some("dev".into());
        s.origin = Origin {
            ip: Some("2001:db8::1".parse().unwrap()),
            user_agent: Some("agent/1.0".into()),
        };
        s.capacity = Some(100);
        s.attrs
            .insert("n".into(), serde_json::json!({"a": [1, -2.5, null, "x"]}));
        let r = Record::encode(&s).unwrap();
        assert_eq!(r.head.len(), HEAD_FIXED + 32 + 5 + 2 + 4);
        let back = Record::decode(&s.reference(), &r.head, r.body.as_deref()).unwrap();
        assert_eq!(back, s);

        // Stored as one value (head, then body), it splits back at the head's end.
        let body = r.body.clone().unwrap();
        let one = [r.head.as_slice(), &body].concat();
        assert_eq!(
            Record::split_stored(&one).unwrap(),
            (r.head.as_slice(), Some(body.as_slice()))
        );
        assert_eq!(
            Record::split_stored(&r.head).unwrap(),
            (r.head.as_slice(), None)
        );
        assert!(Record::split_stored(&r.head[..r.head.len() - 1]).is_err());

        // A subject that differs from the owner's, and none where the owner implies one.
        for subject in [Some("other".to_owned()), None] {
            s.subject = subject;
            let r = Record::encode(&s).unwrap();
            let back = Record::decode(&s.reference(), &r.head, r.body.as_deref()).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn owners_that_imply_nothing_store_everything() {
        let o = Owner::custom("x", &["g"]).unwrap();
        let mut s = sample(o);
        s.tenant = "app".into();
        s.flavor = Flavor::Quickblox;
        let r = Record::encode(&s).unwrap();
        assert_eq!(
            Record::decode(&s.reference(), &r.head, r.body.as_deref()).unwrap(),
            s
        );
    }

    #[test]
    fn bad_input_is_refused_and_corrupt_records_are_internal() {
        let o = Owner::new(Flavor::Amity, &["net", "u1"]).unwrap();
        let mut s = sample(o.clone());
        s.role = Some("r".repeat(256));
        assert!(matches!(Record::encode(&s), Err(Error::Invalid { .. })));
        let s = sample(o);
        let r = Record::encode(&s).unwrap();
        let refer = s.reference();
        assert!(matches!(
            Record::decode(&refer, &r.head[..5], None),
            Err(Error::Internal(_))
        ));
        let mut flagged = r.head.clone();
        flagged[0] = TOKEN;
        assert!(Record::decode(&refer, &flagged, None).is_err());
        let mut future = r.head.clone();
        future[0] = 0x20;
        assert!(Record::decode(&refer, &future, None).is_err());
        assert!(Record::decode(&refer, &r.head, Some(b"\xc1")).is_err());
    }
}
