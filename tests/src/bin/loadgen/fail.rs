//! The error type of the tool: whatever stops a measurement, as a message.

/// A result whose error is a message for the operator.
pub type Fallible<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
