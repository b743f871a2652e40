//! What the domain can say went wrong. Each flavor maps these to its vendor's status and body.

/// A domain or store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The session, group, member or record does not exist (or is no longer live).
    #[error("not found")]
    NotFound,
    /// The session existed but has expired.
    #[error("expired")]
    Expired,
    /// A record with that identity already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A group or owner is at its capacity and the policy refuses more.
    #[error("capacity reached")]
    CapacityReached,
    /// A one-use value (nonce, refresh token) was presented again.
    #[error("replayed")]
    Replay,
    /// Credentials are missing or wrong.
    #[error("unauthorized")]
    Unauthorized,
    /// The caller is known but may not do this.
    #[error("forbidden")]
    Forbidden,
    /// An input failed validation.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The offending field, as the client named it.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// The store could not be reached in time; the request may be retried.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// A fault inside the gateway (corrupt record, failing OS random source).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
