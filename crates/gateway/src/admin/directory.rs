//! Every tenant and credential the admin API knows, read per request: those of the
//! configuration (each flavor lists its entries) and those added at run time (store documents).
//! Each entry has its kind, source and id and, for a tenant, the id its sessions carry and the
//! names operators know it by, so that listings take those names.

use flavor_kit::tenant_ids;
use flavor_kit::tenants::{Document, Known, TenantKind};
use serde::Serialize;
use session_core::Flavor;

use super::errors::AdminError;
use super::state::AdminState;
use crate::flavors;

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = AdminTenantSource)]
pub(crate) enum Source {
    /// The configuration files and environment (changed there, not through the API).
    Config,
    /// The store, through the admin API.
    Runtime,
}

/// One tenant or credential.
pub(crate) struct Entry {
    pub kind: &'static TenantKind,
    pub flavor: Flavor,
    pub source: Source,
    pub id: String,
    pub doc: Document,
    pub known: Option<Known>,
}

/// The entries of every kind (or one).
pub(crate) struct Directory {
    entries: Vec<Entry>,
}

/// Every kind of every flavor, with its flavor.
fn kinds() -> impl Iterator<Item = (Flavor, &'static TenantKind)> {
    flavors::all().flat_map(|r| r.tenant_kinds().iter().map(move |k| (r.flavor(), k)))
}

impl Directory {
    /// Reads the configured entries and the stored documents of every kind, or of `only`.
    pub(crate) async fn load(
        state: &AdminState,
        only: Option<&'static TenantKind>,
    ) -> Result<Self, AdminError> {
        let wanted = |k: &TenantKind| only.is_none_or(|o| o.name == k.name);
        let mut entries = Vec::new();
        for r in flavors::all() {
            let Some(section) = state.sections.get(r.flavor()) else {
                continue;
            };
            for (kind_name, doc) in section.configured() {
                let Some(kind) = r.tenant_kinds().iter().find(|k| k.name == kind_name) else {
                    continue;
                };
                if wanted(kind) {
                    entries.push(entry(state, r.flavor(), kind, Source::Config, None, doc));
                }
            }
        }
        for (flavor, kind) in kinds().filter(|(_, k)| wanted(k)) {
            let docs = state.store.doc_list(kind.collection).await?;
            let mut shown: Vec<String> = Vec::new();
            for (id, text) in &docs {
                let Ok(doc) = serde_json::from_str::<Document>(text) else {
                    continue;
                };
                let id = shown_id(state, kind, &doc, id, &docs);
                if shown.contains(&id) {
                    continue;
                }
                shown.push(id.clone());
                entries.push(entry(state, flavor, kind, Source::Runtime, Some(id), doc));
            }
        }
        Ok(Self { entries })
    }

    /// Every entry: configured ones first.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The tenant ids of `flavor` that `name` stands for: those of the entries it names, and
    /// `name` itself (a tenant id is its own name).
    pub(crate) fn tenants_named(&self, flavor: Flavor, name: &str) -> Vec<String> {
        let mut out = vec![name.to_owned()];
        for e in self.entries.iter().filter(|e| e.flavor == flavor) {
            if let Some(k) = &e.known {
                if k.names.iter().any(|n| n == name) && !out.contains(&k.tenant) {
                    out.push(k.tenant.clone());
                }
            }
        }
        out
    }

    /// A name of the tenant `tenant` of `flavor` other than its id, when it has one.
    pub(crate) fn label(&self, flavor: Flavor, tenant: &str) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| e.flavor == flavor)
            .filter_map(|e| e.known.as_ref())
            .filter(|k| k.tenant == tenant)
            .flat_map(|k| k.names.iter())
            .find(|n| *n != tenant)
            .map(String::as_str)
    }

    /// Whether the configuration holds an entry of `kind` with `id`.
    pub(crate) fn configured(&self, kind: &TenantKind, id: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.source == Source::Config && e.kind.name == kind.name && e.id == id)
    }
}

/// The id a stored document is listed under. A kind whose id is a keyed hash files each
/// document under the id of every token key of the ring: one entry per document, under the
/// active key's id when the document has one.
fn shown_id(
    state: &AdminState,
    kind: &TenantKind,
    doc: &Document,
    id: &str,
    docs: &[(String, String)],
) -> String {
    let ids = tenant_ids::ids(kind, doc, &state.hasher).unwrap_or_default();
    match ids.first() {
        Some(active) if docs.iter().any(|(other, _)| other == active) => active.clone(),
        _ => id.to_owned(),
    }
}

fn entry(
    state: &AdminState,
    flavor: Flavor,
    kind: &'static TenantKind,
    source: Source,
    id: Option<String>,
    doc: Document,
) -> Entry {
    let id = id
        .or_else(|| kind.id_of(&doc, &state.hasher).ok())
        .unwrap_or_default();
    Entry {
        kind,
        flavor,
        source,
        known: (kind.known)(&doc, &state.hasher),
        id,
        doc,
    }
}
