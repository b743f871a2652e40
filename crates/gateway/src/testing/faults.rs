//! Injected faults: rules that make matching requests of a flavor wait, then answer with a
//! status in the flavor's own error format instead of reaching it. Rules live in the process
//! (shared by its workers), in the order they were added; the first that matches fires.

use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use session_core::Flavor;
use utoipa::ToSchema;

use crate::admin::openapi::FlavorName;
use crate::flavors;

/// Most rules at once.
pub const MAX_RULES: usize = 1000;
/// The longest delay a rule may add.
pub const MAX_DELAY_MS: u64 = 60_000;
/// The most requests one rule hits (`times`).
pub const MAX_TIMES: u64 = 1_000_000_000;

/// A rule as `POST /admin/v1/testing/faults` takes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TestingFaultSpec)]
pub struct FaultSpec {
    /// The flavor whose requests it matches (`quicksync`, `quickblox`, `amity`,
    /// `session-storage`); it answers in that flavor's error format.
    #[schema(value_type = FlavorName, example = "amity")]
    pub flavor: String,
    /// The method to match; any when absent.
    #[schema(example = "POST")]
    pub method: Option<String>,
    /// The path to match exactly, or a prefix ending in `*`; any path of the flavor when absent.
    #[schema(example = "/api/v3/sessions")]
    pub path: Option<String>,
    /// The status to answer with (the flavor's usual body for it); without one, a matching
    /// request is only delayed.
    #[schema(example = 503)]
    pub status: Option<u16>,
    /// How long to wait first, 0-60000 ms.
    #[serde(default)]
    #[schema(example = 0, maximum = 60_000)]
    pub delay_ms: u64,
    /// The chance that a matching request is hit, 0-1.
    #[serde(default = "always")]
    #[schema(example = 1.0, minimum = 0.0, maximum = 1.0)]
    pub probability: f64,
    /// How many requests it hits before it stops, 1-1000000000; forever when absent.
    #[schema(example = 1, minimum = 1, maximum = 1_000_000_000)]
    pub times: Option<u64>,
}

fn always() -> f64 {
    1.0
}

/// How a rule matches paths.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathMatch {
    Exact(String),
    Prefix(String),
}

impl PathMatch {
    fn matches(&self, path: &str) -> bool {
        match self {
            Self::Exact(p) => path == p,
            Self::Prefix(p) => path.starts_with(p.as_str()),
        }
    }

    fn shown(&self) -> String {
        match self {
            Self::Exact(p) => p.clone(),
            Self::Prefix(p) => format!("{p}*"),
        }
    }
}

/// A rule in force.
#[derive(Debug, Clone)]
struct Rule {
    id: u64,
    flavor: Flavor,
    method: Option<Method>,
    path: Option<PathMatch>,
    status: Option<StatusCode>,
    delay: Duration,
    probability: f64,
    times: Option<u64>,
    hits: u64,
}

/// A rule as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TestingFaultRule)]
pub struct RuleView {
    /// Its id.
    pub id: u64,
    /// The flavor it matches.
    #[schema(value_type = String, example = "amity")]
    pub flavor: Flavor,
    /// The method it matches, when one.
    pub method: Option<String>,
    /// The path it matches, when one (a prefix ends in `*`).
    pub path: Option<String>,
    /// The status it answers with, when one.
    pub status: Option<u16>,
    /// Its delay, ms.
    pub delay_ms: u64,
    /// Its chance of hitting a matching request.
    pub probability: f64,
    /// How many requests it may hit in all; unlimited when absent.
    pub times: Option<u64>,
    /// How many requests it has hit.
    pub hits: u64,
}

impl Rule {
    fn view(&self) -> RuleView {
        RuleView {
            id: self.id,
            flavor: self.flavor,
            method: self.method.as_ref().map(|m| m.as_str().to_owned()),
            path: self.path.as_ref().map(PathMatch::shown),
            status: self.status.map(|s| s.as_u16()),
            delay_ms: self.delay.as_millis() as u64,
            probability: self.probability,
            times: self.times,
            hits: self.hits,
        }
    }

    fn matches(&self, flavor: Flavor, method: &Method, path: &str) -> bool {
        self.flavor == flavor
            && self.times.is_none_or(|t| self.hits < t)
            && self.method.as_ref().is_none_or(|m| m == method)
            && self.path.as_ref().is_none_or(|p| p.matches(path))
    }
}

/// What a matching request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// The rule that fired.
    pub rule: u64,
    /// How long to wait.
    pub delay: Duration,
    /// The status to answer with; none: go on to the flavor.
    pub status: Option<StatusCode>,
}

