//! Tenants and credentials: those of the configuration (listed, `source: "config"`, never
//! changed here) and those managed at run time (store documents, validated by their flavor),
//! shown with every secret masked.

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::body::{self, BodyLimits};
use flavor_kit::tenants::{mask, Document, TenantKind, MASK};
use flavor_kit::{passwords, tenant_ids};
use serde::Serialize;
use serde_json::Value;
use session_core::Flavor;
use utoipa::ToSchema;

use super::directory::{Directory, Entry, Source};
use super::errors::{AdminError, AdminResult};
use super::openapi::{
    AdminErrorBody, BearerThrottled, FlavorName, NoBearer, StoreUnavailable, TenantKindName,
};
use super::state::AdminState;
use crate::configuration::secret_keys;
use crate::flavors;

/// How an `api_key` is shown: its last four characters.
const KEY_TAIL: char = '…';

/// The run-time tenant kind named `name` (of any flavor, served here or not).
fn tenant_kind(name: &str) -> Result<&'static TenantKind, AdminError> {
    flavors::tenant_kinds()
        .find(|k| k.name == name)
        .ok_or(AdminError::NotFound)
}

/// A document as the admin API shows it: every secret masked, an `api_key` by its last four
/// characters.
fn masked(doc: Document) -> Value {
    let mut value = Value::Object(doc);
    mask(&mut value, &secret_keys());
    if let Some(Value::String(k)) = value.get_mut("api_key") {
        let tail: String = k
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        *k = format!("{KEY_TAIL}{tail}");
    }
    value
}

/// Whether `v` is how [`masked`] shows a secret (sent back unchanged by an edit).
fn is_masked(key: &str, v: &Value) -> bool {
    match v.as_str() {
        Some(s) if key == "api_key" => s.starts_with(KEY_TAIL),
        Some(s) => s == MASK,
        None => false,
    }
}

/// Every kind.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminTenantKinds)]
pub(crate) struct Kinds {
    /// One a kind, of every flavor.
    data: Vec<KindView>,
}

/// A kind of tenant or credential.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminTenantKindInfo)]
pub(crate) struct KindView {
    /// Its name (`/admin/v1/tenants/{kind}`).
    #[schema(value_type = TenantKindName)]
    kind: &'static str,
    /// Its flavor.
    #[schema(value_type = FlavorName)]
    flavor: Flavor,
    /// Whether this process serves the flavor.
    served: bool,
    /// The fields an entry's id is made of.
    id_fields: &'static [&'static str],
    /// Entries of the configuration.
    config: usize,
    /// Entries added at run time.
    runtime: usize,
    /// An example entry.
    #[schema(value_type = Object)]
    example: Value,
}

/// The entries of a kind.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminTenantEntries)]
pub(crate) struct Entries {
    /// Configured entries first, then run-time ones.
    data: Vec<Shown>,
}

/// One entry, every secret masked.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminTenantEntry)]
pub(crate) struct Shown {
    /// Its id (`/admin/v1/tenants/{kind}/{id}`).
    id: String,
    /// `config` or `runtime`.
    source: Source,
    /// The tenant id its sessions carry (a tenant; null for a credential).
    tenant: Option<String>,
    /// The names it is found by.
    names: Option<Vec<String>>,
    /// The fields of its configuration entry; secrets `********`, an `api_key` as `…abcd`.
    #[schema(value_type = Object)]
    entry: Value,
}

/// An entry as stored.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminTenantStored)]
pub(crate) struct Stored {
    /// Its id.
    id: String,
    /// Always `runtime`.
    source: Source,
    /// What was stored, secrets masked (a `password` as its hash, masked).
    #[schema(value_type = Object)]
    entry: Value,
}

fn shown(e: &Entry) -> Shown {
    Shown {
        id: e.id.clone(),
        source: e.source,
        tenant: e.known.as_ref().map(|k| k.tenant.clone()),
        names: e.known.as_ref().map(|k| k.names.clone()),
        entry: masked(e.doc.clone()),
    }
}

