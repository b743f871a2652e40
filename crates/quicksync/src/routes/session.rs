//! `/v1/session`: create, join, read, kick, disconnect and delete.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use flavor_kit::{passwords, BodyLimits, Reply, Subject};
use session_core::{Candidate, Flavor, Joined, Origin, Session, SessionId, SessionRef};

use crate::auth;
use crate::body::read_json;
use crate::dto::{
    CreateSessionRequest, CredentialsDto, CurrentSessionDto, JoinRequest, KickRequest,
    SessionCredentialsDto, SessionLimitsDto, SessionRulesDto, UserDto, WhiteListAddressDto,
};
use crate::eip191::Address;
use crate::errors::{ProblemDetails, SessionError};
use crate::records::{
    from_attrs, seconds_left, to_attrs, GroupAttrs, MemberAttrs, CLIENT, HOST, SCREENED,
};
use crate::routes::answers::{
    AtCurrent, AtDisconnect, AtJoin, AtKick, AtSession, BodyErrors, Internal, NotHost,
    SessionBearerRefused, Throttled, Unavailable, Unreadable,
};
use crate::state::State;
use crate::{pseudonym, rules, tokens};

/// Pseudonyms a create or join offers the store at once.
const PSEUDONYM_OFFERS: usize = 3;
/// Joins tried before giving up when every offered pseudonym is taken.
const JOIN_ATTEMPTS: usize = 8;
/// Longer than any group lives (the rules' expiry is bounded far below it).
const MAX_GROUP_SECONDS: i64 = 10 * 366 * 24 * 3600;

