//! Sessions across flavors: a filtered, paginated listing (by flavor; by tenant and subject as
//! operators and apps know them; by creation time), one session by its handle, a group with its
//! members, and revocation of one session or of a user's.
//!
//! The listing walks the store's owners with an administrative scan (never on a request path):
//! an Amity or session-storage owner is a tenant's user, so a tenant narrows the scan and a
//! tenant with a subject names one owner; QuickBlox and QuickSync owners are read and filtered.
//! A tenant is given by any name its flavor knows it by ([`Directory::tenants_named`]: the
//! QuickBlox application id, the Amity network's name or id, the QuickSync key's name, the
//! session-storage client id) and a subject as the app knows it (each flavor's
//! [`crate::flavors::Registered::subject`]).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use session_core::events::RevokeReason;
use session_core::{Flavor, Owner, Revocation, Session, SessionId, SessionRef, SharedStore};
use utoipa::{IntoParams, ToSchema};

use super::directory::Directory;
use super::errors::{AdminError, AdminResult};
use super::openapi::{
    AdminErrorBody, BearerThrottled, FlavorFilter, FlavorName, NoBearer, StoreUnavailable,
};
use super::state::AdminState;
use crate::flavors;

/// Largest admin page.
const MAX_PAGE: usize = 200;
/// Default admin page.
const DEFAULT_PAGE: usize = 50;
/// Longest filter value accepted.
const MAX_FILTER_LEN: usize = 256;

/// An opaque, URL-safe handle naming one session: owner and id.
pub fn handle_of(r: &SessionRef) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}", r.owner.as_str(), r.id.as_str()))
}

pub(crate) fn parse_handle(handle: &str) -> Result<SessionRef, AdminError> {
    let bad = || AdminError::NotFound;
    let raw = URL_SAFE_NO_PAD.decode(handle).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (owner, id) = text.split_once('\n').ok_or_else(bad)?;
    Ok(SessionRef::new(
        Owner::parse(owner).map_err(|_| bad())?,
        SessionId::parse(id).map_err(|_| bad())?,
    ))
}

/// A session as the admin API shows it (never its secrets).
#[derive(Serialize, ToSchema)]
#[schema(as = AdminSession)]
pub(crate) struct SessionView {
    /// Names the session in `/admin/v1/sessions/{handle}`.
    handle: String,
    /// Its flavor.
    #[schema(value_type = FlavorName)]
    flavor: Flavor,
    /// The tenant id its sessions carry.
    tenant: String,
    /// Another name of the tenant, when it has one (an Amity network's name, ...).
    tenant_name: Option<String>,
    /// The user as the app knows it; null for a QuickBlox application session.
    subject: Option<String>,
    /// Its role, where the flavor has roles.
    role: Option<String>,
    /// The handle of its group (a QuickSync member).
    group: Option<String>,
    /// A group's capacity.
    capacity: Option<u32>,
    /// A group's live members.
    members: Option<usize>,
    /// The device id, where the flavor has one.
    device: Option<String>,
    /// The client's address (or its network), as `sessions.metadata.ip` keeps it.
    #[schema(value_type = Option<String>)]
    ip: Option<std::net::IpAddr>,
    /// The client's `User-Agent`.
    user_agent: Option<String>,
    /// When it was opened.
    created_at: DateTime<Utc>,
    /// When it last changed.
    updated_at: DateTime<Utc>,
    /// When it was last used (`sessions.metadata.last_seen_granularity_seconds`).
    last_seen_at: DateTime<Utc>,
    /// When it expires.
    expires_at: DateTime<Utc>,
}

