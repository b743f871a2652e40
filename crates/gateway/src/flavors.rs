//! The flavor registry: every flavor this binary can serve, each the one value its crate exposes
//! (`FLAVOR`, a [`FlavorSpec`]). The gateway iterates over it to load and check the flavors'
//! configuration sections, mount the enabled ones, document them, count their requests, answer
//! on their behalf, and manage their run-time tenants.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use flavor_kit::tenants::Document;
use flavor_kit::{EdgeError, FlavorSpec, TenantKind};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Serialize;
use session_core::{CoreDeps, Flavor};

/// Every flavor, in [`Flavor::ALL`] order.
static REGISTRY: [&(dyn Registered + Sync); 4] = [
    &quicksync::FLAVOR,
    &quickblox::FLAVOR,
    &amity::FLAVOR,
    &session_storage::FLAVOR,
];

/// Every registered flavor.
pub fn all() -> impl Iterator<Item = &'static dyn Registered> {
    REGISTRY.iter().map(|r| *r as &dyn Registered)
}

/// The registered `flavor`.
pub fn get(flavor: Flavor) -> Option<&'static dyn Registered> {
    all().find(|r| r.flavor() == flavor)
}

/// The flavor a route pattern (or path) belongs to: its name, or `gateway`.
pub fn owner_of(route: &str) -> &'static str {
    all()
        .find(|r| r.prefixes().iter().any(|p| route.starts_with(p)))
        .map_or("gateway", |r| r.flavor().as_str())
}

/// Every kind of run-time tenant, of every flavor.
pub fn tenant_kinds() -> impl Iterator<Item = &'static TenantKind> {
    all().flat_map(|r| r.tenant_kinds().iter())
}

/// The keys that hold secrets in any flavor's section or run-time document.
pub fn secret_keys() -> impl Iterator<Item = &'static str> {
    all().flat_map(|r| r.secret_keys().iter().copied())
}

/// A registered flavor, whatever its section's type.
pub trait Registered {
    /// The flavor.
    fn flavor(&self) -> Flavor;
    /// Its configuration section's name.
    fn section(&self) -> &'static str;
    /// The path prefixes of its routes.
    fn prefixes(&self) -> &'static [&'static str];
    /// Its route table: every route's full path and methods.
    fn routes(&self) -> &'static [(&'static str, &'static [&'static str])];
    /// The keys of its section and documents that hold secrets.
    fn secret_keys(&self) -> &'static [&'static str];
    /// Its run-time tenant kinds.
    fn tenant_kinds(&self) -> &'static [TenantKind];
    /// The subject its sessions carry for a user id as an app knows it.
    fn subject(&self, user_id: &str) -> String;
    /// Its OpenAPI fragment.
    fn openapi(&self) -> utoipa::openapi::OpenApi;
    /// Its answer to an edge error, for a request at `path`.
    fn render_edge(&self, e: EdgeError, path: &str) -> HttpResponse;
    /// Its usual answer for `status` alone, for a request at `path`; `None` when it has none.
    fn render_status(&self, status: StatusCode, path: &str) -> Option<HttpResponse>;
    /// Reads its section from `config` (its defaults when absent) and checks it; the error is
    /// `(key, reason)`.
    fn load(&'static self, config: &config::Config) -> Result<Arc<dyn Section>, LoadError>;
}

/// Why a section cannot be used.
#[derive(Debug)]
pub enum LoadError {
    /// It does not deserialize: the key at fault and why.
    Parse(crate::config_errors::Fault),
    /// It deserializes, and a value is not acceptable; the message names the key.
    Invalid(String),
}

/// A flavor's section, loaded and checked, shared by every worker.
pub trait Section: Send + Sync {
    /// The flavor.
    fn flavor(&self) -> Flavor;
    /// The section as JSON (for `check-config`).
    fn to_value(&self) -> serde_json::Value;
    /// Acceptable but unwise values, logged once at start-up when the flavor is served.
    fn warnings(&self) -> Vec<String>;
    /// Mounts the flavor's routes on one worker's app.
    fn mount(&self, cfg: &mut web::ServiceConfig, core: CoreDeps);
    /// Its configured tenants and credentials, each a document of one of its kinds (by name).
    fn configured(&self) -> Vec<(&'static str, Document)>;
}

impl<S> Registered for FlavorSpec<S>
where
    S: DeserializeOwned + Serialize + Default + Send + Sync + 'static,
{
    fn flavor(&self) -> Flavor {
        self.flavor
    }

    fn section(&self) -> &'static str {
        self.section
    }

