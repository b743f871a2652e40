//! The `[quicksync]` configuration section (docs/quicksync.md lists every key and default).

use std::str::FromStr;

use flavor_kit::headers;
use flavor_kit::signing_keys::{KeyRing, KeySettings};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::{Deserialize, Serialize};

/// The flavor's configuration section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[[quicksync.api_keys]]`: the keys accepted in `X-API-KEY` on `POST /v1/session`.
    pub api_keys: Vec<ApiKey>,
    /// `[quicksync.wallet_token]`: the wallet bearer (JWT).
    pub wallet_token: WalletTokenSettings,
    /// `[quicksync.wallet_proof]`: the signed-nonce exchange.
    pub wallet_proof: WalletProofSettings,
    /// `[quicksync.rules]`: session rule defaults and bounds.
    pub rules: RulesSettings,
    /// `[quicksync.throttle]`: failed credential checks tolerated per client address (API keys,
    /// wallet proofs, session passwords) and per session (its password).
    pub throttle: flavor_kit::ThrottleSettings,
}

/// One API key (a tenant).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiKey {
    /// The key clients send in `X-API-KEY`.
    pub key: String,
    /// The tenant id sessions created with this key belong to; derived from the key when unset.
    pub name: Option<String>,
}

/// `[quicksync.wallet_token]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalletTokenSettings {
    /// HS256 key that signs the wallet bearers issued by `/v1/wallet-proof/verify` and verifies
    /// every wallet bearer, including those minted by an operator's own verifier.
    pub hs256_secret: String,
    /// Lifetime of an issued wallet bearer.
    pub ttl_seconds: u64,
    /// When set, issued bearers carry this `iss` and presented ones must.
    pub issuer: Option<String>,
    /// When set, issued bearers carry this `aud` and presented ones must.
    pub audience: Option<String>,
    /// A PEM public key (`-----BEGIN PUBLIC KEY-----`) that verifies wallet bearers minted by an
    /// operator's own verifier, with the algorithm `public_key_algorithm`. Optional; bearers
    /// signed with `hs256_secret` stay accepted.
    pub public_key_pem: Option<String>,
    /// The one algorithm accepted with `public_key_pem`: ES256, ES384, RS256, RS384, RS512,
    /// PS256, PS384, PS512 or EdDSA.
    pub public_key_algorithm: Option<String>,
    /// `[[quicksync.wallet_token.keys]]`: keys with a `kid`. The first that can sign (an HS256
    /// `secret`, an ES256 or EdDSA `private_key_pem`) signs the bearers
    /// `/v1/wallet-proof/verify` issues (instead of `hs256_secret`); every one verifies the
    /// bearers whose header names its `kid` (a `public_key_pem` only verifies), until removed.
    pub keys: Vec<KeySettings>,
}

impl Default for WalletTokenSettings {
    fn default() -> Self {
        Self {
            hs256_secret: String::new(),
            ttl_seconds: 900,
            issuer: None,
            audience: None,
            public_key_pem: None,
            public_key_algorithm: None,
            keys: Vec::new(),
        }
    }
}

impl WalletTokenSettings {
    /// The configured public key and its algorithm, or why they cannot be used.
    pub fn public_key(&self) -> Result<Option<(DecodingKey, Algorithm)>, String> {
        let (pem, alg) = match (&self.public_key_pem, &self.public_key_algorithm) {
            (None, None) => return Ok(None),
            (Some(pem), Some(alg)) => (pem.as_bytes(), alg.as_str()),
            _ => {
                return Err(
                    "wallet_token.public_key_pem: set it together with public_key_algorithm".into(),
                )
            }
        };
        let bad_alg = || {
            format!("wallet_token.public_key_algorithm: `{alg}` is not ES256, ES384, RS256, RS384, RS512, PS256, PS384, PS512 or EdDSA")
        };
        let alg = Algorithm::from_str(alg).map_err(|_| bad_alg())?;
        let key = flavor_kit::signing_keys::public_key_from_pem(alg, pem).ok_or_else(bad_alg)?;
        key.map(|k| Some((k, alg))).map_err(|e| {
            format!("wallet_token.public_key_pem: not a usable {alg:?} public key: {e}")
        })
    }
}