/// A session as the admin API shows it; `members` for a group.
pub(crate) fn view(s: &Session, directory: &Directory, members: Option<usize>) -> SessionView {
    SessionView {
        handle: handle_of(&s.reference()),
        flavor: s.flavor,
        tenant: s.tenant.clone(),
        tenant_name: directory.label(s.flavor, &s.tenant).map(str::to_owned),
        subject: s.subject.clone(),
        role: s.role.clone(),
        group: s
            .parent
            .as_ref()
            .map(|g| handle_of(&SessionRef::new(s.owner.clone(), g.clone()))),
        capacity: s.capacity,
        members,
        device: s.device.clone(),
        ip: s.origin.ip,
        user_agent: s.origin.user_agent.clone(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        last_seen_at: s.updated_at,
        expires_at: s.expires_at,
    }
}

/// A page of the listing.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminSessionPage)]
pub(crate) struct SessionPage {
    /// The sessions.
    data: Vec<SessionView>,
    /// The `page_token` of the next page; null on the last.
    next_page_token: Option<String>,
}

/// One session.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminSessionOne)]
pub(crate) struct SessionOne {
    /// The session.
    data: SessionView,
}

/// A group and its members.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminGroupMembers)]
pub(crate) struct GroupMembers {
    /// The group.
    data: GroupWithMembers,
}

/// A group and its members, in joining order.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminGroup)]
pub(crate) struct GroupWithMembers {
    /// The group.
    group: SessionView,
    /// Its live members.
    members: Vec<SessionView>,
}

/// How many sessions a revocation ended.
#[derive(Serialize, ToSchema)]
#[schema(as = AdminRevoked)]
pub(crate) struct Revoked {
    /// Sessions revoked (a group counts with its members).
    revoked: usize,
}

/// The listing's filters and page (an empty filter is no filter).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct Query {
    /// Only this flavor's sessions (empty: every flavor).
    #[param(value_type = Option<FlavorFilter>)]
    flavor: Option<String>,
    /// Only this tenant's: a QuickBlox application id, an Amity network's name or id, a
    /// QuickSync key's name, a session-storage client id.
    #[param(max_length = 256)]
    tenant: Option<String>,
    /// Only this user's, as the app knows them.
    #[param(max_length = 256)]
    subject: Option<String>,
    /// Only sessions created after this instant.
    created_after: Option<DateTime<Utc>>,
    /// How many per page, 1-200 (50 when absent); a page holds whole users or groups, so it
    /// may run a little over.
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<usize>,
    /// `next_page_token` of the page before.
    page_token: Option<String>,
}

/// What to list of one flavor: the tenant ids and the subject its sessions carry.
struct Scope {
    flavor: Flavor,
    tenants: Option<Vec<String>>,
    subject: Option<String>,
}

/// Whether the flavor's owners are `<tenant>:<user>` (so a tenant narrows the scan).
fn owned_by_user(flavor: Flavor) -> bool {
    matches!(flavor, Flavor::Amity | Flavor::SessionStorage)
}

impl Scope {
    /// The store walks that cover the scope (none for a tenant or subject no owner can have:
    /// no session has it).
    fn walks(&self) -> Vec<Walk> {
        let f = self.flavor;
        match (&self.tenants, &self.subject, owned_by_user(f)) {
            (Some(tenants), Some(subject), true) => tenants
                .iter()
                .filter_map(|t| Owner::new(f, &[t, subject]).ok())
                .map(Walk::Owner)
                .collect(),
            (Some(tenants), None, true) => tenants
                .iter()
                .filter_map(|t| Owner::new(f, &[t]).ok())
                .map(|o| Walk::Prefix(format!("{}:", o.as_str())))
                .collect(),
            _ => vec![Walk::Prefix(format!("{}:", f.short()))],
        }
    }

    /// Whether an owner may hold sessions of the scope (checked before reading it).
    fn may_hold(&self, owner: &Owner) -> bool {
        !owned_by_user(self.flavor)
            || self
                .subject
                .as_ref()
                .is_none_or(|s| owner.part(1).as_ref() == Some(s))
    }

    fn keeps(&self, s: &Session, created_after: Option<DateTime<Utc>>) -> bool {
        s.flavor == self.flavor
            && self.tenants.as_ref().is_none_or(|t| t.contains(&s.tenant))
            && self
                .subject
                .as_ref()
                .is_none_or(|x| s.subject.as_deref() == Some(x.as_str()))
            && created_after.is_none_or(|t| s.created_at > t)
    }
}

/// One walk of the store: the owners under a prefix, or one owner.
enum Walk {
    Prefix(String),
    Owner(Owner),
}

/// Filters parsed and resolved, and the walks that cover them, in order.
pub(crate) struct Filter {
    scopes: Vec<Scope>,
    walks: Vec<(usize, Walk)>,
    created_after: Option<DateTime<Utc>>,
}

/// A filter: `None` when absent or empty, refused past [`MAX_FILTER_LEN`] characters.
fn bounded<'q>(name: &str, value: &'q Option<String>) -> Result<Option<&'q str>, AdminError> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > MAX_FILTER_LEN => Err(AdminError::Invalid(format!(
            "{name} must be at most {MAX_FILTER_LEN} characters"
        ))),
        Some(v) => Ok(Some(v)),
    }
}

