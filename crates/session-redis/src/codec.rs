//! Session <-> Redis hash fields. Times are integer milliseconds since the epoch; optional
//! fields are absent when `None`; attributes are one JSON object (absent when empty).

use redis::Value;
use session_core::clock::{from_millis, to_millis};
use session_core::{
    Attrs, Error, Flavor, Owner, Result, Session, SessionId, SessionPatch, TokenHash,
};

/// Hash field names (the Lua scripts use the same names).
pub(crate) mod field {
    pub const ID: &str = "id";
    pub const OWNER: &str = "owner";
    pub const FLAVOR: &str = "flavor";
    pub const TENANT: &str = "tenant";
    pub const SUBJECT: &str = "subject";
    pub const ROLE: &str = "role";
    pub const PARENT: &str = "parent";
    pub const DEVICE: &str = "device";
    pub const TOKEN_HASH: &str = "token_hash";
    pub const REFRESH_HASH: &str = "refresh_hash";
    pub const CREATED: &str = "created";
    pub const UPDATED: &str = "updated";
    pub const EXPIRES: &str = "expires";
    pub const ATTRS: &str = "attrs";
    /// The session's order key (`<16-digit created ms>:<id>`), its member in the indexes.
    pub const OKEY: &str = "okey";
}

/// A session as the script arguments `read_session` (lib.lua) expects: id, order key, expiry
/// ms, parent (`""` for none), the number of items, then field/value items.
pub(crate) fn session_args(s: &Session) -> Result<Vec<String>> {
    let fields = fields(s)?;
    let mut out = Vec::with_capacity(5 + fields.len() * 2);
    out.push(s.id.as_str().to_owned());
    out.push(s.order_key());
    out.push(to_millis(s.expires_at).to_string());
    out.push(
        s.parent
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    );
    out.push((fields.len() * 2).to_string());
    for (k, v) in fields {
        out.push(k.to_owned());
        out.push(v);
    }
    Ok(out)
}

/// The hash fields of a session.
pub(crate) fn fields(s: &Session) -> Result<Vec<(&'static str, String)>> {
    let mut f = vec![
        (field::ID, s.id.as_str().to_owned()),
        (field::OWNER, s.owner.as_str().to_owned()),
        (field::FLAVOR, s.flavor.as_str().to_owned()),
        (field::TENANT, s.tenant.clone()),
        (field::CREATED, to_millis(s.created_at).to_string()),
        (field::UPDATED, to_millis(s.updated_at).to_string()),
        (field::EXPIRES, to_millis(s.expires_at).to_string()),
        (field::OKEY, s.order_key()),
    ];
    let optional = [
        (field::SUBJECT, s.subject.as_deref()),
        (field::ROLE, s.role.as_deref()),
        (field::PARENT, s.parent.as_ref().map(SessionId::as_str)),
        (field::DEVICE, s.device.as_deref()),
        (
            field::TOKEN_HASH,
            s.token_hash.as_ref().map(TokenHash::as_str),
        ),
        (
            field::REFRESH_HASH,
            s.refresh_hash.as_ref().map(TokenHash::as_str),
        ),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            f.push((k, v.to_owned()));
        }
    }
    if let Some(attrs) = attrs_json(&s.attrs)? {
        f.push((field::ATTRS, attrs));
    }
    Ok(f)
}

/// The attribute map as JSON, or `None` when it is empty (the field is then left out).
pub(crate) fn attrs_json(attrs: &Attrs) -> Result<Option<String>> {
    if attrs.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(attrs)
        .map(Some)
        .map_err(|e| Error::Internal(format!("cannot encode session attributes: {e}")))
}

/// Decodes a record (a flat HGETALL array or a RESP3 map); `None` for an empty one.
pub(crate) fn decode(v: Value) -> Result<Option<Session>> {
    let pairs = pairs(v)?;
    if pairs.is_empty() {
        return Ok(None);
    }
    from_pairs(pairs).map(Some)
}

/// Decodes a list of records, skipping none: every element must be a record.
pub(crate) fn decode_all(values: Vec<Value>) -> Result<Vec<Session>> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match decode(v)? {
            Some(s) => out.push(s),
            None => return Err(corrupt("an empty record in a script reply")),
        }
    }
    Ok(out)
}

