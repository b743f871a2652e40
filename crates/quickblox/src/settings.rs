//! The `[quickblox]` configuration section: applications, their users, and the timing rules.
//! Key names follow CONFIG.md.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

/// Largest id (application or user) handed to clients: JavaScript's safe-integer limit.
pub const MAX_ID: u64 = (1 << 53) - 1;

/// The `[quickblox]` section.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// How far a request's `timestamp` may be from server time, either way (default 600).
    pub timestamp_window_seconds: u64,
    /// Sliding lifetime of a session after its last request (default 7200).
    pub session_ttl_seconds: u64,
    /// `[[quickblox.applications]]`.
    pub applications: Vec<ApplicationEntry>,
    /// `[[quickblox.users]]`.
    pub users: Vec<UserEntry>,
    /// `[quickblox.throttle]`: failed user logins tolerated per user and per client address.
    pub throttle: flavor_kit::ThrottleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            timestamp_window_seconds: 600,
            session_ttl_seconds: 7200,
            applications: Vec::new(),
            users: Vec::new(),
            throttle: flavor_kit::ThrottleSettings::default(),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("timestamp_window_seconds", &self.timestamp_window_seconds)
            .field("session_ttl_seconds", &self.session_ttl_seconds)
            .field("applications", &self.applications)
            .field("users", &self.users)
            .field("throttle", &self.throttle)
            .finish()
    }
}

/// One `[[quickblox.applications]]` entry (also the JSON of a run-time application document).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationEntry {
    /// The application's id.
    pub application_id: u64,
    /// The public authorization key.
    pub auth_key: String,
    /// The signing secret.
    pub auth_secret: String,
}

impl fmt::Debug for ApplicationEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationEntry")
            .field("application_id", &self.application_id)
            .field("auth_key", &self.auth_key)
            .field("auth_secret", &"********")
            .finish()
    }
}

/// One `[[quickblox.users]]` entry (also the JSON of a run-time user document).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    /// The user's id; derived from application and login when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The application the user belongs to.
    pub application_id: u64,
    /// The login name.
    pub login: String,
    /// The e-mail address (also a login, case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The password in clear (hashed with argon2 at start-up); or give `password_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// An argon2 PHC string (`$argon2id$...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// When the user was created (reported by `/login.json`); the Unix epoch when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for UserEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserEntry")
            .field("id", &self.id)
            .field("application_id", &self.application_id)
            .field("login", &self.login)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "********"),
            )
            .field("full_name", &self.full_name)
            .finish()
    }
}

impl UserEntry {
    /// The id the user is known by: the configured one or the derived one.
    pub fn user_id(&self) -> u64 {
        self.id
            .unwrap_or_else(|| derived_user_id(self.application_id, &self.login))
    }
}

/// A stable id for a user configured without one: 31 bits of SHA-256 over application and login
/// (positive and within a 32-bit signed integer, which every SDK can hold).
pub fn derived_user_id(application_id: u64, login: &str) -> u64 {
    let digest = Sha256::new()
        .chain_update(b"quickblox-user\0")
        .chain_update(application_id.to_string().as_bytes())
        .chain_update(b"\0")
        .chain_update(login.as_bytes())
        .finalize();
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) & 0x7fff_ffff;
    u64::from(n.max(1))
}

fn text(key: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() || value.chars().count() > max {
        return Err(format!("{key} must be 1-{max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{key} must not hold control characters"));
    }
    Ok(())
}

fn id(key: &str, value: u64) -> Result<(), String> {
    if !(1..=MAX_ID).contains(&value) {
        return Err(format!("{key} must be between 1 and {MAX_ID}"));
    }
    Ok(())
}

