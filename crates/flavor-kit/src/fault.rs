//! The one store-error policy: a store or domain error a route did not expect is logged once,
//! where it is turned into a [`Fault`], and answered 503 (the store did not answer in time) or
//! 500 (anything else), in the flavor's format ([`crate::EdgeError`]).

use session_core::Flavor;

/// A failure no route expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The store did not answer in time: 503, the client may retry.
    Unavailable,
    /// A fault inside the gateway: 500, details only in the log.
    Internal,
}

impl Fault {
    /// Classifies `e` and logs it (a warning when the store is away, an error otherwise). Call
    /// it once per error: where the store's error becomes the flavor's.
    pub fn of(flavor: Flavor, e: &session_core::Error) -> Self {
        match e {
            session_core::Error::StoreUnavailable(reason) => {
                tracing::warn!(flavor = flavor.as_str(), %reason, "store unavailable");
                Self::Unavailable
            }
            other => {
                // Domain errors carry no secrets (ids and reasons only).
                tracing::error!(flavor = flavor.as_str(), error = %other, "unexpected error");
                Self::Internal
            }
        }
    }

    /// A fault the flavor found itself (no store error behind it), logged with `what`.
    pub fn internal(flavor: Flavor, what: &str) -> Self {
        tracing::error!(flavor = flavor.as_str(), what, "unexpected error");
        Self::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_absent_store_is_unavailable() {
        let f = Flavor::Amity;
        let away = session_core::Error::StoreUnavailable("timeout".into());
        assert_eq!(Fault::of(f, &away), Fault::Unavailable);
        for e in [
            session_core::Error::Internal("x".into()),
            session_core::Error::NotFound,
            session_core::Error::Conflict("y".into()),
        ] {
            assert_eq!(Fault::of(f, &e), Fault::Internal);
        }
    }
}
