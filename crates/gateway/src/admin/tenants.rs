//! Run-time tenants and credentials: documents in the store, validated by their flavor, shown
//! with every secret masked.

use actix_web::{web, HttpResponse};
use flavor_kit::tenants::{mask, Document, TenantKind};
use flavor_kit::{passwords, tenant_ids};
use serde_json::{json, Value};

use super::errors::{AdminError, AdminResult};
use super::state::AdminState;
use crate::configuration::secret_keys;
use crate::flavors;

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
        *k = format!("…{tail}");
    }
    value
}

/// `GET /admin/v1/tenants/{kind}`: one entry per tenant. A kind whose id is a keyed hash
/// files each document under the id of every token key of the ring; the entry shows the
/// active key's id when the document has one.
pub(crate) async fn list(state: web::Data<AdminState>, kind: web::Path<String>) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let docs = state.store.doc_list(kind.collection).await?;
    let mut shown: Vec<String> = Vec::new();
    let mut data = Vec::new();
    for (id, text) in &docs {
        let Ok(doc) = serde_json::from_str::<Document>(text) else {
            continue;
        };
        let ids = tenant_ids::ids(kind, &doc, &state.hasher).unwrap_or_default();
        let shown_id = match ids.first() {
            Some(active) if docs.iter().any(|(other, _)| other == active) => active.clone(),
            _ => id.clone(),
        };
        if shown.contains(&shown_id) {
            continue;
        }
        shown.push(shown_id.clone());
        data.push(json!({"id": shown_id, "entry": masked(doc)}));
    }
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

pub(crate) async fn put(
    state: web::Data<AdminState>,
    kind: web::Path<String>,
    body: web::Json<Document>,
) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let mut doc = body.into_inner();
    let ids = tenant_ids::ids(kind, &doc, &state.hasher).map_err(AdminError::Invalid)?;
    (kind.check)(&doc).map_err(AdminError::Invalid)?;
    if let Some(Value::String(password)) = doc.remove("password") {
        let hash = passwords::hash(password).await.map_err(|e| {
            tracing::error!(error = %e, "admin: cannot hash a password");
            AdminError::Internal
        })?;
        doc.insert("password_hash".into(), Value::String(hash));
    }
    let text = serde_json::to_string(&doc).map_err(|_| AdminError::Internal)?;
    // Under every key of the ring: tokens issued under a previous key name its id.
    for id in &ids {
        state.store.doc_put(kind.collection, id, &text).await?;
    }
    Ok(HttpResponse::Created().json(json!({"id": ids.first(), "entry": masked(doc)})))
}

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
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AdminError::NotFound)
    }
}
