//! The two credentials: the `QB-Token` of a live session (one store call) and a user's login or
//! e-mail with password (argon2 on the blocking pool).

use std::sync::Arc;

use actix_web::HttpRequest;
use session_core::{Flavor, Session};

use crate::directory::LoginName;
use crate::errors::RequestError;
use crate::requests::{Credentials, Name};
use crate::state::State;
use crate::tokens::{self, Bearer};
use crate::users::User;

/// A request's token, where it points, and its live session (now touched: the sliding lifetime
/// starts again). One store call.
pub async fn authenticate(
    req: &HttpRequest,
    state: &State,
) -> Result<(String, Bearer, Session), RequestError> {
    let token = tokens::from_request(req)?;
    let bearer = tokens::bearer(&state.core.hasher, &token)?;
    let session = state
        .core
        .store
        .touch(&bearer.reference, state.ttl, None)
        .await?
        .ok_or(RequestError::NoSession)?;
    let matches = session
        .token_hash
        .as_ref()
        .is_some_and(|h| h.ct_eq(&bearer.hash));
    if session.flavor != Flavor::Quickblox || !matches {
        return Err(RequestError::NoSession);
    }
    Ok((token, bearer, session))
}

/// Checks `credentials` against application `app`'s users off the async workers. A miss costs
/// the same argon2 check as a wrong password.
pub async fn check_user(
    state: &State,
    app: u64,
    credentials: Credentials,
) -> Result<Option<Arc<User>>, RequestError> {
    let name = match &credentials.name {
        Name::Login(l) => LoginName::Login(l),
        Name::Email(e) => LoginName::Email(e),
    };
    let user = state.tenants.user(app, name).await?;
    let secret = match &user {
        Some(u) => u.secret.clone(),
        None => state.tenants.dummy_secret(),
    };
    let ok = secret.matches(credentials.password).await?;
    Ok(user.filter(|_| ok))
}
