//! `[events]` and `[[events.webhooks]]` (docs/configuration.md, docs/events.md).

use serde::{Deserialize, Serialize};
use session_core::events::EventType;

use super::signing::Signer;

/// `[events]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsSettings {
    /// Whether changes write events (off: nothing is written, nothing costs anything).
    pub enabled: bool,
    /// How long events are kept for the pull API and for retries (Redis).
    pub retention_secs: u64,
    /// Most events kept: per partition stream on Redis, in all on the memory store.
    pub max_events: usize,
    /// How often a deliverer looks for events other gateways wrote.
    pub poll_interval_ms: u64,
    /// How often expired sessions are looked for (their `session.expired` events).
    pub sweep_interval_ms: u64,
    /// How long a replica's claim on a lane lasts without renewal.
    pub lease_ms: u64,
    /// Where events are delivered.
    pub webhooks: Vec<WebhookSettings>,
}

impl Default for EventsSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            retention_secs: 86_400,
            max_events: 100_000,
            poll_interval_ms: 500,
            sweep_interval_ms: 1_000,
            lease_ms: 10_000,
            webhooks: Vec::new(),
        }
    }
}

/// `[[events.webhooks]]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Names the webhook (its consumer group, its dead letters, its metrics).
    pub name: String,
    /// Where events are POSTed (`http://` or `https://`).
    pub url: String,
    /// The Standard Webhooks signing secret, `whsec_` and base64.
    pub secret: String,
    /// The event types delivered; all when empty.
    #[serde(default)]
    pub events: Vec<String>,
    /// The tenants whose events are delivered; all when empty.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Most events in one request; 1 sends each event as the body, more sends a JSON array.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// Bound on one delivery attempt.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Wait before the first retry; it doubles with each failure (with jitter).
    #[serde(default = "default_retry_initial_ms")]
    pub retry_initial_ms: u64,
    /// Longest wait between retries.
    #[serde(default = "default_retry_max_ms")]
    pub retry_max_ms: u64,
    /// How long after its event an undelivered event is retried before it is dead-lettered.
    #[serde(default = "default_retry_horizon_secs")]
    pub retry_horizon_secs: u64,
}

