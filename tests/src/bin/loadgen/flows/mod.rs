//! The operations of every scenario against a gateway, and the setup some of them need (a
//! token to check, a session to read, users to log in again).

mod amity;
mod client;
mod quickblox;
mod quicksync;
mod session_storage;

pub use client::{Client, Outcome};

use crate::fail::Fallible;
use crate::scenario::Scenario;

/// A scenario with what its setup made.
enum Flow {
    Healthz,
    QbCreate,
    QbGet { token: String },
    AmityRegister,
    AmityRegisterNew,
    AmityCheck { token: String },
    QsCreate { wallet: String },
    QsCurrent { token: String },
    SsCreate,
    SsCreateOne,
    SsCreateDelete,
    SsGet { path: String },
}

/// A prepared scenario: call [`Load::once`] from any number of tasks.
pub struct Load {
    client: Client,
    flow: Flow,
}

impl Load {
    /// Runs the setup of `scenario` (`concurrency` requests at a time where it sends many).
    pub async fn prepare(scenario: Scenario, client: Client, concurrency: usize) -> Fallible<Self> {
        let flow = setup(scenario, &client, concurrency)
            .await
            .map_err(|e| format!("setup of {}: {e}", scenario.name()))?;
        Ok(Self { client, flow })
    }

    /// One operation.
    pub async fn once(&self) -> Outcome {
        let c = &self.client;
        match &self.flow {
            Flow::Healthz => healthz(c).await,
            Flow::QbCreate => quickblox::create(c).await,
            Flow::QbGet { token } => quickblox::check(c, token).await,
            Flow::AmityRegister => amity::register(c, &amity::returning_user(c.next())).await,
            Flow::AmityRegisterNew => amity::register(c, &amity::new_user(c)).await,
            Flow::AmityCheck { token } => amity::check(c, token).await,
            Flow::QsCreate { wallet } => quicksync::create(c, wallet).await,
            Flow::QsCurrent { token } => quicksync::current(c, token).await,
            Flow::SsCreate => session_storage::create(c, session_storage::pooled(c.next())).await,
            Flow::SsCreateOne => session_storage::create(c, session_storage::ONE).await,
            Flow::SsCreateDelete => session_storage::create_delete(c).await,
            Flow::SsGet { path } => session_storage::get(c, path).await,
        }
    }
}

async fn setup(scenario: Scenario, c: &Client, concurrency: usize) -> Result<Flow, String> {
    Ok(match scenario {
        Scenario::Healthz => Flow::Healthz,
        Scenario::QbCreate => Flow::QbCreate,
        Scenario::QbGet => Flow::QbGet {
            token: quickblox::token(c).await?,
        },
        Scenario::AmityRegister => {
            amity::register_returning_users(c, concurrency).await?;
            Flow::AmityRegister
        }
        Scenario::AmityRegisterNew => Flow::AmityRegisterNew,
        Scenario::AmityCheck => Flow::AmityCheck {
            token: amity::token(c, "bench-checker").await?,
        },
        Scenario::QsCreate => Flow::QsCreate {
            wallet: quicksync::wallet_jwt()?,
        },
        Scenario::QsCurrent => Flow::QsCurrent {
            token: quicksync::token(c, &quicksync::wallet_jwt()?).await?,
        },
        Scenario::SsCreate => Flow::SsCreate,
        Scenario::SsCreateOne => Flow::SsCreateOne,
        Scenario::SsCreateDelete => Flow::SsCreateDelete,
        Scenario::SsGet => {
            let id = session_storage::create_id(c, session_storage::ONE).await?;
            Flow::SsGet {
                path: format!("/session-storage/sessions/{id}"),
            }
        }
    })
}

async fn healthz(c: &Client) -> Outcome {
    let sent = c.http.get(c.url("/healthz")).send().await;
    Outcome::of(1, client::expect(sent, reqwest::StatusCode::OK))
}
