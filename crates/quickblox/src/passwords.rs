//! User passwords: argon2 hashing of clear-text configuration passwords and constant-time
//! verification (run on the blocking pool by callers).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use session_core::token::{ct_eq_str, random_bytes};

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

/// The argon2id parameters for hashing clear-text configuration passwords. The hash only lives in
/// memory next to a configuration that holds the clear text, so it guards against the hash
/// leaking (logs, dumps), not against offline guessing; operators who need that configure
/// `password_hash` with their own (stronger) parameters, which verification honours.
fn hasher() -> Argon2<'static> {
    let params = Params::new(8 * 1024, 1, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with a fresh random salt into a PHC string.
pub fn hash(password: &str) -> Result<String, String> {
    let salt_bytes = random_bytes::<16>().map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks that `phc` is an argon2 PHC string; the error says why not.
pub fn check_phc(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|_| "is not a PHC string".to_owned())?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err("must be an argon2 hash ($argon2id$...)".into());
    }
    if parsed.hash.is_none() {
        return Err("has no hash part".into());
    }
    Ok(())
}

/// Whether `candidate` matches `secret`. CPU-heavy for PHC secrets: call it off the async workers.
pub fn verify(secret: &Secret, candidate: &str) -> bool {
    match secret {
        Secret::Phc(phc) => match PasswordHash::new(phc) {
            Ok(parsed) => Argon2::default()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        },
        Secret::Plain(plain) => ct_eq_str(plain, candidate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("alice-pass").unwrap();
        let b = hash("alice-pass").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salts differ");
        assert!(check_phc(&a).is_ok());
        assert!(verify(&Secret::Phc(a.clone()), "alice-pass"));
        assert!(!verify(&Secret::Phc(a), "alice-pasS"));
        assert!(verify(&Secret::Plain("x".into()), "x"));
        assert!(!verify(&Secret::Plain("x".into()), "y"));
        assert!(!verify(&Secret::Phc("garbage".into()), "garbage"));
    }

    #[test]
    fn only_argon2_phc_strings_pass() {
        assert!(check_phc("plain").is_err());
        assert!(check_phc("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", Secret::Plain("hunter2".into())).contains("hunter2"));
    }
}
