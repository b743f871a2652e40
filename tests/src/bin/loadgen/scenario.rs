//! The scenarios `loadgen measure` runs: what one operation of each does.

use clap::ValueEnum;

/// One kind of operation, repeated by every client of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// GET /healthz (no store).
    Healthz,
    /// Signed POST /session.json (HMAC-SHA1 signature, nonce claim, create).
    QbCreate,
    /// GET /session.json with a QB-Token (token check with sliding expiry).
    QbGet,
    /// POST /api/v5/sessions of a returning user (1,000 users registered in setup, one device).
    AmityRegister,
    /// POST /api/v5/sessions of a new user every time (user document and session).
    AmityRegisterNew,
    /// GET /api/v3/sessions with a bearer (JWT and store check).
    AmityCheck,
    /// POST /v1/session with a wallet JWT (a group and its host).
    QsCreate,
    /// GET /v1/session/current (token check and the member list).
    QsCurrent,
    /// POST /session-storage/session for 8 clients' users in turn.
    SsCreate,
    /// POST /session-storage/session, every session of one client user.
    SsCreateOne,
    /// Create then DELETE /session-storage/sessions/{id} (two requests an operation).
    SsCreateDelete,
    /// GET /session-storage/sessions/{id} of one session.
    SsGet,
}

impl Scenario {
    /// The name on the command line and in the report.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }

    /// The scenario named `name`, if any.
    pub fn named(name: &str) -> Option<Self> {
        Self::from_str(name, false).ok()
    }

    /// For the token checks: the flavor and the request.
    pub fn token_check(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::QbGet => Some(("QuickBlox", "GET /session.json")),
            Self::AmityCheck => Some(("Amity", "GET /api/v3/sessions")),
            Self::QsCurrent => Some(("QuickSync", "GET /v1/session/current")),
            Self::SsGet => Some(("session-storage", "GET /session-storage/sessions/{id}")),
            _ => None,
        }
    }

    /// For the creates: the flavor and the request.
    pub fn create(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::QbCreate => Some(("QuickBlox", "POST /session.json")),
            Self::AmityRegister => Some(("Amity", "POST /api/v5/sessions (returning user)")),
            Self::AmityRegisterNew => Some(("Amity", "POST /api/v5/sessions (new user)")),
            Self::QsCreate => Some(("QuickSync", "POST /v1/session")),
            Self::SsCreate => Some(("session-storage", "POST /session-storage/session")),
            _ => None,
        }
    }

    /// What one operation does, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Healthz => "GET /healthz (no store)",
            Self::QbCreate => "signed POST /session.json: HMAC-SHA1 signature, nonce claim, create",
            Self::QbGet => "GET /session.json: token check with sliding expiry",
            Self::AmityRegister => {
                "POST /api/v5/sessions of a returning user (1,000 registered in setup, one device \
                 each): the new session retires the device's previous one"
            }
            Self::AmityRegisterNew => {
                "POST /api/v5/sessions of a new user: user document and session"
            }
            Self::AmityCheck => "GET /api/v3/sessions: JWT and store check",
            Self::QsCreate => "POST /v1/session with a wallet JWT: a group and its host",
            Self::QsCurrent => "GET /v1/session/current: token check and the member list",
            Self::SsCreate => "POST /session-storage/session, 8 clients' users in turn",
            Self::SsCreateOne => "POST /session-storage/session, every session of one client user",
            Self::SsCreateDelete => {
                "a create, then DELETE /session-storage/sessions/{id} (two requests an operation; \
                 latencies are of the pair)"
            }
            Self::SsGet => "GET /session-storage/sessions/{id} of one session",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scenario::value_variants() {
            assert_eq!(Scenario::named(&s.name()), Some(*s));
        }
        assert_eq!(Scenario::SsCreateDelete.name(), "ss-create-delete");
        assert_eq!(Scenario::named("nope"), None);
    }

    #[test]
    fn every_create_and_check_names_its_flavor() {
        let flavors = |pick: fn(Scenario) -> Option<(&'static str, &'static str)>| {
            let mut f: Vec<&str> = Scenario::value_variants()
                .iter()
                .filter_map(|s| pick(*s))
                .map(|(flavor, _)| flavor)
                .collect();
            f.dedup();
            f
        };
        let all = ["QuickBlox", "Amity", "QuickSync", "session-storage"];
        assert_eq!(flavors(Scenario::create), all);
        assert_eq!(flavors(Scenario::token_check), all);
        assert!(Scenario::value_variants()
            .iter()
            .all(|s| s.create().is_none() || s.token_check().is_none()));
    }
}