fn from_pairs(pairs: Vec<(String, String)>) -> Result<Session> {
    let mut rec = Record::default();
    for (k, v) in pairs {
        let slot = match k.as_str() {
            field::ID => &mut rec.id,
            field::OWNER => &mut rec.owner,
            field::FLAVOR => &mut rec.flavor,
            field::TENANT => &mut rec.tenant,
            field::SUBJECT => &mut rec.subject,
            field::ROLE => &mut rec.role,
            field::PARENT => &mut rec.parent,
            field::DEVICE => &mut rec.device,
            field::TOKEN_HASH => &mut rec.token_hash,
            field::REFRESH_HASH => &mut rec.refresh_hash,
            field::CREATED => &mut rec.created,
            field::UPDATED => &mut rec.updated,
            field::EXPIRES => &mut rec.expires,
            field::ATTRS => &mut rec.attrs,
            // The order key is derived; unknown fields are tolerated for forward compatibility.
            _ => continue,
        };
        *slot = Some(v);
    }
    rec.into_session()
}

#[derive(Default)]
struct Record {
    id: Option<String>,
    owner: Option<String>,
    flavor: Option<String>,
    tenant: Option<String>,
    subject: Option<String>,
    role: Option<String>,
    parent: Option<String>,
    device: Option<String>,
    token_hash: Option<String>,
    refresh_hash: Option<String>,
    created: Option<String>,
    updated: Option<String>,
    expires: Option<String>,
    attrs: Option<String>,
}

impl Record {
    fn into_session(self) -> Result<Session> {
        let id = SessionId::parse(&required(self.id, field::ID)?)
            .map_err(|e| corrupt(&format!("id: {e}")))?;
        let owner = Owner::parse(&required(self.owner, field::OWNER)?)
            .map_err(|e| corrupt(&format!("owner: {e}")))?;
        let flavor = Flavor::parse(&required(self.flavor, field::FLAVOR)?)
            .map_err(|e| corrupt(&format!("flavor: {e}")))?;
        let parent = match self.parent {
            Some(p) => Some(SessionId::parse(&p).map_err(|e| corrupt(&format!("parent: {e}")))?),
            None => None,
        };
        let attrs = match self.attrs {
            Some(a) => {
                serde_json::from_str::<Attrs>(&a).map_err(|e| corrupt(&format!("attrs: {e}")))?
            }
            None => Attrs::new(),
        };
        Ok(Session {
            id,
            owner,
            flavor,
            tenant: required(self.tenant, field::TENANT)?,
            subject: self.subject,
            role: self.role,
            parent,
            device: self.device,
            token_hash: self.token_hash.map(TokenHash::from_stored),
            refresh_hash: self.refresh_hash.map(TokenHash::from_stored),
            created_at: time(self.created, field::CREATED)?,
            updated_at: time(self.updated, field::UPDATED)?,
            expires_at: time(self.expires, field::EXPIRES)?,
            attrs,
        })
    }
}

fn required(v: Option<String>, name: &str) -> Result<String> {
    v.ok_or_else(|| corrupt(&format!("field `{name}` is missing")))
}

fn time(v: Option<String>, name: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let raw = required(v, name)?;
    raw.parse::<i64>()
        .map(from_millis)
        .map_err(|_| corrupt(&format!("field `{name}` is not an integer: {raw:?}")))
}

fn corrupt(what: &str) -> Error {
    Error::Internal(format!("corrupt session record: {what}"))
}

/// Key/value pairs of a hash reply.
fn pairs(v: Value) -> Result<Vec<(String, String)>> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::Array(items) => {
            if items.len() % 2 != 0 {
                return Err(corrupt("odd number of items in a hash reply"));
            }
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((string(k)?, string(v)?));
            }
            Ok(out)
        }
        Value::Map(items) => items
            .into_iter()
            .map(|(k, v)| Ok((string(k)?, string(v)?)))
            .collect(),
        other => Err(corrupt(&format!("unexpected reply {other:?}"))),
    }
}

/// A string reply.
pub(crate) fn string(v: Value) -> Result<String> {
    match v {
        Value::BulkString(b) => {
            String::from_utf8(b).map_err(|_| Error::Internal("a reply is not UTF-8".into()))
        }
        Value::SimpleString(s) => Ok(s),
        Value::VerbatimString { text, .. } => Ok(text),
        Value::Okay => Ok("OK".into()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(Error::Internal(format!(
            "unexpected reply {other:?} where a string was expected"
        ))),
    }
}

// Script replies.

/// An error for a reply of an unexpected shape.
pub(crate) fn unexpected(what: &str, v: &Value) -> Error {
    Error::Internal(format!("redis {what}: unexpected reply {v:?}"))
}

/// An integer reply.
pub(crate) fn int(what: &str, v: Value) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(i),
        other => Err(unexpected(what, &other)),
    }
}

