//! Failed-attempt windows: what brute-force throttling counts in the store.
//!
//! A window is a sliding log of attempts under one [`AttemptKey`] (a flavor's subject, such as an
//! application's user, or a client address): [`crate::SessionStore::count_attempt`] counts one
//! more attempt unless `max` are already counted within the last `span`, in one atomic step, so
//! that however many requests race, no more than `max` are ever counted (and so checked) per
//! window. [`crate::SessionStore::forget_attempt`] takes a counted attempt back (it turned out to
//! be a success).

use std::fmt;

use chrono::Duration;

use crate::error::{Error, Result};
use crate::model::{escape_into, Flavor};

/// What an attempt window counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptScope {
    /// A subject of a tenant (an application's user, a network's user).
    Subject,
    /// A client address.
    Client,
}

impl AttemptScope {
    /// The one-letter tag in keys: `s` or `c`.
    pub fn tag(self) -> &'static str {
        match self {
            AttemptScope::Subject => "s",
            AttemptScope::Client => "c",
        }
    }

    /// The metric label: `subject` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptScope::Subject => "subject",
            AttemptScope::Client => "client",
        }
    }
}

/// The name of one attempt window: `<flavor>:<s|c>:<part>:<part>…` (`gw` instead of a flavor
/// for the gateway's own credentials, the admin bearer), every part escaped like an owner's, so
/// it carries no braces, white space or glob characters of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttemptKey {
    text: String,
    flavor: Option<Flavor>,
    scope: AttemptScope,
}

/// The tag of the gateway's own windows.
const GATEWAY: &str = "gw";

impl AttemptKey {
    /// Longest key accepted.
    pub const MAX_LEN: usize = 512;

    /// The window of `parts` in `scope` of `flavor` (`None`: the gateway's own).
    pub fn new(flavor: Option<Flavor>, scope: AttemptScope, parts: &[&str]) -> Result<Self> {
        let realm = flavor.map_or(GATEWAY, Flavor::short);
        let mut text = format!("{realm}:{}", scope.tag());
        for p in parts {
            text.push(':');
            escape_into(&mut text, p);
        }
        if text.len() > Self::MAX_LEN {
            return Err(Error::invalid("attempt key", "longer than 512 bytes"));
        }
        Ok(Self {
            text,
            flavor,
            scope,
        })
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The flavor whose credentials the window guards (`None`: the gateway's own).
    pub fn flavor(&self) -> Option<Flavor> {
        self.flavor
    }

    /// What the window counts against.
    pub fn scope(&self) -> AttemptScope {
        self.scope
    }
}

impl fmt::Display for AttemptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How many attempts a window counts, and over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Most attempts counted within `span` (at least 1).
    pub max: u32,
    /// How long an attempt is counted.
    pub span: Duration,
}

/// One counted attempt, as its store names it (to take it back).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttemptId(String);

impl AttemptId {
    /// An id as a store made it.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of [`crate::SessionStore::count_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Counted: the attempt may go ahead.
    Counted(AttemptId),
    /// Not counted: the window is full until its oldest attempt leaves it, `retry_after` from
    /// now.
    Refused {
        /// How long until the window has room again (positive).
        retry_after: Duration,
    },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_escape_their_parts() {
        let qb = Some(Flavor::Quickblox);
        let k = AttemptKey::new(qb, AttemptScope::Subject, &["4242", "a:b{c}"]).unwrap();
        assert_eq!(k.as_str(), "qb:s:4242:a%3Ab%7Bc%7D");
        assert_eq!(k.flavor(), qb);
        let c = AttemptKey::new(Some(Flavor::Amity), AttemptScope::Client, &["::1"]).unwrap();
        assert_eq!(c.as_str(), "am:c:%3A%3A1");
        assert_eq!(c.scope().as_str(), "client");
        let gw = AttemptKey::new(None, AttemptScope::Client, &["10.0.0.1"]).unwrap();
        assert_eq!(gw.as_str(), "gw:c:10.0.0.1");
        let long = "x".repeat(600);
        assert!(AttemptKey::new(None, AttemptScope::Subject, &[&long]).is_err());
    }
}
