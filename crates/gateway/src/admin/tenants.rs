//! Run-time tenants and credentials: documents in the store, validated by their flavor, shown
//! with every secret masked.

use actix_web::{web, HttpRequest, HttpResponse};
use flavor_kit::body::{self, BodyLimits};
use flavor_kit::passwords;
use flavor_kit::tenants::{mask, Document, TenantKind};
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

pub(crate) async fn list(state: web::Data<AdminState>, kind: web::Path<String>) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let docs = state.store.doc_list(kind.collection).await?;
    let data: Vec<Value> = docs
        .into_iter()
        .filter_map(|(id, text)| {
            let doc = serde_json::from_str::<Document>(&text).ok()?;
            Some(json!({"id": id, "entry": masked(doc)}))
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

pub(crate) async fn put(
    state: web::Data<AdminState>,
    kind: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let mut doc = read_document(&req, payload, state.body).await?;
    let mut parts = Vec::new();
    for f in kind.id_fields {
        let part = match doc.get(*f) {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 256 => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(AdminError::Invalid(format!("`{f}` is required"))),
        };
        parts.push(part);
    }
    (kind.check)(&doc).map_err(AdminError::Invalid)?;
    if let Some(Value::String(password)) = doc.remove("password") {
        let hash = passwords::hash(password).await.map_err(|e| {
            tracing::error!(error = %e, "admin: cannot hash a password");
            AdminError::Internal
        })?;
        doc.insert("password_hash".into(), Value::String(hash));
    }
    let joined = parts.join(":");
    let id = if kind.id_hashed {
        state.hasher.hash(&joined).to_hex()
    } else {
        joined
    };
    let text = serde_json::to_string(&doc).map_err(|_| AdminError::Internal)?;
    state.store.doc_put(kind.collection, &id, &text).await?;
    Ok(HttpResponse::Created().json(json!({"id": id, "entry": masked(doc)})))
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

pub(crate) async fn delete(
    state: web::Data<AdminState>,
    path: web::Path<(String, String)>,
) -> AdminResult {
    let (kind, id) = path.into_inner();
    let kind = tenant_kind(&kind)?;
    if state.store.doc_delete(kind.collection, &id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AdminError::NotFound)
    }
}
