//! Tenants and credentials: those of the configuration (listed, `source: "config"`, never
//! changed here) and those managed at run time (store documents, validated by their flavor),
//! shown with every secret masked.

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::body::{self, BodyLimits};
use flavor_kit::tenants::{mask, Document, TenantKind, MASK};
use flavor_kit::{passwords, tenant_ids};
use serde_json::{json, Value};

use super::directory::{Directory, Entry, Source};
use super::errors::{AdminError, AdminResult};
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

fn shown(e: &Entry) -> Value {
    json!({
        "id": e.id,
        "source": e.source,
        "tenant": e.known.as_ref().map(|k| &k.tenant),
        "names": e.known.as_ref().map(|k| &k.names),
        "entry": masked(e.doc.clone()),
    })
}

/// `GET /admin/v1/tenants`: every kind, its flavor, whether this process serves it, how many
/// entries each source holds, and an example document.
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
            data.push(json!({
                "kind": k.name,
                "flavor": r.flavor(),
                "served": state.enabled.contains(&r.flavor()),
                "id_fields": k.id_fields,
                "config": count(Source::Config),
                "runtime": count(Source::Runtime),
                "example": serde_json::from_str::<Value>(k.example).unwrap_or(Value::Null),
            }));
        }
    }
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

/// `GET /admin/v1/tenants/{kind}`: the configured entries, then the run-time ones.
pub(crate) async fn list(state: web::Data<AdminState>, kind: web::Path<String>) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let directory = Directory::load(&state, Some(kind)).await?;
    let data: Vec<Value> = directory.entries().iter().map(shown).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data})))
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
    Ok(HttpResponse::Created()
        .json(json!({"id": own, "source": Source::Runtime, "entry": masked(doc)})))
}

/// `PUT /admin/v1/tenants/{kind}`: adds or replaces a run-time entry (the same fields as its
/// configuration entry); one its flavor could not use is a 422 with the reason.
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

/// `PUT /admin/v1/tenants/{kind}/{id}`: edits the run-time entry `id`. Values sent back masked
/// (as the listing shows them) keep the stored ones, so an edit need not know the secrets; the
/// id fields cannot change.
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

/// `DELETE /admin/v1/tenants/{kind}/{id}`: removes a run-time entry (a configured one is a 409).
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
