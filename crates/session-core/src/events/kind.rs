//! What an event says: its type, and for a revocation why. Each has a public name (the JSON
//! `type` and `reason`) and a short code the stores write.

use serde::{Deserialize, Serialize};

/// The public event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A session was created (a sign-in, a group, a member joining).
    #[serde(rename = "session.created")]
    SessionCreated,
    /// A session's refresh secret was spent for a new token pair.
    #[serde(rename = "session.refreshed")]
    SessionRefreshed,
    /// A session ended before its expiry.
    #[serde(rename = "session.revoked")]
    SessionRevoked,
    /// A session reached its expiry.
    #[serde(rename = "session.expired")]
    SessionExpired,
    /// A member joined a group.
    #[serde(rename = "group.member_joined")]
    GroupMemberJoined,
    /// A member left a group (kicked or disconnected).
    #[serde(rename = "group.member_left")]
    GroupMemberLeft,
    /// A run-time tenant or credential was stored or deleted.
    #[serde(rename = "tenant.changed")]
    TenantChanged,
    /// A session that stays got a user (QuickBlox `POST /login.json`).
    #[serde(rename = "session.signed_in")]
    SessionSignedIn,
    /// A session that stays lost its user (QuickBlox `DELETE /login.json`, or a login as
    /// another user).
    #[serde(rename = "session.signed_out")]
    SessionSignedOut,
}

impl EventType {
    /// Every type, in a stable order.
    pub const ALL: [EventType; 9] = [
        EventType::SessionCreated,
        EventType::SessionRefreshed,
        EventType::SessionRevoked,
        EventType::SessionExpired,
        EventType::GroupMemberJoined,
        EventType::GroupMemberLeft,
        EventType::TenantChanged,
        EventType::SessionSignedIn,
        EventType::SessionSignedOut,
    ];

    /// The public name (`session.created`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::SessionCreated => "session.created",
            EventType::SessionRefreshed => "session.refreshed",
            EventType::SessionRevoked => "session.revoked",
            EventType::SessionExpired => "session.expired",
            EventType::GroupMemberJoined => "group.member_joined",
            EventType::GroupMemberLeft => "group.member_left",
            EventType::TenantChanged => "tenant.changed",
            EventType::SessionSignedIn => "session.signed_in",
            EventType::SessionSignedOut => "session.signed_out",
        }
    }

    /// The type named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Why a session was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevokeReason {
    /// Its holder signed out (or the tenant's backend deleted it).
    Logout,
    /// The admin API revoked it.
    Admin,
    /// The owner's limit evicted it for a newer session.
    LimitEvicted,
    /// A newer session on the same device replaced it.
    ReplacedOnDevice,
    /// A spent refresh secret was presented again: the family is revoked.
    RefreshReuseDetected,
    /// The group's host removed the member.
    Kicked,
    /// The member left its group.
    Disconnected,
    /// Its group ended.
    GroupDeleted,
    /// It moved to a new handle under the active token key (QuickBlox sessions created under a
    /// previous key); a `session.created` of the new handle comes with it.
    Rekeyed,
}

impl RevokeReason {
    /// Every reason, in a stable order.
    pub const ALL: [RevokeReason; 9] = [
        RevokeReason::Logout,
        RevokeReason::Admin,
        RevokeReason::LimitEvicted,
        RevokeReason::ReplacedOnDevice,
        RevokeReason::RefreshReuseDetected,
        RevokeReason::Kicked,
        RevokeReason::Disconnected,
        RevokeReason::GroupDeleted,
        RevokeReason::Rekeyed,
    ];

    /// The public name (`logout`, `limit-evicted`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::Admin => "admin",
            RevokeReason::LimitEvicted => "limit-evicted",
            RevokeReason::ReplacedOnDevice => "replaced-on-device",
            RevokeReason::RefreshReuseDetected => "refresh-reuse-detected",
            RevokeReason::Kicked => "kicked",
            RevokeReason::Disconnected => "disconnected",
            RevokeReason::GroupDeleted => "group-deleted",
            RevokeReason::Rekeyed => "rekeyed",
        }
    }

    /// The one-letter code the stores write (after `r`).
    pub fn code(self) -> char {
        match self {
            RevokeReason::Logout => 'o',
            RevokeReason::Admin => 'a',
            RevokeReason::LimitEvicted => 'e',
            RevokeReason::ReplacedOnDevice => 'd',
            RevokeReason::RefreshReuseDetected => 'u',
            RevokeReason::Kicked => 'k',
            RevokeReason::Disconnected => 'n',
            RevokeReason::GroupDeleted => 'g',
            RevokeReason::Rekeyed => 'm',
        }
    }

    fn from_code(c: char) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == c)
    }
}

