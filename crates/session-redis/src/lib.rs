//! RedisStore: the [`SessionStore`] contract on Redis, single node or Redis Cluster.
//!
//! Everything an owner holds shares one hash tag, so each invariant-keeping write is one Lua
//! script in one slot: atomic on a single node and on a cluster alike. Reads of one session
//! are one `HGETALL`. The key schema is described in `docs/redis-keys.md`.
//!
//! The store connects lazily on first use (a `ConnectionManager` for a single node, a
//! `ClusterConnection` for a cluster), bounds every call by [`RedisSettings::timeout`] and
//! answers [`Error::StoreUnavailable`] when Redis cannot be reached in time; the connection
//! recovers by itself once Redis is back.

mod codec;
mod conn;
mod keys;
mod scripts;
#[cfg(feature = "test-harness")]
pub mod testing;

use async_trait::async_trait;
use chrono::Duration;
use redis::{Script, Value};
use session_core::clock::to_millis;
use session_core::memory::check_member_of;
use session_core::{
    Created, Cursor, Error, ExpiryCounter, Flavor, LimitPolicy, Owner, OwnerLimit, Page, Result,
    Rotation, Session, SessionId, SessionPatch, SessionRef, SessionStore, SharedClock, TokenHash,
    MAX_PAGE_SIZE,
};

use crate::codec::{
    array, decode, decode_all, int, patch_args, record, session_args, status, string,
};
use crate::conn::Connector;
use crate::keys::Keys;
use crate::scripts::SCRIPTS;

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
}

/// Sessions in Redis. Connects lazily on first use; cheap to create (one per worker).
#[derive(Debug)]
pub struct RedisStore {
    keys: Keys,
    clock: SharedClock,
    conn: Connector,
    /// Sessions whose index entries this instance's scripts pruned as expired.
    expired: ExpiryCounter,
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
        Ok(Self {
            keys: Keys::new(&settings.key_prefix)?,
            clock,
            conn: Connector::new(&settings.url, &settings.cluster_urls, settings.timeout)?,
            expired: ExpiryCounter::default(),
        })
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Runs a session script in `owner`'s slot: KEYS = [index], ARGV = [base, now, args...].
    /// Every session script replies `{expired, reply}`: the count of expired sessions it pruned
    /// is tallied under the owner's flavor and `reply` is returned.
    async fn eval(
        &self,
        what: &str,
        script: &Script,
        owner: &Owner,
        args: Vec<String>,
        idempotent: bool,
    ) -> Result<Value> {
        let mut inv = script.prepare_invoke();
        inv.key(self.keys.index(owner))
            .arg(self.keys.owner_base(owner))
            .arg(self.now_ms());
        for a in &args {
            inv.arg(a);
        }
        let inv = &inv;
        let reply = self
            .conn
            .run(what, idempotent, |mut c| async move {
                inv.invoke_async::<Value>(&mut c).await
            })
            .await?;
        let mut items = array(what, reply)?.into_iter();
        let pruned = int(what, items.next().unwrap_or(Value::Nil))?;
        self.expired.add(owner, u64::try_from(pruned).unwrap_or(0));
        Ok(items.next().unwrap_or(Value::Nil))
    }

    /// Runs one plain command.
    async fn query(&self, what: &str, cmd: redis::Cmd, idempotent: bool) -> Result<Value> {
        let cmd = &cmd;
        self.conn
            .run(what, idempotent, |mut c| async move {
                cmd.query_async::<Value>(&mut c).await
            })
            .await
    }
}

fn span_ms(d: Duration) -> i64 {
    d.num_milliseconds().clamp(-MAX_SPAN_MS, MAX_SPAN_MS)
}

