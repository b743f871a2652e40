//! The public JSON of an event, one schema per type (in the OpenAPI document's components and
//! docs/events.md). An event names its session by the admin API's handle, never by a token.

use chrono::{DateTime, Utc};
use serde::Serialize;
use session_core::events::{Event, EventKind, EventType, RevokeReason, TenantChange};
use session_core::{Flavor, SessionRef};
use utoipa::ToSchema;

use crate::admin::handle_of;

/// What every event starts with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventHead {
    /// Unique and stable: a retry or a replay carries the same id (also the `webhook-id` of a
    /// request that carries this event alone, and the pull API's cursor).
    #[schema(example = "1717171717171-0-3")]
    pub id: String,
    /// The event type.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "session.revoked")]
    pub kind: EventType,
    /// When the change happened (the gateway's clock, milliseconds).
    pub time: DateTime<Utc>,
}

/// The session an event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionFields {
    /// The API the session was issued through: `quicksync`, `quickblox`, `amity`,
    /// `session-storage`.
    #[schema(value_type = String, example = "amity")]
    pub flavor: Flavor,
    /// The application, network, API key or client.
    pub tenant: String,
    /// The user id or wallet address, when the session has one.
    pub subject: Option<String>,
    /// The session's handle (the admin API's `/admin/v1/sessions/{handle}`).
    pub session: String,
    /// A member's group, by its handle.
    pub group: Option<String>,
    /// The device the session was issued to.
    pub device: Option<String>,
}

/// A session with its expiry (what creations and refreshes carry).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpiringSession {
    #[serde(flatten)]
    session: SessionFields,
    /// When the session expires.
    expires_at: Option<DateTime<Utc>>,
}

/// `session.created`: a sign-in, a group, a member joining.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionCreated {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: ExpiringSession,
}

/// `session.refreshed`: a refresh secret spent for a new token pair (Amity).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRefreshed {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: ExpiringSession,
}

/// `session.revoked`: a session ended before its expiry, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRevoked {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: SessionFields,
    /// `logout`, `admin`, `limit-evicted`, `replaced-on-device`, `refresh-reuse-detected`,
    /// `kicked`, `disconnected`, `group-deleted` or `rekeyed`.
    #[schema(value_type = String, example = "logout")]
    reason: RevokeReason,
}

/// `session.expired`: a session reached its expiry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionExpired {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: SessionFields,
}

/// `group.member_joined`: a member joined a group (`group` names it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupMemberJoined {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: SessionFields,
}

/// `group.member_left`: a member left its group, kicked or disconnected (its
/// `session.revoked` says which).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupMemberLeft {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: SessionFields,
}

/// `session.signed_in`: a session that stays got a user (QuickBlox `POST /login.json`);
/// `subject` is that user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionSignedIn {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: SessionFields,
}

/// `session.signed_out`: a session that stays lost its user (QuickBlox `DELETE /login.json`, or
/// a login as another user, whose `session.signed_in` follows); `subject` is the user it had.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionSignedOut {
    #[serde(flatten)]
    head: EventHead,
    #[serde(flatten)]
    session: SessionFields,
}

/// `tenant.changed`: a run-time tenant or credential was stored or deleted (admin API).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantChanged {
    #[serde(flatten)]
    head: EventHead,
    /// The tenant kind's flavor.
    #[schema(value_type = Option<String>, example = "amity")]
    flavor: Option<Flavor>,
    /// The document's id (a keyed hash for kinds stored by hash).
    tenant: String,
    /// The tenant kind's collection (`amity.networks`, `session_storage.clients`, ...).
    kind: String,
    /// `put` or `deleted`.
    #[schema(value_type = String, example = "put")]
    change: TenantChange,
}

/// Any event, as delivered and as the pull API lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EventBody {
    /// `session.created`.
    Created(SessionCreated),
    /// `session.refreshed`.
    Refreshed(SessionRefreshed),
    /// `session.revoked`.
    Revoked(SessionRevoked),
    /// `session.expired`.
    Expired(SessionExpired),
    /// `group.member_joined`.
    Joined(GroupMemberJoined),
    /// `group.member_left`.
    Left(GroupMemberLeft),
    /// `tenant.changed`.
    Tenant(TenantChanged),
    /// `session.signed_in`.
    SignedIn(SessionSignedIn),
    /// `session.signed_out`.
    SignedOut(SessionSignedOut),
}

