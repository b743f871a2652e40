//! The flavor's resources: `/session.json` and `/login.json`.

pub mod login;
pub mod session;

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use session_core::{CoreDeps, Flavor, Session};

use crate::directory::{LoginName, Tenants};
use crate::errors::RequestError;
use crate::passwords;
use crate::requests::{Credentials, Name};
use crate::tokens::{self, Bearer};
use crate::users::User;

/// What the handlers share.
pub struct State {
    /// Store, clock, hasher, limits.
    pub core: CoreDeps,
    /// Applications and users.
    pub tenants: Tenants,
    /// How far a timestamp may be from server time, in seconds.
    pub window_seconds: i64,
    /// Sliding session lifetime.
    pub ttl: Duration,
}

/// A request's token, where it points, and its live session (now touched: the sliding lifetime
/// starts again). One store call.
pub(crate) async fn authenticate(
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
pub(crate) async fn check_user(
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
    let password = credentials.password;
    let ok = web::block(move || passwords::verify(&secret, &password))
        .await
        .map_err(|_| RequestError::Internal)?;
    Ok(user.filter(|_| ok))
}

async fn session_methods() -> Result<HttpResponse, RequestError> {
    Err(RequestError::MethodNotAllowed {
        allow: "GET, POST, DELETE",
    })
}

async fn login_methods() -> Result<HttpResponse, RequestError> {
    Err(RequestError::MethodNotAllowed {
        allow: "POST, DELETE",
    })
}

/// Mounts both resources with `state`.
pub fn mount(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.service(
        web::resource("/session.json")
            .app_data(state.clone())
            .route(web::post().to(session::create))
            .route(web::get().to(session::show))
            .route(web::delete().to(session::destroy))
            .default_service(web::to(session_methods)),
    )
    .service(
        web::resource("/login.json")
            .app_data(state)
            .route(web::post().to(login::login))
            .route(web::delete().to(login::logout))
            .default_service(web::to(login_methods)),
    );
}