/// Create a session
///
/// Creates a session whose host is the wallet of the bearer, under the tenant of `X-API-KEY`. Credentials are checked first (wallet bearer, then API key), then the body and the rules.
#[utoipa::path(post, path = "/v1/session", operation_id = "quicksync_create_session",
    request_body(content = CreateSessionRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The session and the host's credentials (role `Host`).", body = SessionCredentialsDto),
        (status = 401, description = "No `Authorization: Bearer` or a wallet bearer that does not verify (wrong key or algorithm, expired, not yet valid, missing `exp`/`sub`, `sub` not an address, wrong `iss`/`aud`); `X-API-KEY` missing or unknown.",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer`")),
            examples(
                ("no bearer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "An Authorization: Bearer token is required.", "instance": "/v1/session"}))),
                ("bad wallet bearer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "The wallet bearer is not valid: it has expired.", "instance": "/v1/session"}))),
                ("no API key" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "The X-API-KEY header is required.", "instance": "/v1/session"}))),
                ("bad API key" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "The API key is not valid.", "instance": "/v1/session"}))),
            )),
        (status = 422, description = "The body breaks the schema (unknown, mistyped member; not an object), is empty or is not JSON, or a rule is out of bounds, a whitelist address is bad, or the passwords conflict; `errors` names the member by JSON path.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("empty" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "A non-empty request body is required.", "instance": "/v1/session", "errors": {"$": ["A non-empty request body is required."]}}))),
                ("unknown member" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "One or more validation errors occurred: rules.maxUsers: unknown field `maxUsers`, expected one of `userCapacity`, `expiryDurationInSeconds`, `password`, `allowOnlyWhitelistedAddresses`, `whiteListAddresses`", "instance": "/v1/session", "errors": {"rules.maxUsers": ["unknown field `maxUsers`, expected one of `userCapacity`, `expiryDurationInSeconds`, `password`, `allowOnlyWhitelistedAddresses`, `whiteListAddresses`"]}}))),
                ("out of bounds" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "One or more validation errors occurred: rules.userCapacity: must be between 1 and 100", "instance": "/v1/session", "errors": {"rules.userCapacity": ["must be between 1 and 100"]}}))),
            )),
        Throttled<AtSession>,
        Unreadable<AtSession>,
        BodyErrors<AtSession>,
        Internal<AtSession>,
        Unavailable<AtSession>,
    ),
    security(("QuicksyncApiKey" = [], "QuicksyncWalletBearer" = [])),
)]
pub async fn create(req: HttpRequest, payload: web::Payload, state: web::Data<State>) -> Reply {
    // The bearer first: it costs no store call.
    let wallet = auth::wallet(&state, &req)?;
    let tenant = auth::tenant(&state, &req).await?;
    let body: CreateSessionRequest = read_json(&req, payload, BodyLimits::of(&state.core)).await?;
    let rules = rules::resolve(&body, &state.settings.rules)?;
    let core = &state.core;

    let password_hash = match rules.password.clone() {
        Some(p) => Some(passwords::hash(p).await.map_err(SessionError::store)?),
        None => None,
    };
    let group_id = tokens::new_group_id().map_err(SessionError::store)?;
    let group_ref = tokens::group_ref(&group_id).map_err(SessionError::store)?;
    let host_id =
        tokens::member_id(&core.hasher, &group_id, &wallet.lower()).map_err(SessionError::store)?;
    let ttl = Duration::seconds(i64::from(rules.expiry_seconds));

    let now = core.clock.now();
    let attrs = GroupAttrs {
        creator_id: host_id.to_string(),
        max_users: rules.max_users,
        max_files: state.settings.rules.max_files,
        max_total_mega_bytes: state.settings.rules.max_total_megabytes,
        password_hash,
        allow_only_whitelisted: rules.allow_only_whitelisted,
        white_list: rules.whitelist.iter().map(Address::lower).collect(),
    };
    let mut group = Session::new(group_ref.clone(), Flavor::Quicksync, &tenant.id, now, ttl);
    group.subject = Some(wallet.lower());
    group.capacity = Some(rules.max_users);
    if attrs.password_hash.is_some() || attrs.allow_only_whitelisted {
        group.role = Some(SCREENED.to_owned());
    }
    group.attrs = to_attrs(&attrs).map_err(SessionError::store)?;

    let address = rules
        .chain_address
        .clone()
        .unwrap_or_else(|| wallet.checksummed());
    let origin = flavor_kit::metadata::origin(&req, core);
    group.origin = origin.clone();
    let offers = offers(&state, &group, (&host_id, &origin), &wallet, HOST, |p| {
        MemberAttrs {
            name: rules.name.clone().unwrap_or_else(|| p.to_owned()),
            address: address.clone(),
            pseudonym: p.to_owned(),
        }
    })?;
    let (candidates, mut taken): (Vec<_>, Vec<_>) = offers.into_iter().unzip();
    let index = core
        .store
        .create_group_named(group.clone(), candidates)
        .await
        .map_err(SessionError::store)?;
    let (token, member) = taken.swap_remove(index);
    tracing::info!(session = %group_id, tenant = %tenant.id, "quicksync: session created");
    Ok(HttpResponse::Ok().json(credentials(
        &state,
        &group,
        &attrs,
        (&host_id, token),
        &member,
        HOST,
    )))
}

/// Join a session
///
/// The wallet of the bearer joins as a client. Checks, in order: wallet bearer, body, session, whitelist, password, then capacity and membership in one atomic store operation.
#[utoipa::path(post, path = "/v1/session/join", operation_id = "quicksync_join_session",
    request_body(content = JoinRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The session and the caller's credentials (role `Client`).", body = SessionCredentialsDto),
        (status = 401, description = "No `Authorization: Bearer`, or a wallet bearer that does not verify.",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer`")),
            examples(
                ("no bearer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "An Authorization: Bearer token is required.", "instance": "/v1/session/join"}))),
                ("bad wallet bearer" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.2", "title": "Unauthorized", "status": 401, "detail": "The wallet bearer is not valid: it has expired.", "instance": "/v1/session/join"}))),
            )),
        (status = 403, description = "The wallet is not whitelisted, or the password is missing or wrong.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("not whitelisted" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.4", "title": "Forbidden", "status": 403, "detail": "This wallet address is not whitelisted for the session.", "instance": "/v1/session/join"}))),
                ("password required" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.4", "title": "Forbidden", "status": 403, "detail": "This session requires a password.", "instance": "/v1/session/join"}))),
                ("wrong password" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.4", "title": "Forbidden", "status": 403, "detail": "The session password is wrong.", "instance": "/v1/session/join"}))),
            )),
        (status = 404, description = "No live session with that id (unknown, expired, deleted or malformed).",
            body = ProblemDetails, content_type = "application/problem+json",
            example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found", "status": 404, "detail": "The session does not exist or has expired.", "instance": "/v1/session/join"})),
        (status = 409, description = "The session is full, or the wallet is already in it (the host included).",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("full" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.10", "title": "Conflict", "status": 409, "detail": "The session is full.", "instance": "/v1/session/join"}))),
                ("member" = (value = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.10", "title": "Conflict", "status": 409, "detail": "This wallet is already in the session.", "instance": "/v1/session/join"}))),
            )),
        (status = 422, description = "The body breaks the schema, is empty or is not JSON, or has no `sessionId`.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("empty" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "A non-empty request body is required.", "instance": "/v1/session/join", "errors": {"$": ["A non-empty request body is required."]}}))),
                ("no sessionId" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "One or more validation errors occurred: sessionId: is required", "instance": "/v1/session/join", "errors": {"sessionId": ["is required"]}}))),
            )),
        Throttled<AtJoin>,
        Unreadable<AtJoin>,
        BodyErrors<AtJoin>,
        Internal<AtJoin>,
        Unavailable<AtJoin>,
    ),
    security(("QuicksyncWalletBearer" = [])),
)]
pub async fn join(req: HttpRequest, payload: web::Payload, state: web::Data<State>) -> Reply {
    let wallet = auth::wallet(&state, &req)?;
    let body: JoinRequest = read_json(&req, payload, BodyLimits::of(&state.core)).await?;
    let raw_id = body
        .session_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| SessionError::invalid("sessionId", "is required"))?;
    let group_id = tokens::parse_group_id(raw_id).ok_or(SessionError::SessionNotFound)?;
    let group_ref = tokens::group_ref(&group_id).map_err(SessionError::store)?;
    let core = &state.core;
    let member_id = joiner_id(&state, &group_ref, &wallet).await?;
    // An open group is joined in one step; a group with a password or a whitelist answers with
    // itself first, for the checks only the gateway can make.
    let origin = flavor_kit::metadata::origin(&req, core);
    let mut screen = Some(SCREENED);
    for _ in 0..JOIN_ATTEMPTS {
        // The group's expiry is not known yet: the store cuts the member's to it.
        let placeholder = group_placeholder(&group_ref, core.clock.now());
        let offers = offers(
            &state,
            &placeholder,
            (&member_id, &origin),
            &wallet,
            CLIENT,
            |p| MemberAttrs {
                name: p.to_owned(),
                address: wallet.checksummed(),
                pseudonym: p.to_owned(),
            },
        )?;
        let (candidates, mut taken): (Vec<_>, Vec<_>) = offers.into_iter().unzip();
        let joined = core
            .store
            .join_group_named(&group_ref, candidates, None, screen)
            .await
            .map_err(|e| match e {
                session_core::Error::CapacityReached => SessionError::SessionFull,
                session_core::Error::Conflict(_) => SessionError::AlreadyMember,
                session_core::Error::NotFound => SessionError::SessionNotFound,
                other => SessionError::store(other),
            })?;
        match joined {
            Joined::Screen(group) => {
                admit(&state, &req, &group, &wallet, &body).await?;
                screen = None;
            }
            Joined::NamesTaken => continue,
            Joined::Member { index, group } => {
                let attrs: GroupAttrs = from_attrs(&group).map_err(SessionError::store)?;
                let (token, member) = taken.swap_remove(index);
                tracing::info!(session = %group_id, "quicksync: member joined");
                return Ok(HttpResponse::Ok().json(credentials(
                    &state,
                    &group,
                    &attrs,
                    (&member_id, token),
                    &member,
                    CLIENT,
                )));
            }
        }
    }
    Err(SessionError::store(session_core::Error::Internal(
        "no free pseudonym found for the session".into(),
    ))
    .into())
}

