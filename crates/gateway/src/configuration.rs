//! Settings, layered with the `config` crate: the built-in `config/default.toml`, then
//! `config/$APP_ENV.toml` when present, then `--config FILE`, then `GATEWAY__SECTION__KEY`
//! environment variables. Names are an operator contract (docs/configuration.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::{Deserialize, Serialize};
use session_core::Flavor;

use crate::flavors::{self, LoadError, Sections};
use crate::telemetry::LogSettings;

/// The defaults compiled into the binary, so it runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Environments in which the built-in `token_secret` and short secrets are tolerated.
const RELAXED_ENVIRONMENTS: [&str; 2] = ["local", "test"];

/// The gateway's own sections; every other top-level key is a flavor's section.
const GATEWAY_SECTIONS: [&str; 5] = ["server", "store", "flavors", "admin", "log"];

/// Keys of the gateway's own sections whose values are secrets.
const GATEWAY_SECRET_KEYS: [&str; 5] = [
    "token_secret",
    "token",
    "previous_token_secrets",
    "secrets_key",
    "previous_secrets_keys",
];

/// Everything the gateway runs with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `APP_ENV` at load time (`local` when unset).
    #[serde(skip)]
    pub environment: String,
    /// `[server]`.
    pub server: ServerSettings,
    /// `[store]`.
    pub store: StoreSettings,
    /// `[flavors]`.
    pub flavors: FlavorSettings,
    /// `[admin]`.
    #[serde(default)]
    pub admin: AdminSettings,
    /// `[log]`.
    #[serde(default)]
    pub log: LogSettings,
    /// Every flavor's section (`[quickblox]`, `[amity]`, `[quicksync]`, `[session_storage]`),
    /// loaded and checked by the flavor (its defaults when absent).
    #[serde(skip)]
    pub sections: Sections,
}

/// `[server]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Worker threads (0: one per core).
    #[serde(default)]
    pub workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout_secs: u64,
    /// PEM certificate chain; with `tls_key`, the gateway serves HTTPS.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
}

fn default_shutdown_timeout() -> u64 {
    30
}

/// Which store backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The embedded in-memory store.
    Memory,
    /// Redis, single node or cluster.
    Redis,
}

/// `[store]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// `memory` or `redis`.
    pub backend: Backend,
    /// Single-node Redis URL.
    pub url: String,
    /// Redis Cluster seed nodes; non-empty selects cluster mode.
    #[serde(default)]
    pub cluster_urls: Vec<String>,
    /// Prefix of every Redis key.
    pub key_prefix: String,
    /// HMAC key for hashing tokens at rest (the active key of the token key ring).
    pub token_secret: String,
    /// Earlier `token_secret`s, newest first: lookups that miss under the active key try them,
    /// so rotating the key signs nobody out (see docs/operations.md).
    #[serde(default)]
    pub previous_token_secrets: Vec<String>,
    /// 32 random bytes (base64) that seal run-time tenant documents at rest (AES-256-GCM);
    /// documents are stored plain when unset.
    #[serde(default)]
    pub secrets_key: Option<String>,
    /// Earlier `secrets_key`s, newest first: they open what they sealed until
    /// `session-gateway rotate-secrets` has sealed it again under `secrets_key`.
    #[serde(default)]
    pub previous_secrets_keys: Vec<String>,
    /// Upper bound on every store call.
    pub timeout_ms: u64,
    /// PEM file of the CA that signed the Redis server's certificate (`rediss://`); the system
    /// roots when unset.
    #[serde(default)]
    pub tls_ca_file: Option<String>,
    /// PEM file of a client certificate for Redis (mutual TLS), with `tls_key_file`.
    #[serde(default)]
    pub tls_cert_file: Option<String>,
    /// PEM file of the client certificate's key.
    #[serde(default)]
    pub tls_key_file: Option<String>,
    /// The embedded memory store.
    #[serde(default)]
    pub memory: MemorySettings,
}

/// `[store.memory]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemorySettings {
    /// Most sessions held; a create beyond it answers 503 (after expired ones are dropped).
    pub max_sessions: usize,
}

impl Default for MemorySettings {
    fn default() -> Self {
        Self {
            max_sessions: session_core::memory::DEFAULT_MAX_SESSIONS,
        }
    }
}