/// The rules of one process.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<(u64, Vec<Rule>)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Faults {
    /// Adds a rule for a flavor among `served`; its id, or why it is refused.
    pub fn add(&self, spec: FaultSpec, served: &[Flavor]) -> Result<u64, String> {
        let flavor = Flavor::parse(&spec.flavor).map_err(|_| {
            format!(
                "flavor must be one of {}",
                Flavor::ALL.map(Flavor::as_str).join(", ")
            )
        })?;
        if !served.contains(&flavor) {
            return Err(format!("this gateway does not serve {flavor}"));
        }
        let method = spec
            .method
            .map(|m| {
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("method `{m}` is not an HTTP method"))
            })
            .transpose()?;
        let path = spec.path.map(|p| parse_path(&p, flavor)).transpose()?;
        let status = spec.status.map(|s| status_of(s, flavor)).transpose()?;
        if spec.delay_ms > MAX_DELAY_MS {
            return Err(format!("delay_ms must be at most {MAX_DELAY_MS}"));
        }
        if status.is_none() && spec.delay_ms == 0 {
            return Err("a rule needs a status, a delay_ms, or both".into());
        }
        if !(0.0..=1.0).contains(&spec.probability) {
            return Err("probability must be between 0 and 1".into());
        }
        if spec.times.is_some_and(|t| !(1..=MAX_TIMES).contains(&t)) {
            return Err(format!(
                "times must be between 1 and {MAX_TIMES} (or absent: forever)"
            ));
        }
        let mut rules = lock(&self.rules);
        if rules.1.len() >= MAX_RULES {
            return Err(format!(
                "at most {MAX_RULES} rules; delete some first (DELETE /admin/v1/testing/faults)"
            ));
        }
        rules.0 += 1;
        let id = rules.0;
        rules.1.push(Rule {
            id,
            flavor,
            method,
            path,
            status,
            delay: Duration::from_millis(spec.delay_ms),
            probability: spec.probability,
            times: spec.times,
            hits: 0,
        });
        Ok(id)
    }

    /// Every rule, oldest first.
    pub fn list(&self) -> Vec<RuleView> {
        lock(&self.rules).1.iter().map(Rule::view).collect()
    }

    /// Removes the rule `id`; false when there is none.
    pub fn remove(&self, id: u64) -> bool {
        let mut rules = lock(&self.rules);
        let before = rules.1.len();
        rules.1.retain(|r| r.id != id);
        rules.1.len() < before
    }

    /// Removes every rule; how many there were.
    pub fn clear(&self) -> usize {
        std::mem::take(&mut lock(&self.rules).1).len()
    }

    /// The rule that fires for this request, if any (its count goes up).
    pub fn hit(&self, flavor: Flavor, method: &Method, path: &str) -> Option<Hit> {
        let mut rules = lock(&self.rules);
        let rule = rules
            .1
            .iter_mut()
            .find(|r| r.matches(flavor, method, path) && chance(r.probability))?;
        rule.hits += 1;
        Some(Hit {
            rule: rule.id,
            delay: rule.delay,
            status: rule.status,
        })
    }
}

/// A draw that succeeds with `p` (no random number when `p` is 0 or 1).
fn chance(p: f64) -> bool {
    if p >= 1.0 {
        return true;
    }
    if p <= 0.0 {
        return false;
    }
    let draw = session_core::token::random_bytes::<8>()
        .map(u64::from_be_bytes)
        .unwrap_or(u64::MAX);
    ((draw >> 11) as f64 / (1u64 << 53) as f64) < p
}

fn parse_path(p: &str, flavor: Flavor) -> Result<PathMatch, String> {
    let (m, probe) = match p.strip_suffix('*') {
        Some(prefix) => (PathMatch::Prefix(prefix.to_owned()), prefix),
        None => (PathMatch::Exact(p.to_owned()), p),
    };
    if !probe.starts_with('/') || probe.len() > 1024 || probe.contains(['*', '?', '#']) {
        return Err("path must start with `/`, hold no `?` or `#`, and end in `*` at most".into());
    }
    let owner = flavors::get(flavor)
        .map(|r| r.prefixes())
        .unwrap_or_default();
    if !owner
        .iter()
        .any(|prefix| probe.starts_with(prefix) || prefix.starts_with(probe))
    {
        return Err(format!(
            "path {p} is not one of {flavor}'s (they start with {})",
            owner.join(", ")
        ));
    }
    Ok(m)
}

