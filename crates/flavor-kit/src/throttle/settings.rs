//! A flavor's throttling limits: the `throttle` table of its section (`[quickblox.throttle]`,
//! `GATEWAY__QUICKBLOX__THROTTLE__MAX_FAILURES_PER_SUBJECT`, ...).

use chrono::Duration;
use serde::{Deserialize, Serialize};
use session_core::Window;

/// The longest window accepted: a day.
pub const MAX_WINDOW_SECS: u64 = 86_400;

/// How many failed credential checks a flavor tolerates within a sliding window before it
/// answers 429: per subject (an application's user, a network's user) and per client address.
/// A limit of 0 turns that window off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleSettings {
    /// Failed checks of one subject within the window (default 10).
    pub max_failures_per_subject: u32,
    /// Failed checks from one client address within the window (default 100).
    pub max_failures_per_client: u32,
    /// The window, in seconds (default 900: 15 minutes).
    pub window_secs: u64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            max_failures_per_subject: 10,
            max_failures_per_client: 100,
            window_secs: 900,
        }
    }
}

impl ThrottleSettings {
    /// Checks the values; the message names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_WINDOW_SECS).contains(&self.window_secs) {
            return Err(format!(
                "throttle.window_secs: must be between 1 and {MAX_WINDOW_SECS}"
            ));
        }
        Ok(())
    }

    /// The subject window, when on.
    pub fn subject(&self) -> Option<Window> {
        self.window(self.max_failures_per_subject)
    }

    /// The client window, when on.
    pub fn client(&self) -> Option<Window> {
        self.window(self.max_failures_per_client)
    }

    fn window(&self, max: u32) -> Option<Window> {
        (max > 0).then(|| Window {
            max,
            span: Duration::seconds(i64::try_from(self.window_secs).unwrap_or(86_400)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_turns_a_window_off_and_the_span_is_bounded() {
        let s = ThrottleSettings {
            max_failures_per_subject: 0,
            ..Default::default()
        };
        assert!(s.subject().is_none());
        assert_eq!(s.client().map(|w| w.max), Some(100));
        assert!(s.validate().is_ok());
        for secs in [0, MAX_WINDOW_SECS + 1] {
            let bad = ThrottleSettings {
                window_secs: secs,
                ..Default::default()
            };
            assert!(bad
                .validate()
                .unwrap_err()
                .starts_with("throttle.window_secs"));
        }
    }
}
