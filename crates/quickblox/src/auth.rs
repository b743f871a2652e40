//! The two credentials: the `QB-Token` of a live session (one store call) and a user's login or
//! e-mail with password (argon2 on the blocking pool).

use std::sync::Arc;

use actix_web::HttpRequest;
use flavor_kit::Subject;
use session_core::{Flavor, Session};

use crate::directory::LoginName;
use crate::errors::RequestError;
use crate::rekey;
use crate::requests::{Credentials, Name};
use crate::state::State;
use crate::tokens::{self, Bearer};
use crate::users::User;

/// A request's token, where it points, and its live session with its sliding lifetime started
/// again. One store read; the expiry is written only when it would move by at least the
/// granularity ([`slide`]).
pub async fn authenticate(
    req: &HttpRequest,
    state: &State,
) -> Result<(String, Bearer, Session), RequestError> {
    let token = tokens::from_request(req)?;
    let bearer = tokens::bearer(&state.core.hasher, &token)?;
    let found = state.core.store.get(&bearer.reference).await?;
    let mut session = match found.filter(|s| genuine(s, &bearer)) {
        Some(s) => s,
        None => under_previous_key(state, &token, &bearer).await?,
    };
    slide(state, &mut session).await?;
    Ok((token, bearer, session))
}

/// Whether `session` is a QuickBlox session of the bearer's token.
fn genuine(session: &Session, bearer: &Bearer) -> bool {
    session.flavor == Flavor::Quickblox && session.token_hash.is_some_and(|h| h.ct_eq(&bearer.hash))
}

/// The session of `token` where a previous key of the ring put it (one more read per previous
/// key, only after a miss), moved to `active`'s place. A session that a concurrent check moved
/// between these reads (a replica whose active key is this one's previous moves it back) is
/// looked for once more, at the active place first.
async fn under_previous_key(
    state: &State,
    token: &str,
    active: &Bearer,
) -> Result<Session, RequestError> {
    for pass in 0..2 {
        if pass > 0 {
            let found = state.core.store.get(&active.reference).await?;
            if let Some(session) = found.filter(|s| genuine(s, active)) {
                return Ok(session);
            }
        }
        for old in tokens::previous_bearers(&state.core.hasher, token) {
            let old = old?;
            let found = state.core.store.get(&old.reference).await?;
            if let Some(session) = found.filter(|s| genuine(s, &old)) {
                return rekey::move_session(state, &old, active, session).await;
            }
        }
    }
    Err(RequestError::NoSession)
}

/// Starts the session's sliding lifetime again: `expires_at` becomes now + ttl. The store is
/// written only when that moves the expiry by at least [`SLIDE_GRANULARITY`] (or 1 % of the
/// lifetime, when that is less), so a check is one read most of the time, and a session's
/// expiry is written at most once per granularity.
pub async fn slide(state: &State, session: &mut Session) -> Result<(), RequestError> {
    let now = state.core.clock.now();
    let until = now + state.ttl;
    let granularity = SLIDE_GRANULARITY.min(state.ttl / 100);
    if until - session.expires_at < granularity {
        return Ok(());
    }
    *session = state
        .core
        .store
        .touch(&session.reference(), state.ttl, None)
        .await?
        .ok_or(RequestError::NoSession)?;
    Ok(())
}

/// How far the sliding expiry may lag behind now + ttl before a check writes it.
pub const SLIDE_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

/// Checks `credentials` against application `app`'s users off the async workers. A miss costs
/// the same argon2 check as a wrong password. The check is throttled: it is counted before it
/// runs, per login or e-mail and per client address, and refused (429) once too many have
/// failed within the window ([`flavor_kit::throttle`]).
pub async fn check_user(
    state: &State,
    req: &HttpRequest,
    app: u64,
    credentials: Credentials,
) -> Result<Option<Arc<User>>, RequestError> {
    let (name, subject) = match &credentials.name {
        Name::Login(l) => (LoginName::Login(l), format!("login:{l}")),
        Name::Email(e) => (LoginName::Email(e), format!("email:{}", e.to_lowercase())),
    };
    let tenant = app.to_string();
    let subject = Subject {
        tenant: &tenant,
        name: &subject,
    };
    let pass = state.throttle.admit(req, Some(subject)).await?;
    let user = state.tenants.user(app, name).await?;
    let secret = match &user {
        Some(u) => u.secret.clone(),
        None => state.tenants.dummy_secret(),
    };
    let ok = secret.matches(credentials.password).await?;
    match (ok, &user) {
        (true, Some(_)) => pass.succeeded(),
        _ => pass.failed(),
    }
    Ok(user.filter(|_| ok))
}
