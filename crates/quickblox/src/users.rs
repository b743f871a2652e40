//! Users of an application: their stable ids and what a login is checked against.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::passwords::Secret;
use crate::settings::UserEntry;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_positive_and_distinct() {
        let a = derived_user_id(4242, "alice");
        assert_eq!(a, derived_user_id(4242, "alice"));
        assert!(a >= 1 && a <= i32::MAX as u64);
        assert_ne!(a, derived_user_id(4242, "bob"));
        assert_ne!(a, derived_user_id(4243, "alice"));
    }
}
