//! Whole owners out of and into the memory store, for testing mode (never on a request path):
//! each one step under the owner's shard lock.

use std::sync::atomic::Ordering;

use super::owner::{Credential, OwnerState, Stored};
use super::MemoryStore;
use crate::clock::{from_millis, to_millis};
use crate::error::{Error, Result};
use crate::model::Owner;
use crate::snapshot::{CredentialDump, OwnerDump, Removed};

impl MemoryStore {
    /// Everything `owner` holds that is live now.
    pub(super) fn export(&self, owner: &Owner) -> Result<Option<OwnerDump>> {
        self.read_owner(owner, |st, now| {
            let Some(st) = st else { return Ok(None) };
            let mut dump = OwnerDump::new(owner.clone());
            for (_, id) in &st.by_created {
                dump.sessions.push(st.sessions[id].decode(owner, id)?);
            }
            dump.doc = st.doc.as_deref().map(crate::doc::decode).transpose()?;
            dump.names = st
                .names
                .iter()
                .map(|(name, id)| (name.clone(), id.clone()))
                .collect();
            dump.credentials = st
                .credentials
                .iter()
                .map(|(hash, c)| CredentialDump {
                    hash: *hash,
                    created_at: from_millis(c.created),
                    expires_at: from_millis(c.expires),
                })
                .collect();
            dump.spent = st
                .spent
                .iter()
                .map(|(id, spent)| (id.clone(), spent.clone()))
                .collect();
            let dump = dump.live_at(now);
            Ok((!dump.is_empty()).then_some(dump))
        })
    }

    /// Replaces everything `dump.owner` holds with what of `dump` is live now.
    pub(super) fn import(&self, dump: &OwnerDump) -> Result<()> {
        dump.check()?;
        let now = self.now();
        let dump = dump.clone().live_at(now);
        let mut st = OwnerState::default();
        for s in &dump.sessions {
            st.insert(s.id.clone(), Stored::new(s)?);
        }
        for (name, id) in &dump.names {
            st.names.insert(name.clone(), id.clone());
        }
        for c in &dump.credentials {
            st.credentials.insert(
                c.hash,
                Credential {
                    created: to_millis(c.created_at),
                    expires: to_millis(c.expires_at),
                },
            );
        }
        for (id, spent) in &dump.spent {
            st.spent.insert(id.clone(), spent.clone());
        }
        st.doc = dump.doc.as_ref().map(crate::doc::encode).transpose()?;
        let adding = st.sessions.len();
        let mut map = self.shard(&dump.owner);
        let replacing = map.get(&dump.owner).map_or(0, |old| old.sessions.len());
        if self.len() + adding > self.max_sessions + replacing {
            return Err(Error::StoreUnavailable(format!(
                "the memory store is full: {} sessions (store.memory.max_sessions)",
                self.max_sessions
            )));
        }
        self.len.fetch_sub(replacing, Ordering::Relaxed);
        self.len.fetch_add(adding, Ordering::Relaxed);
        if st.is_empty() {
            map.remove(&dump.owner);
        } else {
            map.insert(dump.owner.clone(), st);
        }
        Ok(())
    }

    /// Removes everything `owner` holds.
    pub(super) fn remove(&self, owner: &Owner) -> Removed {
        let Some(st) = self.shard(owner).remove(owner) else {
            return Removed::default();
        };
        self.forget(owner, st.sessions.len(), false);
        Removed {
            sessions: st.sessions.len(),
            documents: usize::from(st.doc.is_some()),
        }
    }

    /// Drops every nonce claim.
    pub(super) fn clear_claims(&self) -> usize {
        self.nonces.clear()
    }
}
