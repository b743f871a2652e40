//! The key schema (documented in `docs/redis-keys.md`).
//!
//! Everything of one owner `O` lives under `P:{O}:` so that it shares the hash tag `{O}`: one
//! slot, one node, and one Lua script can change it atomically on Redis Cluster too. Owners and
//! session ids never contain `{` or `}` (session-core refuses them), so the tag is exact.

use session_core::{Error, Owner, Result, SessionRef};

/// Builds every key from the configured prefix.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix`; refuses a prefix that is empty or carries a hash tag of its own
    /// (which would put every owner in one slot).
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        if prefix.is_empty() || prefix.contains(['{', '}']) || prefix.contains(char::is_whitespace)
        {
            return Err(Error::invalid(
                "key_prefix",
                "must be non-empty, without braces or white space",
            ));
        }
        Ok(Self {
            prefix: prefix.to_owned(),
        })
    }

    /// `P:{O}:` — the base every key of the owner starts with (scripts derive keys from it).
    pub(crate) fn owner_base(&self, owner: &Owner) -> String {
        format!("{}:{{{}}}:", self.prefix, owner.as_str())
    }

    /// `P:{O}:idx` — the owner's creation-ordered index (also routes the owner's scripts).
    pub(crate) fn index(&self, owner: &Owner) -> String {
        format!("{}idx", self.owner_base(owner))
    }

    /// `P:{O}:s:<id>` — one session record.
    pub(crate) fn session(&self, r: &SessionRef) -> String {
        format!("{}s:{}", self.owner_base(&r.owner), r.id.as_str())
    }

    /// `P:nonce:<key>` — one claimed nonce.
    pub(crate) fn nonce(&self, key: &str) -> String {
        format!("{}:nonce:{}", self.prefix, key)
    }

    /// `P:doc:{<collection>}` — one collection of documents.
    pub(crate) fn docs(&self, collection: &str) -> String {
        format!("{}:doc:{{{}}}", self.prefix, collection)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use session_core::{Flavor, SessionId};

    #[test]
    fn keys_share_the_owner_hash_tag() {
        let k = Keys::new("sg").unwrap();
        let o = Owner::new(Flavor::Quicksync, &["key", "g1"]).unwrap();
        let r = SessionRef::new(o.clone(), SessionId::parse("a:b").unwrap());
        assert_eq!(k.owner_base(&o), "sg:{qs:key:g1}:");
        assert_eq!(k.index(&o), "sg:{qs:key:g1}:idx");
        assert_eq!(k.session(&r), "sg:{qs:key:g1}:s:a:b");
        assert_eq!(k.nonce("qb:1:n"), "sg:nonce:qb:1:n");
        assert_eq!(k.docs("users"), "sg:doc:{users}");
    }

    #[test]
    fn prefixes_with_a_hash_tag_are_refused() {
        for bad in ["", "a{b}", "a}", "a b"] {
            assert!(Keys::new(bad).is_err(), "{bad:?}");
        }
        assert!(Keys::new("sg:prod").is_ok());
    }
}