/// `[quicksync.wallet_proof]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalletProofSettings {
    /// How long a nonce from `/v1/wallet-proof/nonce` may be redeemed.
    pub nonce_ttl_seconds: u64,
    /// The first line of the message a wallet signs.
    pub statement: String,
}

impl Default for WalletProofSettings {
    fn default() -> Self {
        Self {
            nonce_ttl_seconds: 600,
            statement: "Sign this message to prove that you own this wallet.".into(),
        }
    }
}

/// `[quicksync.rules]`: defaults applied when a create request leaves a rule out, and the bounds a
/// request must stay within (out-of-bound values are refused with 422, never clamped).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesSettings {
    /// `userCapacity` when unset (the host counts).
    pub default_user_capacity: u32,
    /// Largest `userCapacity` accepted.
    pub max_user_capacity: u32,
    /// `expiryDurationInSeconds` when unset.
    pub default_expiry_seconds: u32,
    /// Smallest `expiryDurationInSeconds` accepted.
    pub min_expiry_seconds: u32,
    /// Largest `expiryDurationInSeconds` accepted.
    pub max_expiry_seconds: u32,
    /// `maxFiles` reported for every session.
    pub max_files: u32,
    /// `maxTotalMegaBytes` reported for every session.
    pub max_total_megabytes: u64,
    /// Longest `identity.name`, in characters.
    pub max_name_length: usize,
    /// Longest `identity.chainAddress`, in characters.
    pub max_chain_address_length: usize,
    /// Longest session password, in characters.
    pub max_password_length: usize,
    /// Most whitelisted addresses per session.
    pub max_whitelist_addresses: usize,
}

impl Default for RulesSettings {
    fn default() -> Self {
        Self {
            default_user_capacity: 10,
            max_user_capacity: 100,
            default_expiry_seconds: 3600,
            min_expiry_seconds: 60,
            max_expiry_seconds: 86_400,
            max_files: 100,
            max_total_megabytes: 1024,
            max_name_length: 64,
            max_chain_address_length: 128,
            max_password_length: 128,
            max_whitelist_addresses: 100,
        }
    }
}

/// Upper bound on `max_user_capacity` (a group's roll is read whole by `GET /session/current`).
pub const USER_CAPACITY_LIMIT: u32 = 10_000;
/// Upper bound on lifetimes (`expiresIn` is an int32 on the wire; 30 days is plenty).
pub const SECONDS_LIMIT: u32 = 30 * 24 * 3600;

/// Longest API key, in bytes (keys are ASCII).
pub const MAX_KEY_LEN: usize = 512;

/// An API key as configured or stored at run time: what an `X-API-KEY` header can send.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !headers::carries(key) {
        return Err(format!(
            "must be 1-{MAX_KEY_LEN} printable ASCII characters, no space at either end"
        ));
    }
    Ok(())
}

/// An API key's `name` (its tenant id).
pub fn check_key_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.chars().count() > 128 {
        return Err("must be 1-128 characters".to_owned());
    }
    Ok(())
}

impl Settings {
    /// Acceptable but unwise values, for the gateway to log once at start-up.
    pub fn warnings(&self) -> Vec<String> {
        let secret = &self.wallet_token.hs256_secret;
        if !secret.is_empty() && secret.len() < 32 {
            vec!["quicksync: wallet_token.hs256_secret is shorter than 32 bytes".to_owned()]
        } else {
            Vec::new()
        }
    }