/// Every tenant kind: its flavor, whether this process serves it, how many entries each source
/// holds, and an example entry.
#[utoipa::path(get, path = "/admin/v1/tenants",
    operation_id = "admin_tenant_kinds",
    security(("AdminBearer" = [])),
    responses(
        (status = 200, description = "Every kind.", body = Kinds),
        NoBearer,
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn kinds(state: web::Data<AdminState>) -> AdminResult {
    let directory = Directory::load(&state, None).await?;
    let mut data = Vec::new();
    for r in flavors::all() {
        for k in r.tenant_kinds() {
            let count = |source| {
                directory
                    .entries()
                    .iter()
                    .filter(|e| e.kind.name == k.name && e.source == source)
                    .count()
            };
            data.push(KindView {
                kind: k.name,
                flavor: r.flavor(),
                served: state.enabled.contains(&r.flavor()),
                id_fields: k.id_fields,
                config: count(Source::Config),
                runtime: count(Source::Runtime),
                example: serde_json::from_str::<Value>(k.example).unwrap_or_default(),
            });
        }
    }
    Ok(HttpResponse::Ok().json(Kinds { data }))
}

/// The entries of a kind: those of the configuration (`source: config`), then the run-time ones,
/// every secret masked, each with the tenant id its sessions carry and the names it is found by.
#[utoipa::path(get, path = "/admin/v1/tenants/{kind}",
    operation_id = "admin_tenants",
    security(("AdminBearer" = [])),
    params(("kind" = TenantKindName, Path, description = "The kind.")),
    responses(
        (status = 200, description = "The entries.", body = Entries),
        NoBearer,
        (status = 404, description = "No such kind.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn list(state: web::Data<AdminState>, kind: web::Path<String>) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let directory = Directory::load(&state, Some(kind)).await?;
    let data = directory.entries().iter().map(shown).collect();
    Ok(HttpResponse::Ok().json(Entries { data }))
}

/// Checks `doc` as its flavor would, hashes a clear password, and stores it under the id of
/// every key of the token key ring (tokens issued under a previous key name its id); `id` must
/// be one of the document's own ids when given (an edit). An id of the configuration is
/// refused (409).
async fn store(
    state: &AdminState,
    kind: &'static TenantKind,
    mut doc: Document,
    id: Option<&str>,
) -> AdminResult {
    let ids = tenant_ids::ids(kind, &doc, &state.hasher).map_err(AdminError::Invalid)?;
    let own = ids.first().cloned().ok_or(AdminError::Internal)?;
    if id.is_some_and(|id| !ids.iter().any(|own| own == id)) {
        return Err(AdminError::Invalid(format!(
            "{} cannot change: add a new entry and remove this one",
            kind.id_fields.join(", ")
        )));
    }
    (kind.check)(&doc).map_err(AdminError::Invalid)?;
    let directory = Directory::load(state, Some(kind)).await?;
    if directory.configured(kind, &own) {
        return Err(AdminError::Conflict(
            "this entry is in the configuration; change it there".into(),
        ));
    }
    if let Some(Value::String(password)) = doc.remove("password") {
        let hash = passwords::hash(password).await.map_err(|e| {
            tracing::error!(error = %e, "admin: cannot hash a password");
            AdminError::Internal
        })?;
        doc.insert("password_hash".into(), Value::String(hash));
    }
    let text = serde_json::to_string(&doc).map_err(|_| AdminError::Internal)?;
    for id in &ids {
        state.store.doc_put(kind.collection, id, &text).await?;
    }
    Ok(HttpResponse::Created().json(Stored {
        id: own,
        source: Source::Runtime,
        entry: masked(doc),
    }))
}

/// Adds or replaces a run-time entry: the fields of its configuration entry (see the kind's
/// `example` in `GET /admin/v1/tenants`); a `password` is stored as its hash.
#[utoipa::path(put, path = "/admin/v1/tenants/{kind}",
    operation_id = "admin_put_tenant",
    security(("AdminBearer" = [])),
    params(("kind" = TenantKindName, Path, description = "The kind.")),
    request_body(content = Object, content_type = "application/json",
        description = "The fields of the kind's configuration entry, at most \
            `server.max_body_bytes`.",
        example = json!({"client_id": "client-b", "client_secret": "client-b-secret-0123"})),
    responses(
        (status = 201, description = "Stored.", body = Stored),
        NoBearer,
        (status = 404, description = "No such kind.", body = AdminErrorBody),
        (status = 408, description = "The body did not arrive within \
            `server.body_timeout_secs`.", body = AdminErrorBody),
        (status = 409, description = "The configuration has an entry with this id.",
            body = AdminErrorBody),
        (status = 422, description = "Not JSON, not an object, over the size limit, or an \
            entry its flavor could not use (the reason is in the message).",
            body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn put(
    state: web::Data<AdminState>,
    kind: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let doc = read_document(&req, payload, state.body).await?;
    store(&state, kind, doc, None).await
}

/// The body: a JSON object, within the body limits (size and time).
async fn read_document(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<Document, AdminError> {
    match body::media_type(req) {
        Ok(Some(media)) if body::is_json(&media) => {}
        _ => return Err(AdminError::Invalid("body: send application/json".into())),
    }
    let bytes = body::read(req, payload, limits).await?;
    serde_json::from_slice(&bytes).map_err(|e| AdminError::Invalid(format!("body: {e}")))
}

/// Edits a run-time entry. Values sent back masked (as the listing shows them) keep the stored
/// ones, so an edit need not know the secrets; the id fields cannot change.
#[utoipa::path(put, path = "/admin/v1/tenants/{kind}/{id}",
    operation_id = "admin_edit_tenant",
    security(("AdminBearer" = [])),
    params(
        ("kind" = TenantKindName, Path, description = "The kind."),
        ("id" = String, Path, description = "The entry's id, as the listing shows it."),
    ),
    request_body(content = Object, content_type = "application/json",
        description = "The entry's fields, masked values kept.",
        example = json!({"client_id": "client-b", "client_secret": "********"})),
    responses(
        (status = 201, description = "Stored.", body = Stored),
        NoBearer,
        (status = 404, description = "No such kind, or no run-time entry with this id.",
            body = AdminErrorBody),
        (status = 408, description = "The body did not arrive within \
            `server.body_timeout_secs`.", body = AdminErrorBody),
        (status = 409, description = "The entry is in the configuration.",
            body = AdminErrorBody),
        (status = 422, description = "Not JSON, not an object, over the size limit, an id \
            field changed, or an entry its flavor could not use.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn edit(
    state: web::Data<AdminState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> AdminResult {
    let (kind, id) = path.into_inner();
    let kind = tenant_kind(&kind)?;
    let stored = state
        .store
        .doc_get(kind.collection, &id)
        .await?
        .and_then(|t| serde_json::from_str::<Document>(&t).ok());
    let Some(stored) = stored else {
        let directory = Directory::load(&state, Some(kind)).await?;
        return Err(match directory.configured(kind, &id) {
            true => {
                AdminError::Conflict("this entry is in the configuration; change it there".into())
            }
            false => AdminError::NotFound,
        });
    };
    let mut doc = read_document(&req, payload, state.body).await?;
    let mut kept_hash = false;
    for (key, value) in doc.iter_mut() {
        if is_masked(key, value) {
            match stored.get(key) {
                Some(kept) => {
                    kept_hash |= key == "password_hash";
                    *value = kept.clone();
                }
                None => {
                    return Err(AdminError::Invalid(format!(
                        "{key}: give a value (nothing is stored to keep)"
                    )))
                }
            }
        }
    }
    // A new password replaces the stored hash that was sent back masked.
    if kept_hash && doc.get("password").is_some_and(Value::is_string) {
        doc.remove("password_hash");
    }
    store(&state, kind, doc, Some(&id)).await
}

/// Removes a run-time entry.
#[utoipa::path(delete, path = "/admin/v1/tenants/{kind}/{id}",
    operation_id = "admin_delete_tenant",
    security(("AdminBearer" = [])),
    params(
        ("kind" = TenantKindName, Path, description = "The kind."),
        ("id" = String, Path, description = "The entry's id, as the listing shows it."),
    ),
    responses(
        (status = 204, description = "Removed."),
        NoBearer,
        (status = 404, description = "No such kind, or no entry with this id.",
            body = AdminErrorBody),
        (status = 409, description = "The entry is in the configuration.",
            body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn delete(
    state: web::Data<AdminState>,
    path: web::Path<(String, String)>,
) -> AdminResult {
    let (kind, id) = path.into_inner();
    let kind = tenant_kind(&kind)?;
    // Every copy: the document's ids under each key of the ring, and the id named.
    let mut ids = match state.store.doc_get(kind.collection, &id).await? {
        Some(text) => serde_json::from_str::<Document>(&text)
            .ok()
            .and_then(|doc| tenant_ids::ids(kind, &doc, &state.hasher).ok())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    ids.retain(|other| *other != id);
    let mut found = state.store.doc_delete(kind.collection, &id).await?;
    for other in &ids {
        found |= state.store.doc_delete(kind.collection, other).await?;
    }
    if found {
        return Ok(HttpResponse::NoContent().finish());
    }
    let directory = Directory::load(&state, Some(kind)).await?;
    Err(match directory.configured(kind, &id) {
        true => AdminError::Conflict("this entry is in the configuration; remove it there".into()),
        false => AdminError::NotFound,
    })
}