/// The wallet's member id in the group: under the active token key, or, while previous keys are
/// listed, under the key the group was created with (one read first), so that a wallet that
/// joined before a rotation is still the store's atomic conflict.
async fn joiner_id(
    state: &State,
    group_ref: &SessionRef,
    wallet: &Address,
) -> Result<SessionId, SessionError> {
    let hasher = &state.core.hasher;
    let mut key = hasher.active();
    if hasher.has_previous() {
        let group = state
            .core
            .store
            .get(group_ref)
            .await
            .map_err(SessionError::store)?;
        if let Some(k) = group.and_then(|g| tokens::group_key(hasher, &g)) {
            key = k.clone();
        }
    }
    tokens::member_id(&key, &group_ref.id, &wallet.lower()).map_err(SessionError::store)
}

/// The checks of a screened group: the whitelist, then the password (an argon2 check,
/// throttled per session and per client address: counted before it runs).
async fn admit(
    state: &State,
    req: &HttpRequest,
    group: &Session,
    wallet: &Address,
    body: &JoinRequest,
) -> Result<(), SessionError> {
    let attrs: GroupAttrs = from_attrs(group).map_err(SessionError::store)?;
    if attrs.allow_only_whitelisted && !attrs.white_list.contains(&wallet.lower()) {
        return Err(SessionError::NotWhitelisted);
    }
    if let Some(phc) = &attrs.password_hash {
        let given = body
            .password
            .clone()
            .filter(|p| !p.is_empty())
            .ok_or(SessionError::PasswordRequired)?;
        let subject = Subject {
            tenant: group.id.as_str(),
            name: "password",
        };
        let pass = state.throttle.admit(req, Some(subject)).await?;
        let ok = passwords::verify(given, phc.clone())
            .await
            .map_err(SessionError::store)?;
        if !ok {
            pass.failed();
            return Err(SessionError::WrongPassword);
        }
        pass.succeeded();
    }
    Ok(())
}

