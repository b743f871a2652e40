//! Which tenant and subject a request concerned, for the journal, without a word from the
//! flavors: the journal runs each request inside a task-local [`Seen`], and the worker's
//! [`crate::metered_store::MeteredStore`] (built noting in testing mode only) notes the sessions
//! and owners the request's store calls name.

use std::cell::RefCell;
use std::future::Future;

use session_core::{Flavor, Owner, Session};

/// The tenant and subject of what one request touched (the last one named wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The tenant.
    pub tenant: Option<String>,
    /// The subject.
    pub subject: Option<String>,
}

tokio::task_local! {
    static SEEN: RefCell<Seen>;
}

/// Runs `fut` (one request) and returns its output with what its store calls named.
pub async fn watch<F: Future>(fut: F) -> (F::Output, Seen) {
    SEEN.scope(RefCell::new(Seen::default()), async {
        let out = fut.await;
        let seen = SEEN.with(|s| s.borrow().clone());
        (out, seen)
    })
    .await
}

/// Notes a session's tenant and subject (outside a watched request, nothing happens).
pub(crate) fn note(s: &Session) {
    let _ = SEEN.try_with(|seen| {
        let mut seen = seen.borrow_mut();
        if !s.tenant.is_empty() {
            seen.tenant = Some(s.tenant.clone());
        }
        if s.subject.is_some() {
            seen.subject = s.subject.clone();
        }
    });
}

/// Notes the tenant and subject an owner is made of (an Amity or session-storage user).
pub(crate) fn note_owner(owner: &Owner) {
    if !matches!(
        owner.flavor(),
        Some(Flavor::Amity) | Some(Flavor::SessionStorage)
    ) {
        return;
    }
    let _ = SEEN.try_with(|seen| {
        let mut seen = seen.borrow_mut();
        if let Some(t) = owner.part(0) {
            seen.tenant = Some(t);
        }
        if let Some(s) = owner.part(1) {
            seen.subject = Some(s);
        }
    });
}