    /// Checks the section; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        self.throttle.validate()?;
        for (i, k) in self.api_keys.iter().enumerate() {
            if let Err(reason) = check_key(&k.key) {
                return Err(format!("api_keys[{i}].key: {reason}"));
            }
            if self.api_keys[..i].iter().any(|o| o.key == k.key) {
                return Err(format!("api_keys[{i}].key: is listed twice"));
            }
            if let Err(reason) = k.name.as_deref().map_or(Ok(()), check_key_name) {
                return Err(format!("api_keys[{i}].name: {reason}"));
            }
        }
        let wt = &self.wallet_token;
        KeyRing::new(&wt.keys).map_err(|e| format!("wallet_token.keys{e}"))?;
        if !self.api_keys.is_empty()
            && wt.hs256_secret.is_empty()
            && wt.public_key_pem.is_none()
            && wt.keys.is_empty()
        {
            return Err(
                "wallet_token.hs256_secret: must be set (or public_key_pem, or keys) when api_keys are"
                    .into(),
            );
        }
        wt.public_key()?;
        if !(1..=u64::from(SECONDS_LIMIT)).contains(&wt.ttl_seconds) {
            return Err(format!(
                "wallet_token.ttl_seconds: must be between 1 and {SECONDS_LIMIT}"
            ));
        }
        let wp = &self.wallet_proof;
        if !(10..=86_400).contains(&wp.nonce_ttl_seconds) {
            return Err("wallet_proof.nonce_ttl_seconds: must be between 10 and 86400".into());
        }
        if wp.statement.trim().is_empty()
            || wp.statement.chars().count() > 500
            || wp.statement.contains(['\n', '\r'])
        {
            return Err("wallet_proof.statement: must be one line of 1-500 characters".into());
        }
        self.rules.validate()
    }
}

