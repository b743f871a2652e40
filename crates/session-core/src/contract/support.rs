//! What the contract suites share: the backend under test and the helpers that build owners,
//! sessions, groups and documents.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::model::{Flavor, Owner, Rotation, Session, SessionId, SessionRef};
use crate::plan::Candidate;
use crate::store::SharedStore;
use crate::token::{random_hex, TokenHasher};

/// A store under test and a way to let time pass for it.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The store.
    fn store(&self) -> SharedStore;
    /// The time the store believes it is.
    fn now(&self) -> DateTime<Utc>;
    /// Lets `d` pass for the store (a settable clock moves; a real one is waited for).
    async fn pass(&self, d: std::time::Duration);
}

pub(crate) fn hasher() -> TokenHasher {
    TokenHasher::new("contract-secret")
}

pub(crate) fn owner(tag: &str) -> Owner {
    Owner::new(
        Flavor::SessionStorage,
        &["contract", tag, &random_hex(6).unwrap()],
    )
    .unwrap()
}

/// The ids of `owner`'s live sessions, in the store's order.
pub(crate) async fn session_ids(st: &dyn crate::store::SessionStore, owner: &Owner) -> Vec<String> {
    let sessions = st.owner_sessions(owner).await.unwrap();
    sessions.into_iter().map(|s| s.id.to_string()).collect()
}

pub(crate) fn sid(s: &str) -> SessionId {
    SessionId::parse(s).unwrap()
}

pub(crate) fn session(b: &dyn Backend, owner: &Owner, id: &str, ttl: Duration) -> Session {
    session_at(b.now(), owner, id, ttl)
}

/// A session-storage session of `tenant-a` and `user-1` created at `now`.
pub(crate) fn session_at(now: DateTime<Utc>, owner: &Owner, id: &str, ttl: Duration) -> Session {
    let mut s = Session::new(
        SessionRef::new(owner.clone(), sid(id)),
        Flavor::SessionStorage,
        "tenant-a",
        now,
        ttl,
    );
    s.subject = Some("user-1".into());
    s
}

pub(crate) fn hour() -> Duration {
    Duration::hours(1)
}

pub(crate) fn group_and_host(b: &dyn Backend, tag: &str, ttl: Duration) -> (Session, Session) {
    let o = owner(tag);
    let g = session(b, &o, "group", ttl);
    let mut host = session(b, &o, "host", ttl);
    host.parent = Some(g.id.clone());
    host.role = Some("Host".into());
    (g, host)
}

pub(crate) fn member(group: &Session, id: &str) -> Session {
    let mut m = group.clone();
    m.id = sid(id);
    m.parent = Some(group.id.clone());
    m.role = Some("Client".into());
    m.attrs.clear();
    m
}

pub(crate) fn rotation(b: &dyn Backend, n: u32) -> Rotation {
    Rotation {
        token_hash: hasher().hash(&format!("access-{n}")),
        refresh_hash: hasher().hash(&format!("refresh-{n}")),
        expires_at: crate::model::truncate_ms(b.now() + Duration::hours(2)),
    }
}

pub(crate) fn doc(v: serde_json::Value) -> Vec<u8> {
    crate::doc::encode(v.as_object().unwrap()).unwrap()
}

pub(crate) fn doc_value(bytes: &[u8]) -> serde_json::Value {
    serde_json::Value::Object(crate::doc::decode(bytes).unwrap())
}

pub(crate) fn candidates(g: &Session, id: &str, names: &[&str]) -> Vec<Candidate> {
    names
        .iter()
        .map(|n| Candidate {
            name: (*n).to_owned(),
            member: {
                let mut m = member(g, id);
                m.attrs.insert("name".into(), serde_json::json!(n));
                m
            },
        })
        .collect()
}
