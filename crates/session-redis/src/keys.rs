//! The key schema (documented in `docs/redis-keys.md`).
//!
//! Everything of one owner `O` lives under `P:3:{O}` so that it shares the hash tag `{O}`: one
//! slot, one node, and one Lua script can change it atomically on Redis Cluster too. Owners
//! never contain `{`, `}` or `:` of their own parts (session-core escapes them), so the tag is
//! exact. The `3` is the layout's version: a gateway with another layout never reads these keys.

use session_core::{Error, Owner, Result};

/// The layout version in every key.
pub(crate) const LAYOUT: &str = "3";

/// Builds every key from the configured prefix.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    base: String,
}

/// The three keys of an owner: its hash, the expiry index and the creation index.
pub(crate) struct OwnerKeys {
    pub hash: String,
    pub expiry: String,
    pub created: String,
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
            base: format!("{prefix}:{LAYOUT}:"),
        })
    }

    /// `P:3:{O}` — the owner's hash.
    /// Built by hand, without `format!`'s machinery: every store call of an owner builds one.
    pub(crate) fn owner(&self, owner: &Owner) -> String {
        let owner = owner.as_str();
        let mut key = String::with_capacity(self.base.len() + owner.len() + 4);
        key.push_str(&self.base);
        key.push('{');
        key.push_str(owner);
        key.push('}');
        key
    }

    /// The owner's hash and its two indexes (`:x` by expiry, `:c` by creation).
    pub(crate) fn owner_keys(&self, owner: &Owner) -> OwnerKeys {
        let hash = self.owner(owner);
        let index = |suffix: &str| {
            let mut key = String::with_capacity(hash.len() + suffix.len());
            key.push_str(&hash);
            key.push_str(suffix);
            key
        };
        OwnerKeys {
            expiry: index(":x"),
            created: index(":c"),
            hash,
        }
    }

    /// The SCAN pattern of the owner hashes whose owner starts with `prefix` (owners hold no
    /// glob characters; anything else is escaped).
    pub(crate) fn owner_pattern(&self, prefix: &str) -> String {
        let mut p = String::with_capacity(prefix.len() + 8);
        for c in prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\' | '{' | '}') {
                p.push('\\');
            }
            p.push(c);
        }
        format!("{}{{{p}*}}", self.base)
    }

    /// The owner of an owner hash's key.
    pub(crate) fn owner_of(&self, key: &str) -> Option<Owner> {
        let inner = key
            .strip_prefix(&self.base)?
            .strip_prefix('{')?
            .strip_suffix('}')?;
        Owner::parse(inner).ok()
    }

    /// `P:3:n:<key>` — one claimed nonce.
    pub(crate) fn nonce(&self, key: &str) -> String {
        format!("{}n:{}", self.base, key)
    }

    /// The SCAN pattern of every claimed nonce (a glob character of the prefix matches only
    /// itself).
    pub(crate) fn nonce_pattern(&self) -> String {
        let mut p = String::with_capacity(self.base.len() + 4);
        for c in self.base.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p + "n:*"
    }

    /// `P:3:a:{<key>}` — one attempt window (keys carry no braces of their own: their parts are
    /// escaped).
    pub(crate) fn attempts(&self, key: &str) -> String {
        format!("{}a:{{{}}}", self.base, key)
    }

    /// `P:3:d:{<collection>:<id>}` — one tenant document (ids escaped so that they carry no
    /// braces and no glob characters).
    pub(crate) fn doc(&self, collection: &str, id: &str) -> String {
        format!("{}d:{{{}}}", self.base, self.doc_tag(collection, id))
    }

    /// The hash tag of a tenant document's key.
    pub(crate) fn doc_tag(&self, collection: &str, id: &str) -> String {
        format!("{}:{}", escape(collection), escape(id))
    }

    /// The SCAN pattern of every document of a collection.
    pub(crate) fn doc_pattern(&self, collection: &str) -> String {
        format!("{}d:{{{}:*", self.base, escape(collection))
    }

    /// The document id of a key built by [`Keys::doc`].
    pub(crate) fn doc_id(&self, collection: &str, key: &str) -> Option<String> {
        let head = format!("{}d:{{{}:", self.base, escape(collection));
        let escaped = key.strip_prefix(&head)?.strip_suffix('}')?;
        unescape(escaped)
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut at = 0;
    while at < b.len() {
        if b[at] == b'%' {
            let hex = std::str::from_utf8(b.get(at + 1..at + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(b[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use session_core::Flavor;

    #[test]
    fn keys_share_the_owner_hash_tag() {
        let k = Keys::new("sg").unwrap();
        let o = Owner::new(Flavor::Quicksync, &["key", "g1"]).unwrap();
        let ok = k.owner_keys(&o);
        assert_eq!(ok.hash, "sg:3:{qs:key:g1}");
        assert_eq!(ok.expiry, "sg:3:{qs:key:g1}:x");
        assert_eq!(ok.created, "sg:3:{qs:key:g1}:c");
        assert_eq!(k.nonce("qb:1:n"), "sg:3:n:qb:1:n");
        assert_eq!(k.attempts("qb:s:4242:alice"), "sg:3:a:{qb:s:4242:alice}");
    }

    #[test]
    fn document_ids_are_escaped_and_recovered() {
        let k = Keys::new("sg").unwrap();
        for id in ["4242", "a{b}*?[x] y%", "é"] {
            let key = k.doc("quickblox.users", id);
            assert!(
                !key[key.find('{').unwrap() + 1..key.len() - 1].contains(['{', '}', '*', '?', '['])
            );
            assert!(key.starts_with(&k.doc_pattern("quickblox.users").replace('*', "")));
            assert_eq!(k.doc_id("quickblox.users", &key).as_deref(), Some(id));
        }
    }

    #[test]
    fn prefixes_with_a_hash_tag_are_refused() {
        for bad in ["", "a{b}", "a}", "a b"] {
            assert!(Keys::new(bad).is_err(), "{bad:?}");
        }
        assert!(Keys::new("sg:prod").is_ok());
    }
}
