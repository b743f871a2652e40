//! Settings, layered with the `config` crate: the built-in `config/default.toml`, then the
//! `$APP_ENV.toml` overlay (required for an environment other than `local` and `test`), then
//! `--config FILE`, then `GATEWAY__SECTION__KEY` environment variables. A value that cannot be
//! used is refused with its dotted key, the reason and the layer that set it. Names are an
//! operator contract (docs/configuration.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use config::Config;
use flavor_kit::client::TrustedProxies;
use serde::{Deserialize, Serialize};
use session_core::Flavor;

use crate::config_errors::{self, EnumValues, Fault};
use crate::config_layers::{self, one_line, Layer};
use crate::flavors::{self, LoadError, Sections};
use crate::session_settings::SessionSettings;
use crate::telemetry::{LogFormat, LogSettings};
use crate::testing::settings::TestingSettings;

/// The defaults compiled into the binary, so it runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Environments in which the built-in `token_secret` and short secrets are tolerated.
const RELAXED_ENVIRONMENTS: [&str; 2] = ["local", "test"];

/// The gateway's own sections; every other top-level key is a flavor's section.
const GATEWAY_SECTIONS: [&str; 8] = [
    "server", "store", "flavors", "admin", "sessions", "log", "testing", "events",
];

/// Keys of the gateway's own sections whose values are secrets.
const GATEWAY_SECRET_KEYS: [&str; 6] = [
    "token_secret",
    "token",
    "previous_token_secrets",
    "secrets_key",
    "previous_secrets_keys",
    "secret",
];

/// Everything the gateway runs with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `APP_ENV` at load time (`local` when unset).
    #[serde(skip)]
    pub environment: String,
    /// The files read, by absolute path, in the order they were layered.
    #[serde(skip)]
    pub files: Vec<PathBuf>,
    /// `[server]`.
    pub server: ServerSettings,
    /// `[store]`.
    pub store: StoreSettings,
    /// `[flavors]`.
    pub flavors: FlavorSettings,
    /// `[admin]`.
    #[serde(default)]
    pub admin: AdminSettings,
    /// `[sessions]`.
    #[serde(default)]
    pub sessions: SessionSettings,
    /// `[log]`.
    #[serde(default)]
    pub log: LogSettings,
    /// `[testing]`: testing mode, off by default, refused in production.
    #[serde(default)]
    pub testing: TestingSettings,
    /// `[events]` and `[[events.webhooks]]`.
    #[serde(default)]
    pub events: crate::events::EventsSettings,
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
    /// How long in-flight requests may take to finish after SIGTERM/SIGINT; those still running
    /// then are dropped, and the process exits with status 3.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout_secs: u64,
    /// How long a request body may take to arrive whole; a slower one is answered 408 in the
    /// flavor's format and its connection closed.
    #[serde(default = "default_body_timeout")]
    pub body_timeout_secs: u64,
    /// How long a client may take to send a request's headers (the connection is closed
    /// after it).
    #[serde(default = "default_header_timeout")]
    pub header_timeout_secs: u64,
    /// How long an idle keep-alive connection stays open (0: no keep-alive).
    #[serde(default = "default_keep_alive")]
    pub keep_alive_secs: u64,
    /// Most connections held at once (every worker together), kept below the process's
    /// open-file limit: past it, new connections wait in the listen backlog.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Proxies (CIDRs or addresses) whose `X-Forwarded-For` names the client; empty: the peer
    /// address is the client, whatever the header says.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
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

fn default_body_timeout() -> u64 {
    10
}

fn default_header_timeout() -> u64 {
    5
}

fn default_keep_alive() -> u64 {
    5
}

fn default_max_connections() -> usize {
    10_000
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
    /// `[admin.throttle]`: wrong bearers tolerated per client address (the subject limit does
    /// not apply: there is one bearer).
    #[serde(default)]
    pub throttle: flavor_kit::ThrottleSettings,
}

/// A configuration that cannot be run, with a one-line reason.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be found, read or parsed.
    #[error("{0}")]
    Load(String),
    /// A value is not acceptable: the dotted key, why, and the layer that set it.
    #[error("{key}: {reason}{}", origin.as_deref().map(|o| format!(" (set in {o})")).unwrap_or_default())]
    Invalid {
        /// The dotted key at fault.
        key: String,
        /// Why.
        reason: String,
        /// Where the key was set: a file's absolute path, `built-in defaults`, or an environment
        /// variable.
        origin: Option<String>,
    },
}