/// `[flavors]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlavorSettings {
    /// The flavors this process serves.
    pub enabled: Vec<Flavor>,
}

/// `[admin]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSettings {
    /// Bearer for `/admin/v1/*`; the admin API is off when unset.
    #[serde(default)]
    pub token: Option<String>,
}

/// A configuration that cannot be run, with a one-line reason.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or parsed.
    #[error("{0}")]
    Load(String),
    /// The layers parsed but a value is not acceptable.
    #[error("{key}: {reason}")]
    Invalid {
        /// The dotted key at fault.
        key: String,
        /// Why.
        reason: String,
    },
}

fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// Where the layers come from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `APP_ENV`; `local` when `None`.
    pub environment: Option<String>,
    /// Directory holding `$APP_ENV.toml` overlays; none read when `None`.
    pub config_dir: Option<PathBuf>,
    /// `--config FILE`.
    pub file: Option<PathBuf>,
    /// TOML text layered after the file (tests).
    pub overlay: Option<String>,
    /// Whether `GATEWAY__*` environment variables apply.
    pub env_vars: bool,
}

impl Settings {
    /// Loads the settings the binary runs with: `APP_ENV`, `config/` (or `$GATEWAY_CONFIG_DIR`),
    /// `file`, and environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(Sources {
            environment: std::env::var("APP_ENV").ok(),
            config_dir: Some(
                std::env::var_os("GATEWAY_CONFIG_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("config")),
            ),
            file: file.map(Path::to_path_buf),
            overlay: None,
            env_vars: true,
        })
    }

    /// Loads from explicit sources, then validates.
    pub fn load_from(sources: Sources) -> Result<Self, ConfigError> {
        let environment = sources.environment.unwrap_or_else(|| "local".into());
        let mut builder =
            Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
        if let Some(dir) = &sources.config_dir {
            let overlay = dir.join(format!("{environment}.toml"));
            builder = builder.add_source(File::from(overlay).required(false));
        }
        if let Some(file) = &sources.file {
            if !file.is_file() {
                return Err(ConfigError::Load(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            builder = builder.add_source(File::from(file.as_path()).required(true));
        }
        if let Some(text) = &sources.overlay {
            builder = builder.add_source(File::from_str(text, FileFormat::Toml));
        }
        if sources.env_vars {
            builder = builder.add_source(
                Environment::with_prefix("GATEWAY")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("flavors.enabled")
                    .with_list_parse_key("store.cluster_urls")
                    .with_list_parse_key("store.previous_token_secrets")
                    .with_list_parse_key("store.previous_secrets_keys"),
            );
        }
        let config = builder
            .build()
            .map_err(|e| ConfigError::Load(one_line(&e.to_string())))?;
        refuse_unknown_sections(&config)?;
        let mut settings: Settings = config
            .clone()
            .try_deserialize()
            .map_err(|e| ConfigError::Load(one_line(&e.to_string())))?;
        settings.environment = environment;
        settings.validate()?;
        settings.sections = Sections::load(&config).map_err(|(section, e)| match e {
            LoadError::Parse(reason) => ConfigError::Load(one_line(&reason)),
            LoadError::Invalid(reason) => invalid(section, reason),
        })?;
        Ok(settings)
    }

    /// Whether the environment tolerates development secrets.
    pub fn is_relaxed(&self) -> bool {
        RELAXED_ENVIRONMENTS.contains(&self.environment.as_str())
    }

    /// Checks every value of the gateway's own sections that a parse cannot (each flavor checks
    /// its section as it is loaded).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.server;
        if !(1024..=16 * 1024 * 1024).contains(&s.max_body_bytes) {
            return Err(invalid(
                "server.max_body_bytes",
                "must be between 1024 and 16777216",
            ));
        }
        if s.tls_cert.is_some() != s.tls_key.is_some() {
            return Err(invalid(
                "server.tls_cert",
                "tls_cert and tls_key must be set together",
            ));
        }
        for (key, path) in [
            ("server.tls_cert", &s.tls_cert),
            ("server.tls_key", &s.tls_key),
        ] {
            if let Some(p) = path {
                if !p.is_file() {
                    return Err(invalid(
                        key,
                        format!("{} is not a readable file", p.display()),
                    ));
                }
            }
        }
        let st = &self.store;
        if st.memory.max_sessions == 0 {
            return Err(invalid("store.memory.max_sessions", "must be at least 1"));
        }
        if !(1..=60_000).contains(&st.timeout_ms) {
            return Err(invalid("store.timeout_ms", "must be between 1 and 60000"));
        }
        if st.key_prefix.is_empty()
            || st.key_prefix.len() > 64
            || st
                .key_prefix
                .chars()
                .any(|c| c.is_whitespace() || c == '{' || c == '}')
        {
            return Err(invalid(
                "store.key_prefix",
                "must be 1-64 characters without spaces or braces",
            ));
        }
        if st.backend == Backend::Redis {
            let urls = std::iter::once(&st.url).chain(st.cluster_urls.iter());
            for url in urls {
                if !url.starts_with("redis://") && !url.starts_with("rediss://") {
                    return Err(invalid(
                        "store.url",
                        "is not a redis:// or rediss:// URL".to_owned(),
                    ));
                }
            }
        }
        if st.backend == Backend::Redis {
            // Parses every URL without connecting.
            let redis = st.redis_settings().map_err(|e| match e {
                session_core::Error::Invalid { field, reason } => invalid(&field, reason),
                other => invalid("store", other.to_string()),
            })?;
            session_redis::RedisStore::new(redis, std::sync::Arc::new(session_core::SystemClock))
                .map_err(|e| invalid("store.url", e.to_string()))?;
        }
        if st.token_secret.is_empty() {
            return Err(invalid("store.token_secret", "must not be empty"));
        }
        if !self.is_relaxed() && (st.token_secret == "change-me" || st.token_secret.len() < 16) {
            return Err(invalid(
                "store.token_secret",
                format!(
                    "set a random secret of at least 16 characters (GATEWAY__STORE__TOKEN_SECRET); \
                     the default is only accepted with APP_ENV=local or test, not `{}`",
                    self.environment
                ),
            ));
        }
        crate::ring_rules::validate(
            &crate::ring_rules::Rings {
                token_secret: &st.token_secret,
                previous_token_secrets: &st.previous_token_secrets,
                secrets_key: st.secrets_key.as_deref(),
                previous_secrets_keys: &st.previous_secrets_keys,
            },
            self.is_relaxed(),
        )
        .map_err(|(key, reason)| invalid(key, reason))?;
        if let Some(token) = &self.admin.token {
            if token.is_empty() || (!self.is_relaxed() && token.len() < 16) {
                return Err(invalid(
                    "admin.token",
                    "must be at least 16 characters (or unset to turn the admin API off)",
                ));
            }
        }
        let enabled = &self.flavors.enabled;
        if enabled.is_empty() {
            return Err(invalid("flavors.enabled", "name at least one flavor"));
        }
        for (i, f) in enabled.iter().enumerate() {
            if enabled[..i].contains(f) {
                return Err(invalid("flavors.enabled", format!("`{f}` is listed twice")));
            }
        }
        Ok(())
    }

    /// Whether `flavor` is served by this process.
    pub fn serves(&self, flavor: Flavor) -> bool {
        self.flavors.enabled.contains(&flavor)
    }

    /// The effective settings as TOML, every secret replaced by `********`.
    pub fn masked_toml(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            for (name, section) in self.sections.named() {
                map.insert(name.to_owned(), section.to_value());
            }
        }
        drop_nulls(&mut value);
        flavor_kit::tenants::mask(&mut value, &secret_keys());
        let body =
            toml::to_string_pretty(&value).unwrap_or_else(|e| format!("# unprintable: {e}\n"));
        format!("# environment: {}\n{body}", self.environment)
    }
}

