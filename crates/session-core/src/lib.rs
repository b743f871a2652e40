//! The core of session-gateway: the session model, tokens, clock, errors and the
//! [`SessionStore`] contract, with [`MemoryStore`], the embedded backend.
//!
//! Flavor crates build on this crate alone; storage backends implement [`SessionStore`].

pub mod attempts;
pub mod clock;
pub mod deps;
pub mod doc;
pub mod error;
pub mod events;
pub mod memory;
pub mod metadata;
pub mod model;
pub mod plan;
pub mod record;
pub mod secrets;
pub mod snapshot;
pub mod store;
pub mod tenants;
pub mod token;

#[cfg(any(test, feature = "contract"))]
pub mod contract;
#[cfg(any(test, feature = "contract"))]
pub mod unavailable;

pub use attempts::{Attempt, AttemptId, AttemptKey, AttemptScope, Window};
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use deps::CoreDeps;
pub use error::{Error, Result};
pub use memory::MemoryStore;
pub use metadata::{IpPrecision, MetadataPolicy};
pub use model::{
    Attrs, Cursor, Flavor, LimitPolicy, Origin, Owner, OwnerLimit, Page, Rotation, Session,
    SessionHead, SessionId, SessionPatch, SessionRef,
};
pub use plan::{Candidate, Created, DocUpsert, Guard, NewSession, Revocation, Rotated};
pub use record::{Head, Record};
pub use secrets::Sealer;
pub use snapshot::{CredentialDump, OwnerDump, Removed, SpentPrefix};
pub use store::{ExpiryCounter, HeadWatch, Joined, SessionStore, SharedStore, MAX_PAGE_SIZE};
pub use token::{TokenHash, TokenHasher};
