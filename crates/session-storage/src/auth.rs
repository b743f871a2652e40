//! `ClientID` / `ClientSecret` authentication: configured clients first, then run-time clients
//! from the store's `session_storage.clients` collection.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use flavor_kit::headers::{self, NotText};
use flavor_kit::{tenants, Rejection};
use session_core::Flavor;

use crate::clients::{read_client, Client, TENANT_KIND};
use crate::errors::ApiError;
use crate::settings::{MAX_CLIENT_ID_LEN, MAX_CLIENT_SECRET_LEN};
use crate::state::State;

/// Header carrying the client id (names are case-insensitive: `ClientId` works too).
pub const CLIENT_ID: &str = "clientid";
/// Header carrying the client secret.
pub const CLIENT_SECRET: &str = "clientsecret";

/// The client a request authenticated as.
pub struct Authenticated(pub Arc<Client>);

impl FromRequest for Authenticated {
    type Error = Rejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Rejection>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(&req)
                .await
                .map(Authenticated)
                .map_err(Rejection::from)
        })
    }
}

async fn authenticate(req: &HttpRequest) -> Result<Arc<Client>, ApiError> {
    let state = req
        .app_data::<web::Data<State>>()
        .ok_or(ApiError::Internal)?;
    // A client address known to be throttled is refused before anything is checked; a
    // success costs nothing more.
    state.throttle.screen(req)?;
    let id = header(req, CLIENT_ID, MAX_CLIENT_ID_LEN)?;
    let secret = header(req, CLIENT_SECRET, MAX_CLIENT_SECRET_LEN)?;
    let client = match state.clients.get(id) {
        Some(c) => Some(c.clone()),
        None => run_time_client(state, id).await?,
    };
    match client {
        Some(client) if client.secret_matches(&state.core.hasher, secret) => Ok(client),
        _ => {
            state.throttle.record_failure(req, None).await?;
            Err(ApiError::InvalidCredentials)
        }
    }
}

/// A header's value: missing or empty is 401 missing, unreadable or too long is 401 invalid.
fn header<'r>(req: &'r HttpRequest, name: &str, max: usize) -> Result<&'r str, ApiError> {
    let value = headers::text(req, name)
        .map_err(|NotText| ApiError::InvalidCredentials)?
        .ok_or(ApiError::MissingCredentials)?;
    if value.len() > max {
        return Err(ApiError::InvalidCredentials);
    }
    Ok(value)
}

/// A client added at run time (a document of `session_storage.clients` keyed by `client_id`).
async fn run_time_client(state: &State, id: &str) -> Result<Option<Arc<Client>>, ApiError> {
    let read = |doc| {
        let c = read_client(doc)?;
        if c.client_id != id {
            return Err("its client_id differs from its document id".to_owned());
        }
        Client::new(&c, &state.settings, &state.core.hasher)
    };
    let client = tenants::document(
        Flavor::SessionStorage,
        &state.core.store,
        &TENANT_KIND,
        id,
        read,
    )
    .await?;
    Ok(client.map(Arc::new))
}
