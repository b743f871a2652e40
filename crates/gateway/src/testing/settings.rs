//! `[testing]`: testing mode, off by default and refused in production.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The environment in which testing mode is refused.
const PRODUCTION: &str = "production";
/// Most journal entries kept.
pub const MAX_JOURNAL_SIZE: usize = 100_000;
/// Bounds of the clock sync interval, ms.
const CLOCK_SYNC_MS: std::ops::RangeInclusive<u64> = 10..=60_000;
/// Bounds of the largest snapshot accepted, bytes.
const SNAPSHOT_BYTES: std::ops::RangeInclusive<usize> = 1024..=1 << 30;

/// `[testing]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestingSettings {
    /// Mounts `/admin/v1/testing/*` (behind the admin bearer) and the clock, faults and
    /// journal around every flavor.
    pub enabled: bool,
    /// A snapshot loaded at start-up, replacing the store's state.
    pub seed_file: Option<PathBuf>,
    /// How many requests the journal keeps (0: no journal).
    pub journal_size: usize,
    /// How often a process reads the shared clock offset from the store, ms.
    pub clock_sync_ms: u64,
    /// The largest snapshot `PUT /admin/v1/testing/snapshot` accepts, bytes.
    pub snapshot_max_bytes: usize,
}

impl Default for TestingSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            seed_file: None,
            journal_size: 1000,
            clock_sync_ms: 200,
            snapshot_max_bytes: 32 << 20,
        }
    }
}

impl TestingSettings {
    /// Checks the section for `environment` (`APP_ENV`), with or without an admin bearer; the
    /// error is `(key, reason)`.
    pub fn validate(
        &self,
        environment: &str,
        admin_token: bool,
    ) -> Result<(), (&'static str, String)> {
        if self.enabled && environment == PRODUCTION {
            return Err((
                "testing.enabled",
                "testing mode cannot be turned on with APP_ENV=production".into(),
            ));
        }
        if self.enabled && !admin_token {
            return Err((
                "testing.enabled",
                "testing mode needs admin.token: its endpoints are behind the admin bearer".into(),
            ));
        }
        if self.journal_size > MAX_JOURNAL_SIZE {
            return Err((
                "testing.journal_size",
                format!("must be at most {MAX_JOURNAL_SIZE}"),
            ));
        }
        if !CLOCK_SYNC_MS.contains(&self.clock_sync_ms) {
            return Err((
                "testing.clock_sync_ms",
                format!(
                    "must be between {} and {}",
                    CLOCK_SYNC_MS.start(),
                    CLOCK_SYNC_MS.end()
                ),
            ));
        }
        if !SNAPSHOT_BYTES.contains(&self.snapshot_max_bytes) {
            return Err((
                "testing.snapshot_max_bytes",
                format!(
                    "must be between {} and {}",
                    SNAPSHOT_BYTES.start(),
                    SNAPSHOT_BYTES.end()
                ),
            ));
        }
        if let Some(seed) = &self.seed_file {
            if !seed.is_file() {
                return Err((
                    "testing.seed_file",
                    format!("{} is not a readable file", seed.display()),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> TestingSettings {
        TestingSettings {
            enabled: true,
            ..Default::default()
        }
    }

    #[test]
    fn testing_mode_is_refused_in_production_and_without_an_admin_bearer() {
        let e = on().validate("production", true).unwrap_err();
        assert_eq!(e.0, "testing.enabled");
        assert!(e.1.contains("APP_ENV=production"), "{}", e.1);
        assert_eq!(
            on().validate("local", false).unwrap_err().0,
            "testing.enabled"
        );
        assert!(on().validate("test", true).is_ok());
        assert!(on().validate("staging", true).is_ok());
        // Off, it is accepted anywhere.
        assert!(TestingSettings::default()
            .validate("production", false)
            .is_ok());
    }

    #[test]
    fn bounds_are_enforced() {
        for (s, key) in [
            (
                TestingSettings {
                    journal_size: MAX_JOURNAL_SIZE + 1,
                    ..on()
                },
                "testing.journal_size",
            ),
            (
                TestingSettings {
                    clock_sync_ms: 5,
                    ..on()
                },
                "testing.clock_sync_ms",
            ),
            (
                TestingSettings {
                    snapshot_max_bytes: 10,
                    ..on()
                },
                "testing.snapshot_max_bytes",
            ),
            (
                TestingSettings {
                    seed_file: Some("/nope/seed.json".into()),
                    ..on()
                },
                "testing.seed_file",
            ),
        ] {
            assert_eq!(s.validate("test", true).unwrap_err().0, key);
        }
    }
}
