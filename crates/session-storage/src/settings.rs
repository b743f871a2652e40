//! The `[session_storage]` configuration section and its `[[session_storage.clients]]`.

use serde::{Deserialize, Serialize};
use session_core::{LimitPolicy, MAX_PAGE_SIZE};
use uuid::Uuid;

/// The longest TTL any setting may name: ten years, far inside what timestamps can carry.
pub const TTL_CEILING_SECONDS: u64 = 10 * 366 * 24 * 3600;
/// The longest accepted `client_id`.
pub const MAX_CLIENT_ID_LEN: usize = 128;
/// The longest accepted `client_secret`.
pub const MAX_CLIENT_SECRET_LEN: usize = 256;
/// The longest accepted `user_id`.
pub const MAX_USER_ID_LEN: usize = 64;
/// The most live sessions a client's user may be configured to hold.
pub const MAX_SESSIONS_CEILING: u32 = 100_000;

/// Namespace of the UUIDv5 that names a client's user when `user_id` is not configured.
const USER_NAMESPACE: Uuid = Uuid::from_u128(0x6f0b_9c1e_52d4_4a8e_9b7e_3c51_d2a0_77f4);

/// `[session_storage]`: clients, TTL bounds, the per-user limit policy, paging and URLs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[[session_storage.clients]]`, the credentials known at start-up.
    pub clients: Vec<ClientSettings>,
    /// Lifetime of a new session when the request names none (30 days).
    pub default_ttl_seconds: u64,
    /// Shortest TTL a request may ask for.
    pub min_ttl_seconds: u64,
    /// Longest TTL a request may ask for (one year).
    pub max_ttl_seconds: u64,
    /// What a create does when the user already holds `max_sessions_per_user` live sessions.
    pub limit_policy: LimitPolicy,
    /// The status of a create refused at the limit: 409 or 429.
    pub limit_status: u16,
    /// Page size of `GET /sessions` without `page_size`.
    pub default_page_size: usize,
    /// Largest `page_size` accepted.
    pub max_page_size: usize,
    /// Largest `subscriber_count` accepted on create.
    pub max_subscribers: u32,
    /// WebRTC server URL returned on create.
    pub webrtc_url: String,
    /// WebSocket streaming URL returned on create.
    pub ws_url: String,
    /// `[session_storage.throttle]`: wrong client secrets tolerated per client address (a
    /// client is not a subject: a per-client limit would let anyone lock a tenant out).
    pub throttle: flavor_kit::ThrottleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            default_ttl_seconds: 2_592_000,
            min_ttl_seconds: 60,
            max_ttl_seconds: 31_536_000,
            limit_policy: LimitPolicy::Refuse,
            limit_status: 409,
            default_page_size: 20,
            max_page_size: 100,
            max_subscribers: 10,
            webrtc_url: "wss://webrtc.localhost".into(),
            ws_url: "wss://streaming.localhost/ws".into(),
            throttle: flavor_kit::ThrottleSettings::default(),
        }
    }
}

/// One `[[session_storage.clients]]` entry; run-time clients are stored as this JSON in the
/// `session_storage.clients` document collection, keyed by `client_id`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    /// Sent in the `ClientID` header.
    pub client_id: String,
    /// Sent in the `ClientSecret` header.
    pub client_secret: String,
    /// Most live sessions the client's user may hold (default 10).
    #[serde(default = "default_max_sessions")]
    pub max_sessions_per_user: u32,
    /// The user part of session ids (`[A-Za-z0-9_-]`, at most 64); default: a UUID derived from
    /// `client_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Overrides the section's `limit_policy` for this client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_policy: Option<LimitPolicy>,
}

fn default_max_sessions() -> u32 {
    10
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("client_id", &self.client_id)
            .field("client_secret", &"********")
            .field("max_sessions_per_user", &self.max_sessions_per_user)
            .field("user_id", &self.user_id)
            .field("limit_policy", &self.limit_policy)
            .finish()
    }
}

impl ClientSettings {
    /// The keys a client entry may hold (a run-time document's other keys are ignored).
    pub const KEYS: [&'static str; 5] = [
        "client_id",
        "client_secret",
        "max_sessions_per_user",
        "user_id",
        "limit_policy",
    ];

    /// The user part of this client's session ids.
    pub fn user(&self) -> String {
        match &self.user_id {
            Some(u) => u.clone(),
            None => Uuid::new_v5(&USER_NAMESPACE, self.client_id.as_bytes()).to_string(),
        }
    }

