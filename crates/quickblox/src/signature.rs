//! The request signature: HMAC-SHA1 (or HMAC-SHA256) under the application's `auth_secret` of
//! the canonical string, compared in constant time.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

use crate::params::Params;

/// The parameter that carries the signature (and is left out of the signed message).
pub const SIGNATURE: &str = "signature";

/// The signed message: every parameter but `signature`, as `name=value` with decoded values,
/// sorted as strings (bytewise), joined with `&`.
pub fn canonical(params: &Params) -> String {
    let mut parts: Vec<String> = params
        .pairs()
        .iter()
        .filter(|(name, _)| name != SIGNATURE)
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    parts.sort_unstable();
    parts.join("&")
}

/// Whether `presented` (hex, 40 characters for SHA-1 or 64 for SHA-256, any case) is the
/// signature of `message` under `secret`. The comparison is constant-time.
pub fn verify(secret: &str, message: &str, presented: &str) -> bool {
    let Ok(bytes) = hex::decode(presented) else {
        return false;
    };
    match bytes.len() {
        20 => mac::<Hmac<Sha1>>(secret, message).is_some_and(|m| m.verify_slice(&bytes).is_ok()),
        32 => mac::<Hmac<Sha256>>(secret, message).is_some_and(|m| m.verify_slice(&bytes).is_ok()),
        _ => false,
    }
}

/// The HMAC-SHA1 signature of `message` as lowercase hex (what the SDK sends by default).
pub fn sign_sha1(secret: &str, message: &str) -> String {
    mac::<Hmac<Sha1>>(secret, message)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// The HMAC-SHA256 signature of `message` as lowercase hex.
pub fn sign_sha256(secret: &str, message: &str) -> String {
    mac::<Hmac<Sha256>>(secret, message)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &str, message: &str) -> Option<M> {
    // HMAC takes keys of any length; `None` is unreachable in practice.
    let mut m = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    m.update(message.as_bytes());
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::Malformed;

    const SECRET: &str = "s3cr3tS3cr3t";

    #[test]
    fn worked_example_application_session() {
        let p = Params::from_form(
            b"timestamp=1795317711&nonce=8396&auth_key=k3yK3yK3y&application_id=4242&signature=x",
            Malformed::Form,
        )
        .unwrap();
        let message = canonical(&p);
        assert_eq!(
            message,
            "application_id=4242&auth_key=k3yK3yK3y&nonce=8396&timestamp=1795317711"
        );
        assert_eq!(
            sign_sha1(SECRET, &message),
            "9fb8bed202bb290ffe4c0272f8ab3fc1b0fe3f6d"
        );
        assert!(verify(
            SECRET,
            &message,
            "9fb8bed202bb290ffe4c0272f8ab3fc1b0fe3f6d"
        ));
        assert!(verify(
            SECRET,
            &message,
            "9FB8BED202BB290FFE4C0272F8AB3FC1B0FE3F6D"
        ));
        assert!(!verify(
            "other",
            &message,
            "9fb8bed202bb290ffe4c0272f8ab3fc1b0fe3f6d"
        ));
    }

    #[test]
    fn worked_example_user_session_with_encoded_password() {
        let p = Params::from_form(
            b"application_id=4242&auth_key=k3yK3yK3y&nonce=9357&signature=x&timestamp=1795317711\
              &user[login]=alice&user[password]=a%26b%3Dc%2Bd%2F%C3%A9",
            Malformed::Form,
        )
        .unwrap();
        let message = canonical(&p);
        assert_eq!(
            message,
            "application_id=4242&auth_key=k3yK3yK3y&nonce=9357&timestamp=1795317711\
             &user[login]=alice&user[password]=a&b=c+d/é"
        );
        assert_eq!(
            sign_sha1(SECRET, &message),
            "2ba51dda7fdb05af95fb5c2547f060ffd330fcd2"
        );
        // The same request as JSON with a nested user signs the same.
        let j = Params::from_json(
            r#"{"application_id":4242,"auth_key":"k3yK3yK3y","nonce":"9357","timestamp":1795317711,
                "user":{"login":"alice","password":"a&b=c+d/é"},"signature":"x"}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(canonical(&j), message);
    }

    #[test]
    fn sha256_is_accepted_by_length_and_junk_is_not() {
        let m = "application_id=4242&auth_key=k3yK3yK3y&nonce=1&timestamp=2";
        let s = sign_sha256(SECRET, m);
        assert_eq!(s.len(), 64);
        assert!(verify(SECRET, m, &s));
        let sha1 = sign_sha1(SECRET, m);
        for bad in ["", "zz", &sha1[..38], &format!("{sha1}00"), &s[..62]] {
            assert!(!verify(SECRET, m, bad), "{bad:?}");
        }
    }
}
