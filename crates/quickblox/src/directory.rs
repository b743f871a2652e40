//! Applications and users: those of the configuration (indexed once, passwords hashed once), then
//! those managed at run time in the store collections of [`session_core::tenants`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use flavor_kit::passwords;
use flavor_kit::tenants::{self, not_a_tenant, read_known, Document, Known, TenantKind};
use serde_json::Value;
use session_core::tenants::{QUICKBLOX_APPLICATIONS, QUICKBLOX_USERS};
use session_core::{Flavor, SharedStore};

use crate::errors::RequestError;
use crate::settings::{ApplicationEntry, Settings, UserEntry};
use crate::users::{Secret, User};

/// Run-time applications: documents of [`QUICKBLOX_APPLICATIONS`] keyed by `application_id`.
pub const APPLICATIONS: TenantKind = TenantKind {
    name: "quickblox-applications",
    collection: QUICKBLOX_APPLICATIONS,
    id_fields: &["application_id"],
    id_hashed: false,
    example: r#"{"application_id": 4343, "auth_key": "app-key-4343", "auth_secret": "app-secret-4343"}"#,
    check: |doc| read_application(doc.clone()).map(drop),
    known: |doc, _| {
        read_application(doc.clone())
            .ok()
            .map(|a| Known::by_id(a.application_id.to_string()))
    },
};

/// Run-time users: documents of [`QUICKBLOX_USERS`] keyed by `<application_id>:<login>`.
pub const USERS: TenantKind = TenantKind {
    name: "quickblox-users",
    collection: QUICKBLOX_USERS,
    id_fields: &["application_id", "login"],
    id_hashed: false,
    example: r#"{"application_id": 4242, "login": "bob", "email": "bob@example.com", "password": "bob-pass-1", "full_name": "Bob Example"}"#,
    check: |doc| read_user(doc.clone()).map(drop),
    known: not_a_tenant,
};

/// An application that may open sessions.
#[derive(Clone)]
pub struct Application {
    /// Its id.
    pub id: u64,
    /// Its public authorization key.
    pub auth_key: String,
    /// Its signing secret.
    pub auth_secret: String,
}

impl fmt::Debug for Application {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Application")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl From<&ApplicationEntry> for Application {
    fn from(e: &ApplicationEntry) -> Self {
        Self {
            id: e.application_id,
            auth_key: e.auth_key.clone(),
            auth_secret: e.auth_secret.clone(),
        }
    }
}