impl EventBody {
    /// The public form of `e`.
    pub fn of(e: &Event) -> Self {
        let head = EventHead {
            id: e.id.clone(),
            kind: e.kind.event_type(),
            time: e.time,
        };
        let session = || SessionFields {
            flavor: e.flavor.unwrap_or(Flavor::SessionStorage),
            tenant: e.tenant.clone().unwrap_or_default(),
            subject: e.subject.clone(),
            session: e.session.as_ref().map(handle_of).unwrap_or_default(),
            group: match (&e.session, &e.group) {
                (Some(r), Some(g)) => Some(handle_of(&SessionRef::new(r.owner.clone(), g.clone()))),
                _ => None,
            },
            device: e.device.clone(),
        };
        match e.kind {
            EventKind::Created => Self::Created(SessionCreated {
                head,
                session: ExpiringSession {
                    session: session(),
                    expires_at: e.expires_at,
                },
            }),
            EventKind::Refreshed => Self::Refreshed(SessionRefreshed {
                head,
                session: ExpiringSession {
                    session: session(),
                    expires_at: e.expires_at,
                },
            }),
            EventKind::Revoked(reason) => Self::Revoked(SessionRevoked {
                head,
                session: session(),
                reason,
            }),
            EventKind::Expired => Self::Expired(SessionExpired {
                head,
                session: session(),
            }),
            EventKind::MemberJoined => Self::Joined(GroupMemberJoined {
                head,
                session: session(),
            }),
            EventKind::MemberLeft => Self::Left(GroupMemberLeft {
                head,
                session: session(),
            }),
            EventKind::SignedIn => Self::SignedIn(SessionSignedIn {
                head,
                session: session(),
            }),
            EventKind::SignedOut => Self::SignedOut(SessionSignedOut {
                head,
                session: session(),
            }),
            EventKind::TenantChanged(change) => Self::Tenant(TenantChanged {
                head,
                flavor: e.flavor,
                tenant: e.tenant.clone().unwrap_or_default(),
                kind: e.collection.clone().unwrap_or_default(),
                change,
            }),
        }
    }
}

/// Any event: one of the event schemas (`anyOf`: created and refreshed events, for one, have the
/// same members and differ in `type` only).
impl utoipa::PartialSchema for EventBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut any = utoipa::openapi::schema::AnyOfBuilder::new();
        for t in EventType::ALL {
            any = any.item(utoipa::openapi::Ref::from_schema_name(schema_name(t)));
        }
        any.description(Some("An event.")).into()
    }
}

impl ToSchema for EventBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "Event".into()
    }
}

/// The schema of each event type's payload (in the components through [`EventSchemas`]).
pub fn schema_name(t: EventType) -> &'static str {
    match t {
        EventType::SessionCreated => "SessionCreated",
        EventType::SessionRefreshed => "SessionRefreshed",
        EventType::SessionRevoked => "SessionRevoked",
        EventType::SessionExpired => "SessionExpired",
        EventType::GroupMemberJoined => "GroupMemberJoined",
        EventType::GroupMemberLeft => "GroupMemberLeft",
        EventType::TenantChanged => "TenantChanged",
        EventType::SessionSignedIn => "SessionSignedIn",
        EventType::SessionSignedOut => "SessionSignedOut",
    }
}

/// The schemas of every event type, for the OpenAPI document's components.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    EventHead,
    SessionFields,
    ExpiringSession,
    SessionCreated,
    SessionRefreshed,
    SessionRevoked,
    SessionExpired,
    GroupMemberJoined,
    GroupMemberLeft,
    SessionSignedIn,
    SessionSignedOut,
    TenantChanged
)))]
pub struct EventSchemas;

/// The body of a request carrying `events`: the event itself when `single`, else an array.
pub fn request_body(events: &[Event], single: bool) -> Result<Vec<u8>, serde_json::Error> {
    match (single, events) {
        (true, [one]) => serde_json::to_vec(&EventBody::of(one)),
        _ => serde_json::to_vec(&events.iter().map(EventBody::of).collect::<Vec<_>>()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Duration;
    use serde_json::Value;
    use session_core::{Owner, Session, SessionId};

    use super::*;

    #[test]
    fn events_carry_what_the_session_says_and_never_a_secret() {
        let owner = Owner::new(Flavor::Quicksync, &["key", "g1"]).unwrap();
        let mut s = Session::new(
            SessionRef::new(owner, SessionId::parse("m1").unwrap()),
            Flavor::Quicksync,
            "key",
            chrono::Utc::now(),
            Duration::hours(1),
        );
        s.subject = Some("0xabc".into());
        s.parent = Some(SessionId::parse("g1").unwrap());
        s.device = Some("wallet".into());
        s.token_hash = Some(session_core::TokenHasher::new("k").hash("secret-token"));
        let e =
            Event::of_session(EventKind::Revoked(RevokeReason::Kicked), 1_000, &s).with_id("1-0-0");
        let v: Value =
            serde_json::from_slice(&request_body(std::slice::from_ref(&e), true).unwrap()).unwrap();
        assert_eq!(v["id"], "1-0-0");
        assert_eq!(v["type"], "session.revoked");
        assert_eq!(v["reason"], "kicked");
        assert_eq!(v["flavor"], "quicksync");
        assert_eq!(v["tenant"], "key");
        assert_eq!(v["subject"], "0xabc");
        assert_eq!(v["device"], "wallet");
        assert_eq!(v["session"], handle_of(&s.reference()));
        assert!(v["group"].is_string());
        assert_eq!(v["time"], "1970-01-01T00:00:01Z");
        let text = String::from_utf8(request_body(&[e.clone(), e], false).unwrap()).unwrap();
        assert!(text.starts_with('['));
        assert!(!text.contains("secret") && !text.contains("hash"));
    }
}
