//! The demo credentials of `APP_ENV=local` and a copy-pasteable first request per flavor, read
//! from the flavors' configuration sections (their documented keys), for the start-up summary.

use serde_json::Value;
use session_core::Flavor;

use crate::configuration::Settings;

/// One flavor's demo tenant (or the admin API's bearer) and a request that works with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demo {
    /// The flavor's name, or `admin API`.
    pub flavor: &'static str,
    /// Its first configured tenant's credentials, in one line.
    pub credentials: String,
    /// A shell command (bash, curl, openssl) that makes a first request with them.
    pub first_request: String,
}

/// The demo of every flavor served that has a usable tenant in config, for a gateway at `base`.
pub fn of(settings: &Settings, base: &str) -> Vec<Demo> {
    let flavors = settings
        .sections
        .enabled(&settings.flavors.enabled)
        .filter_map(|section| {
            let value = section.to_value();
            match section.flavor() {
                Flavor::Quicksync => quicksync(&value, base),
                Flavor::Quickblox => quickblox(&value, base),
                Flavor::Amity => amity(&value, base),
                Flavor::SessionStorage => session_storage(&value, base),
            }
        });
    flavors
        .chain(settings.admin.token.as_deref().map(|t| admin(t, base)))
        .collect()
}

/// The admin API's bearer, and its listing of live sessions.
fn admin(token: &str, base: &str) -> Demo {
    Demo {
        flavor: "admin API",
        credentials: format!("Authorization: Bearer {token}"),
        first_request: format!(
            "curl -s {base}/admin/v1/sessions -H {}",
            quote(&format!("Authorization: Bearer {token}"))
        ),
    }
}

/// The `i`-th entry of the list `key`, as text.
fn field(section: &Value, list: &str, i: usize, key: &str) -> Option<String> {
    match &section[list][i][key] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `s` as one shell word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn quicksync(section: &Value, base: &str) -> Option<Demo> {
    let key = field(section, "api_keys", 0, "key")?;
    Some(Demo {
        flavor: Flavor::Quicksync.as_str(),
        credentials: format!("API key {key} (sessions also need a signed wallet proof)"),
        first_request: format!("curl -s {base}/v1/wallet-proof/nonce"),
    })
}

fn quickblox(section: &Value, base: &str) -> Option<Demo> {
    let app = field(section, "applications", 0, "application_id")?;
    let auth_key = field(section, "applications", 0, "auth_key")?;
    let secret = field(section, "applications", 0, "auth_secret")?;
    let mut credentials = format!("application {app}, auth_key {auth_key}, auth_secret {secret}");
    if let (Some(login), Some(password)) = (
        field(section, "users", 0, "login"),
        field(section, "users", 0, "password"),
    ) {
        credentials.push_str(&format!("; user {login} / {password}"));
    }
    Some(Demo {
        flavor: Flavor::Quickblox.as_str(),
        credentials,
        first_request: format!(
            "M=\"application_id={app}&auth_key={auth_key}&nonce=$RANDOM&timestamp=$(date +%s)\"; \
             curl -s -X POST {base}/session.json --data \"$M&signature=$(printf %s \"$M\" | \
             openssl dgst -sha1 -hmac {} | sed 's/^.*= //')\"",
            quote(&secret)
        ),
    })
}

fn amity(section: &Value, base: &str) -> Option<Demo> {
    let networks = section["networks"].as_array()?;
    // A network in secure mode needs an auth token from the server key first.
    let open = networks
        .iter()
        .position(|n| n["secure_mode"] != Value::Bool(true))?;
    let api_key = field(section, "networks", open, "api_key")?;
    let mut credentials = format!("API key {api_key}");
    if let Some(server_key) = field(section, "networks", open, "server_key") {
        credentials.push_str(&format!(", server key {server_key}"));
    }
    Some(Demo {
        flavor: Flavor::Amity.as_str(),
        credentials,
        first_request: format!(
            "curl -s -X POST {base}/api/v5/sessions -H {} -H 'Content-Type: application/json' \
             -d '{{\"userId\":\"alice\",\"deviceId\":\"laptop-1\"}}'",
            quote(&format!("X-API-Key: {api_key}"))
        ),
    })
}

fn session_storage(section: &Value, base: &str) -> Option<Demo> {
    let id = field(section, "clients", 0, "client_id")?;
    let secret = field(section, "clients", 0, "client_secret")?;
    Some(Demo {
        flavor: Flavor::SessionStorage.as_str(),
        credentials: format!("client {id} / {secret}"),
        first_request: format!(
            "curl -s -X POST {base}/session-storage/session -H {} -H {} \
             -H 'Content-Type: application/json' -d '{{\"data\":{{\"subscriber_count\":1}}}}'",
            quote(&format!("ClientID: {id}")),
            quote(&format!("ClientSecret: {secret}"))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn a_flavor_without_a_usable_tenant_has_no_demo() {
        let none = serde_json::json!({});
        assert_eq!(quickblox(&none, "http://x"), None);
        let secure = serde_json::json!({"networks": [{"api_key": "k", "secure_mode": true}]});
        assert_eq!(amity(&secure, "http://x"), None);
        let mixed = serde_json::json!({"networks": [
            {"api_key": "k1", "secure_mode": true},
            {"api_key": "k2", "secure_mode": false},
        ]});
        assert!(amity(&mixed, "http://x")
            .unwrap()
            .credentials
            .contains("k2"));
    }
}