impl ApplicationEntry {
    /// Checks one entry; `key` prefixes the message.
    pub fn validate(&self, key: &str) -> Result<(), String> {
        id(&format!("{key}.application_id"), self.application_id)?;
        text(&format!("{key}.auth_key"), &self.auth_key, 128)?;
        if self.auth_secret.is_empty() || self.auth_secret.len() > 256 {
            return Err(format!("{key}.auth_secret must be 1-256 bytes"));
        }
        Ok(())
    }
}

impl UserEntry {
    /// Checks one entry; `key` prefixes the message.
    pub fn validate(&self, key: &str) -> Result<(), String> {
        id(&format!("{key}.application_id"), self.application_id)?;
        text(&format!("{key}.login"), &self.login, 255)?;
        id(&format!("{key}.id"), self.user_id())?;
        if let Some(email) = &self.email {
            text(&format!("{key}.email"), email, 255)?;
            if !email.contains('@') {
                return Err(format!("{key}.email must be an e-mail address"));
            }
        }
        if let Some(name) = &self.full_name {
            if name.chars().count() > 255 {
                return Err(format!("{key}.full_name must be at most 255 characters"));
            }
        }
        match (&self.password, &self.password_hash) {
            (Some(p), None) => {
                if p.is_empty() || p.len() > 1024 {
                    return Err(format!("{key}.password must be 1-1024 bytes"));
                }
            }
            (None, Some(h)) => flavor_kit::passwords::check_phc(h)
                .map_err(|reason| format!("{key}.password_hash {reason}"))?,
            _ => {
                return Err(format!(
                    "{key}: give exactly one of password and password_hash"
                ))
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Checks the section; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        self.throttle.validate()?;
        if !(1..=86_400).contains(&self.timestamp_window_seconds) {
            return Err("timestamp_window_seconds must be between 1 and 86400".into());
        }
        if !(60..=31_536_000).contains(&self.session_ttl_seconds) {
            return Err("session_ttl_seconds must be between 60 and 31536000".into());
        }
        let mut apps = HashSet::new();
        for (i, app) in self.applications.iter().enumerate() {
            let key = format!("applications[{i}]");
            app.validate(&key)?;
            if !apps.insert(app.application_id) {
                return Err(format!(
                    "{key}.application_id {} is listed twice",
                    app.application_id
                ));
            }
        }
        let mut logins = HashSet::new();
        let mut emails = HashSet::new();
        let mut ids = HashSet::new();
        for (i, user) in self.users.iter().enumerate() {
            let key = format!("users[{i}]");
            user.validate(&key)?;
            let app = user.application_id;
            if !logins.insert((app, user.login.clone())) {
                return Err(format!("{key}.login `{}` is listed twice", user.login));
            }
            if let Some(email) = &user.email {
                if !emails.insert((app, email.to_lowercase())) {
                    return Err(format!("{key}.email `{email}` is listed twice"));
                }
            }
            if !ids.insert((app, user.user_id())) {
                return Err(format!(
                    "{key}.id {} is taken by another user of application {app}; set `id` explicitly",
                    user.user_id()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> ApplicationEntry {
        ApplicationEntry {
            application_id: 4242,
            auth_key: "k".into(),
            auth_secret: "s".into(),
        }
    }

    fn user(login: &str) -> UserEntry {
        UserEntry {
            id: None,
            application_id: 4242,
            login: login.into(),
            email: Some(format!("{login}@example.com")),
            password: Some("pw".into()),
            password_hash: None,
            full_name: None,
            created_at: None,
        }
    }

    #[test]
    fn defaults_follow_the_wire_notes() {
        let s = Settings::default();
        assert_eq!(s.timestamp_window_seconds, 600);
        assert_eq!(s.session_ttl_seconds, 7200);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn bad_entries_name_their_key() {
        let mut s = Settings {
            applications: vec![app(), app()],
            ..Default::default()
        };
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("applications[1].application_id"));
        s.applications = vec![ApplicationEntry {
            auth_key: String::new(),
            ..app()
        }];
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("applications[0].auth_key"));
        s.applications = vec![app()];
        s.users = vec![user("a"), user("a")];
        assert!(s.validate().unwrap_err().starts_with("users[1].login"));
        s.users = vec![UserEntry {
            password_hash: Some(
                "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
            ),
            ..user("a")
        }];
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("users[0]: give exactly one"));
        s.users = vec![UserEntry {
            password: None,
            password_hash: Some("plain".into()),
            ..user("a")
        }];
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("users[0].password_hash"));
        s.users = vec![
            user("a"),
            UserEntry {
                id: Some(user("a").user_id()),
                ..user("b")
            },
        ];
        assert!(s.validate().unwrap_err().starts_with("users[1].id"));
        s.users = vec![user("a")];
        s.timestamp_window_seconds = 0;
        assert!(s
            .validate()
            .unwrap_err()
            .starts_with("timestamp_window_seconds"));
    }

    #[test]
    fn every_bound_is_checked_on_both_sides() {
        use api_testkit::bounds::{Edge, Range};
        fn text(n: u64) -> String {
            "k".repeat(n as usize)
        }
        // (the key the refusal names, how to set it, lowest accepted, highest accepted):
        // one step outside either end is refused.
        let ranges: [Range<Settings>; 10] = [
            (
                "timestamp_window_seconds",
                |s, n| s.timestamp_window_seconds = n,
                1,
                86_400,
            ),
            (
                "session_ttl_seconds",
                |s, n| s.session_ttl_seconds = n,
                60,
                31_536_000,
            ),
            (
                "applications[0].application_id",
                |s, n| s.applications[0].application_id = n,
                1,
                MAX_ID,
            ),
            (
                "applications[0].auth_key",
                |s, n| s.applications[0].auth_key = text(n),
                1,
                128,
            ),
            (
                "applications[0].auth_secret",
                |s, n| s.applications[0].auth_secret = text(n),
                1,
                256,
            ),
            (
                "users[0].application_id",
                |s, n| s.users[0].application_id = n,
                1,
                MAX_ID,
            ),
            ("users[0].id", |s, n| s.users[0].id = Some(n), 1, MAX_ID),
            ("users[0].login", |s, n| s.users[0].login = text(n), 1, 255),
            (
                "users[0].password",
                |s, n| s.users[0].password = Some(text(n)),
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
        let edges: [Edge<Settings>; 4] = [
            // auth_key counts characters: 128 two-byte ones pass, 129 do not.
            (
                "applications[0].auth_key",
                |s, n| s.applications[0].auth_key = "é".repeat(n as usize),
                128,
                129,
            ),
            // "@example.com" is 12 characters.
            (
                "users[0].email",
                |s, n| s.users[0].email = Some(format!("{}@example.com", text(n - 12))),
                255,
                256,
            ),
            (
                "users[0].email",
                |s, n| s.users[0].email = Some("@".repeat(n as usize)),
                1,
                0,
            ),
            (
                "users[0].full_name",
                |s, n| s.users[0].full_name = Some(text(n)),
                255,
                256,
            ),
        ];
        let base = || Settings {
            applications: vec![app()],
            users: vec![user("a")],
            ..Default::default()
        };
        api_testkit::check_bounds(base, Settings::validate, &ranges, &edges);
    }

    #[test]
    fn debug_hides_secrets() {
        let s = Settings {
            applications: vec![ApplicationEntry {
                auth_secret: "topsecret".into(),
                ..app()
            }],
            users: vec![UserEntry {
                password: Some("hunter2".into()),
                ..user("a")
            }],
            ..Default::default()
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("topsecret") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn derived_ids_are_stable_positive_and_distinct() {
        let a = derived_user_id(4242, "alice");
        assert_eq!(a, derived_user_id(4242, "alice"));
        assert!(a >= 1 && a <= i32::MAX as u64);
        assert_ne!(a, derived_user_id(4242, "bob"));
        assert_ne!(a, derived_user_id(4243, "alice"));
    }
}
