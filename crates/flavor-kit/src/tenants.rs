//! Tenants and credentials managed at run time: each flavor declares its kinds ([`TenantKind`]),
//! the admin API stores their documents (the JSON of a configuration entry) in the kind's store
//! collection, and the flavor reads them back with [`document`] or [`parse`], through the same
//! check the admin API applies before storing one.
//!
//! [`mask`] hides secrets, wherever they appear, in a configuration or a document shown back.
//!
//! The admin API finds sessions by the names operators know: each kind says what tenant id an
//! entry's sessions carry and which names stand for it ([`TenantKind::known`]); a flavor lists
//! its configured entries as documents of its kinds ([`documents`]).

use serde_json::{Map, Value};
use session_core::{Flavor, SharedStore, TokenHasher};

/// Longest id part accepted.
const MAX_ID_PART_LEN: usize = 256;

/// A JSON object: what a tenant document is.
pub type Document = Map<String, Value>;

/// A kind of run-time tenant or credential of a flavor.
#[derive(Debug, Clone, Copy)]
pub struct TenantKind {
    /// Its name in the admin API (`/admin/v1/tenants/<name>`).
    pub name: &'static str,
    /// The store collection of its documents.
    pub collection: &'static str,
    /// The fields a document's id is made of, joined with `:`.
    pub id_fields: &'static [&'static str],
    /// Whether the id is the keyed hash of those fields (when they are a secret).
    pub id_hashed: bool,
    /// A document of this kind the flavor can use, as JSON text (what the admin console
    /// offers to start from).
    pub example: &'static str,
    /// Whether a document is one the flavor can use; the error says why not.
    pub check: fn(&Document) -> Result<(), String>,
    /// For a kind of tenant: the tenant id the sessions of a (valid) document carry and the
    /// names operators know it by; `None` for other kinds (users) and unusable documents.
    pub known: fn(&Document, &TokenHasher) -> Option<Known>,
}

/// What a tenant's sessions carry and what operators call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The tenant id stored on its sessions.
    pub tenant: String,
    /// The names an operator may look it up by (its configured name, its id, ...).
    pub names: Vec<String>,
}

impl Known {
    /// A tenant known by its id alone.
    pub fn by_id(tenant: impl Into<String>) -> Self {
        let tenant = tenant.into();
        Self {
            names: vec![tenant.clone()],
            tenant,
        }
    }
}

/// A [`TenantKind::known`] for kinds that are not tenants.
pub fn not_a_tenant(_: &Document, _: &TokenHasher) -> Option<Known> {
    None
}

impl TenantKind {
    /// The id fields of `doc`, joined with `:` (what the id is, or is the keyed hash of); the
    /// error names the field at fault.
    pub fn joined(&self, doc: &Document) -> Result<String, String> {
        let mut parts = Vec::with_capacity(self.id_fields.len());
        for f in self.id_fields {
            let part = match doc.get(*f) {
                Some(Value::String(s)) if s.len() > MAX_ID_PART_LEN => {
                    return Err(format!("`{f}` is longer than {MAX_ID_PART_LEN} bytes"))
                }
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(format!("`{f}` is required")),
            };
            parts.push(part);
        }
        Ok(parts.join(":"))
    }

    /// The id a document of this kind is stored under: its id fields joined with `:`, or their
    /// keyed hash when they are a secret. The error names a missing field.
    pub fn id_of(&self, doc: &Document, hasher: &TokenHasher) -> Result<String, String> {
        let joined = self.joined(doc)?;
        Ok(if self.id_hashed {
            hasher.hash(&joined).to_hex()
        } else {
            joined
        })
    }
}

/// Configured entries as documents of `kind` (their configuration JSON), for the admin API.
pub fn documents<T: serde::Serialize>(
    kind: &TenantKind,
    entries: &[T],
) -> Vec<(&'static str, Document)> {
    entries
        .iter()
        .filter_map(|e| match serde_json::to_value(e) {
            Ok(Value::Object(doc)) => Some((kind.name, doc)),
            _ => None,
        })
        .collect()
}

/// Reads a stored document of `kind` with `read` (the flavor's own reading, the one its
/// [`TenantKind::check`] applies): a document that is not a JSON object or that `read` refuses
/// is logged, never its content, and counts as absent.
pub fn parse<T>(
    flavor: Flavor,
    kind: &TenantKind,
    text: &str,
    read: impl FnOnce(Document) -> Result<T, String>,
) -> Option<T> {
    let doc = match serde_json::from_str::<Document>(text) {
        Ok(doc) => doc,
        Err(e) => {
            // Only where and what kind: the message could quote a secret of the document.
            tracing::warn!(
                flavor = flavor.as_str(),
                collection = kind.collection,
                line = e.line(),
                column = e.column(),
                category = ?e.classify(),
                "ignoring an unreadable run-time document"
            );
            return None;
        }
    };
    match read(doc) {
        Ok(value) => Some(value),
        Err(reason) => {
            tracing::warn!(
                flavor = flavor.as_str(),
                collection = kind.collection,
                %reason,
                "ignoring an invalid run-time document"
            );
            None
        }
    }
}

