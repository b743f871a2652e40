//! Stream entries back into events. An entry is the fields `k` kind, `t` time (ms), `o` the
//! owner's key (or a tenant change's collection), `i` the session (or the tenant's id), `g` its
//! group, `x` its expiry, `d` its body's descriptive map; its id is `<ms>-<seq>` in the stream
//! of partition `p`, and the event's id `<ms>-<seq>-<p>` (ordered by time, then partition).

use redis::Value;
use session_core::events::{Event, EventKind};
use session_core::{Error, Result, SessionId, SessionRef};

use crate::codec::{array, bytes, string};
use crate::keys::Keys;

/// A stream entry: its id and fields, or nothing when it was trimmed before it was read.
pub(crate) struct Entry {
    pub id: String,
    pub fields: Option<Vec<Value>>,
}

/// The entries of an `XRANGE`/`XAUTOCLAIM` list.
pub(crate) fn entries(what: &str, v: Value) -> Result<Vec<Entry>> {
    array(what, v)?
        .into_iter()
        .map(|e| {
            let mut parts = array(what, e)?.into_iter();
            let id = string(what, parts.next().unwrap_or(Value::Nil))?;
            let fields = match parts.next() {
                None | Some(Value::Nil) => None,
                Some(Value::Map(pairs)) => {
                    Some(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
                }
                Some(f) => Some(array(what, f)?),
            };
            Ok(Entry { id, fields })
        })
        .collect()
}

/// The entries of the one stream of an `XREADGROUP` reply (none for a nil reply).
pub(crate) fn read_reply(what: &str, v: Value) -> Result<Vec<Entry>> {
    let streams = match v {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(pairs) => pairs.into_iter().map(|(_, v)| v).collect(),
        other => array(what, other)?
            .into_iter()
            .map(|s| {
                let mut parts = array(what, s)?.into_iter();
                parts.next();
                Ok(parts.next().unwrap_or(Value::Nil))
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let mut out = Vec::new();
    for s in streams {
        out.extend(entries(what, s)?);
    }
    Ok(out)
}

/// The event id of stream entry `id` of partition `p`.
pub(crate) fn event_id(id: &str, p: usize) -> String {
    format!("{id}-{p}")
}

/// The stream entry id and partition of an event id (`None` when it is not one of ours).
pub(crate) fn position(event_id: &str) -> Option<(u64, u64, usize)> {
    let mut parts = event_id.splitn(3, '-');
    let ms = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    let p = parts.next()?.parse().ok()?;
    Some((ms, seq, p))
}

/// The event of an entry of partition `p`.
pub(crate) fn event(keys: &Keys, p: usize, entry: &Entry) -> Result<Event> {
    let Some(fields) = &entry.fields else {
        return Err(bad("the entry was trimmed"));
    };
    let mut k = None;
    let (mut t, mut o, mut i, mut g, mut x, mut d) = (None, None, None, None, None, None);
    let mut it = fields.iter().cloned();
    while let (Some(f), Some(v)) = (it.next(), it.next()) {
        let v = bytes("event", v)?;
        match bytes("event", f)?.as_slice() {
            b"k" => k = Some(text(v)?),
            b"t" => t = Some(text(v)?),
            b"o" => o = Some(text(v)?),
            b"i" => i = Some(text(v)?),
            b"g" => g = Some(text(v)?),
            b"x" => x = Some(text(v)?),
            b"d" => d = Some(v),
            _ => {}
        }
    }
    let kind = k
        .as_deref()
        .and_then(EventKind::from_code)
        .ok_or_else(|| bad("kind"))?;
    let time: i64 = t.and_then(|t| t.parse().ok()).ok_or_else(|| bad("time"))?;
    let (o, i) = (o.ok_or_else(|| bad("owner"))?, i.ok_or_else(|| bad("id"))?);
    let id = event_id(&entry.id, p);
    if let EventKind::TenantChanged(change) = kind {
        return Ok(Event::of_tenant(change, time, &o, &i).with_id(id));
    }
    let owner = keys.owner_of(&o).ok_or_else(|| bad("owner"))?;
    let sid = SessionId::parse(&i).map_err(|_| bad("id"))?;
    let group = match g.as_deref() {
        None | Some("") => None,
        Some(g) => Some(SessionId::parse(g).map_err(|_| bad("group"))?),
    };
    let expires = x.and_then(|x| x.parse::<i64>().ok());
    let e = Event::from_parts(
        kind,
        time,
        SessionRef::new(owner, sid),
        group,
        expires,
        d.as_deref().unwrap_or_default(),
    )?;
    Ok(e.with_id(id))
}

fn text(v: Vec<u8>) -> Result<String> {
    String::from_utf8(v).map_err(|_| bad("not UTF-8"))
}

fn bad(what: &str) -> Error {
    Error::Internal(format!("corrupt event entry: {what}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn event_ids_carry_their_place() {
        assert_eq!(event_id("1700000000000-3", 12), "1700000000000-3-12");
        assert_eq!(
            position("1700000000000-3-12"),
            Some((1_700_000_000_000, 3, 12))
        );
        for bad in ["", "1-2", "a-b-c", "1-2-x", "1-2-3-4"] {
            assert_eq!(position(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn entries_decode_and_corrupt_ones_are_refused() {
        let keys = Keys::new("sg").unwrap();
        let f = |pairs: &[(&str, &str)]| Entry {
            id: "5-0".into(),
            fields: Some(
                pairs
                    .iter()
                    .flat_map(|(k, v)| {
                        [
                            Value::BulkString(k.as_bytes().to_vec()),
                            Value::BulkString(v.as_bytes().to_vec()),
                        ]
                    })
                    .collect(),
            ),
        };
        let e = event(
            &keys,
            2,
            &f(&[
                ("k", "ra"),
                ("t", "9"),
                ("o", "sg:3:{am:net:bob}"),
                ("i", "s1"),
                ("g", ""),
                ("x", ""),
                ("d", ""),
            ]),
        )
        .unwrap();
        assert_eq!(e.id, "5-0-2");
        assert_eq!(e.subject.as_deref(), Some("bob"));
        assert_eq!(e.kind.reason().map(|r| r.as_str()), Some("admin"));
        let t = event(
            &keys,
            0,
            &f(&[
                ("k", "td"),
                ("t", "9"),
                ("o", "amity.networks"),
                ("i", "k1"),
            ]),
        )
        .unwrap();
        assert_eq!(t.collection.as_deref(), Some("amity.networks"));
        assert!(event(
            &keys,
            0,
            &f(&[("k", "zz"), ("t", "9"), ("o", "x"), ("i", "y")])
        )
        .is_err());
        assert!(event(
            &keys,
            0,
            &f(&[("k", "c"), ("t", "9"), ("o", "elsewhere"), ("i", "y")])
        )
        .is_err());
        assert!(event(
            &keys,
            0,
            &Entry {
                id: "1-0".into(),
                fields: None
            }
        )
        .is_err());
    }
}