/// The caller's session
///
/// The session of the session token, with its rules and members in joining order.
#[utoipa::path(get, path = "/v1/session/current", operation_id = "quicksync_get_current_session",
    responses(
        (status = 200, description = "The session and its members.", body = CurrentSessionDto),
        SessionBearerRefused<AtCurrent>,
        Internal<AtCurrent>,
        Unavailable<AtCurrent>,
    ),
    security(("QuicksyncSessionBearer" = [])),
)]
pub async fn current(req: HttpRequest, state: web::Data<State>) -> Reply {
    let view = auth::view(&state, &req).await?;
    let group = &view.group;
    let attrs: GroupAttrs = from_attrs(group).map_err(SessionError::store)?;
    let mut users = Vec::with_capacity(view.members.len());
    for m in &view.members {
        let a: MemberAttrs = from_attrs(m).map_err(SessionError::store)?;
        users.push(UserDto {
            id: m.id.to_string(),
            role: m.role.clone().unwrap_or_else(|| CLIENT.into()),
            name: a.name,
            address: a.address,
        });
    }
    Ok(HttpResponse::Ok().json(CurrentSessionDto {
        id: group.id.to_string(),
        creator_id: attrs.creator_id.clone(),
        limits: limits(&attrs, seconds_left(group, state.core.clock.now())),
        white_list_addresses: whitelist(&attrs).map(|w| w.address).collect(),
        users,
    }))
}

