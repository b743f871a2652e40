//! The `[amity]` configuration section. Key names are an operator contract (CONFIG.md).

use std::collections::HashSet;

use flavor_kit::headers::carries;
use flavor_kit::signing_keys::{KeyRing, KeySettings};
use serde::{Deserialize, Serialize};

/// Default lifetime of an access token: 30 days.
pub const DEFAULT_TOKEN_TTL_SECONDS: u64 = 2_592_000;
/// Default cap on one user's live sessions in one network.
pub const DEFAULT_MAX_SESSIONS_PER_USER: u32 = 20;
/// Default lifetime of a secure-mode `authToken`: 10 minutes.
pub const DEFAULT_AUTH_TOKEN_TTL_SECONDS: u64 = 600;
/// Default `lastCachePurge` of a network.
pub const DEFAULT_LAST_CACHE_PURGE: &str = "2020-01-01T00:00:00.000Z";
/// Longest lifetime accepted for any token: one year.
pub const MAX_TTL_SECONDS: u64 = 31_536_000;
/// Shortest `jwt_secret` accepted (HS256 wants at least 256 bits).
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// `[amity]`: the networks this gateway serves.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[[amity.networks]]`, one per API key.
    pub networks: Vec<NetworkSettings>,
    /// `[amity.throttle]`: failed credential checks tolerated per client address (API keys,
    /// server keys, auth tokens) and per user (secure-mode auth tokens).
    pub throttle: flavor_kit::ThrottleSettings,
    /// `[[amity.signing_keys]]`: keys that sign the access tokens of every network without a
    /// `jwt_secret` (HS256, ES256 or EdDSA, each with a `kid`); the first that can sign signs,
    /// every one verifies until it is removed. None: each network's own key signs.
    pub signing_keys: Vec<KeySettings>,
}

/// One `[[amity.networks]]` entry; also the JSON of a run-time network document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSettings {
    /// The client API key (`x-api-key`).
    pub api_key: String,
    /// The server key (`x-server-key`) for secure-mode `authToken`s; none disables them.
    pub server_key: Option<String>,
    /// Whether registering a session needs an `authToken`.
    pub secure_mode: bool,
    /// Lifetime of an access token.
    pub token_ttl_seconds: u64,
    /// How long a refresh token stays usable; defaults to `token_ttl_seconds`.
    pub refresh_ttl_seconds: Option<u64>,
    /// The network id in tokens and user paths; defaults to a digest of the API key.
    pub network_id: Option<String>,
    /// A name operators know the network by (the admin API and console find it by it).
    pub name: Option<String>,
    /// HS256 key of the network's access tokens; defaults to a key derived from
    /// `store.token_secret` and the API key (stable across replicas).
    pub jwt_secret: Option<String>,
    /// Most live sessions one user holds; the oldest is revoked to make room.
    pub max_sessions_per_user: u32,
    /// Whether a new session revokes the user's older sessions on the same `deviceId` (so a
    /// renewal retires the token it replaces).
    pub one_session_per_device: bool,
    /// Lifetime of a secure-mode `authToken`.
    pub auth_token_ttl_seconds: u64,
    /// `lastCachePurge` in session responses (ISO 8601).
    pub last_cache_purge: String,
    /// Roles defined in the network.
    pub roles: Vec<RoleSettings>,
    /// Role ids a new user starts with.
    pub default_user_roles: Vec<String>,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            api_key: String::new(),
            server_key: None,
            secure_mode: false,
            token_ttl_seconds: DEFAULT_TOKEN_TTL_SECONDS,
            refresh_ttl_seconds: None,
            network_id: None,
            name: None,
            jwt_secret: None,
            max_sessions_per_user: DEFAULT_MAX_SESSIONS_PER_USER,
            one_session_per_device: true,
            auth_token_ttl_seconds: DEFAULT_AUTH_TOKEN_TTL_SECONDS,
            last_cache_purge: DEFAULT_LAST_CACHE_PURGE.to_owned(),
            roles: Vec::new(),
            default_user_roles: Vec::new(),
        }
    }
}

