//! Script arguments and replies: sessions travel as their compact records
//! ([`session_core::Record`]), replies are unpacked here in one place.

use redis::Value;
use session_core::{Error, Guard, Owner, Record, Result, Session, SessionId, SessionRef};

/// An error for a reply of an unexpected shape.
pub(crate) fn unexpected(what: &str, v: &Value) -> Error {
    Error::Internal(format!("redis {what}: unexpected reply {v:?}"))
}

/// The bytes of a string reply.
pub(crate) fn bytes(what: &str, v: Value) -> Result<Vec<u8>> {
    match v {
        Value::BulkString(b) => Ok(b),
        Value::SimpleString(s) => Ok(s.into_bytes()),
        Value::VerbatimString { text, .. } => Ok(text.into_bytes()),
        other => Err(unexpected(what, &other)),
    }
}

/// The bytes of a string reply, `None` for nil.
pub(crate) fn opt_bytes(what: &str, v: Value) -> Result<Option<Vec<u8>>> {
    match v {
        Value::Nil => Ok(None),
        Value::Boolean(false) => Ok(None),
        v => bytes(what, v).map(Some),
    }
}

/// A UTF-8 string reply.
pub(crate) fn string(what: &str, v: Value) -> Result<String> {
    match v {
        Value::Int(i) => Ok(i.to_string()),
        Value::Okay => Ok("OK".into()),
        v => String::from_utf8(bytes(what, v)?)
            .map_err(|_| Error::Internal(format!("redis {what}: a reply is not UTF-8"))),
    }
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
pub(crate) fn status(what: &str, v: Value) -> Result<(String, std::vec::IntoIter<Value>)> {
    let mut items = array(what, v)?.into_iter();
    let head = items
        .next()
        .ok_or_else(|| Error::Internal(format!("redis {what}: empty reply")))?;
    Ok((string(what, head)?, items))
}

/// The session of a `head, body | nil` pair of reply items.
pub(crate) fn session(
    what: &str,
    r: &SessionRef,
    head: Option<Value>,
    body: Option<Value>,
) -> Result<Session> {
    let head = bytes(what, head.unwrap_or(Value::Nil))?;
    let body = opt_bytes(what, body.unwrap_or(Value::Nil))?;
    Record::decode(r, &head, body.as_deref())
}

/// Session ids written into a flat reply as their count, then each id.
pub(crate) fn ids(what: &str, items: &mut impl Iterator<Item = Value>) -> Result<Vec<SessionId>> {
    let n = int(what, items.next().unwrap_or(Value::Nil))?.max(0) as usize;
    (0..n)
        .map(|_| {
            let id = string(what, items.next().unwrap_or(Value::Nil))?;
            SessionId::parse(&id).map_err(|e| Error::Internal(format!("redis {what}: id: {e}")))
        })
        .collect()
}

/// The live sessions of a whole-owner `HGETALL` reply, in creation order.
pub(crate) fn owner_sessions(owner: &Owner, all: Vec<Value>, now_ms: i64) -> Result<Vec<Session>> {
    let mut stored: Vec<(SessionId, Vec<u8>)> = Vec::new();
    let mut bodies: std::collections::HashMap<Vec<u8>, Vec<u8>> = Default::default();
    let mut it = all.into_iter();
    while let (Some(f), Some(v)) = (it.next(), it.next()) {
        let f = bytes("owner", f)?;
        // `s<id>`: a session's head, with its body when they fit together; `d<id>`: else its
        // body.
        match f.split_first() {
            Some((b's', id)) => {
                let id = std::str::from_utf8(id)
                    .ok()
                    .and_then(|s| SessionId::parse(s).ok())
                    .ok_or_else(|| Error::Internal("redis owner: a bad session id".into()))?;
                stored.push((id, bytes("owner", v)?));
            }
            Some((b'd', id)) => {
                bodies.insert(id.to_vec(), bytes("owner", v)?);
            }
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(stored.len());
    for (id, value) in stored {
        let body = bodies.get(id.as_str().as_bytes()).map(Vec::as_slice);
        let s = Record::decode_stored(&SessionRef::new(owner.clone(), id), &value, body)?;
        if s.expires_at.timestamp_millis() > now_ms {
            out.push(s);
        }
    }
    // A member of a dead group is dead too.
    loop {
        let before = out.len();
        let ids: std::collections::HashSet<SessionId> = out.iter().map(|s| s.id.clone()).collect();
        out.retain(|s| s.parent.as_ref().is_none_or(|p| ids.contains(p)));
        if out.len() == before {
            break;
        }
    }
    out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(out)
}

/// The script arguments of a guard: acting id, token hash, role (all empty for none).
pub(crate) fn guard_args(guard: Option<&Guard>) -> [Vec<u8>; 3] {
    match guard {
        Some(g) => [
            g.id.as_str().as_bytes().to_vec(),
            g.token.as_bytes().to_vec(),
            g.role.clone().unwrap_or_default().into_bytes(),
        ],
        None => [Vec::new(), Vec::new(), Vec::new()],
    }
}

/// The record of `s` as script arguments: head, body (empty for none).
pub(crate) fn record_args(s: &Session) -> Result<[Vec<u8>; 2]> {
    let r = Record::encode(s)?;
    Ok([r.head, r.body.unwrap_or_default()])
}