/// Keys whose values are secrets wherever they appear: the gateway's and every flavor's (and any
/// key ending in `_secret`).
pub fn secret_keys() -> Vec<&'static str> {
    GATEWAY_SECRET_KEYS
        .into_iter()
        .chain(flavors::secret_keys())
        .collect()
}

/// Drops nulls (TOML has none).
fn drop_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Refuses a top-level key that is neither a section of the gateway nor one of a flavor.
fn refuse_unknown_sections(config: &Config) -> Result<(), ConfigError> {
    let keys: BTreeMap<String, serde::de::IgnoredAny> = config
        .clone()
        .try_deserialize()
        .map_err(|e| ConfigError::Load(one_line(&e.to_string())))?;
    let known: Vec<&str> = GATEWAY_SECTIONS
        .into_iter()
        .chain(flavors::all().map(|r| r.section()))
        .collect();
    match keys.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(unknown) => Err(ConfigError::Load(format!(
            "unknown field `{unknown}`, expected one of {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(overlay: &str, env: &str) -> Result<Settings, ConfigError> {
        Settings::load_from(Sources {
            environment: Some(env.into()),
            overlay: Some(overlay.into()),
            ..Default::default()
        })
    }

    #[test]
    fn built_in_defaults_load() {
        let s = load("", "local").unwrap();
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.store.backend, Backend::Memory);
        assert_eq!(s.flavors.enabled.len(), 4);
    }

    #[test]
    fn default_secret_is_refused_in_production() {
        let e = load("", "production").unwrap_err().to_string();
        assert!(e.starts_with("store.token_secret:"), "{e}");
        assert!(!e.contains('\n'));
        assert!(load(
            "[store]\ntoken_secret = \"0123456789abcdef0123\"",
            "production"
        )
        .is_ok());
    }

    #[test]
    fn bad_values_get_one_line_errors() {
        for (overlay, key) in [
            ("[flavors]\nenabled = []", "flavors.enabled"),
            (
                "[flavors]\nenabled = [\"amity\", \"amity\"]",
                "flavors.enabled",
            ),
            ("[store]\ntimeout_ms = 0", "store.timeout_ms"),
            ("[store]\nkey_prefix = \"a{b}\"", "store.key_prefix"),
            ("[server]\ntls_cert = \"/nope.pem\"", "server.tls_cert"),
            ("[server]\nmax_body_bytes = 1", "server.max_body_bytes"),
            (
                "[store]\nbackend = \"redis\"\nurl = \"http://x\"",
                "store.url",
            ),
            (
                "[store]\nbackend = \"redis\"\nurl = \"rediss://x:6380\"\ntls_ca_file = \"/nope.pem\"",
                "store.tls_ca_file",
            ),
            ("[store.memory]\nmax_sessions = 0", "store.memory.max_sessions"),
            (
                "[store]\nbackend = \"redis\"\nurl = \"redis://host:notaport\"",
                "store.url",
            ),
        ] {
            let e = load(overlay, "local").unwrap_err().to_string();
            assert!(e.starts_with(key), "{overlay}: {e}");
        }
        let e = load("[flavors]\nenabled = [\"nope\"]", "local")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
        let e = load("[server]\nprot = 1", "local").unwrap_err().to_string();
        assert!(e.contains("prot"), "{e}");
    }

    #[test]
    fn unknown_sections_are_refused_and_flavor_sections_checked() {
        let e = load("[nope]\nx = 1", "local").unwrap_err().to_string();
        assert!(e.starts_with("unknown field `nope`"), "{e}");
        let e = load("[quickblox]\nsession_ttl_seconds = 1", "local")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("quickblox: session_ttl_seconds"), "{e}");
        let e = load("[amity]\nnetworks = 3", "local")
            .unwrap_err()
            .to_string();
        assert!(e.contains("networks"), "{e}");
        let s = load("[session_storage]\nmax_page_size = 50", "local").unwrap();
        let storage = s.sections.get(Flavor::SessionStorage).unwrap().to_value();
        assert_eq!(storage["max_page_size"], 50);
    }

    #[test]
    fn masked_output_hides_every_secret() {
        let s = load(
            "[store]\ntoken_secret = \"topsecret-value-1234\"\n[admin]\ntoken = \"admin-secret-xyz\"",
            "local",
        )
        .unwrap();
        let shown = s.masked_toml();
        assert!(!shown.contains("topsecret-value-1234"));
        assert!(!shown.contains("admin-secret-xyz"));
        assert!(shown.contains("token_secret = \"********\""));
        assert!(shown.contains("[store]"));
    }
}