/// A `[[amity.networks.roles]]` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleSettings {
    /// The role's id (e.g. `moderator`).
    pub role_id: String,
    /// Its display name; defaults to the id.
    pub display_name: Option<String>,
    /// Upper snake case permission names (e.g. `BAN_USER`).
    pub permissions: Vec<String>,
}

impl Settings {
    /// Checks the section; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        self.throttle.validate()?;
        KeyRing::new(&self.signing_keys).map_err(|e| format!("signing_keys{e}"))?;
        if let Some((i, _)) = self
            .signing_keys
            .iter()
            .enumerate()
            .find(|(_, k)| crate::tokens::is_locator(&k.kid))
        {
            return Err(format!(
                "signing_keys[{i}].kid: 32 hex digits name networks; choose another kid"
            ));
        }
        let mut api_keys = HashSet::new();
        let mut ids = HashSet::new();
        for (i, n) in self.networks.iter().enumerate() {
            let at = |key: &str| format!("networks[{i}].{key}");
            n.validate()
                .map_err(|(key, reason)| format!("{}: {reason}", at(key)))?;
            if !api_keys.insert(n.api_key.as_str()) {
                return Err(format!(
                    "{}: the same api_key is listed twice",
                    at("api_key")
                ));
            }
            if let Some(id) = &n.network_id {
                if !ids.insert(id.as_str()) {
                    return Err(format!("{}: `{id}` is listed twice", at("network_id")));
                }
            }
        }
        Ok(())
    }
}