/// How a user names itself at login.
#[derive(Debug, Clone, Copy)]
pub enum LoginName<'a> {
    /// By login.
    Login(&'a str),
    /// By e-mail address (case-insensitive).
    Email(&'a str),
}

/// The configured applications and users, ready for lookups.
#[derive(Debug)]
pub struct Directory {
    applications: HashMap<u64, Arc<Application>>,
    by_login: HashMap<(u64, String), Arc<User>>,
    by_email: HashMap<(u64, String), Arc<User>>,
    /// Checked when no user matches, so that a miss costs what a wrong password costs.
    dummy: Secret,
}

fn secret_of(entry: &UserEntry) -> Secret {
    match (&entry.password_hash, &entry.password) {
        (Some(phc), _) => Secret::Phc(phc.clone()),
        (None, Some(plain)) => match passwords::hash_now(plain) {
            Ok(phc) => Secret::Phc(phc),
            Err(e) => {
                tracing::warn!(error = %e, "quickblox: cannot hash a configured password; comparing it in constant time instead");
                Secret::Plain(plain.clone())
            }
        },
        (None, None) => Secret::Phc(String::new()),
    }
}

impl Directory {
    /// Indexes the section, hashing clear-text passwords with argon2.
    pub fn build(settings: &Settings) -> Self {
        let applications = settings
            .applications
            .iter()
            .map(|a| (a.application_id, Arc::new(Application::from(a))))
            .collect();
        let mut by_login = HashMap::new();
        let mut by_email = HashMap::new();
        for entry in &settings.users {
            let user = Arc::new(User::from_entry(entry, secret_of(entry)));
            if let Some(email) = &user.email {
                by_email.insert((user.application_id, email.to_lowercase()), user.clone());
            }
            by_login.insert((user.application_id, user.login.clone()), user);
        }
        let dummy = passwords::hash_now("no such user")
            .map(Secret::Phc)
            .unwrap_or_else(|_| Secret::Plain(String::new()));
        Self {
            applications,
            by_login,
            by_email,
            dummy,
        }
    }
}

/// The keys of an application document.
const APPLICATION_KEYS: [&str; 3] = ["application_id", "auth_key", "auth_secret"];
/// The keys of a user document.
const USER_KEYS: [&str; 8] = [
    "id",
    "application_id",
    "login",
    "email",
    "password",
    "password_hash",
    "full_name",
    "created_at",
];

/// A run-time document read as a configuration entry: keys the entry does not know are ignored
/// (the admin API may add bookkeeping) and ids written as numeric strings are accepted.
fn read_entry<T: serde::de::DeserializeOwned>(
    mut doc: Document,
    keys: &[&str],
) -> Result<T, String> {
    for id in ["application_id", "id"] {
        if let Some(Value::String(s)) = doc.get(id) {
            let n: u64 = s.parse().map_err(|_| format!("{id} is not a number"))?;
            doc.insert(id.into(), n.into());
        }
    }
    read_known(doc, keys)
}

/// A run-time application document, when it is a valid entry.
fn read_application(doc: Document) -> Result<ApplicationEntry, String> {
    let entry: ApplicationEntry = read_entry(doc, &APPLICATION_KEYS)?;
    entry.validate("document")?;
    Ok(entry)
}

/// A run-time user document, when it is a valid entry.
fn read_user(doc: Document) -> Result<UserEntry, String> {
    let entry: UserEntry = read_entry(doc, &USER_KEYS)?;
    entry.validate("document")?;
    Ok(entry)
}

/// Lookups over the configuration first, then the store's run-time documents.
#[derive(Clone)]
pub struct Tenants {
    directory: Arc<Directory>,
    store: SharedStore,
}

impl Tenants {
    /// Lookups over `directory`, then `store`.
    pub fn new(directory: Arc<Directory>, store: SharedStore) -> Self {
        Self { directory, store }
    }

    /// A secret that matches no password, checked when no user matches.
    pub fn dummy_secret(&self) -> Secret {
        self.directory.dummy.clone()
    }

    /// The application `id`.
    pub async fn application(&self, id: u64) -> Result<Option<Arc<Application>>, RequestError> {
        if let Some(app) = self.directory.applications.get(&id) {
            return Ok(Some(app.clone()));
        }
        let entry = tenants::document(
            Flavor::Quickblox,
            &self.store,
            &APPLICATIONS,
            &id.to_string(),
            read_application,
        )
        .await?;
        Ok(entry
            .filter(|e| e.application_id == id)
            .map(|e| Arc::new(Application::from(&e))))
    }

    /// The user of application `app` named `name`.
    pub async fn user(
        &self,
        app: u64,
        name: LoginName<'_>,
    ) -> Result<Option<Arc<User>>, RequestError> {
        let configured = match name {
            LoginName::Login(login) => self.directory.by_login.get(&(app, login.to_owned())),
            LoginName::Email(email) => self.directory.by_email.get(&(app, email.to_lowercase())),
        };
        if let Some(user) = configured {
            return Ok(Some(user.clone()));
        }
        let doc = match name {
            LoginName::Login(login) => {
                self.store
                    .doc_get(QUICKBLOX_USERS, &format!("{app}:{login}"))
                    .await?
            }
            LoginName::Email(email) => {
                let prefix = format!("{app}:");
                let wanted = email.to_lowercase();
                self.store
                    .doc_list(QUICKBLOX_USERS)
                    .await?
                    .into_iter()
                    .filter(|(id, _)| id.starts_with(&prefix))
                    .map(|(_, doc)| doc)
                    .find(|doc| {
                        serde_json::from_str::<UserEntry>(doc)
                            .is_ok_and(|u| u.email.is_some_and(|e| e.to_lowercase() == wanted))
                    })
            }
        };
        let Some(doc) = doc else {
            return Ok(None);
        };
        let entry = tenants::parse(Flavor::Quickblox, &USERS, &doc, read_user)
            .filter(|e| e.application_id == app);
        let Some(e) = entry else {
            return Ok(None);
        };
        let secret = match (&e.password_hash, &e.password) {
            (Some(phc), _) => Secret::Phc(phc.clone()),
            (None, Some(plain)) => Secret::Plain(plain.clone()),
            (None, None) => return Ok(None),
        };
        Ok(Some(Arc::new(User::from_entry(&e, secret))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_core::{MemoryStore, SystemClock};

    fn settings() -> Settings {
        Settings {
            applications: vec![ApplicationEntry {
                application_id: 1,
                auth_key: "k".into(),
                auth_secret: "s".into(),
            }],
            users: vec![UserEntry {
                id: Some(7),
                application_id: 1,
                login: "alice".into(),
                email: Some("Alice@Example.com".into()),
                password: Some("pw".into()),
                password_hash: None,
                full_name: None,
                created_at: None,
            }],
            ..Default::default()
        }
    }

    fn tenants() -> (Tenants, SharedStore) {
        let store: SharedStore = Arc::new(MemoryStore::new(Arc::new(SystemClock)));
        (
            Tenants::new(Arc::new(Directory::build(&settings())), store.clone()),
            store,
        )
    }

    #[tokio::test]
    async fn configured_entries_are_found_and_passwords_hashed() {
        let (t, _) = tenants();
        assert_eq!(t.application(1).await.unwrap().unwrap().auth_key, "k");
        assert!(t.application(2).await.unwrap().is_none());
        let u = t
            .user(1, LoginName::Email("alice@example.COM"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(u.id, 7);
        assert!(matches!(&u.secret, Secret::Phc(p) if p.starts_with("$argon2id$")));
        assert!(u.secret.matches("pw".into()).await.unwrap());
        assert!(t
            .user(1, LoginName::Login("Alice"))
            .await
            .unwrap()
            .is_none());
        assert!(t
            .user(2, LoginName::Login("alice"))
            .await
            .unwrap()
            .is_none());
        assert!(!t.dummy_secret().matches("pw".into()).await.unwrap());
    }

    #[tokio::test]
    async fn run_time_documents_are_found_after_the_configuration() {
        let (t, store) = tenants();
        store
            .doc_put(
                QUICKBLOX_APPLICATIONS,
                "9",
                r#"{"application_id":9,"auth_key":"k9","auth_secret":"s9"}"#,
            )
            .await
            .unwrap();
        store
            .doc_put(QUICKBLOX_APPLICATIONS, "10", r#"{"application_id":11}"#)
            .await
            .unwrap();
        // As the admin API writes them: ids as strings, a hashed password, extra keys.
        let phc = passwords::hash_now("pw2").unwrap();
        store
            .doc_put(
                QUICKBLOX_APPLICATIONS,
                "12",
                r#"{"application_id":"12","auth_key":"k","auth_secret":"s","note":"x"}"#,
            )
            .await
            .unwrap();
        store
            .doc_put(
                QUICKBLOX_USERS,
                "12:eve",
                &serde_json::json!({"application_id":"12","login":"eve","password_hash":phc,"extra":1})
                    .to_string(),
            )
            .await
            .unwrap();
        assert_eq!(t.application(12).await.unwrap().unwrap().auth_key, "k");
        let eve = t.user(12, LoginName::Login("eve")).await.unwrap().unwrap();
        assert!(eve.secret.matches("pw2".into()).await.unwrap());
        store
            .doc_put(
                QUICKBLOX_USERS,
                "9:bob",
                r#"{"application_id":9,"login":"bob","email":"bob@x.io","password":"pw"}"#,
            )
            .await
            .unwrap();
        assert_eq!(t.application(9).await.unwrap().unwrap().auth_secret, "s9");
        assert!(t.application(10).await.unwrap().is_none());
        let bob = t.user(9, LoginName::Login("bob")).await.unwrap().unwrap();
        assert!(bob.secret.matches("pw".into()).await.unwrap());
        let by_mail = t
            .user(9, LoginName::Email("BOB@x.io"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_mail.id, bob.id);
        assert!(t
            .user(1, LoginName::Email("bob@x.io"))
            .await
            .unwrap()
            .is_none());
    }
}