/// `code` as a status `flavor` answers with (its usual body for it).
fn status_of(code: u16, flavor: Flavor) -> Result<StatusCode, String> {
    let renders =
        |s: StatusCode| flavors::get(flavor).is_some_and(|r| r.render_status(s, "/").is_some());
    match StatusCode::from_u16(code) {
        Ok(s) if renders(s) => Ok(s),
        _ => {
            let offered: Vec<String> = (400..600)
                .filter_map(|c| StatusCode::from_u16(c).ok())
                .filter(|s| renders(*s))
                .map(|s| s.as_u16().to_string())
                .collect();
            Err(format!(
                "{flavor} has no usual answer for status {code}; it has one for {}",
                offered.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: serde_json::Value) -> FaultSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn rules_match_fire_their_times_and_go_quiet() {
        let f = Faults::default();
        let id = f
            .add(
                spec(serde_json::json!({"flavor": "amity", "method": "post", "path": "/api/v3/sessions", "status": 503, "times": 2})),
                &Flavor::ALL,
            )
            .unwrap();
        let post = Method::POST;
        assert_eq!(f.hit(Flavor::Amity, &Method::GET, "/api/v3/sessions"), None);
        assert_eq!(f.hit(Flavor::Amity, &post, "/api/v4/sessions"), None);
        assert_eq!(f.hit(Flavor::Quickblox, &post, "/api/v3/sessions"), None);
        for _ in 0..2 {
            let hit = f.hit(Flavor::Amity, &post, "/api/v3/sessions").unwrap();
            assert_eq!(hit.rule, id);
            assert_eq!(hit.status, Some(StatusCode::SERVICE_UNAVAILABLE));
        }
        assert_eq!(f.hit(Flavor::Amity, &post, "/api/v3/sessions"), None);
        assert_eq!(f.list()[0].hits, 2);
        assert!(f.remove(id));
        assert!(!f.remove(id));
    }

    #[test]
    fn prefixes_and_probability() {
        let f = Faults::default();
        f.add(
            spec(serde_json::json!({"flavor": "quickblox", "path": "/session*", "status": 401, "probability": 0.0})),
            &Flavor::ALL,
        )
        .unwrap();
        f.add(
            spec(serde_json::json!({"flavor": "quickblox", "path": "/session*", "delay_ms": 5})),
            &Flavor::ALL,
        )
        .unwrap();
        let hit = f
            .hit(Flavor::Quickblox, &Method::DELETE, "/session.json")
            .unwrap();
        assert_eq!(hit.status, None, "the first never fires, the second delays");
        assert_eq!(hit.delay, Duration::from_millis(5));
        assert_eq!(f.clear(), 2);
    }

    #[test]
    fn bad_rules_are_refused_with_a_reason() {
        let f = Faults::default();
        for (v, want) in [
            (
                serde_json::json!({"flavor": "nope", "status": 503}),
                "flavor must be",
            ),
            (serde_json::json!({"flavor": "amity"}), "needs a status"),
            (
                serde_json::json!({"flavor": "amity", "status": 418}),
                "no usual answer for status 418",
            ),
            (
                serde_json::json!({"flavor": "amity", "status": 503, "path": "/session.json"}),
                "not one of amity's",
            ),
            (
                serde_json::json!({"flavor": "amity", "status": 503, "method": "GE T"}),
                "not an HTTP method",
            ),
            (
                serde_json::json!({"flavor": "amity", "status": 503, "delay_ms": 60_001}),
                "at most 60000",
            ),
            (
                serde_json::json!({"flavor": "amity", "status": 503, "probability": 1.5}),
                "between 0 and 1",
            ),
            (
                serde_json::json!({"flavor": "amity", "status": 503, "times": 0}),
                "times must be between 1 and 1000000000",
            ),
            (
                serde_json::json!({"flavor": "amity", "status": 503, "times": MAX_TIMES + 1}),
                "times must be between 1 and 1000000000",
            ),
        ] {
            let e = f.add(spec(v.clone()), &Flavor::ALL).unwrap_err();
            assert!(e.contains(want), "{v}: {e}");
        }
        let e = f
            .add(
                spec(serde_json::json!({"flavor": "amity", "status": 503})),
                &[Flavor::Quickblox],
            )
            .unwrap_err();
        assert!(e.contains("does not serve amity"), "{e}");
        for _ in 0..MAX_RULES {
            f.add(
                spec(serde_json::json!({"flavor": "amity", "status": 503})),
                &Flavor::ALL,
            )
            .unwrap();
        }
        let e = f
            .add(
                spec(serde_json::json!({"flavor": "amity", "status": 503})),
                &Flavor::ALL,
            )
            .unwrap_err();
        assert!(e.contains("at most 1000 rules"), "{e}");
    }
}
