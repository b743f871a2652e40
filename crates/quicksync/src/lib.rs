//! The QuickSync flavor: wallet proofs (EIP-191 `personal_sign` over a server nonce) that earn
//! a wallet bearer (HS256 JWT), and group sessions (create, join, read, kick, disconnect,
//! delete) under `/v1`, answering errors as RFC 7807 ProblemDetails. See docs/quicksync.md.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::web;
use session_core::CoreDeps;

pub mod api_keys;
pub mod auth;
pub mod body;
pub mod dto;
pub mod eip191;
pub mod errors;
pub mod nonce;
pub mod openapi;
pub mod passwords;
pub mod pseudonym;
pub mod records;
pub mod routes;
pub mod rules;
pub mod settings;
pub mod state;
pub mod tokens;
pub mod wallet_token;

pub use openapi::openapi;
pub use settings::Settings;

use routes::{fallback, session, wallet_proof};
use state::State;

/// Mounts the flavor's routes under `/v1`.
pub fn configure(cfg: &mut web::ServiceConfig, core: CoreDeps, settings: Arc<Settings>) {
    let state = web::Data::new(State::new(core, settings));
    let resource = |path: &str, allow: &'static str| {
        web::resource(path).default_service(web::to(fallback::method_not_allowed(allow)))
    };
    cfg.service(
        web::scope("/v1")
            .app_data(state)
            .wrap(from_fn(problem_instance))
            .service(
                resource("/wallet-proof/nonce", "GET").route(web::get().to(wallet_proof::nonce)),
            )
            .service(
                resource("/wallet-proof/verify", "POST")
                    .route(web::post().to(wallet_proof::verify)),
            )
            .service(resource("/session", "POST").route(web::post().to(session::create)))
            .service(resource("/session/join", "POST").route(web::post().to(session::join)))
            .service(
                resource("/session/current", "GET, DELETE")
                    .route(web::get().to(session::current))
                    .route(web::delete().to(session::delete)),
            )
            .service(resource("/session/current/kick", "POST").route(web::post().to(session::kick)))
            .service(
                resource("/session/disconnect", "POST").route(web::post().to(session::disconnect)),
            )
            .default_service(web::to(fallback::route_not_found)),
    );
}

/// Re-renders this flavor's error answers with `instance` set to the request path.
async fn problem_instance(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let problem = res.response().error().and_then(errors::find_problem);
    Ok(match problem {
        Some(p) => {
            let path = res.request().path().to_owned();
            res.into_response(p.render(Some(&path)))
                .map_into_boxed_body()
        }
        None => res.map_into_boxed_body(),
    })
}
