//! The admin API under `/admin/v1` (bearer `admin.token`; not mounted when unset): sessions
//! across flavors by tenant and subject, and tenants and credentials managed at run time in the
//! store, so every replica sees them.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flavor_kit::tenants::{mask, Document, TenantKind};
use flavor_kit::{headers, passwords};
use serde::Deserialize;
use serde_json::{json, Value};
use session_core::token::ct_eq_str;
use session_core::{Cursor, Owner, Session, SessionId, SessionRef, SharedStore, TokenHasher};

use crate::configuration::secret_keys;
use crate::flavors;
use crate::subject_index::{index_owner, pointer_target};

/// Largest admin page.
const MAX_PAGE: usize = 200;
/// Default admin page.
const DEFAULT_PAGE: usize = 50;

/// What the admin routes need.
#[derive(Clone)]
pub struct AdminState {
    /// The bearer that opens the API.
    pub token: String,
    /// The store (with the subject index).
    pub store: SharedStore,
    /// Hashes credential ids (Amity and QuickSync keys are stored under their keyed hash).
    pub hasher: TokenHasher,
}

/// The admin API's errors: `{"error": {"code", "message"}}`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Missing or wrong bearer.
    #[error("a valid admin bearer token is required")]
    Unauthorized,
    /// Nothing at that handle or id.
    #[error("not found")]
    NotFound,
    /// A parameter or body is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The store did not answer.
    #[error("the store is unavailable")]
    Unavailable,
    /// A fault inside the gateway.
    #[error("internal error")]
    Internal,
}

impl AdminError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Invalid(_) => "invalid_request",
            Self::Unavailable => "store_unavailable",
            Self::Internal => "internal",
        }
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .json(json!({"error": {"code": self.code(), "message": self.to_string()}}))
    }
}

impl From<session_core::Error> for AdminError {
    fn from(e: session_core::Error) -> Self {
        match e {
            session_core::Error::NotFound | session_core::Error::Expired => Self::NotFound,
            session_core::Error::Invalid { field, reason } => {
                Self::Invalid(format!("{field}: {reason}"))
            }
            session_core::Error::StoreUnavailable(_) => Self::Unavailable,
            other => {
                tracing::error!(error = %other, "admin: store fault");
                Self::Internal
            }
        }
    }
}

type AdminResult = Result<HttpResponse, AdminError>;

/// Mounts `/admin/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, state: AdminState) {
    let token: std::sync::Arc<str> = state.token.clone().into();
    let json = web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|e, _| AdminError::Invalid(format!("body: {e}")).into());
    let query = web::QueryConfig::default()
        .error_handler(|e, _| AdminError::Invalid(format!("query: {e}")).into());
    cfg.service(
        web::scope("/admin/v1")
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                require_bearer(token.clone(), req, next)
            }))
            .app_data(web::Data::new(state))
            .app_data(json)
            .app_data(query)
            .route("/sessions", web::get().to(list_sessions))
            .route("/sessions", web::delete().to(revoke_subject))
            .route("/sessions/{handle}", web::get().to(show_session))
            .route("/sessions/{handle}", web::delete().to(revoke_session))
            .route("/tenants/{kind}", web::get().to(list_tenants))
            .route("/tenants/{kind}", web::put().to(put_tenant))
            .route("/tenants/{kind}/{id}", web::delete().to(delete_tenant))
            .default_service(web::to(|| async { AdminError::NotFound.error_response() })),
    );
}

/// Middleware on the whole scope: nothing under `/admin/v1` runs without the bearer.
async fn require_bearer(
    token: std::sync::Arc<str>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let authorized =
        headers::bearer(req.request()).is_some_and(|presented| ct_eq_str(presented, &token));
    if !authorized {
        let (req, _) = req.into_parts();
        return Ok(ServiceResponse::new(
            req,
            AdminError::Unauthorized.error_response(),
        ));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// An opaque, URL-safe handle naming one session: owner and id.
pub fn handle_of(r: &SessionRef) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}", r.owner.as_str(), r.id.as_str()))
}

fn parse_handle(handle: &str) -> Result<SessionRef, AdminError> {
    let bad = || AdminError::NotFound;
    let raw = URL_SAFE_NO_PAD.decode(handle).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (owner, id) = text.split_once('\n').ok_or_else(bad)?;
    Ok(SessionRef::new(
        Owner::parse(owner).map_err(|_| bad())?,
        SessionId::parse(id).map_err(|_| bad())?,
    ))
}

