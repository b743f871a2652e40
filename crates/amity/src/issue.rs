//! Issuing sessions: a new session with its access (and refresh) token, refresh rotation, and
//! secure-mode auth tokens.

use chrono::{DateTime, Duration, Utc};
use session_core::token::generate_hex_token;
use session_core::{
    CoreDeps, Flavor, LimitPolicy, Owner, OwnerLimit, Rotation, Session, SessionRef, MAX_PAGE_SIZE,
};

use crate::dto::{ApiVersion, SessionResponse};
use crate::network::Network;
use crate::roles::RoleView;
use crate::settings::MAX_TTL_SECONDS;
use crate::times::iso;
use crate::tokens::{self, Claims, RefreshToken, UserClaims};
use crate::users::{User, UserView};

/// Owner-part suffix that keeps a user's auth tokens apart from their sessions.
const AUTH_TOKEN_PART: &str = "auth-token";
/// Most live auth tokens per user; the oldest goes first.
const MAX_AUTH_TOKENS_PER_USER: u32 = 10;

/// Tokens just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The JWT.
    pub access_token: String,
    /// The refresh token (not on v5).
    pub refresh_token: Option<String>,
    /// Whole seconds.
    pub issued_at: DateTime<Utc>,
    /// Whole seconds; the JWT's `exp`.
    pub expires_at: DateTime<Utc>,
}

/// The partition of a user's sessions.
pub fn owner(network: &Network, user_id: &str) -> session_core::Result<Owner> {
    Owner::new(Flavor::Amity, &[&network.id, user_id])
}