impl RulesSettings {
    fn validate(&self) -> Result<(), String> {
        if !(1..=self.max_user_capacity).contains(&self.default_user_capacity)
            || self.max_user_capacity > USER_CAPACITY_LIMIT
        {
            return Err(format!(
                "rules: need 1 <= default_user_capacity <= max_user_capacity <= {USER_CAPACITY_LIMIT}"
            ));
        }
        if !(1..=self.default_expiry_seconds).contains(&self.min_expiry_seconds)
            || self.default_expiry_seconds > self.max_expiry_seconds
            || self.max_expiry_seconds > SECONDS_LIMIT
        {
            return Err(format!(
                "rules: need 1 <= min_expiry_seconds <= default_expiry_seconds <= max_expiry_seconds <= {SECONDS_LIMIT}"
            ));
        }
        if self.max_files > i32::MAX as u32 {
            return Err("rules.max_files: must fit an int32".into());
        }
        for (key, v) in [
            ("max_name_length", self.max_name_length),
            ("max_chain_address_length", self.max_chain_address_length),
            ("max_password_length", self.max_password_length),
        ] {
            if !(1..=1024).contains(&v) {
                return Err(format!("rules.{key}: must be between 1 and 1024"));
            }
        }
        if self.max_whitelist_addresses > 10_000 {
            return Err("rules.max_whitelist_addresses: must be at most 10000".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_wallet_secret_is_warned_about_not_refused() {
        let mut s = Settings::default();
        s.wallet_token.hs256_secret = "short".into();
        assert!(s.validate().is_ok());
        assert_eq!(s.warnings().len(), 1);
        s.wallet_token.hs256_secret = "x".repeat(32);
        assert!(s.warnings().is_empty());
    }

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let s = Settings::default();
        assert!(s.validate().is_ok());
        assert_eq!(s.wallet_token.ttl_seconds, 900);
        assert_eq!(s.rules.default_user_capacity, 10);
        assert_eq!(s.rules.max_expiry_seconds, 86_400);
    }

    #[test]
    fn bad_values_name_their_key() {
        let mut s = Settings::default();
        s.api_keys.push(ApiKey {
            key: "k".into(),
            name: None,
        });
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("wallet_token.hs256_secret"));
        s.wallet_token.hs256_secret = "secret".into();
        assert!(s.validate().is_ok());
        s.api_keys.push(s.api_keys[0].clone());
        assert!(s.validate().unwrap_err().starts_with("api_keys[1].key"));
        // What an `X-API-KEY` header cannot send as it is.
        for unsendable in [" k2", "k2 ", "k\t2", "clé"] {
            s.api_keys[1].key = unsendable.into();
            let e = s.validate().unwrap_err();
            assert!(
                e.starts_with("api_keys[1].key: must be"),
                "{unsendable:?}: {e}"
            );
        }
        s.api_keys[1].key = "k 2".into();
        assert!(s.validate().is_ok());
        s.api_keys.pop();
        s.rules.default_user_capacity = 101;
        assert!(s.validate().unwrap_err().starts_with("rules"));
        s.rules.default_user_capacity = 10;
        s.rules.min_expiry_seconds = 7200;
        assert!(s.validate().unwrap_err().starts_with("rules"));
    }

    #[test]
    fn every_bound_is_checked_on_both_sides() {
        use api_testkit::bounds::{Edge, Range};
        fn text(n: u64) -> String {
            "k".repeat(n as usize)
        }
        fn keys(n: u64) -> Vec<KeySettings> {
            flavor_kit::signing_keys::test_keys::ring(n as usize)
        }
        let seconds = u64::from(SECONDS_LIMIT);
        let max_files = i32::MAX as u64;
        // (the key the refusal names, how to set it, lowest accepted, highest accepted):
        // one step outside either end is refused.
        let ranges: [Range<Settings>; 11] = [
            (
                "api_keys[0].key",
                |s, n| s.api_keys[0].key = text(n),
                1,
                512,
            ),
            (
                "api_keys[0].name",
                |s, n| s.api_keys[0].name = Some(text(n)),
                1,
                128,
            ),
            (
                "wallet_token.ttl_seconds",
                |s, n| s.wallet_token.ttl_seconds = n,
                1,
                seconds,
            ),
            (
                "wallet_proof.nonce_ttl_seconds",
                |s, n| s.wallet_proof.nonce_ttl_seconds = n,
                10,
                86_400,
            ),
            (
                "wallet_proof.statement",
                |s, n| s.wallet_proof.statement = text(n),
                1,
                500,
            ),
            (
                "rules",
                |s, n| s.rules.default_user_capacity = n as u32,
                1,
                100,
            ),
            (
                "rules",
                |s, n| s.rules.default_expiry_seconds = n as u32,
                60,
                86_400,
            ),
            (
                "rules.max_name_length",
                |s, n| s.rules.max_name_length = n as usize,
                1,
                1024,
            ),
            (
                "rules.max_chain_address_length",
                |s, n| s.rules.max_chain_address_length = n as usize,
                1,
                1024,
            ),
            (
                "rules.max_password_length",
                |s, n| s.rules.max_password_length = n as usize,
                1,
                1024,
            ),
            (
                "throttle.window_secs",
                |s, n| s.throttle.window_secs = n,
                1,
                86_400,
            ),
        ];
        // (the key the refusal names, how to set it, accepted, refused one step past it)
        let edges: [Edge<Settings>; 8] = [
            (
                "wallet_token.keys",
                |s, n| s.wallet_token.keys = keys(n),
                16,
                17,
            ),
            (
                "rules",
                |s, n| s.rules.max_user_capacity = n as u32,
                u64::from(USER_CAPACITY_LIMIT),
                u64::from(USER_CAPACITY_LIMIT) + 1,
            ),
            (
                "rules",
                |s, n| s.rules.max_expiry_seconds = n as u32,
                seconds,
                seconds + 1,
            ),
            ("rules", |s, n| s.rules.min_expiry_seconds = n as u32, 1, 0),
            (
                "rules.max_files",
                |s, n| s.rules.max_files = n as u32,
                max_files,
                max_files + 1,
            ),
            (
                "rules.max_whitelist_addresses",
                |s, n| s.rules.max_whitelist_addresses = n as usize,
                10_000,
                10_001,
            ),
            // A header sends inner spaces as they are but loses them at either end: `k k`
            // (1) is a key, ` k` (0) is not.
            (
                "api_keys[0].key",
                |s, n| s.api_keys[0].key = if n == 1 { "k k" } else { " k" }.into(),
                1,
                0,
            ),
            // One line.
            (
                "wallet_proof.statement",
                |s, n| s.wallet_proof.statement = format!("a{}b", "\n".repeat(n as usize)),
                0,
                1,
            ),
        ];
        let base = || {
            let mut s = Settings::default();
            s.api_keys.push(ApiKey {
                key: "k".into(),
                name: None,
            });
            s.wallet_token.hs256_secret = "secret".into();
            s
        };
        api_testkit::check_bounds(base, Settings::validate, &ranges, &edges);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = serde_json::from_str::<Settings>(r#"{"rules": {"max_users": 3}}"#).unwrap_err();
        assert!(e.to_string().contains("max_users"));
    }
}
