//! The key rings `[store]` configures: the token key ring (`token_secret` and
//! `previous_token_secrets`) and the secrets key ring (`secrets_key` and
//! `previous_secrets_keys`), their checks, and the start-up rule that refuses a production
//! gateway without `secrets_key` once run-time tenants exist in the store.

use std::sync::Arc;

use session_core::secrets::{self, Sealer};
use session_core::{tenants, SessionStore, SharedClock, TokenHasher};

use crate::configuration::{Backend, StoreSettings};

/// The token key ring.
pub fn token_ring(store: &StoreSettings) -> TokenHasher {
    TokenHasher::ring(&store.token_secret, &store.previous_token_secrets)
}

/// The secrets key ring (checked by [`validate`]: keys that do not parse are left out).
pub fn sealer(store: &StoreSettings) -> Sealer {
    let active = store
        .secrets_key
        .as_deref()
        .and_then(|k| secrets::parse_key(k).ok());
    let previous: Vec<[u8; secrets::KEY_LEN]> = store
        .previous_secrets_keys
        .iter()
        .filter_map(|k| secrets::parse_key(k).ok())
        .collect();
    Sealer::new(active, &previous)
}

/// How many run-time tenant documents the store holds, as stored (sealed or not).
pub async fn tenant_documents(store: &dyn SessionStore) -> session_core::Result<usize> {
    let mut n = 0;
    for collection in tenants::ALL {
        n += store.doc_list(collection).await?.len();
    }
    Ok(n)
}

/// The start-up rule: outside `local`/`test`, a Redis store that holds run-time tenants needs
/// `store.secrets_key` (their secrets must not be written plain). A store that does not answer
/// cannot tell; the gateway then starts, with a warning.
pub async fn refuse_plain_tenants(
    store: &StoreSettings,
    relaxed: bool,
    clock: SharedClock,
) -> Result<(), String> {
    if relaxed || store.secrets_key.is_some() || store.backend != Backend::Redis {
        return Ok(());
    }
    let raw =
        session_redis::RedisStore::new(store.redis_settings().map_err(|e| e.to_string())?, clock)
            .map_err(|e| e.to_string())?
            .with_sealer(Sealer::passthrough());
    match tenant_documents(&raw).await {
        Ok(0) => Ok(()),
        Ok(n) => Err(format!(
            "store.secrets_key: the store holds {n} run-time tenant document{}; set \
             GATEWAY__STORE__SECRETS_KEY (32 random bytes, base64) so that their secrets are \
             not kept plain, then run `session-gateway rotate-secrets`",
            if n == 1 { "" } else { "s" }
        )),
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether run-time tenants exist (store.secrets_key is unset)");
            Ok(())
        }
    }
}

/// A store of the configured backend that leaves documents as stored (for `rotate-secrets`).
pub fn raw_store(
    store: &StoreSettings,
    clock: SharedClock,
) -> Result<Arc<dyn SessionStore>, String> {
    match store.backend {
        Backend::Memory => Err("store.backend: the memory store keeps nothing between runs; there is nothing to rotate".into()),
        Backend::Redis => {
            let settings = store.redis_settings().map_err(|e| e.to_string())?;
            let raw = session_redis::RedisStore::new(settings, clock)
                .map_err(|e| e.to_string())?
                .with_sealer(Sealer::passthrough());
            Ok(Arc::new(raw))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::configuration::{Settings, Sources};

    fn store(overlay: &str, env: &str) -> Result<Settings, String> {
        Settings::load_from(Sources {
            environment: Some(env.into()),
            config_dir: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")),
            overlay: Some(overlay.into()),
            ..Default::default()
        })
        .map_err(|e| e.to_string())
    }

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const KEY_B: &str = "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=";

    #[test]
    fn rings_are_built_from_the_store_section() {
        let s = store(
            &format!(
                "[store]\ntoken_secret = \"new-token-secret-0123\"\n\
                 previous_token_secrets = [\"old-token-secret-0123\"]\n\
                 secrets_key = \"{KEY_A}\"\nprevious_secrets_keys = [\"{KEY_B}\"]"
            ),
            "production",
        )
        .unwrap();
        let ring = token_ring(&s.store);
        assert_eq!(
            ring.hash("t"),
            TokenHasher::new("new-token-secret-0123").hash("t")
        );
        assert_eq!(
            ring.previous()[0].hash("t"),
            TokenHasher::new("old-token-secret-0123").hash("t")
        );
        let sealer = sealer(&s.store);
        assert!(sealer.seals());
        let masked = s.masked_toml();
        for secret in ["old-token-secret-0123", KEY_A, KEY_B] {
            assert!(!masked.contains(secret), "{masked}");
        }
    }

    #[test]
    fn bad_rings_name_their_key() {
        let active = "token_secret = \"prod-token-secret-0123\"";
        for (lines, key) in [
            (
                format!("{active}\nprevious_token_secrets = [\"short\"]"),
                "store.previous_token_secrets",
            ),
            (
                format!("{active}\nprevious_token_secrets = [\"prod-token-secret-0123\"]"),
                "store.previous_token_secrets",
            ),
            (
                format!("{active}\nsecrets_key = \"too-short\""),
                "store.secrets_key",
            ),
            (
                format!(
                    "{active}\nsecrets_key = \"{KEY_A}\"\nprevious_secrets_keys = [\"{KEY_A}\"]"
                ),
                "store.previous_secrets_keys",
            ),
        ] {
            let e = store(&format!("[store]\n{lines}"), "production").unwrap_err();
            assert!(e.starts_with(key), "{lines}: {e}");
            assert!(
                !e.contains("prod-token-secret") && !e.contains(KEY_A),
                "{e}"
            );
        }
    }
}
