//! Access tokens this worker has verified before. A check of a token seen again skips what
//! only the token decides: its signature, the base64 and JSON of its claims, the session's place
//! and the keyed hash of its `jti` (about a fifth of a check's CPU). What can change is still
//! looked at on every use: `exp` against the clock, and the session in the store. On the memory
//! store the session's last check is kept with the store's watch on it
//! ([`session_core::HeadWatch`]) and stands until the watch ends (any change or removal of the
//! session) or the session expires, so a remembered token's check reads nothing.
//!
//! Only tokens of configured networks are kept: their keys cannot change while the process runs,
//! so neither can the verdict on their signature. A run-time network's document can be changed
//! or deleted in the store, so its tokens are verified every time.
//!
//! An entry is filed under a keyed hash of the token's signature and holds the signed part
//! (header and claims, which anyone holding the token can read) to compare in full. The hash is
//! SipHash-2-4 with a 128-bit output, under a 128-bit key drawn when the worker starts, for this
//! memo alone: a pseudorandom function made for short inputs, so without the key no one can
//! find another signature with the same slot (a guess lands with a chance of 2^-128), and it
//! costs about a quarter of an HMAC-SHA256 of the same 43 characters. The signature is the
//! token's only secret part, 43 characters rather than the whole token's 500. So no token is
//! held in plain form, a forged token cannot land on a genuine one's entry, and a genuine
//! signature under other claims is not taken for the genuine token. The memo holds at most
//! [`MEMO_ENTRIES`] tokens; when it is full, the expired ones go, and if none has expired, the
//! memo starts over.
//!
//! Each worker builds its own flavor state, memo included, and only that worker's thread
//! touches it: the memo and its entries take no lock.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use session_core::token::random_bytes;
use session_core::{HeadWatch, SessionHead, SessionRef, TokenHash, TokenHasher};
use siphasher::sip128::{Hasher128, SipHasher24};

use crate::jws::AccessClaims;
use crate::network::Network;

/// Most tokens one worker remembers (each about 920 bytes of the process's memory, measured with
/// 16,000 tokens of 467 characters before an entry kept its store check, which adds about 30
/// bytes: at most about 16 MB per worker).
pub const MEMO_ENTRIES: usize = 16_384;

/// What a verified access token names.
#[derive(Debug)]
pub struct Verified {
    /// The token's network.
    pub network: Arc<Network>,
    /// Its claims.
    pub claims: AccessClaims,
    /// Where its session is stored.
    pub session: SessionRef,
    /// The keyed hash of its `jti` under the active token key (what the session's head holds).
    pub jti_hash: TokenHash,
    /// The last store check of the session that still stands (memory store only).
    checked: RefCell<Option<Checked>>,
}

/// A store check that found the session live and this token its current one, with the store's
/// watch on the session.
#[derive(Debug)]
struct Checked {
    watch: HeadWatch,
    /// The session's expiry, ms since the epoch.
    expires_ms: i64,
    /// Its last recorded use, as the check read it.
    updated_at: DateTime<Utc>,
}

impl Verified {
    /// What a token names, not yet checked against the store.
    pub fn new(
        session: SessionRef,
        jti_hash: TokenHash,
        network: Arc<Network>,
        claims: AccessClaims,
    ) -> Self {
        Self {
            network,
            claims,
            session,
            jti_hash,
            checked: RefCell::new(None),
        }
    }

    /// Keeps a store check that found the session live and this token its current one (`head`
    /// as read), to stand while `watch` holds.
    pub fn keep_check(&self, watch: HeadWatch, head: &SessionHead) {
        if let Ok(mut checked) = self.checked.try_borrow_mut() {
            *checked = Some(Checked {
                watch,
                expires_ms: head.expires_at.timestamp_millis(),
                updated_at: head.updated_at,
            });
        }
    }

    /// The session's last recorded use, when the last store check still stands at `now_ms`:
    /// the store's watch holds and the session has not expired.
    pub fn still_checked(&self, now_ms: i64) -> Option<DateTime<Utc>> {
        let checked = self.checked.try_borrow().ok()?;
        let c = checked.as_ref()?;
        (c.watch.holds() && now_ms < c.expires_ms).then_some(c.updated_at)
    }

    /// The keyed hashes the token's `jti` may be stored under: the active key's (computed once,
    /// when the token was verified), then, lazily, each previous key's.
    pub fn jti_hashes<'a>(
        &'a self,
        hasher: &'a TokenHasher,
    ) -> impl Iterator<Item = TokenHash> + 'a {
        let previous = hasher.previous().iter();
        std::iter::once(self.jti_hash).chain(previous.map(|k| k.hash(&self.claims.jti)))
    }
}

/// How the memo's map hashes a slot: its bytes folded, not hashed again. A slot is a keyed hash
/// under the memo's own random key, as good as random to anyone without that key, so no one can
/// choose slots that collide, and a second keyed hash (the map's default) would buy nothing.
#[derive(Default)]
struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(29) ^ u64::from_le_bytes(word);
        }
    }
}

/// One remembered token: its signed part (compared in full on every hit) and its verdict.
struct Entry {
    signed: Box<str>,
    verified: Rc<Verified>,
}

/// A compact JWS split at its last dot: the signed part (header and claims) and the signature.
fn split(token: &str) -> Option<(&str, &str)> {
    token.rsplit_once('.')
}

/// The place of an entry: the keyed hash of a token's signature.
type Slot = u128;

/// The worker's memo of verified tokens (the worker's own: not shared between threads).
pub struct TokenMemo {
    /// Keys the entries' slots; `None` when the system had no random key to give (nothing is
    /// kept).
    key: Option<SipHasher24>,
    entries: RefCell<HashMap<Slot, Entry, BuildHasherDefault<SlotHasher>>>,
    capacity: usize,
}