    /// Checks one client; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        let id = &self.client_id;
        if id.is_empty() || id.len() > MAX_CLIENT_ID_LEN || !is_header_safe(id) {
            return Err(format!(
                "client_id `{id}` must be 1-{MAX_CLIENT_ID_LEN} printable ASCII characters"
            ));
        }
        let secret = &self.client_secret;
        if secret.is_empty() || secret.len() > MAX_CLIENT_SECRET_LEN || !is_header_safe(secret) {
            return Err(format!(
                "client_secret of `{id}` must be 1-{MAX_CLIENT_SECRET_LEN} printable ASCII characters"
            ));
        }
        if !(1..=MAX_SESSIONS_CEILING).contains(&self.max_sessions_per_user) {
            return Err(format!(
                "max_sessions_per_user of `{id}` must be between 1 and {MAX_SESSIONS_CEILING}"
            ));
        }
        if let Some(user) = &self.user_id {
            if !is_valid_user(user) {
                return Err(format!(
                    "user_id of `{id}` must be 1-{MAX_USER_ID_LEN} characters of A-Z a-z 0-9 _ -"
                ));
            }
        }
        Ok(())
    }
}

/// Whether `user` can be the user part of a session id.
pub fn is_valid_user(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= MAX_USER_ID_LEN
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Printable ASCII without spaces: what an HTTP header value carries unchanged.
fn is_header_safe(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_graphic())
}

