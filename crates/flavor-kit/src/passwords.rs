//! Passwords: Argon2id PHC strings with one parameter set, computed off the async workers.
//!
//! The parameters are OWASP's first recommendation for Argon2id: 19 MiB of memory, 2 passes,
//! 1 lane (about 20 ms of one core per hash or check in a release build). Verification honours
//! the parameters written in the PHC string, so hashes made elsewhere (an operator's
//! `password_hash`) keep their own.

use actix_web::web;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use session_core::token::random_bytes;
use session_core::{Error, Result};

/// Memory cost, in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 2;
/// Lanes.
pub const LANES: u32 = 1;

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| Error::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password` with a fresh salt, computed on the calling thread (start-up
/// work; a request uses [`hash`]).
pub fn hash_now(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| Error::Internal(format!("salt: {e}")))?;
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the PHC string `phc`, computed on the calling thread; an error
/// when `phc` is not a PHC string.
pub fn verify_now(password: &str, phc: &str) -> Result<bool> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| Error::Internal(format!("stored hash: {e}")))?;
    Ok(argon2()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// [`hash_now`] on the blocking pool.
pub async fn hash(password: String) -> Result<String> {
    web::block(move || hash_now(&password))
        .await
        .map_err(|e| Error::Internal(format!("blocking pool: {e}")))?
}

/// [`verify_now`] on the blocking pool.
pub async fn verify(password: String, phc: String) -> Result<bool> {
    web::block(move || verify_now(&password, &phc))
        .await
        .map_err(|e| Error::Internal(format!("blocking pool: {e}")))?
}

/// Checks that `phc` is an argon2 PHC string with a hash; the error says why not.
pub fn check_phc(phc: &str) -> std::result::Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|_| "is not a PHC string".to_owned())?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err("must be an argon2 hash ($argon2id$...)".into());
    }
    if parsed.hash.is_none() {
        return Err("has no hash part".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[actix_web::test]
    async fn hashes_verify_their_password_only() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!h.contains("correct"));
        assert_ne!(h, hash_now("correct horse").unwrap(), "salts differ");
        assert!(verify("correct horse".into(), h.clone()).await.unwrap());
        assert!(!verify("wrong".into(), h.clone()).await.unwrap());
        assert!(verify("x".into(), "garbage".into()).await.is_err());
        assert!(check_phc(&h).is_ok());
    }

    #[test]
    fn only_argon2_phc_strings_pass_the_check() {
        assert!(check_phc("plain").is_err());
        assert!(check_phc("$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA").is_err());
    }

    #[test]
    fn hashes_of_other_parameters_verify() {
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = cheap.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(verify_now("pw", &phc).unwrap());
        assert!(!verify_now("pW", &phc).unwrap());
    }
}
