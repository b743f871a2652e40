//! Users of an application: their stable ids and what a login is checked against.

use chrono::{DateTime, Utc};
use flavor_kit::passwords;
use session_core::token::ct_eq_str;

use crate::settings::UserEntry;

/// What a user's password is checked against.
#[derive(Clone)]
pub enum Secret {
    /// An argon2 PHC string.
    Phc(String),
    /// A clear-text password from a run-time document (compared in constant time).
    Plain(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(********)")
    }
}

impl Secret {
    /// Whether `candidate` matches (argon2 on the blocking pool; a PHC string that does not parse
    /// matches nothing).
    pub async fn matches(&self, candidate: String) -> session_core::Result<bool> {
        match self {
            Secret::Phc(phc) if passwords::check_phc(phc).is_ok() => {
                passwords::verify(candidate, phc.clone()).await
            }
            Secret::Phc(_) => Ok(false),
            Secret::Plain(plain) => Ok(ct_eq_str(plain, &candidate)),
        }
    }
}

/// A user a session can log in as.
#[derive(Debug, Clone)]
pub struct User {
    /// The user's integer id (`user_id` of its sessions).
    pub id: u64,
    /// The application the user belongs to.
    pub application_id: u64,
    /// The login name.
    pub login: String,
    /// The e-mail address.
    pub email: Option<String>,
    /// The display name.
    pub full_name: Option<String>,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// What the password is checked against.
    pub secret: Secret,
}

impl User {
    /// The user of a configuration entry or run-time document, with `secret` to check against.
    pub fn from_entry(entry: &UserEntry, secret: Secret) -> Self {
        Self {
            id: entry.user_id(),
            application_id: entry.application_id,
            login: entry.login.clone(),
            email: entry.email.clone(),
            full_name: entry.full_name.clone(),
            created_at: entry.created_at.unwrap_or_default(),
            secret,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[actix_web::test]
    async fn secrets_match_their_password_only() {
        let phc = passwords::hash_now("alice-pass").unwrap();
        assert!(Secret::Phc(phc.clone())
            .matches("alice-pass".into())
            .await
            .unwrap());
        assert!(!Secret::Phc(phc).matches("alice-pasS".into()).await.unwrap());
        assert!(Secret::Plain("x".into()).matches("x".into()).await.unwrap());
        assert!(!Secret::Plain("x".into()).matches("y".into()).await.unwrap());
        let garbage = Secret::Phc("garbage".into());
        assert!(!garbage.matches("garbage".into()).await.unwrap());
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", Secret::Plain("hunter2".into())).contains("hunter2"));
    }
}
