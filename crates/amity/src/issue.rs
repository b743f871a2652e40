//! Issuing sessions: a new session with its access (and refresh) token, refresh rotation, and
//! secure-mode auth tokens. Each is one store step.
//!
//! The store keeps the keyed hash of an access token's `jti` (random, 128 bits), not of the
//! whole JWT: the signature proves the rest, the hash proves the token is the session's current
//! one. So a rotation can install the next token's hash before that token is signed with what
//! the rotation hands back (the session's device information).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use session_core::token::generate_hex_token;
use session_core::{
    CoreDeps, Created, Flavor, LimitPolicy, NewSession, Origin, OwnerLimit, Rotation, Session,
    SessionId, SessionRef, TokenHash, TokenHasher,
};

use crate::dto::{ApiVersion, SessionResponse};
use crate::network::Network;
use crate::roles::RoleView;
use crate::settings::MAX_TTL_SECONDS;
use crate::times::iso;
use crate::tokens::{self, Claims, RefreshToken, UserClaims};

use crate::users::{self, User, UserChanges, UserView};

/// Most live auth tokens per user; the oldest goes first.
const MAX_AUTH_TOKENS_PER_USER: u32 = 10;
/// Session attribute: the API version the session was created through.
const VERSION: &str = "v";
/// Session attribute: the device information the client registered.
const DEVICE_INFO: &str = "di";

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

/// `now` without its fraction of a second, so that `expiresAt` equals the JWT's `exp`.
pub fn whole_seconds(now: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

/// `n` seconds, capped at the longest lifetime settings accept.
fn seconds(n: u64) -> Duration {
    Duration::seconds(i64::try_from(n.min(MAX_TTL_SECONDS)).unwrap_or_default())
}

/// The stored proof of an access token: the keyed hash of its `jti`.
pub fn access_hash(core: &CoreDeps, jti: &str) -> TokenHash {
    core.hasher.hash(jti)
}

/// Signs an access token for `user_id` on session `sid` with the token id `jti`.
fn sign_access(
    network: &Network,
    user_id: &str,
    sid: &str,
    jti: String,
    device_info: Value,
    now: DateTime<Utc>,
) -> session_core::Result<(String, DateTime<Utc>)> {
    let expires_at = now + seconds(network.settings.token_ttl_seconds);
    let mut claims = Claims {
        user: UserClaims {
            user_id: user_id.to_owned(),
            public_user_id: user_id.to_owned(),
            network_id: network.id.clone(),
            device_info,
        },
        sub: users::internal_id(network, user_id),
        sid: sid.to_owned(),
        jti,
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        nk: None,
    };
    Ok((network.sign(&mut claims)?, expires_at))
}

/// What a session request brings.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    /// The client's user id.
    pub user_id: &'a str,
    /// The user fields the request sends.
    pub changes: &'a UserChanges,
    /// The device the session is for.
    pub device_id: &'a str,
    /// Its description, as registered.
    pub device_info: Value,
    /// The API version called.
    pub version: ApiVersion,
    /// The secure-mode auth token, when the network asks for one.
    pub auth_token: Option<&'a str>,
    /// Where the request came from, as the session records it.
    pub origin: Origin,
}

/// Creates a session in one store step: the secure-mode auth token's check, the user's
/// document (created on first sight, updated with the fields sent, refused when banned), the
/// session itself, the user's oldest sessions beyond `max_sessions_per_user` and, with
/// `one_session_per_device`, the user's other sessions on the device.
pub async fn register(
    core: &CoreDeps,
    network: &Network,
    r: Registration<'_>,
) -> session_core::Result<(User, Issued)> {
    let now = whole_seconds(core.clock.now());
    let sid = tokens::new_session_id()?;
    let jti = tokens::new_jti()?;
    let token_hash = access_hash(core, &jti);
    let (access_token, expires_at) = sign_access(
        network,
        r.user_id,
        sid.as_str(),
        jti,
        r.device_info.clone(),
        now,
    )?;
    let refresh = match r.version {
        ApiVersion::V5 => None,
        ApiVersion::V3 | ApiVersion::V4 => Some(RefreshToken::issue(r.user_id, &sid)?.encode()),
    };
    let lifetime = match refresh {
        Some(_) => network.settings.refresh_ttl_seconds(),
        None => network.settings.token_ttl_seconds,
    };
    let reference = SessionRef::new(users::owner(network, r.user_id)?, sid);
    // Created at the precise time (it orders the user's sessions), expiring on a whole second.
    let mut session = Session::new(
        reference,
        Flavor::Amity,
        &network.id,
        core.clock.now(),
        seconds(lifetime),
    );
    session.expires_at = now + seconds(lifetime);
    session.subject = Some(r.user_id.to_owned());
    session.device = Some(r.device_id.to_owned());
    session.origin = r.origin;
    session.token_hash = Some(token_hash);
    session.refresh_hash = refresh.as_deref().map(|t| core.hasher.hash(t));
    if r.version != ApiVersion::V3 {
        session
            .attrs
            .insert(VERSION.into(), r.version.as_str().into());
    }
    if !is_empty(&r.device_info) {
        session.attrs.insert(DEVICE_INFO.into(), r.device_info);
    }
    let mut new = NewSession::new(session).limit(Some(OwnerLimit {
        max: network.settings.max_sessions_per_user,
        policy: LimitPolicy::EvictOldest,
    }));
    new.retire_device = network.settings.one_session_per_device;
    new.doc = Some(users::upsert_plan(
        network,
        r.user_id,
        r.changes,
        core.clock.now(),
    )?);
    new.credential = r.auth_token.map(|t| auth_token_hash(&core.hasher, t));
    let created = create_with_credential(core, new, r.auth_token).await?;
    let doc = created
        .doc
        .ok_or_else(|| session_core::Error::Internal("the user was not returned".into()))?;
    let user = users::from_doc(&doc, r.user_id)?;
    Ok((
        user,
        Issued {
            access_token,
            refresh_token: refresh,
            issued_at: now,
            expires_at,
        },
    ))
}

