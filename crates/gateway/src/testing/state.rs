//! The store's whole state, walked owner by owner (administrative scans, never on a request
//! path): reset everything or one tenant, take a snapshot, load one.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use session_core::tenants::QUICKBLOX_USERS;
use session_core::{Error, Flavor, Owner, OwnerDump, Removed, Result, SharedStore};
use utoipa::ToSchema;

use crate::flavors;

/// The `format` of a snapshot this gateway writes and reads.
pub const FORMAT: &str = "session-gateway/snapshot-1";

/// Owners asked for per scan step.
const SCAN_STEP: usize = 500;

/// A run-time tenant document (or a QuickBlox user managed at run time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TestingSnapshotDocument)]
pub struct Document {
    /// Its collection: one of the run-time tenant kinds' (`amity.networks`, ...).
    #[schema(example = "session_storage.clients")]
    pub collection: String,
    /// Its id in the collection.
    #[schema(example = "client-a")]
    pub id: String,
    /// The document, as stored.
    #[schema(value_type = Object)]
    pub value: Value,
}

/// The whole state: every owner (sessions with their token hashes, users, groups, names,
/// credentials) and every run-time tenant document. Never a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TestingSnapshot)]
pub struct Snapshot {
    /// `session-gateway/snapshot-1`.
    #[schema(example = "session-gateway/snapshot-1")]
    pub format: String,
    /// When it was taken, by the gateway's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<DateTime<Utc>>,
    /// Every owner with what it holds: its sessions (times, role, group, device, attributes,
    /// keyed hashes of their secrets), its document (a user), its group's names, its
    /// credentials and refresh history.
    #[serde(default)]
    #[schema(value_type = Vec<OwnerSchema>)]
    pub owners: Vec<OwnerDump>,
    /// Every run-time tenant document.
    #[serde(default)]
    pub documents: Vec<Document>,
}

/// The schema of one owner of a snapshot (`session_core::OwnerDump`): `owner` required, the
/// rest as `GET /admin/v1/testing/snapshot` writes it.
pub struct OwnerSchema;

impl utoipa::PartialSchema for OwnerSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, ArrayBuilder, ObjectBuilder, SchemaType, Type,
        };
        let object = || ObjectBuilder::new().schema_type(Type::Object);
        let array = || ArrayBuilder::new().items(object());
        object()
            .description(Some(
                "An owner (a user, a group, an application's sessions) with what it holds.",
            ))
            .property(
                "owner",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(Owner::MAX_LEN))
                    .description(Some("The owner, as the store names it.")),
            )
            .required("owner")
            .property("sessions", array())
            .property(
                "doc",
                ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Null])),
            )
            .property("names", object())
            .property("credentials", array())
            .property("spent", object())
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for OwnerSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "TestingSnapshotOwner".into()
    }
}

/// What a reset or a load took away, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TestingRemoved)]
pub struct Counts {
    /// Every record below, summed.
    pub removed: usize,
    /// Sessions (group members included).
    pub sessions: usize,
    /// Users: owner documents and run-time QuickBlox users.
    pub users: usize,
    /// Run-time tenant documents.
    pub tenants: usize,
    /// One-use nonce claims.
    pub nonces: usize,
}

impl Counts {
    fn add(&mut self, r: Removed) {
        self.sessions += r.sessions;
        self.users += r.documents;
    }

    fn total(mut self) -> Self {
        self.removed = self.sessions + self.users + self.tenants + self.nonces;
        self
    }
}

/// The collections of run-time documents a snapshot carries and a full reset empties.
fn collections() -> BTreeSet<&'static str> {
    flavors::tenant_kinds().map(|k| k.collection).collect()
}

/// Every owner whose string starts with `prefix`, each once.
async fn owners(store: &SharedStore, prefix: &str) -> Result<BTreeSet<Owner>> {
    let mut out = BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let (page, next) = store.scan_owners(prefix, &cursor, SCAN_STEP).await?;
        out.extend(page);
        if next.is_empty() {
            return Ok(out);
        }
        cursor = next;
    }
}

/// Takes the whole state.
pub async fn take(store: &SharedStore, now: DateTime<Utc>) -> Result<Snapshot> {
    let mut snapshot = Snapshot {
        format: FORMAT.into(),
        taken_at: Some(now),
        owners: Vec::new(),
        documents: Vec::new(),
    };
    for owner in owners(store, "").await? {
        if let Some(dump) = store.export_owner(&owner).await? {
            snapshot.owners.push(dump);
        }
    }
    for collection in collections() {
        for (id, text) in store.doc_list(collection).await? {
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            snapshot.documents.push(Document {
                collection: collection.to_owned(),
                id,
                value,
            });
        }
    }
    Ok(snapshot)
}

