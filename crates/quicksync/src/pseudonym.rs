//! Readable pseudonyms (`Brave-Otter-42`), unique within a session: each is claimed in the store
//! (an atomic one-use claim keyed by session and pseudonym) before a member takes it.

use chrono::Duration;
use session_core::token::random_bytes;
use session_core::{SessionId, SharedStore};

const ADJECTIVES: [&str; 32] = [
    "Amber", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Crimson", "Daring", "Eager", "Fancy",
    "Gentle", "Golden", "Happy", "Jolly", "Kind", "Lively", "Lucky", "Mellow", "Misty", "Noble",
    "Proud", "Quick", "Quiet", "Rapid", "Silver", "Sunny", "Swift", "Tidy", "Velvet", "Witty",
    "Zesty", "Bold",
];

const ANIMALS: [&str; 32] = [
    "Badger", "Beaver", "Bison", "Cheetah", "Condor", "Coyote", "Dolphin", "Falcon", "Ferret",
    "Gazelle", "Heron", "Ibis", "Jaguar", "Koala", "Lemur", "Lynx", "Marmot", "Moose", "Narwhal",
    "Ocelot", "Otter", "Panda", "Puffin", "Quokka", "Raven", "Salmon", "Tapir", "Tiger", "Walrus",
    "Wombat", "Yak", "Zebra",
];

/// Attempts before giving up (each has a chance of at least 1 - members/92160 to succeed).
const ATTEMPTS: usize = 24;

/// A random pseudonym: adjective, animal and a number from 10 to 99.
pub fn random() -> session_core::Result<String> {
    let b = random_bytes::<3>()?;
    Ok(format!(
        "{}-{}-{}",
        ADJECTIVES[usize::from(b[0]) % ADJECTIVES.len()],
        ANIMALS[usize::from(b[1]) % ANIMALS.len()],
        10 + u16::from(b[2]) % 90
    ))
}

/// A pseudonym no other member of `group` has had, claimed for `ttl`.
pub async fn claim_unique(
    store: &SharedStore,
    group: &SessionId,
    ttl: Duration,
) -> session_core::Result<String> {
    for _ in 0..ATTEMPTS {
        let candidate = random()?;
        let key = format!("qs:pseudonym:{group}:{}", candidate.to_ascii_lowercase());
        if store.claim_nonce(&key, ttl).await? {
            return Ok(candidate);
        }
    }
    Err(session_core::Error::Internal(
        "no free pseudonym found for the session".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_readable() {
        for _ in 0..100 {
            let p = random().unwrap();
            let parts: Vec<&str> = p.split('-').collect();
            assert_eq!(parts.len(), 3, "{p}");
            assert!(ADJECTIVES.contains(&parts[0]) && ANIMALS.contains(&parts[1]));
            let n: u16 = parts[2].parse().unwrap();
            assert!((10..100).contains(&n));
        }
    }
}
