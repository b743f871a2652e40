//! RedisStore: the [`SessionStore`] contract on Redis, single node or Redis Cluster.
//!
//! Everything an owner holds is one hash (plus two indexes for owners with more than a hundred
//! sessions), all under one hash tag: every operation is one command or one Lua script in one
//! slot, so one round trip, atomic on a single node and on a cluster alike. A token check is
//! one `HMGET` of the session's compact record. The key schema is described in
//! `docs/redis-keys.md`.
//!
//! The store keeps two connections: writes on one, reads on the other, so a write that waits
//! (a `CLIENT PAUSE WRITE`, a failover, a slow script) never holds token checks behind it. Each
//! connects lazily, bounds every call by [`RedisSettings::timeout`] and answers
//! [`Error::StoreUnavailable`] when Redis cannot be reached in time; it recovers by itself once
//! Redis is back.

mod attempts;
mod codec;
mod conn;
pub mod events;
mod keys;
mod scripts;
mod snapshot;
#[cfg(feature = "test-harness")]
pub mod testing;
mod tls;

pub use events::EventKeys;
pub use tls::RedisTls;

use async_trait::async_trait;
use chrono::Duration;
use redis::Value;
use session_core::clock::to_millis;
use session_core::events::{RevokeReason, SignCounter, Signs};
use session_core::memory::check_member_of;
use session_core::record::{describe, Head, Record};
use session_core::record::{pack, subject_value};
use session_core::{
    Attempt, AttemptId, AttemptKey, Candidate, Created, Cursor, DocUpsert, Error, ExpiryCounter,
    Flavor, Guard, Joined, LimitPolicy, NewSession, Owner, OwnerDump, Page, Removed, Result,
    Revocation, Rotated, Rotation, Sealer, Session, SessionHead, SessionId, SessionPatch,
    SessionRef, SessionStore, SharedClock, TokenHash, Window, MAX_PAGE_SIZE,
};

use crate::codec::{array, guard_args, ids, int, opt_bytes, record_args, session, status, string};
use crate::conn::Connector;
use crate::keys::Keys;
use crate::scripts::{Lua, SCRIPTS};

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://host:port/db` of a single node (used when `cluster_urls` is empty).
    pub url: String,
    /// Seed nodes of a Redis Cluster; non-empty selects cluster mode.
    pub cluster_urls: Vec<String>,
    /// Prefix of every key.
    pub key_prefix: String,
    /// Upper bound on every call, connecting included.
    pub timeout: std::time::Duration,
    /// TLS material for `rediss://` URLs (a private CA, a client certificate).
    pub tls: RedisTls,
}

/// Sessions in Redis. Connects lazily on first use; cheap to create (one per worker).
#[derive(Debug)]
pub struct RedisStore {
    keys: Keys,
    clock: SharedClock,
    write: Connector,
    read: Connector,
    /// Sessions this instance's scripts dropped as expired.
    expired: ExpiryCounter,
    /// Events: the sign-in and sign-out events this instance's updates wrote.
    signs: SignCounter,
    /// Seals run-time tenant documents at rest.
    sealer: Sealer,
    /// Events: where changes write their events, when events are on.
    events: Option<std::sync::Arc<EventKeys>>,
    /// Held while the function library is loaded, so that the calls that found it missing
    /// together (every call in flight after a restart or a flush) load it once.
    loading: tokio::sync::Mutex<()>,
}

/// Longest ttl or cap honoured (about 100 years); longer ones are cut to it.
const MAX_SPAN_MS: i64 = 100 * 366 * 24 * 3600 * 1000;

impl RedisStore {
    /// A store that will connect with `settings` on first use. Validates the settings (URLs,
    /// key prefix, timeout) but does no I/O.
    pub fn new(settings: RedisSettings, clock: SharedClock) -> Result<Self> {
        if settings.timeout.is_zero() {
            return Err(Error::invalid("store.timeout", "must be positive"));
        }
        let connector = || {
            Connector::new(
                &settings.url,
                &settings.cluster_urls,
                settings.timeout,
                &settings.tls,
            )
        };
        Ok(Self {
            keys: Keys::new(&settings.key_prefix)?,
            clock,
            write: connector()?,
            read: connector()?,
            expired: ExpiryCounter::default(),
            signs: SignCounter::default(),
            sealer: Sealer::default(),
            events: None,
            loading: tokio::sync::Mutex::new(()),
        })
    }