    fn prefixes(&self) -> &'static [&'static str] {
        self.prefixes
    }

    fn routes(&self) -> &'static [(&'static str, &'static [&'static str])] {
        self.routes
    }

    fn secret_keys(&self) -> &'static [&'static str] {
        self.secret_keys
    }

    fn tenant_kinds(&self) -> &'static [TenantKind] {
        self.tenant_kinds
    }

    fn subject(&self, user_id: &str) -> String {
        (self.subject)(user_id)
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        (self.openapi)()
    }

    fn render_edge(&self, e: EdgeError, path: &str) -> HttpResponse {
        (self.render_edge)(e, path)
    }

    fn render_status(&self, status: StatusCode, path: &str) -> Option<HttpResponse> {
        (self.render_status)(status, path)
    }

    fn load(&'static self, config: &config::Config) -> Result<Arc<dyn Section>, LoadError> {
        let settings = crate::config_errors::deserialize_seed(
            SectionOf::<S>(self.section, PhantomData),
            config.clone(),
            &[],
        )
        .map_err(LoadError::Parse)?
        .unwrap_or_default();
        (self.validate)(&settings).map_err(LoadError::Invalid)?;
        Ok(Arc::new(Loaded {
            spec: self,
            settings: Arc::new(settings),
        }))
    }
}

/// Reads the section named `.0` of the whole configuration, so that an error names its full key
/// (`amity.networks`).
struct SectionOf<S>(&'static str, PhantomData<S>);

impl<'de, S: DeserializeOwned> DeserializeSeed<'de> for SectionOf<S> {
    type Value = Option<S>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<S>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: DeserializeOwned> Visitor<'de> for SectionOf<S> {
    type Value = Option<S>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of sections")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<S>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.0 {
                found = Some(map.next_value::<S>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A section of type `S` and its flavor.
struct Loaded<S: 'static> {
    spec: &'static FlavorSpec<S>,
    settings: Arc<S>,
}

impl<S: Serialize + Send + Sync + 'static> Section for Loaded<S> {
    fn flavor(&self) -> Flavor {
        self.spec.flavor
    }

    fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(&*self.settings).unwrap_or_default()
    }

    fn warnings(&self) -> Vec<String> {
        (self.spec.warnings)(&self.settings)
    }

    fn mount(&self, cfg: &mut web::ServiceConfig, core: CoreDeps) {
        (self.spec.mount)(cfg, core, self.settings.clone())
    }

    fn configured(&self) -> Vec<(&'static str, Document)> {
        (self.spec.configured)(&self.settings)
    }
}

/// The loaded section of every registered flavor.
#[derive(Clone, Default)]
pub struct Sections(Vec<Arc<dyn Section>>);

impl Sections {
    /// Loads every registered flavor's section from `config`; the error is `(section, reason)`.
    pub fn load(config: &config::Config) -> Result<Self, (&'static str, LoadError)> {
        all()
            .map(|r| r.load(config).map_err(|e| (r.section(), e)))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// The section of `flavor`.
    pub fn get(&self, flavor: Flavor) -> Option<&dyn Section> {
        self.0
            .iter()
            .find(|s| s.flavor() == flavor)
            .map(|s| s.as_ref())
    }

    /// The sections of the flavors in `enabled`, in that order.
    pub fn enabled<'a>(&'a self, enabled: &'a [Flavor]) -> impl Iterator<Item = &'a dyn Section> {
        enabled.iter().filter_map(|f| self.get(*f))
    }

    /// Every section, with its name.
    pub fn named(&self) -> impl Iterator<Item = (&'static str, &dyn Section)> {
        self.0.iter().filter_map(|s| {
            let name = get(s.flavor())?.section();
            Some((name, s.as_ref()))
        })
    }
}

impl fmt::Debug for Sections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| s.flavor()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::http::StatusCode;

    use super::*;

    #[test]
    fn every_flavor_is_registered_once_in_order() {
        let flavors: Vec<Flavor> = all().map(|r| r.flavor()).collect();
        assert_eq!(flavors, Flavor::ALL);
        let sections: Vec<&str> = all().map(|r| r.section()).collect();
        assert_eq!(
            sections,
            ["quicksync", "quickblox", "amity", "session_storage"]
        );
    }