impl Settings {
    /// Checks the section; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        self.throttle.validate()?;
        let (min, def, max) = (
            self.min_ttl_seconds,
            self.default_ttl_seconds,
            self.max_ttl_seconds,
        );
        if min == 0 || min > max || max > TTL_CEILING_SECONDS {
            return Err(format!(
                "min_ttl_seconds and max_ttl_seconds must satisfy 1 <= min <= max <= {TTL_CEILING_SECONDS}"
            ));
        }
        if !(min..=max).contains(&def) {
            return Err(
                "default_ttl_seconds must lie between min_ttl_seconds and max_ttl_seconds".into(),
            );
        }
        if !matches!(self.limit_status, 409 | 429) {
            return Err("limit_status must be 409 or 429".into());
        }
        if self.max_page_size == 0 || self.max_page_size > MAX_PAGE_SIZE {
            return Err(format!(
                "max_page_size must be between 1 and {MAX_PAGE_SIZE}"
            ));
        }
        if self.default_page_size == 0 || self.default_page_size > self.max_page_size {
            return Err("default_page_size must be between 1 and max_page_size".into());
        }
        if self.max_subscribers > 1000 {
            return Err("max_subscribers must be at most 1000".into());
        }
        for (key, url) in [("webrtc_url", &self.webrtc_url), ("ws_url", &self.ws_url)] {
            if url.is_empty() || url.chars().any(char::is_whitespace) {
                return Err(format!("{key} must be a non-empty URL without spaces"));
            }
        }
        for (i, c) in self.clients.iter().enumerate() {
            c.validate().map_err(|e| format!("clients[{i}]: {e}"))?;
            if self.clients[..i].iter().any(|o| o.client_id == c.client_id) {
                return Err(format!(
                    "clients[{i}]: client_id `{}` is listed twice",
                    c.client_id
                ));
            }
        }
        Ok(())
    }

    /// The policy that applies to `client`.
    pub fn policy_for(&self, client: &ClientSettings) -> LimitPolicy {
        client.limit_policy.unwrap_or(self.limit_policy)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn client(id: &str) -> ClientSettings {
        ClientSettings {
            client_id: id.into(),
            client_secret: "s3cret".into(),
            max_sessions_per_user: 10,
            user_id: None,
            limit_policy: None,
        }
    }

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(s.default_ttl_seconds, 30 * 24 * 3600);
        assert_eq!(s.min_ttl_seconds, 60);
        assert_eq!(s.max_ttl_seconds, 365 * 24 * 3600);
        assert_eq!(s.limit_status, 409);
    }

    #[test]
    fn the_default_user_is_a_stable_uuid_per_client() {
        let a = client("client-a").user();
        assert_eq!(a, client("client-a").user());
        assert_ne!(a, client("client-b").user());
        assert!(Uuid::parse_str(&a).is_ok());
        assert!(is_valid_user(&a));
        let mut c = client("x");
        c.user_id = Some("test-user".into());
        assert_eq!(c.user(), "test-user");
    }

    #[test]
    fn bad_values_name_their_key() {
        type Change = Box<dyn Fn(&mut Settings)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|s| s.min_ttl_seconds = 0), "min_ttl_seconds"),
            (
                Box::new(|s| s.default_ttl_seconds = 10),
                "default_ttl_seconds",
            ),
            (
                Box::new(|s| s.max_ttl_seconds = u64::MAX),
                "max_ttl_seconds",
            ),
            (Box::new(|s| s.limit_status = 400), "limit_status"),
            (Box::new(|s| s.max_page_size = 5000), "max_page_size"),
            (Box::new(|s| s.default_page_size = 0), "default_page_size"),
            (Box::new(|s| s.ws_url = String::new()), "ws_url"),
            (
                Box::new(|s| s.clients = vec![client("a"), client("a")]),
                "listed twice",
            ),
            (Box::new(|s| s.clients = vec![client("")]), "client_id"),
            (
                Box::new(|s| {
                    let mut c = client("a");
                    c.client_secret = "with space".into();
                    s.clients = vec![c];
                }),
                "client_secret",
            ),
            (
                Box::new(|s| {
                    let mut c = client("a");
                    c.user_id = Some("a.b".into());
                    s.clients = vec![c];
                }),
                "user_id",
            ),
            (
                Box::new(|s| {
                    let mut c = client("a");
                    c.max_sessions_per_user = 0;
                    s.clients = vec![c];
                }),
                "max_sessions_per_user",
            ),
        ];
        for (change, key) in cases {
            let mut s = Settings::default();
            change(&mut s);
            let e = s.validate().unwrap_err();
            assert!(e.contains(key), "{key}: {e}");
        }
    }

    #[test]
    fn every_bound_is_checked_on_both_sides() {
        use api_testkit::bounds::{Edge, Range};
        fn text(n: u64) -> String {
            "k".repeat(n as usize)
        }
        let page = MAX_PAGE_SIZE as u64;
        let ttls = "min_ttl_seconds and max_ttl_seconds";
        // (what the refusal starts with, how to set it, lowest accepted, highest accepted):
        // one step outside either end is refused.
        let ranges: [Range<Settings>; 5] = [
            (
                "default_page_size",
                |s, n| s.default_page_size = n as usize,
                1,
                100,
            ),
            (
                "default_ttl_seconds",
                |s, n| s.default_ttl_seconds = n,
                60,
                31_536_000,
            ),
            (
                "clients[0]: client_secret",
                |s, n| s.clients[0].client_secret = text(n),
                1,
                256,
            ),
            (
                "clients[0]: user_id",
                |s, n| s.clients[0].user_id = Some(text(n)),
                1,
                64,
            ),
            (
                "clients[0]: max_sessions_per_user",
                |s, n| s.clients[0].max_sessions_per_user = n as u32,
                1,
                100_000,
            ),
        ];
        // (what the refusal starts with, how to set it, accepted, refused one step past it)
        let edges: [Edge<Settings>; 6] = [
            (
                "max_subscribers",
                |s, n| s.max_subscribers = n as u32,
                1000,
                1001,
            ),
            (
                "max_page_size",
                |s, n| s.max_page_size = n as usize,
                page,
                page + 1,
            ),
            (
                ttls,
                |s, n| s.max_ttl_seconds = n,
                TTL_CEILING_SECONDS,
                TTL_CEILING_SECONDS + 1,
            ),
            (ttls, |s, n| s.min_ttl_seconds = n, 1, 0),
            (
                ttls,
                |s, n| (s.max_ttl_seconds, s.default_ttl_seconds) = (n, n),
                60,
                59,
            ),
            (
                "clients[0]: client_id",
                |s, n| s.clients[0].client_id = text(n),
                128,
                129,
            ),
        ];
        let base = || Settings {
            clients: vec![client("a")],
            ..Settings::default()
        };
        api_testkit::check_bounds(base, Settings::validate, &ranges, &edges);
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", client("a")).contains("s3cret"));
    }

    #[test]
    fn clients_parse_from_config_json_with_defaults() {
        let c: ClientSettings =
            serde_json::from_str(r#"{"client_id":"a","client_secret":"b"}"#).unwrap();
        assert_eq!(c.max_sessions_per_user, 10);
        assert!(c.limit_policy.is_none());
        let c: ClientSettings = serde_json::from_str(
            r#"{"client_id":"a","client_secret":"b","limit_policy":"evict-oldest"}"#,
        )
        .unwrap();
        assert_eq!(c.limit_policy, Some(LimitPolicy::EvictOldest));
        assert!(serde_json::from_str::<ClientSettings>(
            r#"{"client_id":"a","client_secret":"b","max_session_per_user":3}"#
        )
        .is_err());
    }
}
