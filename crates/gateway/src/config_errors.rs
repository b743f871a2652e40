//! One-line reasons for a configuration that does not deserialize: the dotted key at fault
//! (`quickblox.applications[0].auth_secret`, tracked by `serde_path_to_error`, not the `config`
//! crate's own key text) and the reason in words, valid values listed.

use std::fmt;

use config::{Config, ConfigError};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

/// A key that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The dotted key at fault (empty: the whole configuration).
    pub key: String,
    /// Why, in one line.
    pub reason: String,
}

/// An enum a configuration value may name: its type name and accepted values.
pub type EnumValues = (&'static str, &'static [&'static str]);

/// Deserializes `T` from `config`, naming the key at fault; `enums` lists the enum types `T`
/// holds, so that an unknown value is answered with the accepted ones.
pub fn deserialize<T: DeserializeOwned>(config: Config, enums: &[EnumValues]) -> Result<T, Fault> {
    serde_path_to_error::deserialize(config).map_err(|e| fault(e, enums))
}

/// Deserializes with `seed` from `config`, naming the key at fault.
pub fn deserialize_seed<'de, S: DeserializeSeed<'de>>(
    seed: S,
    config: Config,
    enums: &[EnumValues],
) -> Result<S::Value, Fault> {
    let mut track = serde_path_to_error::Track::new();
    seed.deserialize(serde_path_to_error::Deserializer::new(config, &mut track))
        .map_err(|e| fault(serde_path_to_error::Error::new(track.path(), e), enums))
}

fn fault(e: serde_path_to_error::Error<ConfigError>, enums: &[EnumValues]) -> Fault {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let (child, reason) = reason(e.inner(), enums);
    let key = match child {
        Some(child) if path.is_empty() => child,
        // Serde's tracker already holds an unknown key it was reading.
        Some(child) if path.ends_with(&format!(".{child}")) || path == child => path,
        Some(child) => format!("{path}.{child}"),
        None => path,
    };
    Fault { key, reason }
}

/// The reason, and the key below the tracked path it concerns (an unknown or missing key).
fn reason(e: &ConfigError, enums: &[EnumValues]) -> (Option<String>, String) {
    match e {
        ConfigError::Type {
            unexpected,
            expected,
            ..
        } => (None, format!("expected {expected}, found {unexpected}")),
        ConfigError::At { error, .. } => reason(error, enums),
        // The `config` crate prefixes its own rendering of the path: keep the field's name.
        ConfigError::NotFound(field) => (
            Some(field.rsplit(['.', ']']).next().unwrap_or(field).to_owned()),
            "is required".into(),
        ),
        ConfigError::Message(m) => message(m, enums),
        other => (None, crate::config_layers::one_line(&other.to_string())),
    }
}

/// Serde's and the `config` crate's messages, in the gateway's words.
fn message(m: &str, enums: &[EnumValues]) -> (Option<String>, String) {
    if let Some((field, rest)) = m
        .strip_prefix("unknown field `")
        .and_then(|r| r.split_once('`'))
    {
        let rest = rest.replace(", there are no fields", ": this table takes no keys");
        return (Some(field.to_owned()), format!("unknown key{rest}"));
    }
    if let Some((name, value)) = m
        .strip_prefix("enum ")
        .and_then(|r| r.split_once(" does not have variant constructor "))
    {
        let reason = match enums.iter().find(|(n, _)| *n == name) {
            Some((_, values)) => format!(
                "unknown value `{value}`, expected one of {}",
                quoted(values)
            ),
            None => format!("unknown value `{value}`"),
        };
        return (None, reason);
    }
    (None, crate::config_layers::one_line(m))
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The type name and accepted values of the enum `T`, read from its `Deserialize` impl.
pub fn enum_values<T: DeserializeOwned>() -> Option<EnumValues> {
    match T::deserialize(EnumProbe) {
        Err(Probed(found)) => found,
        Ok(_) => None,
    }
}

/// A deserializer that answers every request with an error, carrying the enum's name and
/// variants when asked for an enum.
struct EnumProbe;

#[derive(Debug)]
struct Probed(Option<EnumValues>);

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self(None)
    }
}

impl<'de> de::Deserializer<'de> for EnumProbe {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed(None))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed(Some((name, variants))))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    enum Colour {
        DeepRed,
        Blue,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        colour: Colour,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Root {
        items: Vec<Item>,
        port: u16,
    }

    fn read(toml: &str) -> Fault {
        let config = Config::builder()
            .add_source(config::File::from_str(toml, config::FileFormat::Toml))
            .build()
            .unwrap();
        let enums = [enum_values::<Colour>().unwrap()];
        deserialize::<Root>(config, &enums).unwrap_err()
    }

    #[test]
    fn keys_are_dotted_and_values_listed() {
        let good = "port = 1\n[[items]]\nname = \"a\"\ncolour = \"blue\"\n";
        let f = read(&format!(
            "{good}[[items]]\nname = \"b\"\ncolour = \"red\"\n"
        ));
        assert_eq!(f.key, "items[1].colour");
        assert_eq!(
            f.reason,
            "unknown value `red`, expected one of `deep-red`, `blue`"
        );
        let f = read(&format!(
            "{good}[[items]]\nname = \"b\"\ncolor = \"blue\"\n"
        ));
        assert_eq!(f.key, "items[1].color");
        assert_eq!(f.reason, "unknown key, expected `name` or `colour`");
        let f = read(&format!("{good}[[items]]\nname = \"b\"\n"));
        assert_eq!(f.key, "items[1].colour");
        assert_eq!(f.reason, "is required");
        let f = read("port = \"high\"\nitems = []\n");
        assert_eq!(f.key, "port");
        assert!(f.reason.starts_with("expected "), "{}", f.reason);
        let f = read("port = 1\nitems = []\nextra = 2\n");
        assert_eq!(f.key, "extra");
    }

    #[test]
    fn enum_values_are_read_from_the_type() {
        assert_eq!(
            enum_values::<Colour>(),
            Some(("Colour", &["deep-red", "blue"][..]))
        );
        assert_eq!(enum_values::<String>(), None);
    }
}
