//! Brute-force throttling of credential checks: failed attempts are counted in the store, in
//! sliding windows per subject (a tenant's user) and per client address
//! ([`crate::client::client_ip`]), each counted in one atomic store step
//! ([`session_core::SessionStore::count_attempt`]); a full window is answered 429 with
//! `Retry-After` in the flavor's format ([`crate::EdgeError::Throttled`]) until it has room.
//!
//! Two ways to guard a check, by its cost:
//!
//! - a costly check (an argon2 password, a credential the store checks): [`Throttle::admit`]
//!   counts the attempt *before* the check, so that however many requests race, no more than
//!   the window's maximum are ever checked; the [`Pass`] it returns takes the attempt back when
//!   the check succeeds (in the background: a success is not slowed).
//! - a cheap check on a hot path (an API key, a client secret): [`Throttle::screen`] before it
//!   (no store call: it only refuses a client this worker knows to be throttled), and
//!   [`Throttle::record_failure`] after it fails. A success costs nothing.
//!
//! Subjects are keyed by their keyed hash, never in clear; client addresses by the address (an
//! IPv6 client by its /64 network).

mod pass;
mod refused;
mod settings;

pub use pass::Pass;
pub use settings::ThrottleSettings;

use std::net::IpAddr;

use actix_web::HttpRequest;
use futures_util::future::join_all;
use session_core::{
    Attempt, AttemptKey, AttemptScope, CoreDeps, Flavor, SharedClock, SharedStore, TokenHasher,
    Window,
};

use self::refused::Refused;
use crate::client::client_ip;

/// Why a guarded check may not go ahead.
#[derive(Debug)]
pub enum Refusal {
    /// A window is full: answer 429 with `Retry-After` (seconds, at least 1).
    Throttled {
        /// Seconds until the fullest window has room.
        retry_after: u64,
    },
    /// The store could not count the attempt.
    Store(session_core::Error),
}

/// The subject a credential names: an application's user, a network's user.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The tenant (application, network) the subject belongs to.
    pub tenant: &'a str,
    /// The subject as presented (a login, a user id).
    pub name: &'a str,
}

/// One flavor's (or the gateway's own) throttling on one worker.
pub struct Throttle {
    flavor: Option<Flavor>,
    store: SharedStore,
    hasher: TokenHasher,
    clock: SharedClock,
    settings: ThrottleSettings,
    refused: Refused,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("flavor", &self.flavor)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// The throttling of `flavor` with `settings`, counting in `core`'s store.
    pub fn new(flavor: Flavor, core: &CoreDeps, settings: ThrottleSettings) -> Self {
        Self::of(Some(flavor), core, settings)
    }

    /// The throttling of the gateway's own credentials (the admin bearer).
    pub fn gateway(core: &CoreDeps, settings: ThrottleSettings) -> Self {
        Self::of(None, core, settings)
    }

    fn of(flavor: Option<Flavor>, core: &CoreDeps, settings: ThrottleSettings) -> Self {
        Self {
            flavor,
            store: core.store.clone(),
            hasher: core.hasher.clone(),
            clock: core.clock.clone(),
            settings,
            refused: Refused::default(),
        }
    }

    /// Counts an attempt of `req` (and of `subject`) before a costly check; refused when a
    /// window is full. Judge the check with the [`Pass`].
    pub async fn admit(
        &self,
        req: &HttpRequest,
        subject: Option<Subject<'_>>,
    ) -> Result<Pass, Refusal> {
        let windows = self.windows(req, subject);
        self.known(&windows)?;
        let (counted, outcome) = self.count(windows).await;
        let pass = Pass::new(self.store.clone(), counted);
        match outcome {
            Ok(()) => Ok(pass),
            Err(Refusal::Throttled { retry_after }) => {
                // An attempt against a full window is a failure of the others.
                pass.failed();
                Err(Refusal::Throttled { retry_after })
            }
            // Not checked: the pass, dropped, takes its attempts back.
            Err(store) => Err(store),
        }
    }

