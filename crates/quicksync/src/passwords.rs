//! Session passwords: Argon2id hashes (PHC strings), computed on the blocking pool.

use actix_web::web;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use session_core::token::random_bytes;
use session_core::Error;

/// The Argon2id hash of `password` with a fresh salt.
pub async fn hash(password: String) -> session_core::Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| Error::Internal(format!("salt: {e}")))?;
    web::block(move || {
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("blocking pool: {e}")))?
}

/// Whether `password` matches the PHC string `phc`.
pub async fn verify(password: String, phc: String) -> session_core::Result<bool> {
    web::block(move || {
        let parsed =
            PasswordHash::new(&phc).map_err(|e| Error::Internal(format!("stored hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| Error::Internal(format!("blocking pool: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn hashes_verify_their_password_only() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(!h.contains("correct"));
        assert!(verify("correct horse".into(), h.clone()).await.unwrap());
        assert!(!verify("wrong".into(), h).await.unwrap());
        assert!(verify("x".into(), "garbage".into()).await.is_err());
    }
}