/// Remove a member (host only)
///
/// Removes the member `userId`; its session token dies at once. A kick is not a ban: the wallet may join again. Credentials and the host role are checked before the body.
#[utoipa::path(post, path = "/v1/session/current/kick", operation_id = "quicksync_kick_member",
    request_body(content = KickRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The member is removed; empty body."),
        (status = 404, description = "No member with that id in the session.",
            body = ProblemDetails, content_type = "application/problem+json",
            example = json!({"type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found", "status": 404, "detail": "No user with this id is in the session.", "instance": "/v1/session/current/kick"})),
        (status = 422, description = "The body breaks the schema, is empty or is not JSON, has no `userId`, or names the host itself.",
            body = ProblemDetails, content_type = "application/problem+json",
            examples(
                ("empty" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "A non-empty request body is required.", "instance": "/v1/session/current/kick", "errors": {"$": ["A non-empty request body is required."]}}))),
                ("no userId" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "One or more validation errors occurred: userId: is required", "instance": "/v1/session/current/kick", "errors": {"userId": ["is required"]}}))),
                ("self" = (value = json!({"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "Client Error", "status": 422, "detail": "One or more validation errors occurred: userId: the host cannot kick itself; disconnect or delete the session instead", "instance": "/v1/session/current/kick", "errors": {"userId": ["the host cannot kick itself; disconnect or delete the session instead"]}}))),
            )),
        Unreadable<AtKick>,
        BodyErrors<AtKick>,
        SessionBearerRefused<AtKick>,
        NotHost<AtKick>,
        Internal<AtKick>,
        Unavailable<AtKick>,
    ),
    security(("QuicksyncSessionBearer" = [])),
)]
pub async fn kick(req: HttpRequest, payload: web::Payload, state: web::Data<State>) -> Reply {
    let me = auth::session_bearer(&state, &req)?;
    // Credentials and the host role come before the body: a request the store would not
    // reach is checked with one read first.
    let body: KickRequest = match read_json(&req, payload, BodyLimits::of(&state.core)).await {
        Ok(body) => body,
        Err(e) => {
            auth::host(&state, &req).await?;
            return Err(e.into());
        }
    };
    let target = body
        .user_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| SessionError::invalid("userId", "is required"));
    let target = match target {
        Ok(raw) => tokens::parse_member_id(raw),
        Err(e) => {
            auth::host(&state, &req).await?;
            return Err(e.into());
        }
    };
    let Some(target) = target else {
        auth::host(&state, &req).await?;
        return Err(SessionError::MemberNotFound.into());
    };
    if target == me.member {
        auth::host(&state, &req).await?;
        return Err(SessionError::invalid(
            "userId",
            "the host cannot kick itself; disconnect or delete the session instead",
        )
        .into());
    }
    let store = &state.core.store;
    let removed = auth::guarded(&me, Some(HOST), |guard| {
        let (group, target) = (&me.group, &target);
        async move {
            store
                .remove_member_guarded(group, target, Some(&guard))
                .await
        }
    })
    .await
    .map_err(auth::refused)?;
    if !removed {
        return Err(SessionError::MemberNotFound.into());
    }
    tracing::info!(session = %me.group.id, "quicksync: member kicked");
    Ok(HttpResponse::Ok().finish())
}

/// Leave the session
///
/// The caller leaves and its session token dies. A host that disconnects ends the session, as `DELETE /v1/session/current` does. A body is ignored.
#[utoipa::path(post, path = "/v1/session/disconnect", operation_id = "quicksync_disconnect",
    responses(
        (status = 200, description = "Left (or, for the host, ended); empty body."),
        SessionBearerRefused<AtDisconnect>,
        Internal<AtDisconnect>,
        Unavailable<AtDisconnect>,
    ),
    security(("QuicksyncSessionBearer" = [])),
)]
pub async fn disconnect(req: HttpRequest, state: web::Data<State>) -> Reply {
    let me = auth::session_bearer(&state, &req)?;
    let store = &state.core.store;
    let gone = auth::guarded(&me, None, |guard| {
        let (group, member) = (&me.group, &me.member);
        async move { store.leave_group(group, member, Some(&guard), HOST).await }
    })
    .await
    .map_err(auth::refused)?;
    tracing::info!(session = %me.group.id, sessions = gone, "quicksync: member left");
    Ok(HttpResponse::Ok().finish())
}

/// End the session (host only)
///
/// Ends the session: every member's token dies and joins answer 404.
#[utoipa::path(delete, path = "/v1/session/current", operation_id = "quicksync_delete_session",
    responses(
        (status = 200, description = "The session is ended; empty body."),
        SessionBearerRefused<AtCurrent>,
        NotHost<AtCurrent>,
        Internal<AtCurrent>,
        Unavailable<AtCurrent>,
    ),
    security(("QuicksyncSessionBearer" = [])),
)]
pub async fn delete(req: HttpRequest, state: web::Data<State>) -> Reply {
    let me = auth::session_bearer(&state, &req)?;
    let store = &state.core.store;
    auth::guarded(&me, Some(HOST), |guard| {
        let group = &me.group;
        async move { store.delete_guarded(group, Some(&guard)).await }
    })
    .await
    .map_err(auth::refused)?;
    tracing::info!(session = %me.group.id, "quicksync: session ended");
    Ok(HttpResponse::Ok().finish())
}

