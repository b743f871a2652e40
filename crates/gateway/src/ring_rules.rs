//! The rules of the key rings `[store]` configures (see [`crate::keys`]): sizes, lengths, key
//! formats and repeats, checked when the configuration loads.

use session_core::secrets;

/// Most previous keys of either ring.
pub const MAX_PREVIOUS_KEYS: usize = 8;

/// The keys of both rings, as configured.
#[derive(Debug, Clone, Copy)]
pub struct Rings<'a> {
    /// `store.token_secret`.
    pub token_secret: &'a str,
    /// `store.previous_token_secrets`.
    pub previous_token_secrets: &'a [String],
    /// `store.secrets_key`.
    pub secrets_key: Option<&'a str>,
    /// `store.previous_secrets_keys`.
    pub previous_secrets_keys: &'a [String],
}

/// Checks both rings; on error, the key at fault and why (never the value).
pub fn validate(rings: &Rings<'_>, relaxed: bool) -> Result<(), (&'static str, String)> {
    let previous = &rings.previous_token_secrets;
    if previous.len() > MAX_PREVIOUS_KEYS {
        return Err((
            "store.previous_token_secrets",
            format!("at most {MAX_PREVIOUS_KEYS} keys"),
        ));
    }
    for (i, k) in previous.iter().enumerate() {
        if k.is_empty() || (!relaxed && k.len() < 16) {
            return Err((
                "store.previous_token_secrets",
                format!("entry {i} must be at least 16 characters"),
            ));
        }
        if *k == rings.token_secret || previous[..i].contains(k) {
            return Err((
                "store.previous_token_secrets",
                format!("entry {i} repeats the active or an earlier key"),
            ));
        }
    }
    if let Some(k) = rings.secrets_key {
        secrets::parse_key(k).map_err(|why| {
            (
                "store.secrets_key",
                format!("{why}: use 32 random bytes as base64 (openssl rand -base64 32)"),
            )
        })?;
    }
    if rings.previous_secrets_keys.len() > MAX_PREVIOUS_KEYS {
        return Err((
            "store.previous_secrets_keys",
            format!("at most {MAX_PREVIOUS_KEYS} keys"),
        ));
    }
    let mut seen: Vec<[u8; secrets::KEY_LEN]> = Vec::new();
    if let Some(active) = rings.secrets_key.and_then(|k| secrets::parse_key(k).ok()) {
        seen.push(active);
    }
    for (i, k) in rings.previous_secrets_keys.iter().enumerate() {
        let key = secrets::parse_key(k)
            .map_err(|why| ("store.previous_secrets_keys", format!("entry {i} {why}")))?;
        if seen.contains(&key) {
            return Err((
                "store.previous_secrets_keys",
                format!("entry {i} repeats the active or an earlier key"),
            ));
        }
        seen.push(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use super::*;

    /// `n` distinct token secrets of 16 characters.
    fn secrets(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("previous-key-{i:03}")).collect()
    }

    /// `n` distinct secrets keys (32 bytes, base64).
    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| STANDARD.encode([i as u8 + 1; 32])).collect()
    }

    fn check(
        previous_token_secrets: &[String],
        previous_secrets_keys: &[String],
    ) -> Result<(), (&'static str, String)> {
        let active = STANDARD.encode([0u8; 32]);
        validate(
            &Rings {
                token_secret: "active-token-secret",
                previous_token_secrets,
                secrets_key: Some(&active),
                previous_secrets_keys,
            },
            false,
        )
    }

    #[test]
    fn each_ring_holds_at_most_eight_previous_keys() {
        assert_eq!(
            check(&secrets(MAX_PREVIOUS_KEYS), &keys(MAX_PREVIOUS_KEYS)),
            Ok(())
        );
        assert_eq!(
            check(&secrets(MAX_PREVIOUS_KEYS + 1), &[]),
            Err(("store.previous_token_secrets", "at most 8 keys".into()))
        );
        assert_eq!(
            check(&[], &keys(MAX_PREVIOUS_KEYS + 1)),
            Err(("store.previous_secrets_keys", "at most 8 keys".into()))
        );
    }

    #[test]
    fn previous_token_secrets_take_sixteen_characters_outside_local_and_test() {
        assert_eq!(check(&["s".repeat(16)], &[]), Ok(()));
        assert_eq!(
            check(&["s".repeat(15)], &[]).unwrap_err().0,
            "store.previous_token_secrets"
        );
        let relaxed = |k: &str| {
            validate(
                &Rings {
                    token_secret: "change-me",
                    previous_token_secrets: &[k.to_owned()],
                    secrets_key: None,
                    previous_secrets_keys: &[],
                },
                true,
            )
        };
        assert_eq!(relaxed("s"), Ok(()));
        assert_eq!(relaxed("").unwrap_err().0, "store.previous_token_secrets");
    }
}