impl Filter {
    fn of(q: &Query, directory: &Directory) -> Result<Self, AdminError> {
        let flavors = match bounded("flavor", &q.flavor)? {
            Some(f) => vec![Flavor::parse(f).map_err(|_| {
                AdminError::Invalid(format!(
                    "flavor must be one of {}",
                    Flavor::ALL.map(Flavor::as_str).join(", ")
                ))
            })?],
            None => Flavor::ALL.to_vec(),
        };
        let tenant = bounded("tenant", &q.tenant)?;
        let subject = bounded("subject", &q.subject)?;
        let scopes: Vec<Scope> = flavors
            .into_iter()
            .map(|flavor| Scope {
                flavor,
                tenants: tenant.map(|t| directory.tenants_named(flavor, t)),
                subject: subject
                    .map(|s| flavors::get(flavor).map_or_else(|| s.to_owned(), |r| r.subject(s))),
            })
            .collect();
        let mut walks = Vec::new();
        for (i, scope) in scopes.iter().enumerate() {
            walks.extend(scope.walks().into_iter().map(|w| (i, w)));
        }
        Ok(Self {
            scopes,
            walks,
            created_after: q.created_after,
        })
    }
}

/// Where a walk resumes: the walk's index and the store's scan cursor.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Position {
    w: usize,
    c: String,
}

/// A session listed, with its members' count when it is a group.
pub(crate) struct Listed {
    session: Session,
    members: Option<usize>,
}

/// One owner's sessions with every group member under its group's tenant (a member may be
/// stored before its group is read, without one).
pub(crate) fn with_group_tenants(mut sessions: Vec<Session>) -> Vec<Session> {
    let groups: HashMap<SessionId, String> = sessions
        .iter()
        .filter(|s| s.capacity.is_some())
        .map(|s| (s.id.clone(), s.tenant.clone()))
        .collect();
    for s in sessions.iter_mut().filter(|s| s.tenant.is_empty()) {
        if let Some(tenant) = s.parent.as_ref().and_then(|p| groups.get(p)) {
            s.tenant = tenant.clone();
        }
    }
    sessions
}

/// The sessions of `sessions` (one owner's) that `scope` keeps, each group with its members'
/// count.
fn kept(sessions: Vec<Session>, filter: &Filter, scope: &Scope) -> Vec<Listed> {
    let sessions = with_group_tenants(sessions);
    let mut members: HashMap<SessionId, usize> = HashMap::new();
    for s in &sessions {
        if let Some(p) = &s.parent {
            *members.entry(p.clone()).or_default() += 1;
        }
    }
    sessions
        .into_iter()
        .filter(|s| scope.keeps(s, filter.created_after))
        .map(|s| Listed {
            members: s
                .capacity
                .map(|_| members.get(&s.id).copied().unwrap_or_default()),
            session: s,
        })
        .collect()
}

