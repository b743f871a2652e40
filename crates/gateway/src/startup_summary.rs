//! What a gateway says when it starts: one INFO event with the version, the environment and the
//! files it read, the store (credentials masked), the flavors and their route prefixes, the
//! tenants from config per kind, whether the admin API is on, and where `/docs`, `/metrics` and
//! `/readyz` are. Text logs get it as one block; JSON logs as one event with a field each. In
//! `local` it adds the demo credentials and a first request per flavor ([`crate::demo`]).

use std::fmt::Write as _;

use crate::configuration::{Backend, Settings, StoreSettings};
use crate::demo::{self, Demo};
use crate::flavors;
use crate::telemetry::LogFormat;

/// Shown in place of a password.
const MASK: &str = "********";

/// Everything the start-up event says.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The crate version.
    pub version: &'static str,
    /// `APP_ENV`.
    pub environment: String,
    /// The files read, by absolute path (empty: only the built-in defaults).
    pub config_files: Vec<String>,
    /// `memory` or `redis`.
    pub store_backend: &'static str,
    /// Where the store is, passwords masked.
    pub store_target: String,
    /// `(flavor, route prefixes)` of every flavor served.
    pub flavors: Vec<(&'static str, Vec<&'static str>)>,
    /// `(kind, count)` of the tenants from config, for every kind of a flavor served.
    pub tenants: Vec<(&'static str, usize)>,
    /// Whether `/admin/v1` is mounted.
    pub admin_api: bool,
    /// `http(s)://host:port`, with an unspecified host shown as loopback.
    pub base_url: String,
    /// The demo credentials and first requests (`local` only).
    pub demo: Vec<Demo>,
}

impl Summary {
    /// The summary of a gateway with `settings`, listening at `address` (`http(s)://host:port`).
    pub fn new(settings: &Settings, address: &str) -> Self {
        let base_url = address
            .replacen("://0.0.0.0:", "://127.0.0.1:", 1)
            .replacen("://[::]:", "://127.0.0.1:", 1);
        let served = settings.sections.enabled(&settings.flavors.enabled);
        let mut tenants = Vec::new();
        for section in served {
            let Some(registered) = flavors::get(section.flavor()) else {
                continue;
            };
            let value = section.to_value();
            for kind in registered.tenant_kinds() {
                tenants.push((
                    kind.name,
                    config_tenants(&value, registered.flavor(), kind.name),
                ));
            }
        }
        Self {
            version: env!("CARGO_PKG_VERSION"),
            environment: settings.environment.clone(),
            config_files: settings
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            store_backend: match settings.store.backend {
                Backend::Memory => "memory",
                Backend::Redis => "redis",
            },
            store_target: store_target(&settings.store),
            flavors: settings
                .flavors
                .enabled
                .iter()
                .filter_map(|f| flavors::get(*f))
                .map(|r| (r.flavor().as_str(), r.prefixes().to_vec()))
                .collect(),
            tenants,
            admin_api: settings.admin.token.is_some(),
            demo: if settings.environment == "local" {
                demo::of(settings, &base_url)
            } else {
                Vec::new()
            },
            base_url,
        }
    }

    /// `base_url` + `path`.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The files read, or what was read instead.
    fn files(&self) -> String {
        if self.config_files.is_empty() {
            "none (built-in defaults only)".into()
        } else {
            self.config_files.join(", ")
        }
    }

