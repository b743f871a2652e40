//! Stateless wallet-proof nonces: `GET /nonce` keeps nothing; the message it hands out carries
//! the nonce, its issue time and a keyed MAC over both, so `/verify` can tell that this gateway
//! issued it and when. The store then makes each nonce single use (`claim_nonce`).

use chrono::{DateTime, SecondsFormat, Utc};
use session_core::token::{ct_eq_str, random_bytes};
use session_core::TokenHasher;

use crate::errors::NonceError;

/// Largest nonce: 2^53 - 1, so that JavaScript clients read it exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A nonce and the message to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The nonce.
    pub nonce: u64,
    /// The text the wallet signs; it contains the nonce.
    pub message: String,
}

/// What a message that this gateway issued says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemable {
    /// The nonce.
    pub nonce: u64,
    /// When it was issued (whole seconds).
    pub issued_at: DateTime<Utc>,
}

/// Issues fresh nonces; checks messages.
#[derive(Debug, Clone)]
pub struct Nonces {
    hasher: TokenHasher,
    statement: String,
    ttl: chrono::Duration,
}

/// How far in the future an issue time may lie (clock skew between replicas).
const SKEW_SECONDS: i64 = 60;

impl Nonces {
    /// Nonces MACed with `hasher`, whose messages open with `statement` and live `ttl_seconds`.
    pub fn new(hasher: TokenHasher, statement: &str, ttl_seconds: u64) -> Self {
        Self {
            hasher,
            statement: statement.to_owned(),
            ttl: chrono::Duration::seconds(i64::try_from(ttl_seconds).unwrap_or(600)),
        }
    }

    /// How long a nonce may be redeemed.
    pub fn ttl(&self) -> chrono::Duration {
        self.ttl
    }

    /// A fresh nonce issued at `now`.
    pub fn issue(&self, now: DateTime<Utc>) -> session_core::Result<Issued> {
        let nonce = loop {
            let n = u64::from_be_bytes(random_bytes::<8>()?) & MAX_SAFE_INTEGER;
            if n != 0 {
                break n;
            }
        };
        let issued_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        Ok(Issued {
            nonce,
            message: self.render(nonce, &issued_at),
        })
    }

    /// Checks that `message` is one this gateway issued, unaltered and still fresh at `now`.
    pub fn check(&self, message: &str, now: DateTime<Utc>) -> Result<Redeemable, NonceError> {
        let mut lines = message.rsplit('\n');
        let (Some(proof), Some(issued), Some(nonce)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(NonceError::Unknown);
        };
        let nonce_str = nonce.strip_prefix("Nonce: ").ok_or(NonceError::Unknown)?;
        let issued_str = issued
            .strip_prefix("Issued At: ")
            .ok_or(NonceError::Unknown)?;
        let proof = proof.strip_prefix("Proof: ").ok_or(NonceError::Unknown)?;
        let nonce: u64 = nonce_str.parse().map_err(|_| NonceError::Unknown)?;
        // Only the exact text we render is accepted (no leading zeros, no extra lines).
        // Under the active key, or a previous one of the ring (nonces live minutes).
        let genuine = self
            .hasher
            .keys()
            .any(|k| ct_eq_str(&mac(k, nonce, issued_str), proof));
        if self.text(nonce, issued_str, proof) != message || !genuine {
            return Err(NonceError::Unknown);
        }
        let issued_at = DateTime::parse_from_rfc3339(issued_str)
            .map_err(|_| NonceError::Unknown)?
            .with_timezone(&Utc);
        if issued_at > now + chrono::Duration::seconds(SKEW_SECONDS) || now - issued_at > self.ttl {
            return Err(NonceError::Expired);
        }
        Ok(Redeemable { nonce, issued_at })
    }

    /// The store key that makes `nonce` single use.
    pub fn claim_key(nonce: u64) -> String {
        format!("qs:wallet:{nonce}")
    }

    fn render(&self, nonce: u64, issued_at: &str) -> String {
        self.text(nonce, issued_at, &mac(&self.hasher, nonce, issued_at))
    }

    fn text(&self, nonce: u64, issued_at: &str, proof: &str) -> String {
        format!(
            "{}\n\nNonce: {nonce}\nIssued At: {issued_at}\nProof: {proof}",
            self.statement
        )
    }
}

fn mac(key: &TokenHasher, nonce: u64, issued_at: &str) -> String {
    key.hash_parts(&["quicksync-wallet-nonce", &nonce.to_string(), issued_at])
        .to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn nonces() -> Nonces {
        Nonces::new(TokenHasher::new("k"), "Sign in.", 600)
    }

    #[test]
    fn issued_messages_check_out_and_carry_the_nonce() {
        let n = nonces();
        let now = Utc::now();
        let issued = n.issue(now).unwrap();
        assert!(issued.nonce > 0 && issued.nonce <= MAX_SAFE_INTEGER);
        assert!(issued.message.contains(&issued.nonce.to_string()));
        assert!(issued.message.starts_with("Sign in.\n"));
        let r = n
            .check(&issued.message, now + Duration::seconds(599))
            .unwrap();
        assert_eq!(r.nonce, issued.nonce);
        assert_ne!(n.issue(now).unwrap().nonce, issued.nonce);
    }

    #[test]
    fn stale_future_and_altered_messages_are_refused() {
        let n = nonces();
        let now = Utc::now();
        let m = n.issue(now).unwrap().message;
        assert_eq!(
            n.check(&m, now + Duration::seconds(601)),
            Err(NonceError::Expired)
        );
        assert_eq!(
            n.check(&m, now - Duration::seconds(120)),
            Err(NonceError::Expired)
        );
        let other_nonce = m.replace("Nonce: ", "Nonce: 1");
        assert_eq!(n.check(&other_nonce, now), Err(NonceError::Unknown));
        assert_eq!(n.check(&format!("x{m}"), now), Err(NonceError::Unknown));
        assert_eq!(n.check(&format!("{m}\n"), now), Err(NonceError::Unknown));
        assert_eq!(n.check("", now), Err(NonceError::Unknown));
        // Another server secret did not issue it.
        let foreign = Nonces::new(TokenHasher::new("other"), "Sign in.", 600);
        assert_eq!(foreign.check(&m, now), Err(NonceError::Unknown));
        // A ring that lists the issuing key as a previous one accepts it.
        let rotated = Nonces::new(TokenHasher::ring("other", &["k"]), "Sign in.", 600);
        assert_eq!(
            rotated.check(&m, now).map(|r| r.nonce).ok(),
            Some(n.check(&m, now).unwrap().nonce)
        );
    }
}