/// A group's stand-in before the store has answered: its place, and no expiry the store would
/// not cut (members never outlive their group).
fn group_placeholder(group: &SessionRef, now: chrono::DateTime<chrono::Utc>) -> Session {
    let mut g = Session::new(group.clone(), Flavor::Quicksync, "", now, Duration::zero());
    g.expires_at = now + Duration::seconds(MAX_GROUP_SECONDS);
    g
}

/// A candidate member, with the token and attributes it would be answered with.
type Offer = (Candidate, (String, MemberAttrs));

/// One candidate member per fresh pseudonym: the store keeps the first whose pseudonym no
/// member of the group has had. Each comes with its token and attributes, and records `origin`.
fn offers(
    state: &State,
    group: &Session,
    (id, origin): (&SessionId, &Origin),
    wallet: &Address,
    role: &str,
    attrs: impl Fn(&str) -> MemberAttrs,
) -> Result<Vec<Offer>, SessionError> {
    pseudonym::candidates(PSEUDONYM_OFFERS)
        .map_err(SessionError::store)?
        .into_iter()
        .map(|p| {
            let a = attrs(&p);
            let (mut member, token) = new_member(state, group, id.clone(), wallet, role, &a)?;
            member.origin = origin.clone();
            Ok((
                Candidate {
                    name: pseudonym::claim_name(&p),
                    member,
                },
                (token, a),
            ))
        })
        .collect()
}

/// A member session of `group` (same expiry) and its bearer.
fn new_member(
    state: &State,
    group: &Session,
    id: SessionId,
    wallet: &Address,
    role: &str,
    attrs: &MemberAttrs,
) -> Result<(Session, String), SessionError> {
    let core = &state.core;
    let token = tokens::issue(&group.id, &id).map_err(SessionError::store)?;
    let r = SessionRef::new(group.owner.clone(), id);
    let now = core.clock.now();
    let mut s = Session::new(
        r,
        Flavor::Quicksync,
        group.tenant.clone(),
        now,
        Duration::zero(),
    );
    s.expires_at = group.expires_at;
    s.subject = Some(wallet.lower());
    s.role = Some(role.to_owned());
    s.parent = Some(group.id.clone());
    s.token_hash = Some(core.hasher.hash(&token));
    s.attrs = to_attrs(attrs).map_err(SessionError::store)?;
    Ok((s, token))
}

fn whitelist(attrs: &GroupAttrs) -> impl Iterator<Item = WhiteListAddressDto> + '_ {
    attrs
        .white_list
        .iter()
        .filter_map(|a| Address::parse(a))
        .map(|a| WhiteListAddressDto {
            address: a.checksummed(),
        })
}

fn credentials(
    state: &State,
    group: &Session,
    attrs: &GroupAttrs,
    (member_id, token): (&SessionId, String),
    member: &MemberAttrs,
    role: &str,
) -> SessionCredentialsDto {
    let left = seconds_left(group, state.core.clock.now());
    SessionCredentialsDto {
        session_id: group.id.to_string(),
        expires_in: left,
        credentials: CredentialsDto {
            token,
            id: member_id.to_string(),
            pseudonym: member.pseudonym.clone(),
            role: role.to_owned(),
        },
        rules: SessionRulesDto {
            limits: limits(attrs, left),
            white_list_addresses: whitelist(attrs).collect(),
        },
    }
}

/// A group's expiry (`left` seconds) and limits, as its answers show them.
fn limits(attrs: &GroupAttrs, left: i64) -> SessionLimitsDto {
    SessionLimitsDto {
        expiry: left,
        max_files: attrs.max_files,
        max_users: attrs.max_users,
        max_total_mega_bytes: attrs.max_total_mega_bytes,
        password_protected: attrs.password_hash.is_some(),
    }
}
