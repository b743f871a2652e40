//! `session-gateway rotate-secrets`: files every run-time tenant document under the rings the
//! configuration names. Each document is sealed again under `store.secrets_key` (documents that
//! were plain or sealed under a previous key), filed under the active token key's id (kinds
//! whose id is a keyed hash), and removed from ids made with token keys the ring no longer
//! lists. Safe to run while gateways serve, and again: a second run changes nothing.

use std::fmt;

use flavor_kit::tenant_ids;
use flavor_kit::tenants::{Document, TenantKind};
use session_core::secrets::{Sealer, Sealing};
use session_core::{SessionStore, TokenHasher};

use crate::flavors;

/// What a run did to one kind's documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Documents read.
    pub examined: usize,
    /// Sealed again under the active secrets key (they were plain or under a previous key).
    pub resealed: usize,
    /// Copies written under the active token key's id.
    pub rekeyed: usize,
    /// Copies removed from ids of token keys the ring no longer lists.
    pub removed: usize,
    /// Already sealed under the active key and filed under a listed key's id.
    pub current: usize,
    /// Documents that do not open (sealed under a key the configuration does not list, or
    /// altered) or are not tenants: left as they are.
    pub unreadable: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.examined += o.examined;
        self.resealed += o.resealed;
        self.rekeyed += o.rekeyed;
        self.removed += o.removed;
        self.current += o.current;
        self.unreadable += o.unreadable;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} examined, {} resealed, {} re-keyed, {} removed, {} current, {} unreadable",
            self.examined, self.resealed, self.rekeyed, self.removed, self.current, self.unreadable
        )
    }
}

/// A whole run: counts per tenant kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// `(kind, counts)` in registry order.
    pub kinds: Vec<(&'static str, Counts)>,
}

impl Report {
    /// The counts of every kind added up.
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for (_, c) in &self.kinds {
            t.add(c);
        }
        t
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (kind, c) in &self.kinds {
            writeln!(f, "{kind}: {c}")?;
        }
        write!(f, "total: {}", self.total())
    }
}

/// Rotates every kind's documents in `raw` (a store that leaves documents as stored).
pub async fn run(
    raw: &dyn SessionStore,
    ring: &TokenHasher,
    sealer: &Sealer,
) -> session_core::Result<Report> {
    let mut report = Report::default();
    for kind in flavors::tenant_kinds() {
        let counts = rotate_kind(raw, kind, ring, sealer).await?;
        report.kinds.push((kind.name, counts));
    }
    Ok(report)
}

async fn rotate_kind(
    raw: &dyn SessionStore,
    kind: &TenantKind,
    ring: &TokenHasher,
    sealer: &Sealer,
) -> session_core::Result<Counts> {
    let collection = kind.collection;
    let mut c = Counts::default();
    for (id, stored) in raw.doc_list(collection).await? {
        c.examined += 1;
        let Ok((text, sealing)) = sealer.open(collection, &id, &stored) else {
            c.unreadable += 1;
            continue;
        };
        let targets = match serde_json::from_str::<Document>(&text) {
            Ok(doc) if kind.id_hashed => tenant_ids::ids(kind, &doc, ring).ok(),
            Ok(_) => Some(vec![id.clone()]),
            Err(_) => None,
        };
        let Some(targets) = targets else {
            c.unreadable += 1;
            continue;
        };
        let active = &targets[0];
        if *active != id && raw.doc_get(collection, active).await?.is_none() {
            raw.doc_put(collection, active, &sealer.seal(collection, active, &text)?)
                .await?;
            c.rekeyed += 1;
        }
        if !targets.contains(&id) {
            raw.doc_delete(collection, &id).await?;
            c.removed += 1;
        } else if sealer.seals() && sealing != Sealing::Active {
            raw.doc_put(collection, &id, &sealer.seal(collection, &id, &text)?)
                .await?;
            c.resealed += 1;
        } else {
            c.current += 1;
        }
    }
    Ok(c)
}