impl NetworkSettings {
    /// Checks one network; on error, the key at fault and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let fail = |key: &'static str, reason: &str| Err((key, reason.to_owned()));
        if self.api_key.is_empty() || self.api_key.len() > 256 || !carries(&self.api_key) {
            return fail(
                "api_key",
                "must be 1-256 printable ASCII characters, no space at either end",
            );
        }
        if self
            .server_key
            .as_deref()
            .is_some_and(|k| k.len() < 8 || k.len() > 256 || !carries(k))
        {
            return fail(
                "server_key",
                "must be 8-256 printable ASCII characters, no space at either end (or unset)",
            );
        }
        if !(1..=MAX_TTL_SECONDS).contains(&self.token_ttl_seconds) {
            return fail("token_ttl_seconds", "must be between 1 and 31536000");
        }
        if let Some(r) = self.refresh_ttl_seconds {
            if !(self.token_ttl_seconds..=MAX_TTL_SECONDS).contains(&r) {
                return fail(
                    "refresh_ttl_seconds",
                    "must be between token_ttl_seconds and 31536000",
                );
            }
        }
        if let Some(id) = &self.network_id {
            let ok = (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return fail("network_id", "must be 1-64 characters of A-Z a-z 0-9 - _");
            }
        }
        if self.name.as_deref().is_some_and(|n| {
            n.trim().is_empty() || n.chars().count() > 100 || n.contains(char::is_control)
        }) {
            return fail("name", "must be 1-100 printable characters (or unset)");
        }
        if self
            .jwt_secret
            .as_deref()
            .is_some_and(|s| s.len() < MIN_JWT_SECRET_LEN)
        {
            return fail("jwt_secret", "must be at least 32 characters (or unset)");
        }
        if !(1..=10_000).contains(&self.max_sessions_per_user) {
            return fail("max_sessions_per_user", "must be between 1 and 10000");
        }
        if !(1..=MAX_TTL_SECONDS).contains(&self.auth_token_ttl_seconds) {
            return fail("auth_token_ttl_seconds", "must be between 1 and 31536000");
        }
        if chrono::DateTime::parse_from_rfc3339(&self.last_cache_purge).is_err() {
            return fail("last_cache_purge", "must be an ISO 8601 (RFC 3339) time");
        }
        let mut role_ids = HashSet::new();
        for r in &self.roles {
            if r.role_id.is_empty() || r.role_id.len() > 100 {
                return fail("roles", "every role_id must be 1-100 characters");
            }
            if !role_ids.insert(r.role_id.as_str()) {
                return fail("roles", "a role_id is listed twice");
            }
            let snake = |p: &String| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            };
            if !r.permissions.iter().all(snake) {
                return fail("roles", "permissions are UPPER_SNAKE_CASE names");
            }
        }
        if let Some(r) = self
            .default_user_roles
            .iter()
            .find(|r| !role_ids.contains(r.as_str()))
        {
            return Err((
                "default_user_roles",
                format!("`{r}` is not a role_id of this network"),
            ));
        }
        Ok(())
    }

    /// How long a refresh token stays usable.
    pub fn refresh_ttl_seconds(&self) -> u64 {
        self.refresh_ttl_seconds
            .unwrap_or(self.token_ttl_seconds)
            .max(self.token_ttl_seconds)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn net(toml_like: serde_json::Value) -> NetworkSettings {
        serde_json::from_value(toml_like).unwrap()
    }

    #[test]
    fn defaults_follow_the_contract() {
        let n = net(serde_json::json!({"api_key": "k"}));
        assert_eq!(n.token_ttl_seconds, 2_592_000);
        assert_eq!(n.max_sessions_per_user, 20);
        assert!(!n.secure_mode);
        assert_eq!(n.refresh_ttl_seconds(), 2_592_000);
        assert!(n.validate().is_ok());
    }

    #[test]
    fn bad_values_name_their_key() {
        for (doc, key) in [
            (serde_json::json!({"api_key": ""}), "api_key"),
            (
                serde_json::json!({"api_key": "k", "token_ttl_seconds": 0}),
                "token_ttl_seconds",
            ),
            (
                serde_json::json!({"api_key": "k", "token_ttl_seconds": 60, "refresh_ttl_seconds": 59}),
                "refresh_ttl_seconds",
            ),
            (
                serde_json::json!({"api_key": "k", "network_id": "a b"}),
                "network_id",
            ),
            (
                serde_json::json!({"api_key": "k", "jwt_secret": "short"}),
                "jwt_secret",
            ),
            (
                serde_json::json!({"api_key": "k", "server_key": "short"}),
                "server_key",
            ),
            // What the `x-api-key` and `x-server-key` headers cannot send as it is.
            (serde_json::json!({"api_key": " k"}), "api_key"),
            (serde_json::json!({"api_key": "k\n"}), "api_key"),
            (serde_json::json!({"api_key": "clé"}), "api_key"),
            (
                serde_json::json!({"api_key": "k", "server_key": "server-key "}),
                "server_key",
            ),
            (
                serde_json::json!({"api_key": "k", "server_key": "server-clé"}),
                "server_key",
            ),
            (
                serde_json::json!({"api_key": "k", "max_sessions_per_user": 0}),
                "max_sessions_per_user",
            ),
            (
                serde_json::json!({"api_key": "k", "last_cache_purge": "yesterday"}),
                "last_cache_purge",
            ),
            (
                serde_json::json!({"api_key": "k", "roles": [{"role_id": "m", "permissions": ["ban"]}]}),
                "roles",
            ),
            (
                serde_json::json!({"api_key": "k", "default_user_roles": ["nope"]}),
                "default_user_roles",
            ),
        ] {
            assert_eq!(net(doc.clone()).validate().unwrap_err().0, key, "{doc}");
        }
    }

    #[test]
    fn every_bound_is_checked_on_both_sides() {
        use api_testkit::bounds::{Edge, Range};
        use serde_json::{json, Value};
        /// One network: `{"api_key": "k"}` with `change` over it.
        fn network(change: Value) -> Vec<NetworkSettings> {
            let mut doc = json!({"api_key": "k"});
            doc.as_object_mut()
                .unwrap()
                .extend(change.as_object().unwrap().clone());
            vec![net(doc)]
        }
        fn text(n: u64) -> String {
            "s".repeat(n as usize)
        }
        fn keys(n: u64) -> Vec<KeySettings> {
            flavor_kit::signing_keys::test_keys::ring(n as usize)
        }
        let base = || Settings {
            networks: network(json!({})),
            ..Settings::default()
        };
        let ttl = MAX_TTL_SECONDS;
        // (the key the refusal names, how to set it, lowest accepted, highest accepted): one
        // step outside either end is refused.
        let ranges: [Range<Settings>; 9] = [
            (
                "networks[0].api_key",
                |s, n| s.networks = network(json!({"api_key": text(n)})),
                1,
                256,
            ),
            (
                "networks[0].server_key",
                |s, n| s.networks = network(json!({"server_key": text(n)})),
                8,
                256,
            ),
            (
                "networks[0].token_ttl_seconds",
                |s, n| s.networks = network(json!({"token_ttl_seconds": n})),
                1,
                ttl,
            ),
            (
                "networks[0].refresh_ttl_seconds",
                |s, n| s.networks = network(json!({"refresh_ttl_seconds": n})),
                DEFAULT_TOKEN_TTL_SECONDS,
                ttl,
            ),
            (
                "networks[0].network_id",
                |s, n| s.networks = network(json!({"network_id": text(n)})),
                1,
                64,
            ),
            (
                "networks[0].name",
                |s, n| s.networks = network(json!({"name": text(n)})),
                1,
                100,
            ),
            (
                "networks[0].max_sessions_per_user",
                |s, n| s.networks = network(json!({"max_sessions_per_user": n})),
                1,
                10_000,
            ),
            (
                "networks[0].auth_token_ttl_seconds",
                |s, n| s.networks = network(json!({"auth_token_ttl_seconds": n})),
                1,
                ttl,
            ),
            (
                "networks[0].roles",
                |s, n| {
                    s.networks = network(json!({"roles": [{"role_id": "r".repeat(n as usize)}]}))
                },
                1,
                100,
            ),
        ];
        // (the key the refusal names, how to set it, accepted, refused one step past it)
        let edges: [Edge<Settings>; 4] = [
            // A name is not blank (1: `s`, 0: a space) and holds no control character.
            (
                "networks[0].name",
                |s, n| s.networks = network(json!({"name": if n == 1 { "s" } else { " " }})),
                1,
                0,
            ),
            (
                "networks[0].name",
                |s, n| s.networks = network(json!({"name": if n == 1 { "a b" } else { "a\tb" }})),
                1,
                0,
            ),
            (
                "networks[0].jwt_secret",
                |s, n| s.networks = network(json!({"jwt_secret": text(n)})),
                MIN_JWT_SECRET_LEN as u64,
                MIN_JWT_SECRET_LEN as u64 - 1,
            ),
            (
                "signing_keys: at most 16 keys",
                |s, n| s.signing_keys = keys(n),
                16,
                17,
            ),
        ];
        api_testkit::check_bounds(base, Settings::validate, &ranges, &edges);
    }

    #[test]
    fn duplicates_are_refused() {
        let s = Settings {
            networks: vec![
                net(serde_json::json!({"api_key": "k"})),
                net(serde_json::json!({"api_key": "k"})),
            ],
            ..Settings::default()
        };
        assert!(s.validate().unwrap_err().contains("networks[1].api_key"));
        let s = Settings {
            networks: vec![
                net(serde_json::json!({"api_key": "a", "network_id": "n"})),
                net(serde_json::json!({"api_key": "b", "network_id": "n"})),
            ],
            ..Settings::default()
        };
        assert!(s.validate().unwrap_err().contains("networks[1].network_id"));
    }

    #[test]
    fn signing_keys_are_checked() {
        let key = |kid: &str, secret: &str| KeySettings {
            kid: kid.into(),
            secret: Some(secret.into()),
            ..KeySettings::default()
        };
        let mut s = Settings {
            signing_keys: vec![key("2025-06", &"s".repeat(32))],
            ..Settings::default()
        };
        assert!(s.validate().is_ok());
        s.signing_keys.push(key("old", "short"));
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("signing_keys[1].secret"));
        s.signing_keys[1] = key(&"ab".repeat(16), &"s".repeat(32));
        assert!(s.validate().unwrap_err().starts_with("signing_keys[1].kid"));
    }
}
