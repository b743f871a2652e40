//! How Amity writes times.

use chrono::{DateTime, SecondsFormat, Utc};

/// ISO 8601 UTC with milliseconds, e.g. `2024-05-01T12:00:00.000Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn iso_times_have_milliseconds_and_z() {
        let t = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(iso(t), "2024-05-01T12:00:00.000Z");
    }
}
