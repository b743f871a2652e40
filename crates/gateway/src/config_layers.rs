//! The layers a configuration is read from, each with a name for error messages: the built-in
//! defaults, files (named by absolute path), and `GATEWAY__*` environment variables; and where the
//! `$APP_ENV.toml` overlays are found (never the working directory).

use std::path::{Path, PathBuf};

use config::builder::DefaultState;
use config::{ConfigBuilder, Environment, File, FileFormat};

/// The name of the directory that holds the overlays, next to the binary or above it.
const CONFIG_DIR_NAME: &str = "config";
/// The file that marks a directory found next to the binary as the gateway's `config/`.
const MARKER: &str = "default.toml";
/// The variable that names the overlay directory explicitly.
pub const CONFIG_DIR_VAR: &str = "GATEWAY_CONFIG_DIR";

/// One layer of the configuration.
#[derive(Debug, Clone)]
pub struct Layer {
    /// How messages name it: an absolute path, `built-in defaults`, or `environment`.
    origin: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// TOML text (a file's, read and checked beforehand).
    Toml(String),
    /// `GATEWAY__SECTION__KEY` environment variables.
    Env,
}

impl Layer {
    /// TOML text that is not a file (the built-in defaults, a test's overlay).
    pub fn text(origin: &str, text: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            source: Source::Toml(text.to_owned()),
        }
    }

    /// The file at `path` (absolute), read now; a file that cannot be read or is not TOML is
    /// refused with its path and the parser's one-line reason.
    pub fn file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot be read: {e}", path.display()))?;
        text.parse::<toml::Table>()
            .map_err(|e| format!("{}: {}", path.display(), one_line(&e.to_string())))?;
        Ok(Self {
            origin: path.display().to_string(),
            source: Source::Toml(text),
        })
    }

    /// The `GATEWAY__*` environment variables.
    pub fn env() -> Self {
        Self {
            origin: "environment".into(),
            source: Source::Env,
        }
    }

    /// `builder` with this layer added on top.
    pub fn add_to(&self, builder: ConfigBuilder<DefaultState>) -> ConfigBuilder<DefaultState> {
        match &self.source {
            Source::Toml(text) => builder.add_source(File::from_str(text, FileFormat::Toml)),
            Source::Env => builder.add_source(
                Environment::with_prefix("GATEWAY")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("flavors.enabled")
                    .with_list_parse_key("store.cluster_urls")
                    .with_list_parse_key("server.trusted_proxies")
                    .with_list_parse_key("store.previous_token_secrets")
                    .with_list_parse_key("store.previous_secrets_keys"),
            ),
        }
    }

    /// Whether this layer sets `key` (a dotted path such as `quickblox.applications[0].login`).
    fn sets(&self, key: &str) -> bool {
        self.add_to(config::Config::builder())
            .build()
            .is_ok_and(|c| c.get::<config::Value>(key).is_ok())
    }

    /// How a message names where `key` was set in this layer.
    fn describe(&self, key: &str) -> String {
        match self.source {
            Source::Env => format!("environment variable {}", env_var_of(key)),
            Source::Toml(_) => self.origin.clone(),
        }
    }
}

/// Where `key` (or, failing that, the nearest key above it) was set: the last layer that sets
/// it, as a message names it.
pub fn origin_of(layers: &[Layer], key: &str) -> Option<String> {
    let mut key = key;
    loop {
        if let Some(layer) = layers.iter().rev().find(|l| l.sets(key)) {
            return Some(layer.describe(key));
        }
        key = &key[..key.rfind(['.', '['])?];
    }
}

/// The environment variable that sets `key`.
fn env_var_of(key: &str) -> String {
    let plain = key.split('[').next().unwrap_or(key);
    format!("GATEWAY__{}", plain.replace('.', "__").to_uppercase())
}

/// The overlay directory: `$GATEWAY_CONFIG_DIR` when set (it must be a directory), else the
/// first `config/` holding `default.toml` next to the binary or in a directory above it, else
/// none.
pub fn overlay_dir() -> Result<Option<PathBuf>, String> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_VAR) {
        let dir = absolute(Path::new(&dir));
        if !dir.is_dir() {
            return Err(format!(
                "{CONFIG_DIR_VAR}: {} is not a directory",
                dir.display()
            ));
        }
        return Ok(Some(dir));
    }
    let exe = std::env::current_exe().ok();
    Ok(exe.as_deref().and_then(Path::parent).and_then(beside))
}

/// The first `config/` holding `default.toml` in `dir` or a directory above it.
fn beside(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(CONFIG_DIR_NAME))
        .find(|d| d.join(MARKER).is_file())
}

/// `path` made absolute against the working directory, without `..` (resolved when it exists).
pub fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The environments that have an overlay in `dir`, sorted.
pub fn overlays_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let stem = path.file_stem()?.to_str()?;
            (path.extension()? == "toml" && stem != "default").then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// `s` on one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_name_the_last_layer_that_sets_a_key() {
        let layers = [
            Layer::text("built-in defaults", "[server]\nport = 1\nhost = \"a\""),
            Layer::text("/etc/gw.toml", "[server]\nport = 2\n[[q.apps]]\nid = 1"),
        ];
        assert_eq!(origin_of(&layers, "server.port").unwrap(), "/etc/gw.toml");
        assert_eq!(
            origin_of(&layers, "server.host").unwrap(),
            "built-in defaults"
        );
        assert_eq!(origin_of(&layers, "q.apps[0].id").unwrap(), "/etc/gw.toml");
        // An unset key is placed where its parent was set.
        assert_eq!(
            origin_of(&layers, "q.apps[0].secret").unwrap(),
            "/etc/gw.toml"
        );
        assert_eq!(origin_of(&layers, "nope"), None);
        assert_eq!(
            env_var_of("store.cluster_urls[1]"),
            "GATEWAY__STORE__CLUSTER_URLS"
        );
    }

    #[test]
    fn the_overlay_directory_is_found_above_the_binary() {
        let root = std::env::temp_dir().join(format!(
            "sg-layers-{}-{}",
            std::process::id(),
            session_core::token::random_hex(4).unwrap()
        ));
        let bin = root.join("target/debug");
        std::fs::create_dir_all(&bin).unwrap();
        assert_eq!(beside(&bin), None);
        std::fs::create_dir_all(root.join("config")).unwrap();
        // A `config/` without the defaults is not the gateway's.
        assert_eq!(beside(&bin), None);
        std::fs::write(root.join("config/default.toml"), "").unwrap();
        std::fs::write(root.join("config/staging.toml"), "").unwrap();
        std::fs::write(root.join("config/notes.txt"), "").unwrap();
        assert_eq!(beside(&bin), Some(root.join("config")));
        assert_eq!(overlays_in(&root.join("config")), ["staging"]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn files_are_named_by_absolute_path_in_parse_errors() {
        let path = std::env::temp_dir().join(format!(
            "sg-layers-{}-{}.toml",
            std::process::id(),
            session_core::token::random_hex(4).unwrap()
        ));
        std::fs::write(&path, "[server\nport = 1\n").unwrap();
        let e = Layer::file(&path).unwrap_err();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
        assert!(!e.contains('\n'), "{e}");
        std::fs::remove_file(&path).unwrap();
        let e = Layer::file(&path).unwrap_err();
        assert!(e.contains("cannot be read"), "{e}");
    }
}