    #[test]
    fn routes_belong_to_their_flavor() {
        for (route, owner) in [
            ("/v1/session", "quicksync"),
            ("/session.json", "quickblox"),
            ("/login.json", "quickblox"),
            ("/api/v3/sessions", "amity"),
            ("/session-storage/sessions/{id}", "session-storage"),
            ("/healthz", "gateway"),
            ("unmatched", "gateway"),
        ] {
            assert_eq!(owner_of(route), owner, "{route}");
        }
        // Every route of a flavor's table is counted as the flavor's.
        for r in all() {
            for (path, _) in r.routes() {
                assert_eq!(owner_of(path), r.flavor().as_str(), "{path}");
            }
        }
    }

    #[test]
    fn every_tenant_kind_example_is_a_usable_tenant_with_an_id() {
        let hasher = session_core::TokenHasher::new("k");
        for k in tenant_kinds() {
            let doc: flavor_kit::tenants::Document = serde_json::from_str(k.example).unwrap();
            assert_eq!((k.check)(&doc), Ok(()), "{}", k.name);
            assert!(k.id_of(&doc, &hasher).is_ok(), "{}", k.name);
            let is_tenant = k.name != "quickblox-users";
            assert_eq!((k.known)(&doc, &hasher).is_some(), is_tenant, "{}", k.name);
        }
    }

    #[test]
    fn tenant_kinds_have_distinct_names_and_collections() {
        let kinds: Vec<&TenantKind> = tenant_kinds().collect();
        assert_eq!(kinds.len(), 5);
        for (i, k) in kinds.iter().enumerate() {
            for other in &kinds[..i] {
                assert_ne!(k.name, other.name);
                assert_ne!(k.collection, other.collection);
            }
        }
    }

    #[test]
    fn every_flavor_answers_a_status_alone_in_its_own_format() {
        for r in all() {
            for status in [
                StatusCode::BAD_REQUEST,
                StatusCode::UNAUTHORIZED,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::SERVICE_UNAVAILABLE,
            ] {
                let name = r.flavor().as_str();
                let res = r
                    .render_status(status, "/x")
                    .unwrap_or_else(|| panic!("{name} has no answer for {status}"));
                assert_eq!(res.status(), status, "{name}");
                let body = res.into_body().try_into_bytes().unwrap();
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let shape = match r.flavor() {
                    Flavor::Quicksync => json["status"] == status.as_u16(),
                    Flavor::Quickblox => json["errors"].is_object(),
                    Flavor::Amity => json["status"] == "error" && json["code"].is_u64(),
                    Flavor::SessionStorage => json["errors"][0]["status"] == status.as_u16(),
                };
                assert!(shape, "{name} {status}: {json}");
            }
            assert!(r.render_status(StatusCode::IM_A_TEAPOT, "/x").is_none());
        }
    }

    #[test]
    fn every_flavor_answers_edge_errors_in_its_own_format() {
        for r in all() {
            for (e, status) in [
                (
                    EdgeError::MethodNotAllowed { allow: "GET" },
                    StatusCode::METHOD_NOT_ALLOWED,
                ),
                (
                    EdgeError::TooLarge { limit: 10 },
                    StatusCode::PAYLOAD_TOO_LARGE,
                ),
                (EdgeError::Unreadable, StatusCode::BAD_REQUEST),
                (EdgeError::TimedOut, StatusCode::REQUEST_TIMEOUT),
                (
                    EdgeError::Throttled { retry_after: 7 },
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                (EdgeError::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
                (EdgeError::Internal, StatusCode::INTERNAL_SERVER_ERROR),
            ] {
                let name = r.flavor().as_str();
                let res = r.render_edge(e, "/x");
                assert_eq!(res.status(), status, "{name} {e:?}");
                let allow = res.headers().get("allow").map(|v| v.to_str().unwrap());
                let expected_allow = matches!(e, EdgeError::MethodNotAllowed { .. });
                assert_eq!(allow.is_some(), expected_allow, "{name} {e:?}");
                let retry = res
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap());
                let expected_retry = matches!(e, EdgeError::Throttled { .. }).then_some("7");
                assert_eq!(retry, expected_retry, "{name} {e:?}");
                let body = res.into_body().try_into_bytes().unwrap();
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                // Each flavor's own shape: nothing of another flavor's.
                let shape = match r.flavor() {
                    Flavor::Quicksync => json["title"].is_string() && json["status"].is_u64(),
                    Flavor::Quickblox => json["errors"].is_object(),
                    Flavor::Amity => json["status"] == "error" && json["code"].is_u64(),
                    Flavor::SessionStorage => json["ok"] == false && json["errors"].is_array(),
                };
                assert!(shape, "{name} {e:?}: {json}");
            }
        }
    }
}