/// `now` without its fraction of a second, so that `expiresAt` equals the JWT's `exp`.
pub fn whole_seconds(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// `n` seconds, capped at the longest lifetime settings accept.
fn seconds(n: u64) -> Duration {
    Duration::seconds(i64::try_from(n.min(MAX_TTL_SECONDS)).unwrap_or_default())
}

fn sign_access(
    network: &Network,
    user: &User,
    sid: &str,
    device_info: serde_json::Value,
    now: DateTime<Utc>,
) -> session_core::Result<(String, DateTime<Utc>)> {
    let expires_at = now + seconds(network.settings.token_ttl_seconds);
    let claims = Claims {
        user: UserClaims {
            user_id: user.user_id.clone(),
            public_user_id: user.user_id.clone(),
            network_id: network.id.clone(),
            device_info,
        },
        sub: user.id.clone(),
        sid: sid.to_owned(),
        jti: tokens::new_jti()?,
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    Ok((tokens::sign(network, &claims)?, expires_at))
}

/// Creates a session for `user` on `device_id`, revoking the user's oldest sessions beyond
/// `max_sessions_per_user`.
pub async fn create(
    core: &CoreDeps,
    network: &Network,
    user: &User,
    device_id: &str,
    device_info: serde_json::Value,
    version: ApiVersion,
) -> session_core::Result<Issued> {
    let now = whole_seconds(core.clock.now());
    let sid = tokens::new_session_id()?;
    let (access_token, expires_at) =
        sign_access(network, user, sid.as_str(), device_info.clone(), now)?;
    let refresh = match version {
        ApiVersion::V5 => None,
        ApiVersion::V3 | ApiVersion::V4 => Some(RefreshToken::issue(&user.user_id, &sid)?.encode()),
    };
    let lifetime = match refresh {
        Some(_) => network.settings.refresh_ttl_seconds(),
        None => network.settings.token_ttl_seconds,
    };
    let reference = SessionRef::new(owner(network, &user.user_id)?, sid);
    // Created at the precise time (it orders the user's sessions), expiring on a whole second.
    let mut session = Session::new(
        reference,
        Flavor::Amity,
        &network.id,
        core.clock.now(),
        seconds(lifetime),
    );
    session.expires_at = now + seconds(lifetime);
    session.subject = Some(user.user_id.clone());
    session.device = Some(device_id.to_owned());
    session.token_hash = Some(core.hasher.hash(&access_token));
    session.refresh_hash = refresh.as_deref().map(|r| core.hasher.hash(r));
    session.attrs.insert("deviceInfo".into(), device_info);
    session
        .attrs
        .insert("userInternalId".into(), user.id.clone().into());
    session
        .attrs
        .insert("version".into(), version.as_str().into());
    let limit = OwnerLimit {
        max: network.settings.max_sessions_per_user,
        policy: LimitPolicy::EvictOldest,
    };
    let created = session.reference();
    let created_at = session.created_at;
    core.store.create(session, Some(limit)).await?;
    if network.settings.one_session_per_device {
        retire_device_sessions(core, &created, created_at, device_id).await?;
    }
    Ok(Issued {
        access_token,
        refresh_token: refresh,
        issued_at: now,
        expires_at,
    })
}

/// Deletes the user's other sessions on `device_id` created no later than the new one at
/// `created` (so a renewal retires the token it replaces, even within the same millisecond).
async fn retire_device_sessions(
    core: &CoreDeps,
    created: &SessionRef,
    created_at: DateTime<Utc>,
    device_id: &str,
) -> session_core::Result<()> {
    let mut after = None;
    loop {
        let page = core
            .store
            .list_by_owner(&created.owner, after.as_ref(), MAX_PAGE_SIZE)
            .await?;
        for s in &page.items {
            let older = s.created_at <= created_at && s.id != created.id;
            if older && s.device.as_deref() == Some(device_id) {
                core.store.delete(&s.reference()).await?;
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

/// Spends `presented` (the refresh token of `session`) for a new access and refresh pair.
/// Exactly one of concurrent spends wins; a spent token presented again revokes the session
/// ([`session_core::Error::Replay`]).
pub async fn rotate(
    core: &CoreDeps,
    network: &Network,
    user: &User,
    session: &Session,
    presented: &str,
) -> session_core::Result<Issued> {
    let now = whole_seconds(core.clock.now());
    let device_info = session
        .attrs
        .get("deviceInfo")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    let (access_token, expires_at) =
        sign_access(network, user, session.id.as_str(), device_info, now)?;
    let refresh = RefreshToken::issue(&user.user_id, &session.id)?.encode();
    let rotation = Rotation {
        token_hash: core.hasher.hash(&access_token),
        refresh_hash: core.hasher.hash(&refresh),
        expires_at: now + seconds(network.settings.refresh_ttl_seconds()),
    };
    core.store
        .rotate_refresh(&session.reference(), &core.hasher.hash(presented), rotation)
        .await?;
    Ok(Issued {
        access_token,
        refresh_token: Some(refresh),
        issued_at: now,
        expires_at,
    })
}

/// The response body for `issued`.
pub fn response(
    network: &Network,
    user: User,
    issued: Issued,
    version: ApiVersion,
) -> SessionResponse {
    let roles = RoleView::of(network, &user.roles);
    SessionResponse {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        issued_at: iso(issued.issued_at),
        expires_at: iso(issued.expires_at),
        users: vec![UserView::new(user, network)],
        roles,
        files: Vec::new(),
        last_cache_purge: network.settings.last_cache_purge.clone(),
        user_type: (version == ApiVersion::V5).then_some("signed-in"),
    }
}

fn auth_token_ref(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
    token: &str,
) -> session_core::Result<SessionRef> {
    Ok(SessionRef::new(
        Owner::new(Flavor::Amity, &[&network.id, user_id, AUTH_TOKEN_PART])?,
        tokens::auth_token_session_id(&core.hasher, token)?,
    ))
}

/// Issues a secure-mode auth token for `user_id` (40 hex characters), valid for
/// `auth_token_ttl_seconds`.
pub async fn auth_token(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
) -> session_core::Result<String> {
    let token = generate_hex_token()?;
    let reference = auth_token_ref(core, network, user_id, &token)?;
    let ttl = seconds(network.settings.auth_token_ttl_seconds);
    let mut record = Session::new(reference, Flavor::Amity, &network.id, core.clock.now(), ttl);
    record.subject = Some(user_id.to_owned());
    record.role = Some(AUTH_TOKEN_PART.to_owned());
    record.token_hash = Some(core.hasher.hash(&token));
    let limit = OwnerLimit {
        max: MAX_AUTH_TOKENS_PER_USER,
        policy: LimitPolicy::EvictOldest,
    };
    core.store.create(record, Some(limit)).await?;
    Ok(token)
}

/// Whether `token` is a live auth token of `user_id` (one store read).
pub async fn check_auth_token(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
    token: &str,
) -> session_core::Result<bool> {
    let reference = auth_token_ref(core, network, user_id, token)?;
    let presented = core.hasher.hash(token);
    Ok(core
        .store
        .get(&reference)
        .await?
        .and_then(|s| s.token_hash)
        .is_some_and(|h| h.ct_eq(&presented)))
}
