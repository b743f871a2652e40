//! Tenant documents: small collections managed through the admin API.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::lock::lock;

/// Collections of JSON documents by id.
#[derive(Debug, Default)]
pub(crate) struct Docs(Mutex<HashMap<String, BTreeMap<String, String>>>);

impl Docs {
    pub(crate) fn get(&self, collection: &str, id: &str) -> Option<String> {
        lock(&self.0)
            .get(collection)
            .and_then(|c| c.get(id).cloned())
    }

    pub(crate) fn put(&self, collection: &str, id: &str, value: &str) {
        lock(&self.0)
            .entry(collection.to_owned())
            .or_default()
            .insert(id.to_owned(), value.to_owned());
    }

    pub(crate) fn insert(&self, collection: &str, id: &str, value: &str) -> (String, bool) {
        let mut all = lock(&self.0);
        let c = all.entry(collection.to_owned()).or_default();
        if let Some(existing) = c.get(id) {
            return (existing.clone(), false);
        }
        c.insert(id.to_owned(), value.to_owned());
        (value.to_owned(), true)
    }

    pub(crate) fn delete(&self, collection: &str, id: &str) -> bool {
        lock(&self.0)
            .get_mut(collection)
            .is_some_and(|c| c.remove(id).is_some())
    }

    pub(crate) fn list(&self, collection: &str) -> Vec<(String, String)> {
        lock(&self.0)
            .get(collection)
            .map(|c| c.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}