/// The document `id` of `kind`, read with `read` (see [`parse`]).
pub async fn document<T>(
    flavor: Flavor,
    store: &SharedStore,
    kind: &TenantKind,
    id: &str,
    read: impl FnOnce(Document) -> Result<T, String>,
) -> session_core::Result<Option<T>> {
    let Some(text) = store.doc_get(kind.collection, id).await? else {
        return Ok(None);
    };
    Ok(parse(flavor, kind, &text, read))
}

/// Reads `doc` as `T`, ignoring the keys `T` does not know (the admin API may add its own);
/// the error names the category only, never a value.
pub fn read_known<T: serde::de::DeserializeOwned>(
    mut doc: Document,
    keys: &[&str],
) -> Result<T, String> {
    doc.retain(|k, _| keys.contains(&k.as_str()));
    serde_json::from_value(Value::Object(doc))
        .map_err(|e| format!("not a valid document ({:?} error)", e.classify()))
}

/// What [`mask`] shows instead of a secret.
pub const MASK: &str = "********";

/// Whether `key` names a secret among `secret_keys` (or ends in `_secret`).
pub fn is_secret(key: &str, secret_keys: &[&str]) -> bool {
    secret_keys.contains(&key) || key.ends_with("_secret")
}

/// Replaces every secret value (see [`is_secret`]), at any depth, by [`MASK`]; objects under a
/// secret key are masked inside, not replaced.
pub fn mask(value: &mut Value, secret_keys: &[&str]) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret(k, secret_keys) && !v.is_null() && !v.is_object() {
                    *v = Value::String(MASK.into());
                } else {
                    mask(v, secret_keys);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask(v, secret_keys)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    const KIND: TenantKind = TenantKind {
        name: "things",
        collection: "test.things",
        id_fields: &["id"],
        id_hashed: false,
        example: r#"{"id": "a"}"#,
        check: |_| Ok(()),
        known: |doc, _| doc.get("id").and_then(Value::as_str).map(Known::by_id),
    };

    #[test]
    fn documents_are_read_or_ignored() {
        let read = |d: Document| d.get("n").and_then(Value::as_u64).ok_or("no n".to_owned());
        assert_eq!(parse(Flavor::Amity, &KIND, r#"{"n": 3}"#, read), Some(3));
        assert_eq!(parse(Flavor::Amity, &KIND, r#"{"m": 3}"#, read), None);
        assert_eq!(parse(Flavor::Amity, &KIND, "[1]", read), None);
        assert_eq!(parse(Flavor::Amity, &KIND, "{", read), None);
    }

    #[test]
    fn ids_are_the_joined_or_hashed_id_fields() {
        let h = TokenHasher::new("k");
        let doc = json!({"id": "a", "n": 7}).as_object().unwrap().clone();
        assert_eq!(KIND.id_of(&doc, &h).unwrap(), "a");
        let two = TenantKind {
            id_fields: &["n", "id"],
            ..KIND
        };
        assert_eq!(two.id_of(&doc, &h).unwrap(), "7:a");
        let hashed = TenantKind {
            id_hashed: true,
            ..KIND
        };
        assert_eq!(hashed.id_of(&doc, &h).unwrap(), h.hash("a").to_hex());
        let e = KIND.id_of(&Document::new(), &h).unwrap_err();
        assert!(e.contains("`id`"), "{e}");
        assert_eq!(
            (KIND.known)(&doc, &h),
            Some(Known {
                tenant: "a".into(),
                names: vec!["a".into()]
            })
        );
        #[derive(serde::Serialize)]
        struct Entry {
            id: &'static str,
        }
        let docs = documents(&KIND, &[Entry { id: "x" }]);
        assert_eq!(
            docs,
            vec![("things", json!({"id": "x"}).as_object().unwrap().clone())]
        );
    }

    #[test]
    fn unknown_keys_are_dropped_before_reading() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct Thing {
            a: u8,
        }
        let doc = json!({"a": 1, "b": 2}).as_object().unwrap().clone();
        assert_eq!(read_known::<Thing>(doc, &["a"]), Ok(Thing { a: 1 }));
        let bad = json!({"a": "secret-value"}).as_object().unwrap().clone();
        let e = read_known::<Thing>(bad, &["a"]).unwrap_err();
        assert!(!e.contains("secret-value"), "{e}");
    }

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let mut v = json!({
            "store": {"token_secret": "s1"},
            "items": [{"password": "p", "name": "n", "client_secret": null}],
            "key": {"inner": "x"},
        });
        mask(&mut v, &["password", "key"]);
        assert_eq!(v["store"]["token_secret"], MASK);
        assert_eq!(v["items"][0]["password"], MASK);
        assert_eq!(v["items"][0]["name"], "n");
        assert_eq!(v["items"][0]["client_secret"], Value::Null);
        assert_eq!(v["key"]["inner"], "x");
    }
}
