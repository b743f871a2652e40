//! `ClientID` / `ClientSecret` authentication: configured clients first, then run-time clients
//! from the store's `session_storage.clients` collection.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use session_core::tenants::SESSION_STORAGE_CLIENTS;

use crate::errors::{ApiError, Rejection};
use crate::settings::{ClientSettings, MAX_CLIENT_ID_LEN, MAX_CLIENT_SECRET_LEN};
use crate::state::{AppState, Client};

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
                .map_err(|e| e.at(&req))
        })
    }
}

async fn authenticate(req: &HttpRequest) -> Result<Arc<Client>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(ApiError::Internal)?;
    let id = header(req, CLIENT_ID, MAX_CLIENT_ID_LEN)?;
    let secret = header(req, CLIENT_SECRET, MAX_CLIENT_SECRET_LEN)?;
    let client = match state.clients.get(id) {
        Some(c) => c.clone(),
        None => run_time_client(state, id)
            .await?
            .ok_or(ApiError::InvalidCredentials)?,
    };
    if client.secret_matches(&state.core.hasher, secret) {
        Ok(client)
    } else {
        Err(ApiError::InvalidCredentials)
    }
}

/// A header's value: missing or empty is 401 missing, unreadable or too long is 401 invalid.
fn header<'r>(req: &'r HttpRequest, name: &str, max: usize) -> Result<&'r str, ApiError> {
    let value = req
        .headers()
        .get(name)
        .ok_or(ApiError::MissingCredentials)?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidCredentials)?
        .trim();
    if value.is_empty() {
        return Err(ApiError::MissingCredentials);
    }
    if value.len() > max {
        return Err(ApiError::InvalidCredentials);
    }
    Ok(value)
}

/// A client added at run time (a document of `session_storage.clients` keyed by `client_id`).
async fn run_time_client(state: &AppState, id: &str) -> Result<Option<Arc<Client>>, ApiError> {
    let Some(doc) = state
        .core
        .store
        .doc_get(SESSION_STORAGE_CLIENTS, id)
        .await?
    else {
        return Ok(None);
    };
    let built = ClientSettings::from_document(&doc).and_then(|c| {
        if c.client_id == id {
            Client::new(&c, &state.settings, &state.core.hasher)
        } else {
            Err("its client_id differs from its document id".into())
        }
    });
    match built {
        Ok(c) => Ok(Some(Arc::new(c))),
        Err(reason) => {
            tracing::warn!(client_id = %id, reason = %reason, "unusable run-time client ignored");
            Ok(None)
        }
    }
}
