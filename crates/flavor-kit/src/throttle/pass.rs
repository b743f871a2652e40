//! [`Pass`]: the attempts counted before a costly credential check, until the check is judged.

use session_core::{AttemptId, AttemptKey, SharedStore};

/// Attempts counted for one credential check. A failed check keeps them counted
/// ([`Pass::failed`]); a successful one takes them back ([`Pass::succeeded`], without waiting
/// for the store); a check that never happened (the request failed otherwise) takes them back
/// too when the pass is dropped.
#[must_use = "judge the check: succeeded() or failed()"]
pub struct Pass {
    store: SharedStore,
    counted: Vec<(AttemptKey, AttemptId)>,
}

impl Pass {
    pub(crate) fn new(store: SharedStore, counted: Vec<(AttemptKey, AttemptId)>) -> Self {
        Self { store, counted }
    }

    /// The check succeeded: its attempts are taken back in the background, so a success is
    /// never slowed nor counted.
    pub fn succeeded(mut self) {
        self.release();
    }

    /// The check failed: its attempts stay counted until they leave their windows.
    pub fn failed(mut self) {
        self.counted.clear();
    }

    fn release(&mut self) {
        if self.counted.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let counted = std::mem::take(&mut self.counted);
        runtime.spawn(async move {
            for (key, id) in counted {
                if let Err(e) = store.forget_attempt(&key, &id).await {
                    // The attempt stays counted until it leaves its window: a lost success is
                    // a failure for a while, never the other way round.
                    tracing::info!(key = %key, error = %e, "could not take back an attempt");
                }
            }
        });
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        self.release();
    }
}