    fn flavor_list(&self) -> String {
        self.flavors
            .iter()
            .map(|(name, prefixes)| format!("{name} {}", prefixes.join(" ")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn tenant_list(&self) -> String {
        self.tenants
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The block text logs show.
    pub fn text(&self) -> String {
        let mut out = format!("session-gateway {} started\n", self.version);
        let mut row = |label: &str, value: &str| {
            let _ = writeln!(out, "  {label:<13}{value}");
        };
        row("environment", &self.environment);
        row("config files", &self.files());
        row(
            "store",
            &format!("{}: {}", self.store_backend, self.store_target),
        );
        for (i, (name, prefixes)) in self.flavors.iter().enumerate() {
            let label = if i == 0 { "flavors" } else { "" };
            row(label, &format!("{name:<16}{}", prefixes.join(" ")));
        }
        row(
            "tenants",
            &format!(
                "{} (from config; run-time tenants live in the store)",
                self.tenant_list()
            ),
        );
        row(
            "admin API",
            &if self.admin_api {
                format!("on at {} (bearer admin.token)", self.url("/admin/v1"))
            } else {
                "off (admin.token unset)".into()
            },
        );
        row("listening", &self.base_url);
        row("docs", &self.url("/docs"));
        row("metrics", &self.url("/metrics"));
        row("readiness", &self.url("/readyz"));
        if !self.demo.is_empty() {
            out.push_str("  demo credentials (APP_ENV=local; never deploy them) and a first request per flavor:\n");
            for d in &self.demo {
                let _ = writeln!(out, "    {:<16}{}", d.flavor, d.credentials);
                let _ = writeln!(out, "      {}", d.first_request);
            }
        }
        out.trim_end().to_owned()
    }

    /// Logs the summary: one block in text logs, one event with a field each in JSON logs.
    pub fn log(&self, format: LogFormat) {
        match format {
            LogFormat::Text => tracing::info!("{}", self.text()),
            LogFormat::Json => {
                let demo = self
                    .demo
                    .iter()
                    .map(|d| format!("{}: {}", d.flavor, d.credentials))
                    .collect::<Vec<_>>()
                    .join("; ");
                let first_requests = self
                    .demo
                    .iter()
                    .map(|d| d.first_request.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                tracing::info!(
                    version = self.version,
                    environment = %self.environment,
                    config_files = %self.files(),
                    store_backend = self.store_backend,
                    store_target = %self.store_target,
                    flavors = %self.flavor_list(),
                    tenants = %self.tenant_list(),
                    admin_api = self.admin_api,
                    address = %self.base_url,
                    docs = %self.url("/docs"),
                    metrics = %self.url("/metrics"),
                    readyz = %self.url("/readyz"),
                    demo_credentials = %demo,
                    first_requests = %first_requests,
                    "session-gateway started"
                );
            }
        }
    }
}

/// How many tenants of `kind` the flavor's section lists (`quickblox-users` is
/// `quickblox.users`).
fn config_tenants(section: &serde_json::Value, flavor: session_core::Flavor, kind: &str) -> usize {
    let key = kind
        .strip_prefix(flavor.as_str())
        .and_then(|k| k.strip_prefix('-'))
        .unwrap_or(kind)
        .replace('-', "_");
    section[key.as_str()].as_array().map_or(0, Vec::len)
}

/// Where the store is: the memory store's capacity, or the Redis URL(s) with passwords masked
/// and the TLS files named.
fn store_target(store: &StoreSettings) -> String {
    match store.backend {
        Backend::Memory => format!("in process, at most {} sessions", store.memory.max_sessions),
        Backend::Redis => {
            let mut target = if store.cluster_urls.is_empty() {
                mask_url(&store.url)
            } else {
                format!(
                    "cluster {}",
                    store
                        .cluster_urls
                        .iter()
                        .map(|u| mask_url(u))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            };
            if let Some(ca) = &store.tls_ca_file {
                let _ = write!(target, " (CA {ca})");
            }
            if let Some(cert) = &store.tls_cert_file {
                let _ = write!(target, " (client certificate {cert})");
            }
            target
        }
    }
}

/// `url` with the password of its user info replaced by `********`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:{MASK}"),
        // `redis://secret@host`: a lone user info is the password.
        None => MASK.to_owned(),
    };
    format!("{scheme}://{user}@{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::Sources;

    fn settings(env: &str, overlay: &str) -> Settings {
        Settings::load_from(Sources {
            environment: Some(env.into()),
            config_dir: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")),
            overlay: Some(overlay.into()),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn passwords_are_masked_and_nothing_else() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            (
                "rediss://gateway:s3cret@redis.internal:6380/0",
                "rediss://gateway:********@redis.internal:6380/0",
            ),
            ("redis://:pw@h:1", "redis://:********@h:1"),
            ("redis://pw@h:1", "redis://********@h:1"),
            ("redis://u:p@ss@h:1", "redis://u:********@h:1"),
        ] {
            assert_eq!(mask_url(url), shown, "{url}");
        }
    }

    #[test]
    fn the_local_summary_lists_everything_a_newcomer_needs() {
        let s = Summary::new(&settings("local", ""), "http://0.0.0.0:8080");
        let text = s.text();
        assert!(text.starts_with(&format!("session-gateway {} started\n", s.version)));
        assert_eq!(s.config_files.len(), 1);
        assert!(text.contains(&s.config_files[0]) && s.config_files[0].ends_with("local.toml"));
        assert!(
            text.contains("store        memory: in process, at most 1000000 sessions"),
            "{text}"
        );
        for line in [
            "quicksync       /v1/",
            "quickblox       /session.json /login.json",
            "amity           /api/",
            "session-storage /session-storage/",
            "quickblox-applications 1, quickblox-users 1",
            "amity-networks 1",
            "quicksync-api-keys 1",
            "session-storage-clients 1",
            "admin API    on at http://127.0.0.1:8080/admin/v1",
            "docs         http://127.0.0.1:8080/docs",
            "metrics      http://127.0.0.1:8080/metrics",
            "readiness    http://127.0.0.1:8080/readyz",
            "local-admin-token",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert_eq!(s.demo.len(), 5, "{text}");
        assert!(!text.contains("/../"), "{text}");
    }

    #[test]
    fn other_environments_show_no_credentials() {
        let s = Summary::new(
            &settings(
                "production",
                "[store]\ntoken_secret = \"0123456789abcdef0123\"\nurl = \"rediss://gw:pass-word@r:6380\"",
            ),
            "http://0.0.0.0:8080",
        );
        let text = s.text();
        assert!(s.demo.is_empty());
        assert!(
            text.contains("store        redis: rediss://gw:********@r:6380"),
            "{text}"
        );
        assert!(!text.contains("pass-word") && !text.contains("0123456789abcdef0123"));
        assert!(text.contains("admin API    off"), "{text}");
        assert!(text.contains("quickblox-applications 0"), "{text}");
    }
}