impl TokenMemo {
    /// An empty memo of at most `capacity` tokens.
    pub fn new(capacity: usize) -> Self {
        let key = match random_bytes::<16>() {
            Ok(bytes) => Some(SipHasher24::new_with_key(&bytes)),
            Err(e) => {
                tracing::warn!(error = %e, "amity: no random key for the token memo; every check verifies its token");
                None
            }
        };
        Self {
            key,
            entries: RefCell::new(HashMap::default()),
            capacity,
        }
    }

    /// What `token` was verified to name, when it was verified before.
    pub fn get(&self, token: &str) -> Option<Rc<Verified>> {
        let (signed, signature) = split(token)?;
        let slot = self.slot(signature)?;
        let entries = self.entries.try_borrow().ok()?;
        let entry = entries.get(&slot)?;
        (*entry.signed == *signed).then(|| entry.verified.clone())
    }

    /// Remembers that `token` verified to `verified`, and hands it back; `now` (seconds since
    /// the epoch) tells which entries have expired when the memo is full.
    pub fn keep(&self, token: &str, verified: Verified, now: i64) -> Rc<Verified> {
        let verified = Rc::new(verified);
        let Some((signed, signature)) = split(token) else {
            return verified;
        };
        let (Some(slot), Ok(mut entries)) = (self.slot(signature), self.entries.try_borrow_mut())
        else {
            return verified;
        };
        if entries.len() >= self.capacity {
            entries.retain(|_, e| e.verified.claims.exp > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        let entry = Entry {
            signed: signed.into(),
            verified: verified.clone(),
        };
        entries.insert(slot, entry);
        verified
    }

    fn slot(&self, signature: &str) -> Option<Slot> {
        let mut hasher = self.key?;
        hasher.write(signature.as_bytes());
        Some(hasher.finish128().as_u128())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use session_core::{Flavor, Owner, SessionId};

    use super::*;
    use crate::settings::{NetworkSettings, Settings};

    fn len(memo: &TokenMemo) -> usize {
        memo.entries.borrow().len()
    }

    fn verified(exp: i64) -> Verified {
        let settings = Settings {
            networks: vec![NetworkSettings {
                api_key: "memo-key".into(),
                ..Default::default()
            }],
            ..Settings::default()
        };
        let hasher = TokenHasher::new("memo-test-secret");
        let network = Arc::new(Network::new(
            settings.networks[0].clone(),
            &hasher,
            Arc::default(),
        ));
        Verified::new(
            SessionRef::new(
                Owner::new(Flavor::Amity, &["n", "u"]).unwrap(),
                SessionId::parse("0123456789abcdef").unwrap(),
            ),
            hasher.hash("j"),
            network,
            AccessClaims {
                user_id: "u".into(),
                network_id: "n".into(),
                sid: "s".into(),
                jti: "j".into(),
                exp,
                nk: None,
            },
        )
    }

    #[test]
    fn a_kept_token_is_found_and_no_other() {
        let memo = TokenMemo::new(4);
        assert!(memo.get("a.b.c").is_none());
        let kept = memo.keep("a.b.c", verified(100), 0);
        let found = memo.get("a.b.c").unwrap();
        assert!(Rc::ptr_eq(&kept, &found));
        assert!(memo.get("a.b.d").is_none());
        assert!(memo.get("a.b.c ").is_none());
        // The genuine signature under other claims, or with nothing signed, is not the token.
        assert!(memo.get("a.x.c").is_none());
        assert!(memo.get("a.bb.c").is_none());
        assert!(memo.get(".c").is_none());
        assert!(memo.get("c").is_none());
        assert_eq!(len(&memo), 1);
        // A string that is no compact JWS is not kept.
        memo.keep("no-dots", verified(100), 0);
        assert!(memo.get("no-dots").is_none());
        assert_eq!(len(&memo), 1);
    }

    #[test]
    fn a_jti_hashes_under_the_active_key_then_each_previous_one() {
        let ring = TokenHasher::ring("memo-test-secret", &["old-secret"]);
        let v = verified(100);
        let hashes: Vec<TokenHash> = v.jti_hashes(&ring).collect();
        let old = TokenHasher::new("old-secret");
        assert_eq!(hashes, vec![v.jti_hash, old.hash("j")]);
        assert_eq!(hashes[0], TokenHasher::new("memo-test-secret").hash("j"));
        assert_eq!(v.jti_hashes(&TokenHasher::new("x")).count(), 1);
    }

    #[test]
    fn two_workers_file_one_token_under_different_keys() {
        let (a, b) = (TokenMemo::new(4), TokenMemo::new(4));
        assert_ne!(a.slot("t"), b.slot("t"));
        assert_eq!(a.slot("t"), a.slot("t"));
    }

    #[test]
    fn a_full_memo_drops_the_expired_then_starts_over() {
        let memo = TokenMemo::new(3);
        memo.keep("h.p.old", verified(10), 0);
        memo.keep("h.p.live-1", verified(100), 0);
        memo.keep("h.p.live-2", verified(100), 0);
        // Full at 3: the expired token goes, the live ones stay.
        memo.keep("h.p.live-3", verified(100), 50);
        assert!(memo.get("h.p.old").is_none());
        assert!(memo.get("h.p.live-1").is_some() && memo.get("h.p.live-3").is_some());
        assert_eq!(len(&memo), 3);
        // Full, nothing expired: it starts over with the new token alone.
        memo.keep("h.p.live-4", verified(100), 50);
        assert_eq!(len(&memo), 1);
        assert!(memo.get("h.p.live-4").is_some() && memo.get("h.p.live-1").is_none());
    }
}