fn view(s: &Session) -> Value {
    json!({
        "handle": handle_of(&s.reference()),
        "flavor": s.flavor,
        "tenant": s.tenant,
        "subject": s.subject,
        "role": s.role,
        "group": s.parent.as_ref().map(|g| handle_of(&SessionRef::new(s.owner.clone(), g.clone()))),
        "device": s.device,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "expires_at": s.expires_at,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectQuery {
    tenant: String,
    subject: String,
    page_size: Option<usize>,
    page_token: Option<String>,
}

/// The live sessions of the page of pointers after `cursor`; stale pointers are deleted.
async fn subject_page(
    store: &SharedStore,
    q: &SubjectQuery,
    cursor: Option<Cursor>,
    size: usize,
) -> Result<(Vec<Session>, Option<Cursor>), AdminError> {
    let owner = index_owner(&q.tenant, &q.subject)?;
    let page = store.list_by_owner(&owner, cursor.as_ref(), size).await?;
    let mut live = Vec::with_capacity(page.items.len());
    for pointer in &page.items {
        let target = match pointer_target(pointer) {
            Some(t) => store.get(&t).await?,
            None => None,
        };
        match target {
            Some(s) if s.subject.as_deref() == Some(&q.subject) && s.tenant == q.tenant => {
                live.push(s)
            }
            _ => {
                store.delete(&pointer.reference()).await?;
            }
        }
    }
    Ok((live, page.next))
}

async fn list_sessions(state: web::Data<AdminState>, q: web::Query<SubjectQuery>) -> AdminResult {
    let size = q.page_size.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&size) {
        return Err(AdminError::Invalid(format!(
            "page_size must be between 1 and {MAX_PAGE}"
        )));
    }
    let cursor = match &q.page_token {
        Some(t) => Some(Cursor::from_raw(
            URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| AdminError::Invalid("page_token is not valid".into()))?,
        )),
        None => None,
    };
    let (items, next) = subject_page(&state.store, &q, cursor, size).await?;
    Ok(HttpResponse::Ok().json(json!({
        "data": items.iter().map(view).collect::<Vec<_>>(),
        "next_page_token": next.map(|c| URL_SAFE_NO_PAD.encode(c.as_str())),
    })))
}

async fn revoke_subject(state: web::Data<AdminState>, q: web::Query<SubjectQuery>) -> AdminResult {
    let mut revoked = 0;
    let mut cursor = None;
    loop {
        let (items, next) = subject_page(&state.store, &q, cursor, MAX_PAGE).await?;
        for s in items {
            revoked += state.store.delete(&s.reference()).await?;
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(HttpResponse::Ok().json(json!({"revoked": revoked})))
}

async fn show_session(state: web::Data<AdminState>, handle: web::Path<String>) -> AdminResult {
    let r = parse_handle(&handle)?;
    let s = state.store.get(&r).await?.ok_or(AdminError::NotFound)?;
    Ok(HttpResponse::Ok().json(json!({"data": view(&s)})))
}

async fn revoke_session(state: web::Data<AdminState>, handle: web::Path<String>) -> AdminResult {
    let r = parse_handle(&handle)?;
    match state.store.delete(&r).await? {
        0 => Err(AdminError::NotFound),
        n => Ok(HttpResponse::Ok().json(json!({"revoked": n}))),
    }
}

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

async fn list_tenants(state: web::Data<AdminState>, kind: web::Path<String>) -> AdminResult {
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

async fn put_tenant(
    state: web::Data<AdminState>,
    kind: web::Path<String>,
    body: web::Json<Document>,
) -> AdminResult {
    let kind = tenant_kind(&kind)?;
    let mut doc = body.into_inner();
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
        state.hasher.hash(&joined).as_str().to_owned()
    } else {
        joined
    };
    let text = serde_json::to_string(&doc).map_err(|_| AdminError::Internal)?;
    state.store.doc_put(kind.collection, &id, &text).await?;
    Ok(HttpResponse::Created().json(json!({"id": id, "entry": masked(doc)})))
}

async fn delete_tenant(
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