    /// Before a cheap check: refuses a client this worker knows to be throttled, without a
    /// store call. Costs one atomic load while no client is throttled.
    pub fn screen(&self, req: &HttpRequest) -> Result<(), Refusal> {
        if self.refused.is_empty() {
            return Ok(());
        }
        let windows = self.windows(req, None);
        self.known(&windows)
    }

    /// After a cheap check failed: counts the failure. `Ok` when it was counted (answer the
    /// check's own error); refused when a window was full already.
    pub async fn record_failure(
        &self,
        req: &HttpRequest,
        subject: Option<Subject<'_>>,
    ) -> Result<(), Refusal> {
        let windows = self.windows(req, subject);
        self.count(windows).await.1
    }

    /// The windows an attempt of `req` (and `subject`) counts in.
    fn windows(
        &self,
        req: &HttpRequest,
        subject: Option<Subject<'_>>,
    ) -> Vec<(AttemptKey, Window)> {
        let mut windows = Vec::with_capacity(2);
        if let (Some(window), Some(ip)) = (self.settings.client(), client_ip(req)) {
            let address = network_of(ip).to_string();
            if let Ok(key) = AttemptKey::new(self.flavor, AttemptScope::Client, &[&address]) {
                windows.push((key, window));
            }
        }
        if let (Some(window), Some(s)) = (self.settings.subject(), subject) {
            let hashed = self.hasher.hash(s.name).to_hex();
            if let Ok(key) =
                AttemptKey::new(self.flavor, AttemptScope::Subject, &[s.tenant, &hashed])
            {
                windows.push((key, window));
            }
        }
        windows
    }

    /// Refuses when this worker knows one of the windows to be full.
    fn known(&self, windows: &[(AttemptKey, Window)]) -> Result<(), Refusal> {
        let now = self.now();
        let until = windows
            .iter()
            .filter_map(|(k, _)| self.refused.get(k.as_str(), now))
            .max();
        match until {
            Some(until) => Err(Refusal::Throttled {
                retry_after: seconds(until - now),
            }),
            None => Ok(()),
        }
    }

    /// Counts one attempt in each window, all at once: the counted ones, and whether every
    /// window counted it.
    async fn count(
        &self,
        windows: Vec<(AttemptKey, Window)>,
    ) -> (
        Vec<(AttemptKey, session_core::AttemptId)>,
        Result<(), Refusal>,
    ) {
        let outcomes = join_all(
            windows
                .iter()
                .map(|(key, window)| self.store.count_attempt(key, *window)),
        )
        .await;
        let now = self.now();
        let mut counted = Vec::with_capacity(windows.len());
        let mut outcome = Ok(());
        for ((key, _), result) in windows.into_iter().zip(outcomes) {
            match result {
                Ok(Attempt::Counted(id)) => counted.push((key, id)),
                Ok(Attempt::Refused { retry_after }) => {
                    let ms = retry_after.num_milliseconds().max(1);
                    self.refused.remember(key.as_str(), now + ms, now);
                    let secs = seconds(ms);
                    outcome = match outcome {
                        Err(Refusal::Throttled { retry_after }) => Err(Refusal::Throttled {
                            retry_after: retry_after.max(secs),
                        }),
                        Err(store) => Err(store),
                        Ok(()) => Err(Refusal::Throttled { retry_after: secs }),
                    };
                }
                Err(e) => outcome = Err(Refusal::Store(e)),
            }
        }
        (counted, outcome)
    }

    fn now(&self) -> i64 {
        self.clock.now_millis()
    }
}

/// Whole seconds (rounded up, at least 1) of `ms`.
fn seconds(ms: i64) -> u64 {
    u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)
}

/// The address a client is counted under: itself, or for IPv6 its /64 network (one subscriber
/// holds a whole /64).
fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