/// One page of sessions from `at`, and where the next page starts.
async fn page(
    store: &SharedStore,
    filter: &Filter,
    mut at: Position,
    size: usize,
) -> Result<(Vec<Listed>, Option<Position>), AdminError> {
    let mut items = Vec::new();
    while at.w < filter.walks.len() && items.len() < size {
        let (scope, walk) = &filter.walks[at.w];
        let scope = &filter.scopes[*scope];
        let (owners, next) = match walk {
            Walk::Owner(owner) => (vec![owner.clone()], String::new()),
            Walk::Prefix(prefix) => store.scan_owners(prefix, &at.c, size).await?,
        };
        for owner in owners.iter().filter(|o| scope.may_hold(o)) {
            let sessions = store.owner_sessions(owner).await?;
            items.extend(kept(sessions, filter, scope));
        }
        if next.is_empty() {
            at = Position {
                w: at.w + 1,
                c: String::new(),
            };
        } else {
            at.c = next;
        }
    }
    let more = at.w < filter.walks.len();
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
    match q.page_token.as_deref().filter(|t| !t.is_empty()) {
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

/// Live sessions of every flavor, filtered, a page at a time.
///
/// A page holds whole users or groups, so it may run a little past `page_size`. Without
/// filters it holds every flavor, QuickBlox application sessions (`subject` null) included.
#[utoipa::path(get, path = "/admin/v1/sessions",
    operation_id = "admin_sessions",
    security(("AdminBearer" = [])),
    params(Query),
    responses(
        (status = 200, description = "A page of sessions.", body = SessionPage),
        NoBearer,
        (status = 422, description = "A filter or page out of bounds, an unknown flavor, a \
            page_token not of this listing.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn list(state: web::Data<AdminState>, q: web::Query<Query>) -> AdminResult {
    let size = page_size(&q)?;
    let directory = Directory::load(&state, None).await?;
    let filter = Filter::of(&q, &directory)?;
    let (items, next) = page(&state.store, &filter, position(&q)?, size).await?;
    Ok(HttpResponse::Ok().json(SessionPage {
        data: items
            .iter()
            .map(|l| view(&l.session, &directory, l.members))
            .collect(),
        next_page_token: next.as_ref().map(token).transpose()?,
    }))
}

/// Revokes every session of a user (tenant and subject required, so that nothing is revoked
/// by accident).
#[utoipa::path(delete, path = "/admin/v1/sessions",
    operation_id = "admin_revoke_user_sessions",
    security(("AdminBearer" = [])),
    params(
        ("tenant" = String, Query, min_length = 1, max_length = 256,
            description = "The user's tenant, as the listing takes it."),
        ("subject" = String, Query, min_length = 1, max_length = 256,
            description = "The user, as the app knows them."),
        ("flavor" = Option<FlavorFilter>, Query,
            description = "Only this flavor's sessions (empty: every flavor)."),
    ),
    responses(
        (status = 200, description = "How many sessions were revoked (0 when none).",
            body = Revoked),
        NoBearer,
        (status = 422, description = "No tenant or subject, one out of bounds, an unknown \
            flavor.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn revoke_all(state: web::Data<AdminState>, q: web::Query<Query>) -> AdminResult {
    if bounded("tenant", &q.tenant)?.is_none() || bounded("subject", &q.subject)?.is_none() {
        return Err(AdminError::Invalid(
            "tenant and subject are required to revoke sessions".into(),
        ));
    }
    let directory = Directory::load(&state, None).await?;
    let filter = Filter::of(&q, &directory)?;
    let mut revoked = 0;
    let mut at = Position::default();
    loop {
        let (items, next) = page(&state.store, &filter, at, MAX_PAGE).await?;
        for l in items {
            revoked += state
                .store
                .revoke(&l.session.reference(), Revocation::by(RevokeReason::Admin))
                .await?;
        }
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    Ok(HttpResponse::Ok().json(Revoked { revoked }))
}

/// One session, by the handle of the listing.
#[utoipa::path(get, path = "/admin/v1/sessions/{handle}",
    operation_id = "admin_session",
    security(("AdminBearer" = [])),
    params(("handle" = String, Path, description = "The session's handle.")),
    responses(
        (status = 200, description = "The session.", body = SessionOne),
        NoBearer,
        (status = 404, description = "No live session has this handle.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn show(state: web::Data<AdminState>, handle: web::Path<String>) -> AdminResult {
    let r = parse_handle(&handle)?;
    let s = state.store.get(&r).await?.ok_or(AdminError::NotFound)?;
    let members = match s.capacity {
        Some(_) => Some(state.store.list_members(&r).await?.len()),
        None => None,
    };
    let directory = Directory::load(&state, None).await?;
    Ok(HttpResponse::Ok().json(SessionOne {
        data: view(&s, &directory, members),
    }))
}

/// A group (QuickSync) and its live members in joining order.
#[utoipa::path(get, path = "/admin/v1/sessions/{handle}/members",
    operation_id = "admin_group_members",
    security(("AdminBearer" = [])),
    params(("handle" = String, Path, description = "The group's handle.")),
    responses(
        (status = 200, description = "The group and its members.", body = GroupMembers),
        NoBearer,
        (status = 404, description = "No live group has this handle.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn members(
    state: web::Data<AdminState>,
    handle: web::Path<String>,
) -> AdminResult {
    let r = parse_handle(&handle)?;
    let group = state.store.get(&r).await?.ok_or(AdminError::NotFound)?;
    if group.capacity.is_none() {
        return Err(AdminError::NotFound);
    }
    let mut members = state.store.list_members(&r).await?;
    for m in members.iter_mut().filter(|m| m.tenant.is_empty()) {
        m.tenant = group.tenant.clone();
    }
    let directory = Directory::load(&state, None).await?;
    Ok(HttpResponse::Ok().json(GroupMembers {
        data: GroupWithMembers {
            group: view(&group, &directory, Some(members.len())),
            members: members.iter().map(|m| view(m, &directory, None)).collect(),
        },
    }))
}

/// Revokes one session: a group with its members; a member leaves its group.
#[utoipa::path(delete, path = "/admin/v1/sessions/{handle}",
    operation_id = "admin_revoke_session",
    security(("AdminBearer" = [])),
    params(("handle" = String, Path, description = "The session's handle.")),
    responses(
        (status = 200, description = "How many sessions were revoked.", body = Revoked),
        NoBearer,
        (status = 404, description = "No live session has this handle.", body = AdminErrorBody),
        BearerThrottled,
        StoreUnavailable,
    ),
)]
pub(crate) async fn revoke(state: web::Data<AdminState>, handle: web::Path<String>) -> AdminResult {
    let r = parse_handle(&handle)?;
    match state
        .store
        .revoke(&r, Revocation::by(RevokeReason::Admin))
        .await?
    {
        0 => Err(AdminError::NotFound),
        n => Ok(HttpResponse::Ok().json(Revoked { revoked: n })),
    }
}