fn invalid(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
        origin: None,
    }
}

impl ConfigError {
    /// The error with the layer that set its key, when it names one.
    fn placed(self, layers: &[Layer]) -> Self {
        match self {
            Self::Invalid {
                key,
                reason,
                origin: None,
            } => Self::Invalid {
                origin: config_layers::origin_of(layers, &key),
                key,
                reason,
            },
            other => other,
        }
    }
}

impl From<Fault> for ConfigError {
    fn from(f: Fault) -> Self {
        invalid(&f.key, f.reason)
    }
}

/// Where the layers come from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// `APP_ENV`; `local` when `None`.
    pub environment: Option<String>,
    /// Directory holding `$APP_ENV.toml` overlays; none read when `None` (an error for an
    /// environment other than `local` and `test`).
    pub config_dir: Option<PathBuf>,
    /// `--config FILE`.
    pub file: Option<PathBuf>,
    /// TOML text layered after the file (tests).
    pub overlay: Option<String>,
    /// Whether `GATEWAY__*` environment variables apply.
    pub env_vars: bool,
}

impl Settings {
    /// Loads the settings the binary runs with: `APP_ENV`, the overlay directory
    /// (`$GATEWAY_CONFIG_DIR`, or the `config/` found next to the binary), `file`, and
    /// environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(Sources {
            environment: std::env::var("APP_ENV").ok(),
            config_dir: config_layers::overlay_dir().map_err(ConfigError::Load)?,
            file: file.map(Path::to_path_buf),
            overlay: None,
            env_vars: true,
        })
    }

    /// Loads from explicit sources, then validates.
    pub fn load_from(sources: Sources) -> Result<Self, ConfigError> {
        let environment = sources.environment.unwrap_or_else(|| "local".into());
        let mut layers = vec![Layer::text(BUILT_IN, DEFAULT_TOML)];
        let mut files = Vec::new();
        if let Some(path) = overlay_file(&environment, sources.config_dir.as_deref())? {
            layers.push(Layer::file(&path).map_err(ConfigError::Load)?);
            files.push(path);
        }
        if let Some(file) = &sources.file {
            let path = config_layers::absolute(file);
            if !path.is_file() {
                return Err(ConfigError::Load(format!(
                    "config file {} does not exist (--config or GATEWAY_CONFIG)",
                    path.display()
                )));
            }
            layers.push(Layer::file(&path).map_err(ConfigError::Load)?);
            files.push(path);
        }
        if let Some(text) = &sources.overlay {
            layers.push(Layer::text("the overlay", text));
        }
        if sources.env_vars {
            layers.push(Layer::env());
        }
        Self::from_layers(environment, files, &layers).map_err(|e| e.placed(&layers))
    }

    fn from_layers(
        environment: String,
        files: Vec<PathBuf>,
        layers: &[Layer],
    ) -> Result<Self, ConfigError> {
        let config = layers
            .iter()
            .fold(Config::builder(), |b, l| l.add_to(b))
            .build()
            .map_err(|e| ConfigError::Load(one_line(&e.to_string())))?;
        refuse_unknown_sections(&config)?;
        let mut settings: Settings = config_errors::deserialize(config.clone(), &enums())?;
        settings.environment = environment;
        settings.files = files;
        settings.validate()?;
        settings.sections = Sections::load(&config).map_err(|(section, e)| match e {
            LoadError::Parse(fault) => ConfigError::from(fault),
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
        check_log_level(&self.log.level)?;
        let s = &self.server;
        if !(1024..=16 * 1024 * 1024).contains(&s.max_body_bytes) {
            return Err(invalid(
                "server.max_body_bytes",
                "must be between 1024 and 16777216",
            ));
        }
        for (key, value, range) in [
            ("server.body_timeout_secs", s.body_timeout_secs, 1..=300),
            ("server.header_timeout_secs", s.header_timeout_secs, 1..=300),
            ("server.keep_alive_secs", s.keep_alive_secs, 0..=3600),
            (
                "server.shutdown_timeout_secs",
                s.shutdown_timeout_secs,
                0..=3600,
            ),
        ] {
            if !range.contains(&value) {
                return Err(invalid(
                    key,
                    format!("must be between {} and {}", range.start(), range.end()),
                ));
            }
        }
        if !(16..=1_000_000).contains(&s.max_connections) {
            return Err(invalid(
                "server.max_connections",
                "must be between 16 and 1000000",
            ));
        }
        TrustedProxies::parse(&s.trusted_proxies)
            .map_err(|reason| invalid("server.trusted_proxies", reason))?;
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
        self.events
            .validate()
            .map_err(|(key, reason)| invalid(&key, reason))?;
        self.sessions
            .validate()
            .map_err(|(key, reason)| invalid(key, reason))?;
        self.testing
            .validate(&self.environment, self.admin.token.is_some())
            .map_err(|(key, reason)| invalid(key, reason))?;
        self.admin
            .throttle
            .validate()
            .map_err(|reason| invalid("admin", reason))?;
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

/// How messages name the built-in defaults.
const BUILT_IN: &str = "built-in defaults";

/// The overlay of `environment` in `dir`: optional for `local` and `test`, required (with the
/// directory) for any other environment.
fn overlay_file(environment: &str, dir: Option<&Path>) -> Result<Option<PathBuf>, ConfigError> {
    let well_formed = !environment.is_empty()
        && environment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        return Err(ConfigError::Load(format!(
            "APP_ENV: `{environment}` is not an environment name (letters, digits, - and _)"
        )));
    }
    let required = !RELAXED_ENVIRONMENTS.contains(&environment);
    let Some(dir) = dir else {
        return if required {
            Err(ConfigError::Load(format!(
                "APP_ENV={environment}: no overlay directory: none found next to the binary and \
                 {} is unset; set it to the directory holding {environment}.toml",
                config_layers::CONFIG_DIR_VAR
            )))
        } else {
            Ok(None)
        };
    };
    let path = config_layers::absolute(&dir.join(format!("{environment}.toml")));
    if path.is_file() {
        return Ok(Some(path));
    }
    if !required {
        return Ok(None);
    }
    let known = config_layers::overlays_in(dir);
    Err(ConfigError::Load(format!(
        "APP_ENV={environment}: no overlay {}; environments there: {} (or set {} to another \
         directory)",
        path.display(),
        if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        },
        config_layers::CONFIG_DIR_VAR
    )))
}

/// The enums of the gateway's own sections, for messages that list their values.
fn enums() -> Vec<EnumValues> {
    [
        config_errors::enum_values::<Flavor>(),
        config_errors::enum_values::<Backend>(),
        config_errors::enum_values::<LogFormat>(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Refuses a `log.level` that would silence the log: every comma-separated directive must be a
/// level (`info`) or name one (`gateway=debug`), and the whole a valid filter.
fn check_log_level(level: &str) -> Result<(), ConfigError> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let is_level = |s: &str| LEVELS.contains(&s.trim().to_ascii_lowercase().as_str());
    let names_a_level = level.split(',').all(|d| {
        is_level(d)
            || d.rsplit_once('=')
                .is_some_and(|(target, lvl)| !target.trim().is_empty() && is_level(lvl))
    });
    if names_a_level && tracing_subscriber::EnvFilter::try_new(level).is_ok() {
        return Ok(());
    }
    Err(invalid(
        "log.level",
        format!(
            "`{level}` is not a level or filter: use one of {}, or directives such as \
             `warn,gateway=debug`",
            LEVELS.join(", ")
        ),
    ))
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
        Some(unknown) => Err(invalid(
            unknown,
            format!(
                "unknown section, expected one of {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository's `config/`.
    fn repo_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    fn load(overlay: &str, env: &str) -> Result<Settings, ConfigError> {
        Settings::load_from(Sources {
            environment: Some(env.into()),
            config_dir: Some(repo_config()),
            overlay: Some(overlay.into()),
            ..Default::default()
        })
    }

    /// A fresh file holding `text`, by absolute path.
    fn temp_file(text: &str) -> PathBuf {
        let name = format!(
            "sg-config-{}-{}.toml",
            std::process::id(),
            session_core::token::random_hex(4).unwrap()
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn load_file(file: &Path) -> Result<Settings, ConfigError> {
        Settings::load_from(Sources {
            environment: Some("local".into()),
            file: Some(file.to_path_buf()),
            ..Default::default()
        })
    }

    #[test]
    fn a_named_environment_needs_its_overlay() {
        // A typo in APP_ENV, with the overlays found: refused, the known environments listed.
        let e = load("", "prodution").unwrap_err().to_string();
        assert!(e.starts_with("APP_ENV=prodution: no overlay /"), "{e}");
        assert!(e.contains("prodution.toml"), "{e}");
        assert!(e.contains("local, production, test"), "{e}");
        // No overlay directory at all: refused too, naming the variable that sets one.
        let e = Settings::load_from(Sources {
            environment: Some("production".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("GATEWAY_CONFIG_DIR"), "{e}");
        // Not a name: refused before any path is built from it.
        let e = load("", "../etc/x").unwrap_err().to_string();
        assert!(e.starts_with("APP_ENV:"), "{e}");
        // local and test run on the built-in defaults without an overlay.
        for env in ["local", "test"] {
            let s = Settings::load_from(Sources {
                environment: Some(env.into()),
                ..Default::default()
            })
            .unwrap();
            assert!(s.files.is_empty());
        }
        // The overlay that is read is reported by absolute path.
        let s = load("", "local").unwrap();
        assert_eq!(s.files.len(), 1);
        assert!(s.files[0].is_absolute() && s.files[0].ends_with("local.toml"));
        assert_eq!(s.admin.token.as_deref(), Some("local-admin-token"));
    }

    #[test]
    fn a_log_level_that_would_silence_the_log_is_refused() {
        for bad in ["verbose!!", "verbose", "info,gateway", "gateway=loud", ""] {
            let e = load(&format!("[log]\nlevel = \"{bad}\""), "local")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("log.level: `"), "{bad}: {e}");
            assert!(e.contains("trace, debug, info, warn, error, off"), "{e}");
            assert!(e.contains("(set in the overlay)"), "{e}");
        }
        for good in [
            "info",
            "WARN",
            "warn,gateway=debug",
            "off",
            "actix_server=error,info",
        ] {
            assert!(
                load(&format!("[log]\nlevel = \"{good}\""), "local").is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn messages_name_the_dotted_key_the_valid_values_and_the_file() {
        let file = temp_file("[flavors]\nenabled = [\"amity\", \"amity2\"]\n");
        let e = load_file(&file).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "flavors.enabled[1]: unknown value `amity2`, expected one of `quicksync`, \
                 `quickblox`, `amity`, `session-storage` (set in {})",
                file.display()
            )
        );
        let file = temp_file("[[quickblox.applications]]\napplication_id = 1\nauth_key = \"k\"\n");
        let e = load_file(&file).unwrap_err().to_string();
        assert!(
            e.starts_with("quickblox.applications[0].auth_secret: is required (set in /"),
            "{e}"
        );
        let file = temp_file("[server]\nprot = 1\n");
        let e = load_file(&file).unwrap_err().to_string();
        assert!(
            e.starts_with("server.prot: unknown key, expected one of `host`"),
            "{e}"
        );
        assert!(e.ends_with(&format!("(set in {})", file.display())), "{e}");
        let file = temp_file("[store]\nbackend = \"postgres\"\n");
        let e = load_file(&file).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "store.backend: unknown value `postgres`, expected one of `memory`, `redis`"
            ),
            "{e}"
        );
        let file = temp_file("[server]\nport = \"high\"\n");
        let e = load_file(&file).unwrap_err().to_string();
        assert!(e.starts_with("server.port: expected "), "{e}");
        // A file given by a path relative to the working directory is named by its absolute
        // path.
        let cwd = std::env::current_dir().unwrap();
        let up = "../".repeat(cwd.components().count() - 1);
        let relative = PathBuf::from(format!("{up}{}", file.strip_prefix("/").unwrap().display()));
        let e = load_file(&relative).unwrap_err().to_string();
        assert!(e.ends_with(&format!("(set in {})", file.display())), "{e}");
        // A value the validation refuses names the layer that set it.
        let e = load("", "production").unwrap_err().to_string();
        assert!(e.ends_with("(set in built-in defaults)"), "{e}");
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
            ("[server]\nbody_timeout_secs = 0", "server.body_timeout_secs"),
            ("[server]\nheader_timeout_secs = 301", "server.header_timeout_secs"),
            ("[server]\nmax_connections = 1", "server.max_connections"),
            (
                "[server]\ntrusted_proxies = [\"10.0.0.0/33\"]",
                "server.trusted_proxies",
            ),
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
    fn every_bound_is_checked_on_both_sides() {
        let prefix = |n: usize| format!("\"{}\"", "p".repeat(n));
        // (table, key, lowest accepted, highest accepted): one step outside either end is refused.
        let ranges: [(&str, &str, i64, i64); 10] = [
            ("server", "max_body_bytes", 1024, 16_777_216),
            ("server", "body_timeout_secs", 1, 300),
            ("server", "header_timeout_secs", 1, 300),
            ("server", "keep_alive_secs", 0, 3600),
            ("server", "shutdown_timeout_secs", 0, 3600),
            ("server", "max_connections", 16, 1_000_000),
            ("store", "timeout_ms", 1, 60_000),
            ("testing", "clock_sync_ms", 10, 60_000),
            ("testing", "snapshot_max_bytes", 1024, 1 << 30),
            (
                "sessions.metadata",
                "last_seen_granularity_seconds",
                1,
                86_400,
            ),
        ];
        // (table, key, accepted, refused one step past it)
        let edges: [(&str, &str, i64, i64); 3] = [
            ("store.memory", "max_sessions", 1, 0),
            ("testing", "journal_size", 100_000, 100_001),
            ("sessions.metadata", "user_agent_max_bytes", 1024, 1025),
        ];
        let numbers = ranges
            .into_iter()
            .flat_map(|(t, k, low, high)| [(t, k, low, low - 1), (t, k, high, high + 1)])
            .chain(edges)
            .map(|(t, k, good, bad)| (t, k, good.to_string(), bad.to_string()));
        // key_prefix: 1-64 characters, and no spaces.
        let prefixes = [(1, 0), (64, 65)]
            .map(|(good, bad)| ("store", "key_prefix", prefix(good), prefix(bad)));
        let rows = numbers.chain(prefixes).chain([
            ("store", "key_prefix", "\"a-b\"".into(), "\"a b\"".into()),
            ("admin", "token", "\"t\"".into(), "\"\"".into()),
        ]);
        for (table, key, good, bad) in rows {
            let dotted = format!("{table}.{key}");
            let at = |value: &str| load(&format!("[{table}]\n{key} = {value}"), "local");
            assert!(at(&good).is_ok(), "{dotted} = {good}");
            let e = at(&bad).map_or_else(|e| e.to_string(), |_| "accepted".into());
            assert!(
                e.starts_with(&format!("{dotted}: ")),
                "{dotted} = {bad}: {e}"
            );
        }
        // Outside local and test, the admin bearer takes at least 16 characters.
        let production = |token: usize| {
            load(
                &format!(
                    "[store]\ntoken_secret = \"0123456789abcdef0123\"\n\
                     [admin]\ntoken = \"{}\"",
                    "t".repeat(token)
                ),
                "production",
            )
        };
        assert!(production(16).is_ok());
        let e = production(15).unwrap_err().to_string();
        assert!(e.starts_with("admin.token: "), "{e}");
        // The admin throttle's window: 1-86400 seconds.
        for (window, ok) in [(1, true), (86_400, true), (0, false), (86_401, false)] {
            let r = load(
                &format!("[admin.throttle]\nwindow_secs = {window}"),
                "local",
            );
            assert_eq!(r.is_ok(), ok, "{window}");
            if let Err(e) = r {
                assert!(
                    e.to_string().starts_with("admin: throttle.window_secs"),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn unknown_sections_are_refused_and_flavor_sections_checked() {
        let e = load("[nope]\nx = 1", "local").unwrap_err().to_string();
        assert!(
            e.starts_with("nope: unknown section, expected one of `server`"),
            "{e}"
        );
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
    fn testing_mode_cannot_be_turned_on_in_production() {
        let secrets = "[store]\ntoken_secret = \"0123456789abcdef0123\"\n\
                       [admin]\ntoken = \"admin-token-0123456789\"\n";
        let on = format!("{secrets}[testing]\nenabled = true\n");
        let e = load(&on, "production").unwrap_err().to_string();
        assert!(e.starts_with("testing.enabled:"), "{e}");
        assert!(e.contains("APP_ENV=production"), "{e}");
        assert!(
            load(secrets, "production").is_ok(),
            "off, production is fine"
        );
        let s = load(&on, "test").unwrap();
        assert!(s.testing.enabled);
        let e = load("[testing]\nenabled = true\n", "test")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("testing.enabled:") && e.contains("admin.token"),
            "{e}"
        );
        let e = load("[testing]\njournal_size = 1000001\n", "test")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("testing.journal_size:"), "{e}");
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
