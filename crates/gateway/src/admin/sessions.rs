//! Sessions across flavors: a filtered, paginated listing (by flavor, tenant, subject, creation
//! time), one session by its handle, and revocation of one or of a subject's sessions.
//!
//! The listing walks the store's owners with an administrative scan (never on a request path):
//! an Amity or session-storage owner is a tenant's user, so a tenant and subject name it
//! directly; QuickBlox and QuickSync owners are read and filtered.

use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use session_core::events::RevokeReason;
use session_core::{Flavor, Owner, Session, SessionId, SessionRef, SharedStore};

use super::errors::{AdminError, AdminResult};
use super::state::AdminState;

/// Largest admin page.
const MAX_PAGE: usize = 200;
/// Default admin page.
const DEFAULT_PAGE: usize = 50;

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

/// The listing's filters and page.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    flavor: Option<String>,
    tenant: Option<String>,
    subject: Option<String>,
    created_after: Option<DateTime<Utc>>,
    page_size: Option<usize>,
    page_token: Option<String>,
}

/// Where a walk resumes: the flavor (its index in [`Flavor::ALL`]) and the store's scan cursor.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Position {
    f: usize,
    c: String,
}

/// Filters parsed.
struct Filter {
    flavors: Vec<Flavor>,
    tenant: Option<String>,
    subject: Option<String>,
    created_after: Option<DateTime<Utc>>,
}

impl Filter {
    fn of(q: &Query) -> Result<Self, AdminError> {
        let flavors = match &q.flavor {
            Some(f) => vec![Flavor::parse(f).map_err(|_| {
                AdminError::Invalid(format!(
                    "flavor must be one of {}",
                    Flavor::ALL.map(Flavor::as_str).join(", ")
                ))
            })?],
            None => Flavor::ALL.to_vec(),
        };
        Ok(Self {
            flavors,
            tenant: q.tenant.clone(),
            subject: q.subject.clone(),
            created_after: q.created_after,
        })
    }

    fn keeps(&self, s: &Session) -> bool {
        self.tenant.as_ref().is_none_or(|t| &s.tenant == t)
            && self
                .subject
                .as_ref()
                .is_none_or(|x| s.subject.as_deref() == Some(x.as_str()))
            && self.created_after.is_none_or(|t| s.created_at > t)
    }

    /// The owner prefix to scan for `flavor`: a tenant narrows it where owners start with the
    /// tenant (Amity networks, session-storage clients).
    fn prefix(&self, flavor: Flavor) -> Result<String, AdminError> {
        let owned_by_tenant = matches!(flavor, Flavor::Amity | Flavor::SessionStorage);
        Ok(match (&self.tenant, owned_by_tenant) {
            (Some(t), true) => format!("{}:", Owner::new(flavor, &[t])?.as_str()),
            _ => format!("{}:", flavor.short()),
        })
    }

    /// The one owner the filters name, when they name one (a tenant's user).
    fn exact_owner(&self, flavor: Flavor) -> Result<Option<Owner>, AdminError> {
        match (&self.tenant, &self.subject, flavor) {
            (Some(t), Some(s), Flavor::Amity | Flavor::SessionStorage) => {
                Ok(Some(Owner::new(flavor, &[t, s])?))
            }
            _ => Ok(None),
        }
    }
}

/// One page of sessions from `at`, and where the next page starts.
async fn page(
    store: &SharedStore,
    filter: &Filter,
    mut at: Position,
    size: usize,
) -> Result<(Vec<Session>, Option<Position>), AdminError> {
    let mut items = Vec::new();
    while at.f < filter.flavors.len() && items.len() < size {
        let flavor = filter.flavors[at.f];
        let (owners, next) = match filter.exact_owner(flavor)? {
            Some(owner) => (vec![owner], String::new()),
            None => {
                store
                    .scan_owners(&filter.prefix(flavor)?, &at.c, size)
                    .await?
            }
        };
        for owner in owners {
            let sessions = store.owner_sessions(&owner).await?;
            items.extend(sessions.into_iter().filter(|s| filter.keeps(s)));
        }
        if next.is_empty() {
            at = Position {
                f: at.f + 1,
                c: String::new(),
            };
        } else {
            at.c = next;
        }
    }
    let more = at.f < filter.flavors.len();
    Ok((items, more.then_some(at)))
}

fn page_size(q: &Query) -> Result<usize, AdminError> {
    let size = q.page_size.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&size) {
        return Err(AdminError::Invalid(format!(
            "page_size must be between 1 and {MAX_PAGE}"
        )));
    }
    Ok(size)
}

fn position(q: &Query) -> Result<Position, AdminError> {
    match &q.page_token {
        Some(t) => URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| AdminError::Invalid("page_token is not valid".into())),
        None => Ok(Position::default()),
    }
}

fn token(p: &Position) -> Result<String, AdminError> {
    serde_json::to_vec(p)
        .map(|b| URL_SAFE_NO_PAD.encode(b))
        .map_err(|_| AdminError::Internal)
}

/// `GET /admin/v1/sessions`: every flavor's live sessions, filtered, a page at a time (a page
/// holds whole owners, so it may run a little past `page_size`).
pub(crate) async fn list(state: web::Data<AdminState>, q: web::Query<Query>) -> AdminResult {
    let size = page_size(&q)?;
    let filter = Filter::of(&q)?;
    let (items, next) = page(&state.store, &filter, position(&q)?, size).await?;
    Ok(HttpResponse::Ok().json(json!({
        "data": items.iter().map(view).collect::<Vec<_>>(),
        "next_page_token": next.as_ref().map(token).transpose()?,
    })))
}

/// `DELETE /admin/v1/sessions?tenant=&subject=`: revokes every session of a subject (both
/// filters required, so that nothing is revoked by accident).
pub(crate) async fn revoke_all(state: web::Data<AdminState>, q: web::Query<Query>) -> AdminResult {
    if q.tenant.is_none() || q.subject.is_none() {
        return Err(AdminError::Invalid(
            "tenant and subject are required to revoke sessions".into(),
        ));
    }
    let filter = Filter::of(&q)?;
    let mut revoked = 0;
    let mut at = Position::default();
    loop {
        let (items, next) = page(&state.store, &filter, at, MAX_PAGE).await?;
        for s in items {
            revoked += state
                .store
                .revoke(&s.reference(), None, RevokeReason::Admin)
                .await?;
        }
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    Ok(HttpResponse::Ok().json(json!({"revoked": revoked})))
}

/// `GET /admin/v1/sessions/{handle}`.
pub(crate) async fn show(state: web::Data<AdminState>, handle: web::Path<String>) -> AdminResult {
    let r = parse_handle(&handle)?;
    let s = state.store.get(&r).await?.ok_or(AdminError::NotFound)?;
    Ok(HttpResponse::Ok().json(json!({"data": view(&s)})))
}

/// `DELETE /admin/v1/sessions/{handle}`.
pub(crate) async fn revoke(state: web::Data<AdminState>, handle: web::Path<String>) -> AdminResult {
    let r = parse_handle(&handle)?;
    match state.store.revoke(&r, None, RevokeReason::Admin).await? {
        0 => Err(AdminError::NotFound),
        n => Ok(HttpResponse::Ok().json(json!({"revoked": n}))),
    }
}
