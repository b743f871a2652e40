//! Route handlers, one module per resource family.

pub mod fallback;
pub mod session;
pub mod wallet_proof;