    /// The store writing every change's events to the streams of `keys` (built once per
    /// process for this store's prefix and topology).
    pub fn with_events(mut self, keys: std::sync::Arc<EventKeys>) -> Self {
        self.events = Some(keys);
        self
    }

    /// The store, keeping run-time tenant documents sealed with `sealer`
    /// ([`session_core::secrets`]).
    pub fn with_sealer(mut self, sealer: Sealer) -> Self {
        self.sealer = sealer;
        self
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Calls a function of the library in `owner`'s slot (keys: the owner's hash and indexes,
    /// and, with events on, its partition's stream and schedule unless the function is quiet;
    /// arguments: now, then `args`);
    /// tallies the sessions it dropped as expired and returns the status of its flat reply and
    /// the fields that follow.
    async fn script(
        &self,
        what: &str,
        lua: &Lua,
        owner: &Owner,
        args: Vec<Vec<u8>>,
        idempotent: bool,
    ) -> Result<(String, std::vec::IntoIter<Value>)> {
        let keys = self.keys.owner_keys(owner);
        let partition = (!lua.quiet)
            .then_some(self.events.as_ref())
            .flatten()
            .map(|e| (e, e.partition_of(owner)));
        let mut names = vec![
            keys.hash.as_str(),
            keys.expiry.as_str(),
            keys.created.as_str(),
        ];
        if let Some((e, p)) = partition {
            names.extend([e.stream(p), e.schedule(p)]);
        }
        let out = self.function(what, lua, &names, &args, idempotent).await;
        if let Some((e, p)) = partition {
            e.wakeups().touch(p);
        }
        let (pruned, st, items) = out?;
        self.expired.add(owner, pruned);
        Ok((st, items))
    }

    /// Calls a function of the library with `keys` (all in one slot) and the arguments now,
    /// then `args`; returns how many sessions it dropped as expired, the status of its flat
    /// reply and the fields that follow. A Redis that does not have the library yet (a new or
    /// flushed server) gets it loaded, on every primary, and the call is made again. One call
    /// loads it at a time; the calls waiting meanwhile try again first, so a burst of calls
    /// after a flush loads the library once (each load blocks Redis for a millisecond or more).
    pub(crate) async fn function(
        &self,
        what: &str,
        lua: &Lua,
        keys: &[&str],
        args: &[Vec<u8>],
        idempotent: bool,
    ) -> Result<(u64, String, std::vec::IntoIter<Value>)> {
        let mut fcall = redis::cmd(if lua.read_only { "FCALL_RO" } else { "FCALL" });
        fcall.arg(&lua.name).arg(keys.len());
        for k in keys {
            fcall.arg(*k);
        }
        fcall.arg(self.now_ms());
        for a in args {
            fcall.arg(a.as_slice());
        }
        let (fcall, loading) = (&fcall, &self.loading);
        let conn = if lua.read_only {
            &self.read
        } else {
            &self.write
        };
        let reply = conn
            .run(what, idempotent, |mut c| async move {
                let missing =
                    |r: &redis::RedisResult<Value>| matches!(r, Err(e) if missing_function(e));
                let first = fcall.query_async::<Value>(&mut c).await;
                if !missing(&first) {
                    return first;
                }
                let _one_at_a_time = loading.lock().await;
                let again = fcall.query_async::<Value>(&mut c).await;
                if !missing(&again) {
                    return again;
                }
                redis::cmd("FUNCTION")
                    .arg("LOAD")
                    .arg("REPLACE")
                    .arg(&SCRIPTS.code)
                    .query_async::<Value>(&mut c)
                    .await?;
                fcall.query_async::<Value>(&mut c).await
            })
            .await?;
        let (st, mut items) = status(what, reply)?;
        let pruned = int(what, items.next().unwrap_or(Value::Nil))?;
        Ok((u64::try_from(pruned).unwrap_or(0), st, items))
    }

    /// Runs one plain command, on the read connection when `read` (reads never wait behind
    /// writes).
    pub(crate) async fn query(&self, what: &str, cmd: redis::Cmd, read: bool) -> Result<Value> {
        let cmd = &cmd;
        let conn = if read { &self.read } else { &self.write };
        conn.run(what, read, |mut c| async move {
            cmd.query_async::<Value>(&mut c).await
        })
        .await
    }

    /// `HMGET` of `fields` of the owner's hash (a read).
    async fn hmget(&self, what: &str, owner: &Owner, fields: &[&[u8]]) -> Result<Vec<Value>> {
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(self.keys.owner(owner));
        for f in fields {
            cmd.arg(*f);
        }
        array(what, self.query(what, cmd, true).await?)
    }

    /// The whole owner hash (a read).
    async fn hgetall(&self, what: &str, owner: &Owner) -> Result<Vec<Value>> {
        let mut cmd = redis::cmd("HGETALL");
        cmd.arg(self.keys.owner(owner));
        match self.query(what, cmd, true).await? {
            Value::Map(pairs) => Ok(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
            v => array(what, v),
        }
    }

    /// Events: changes a tenant document (`op`: `p` put, `i` insert, `d` delete) together with
    /// its tenant.changed event; the function's one reply field.
    async fn doc_with_event(
        &self,
        what: &str,
        op: &str,
        collection: &str,
        id: &str,
        value: &str,
    ) -> Result<Value> {
        let Some(e) = &self.events else {
            return Err(Error::Internal(format!("{what}: events are off")));
        };
        let key = self.keys.doc(collection, id);
        let p = e.partition_of_tag(self.keys.doc_tag(collection, id).as_str());
        let args = vec![text(op), text(value), text(collection), text(id)];
        let out = self
            .function(
                what,
                &SCRIPTS.doc,
                &[key.as_str(), e.stream(p)],
                &args,
                false,
            )
            .await;
        e.wakeups().touch(p);
        let (_, st, mut rest) = out?;
        match st.as_str() {
            "ok" => Ok(rest.next().unwrap_or(Value::Nil)),
            other => Err(unexpected_status(what, other)),
        }
    }

    /// The session of a `head, body` reply, checked against the gateway's clock.
    fn record_reply(
        &self,
        what: &str,
        r: &SessionRef,
        mut items: impl Iterator<Item = Value>,
    ) -> Result<Option<Session>> {
        let s = session(what, r, items.next(), items.next())?;
        Ok((to_millis(s.expires_at) > self.now_ms()).then_some(s))
    }

    /// Runs a guarded, counting script on `owner`: how many sessions it deleted, or the guard's
    /// refusal.
    async fn guarded_count(
        &self,
        what: &str,
        lua: &Lua,
        owner: &Owner,
        args: Vec<Vec<u8>>,
    ) -> Result<usize> {
        let (st, mut rest) = self.script(what, lua, owner, args, false).await?;
        match st.as_str() {
            "ok" => count(what, rest.next()),
            other => Err(guard_error(what, other)),
        }
    }

    async fn group_script(
        &self,
        what: &str,
        group: &SessionRef,
        mut args: Vec<Vec<u8>>,
        candidates: Vec<Candidate>,
    ) -> Result<(String, std::vec::IntoIter<Value>)> {
        args.push(candidates.len().to_string().into_bytes());
        for c in candidates {
            check_member_of(group, &c.member)?;
            let [head, body] = record_args(&c.member)?;
            args.extend([
                c.name.into_bytes(),
                c.member.id.as_str().as_bytes().to_vec(),
                head,
                body,
            ]);
        }
        self.script(what, &SCRIPTS.group, &group.owner, args, false)
            .await
    }
}

/// How an existing owner document is patched, as the create function reads it (MessagePack):
/// `p` the patch pairs, `d` the defaults, `s` the stamp member, `r` the refusing flag.
fn doc_plan(up: &DocUpsert) -> Result<Vec<u8>> {
    let pairs: Vec<[&str; 2]> = up
        .patch
        .iter()
        .map(|(k, v)| [k.as_str(), v.as_str()])
        .collect();
    let defaults: std::collections::BTreeMap<&str, &str> = up
        .defaults
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut plan = serde_json::Map::new();
    if !pairs.is_empty() {
        plan.insert("p".into(), serde_json::json!(pairs));
    }
    if !defaults.is_empty() {
        plan.insert("d".into(), serde_json::json!(defaults));
    }
    if let Some(stamp) = &up.stamp {
        plan.insert("s".into(), stamp.as_str().into());
    }
    if let Some(flag) = &up.refuse_if {
        plan.insert("r".into(), flag.as_str().into());
    }
    pack(&plan)
}

/// Redis does not have the function library (yet).
fn missing_function(e: &redis::RedisError) -> bool {
    e.detail().is_some_and(|d| d.contains("Function not found"))
        || e.to_string().contains("Function not found")
}

/// Events: the kind code of a revocation for `reason`.
fn revoked_code(reason: RevokeReason) -> Vec<u8> {
    format!("r{}", reason.code()).into_bytes()
}

fn span_ms(d: Duration) -> i64 {
    d.num_milliseconds().clamp(-MAX_SPAN_MS, MAX_SPAN_MS)
}

fn conflict(id: &impl std::fmt::Display) -> Error {
    Error::Conflict(format!("session {id} exists"))
}

fn text(s: impl Into<String>) -> Vec<u8> {
    s.into().into_bytes()
}

pub(crate) fn unexpected_status(what: &str, st: &str) -> Error {
    Error::Internal(format!("{what}: unexpected status {st}"))
}

/// A count reply field.
fn count(what: &str, v: Option<Value>) -> Result<usize> {
    Ok(int(what, v.unwrap_or(Value::Nil))?.max(0) as usize)
}

/// A guard failure answered by a script.
fn guard_error(what: &str, st: &str) -> Error {
    match st {
        "unauthorized" => Error::Unauthorized,
        "forbidden" => Error::Forbidden,
        other => unexpected_status(what, other),
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn ping(&self) -> Result<()> {
        self.query("ping", redis::cmd("PING"), true)
            .await
            .map(|_| ())
    }

    async fn create_with(&self, new: NewSession) -> Result<Created> {
        let s = &new.session;
        let [head, body] = record_args(s)?;
        let opts = match new.limit {
            Some(l) => format!(
                "{}{}{}",
                match l.policy {
                    LimitPolicy::Refuse => 'r',
                    LimitPolicy::EvictOldest => 'e',
                },
                u8::from(new.retire_device),
                l.max.max(1)
            ),
            None => format!("r{}", u8::from(new.retire_device)),
        };
        let mut args = vec![
            text(s.id.as_str()),
            head,
            body,
            text(opts),
            new.credential
                .map(|h| h.as_bytes().to_vec())
                .unwrap_or_default(),
        ];
        match &new.doc {
            Some(up) => {
                args.push(up.fresh.clone());
                args.push(doc_plan(up)?);
            }
            None => args.extend([Vec::new(), Vec::new()]),
        }
        if self.events.is_some() {
            // Events: what session.created carries of the body.
            args.push(pack(&describe(s))?);
        }
        let (st, mut rest) = self
            .script("create", &SCRIPTS.create, &s.owner, args, false)
            .await?;
        match st.as_str() {
            "ok" => {
                let inserted = int("create", rest.next().unwrap_or(Value::Int(0)))? == 1;
                let before = opt_bytes("create", rest.next().unwrap_or(Value::Nil))?;
                let evicted = ids("create", &mut rest)?;
                let retired = ids("create", &mut rest)?;
                // The document that went in is the one sent; one that was there comes back.
                let doc = match new.doc {
                    Some(up) if inserted => Some(up.fresh),
                    Some(_) => before,
                    None => None,
                };
                Ok(Created {
                    evicted,
                    retired,
                    doc,
                    doc_inserted: inserted,
                })
            }
            "conflict" => Err(conflict(&s.id)),
            "full" => Err(Error::CapacityReached),
            "unauthorized" => Err(Error::Unauthorized),
            "refused" => Err(Error::Forbidden),
            other => Err(unexpected_status("create", other)),
        }
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        // `s<id>`: the head, and the body when it fits with it; else `d<id>`: the body.
        let id = r.id.as_str().as_bytes();
        let (s_field, d_field) = ([b"s", id].concat(), [b"d", id].concat());
        let mut got = self
            .hmget("get", &r.owner, &[&s_field, &d_field])
            .await?
            .into_iter();
        let Some(stored) = opt_bytes("get", got.next().unwrap_or(Value::Nil))? else {
            return Ok(None);
        };
        let body = opt_bytes("get", got.next().unwrap_or(Value::Nil))?;
        let s = Record::decode_stored(r, &stored, body.as_deref())?;
        Ok((to_millis(s.expires_at) > self.now_ms()).then_some(s))
    }

    async fn get_head(&self, r: &SessionRef) -> Result<Option<SessionHead>> {
        // The head starts `s<id>`; a body after it, or in `d<id>`, is not read.
        let field = [b"s", r.id.as_str().as_bytes()].concat();
        let mut cmd = redis::cmd("HGET");
        cmd.arg(self.keys.owner(&r.owner)).arg(field);
        let Some(stored) = opt_bytes("get", self.query("get", cmd, true).await?)? else {
            return Ok(None);
        };
        let head = Head::parse(&stored)?;
        Ok((head.expires > self.now_ms()).then(|| head.into()))
    }

    async fn owner_sessions(&self, owner: &Owner) -> Result<Vec<Session>> {
        let all = self.hgetall("owner_sessions", owner).await?;
        codec::owner_sessions(owner, all, self.now_ms())
    }

    async fn owner_doc(&self, owner: &Owner) -> Result<Option<Vec<u8>>> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(self.keys.owner(owner)).arg("u");
        opt_bytes("owner_doc", self.query("owner_doc", cmd, true).await?)
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        let args = vec![
            text(r.id.as_str()),
            text(span_ms(ttl).to_string()),
            text(cap.map(|c| span_ms(c).to_string()).unwrap_or_default()),
        ];
        let (st, rest) = self
            .script("touch", &SCRIPTS.touch, &r.owner, args, false)
            .await?;
        match st.as_str() {
            "ok" => self.record_reply("touch", r, rest),
            "none" => Ok(None),
            other => Err(unexpected_status("touch", other)),
        }
    }

    async fn mark_seen(&self, r: &SessionRef) -> Result<bool> {
        let args = vec![text(r.id.as_str())];
        let (st, _) = self
            .script("seen", &SCRIPTS.seen, &r.owner, args, true)
            .await?;
        match st.as_str() {
            "live" => Ok(true),
            "none" => Ok(false),
            other => Err(unexpected_status("seen", other)),
        }
    }

    async fn update_guarded(
        &self,
        r: &SessionRef,
        patch: SessionPatch,
        guard: Option<&Guard>,
    ) -> Result<Option<Session>> {
        let mut args = vec![text(r.id.as_str())];
        args.extend(guard_args(guard));
        match &patch.role {
            None => args.extend([Vec::new(), Vec::new()]),
            Some(Some(role)) => {
                if role.len() > 255 {
                    return Err(Error::invalid("role", "longer than 255 bytes"));
                }
                args.extend([text("s"), text(role.as_str())]);
            }
            Some(None) => args.extend([text("c"), Vec::new()]),
        }
        match &patch.subject {
            None => args.extend([Vec::new(), Vec::new()]),
            Some(subject) => {
                // What the body records for this subject under this owner.
                let mut probe = Session::new(
                    r.clone(),
                    Flavor::SessionStorage,
                    "",
                    self.clock.now(),
                    Duration::zero(),
                );
                probe.subject = subject.clone();
                match subject_value(&probe) {
                    None => args.extend([text("c"), Vec::new()]),
                    Some(serde_json::Value::String(s)) => args.extend([text("s"), text(s)]),
                    Some(_) => args.extend([text("f"), Vec::new()]),
                }
            }
        }
        match &patch.attrs {
            None => args.extend([Vec::new(), Vec::new()]),
            Some(a) if a.is_empty() => args.extend([text("c"), Vec::new()]),
            Some(a) => args.extend([text("s"), pack(a)?]),
        }
        match &patch.token_hash {
            None => args.extend([Vec::new(), Vec::new()]),
            Some(h) => args.extend([text("s"), h.as_bytes().to_vec()]),
        }
        if self.events.is_some() {
            // Events: whether the owner implies a subject (what a body without one means).
            args.push(text(if r.owner.part(1).is_some() { "1" } else { "" }));
        }
        let (st, mut rest) = self
            .script("update", &SCRIPTS.update, &r.owner, args, false)
            .await?;
        match st.as_str() {
            "ok" => {
                let updated = self.record_reply("update", r, rest.by_ref())?;
                // Events: the sign events the update wrote ('', 'i', 'o' or 'oi').
                let signs = rest.next().map(|v| string("update", v)).transpose()?;
                if let Some(codes) = signs.filter(|c| !c.is_empty()) {
                    self.signs.add(Signs {
                        signed_in: u64::from(codes.contains('i')),
                        signed_out: u64::from(codes.contains('o')),
                    });
                }
                Ok(updated)
            }
            "none" => Ok(None),
            other => Err(guard_error("update", other)),
        }
    }

    async fn revoke(&self, r: &SessionRef, how: Revocation<'_>) -> Result<usize> {
        let mut args = vec![text(r.id.as_str())];
        args.extend(guard_args(how.guard));
        if self.events.is_some() {
            args.push(revoked_code(how.reason));
        }
        self.guarded_count("delete", &SCRIPTS.delete, &r.owner, args)
            .await
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let position = match after {
            Some(c) => match c.position() {
                Some(p) => Some(p),
                // A cursor that does not parse resumes after everything.
                None => {
                    return Ok(Page {
                        items: Vec::new(),
                        next: None,
                    })
                }
            },
            None => None,
        };
        let args = match &position {
            Some((created, expires, id)) => vec![
                text("1"),
                text(created.to_string()),
                text(expires.to_string()),
                text(id.as_str()),
                text(limit.to_string()),
            ],
            None => vec![
                text(""),
                text("0"),
                text("0"),
                Vec::new(),
                text(limit.to_string()),
            ],
        };
        let (st, mut rest) = self
            .script("list_by_owner", &SCRIPTS.list, owner, args, true)
            .await?;
        let (items, more) = match st.as_str() {
            "all" => {
                let mut items = codec::owner_sessions(owner, rest.collect(), self.now_ms())?;
                if let Some((created, _, id)) = &position {
                    items.retain(|s| (to_millis(s.created_at), &s.id) > (*created, id));
                }
                let more = items.len() > limit;
                items.truncate(limit);
                (items, more)
            }
            "page" => {
                let more = int("list_by_owner", rest.next().unwrap_or(Value::Int(0)))? == 1;
                let mut items = Vec::with_capacity(limit);
                while let (Some(id), Some(head), Some(body)) =
                    (rest.next(), rest.next(), rest.next())
                {
                    let id = SessionId::parse(&string("list_by_owner", id)?)
                        .map_err(|e| Error::Internal(format!("list_by_owner: id: {e}")))?;
                    let r = SessionRef::new(owner.clone(), id);
                    items.push(session("list_by_owner", &r, Some(head), Some(body))?);
                }
                (items, more)
            }
            other => return Err(unexpected_status("list_by_owner", other)),
        };
        let next = if more {
            items.last().map(Cursor::after)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        let (st, mut rest) = self
            .script("count_by_owner", &SCRIPTS.count, owner, Vec::new(), true)
            .await?;
        match st.as_str() {
            "ok" => count("count_by_owner", rest.next()),
            other => Err(unexpected_status("count_by_owner", other)),
        }
    }

    async fn create_group_named(
        &self,
        group: Session,
        candidates: Vec<Candidate>,
    ) -> Result<usize> {
        let gref = group.reference();
        let [head, body] = record_args(&group)?;
        let args = vec![text("create"), text(group.id.as_str()), head, body];
        let (st, mut rest) = self
            .group_script("create_group", &gref, args, candidates)
            .await?;
        match st.as_str() {
            "ok" => Ok(int("create_group", rest.next().unwrap_or(Value::Nil))?.max(0) as usize),
            "conflict" => Err(conflict(&group.id)),
            "taken" => Err(Error::Conflict("every candidate name is taken".into())),
            other => Err(unexpected_status("create_group", other)),
        }
    }

    async fn join_group_named(
        &self,
        group: &SessionRef,
        candidates: Vec<Candidate>,
        capacity: Option<u32>,
        screen_role: Option<&str>,
    ) -> Result<Joined> {
        let args = vec![
            text("join"),
            text(group.id.as_str()),
            text(capacity.map(|c| c.to_string()).unwrap_or_default()),
            text(screen_role.unwrap_or_default()),
        ];
        let (st, rest) = self
            .group_script("join_group", group, args, candidates)
            .await?;
        let mut rest = rest;
        match st.as_str() {
            "ok" => {
                let index = int("join_group", rest.next().unwrap_or(Value::Nil))?.max(0) as usize;
                let g = session("join_group", group, rest.next(), rest.next())?;
                Ok(Joined::Member {
                    index,
                    group: Box::new(g),
                })
            }
            "screen" => {
                let g = session("join_group", group, rest.next(), rest.next())?;
                Ok(Joined::Screen(Box::new(g)))
            }
            "notfound" => Err(Error::NotFound),
            "conflict" => Err(Error::Conflict("already a member".into())),
            "taken" => Ok(Joined::NamesTaken),
            "full" => Err(Error::CapacityReached),
            other => Err(unexpected_status("join_group", other)),
        }
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        let all = self.owner_sessions(&group.owner).await?;
        if !all.iter().any(|s| s.id == group.id) {
            return Ok(Vec::new());
        }
        Ok(all
            .into_iter()
            .filter(|s| s.parent.as_ref() == Some(&group.id))
            .collect())
    }

    async fn remove_member_guarded(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
    ) -> Result<bool> {
        let n = self.leave_group(group, member, guard, "").await?;
        Ok(n > 0)
    }

    async fn leave_group(
        &self,
        group: &SessionRef,
        member: &SessionId,
        guard: Option<&Guard>,
        ends_role: &str,
    ) -> Result<usize> {
        let mut args = vec![text(group.id.as_str()), text(member.as_str())];
        args.extend(guard_args(guard));
        args.push(text(ends_role));
        if self.events.is_some() {
            args.push(revoked_code(if ends_role.is_empty() {
                RevokeReason::Kicked
            } else {
                RevokeReason::Disconnected
            }));
        }
        let lua = &SCRIPTS.remove_member;
        self.guarded_count("remove_member", lua, &group.owner, args)
            .await
    }

    async fn claim_nonce(&self, key: &str, ttl: Duration) -> Result<bool> {
        if ttl <= Duration::zero() {
            // A claim that lasts no time blocks nothing.
            return Ok(true);
        }
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.keys.nonce(key))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(span_ms(ttl).max(1));
        Ok(!matches!(
            self.query("claim_nonce", cmd, false).await?,
            Value::Nil
        ))
    }

    async fn rotate_refresh(
        &self,
        r: &SessionRef,
        presented: &TokenHash,
        next: Rotation,
    ) -> Result<Rotated> {
        let args = vec![
            text(r.id.as_str()),
            presented.as_bytes().to_vec(),
            next.token_hash.as_bytes().to_vec(),
            next.refresh_hash.as_bytes().to_vec(),
            text(to_millis(next.expires_at).to_string()),
        ];
        let (st, mut rest) = self
            .script("rotate_refresh", &SCRIPTS.rotate, &r.owner, args, false)
            .await?;
        match st.as_str() {
            "ok" => {
                let (head, body) = (rest.next(), rest.next());
                let session = session("rotate_refresh", r, head, body)?;
                let doc = opt_bytes("rotate_refresh", rest.next().unwrap_or(Value::Nil))?;
                Ok(Rotated { session, doc })
            }
            "notfound" => Err(Error::NotFound),
            "replay" => Err(Error::Replay),
            "unauthorized" => Err(Error::Unauthorized),
            other => Err(unexpected_status("rotate_refresh", other)),
        }
    }

    async fn issue_credential(
        &self,
        owner: &Owner,
        hash: &TokenHash,
        ttl: Duration,
        max: u32,
    ) -> Result<()> {
        let args = vec![
            hash.as_bytes().to_vec(),
            text(span_ms(ttl).max(1).to_string()),
            text(max.max(1).to_string()),
        ];
        match self
            .script("issue_credential", &SCRIPTS.credential, owner, args, false)
            .await?
        {
            (st, _) if st == "ok" => Ok(()),
            (other, _) => Err(unexpected_status("issue_credential", &other)),
        }
    }

    async fn count_attempt(&self, key: &AttemptKey, window: Window) -> Result<Attempt> {
        self.attempt(key, window).await
    }

    async fn forget_attempt(&self, key: &AttemptKey, id: &AttemptId) -> Result<()> {
        self.forget(key, id).await
    }

    async fn scan_owners(
        &self,
        prefix: &str,
        cursor: &str,
        count: usize,
    ) -> Result<(Vec<Owner>, String)> {
        let (keys, next) = self
            .read
            .scan_page(
                "scan_owners",
                &self.keys.owner_pattern(prefix),
                cursor,
                count,
            )
            .await?;
        let owners = keys.iter().filter_map(|k| self.keys.owner_of(k)).collect();
        Ok((owners, next))
    }

    async fn export_owner(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        self.export(owner).await
    }

    async fn import_owner(&self, dump: &OwnerDump) -> Result<()> {
        self.import(dump).await
    }

    async fn remove_owner(&self, owner: &Owner) -> Result<Removed> {
        self.remove(owner).await
    }

    async fn clear_nonces(&self) -> Result<usize> {
        self.clear_claims().await
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.keys.doc(collection, id));
        match self.query("doc_get", cmd, true).await? {
            Value::Nil => Ok(None),
            v => Ok(self
                .sealer
                .from_store(collection, id, string("doc_get", v)?)),
        }
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        let stored = self.sealer.to_store(collection, id, value)?;
        if self.events.is_some() {
            return self
                .doc_with_event("doc_put", "p", collection, id, &stored)
                .await
                .map(|_| ());
        }
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.keys.doc(collection, id)).arg(stored.as_ref());
        self.query("doc_put", cmd, false).await.map(|_| ())
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        let stored = self.sealer.to_store(collection, id, value)?;
        let was = if self.events.is_some() {
            self.doc_with_event("doc_insert", "i", collection, id, &stored)
                .await?
        } else {
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.keys.doc(collection, id))
                .arg(stored.as_ref())
                .arg("NX")
                .arg("GET");
            self.query("doc_insert", cmd, false).await?
        };
        match was {
            Value::Nil | Value::Boolean(false) => Ok((value.to_owned(), true)),
            v => self
                .sealer
                .from_store(collection, id, string("doc_insert", v)?)
                .map(|doc| (doc, false))
                .ok_or_else(|| Error::Internal("a stored document does not open".into())),
        }
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        if self.events.is_some() {
            let n = self
                .doc_with_event("doc_delete", "d", collection, id, "")
                .await?;
            return Ok(int("doc_delete", n)? > 0);
        }
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.keys.doc(collection, id));
        Ok(int("doc_delete", self.query("doc_delete", cmd, false).await?)? > 0)
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        let keys = self
            .read
            .scan("doc_list", &self.keys.doc_pattern(collection))
            .await?;
        let mut docs = Vec::with_capacity(keys.len());
        for key in keys {
            let Some(id) = self.keys.doc_id(collection, &key) else {
                continue;
            };
            let mut cmd = redis::cmd("GET");
            cmd.arg(&key);
            if let Some(v) = opt_bytes("doc_list", self.query("doc_list", cmd, true).await?)? {
                let v = String::from_utf8(v)
                    .map_err(|_| Error::Internal("doc_list: a document is not UTF-8".into()))?;
                if let Some(doc) = self.sealer.from_store(collection, &id, v) {
                    docs.push((id, doc));
                }
            }
        }
        docs.sort();
        Ok(docs)
    }

    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        self.expired.take()
    }

    fn take_signs(&self) -> Signs {
        self.signs.take()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn functions_declare_themselves() {
        assert!(SCRIPTS.code.starts_with("#!lua name=sg2_"));
        assert!(SCRIPTS.create.name.ends_with("_create") && !SCRIPTS.create.read_only);
        assert!(SCRIPTS.list.read_only);
        assert!(SCRIPTS.code.contains("'no-writes'") && SCRIPTS.code.contains("'allow-oom'"));
    }
}
