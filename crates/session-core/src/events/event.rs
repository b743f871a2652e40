//! One event as the stores keep it and the deliverers read it: what happened, when, and to
//! which session of which tenant and subject. Never a token or a token's hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::{from_millis, to_millis};
use crate::error::Result;
use crate::events::kind::{EventKind, TenantChange};
use crate::model::{Flavor, Session, SessionId, SessionRef};
use crate::record::{Record, HEAD_FIXED};

/// An event. `id` is given by the log it is read from (empty before it is written). Its serde
/// form is internal (dead letters keep it); the public JSON is the gateway's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique and stable in its log: the same event always has the same id.
    pub id: String,
    /// What happened.
    #[serde(with = "kind_code")]
    pub kind: EventKind,
    /// When, by the gateway's clock (milliseconds).
    pub time: DateTime<Utc>,
    /// The flavor of the session (or of the tenant kind).
    pub flavor: Option<Flavor>,
    /// The session's tenant, or the changed tenant's id.
    pub tenant: Option<String>,
    /// The session's subject.
    pub subject: Option<String>,
    /// Where the session is (none for `tenant.changed`).
    pub session: Option<SessionRef>,
    /// The group a member belongs to.
    pub group: Option<SessionId>,
    /// The session's device.
    pub device: Option<String>,
    /// The session's expiry, for `session.created` and `session.refreshed`.
    pub expires_at: Option<DateTime<Utc>>,
    /// The changed tenant's collection (`amity.networks`, ...), for `tenant.changed`.
    pub collection: Option<String>,
}

impl Event {
    /// An event of session `s` at `now_ms`.
    pub fn of_session(kind: EventKind, now_ms: i64, s: &Session) -> Self {
        let with_expiry = matches!(kind, EventKind::Created | EventKind::Refreshed);
        Self {
            id: String::new(),
            kind,
            time: from_millis(now_ms),
            flavor: Some(s.flavor),
            tenant: Some(s.tenant.clone()),
            subject: s.subject.clone(),
            session: Some(s.reference()),
            group: s.parent.clone(),
            device: s.device.clone(),
            expires_at: with_expiry.then_some(s.expires_at),
            collection: None,
        }
    }

    /// A run-time tenant change: document `id` of `collection` stored or deleted.
    pub fn of_tenant(change: TenantChange, now_ms: i64, collection: &str, id: &str) -> Self {
        Self {
            id: String::new(),
            kind: EventKind::TenantChanged(change),
            time: from_millis(now_ms),
            flavor: flavor_of_collection(collection),
            tenant: Some(id.to_owned()),
            subject: None,
            session: None,
            group: None,
            device: None,
            expires_at: None,
            collection: Some(collection.to_owned()),
        }
    }

    /// An event of the session at `r` rebuilt from what a store wrote: its group, its expiry
    /// (ms, for creations and refreshes) and the descriptive part of its body (a MessagePack
    /// map, empty when the owner implies everything).
    pub fn from_parts(
        kind: EventKind,
        now_ms: i64,
        r: SessionRef,
        group: Option<SessionId>,
        expires_ms: Option<i64>,
        desc: &[u8],
    ) -> Result<Self> {
        let mut head = vec![0u8; HEAD_FIXED];
        let exp = expires_ms.unwrap_or(0).clamp(0, (1 << 48) - 1);
        head[13..19].copy_from_slice(&exp.to_be_bytes()[2..]);
        let body = (!desc.is_empty()).then_some(desc);
        let s = Record::decode(&r, &head, body)?;
        Ok(Self {
            id: String::new(),
            kind,
            time: from_millis(now_ms),
            flavor: Some(s.flavor),
            tenant: Some(s.tenant),
            subject: s.subject,
            session: Some(r),
            group,
            device: s.device,
            expires_at: expires_ms.map(from_millis),
            collection: None,
        })
    }

    /// The event's time in milliseconds.
    pub fn time_ms(&self) -> i64 {
        to_millis(self.time)
    }

    /// The event with its log id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }
}

/// An [`EventKind`] as its code.
mod kind_code {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::events::kind::EventKind;

    pub(super) fn serialize<S: Serializer>(kind: &EventKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&kind.code())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        let code = String::deserialize(d)?;
        EventKind::from_code(&code).ok_or_else(|| serde::de::Error::custom("unknown event kind"))
    }
}

/// The flavor a run-time tenant collection (`<section>.<kind>`) belongs to.
fn flavor_of_collection(collection: &str) -> Option<Flavor> {
    let section = collection.split('.').next()?;
    Flavor::parse(&section.replace('_', "-")).ok()
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::events::kind::RevokeReason;
    use crate::model::Owner;
    use crate::record::{describe, pack};

    #[test]
    fn parts_written_by_a_store_rebuild_the_event_of_a_session() {
        let owner = Owner::new(Flavor::Quickblox, &["tok"]).unwrap();
        let mut s = Session::new(
            SessionRef::new(owner, SessionId::parse("s1").unwrap()),
            Flavor::Quickblox,
            "4242",
            from_millis(1_700_000_000_000),
            Duration::hours(2),
        );
        s.subject = Some("alice".into());
        s.device = Some("phone".into());
        s.parent = Some(SessionId::parse("g").unwrap());
        let desc = pack(&describe(&s)).unwrap();
        let kind = EventKind::Created;
        let rebuilt = Event::from_parts(
            kind,
            1_700_000_000_001,
            s.reference(),
            s.parent.clone(),
            Some(to_millis(s.expires_at)),
            &desc,
        )
        .unwrap();
        assert_eq!(rebuilt, Event::of_session(kind, 1_700_000_000_001, &s));

        // An owner that implies tenant and subject writes an empty description.
        let owner = Owner::new(Flavor::Amity, &["net", "bob"]).unwrap();
        let r = SessionRef::new(owner, SessionId::parse("s2").unwrap());
        let e = Event::from_parts(
            EventKind::Revoked(RevokeReason::Logout),
            5,
            r.clone(),
            None,
            None,
            b"",
        )
        .unwrap();
        assert_eq!(e.flavor, Some(Flavor::Amity));
        assert_eq!(e.tenant.as_deref(), Some("net"));
        assert_eq!(e.subject.as_deref(), Some("bob"));
        assert_eq!(e.expires_at, None);
        assert!(Event::from_parts(EventKind::Expired, 5, r, None, None, b"\xc1").is_err());
    }

    #[test]
    fn tenant_changes_name_their_flavor() {
        let e = Event::of_tenant(TenantChange::Put, 9, "session_storage.clients", "c1");
        assert_eq!(e.flavor, Some(Flavor::SessionStorage));
        assert_eq!(e.tenant.as_deref(), Some("c1"));
        assert_eq!(
            Event::of_tenant(TenantChange::Deleted, 9, "amity.networks", "k").flavor,
            Some(Flavor::Amity)
        );
        assert_eq!(
            Event::of_tenant(TenantChange::Put, 9, "other", "k").flavor,
            None
        );
    }
}