fn conflict(id: &impl std::fmt::Display) -> Error {
    Error::Conflict(format!("session {id} exists"))
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn ping(&self) -> Result<()> {
        self.query("ping", redis::cmd("PING"), true)
            .await
            .map(|_| ())
    }

    async fn create(&self, session: Session, limit: Option<OwnerLimit>) -> Result<Created> {
        let (max, policy) = match limit {
            Some(l) => (
                l.max.max(1).to_string(),
                match l.policy {
                    LimitPolicy::Refuse => "refuse",
                    LimitPolicy::EvictOldest => "evict",
                },
            ),
            None => (String::new(), "refuse"),
        };
        let mut args = vec![max, policy.to_owned()];
        args.extend(session_args(&session)?);
        let reply = self
            .eval("create", &SCRIPTS.create, &session.owner, args, false)
            .await?;
        let (st, rest) = status("create", reply)?;
        match st.as_str() {
            "ok" => {
                let evicted = rest
                    .into_iter()
                    .map(|v| {
                        SessionId::parse(&string(v)?)
                            .map_err(|e| Error::Internal(format!("evicted id: {e}")))
                    })
                    .collect::<Result<_>>()?;
                Ok(Created { evicted })
            }
            "conflict" => Err(conflict(&session.id)),
            "full" => Err(Error::CapacityReached),
            other => Err(Error::Internal(format!(
                "create: unexpected status {other}"
            ))),
        }
    }

    async fn get(&self, r: &SessionRef) -> Result<Option<Session>> {
        let mut cmd = redis::cmd("HGETALL");
        cmd.arg(self.keys.session(r));
        let reply = self.query("get", cmd, true).await?;
        let now = self.now_ms();
        match decode(reply)? {
            Some(s) if s.id != r.id || s.owner != r.owner => Err(Error::Internal(format!(
                "the record at {} names another session",
                self.keys.session(r)
            ))),
            Some(s) if to_millis(s.expires_at) > now => Ok(Some(s)),
            _ => Ok(None),
        }
    }

    async fn touch(
        &self,
        r: &SessionRef,
        ttl: Duration,
        cap: Option<Duration>,
    ) -> Result<Option<Session>> {
        let args = vec![
            r.id.as_str().to_owned(),
            span_ms(ttl).to_string(),
            cap.map(|c| span_ms(c).to_string()).unwrap_or_default(),
        ];
        let reply = self
            .eval("touch", &SCRIPTS.touch, &r.owner, args, false)
            .await?;
        record("touch", reply)
    }

    async fn update(&self, r: &SessionRef, patch: SessionPatch) -> Result<Option<Session>> {
        let args = patch_args(&r.id, patch)?;
        let reply = self
            .eval("update", &SCRIPTS.update, &r.owner, args, false)
            .await?;
        record("update", reply)
    }

    async fn delete(&self, r: &SessionRef) -> Result<usize> {
        let args = vec![r.id.as_str().to_owned()];
        let reply = self
            .eval("delete", &SCRIPTS.delete, &r.owner, args, false)
            .await?;
        Ok(int("delete", reply)?.max(0) as usize)
    }

    async fn list_by_owner(
        &self,
        owner: &Owner,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let args = vec![
            after.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            limit.to_string(),
        ];
        let reply = self
            .eval("list_by_owner", &SCRIPTS.list, owner, args, true)
            .await?;
        let mut items = array("list_by_owner", reply)?.into_iter();
        let more = match items.next() {
            Some(v) => int("list_by_owner", v)? == 1,
            None => false,
        };
        let items = decode_all(items.collect())?;
        let next = if more {
            items.last().map(Cursor::after)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn count_by_owner(&self, owner: &Owner) -> Result<usize> {
        let reply = self
            .eval("count_by_owner", &SCRIPTS.count, owner, Vec::new(), true)
            .await?;
        Ok(int("count_by_owner", reply)?.max(0) as usize)
    }

    async fn create_group(&self, group: Session, first_member: Session) -> Result<()> {
        check_member_of(&group.reference(), &first_member)?;
        let mut args = session_args(&group)?;
        args.extend(session_args(&first_member)?);
        let reply = self
            .eval(
                "create_group",
                &SCRIPTS.create_group,
                &group.owner,
                args,
                false,
            )
            .await?;
        let (st, rest) = status("create_group", reply)?;
        match st.as_str() {
            "ok" => Ok(()),
            "conflict" => {
                let id = rest.into_iter().next().map(string).transpose()?;
                Err(conflict(&id.unwrap_or_default()))
            }
            other => Err(Error::Internal(format!(
                "create_group: unexpected status {other}"
            ))),
        }
    }

    async fn join_group(&self, group: &SessionRef, member: Session, capacity: u32) -> Result<()> {
        check_member_of(group, &member)?;
        let mut args = vec![group.id.as_str().to_owned(), capacity.to_string()];
        args.extend(session_args(&member)?);
        let reply = self
            .eval("join_group", &SCRIPTS.join_group, &group.owner, args, false)
            .await?;
        let (st, _) = status("join_group", reply)?;
        match st.as_str() {
            "ok" => Ok(()),
            "notfound" => Err(Error::NotFound),
            "conflict" => Err(conflict(&member.id)),
            "full" => Err(Error::CapacityReached),
            other => Err(Error::Internal(format!(
                "join_group: unexpected status {other}"
            ))),
        }
    }

    async fn list_members(&self, group: &SessionRef) -> Result<Vec<Session>> {
        let args = vec![group.id.as_str().to_owned()];
        let reply = self
            .eval(
                "list_members",
                &SCRIPTS.list_members,
                &group.owner,
                args,
                true,
            )
            .await?;
        let mut members = decode_all(array("list_members", reply)?)?;
        // Byte order of order keys (= creation order); Lua's comparison follows the locale.
        members.sort_by_cached_key(Session::order_key);
        Ok(members)
    }

    async fn remove_member(&self, group: &SessionRef, member: &SessionId) -> Result<bool> {
        let args = vec![group.id.as_str().to_owned(), member.as_str().to_owned()];
        let reply = self
            .eval(
                "remove_member",
                &SCRIPTS.remove_member,
                &group.owner,
                args,
                false,
            )
            .await?;
        Ok(int("remove_member", reply)? == 1)
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
    ) -> Result<Session> {
        let args = vec![
            r.id.as_str().to_owned(),
            presented.as_str().to_owned(),
            next.token_hash.as_str().to_owned(),
            next.refresh_hash.as_str().to_owned(),
            to_millis(next.expires_at).to_string(),
        ];
        let reply = self
            .eval(
                "rotate_refresh",
                &SCRIPTS.rotate_refresh,
                &r.owner,
                args,
                false,
            )
            .await?;
        let (st, rest) = status("rotate_refresh", reply)?;
        match st.as_str() {
            "ok" => {
                let rec = rest.into_iter().next().unwrap_or(Value::Nil);
                record("rotate_refresh", rec)?
                    .ok_or_else(|| Error::Internal("rotate_refresh: no record".into()))
            }
            "notfound" => Err(Error::NotFound),
            "replay" => Err(Error::Replay),
            "unauthorized" => Err(Error::Unauthorized),
            other => Err(Error::Internal(format!(
                "rotate_refresh: unexpected status {other}"
            ))),
        }
    }

    async fn doc_get(&self, collection: &str, id: &str) -> Result<Option<String>> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(self.keys.docs(collection)).arg(id);
        match self.query("doc_get", cmd, true).await? {
            Value::Nil => Ok(None),
            v => string(v).map(Some),
        }
    }

    async fn doc_put(&self, collection: &str, id: &str, value: &str) -> Result<()> {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(self.keys.docs(collection)).arg(id).arg(value);
        self.query("doc_put", cmd, true).await.map(|_| ())
    }

    async fn doc_insert(&self, collection: &str, id: &str, value: &str) -> Result<(String, bool)> {
        let mut inv = SCRIPTS.doc_insert.prepare_invoke();
        inv.key(self.keys.docs(collection)).arg(id).arg(value);
        let inv = &inv;
        let reply = self
            .conn
            .run("doc_insert", false, |mut c| async move {
                inv.invoke_async::<Value>(&mut c).await
            })
            .await?;
        let mut items = array("doc_insert", reply)?.into_iter();
        match (items.next(), items.next()) {
            (Some(Value::Int(inserted)), Some(doc)) => Ok((string(doc)?, inserted == 1)),
            other => Err(Error::Internal(format!(
                "doc_insert: unexpected reply {other:?}"
            ))),
        }
    }

    async fn doc_delete(&self, collection: &str, id: &str) -> Result<bool> {
        let mut cmd = redis::cmd("HDEL");
        cmd.arg(self.keys.docs(collection)).arg(id);
        Ok(int("doc_delete", self.query("doc_delete", cmd, false).await?)? > 0)
    }

    async fn doc_list(&self, collection: &str) -> Result<Vec<(String, String)>> {
        let mut cmd = redis::cmd("HGETALL");
        cmd.arg(self.keys.docs(collection));
        let reply = self.query("doc_list", cmd, true).await?;
        let mut docs = match reply {
            Value::Map(items) => items
                .into_iter()
                .map(|(k, v)| Ok((string(k)?, string(v)?)))
                .collect::<Result<Vec<_>>>()?,
            v => {
                let items = array("doc_list", v)?;
                let mut out = Vec::with_capacity(items.len() / 2);
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    out.push((string(k)?, string(v)?));
                }
                out
            }
        };
        docs.sort();
        Ok(docs)
    }

    fn take_expired(&self) -> Vec<(Flavor, u64)> {
        self.expired.take()
    }
}