/// Removes everything: every owner, every nonce claim, every run-time tenant document.
pub async fn wipe(store: &SharedStore) -> Result<Counts> {
    let mut counts = Counts::default();
    for owner in owners(store, "").await? {
        counts.add(store.remove_owner(&owner).await?);
    }
    counts.nonces = store.clear_nonces().await?;
    for collection in collections() {
        for (id, _) in store.doc_list(collection).await? {
            if store.doc_delete(collection, &id).await? {
                if collection == QUICKBLOX_USERS {
                    counts.users += 1;
                } else {
                    counts.tenants += 1;
                }
            }
        }
    }
    Ok(counts.total())
}

/// Removes what one tenant of `flavor` holds: its sessions and groups, its users (Amity user
/// documents, run-time QuickBlox users). The tenant itself stays.
pub async fn wipe_tenant(store: &SharedStore, flavor: Flavor, tenant: &str) -> Result<Counts> {
    let mut counts = Counts::default();
    match flavor {
        // Their owners start with the tenant.
        Flavor::Amity | Flavor::SessionStorage => {
            let prefix = format!("{}:", Owner::new(flavor, &[tenant])?.as_str());
            for owner in owners(store, &prefix).await? {
                counts.add(store.remove_owner(&owner).await?);
            }
        }
        // Their owners name a session or a group: read to find the tenant.
        Flavor::Quickblox | Flavor::Quicksync => {
            for owner in owners(store, &format!("{}:", flavor.short())).await? {
                let sessions = store.owner_sessions(&owner).await?;
                if sessions.iter().any(|s| s.tenant == tenant) {
                    counts.add(store.remove_owner(&owner).await?);
                }
            }
        }
    }
    if flavor == Flavor::Quickblox {
        let prefix = format!("{tenant}:");
        for (id, _) in store.doc_list(QUICKBLOX_USERS).await? {
            if id.starts_with(&prefix) && store.doc_delete(QUICKBLOX_USERS, &id).await? {
                counts.users += 1;
            }
        }
    }
    Ok(counts.total())
}

/// Checks a snapshot whole, before anything is changed.
pub fn check(snapshot: &Snapshot) -> Result<()> {
    if snapshot.format != FORMAT {
        return Err(Error::invalid(
            "format",
            format!("must be `{FORMAT}`, not `{}`", snapshot.format),
        ));
    }
    let mut seen = BTreeSet::new();
    for dump in &snapshot.owners {
        if !seen.insert(&dump.owner) {
            return Err(Error::invalid(
                "owners",
                format!("{} is listed twice", dump.owner),
            ));
        }
        dump.check().map_err(|e| match e {
            Error::Invalid { field, reason } => {
                Error::invalid(format!("owners[{}].{field}", dump.owner), reason)
            }
            other => other,
        })?;
    }
    let known = collections();
    for d in &snapshot.documents {
        if !known.contains(d.collection.as_str()) {
            return Err(Error::invalid(
                "documents",
                format!(
                    "`{}` is not a run-time tenant collection ({})",
                    d.collection,
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if d.id.is_empty() || d.id.len() > 512 || !d.value.is_object() {
            return Err(Error::invalid(
                "documents",
                format!(
                    "{}/{}: an id of 1-512 characters and an object",
                    d.collection, d.id
                ),
            ));
        }
    }
    Ok(())
}

/// What a load stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TestingLoaded)]
pub struct Loaded {
    /// Owners stored.
    pub owners: usize,
    /// Sessions among them (what had expired by now is left out).
    pub sessions: usize,
    /// Run-time tenant documents stored.
    pub documents: usize,
    /// What the state held before, removed.
    pub replaced: Counts,
}

/// Replaces the whole state with `snapshot` (checked first: a bad one changes nothing).
pub async fn load(store: &SharedStore, snapshot: &Snapshot) -> Result<Loaded> {
    check(snapshot)?;
    let replaced = wipe(store).await?;
    let mut loaded = Loaded {
        replaced,
        ..Loaded::default()
    };
    for dump in &snapshot.owners {
        store.import_owner(dump).await?;
        loaded.owners += 1;
        loaded.sessions += store.owner_sessions(&dump.owner).await?.len();
    }
    for d in &snapshot.documents {
        let text = serde_json::to_string(&d.value)
            .map_err(|e| Error::Internal(format!("snapshot document: {e}")))?;
        store.doc_put(&d.collection, &d.id, &text).await?;
        loaded.documents += 1;
    }
    Ok(loaded)
}