fn default_max_batch() -> usize {
    1
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_retry_initial_ms() -> u64 {
    1_000
}
fn default_retry_max_ms() -> u64 {
    300_000
}
fn default_retry_horizon_secs() -> u64 {
    86_400
}

/// Largest `max_batch`.
pub const MAX_BATCH: usize = 1_000;

impl EventsSettings {
    /// Checks every value; the error names the key at fault.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, reason: &str| Err((format!("events.{key}"), reason.to_owned()));
        if !self.webhooks.is_empty() && !self.enabled {
            return bad("enabled", "set it to true to deliver to events.webhooks");
        }
        if !(60..=30 * 86_400).contains(&self.retention_secs) {
            return bad("retention_secs", "must be between 60 and 2592000");
        }
        if !(100..=100_000_000).contains(&self.max_events) {
            return bad("max_events", "must be between 100 and 100000000");
        }
        if !(10..=60_000).contains(&self.poll_interval_ms) {
            return bad("poll_interval_ms", "must be between 10 and 60000");
        }
        if !(10..=60_000).contains(&self.sweep_interval_ms) {
            return bad("sweep_interval_ms", "must be between 10 and 60000");
        }
        if !(500..=600_000).contains(&self.lease_ms) {
            return bad("lease_ms", "must be between 500 and 600000");
        }
        for (i, w) in self.webhooks.iter().enumerate() {
            let key = |k: &str| format!("webhooks[{i}].{k}");
            let fail =
                |k: &str, reason: &str| Err((format!("events.{}", key(k)), reason.to_owned()));
            let name_ok = !w.name.is_empty()
                && w.name.len() <= 64
                && w.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !name_ok {
                return fail("name", "1-64 characters of a-z, 0-9, - and _");
            }
            if self.webhooks[..i].iter().any(|o| o.name == w.name) {
                return fail("name", "is used by another webhook");
            }
            if !(w.url.starts_with("http://") || w.url.starts_with("https://"))
                || reqwest::Url::parse(&w.url).is_err()
            {
                return fail("url", "must be an http:// or https:// URL");
            }
            if let Err(reason) = Signer::from_secret(&w.secret) {
                return fail("secret", &reason);
            }
            if let Some(t) = w.events.iter().find(|t| EventType::parse(t).is_none()) {
                return fail("events", &format!("unknown event type `{t}`"));
            }
            if !(1..=MAX_BATCH).contains(&w.max_batch) {
                return fail("max_batch", "must be between 1 and 1000");
            }
            if !(100..=120_000).contains(&w.timeout_ms) {
                return fail("timeout_ms", "must be between 100 and 120000");
            }
            if !(10..=3_600_000).contains(&w.retry_initial_ms) {
                return fail("retry_initial_ms", "must be between 10 and 3600000");
            }
            if w.retry_max_ms < w.retry_initial_ms || w.retry_max_ms > 86_400_000 {
                return fail(
                    "retry_max_ms",
                    "must be at least retry_initial_ms and at most 86400000",
                );
            }
            if !(1..=7 * 86_400).contains(&w.retry_horizon_secs) {
                return fail("retry_horizon_secs", "must be between 1 and 604800");
            }
            if w.retry_horizon_secs > self.retention_secs {
                return fail(
                    "retry_horizon_secs",
                    "must not exceed events.retention_secs (events must be kept while retried)",
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    fn with_types(types: &[&str]) -> EventsSettings {
        let webhook: WebhookSettings = serde_json::from_value(serde_json::json!({
            "name": "hook",
            "url": "http://127.0.0.1:9/hook",
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "events": types,
        }))
        .unwrap();
        EventsSettings {
            enabled: true,
            webhooks: vec![webhook],
            ..EventsSettings::default()
        }
    }

    #[test]
    fn webhook_filters_take_every_event_type_and_refuse_others() {
        let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert!(all.contains(&"session.signed_in") && all.contains(&"session.signed_out"));
        assert_eq!(with_types(&all).validate(), Ok(()));
        let (key, reason) = with_types(&["session.signed_in", "session.logged_in"])
            .validate()
            .unwrap_err();
        assert_eq!(key, "events.webhooks[0].events");
        assert!(reason.contains("session.logged_in"), "{reason}");
    }

    /// Settings from JSON: `events` over the defaults, with one webhook of `hook` over a valid
    /// one (none when `hook` is null).
    fn build(events: serde_json::Value, hook: serde_json::Value) -> EventsSettings {
        let mut e = serde_json::json!({"enabled": true, "webhooks": []});
        e.as_object_mut()
            .unwrap()
            .extend(events.as_object().unwrap().clone());
        if let Some(hook) = hook.as_object() {
            let mut w = serde_json::json!({
                "name": "hook",
                "url": "http://127.0.0.1:9/hook",
                "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            });
            w.as_object_mut().unwrap().extend(hook.clone());
            e["webhooks"] = serde_json::json!([w]);
        }
        serde_json::from_value(e).unwrap()
    }

    /// Every bound: its value just inside is accepted, just outside refused with its key.
    #[test]
    fn every_bound_is_enforced_and_named() {
        use api_testkit::bounds::{Edge, Range};
        use serde_json::{json, Value};
        fn events(change: Value) -> EventsSettings {
            build(change, Value::Null)
        }
        fn hook(change: Value) -> EventsSettings {
            build(json!({}), change)
        }
        let base = || events(json!({}));
        let validate =
            |s: &EventsSettings| s.validate().map_err(|(key, why)| format!("{key}: {why}"));
        // (the key the refusal names, how to set it, lowest accepted, highest accepted): one
        // step outside either end is refused.
        let ranges: [Range<EventsSettings>; 11] = [
            (
                "events.retention_secs",
                |s, n| *s = events(json!({"retention_secs": n})),
                60,
                2_592_000,
            ),
            (
                "events.max_events",
                |s, n| *s = events(json!({"max_events": n})),
                100,
                100_000_000,
            ),
            (
                "events.poll_interval_ms",
                |s, n| *s = events(json!({"poll_interval_ms": n})),
                10,
                60_000,
            ),
            (
                "events.sweep_interval_ms",
                |s, n| *s = events(json!({"sweep_interval_ms": n})),
                10,
                60_000,
            ),
            (
                "events.lease_ms",
                |s, n| *s = events(json!({"lease_ms": n})),
                500,
                600_000,
            ),
            (
                "events.webhooks[0].name",
                |s, n| *s = hook(json!({"name": "a".repeat(n as usize)})),
                1,
                64,
            ),
            (
                "events.webhooks[0].max_batch",
                |s, n| *s = hook(json!({"max_batch": n})),
                1,
                1000,
            ),
            (
                "events.webhooks[0].timeout_ms",
                |s, n| *s = hook(json!({"timeout_ms": n})),
                100,
                120_000,
            ),
            // retry_max_ms may not be below it.
            (
                "events.webhooks[0].retry_initial_ms",
                |s, n| *s = hook(json!({"retry_initial_ms": n, "retry_max_ms": n})),
                10,
                3_600_000,
            ),
            (
                "events.webhooks[0].retry_max_ms",
                |s, n| *s = hook(json!({"retry_initial_ms": 500, "retry_max_ms": n})),
                500,
                86_400_000,
            ),
            // Retention long enough for the longest horizon.
            (
                "events.webhooks[0].retry_horizon_secs",
                |s, n| {
                    *s = build(
                        json!({"retention_secs": 2_592_000}),
                        json!({"retry_horizon_secs": n}),
                    )
                },
                1,
                604_800,
            ),
        ];
        // (the key the refusal names, how to set it, accepted, refused one step past it)
        let edges: [Edge<EventsSettings>; 2] = [
            // A secret of 64 bytes at most (base64 of them after `whsec_`).
            (
                "events.webhooks[0].secret",
                |s, n| {
                    let secret = STANDARD.encode(vec![7u8; n as usize]);
                    *s = hook(json!({"secret": format!("whsec_{secret}")}));
                },
                64,
                65,
            ),
            // No horizon longer than the retention.
            (
                "events.webhooks[0].retry_horizon_secs",
                |s, n| {
                    *s = build(
                        json!({"retention_secs": 3600}),
                        json!({"retry_horizon_secs": n}),
                    )
                },
                3600,
                3601,
            ),
        ];
        api_testkit::check_bounds(base, validate, &ranges, &edges);
        let (named, _) = build(json!({"enabled": false}), json!({}))
            .validate()
            .unwrap_err();
        assert_eq!(named, "events.enabled");
    }
}