/// What a run-time tenant change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantChange {
    /// Stored (added or replaced).
    Put,
    /// Deleted.
    Deleted,
}

/// An event's type with what it needs beyond the session: a revocation's reason, a tenant
/// change's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `session.created`.
    Created,
    /// `session.refreshed`.
    Refreshed,
    /// `session.revoked`, and why.
    Revoked(RevokeReason),
    /// `session.expired`.
    Expired,
    /// `group.member_joined`.
    MemberJoined,
    /// `group.member_left`.
    MemberLeft,
    /// `tenant.changed`.
    TenantChanged(TenantChange),
    /// `session.signed_in`: the session's subject became this one.
    SignedIn,
    /// `session.signed_out`: the session's subject was this one.
    SignedOut,
}

impl EventKind {
    /// The public type.
    pub fn event_type(self) -> EventType {
        match self {
            EventKind::Created => EventType::SessionCreated,
            EventKind::Refreshed => EventType::SessionRefreshed,
            EventKind::Revoked(_) => EventType::SessionRevoked,
            EventKind::Expired => EventType::SessionExpired,
            EventKind::MemberJoined => EventType::GroupMemberJoined,
            EventKind::MemberLeft => EventType::GroupMemberLeft,
            EventKind::TenantChanged(_) => EventType::TenantChanged,
            EventKind::SignedIn => EventType::SessionSignedIn,
            EventKind::SignedOut => EventType::SessionSignedOut,
        }
    }

    /// The revocation's reason, for `session.revoked`.
    pub fn reason(self) -> Option<RevokeReason> {
        match self {
            EventKind::Revoked(r) => Some(r),
            _ => None,
        }
    }

    /// The short code the stores write: `c`, `f`, `x`, `j`, `l`, `i`, `o`, `r<reason>`, `tp`,
    /// `td`.
    pub fn code(self) -> String {
        match self {
            EventKind::Created => "c".into(),
            EventKind::Refreshed => "f".into(),
            EventKind::Revoked(r) => format!("r{}", r.code()),
            EventKind::Expired => "x".into(),
            EventKind::MemberJoined => "j".into(),
            EventKind::MemberLeft => "l".into(),
            EventKind::TenantChanged(TenantChange::Put) => "tp".into(),
            EventKind::TenantChanged(TenantChange::Deleted) => "td".into(),
            EventKind::SignedIn => "i".into(),
            EventKind::SignedOut => "o".into(),
        }
    }

    /// The kind of a code written by [`EventKind::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        let mut chars = code.chars();
        let kind = match (chars.next()?, chars.next()) {
            ('c', None) => EventKind::Created,
            ('f', None) => EventKind::Refreshed,
            ('x', None) => EventKind::Expired,
            ('j', None) => EventKind::MemberJoined,
            ('l', None) => EventKind::MemberLeft,
            ('i', None) => EventKind::SignedIn,
            ('o', None) => EventKind::SignedOut,
            ('r', Some(c)) => EventKind::Revoked(RevokeReason::from_code(c)?),
            ('t', Some('p')) => EventKind::TenantChanged(TenantChange::Put),
            ('t', Some('d')) => EventKind::TenantChanged(TenantChange::Deleted),
            _ => return None,
        };
        chars.next().is_none().then_some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_ones_are_refused() {
        let mut kinds = vec![
            EventKind::Created,
            EventKind::Refreshed,
            EventKind::Expired,
            EventKind::MemberJoined,
            EventKind::MemberLeft,
            EventKind::TenantChanged(TenantChange::Put),
            EventKind::TenantChanged(TenantChange::Deleted),
            EventKind::SignedIn,
            EventKind::SignedOut,
        ];
        kinds.extend(RevokeReason::ALL.map(EventKind::Revoked));
        let mut codes = std::collections::HashSet::new();
        for k in kinds {
            assert_eq!(EventKind::from_code(&k.code()), Some(k));
            assert!(codes.insert(k.code()), "duplicate code {}", k.code());
        }
        for bad in ["", "z", "cc", "rz", "t", "tx", "ro1", "io", "oi"] {
            assert_eq!(EventKind::from_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn public_names_match_serde() {
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        for r in RevokeReason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(EventType::parse("session.nope"), None);
    }
}