/// An array reply (`Nil` as empty).
pub(crate) fn array(what: &str, v: Value) -> Result<Vec<Value>> {
    match v {
        Value::Array(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        other => Err(unexpected(what, &other)),
    }
}

/// Splits a `{status, rest...}` script reply.
pub(crate) fn status(what: &str, v: Value) -> Result<(String, Vec<Value>)> {
    let mut items = array(what, v)?.into_iter();
    let head = items
        .next()
        .ok_or_else(|| Error::Internal(format!("redis {what}: empty reply")))?;
    Ok((string(head)?, items.collect()))
}

/// A record reply of a script (`{}` when there was no live session).
pub(crate) fn record(what: &str, v: Value) -> Result<Option<Session>> {
    match v {
        Value::Array(items) if items.is_empty() => Ok(None),
        Value::Array(_) | Value::Map(_) => decode(v),
        Value::Nil => Ok(None),
        other => Err(unexpected(what, &other)),
    }
}

/// Script arguments for `update`: the id, then (field, op, value) triples; op `s` sets, `c`
/// clears.
pub(crate) fn patch_args(id: &SessionId, patch: SessionPatch) -> Result<Vec<String>> {
    let mut args = vec![id.as_str().to_owned()];
    let mut put = |field: &str, value: Option<String>| {
        args.push(field.to_owned());
        match value {
            Some(v) => args.extend(["s".to_owned(), v]),
            None => args.extend(["c".to_owned(), String::new()]),
        }
    };
    if let Some(subject) = patch.subject {
        put(field::SUBJECT, subject);
    }
    if let Some(role) = patch.role {
        put(field::ROLE, role);
    }
    if let Some(attrs) = patch.attrs {
        put(field::ATTRS, attrs_json(&attrs)?);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use chrono::Duration;
    use session_core::{SessionRef, TokenHasher};

    fn sample() -> Session {
        let o = Owner::new(Flavor::Amity, &["net", "u1"]).unwrap();
        let mut s = Session::new(
            SessionRef::new(o, SessionId::parse("s1").unwrap()),
            Flavor::Amity,
            "net",
            from_millis(1_700_000_000_123),
            Duration::hours(1),
        );
        s.subject = Some(String::new());
        s.parent = Some(SessionId::parse("g").unwrap());
        s.token_hash = Some(TokenHasher::new("k").hash("t"));
        s.attrs
            .insert("n".into(), serde_json::json!({"a": [1, -2.5]}));
        s
    }

    fn as_reply(fields: Vec<(&'static str, String)>) -> Value {
        Value::Array(
            fields
                .into_iter()
                .flat_map(|(k, v)| [k.as_bytes().to_vec(), v.into_bytes()])
                .map(Value::BulkString)
                .collect(),
        )
    }

    #[test]
    fn sessions_round_trip() {
        let s = sample();
        assert_eq!(decode(as_reply(fields(&s).unwrap())).unwrap(), Some(s));
        let mut bare = sample();
        bare.subject = None;
        bare.parent = None;
        bare.token_hash = None;
        bare.attrs.clear();
        let f = fields(&bare).unwrap();
        assert!(!f
            .iter()
            .any(|(k, _)| *k == field::ATTRS || *k == field::SUBJECT));
        assert_eq!(decode(as_reply(f)).unwrap(), Some(bare));
    }

    #[test]
    fn script_args_carry_the_header() {
        let s = sample();
        let a = session_args(&s).unwrap();
        assert_eq!(a[0], "s1");
        assert_eq!(a[1], s.order_key());
        assert_eq!(a[2], "1700003600123");
        assert_eq!(a[3], "g");
        assert_eq!(a[4].parse::<usize>().unwrap(), a.len() - 5);
    }

    #[test]
    fn corrupt_records_are_internal_errors() {
        assert_eq!(decode(Value::Array(vec![])).unwrap(), None);
        let mut f = fields(&sample()).unwrap();
        f.retain(|(k, _)| *k != field::EXPIRES);
        assert!(matches!(decode(as_reply(f)), Err(Error::Internal(_))));
        let mut f = fields(&sample()).unwrap();
        for (k, v) in f.iter_mut() {
            if *k == field::CREATED {
                *v = "soon".into();
            }
        }
        assert!(matches!(decode(as_reply(f)), Err(Error::Internal(_))));
        assert!(matches!(
            decode(Value::Array(vec![Value::Int(1)])),
            Err(Error::Internal(_))
        ));
    }
}