/// Creates the session; a secure-mode auth token issued under a previous token key of the ring
/// is tried under that key after a refusal (nothing was written by the refused attempt).
async fn create_with_credential(
    core: &CoreDeps,
    new: NewSession,
    auth_token: Option<&str>,
) -> session_core::Result<Created> {
    let (Some(token), true) = (auth_token, core.hasher.has_previous()) else {
        return core.store.create_with(new).await;
    };
    let mut outcome = core.store.create_with(new.clone()).await;
    for key in core.hasher.previous() {
        if !matches!(outcome, Err(session_core::Error::Unauthorized)) {
            break;
        }
        let mut again = new.clone();
        again.credential = Some(auth_token_hash(key, token));
        outcome = core.store.create_with(again).await;
    }
    outcome
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Spends `presented` (the refresh token of session `sid` of `user_id`) for a new access and
/// refresh pair, in one store step that also hands back the user. Exactly one of concurrent
/// spends wins; a spent token presented again revokes the session
/// ([`session_core::Error::Replay`]).
pub async fn rotate(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
    sid: &SessionId,
    presented: &str,
) -> session_core::Result<(User, Issued)> {
    let now = whole_seconds(core.clock.now());
    let jti = tokens::new_jti()?;
    let refresh = RefreshToken::issue(user_id, sid)?.encode();
    let rotation = Rotation {
        token_hash: access_hash(core, &jti),
        refresh_hash: core.hasher.hash(&refresh),
        expires_at: now + seconds(network.settings.refresh_ttl_seconds()),
    };
    let reference = SessionRef::new(users::owner(network, user_id)?, sid.clone());
    // Under the active token key, then (only when it is unknown) each previous key: a spent
    // token is recognised under the key it was issued with, and revokes its family.
    let mut rotated = Err(session_core::Error::Unauthorized);
    for key in core.hasher.keys() {
        rotated = core
            .store
            .rotate_refresh(&reference, &key.hash(presented), rotation.clone())
            .await;
        if !matches!(rotated, Err(session_core::Error::Unauthorized)) {
            break;
        }
    }
    let rotated = rotated?;
    let doc = rotated.doc.ok_or(session_core::Error::NotFound)?;
    let user = users::from_doc(&doc, user_id)?;
    if user.is_global_ban {
        return Err(session_core::Error::Forbidden);
    }
    let device_info = rotated
        .session
        .attrs
        .get(DEVICE_INFO)
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    let (access_token, expires_at) =
        sign_access(network, user_id, sid.as_str(), jti, device_info, now)?;
    Ok((
        user,
        Issued {
            access_token,
            refresh_token: Some(refresh),
            issued_at: now,
            expires_at,
        },
    ))
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

/// The stored proof of a secure-mode auth token under one token key.
fn auth_token_hash(key: &TokenHasher, token: &str) -> TokenHash {
    key.hash_parts(&["amity.auth-token.v1", token])
}

/// Issues a secure-mode auth token for `user_id` (40 hex characters), valid for
/// `auth_token_ttl_seconds` (one store step; a user holds at most 10, the oldest go first).
pub async fn auth_token(
    core: &CoreDeps,
    network: &Network,
    user_id: &str,
) -> session_core::Result<String> {
    let token = generate_hex_token()?;
    core.store
        .issue_credential(
            &users::owner(network, user_id)?,
            &auth_token_hash(&core.hasher, &token),
            seconds(network.settings.auth_token_ttl_seconds),
            MAX_AUTH_TOKENS_PER_USER,
        )
        .await?;
    Ok(token)
}
