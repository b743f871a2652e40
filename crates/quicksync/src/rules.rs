//! Applies the configured defaults and bounds to a create request. Out-of-bound values are
//! refused with 422 naming the field (never clamped).

use crate::dto::CreateSessionRequest;
use crate::eip191::Address;
use crate::errors::SessionError;
use crate::settings::RulesSettings;

/// A create request with every rule decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Most members, the host included.
    pub max_users: u32,
    /// Lifetime in seconds.
    pub expiry_seconds: u32,
    /// The join password (empty means none).
    pub password: Option<String>,
    /// Whether only whitelisted wallets may join.
    pub allow_only_whitelisted: bool,
    /// The whitelist, without duplicates, in request order.
    pub whitelist: Vec<Address>,
    /// The host's display name.
    pub name: Option<String>,
    /// The host's shown address.
    pub chain_address: Option<String>,
}

/// Decides the rules of `req` under `cfg`.
pub fn resolve(req: &CreateSessionRequest, cfg: &RulesSettings) -> Result<Resolved, SessionError> {
    let rules = req.rules.as_ref();
    let identity = req.identity.as_ref();
    let name = text(
        identity.and_then(|i| i.name.as_deref()),
        "identity.name",
        cfg.max_name_length,
        false,
    )?;
    let chain_address = text(
        identity.and_then(|i| i.chain_address.as_deref()),
        "identity.chainAddress",
        cfg.max_chain_address_length,
        true,
    )?;

    let max_users = match rules.and_then(|r| r.user_capacity) {
        None => cfg.default_user_capacity,
        Some(n) => bounded(n, 1, cfg.max_user_capacity, "rules.userCapacity")?,
    };
    let expiry_seconds = match rules.and_then(|r| r.expiry_duration_in_seconds) {
        None => cfg.default_expiry_seconds,
        Some(n) => bounded(
            n,
            cfg.min_expiry_seconds,
            cfg.max_expiry_seconds,
            "rules.expiryDurationInSeconds",
        )?,
    };

    let new_pw = password(
        rules.and_then(|r| r.password.as_deref()),
        "rules.password",
        cfg,
    )?;
    let old_pw = password(req.password.as_deref(), "password", cfg)?;
    let password = match (new_pw, old_pw) {
        (Some(a), Some(b)) if a != b => {
            return Err(SessionError::invalid(
                "password",
                "conflicts with rules.password; send only rules.password",
            ))
        }
        (a, b) => a.or(b),
    };

    let mut whitelist: Vec<Address> = Vec::new();
    let mut add = |raw: Option<&str>, field: String| -> Result<(), SessionError> {
        let raw = raw.ok_or_else(|| SessionError::invalid(field.clone(), "is required"))?;
        let a = Address::parse(raw.trim()).ok_or_else(|| {
            SessionError::invalid(field, "must be 0x followed by 40 hexadecimal digits")
        })?;
        if !whitelist.contains(&a) {
            whitelist.push(a);
        }
        Ok(())
    };
    let listed = rules
        .and_then(|r| r.white_list_addresses.as_deref())
        .unwrap_or_default();
    for (i, w) in listed.iter().enumerate() {
        add(
            w.address.as_deref(),
            format!("rules.whiteListAddresses[{i}].address"),
        )?;
    }
    let legacy = req.white_list_addresses.as_deref().unwrap_or_default();
    for (i, w) in legacy.iter().enumerate() {
        add(w.as_deref(), format!("whiteListAddresses[{i}]"))?;
    }
    if whitelist.len() > cfg.max_whitelist_addresses {
        return Err(SessionError::invalid(
            "rules.whiteListAddresses",
            format!("holds more than {} addresses", cfg.max_whitelist_addresses),
        ));
    }
    // The deprecated top-level list had no switch: a list given there is enforced.
    let allow_only_whitelisted = rules
        .and_then(|r| r.allow_only_whitelisted_addresses)
        .unwrap_or(!legacy.is_empty());

    Ok(Resolved {
        max_users,
        expiry_seconds,
        password,
        allow_only_whitelisted,
        whitelist,
        name,
        chain_address,
    })
}

fn bounded(n: i64, min: u32, max: u32, field: &str) -> Result<u32, SessionError> {
    u32::try_from(n)
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| SessionError::invalid(field, format!("must be between {min} and {max}")))
}

/// Trimmed text, `None` when empty; refuses control characters (and white space inside when
/// `no_spaces`) and anything over `max` characters.
fn text(
    v: Option<&str>,
    field: &str,
    max: usize,
    no_spaces: bool,
) -> Result<Option<String>, SessionError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(SessionError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() || (no_spaces && c.is_whitespace()))
    {
        return Err(SessionError::invalid(
            field,
            "holds characters that are not allowed",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// A password as given (not trimmed), `None` when empty.
fn password(
    v: Option<&str>,
    field: &str,
    cfg: &RulesSettings,
) -> Result<Option<String>, SessionError> {
    match v {
        None | Some("") => Ok(None),
        Some(p) if p.chars().count() > cfg.max_password_length => Err(SessionError::invalid(
            field,
            format!("must be at most {} characters", cfg.max_password_length),
        )),
        Some(p) => Ok(Some(p.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{Identity, SessionRules, WhiteListAddressRequest};

    const A: &str = "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23";
    const B: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    fn field_of(e: SessionError) -> String {
        match e {
            SessionError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let r = resolve(&CreateSessionRequest::default(), &RulesSettings::default()).unwrap();
        assert_eq!((r.max_users, r.expiry_seconds), (10, 3600));
        assert_eq!(r.password, None);
        assert!(!r.allow_only_whitelisted);
        assert!(r.whitelist.is_empty());
    }

    #[test]
    fn bounds_are_refused_not_clamped() {
        let cfg = RulesSettings::default();
        for (cap, ok) in [
            (0, false),
            (1, true),
            (100, true),
            (101, false),
            (-5, false),
            (i64::MAX, false),
        ] {
            let req = CreateSessionRequest {
                rules: Some(SessionRules {
                    user_capacity: Some(cap),
                    ..Default::default()
                }),
                ..Default::default()
            };
            match resolve(&req, &cfg) {
                Ok(r) => assert!(ok && r.max_users == cap as u32),
                Err(e) => assert!(!ok && field_of(e) == "rules.userCapacity"),
            }
        }
        let req = CreateSessionRequest {
            rules: Some(SessionRules {
                expiry_duration_in_seconds: Some(59),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            field_of(resolve(&req, &cfg).unwrap_err()),
            "rules.expiryDurationInSeconds"
        );
    }

    #[test]
    fn whitelists_merge_dedupe_and_name_bad_entries() {
        let cfg = RulesSettings::default();
        let req = CreateSessionRequest {
            white_list_addresses: Some(vec![
                Some(B.into()),
                Some(A.to_uppercase().replace("0X", "0x")),
            ]),
            rules: Some(SessionRules {
                white_list_addresses: Some(vec![WhiteListAddressRequest {
                    address: Some(A.into()),
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = resolve(&req, &cfg).unwrap();
        assert_eq!(r.whitelist.len(), 2);
        assert!(r.allow_only_whitelisted, "a legacy list is enforced");
        let bad = CreateSessionRequest {
            rules: Some(SessionRules {
                white_list_addresses: Some(vec![
                    WhiteListAddressRequest {
                        address: Some(A.into()),
                    },
                    WhiteListAddressRequest {
                        address: Some("0x12".into()),
                    },
                ]),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            field_of(resolve(&bad, &cfg).unwrap_err()),
            "rules.whiteListAddresses[1].address"
        );
    }

    #[test]
    fn identity_and_passwords_are_checked() {
        let cfg = RulesSettings::default();
        let long = CreateSessionRequest {
            identity: Some(Identity {
                name: Some("x".repeat(65)),
                chain_address: None,
            }),
            ..Default::default()
        };
        assert_eq!(field_of(resolve(&long, &cfg).unwrap_err()), "identity.name");
        let conflict = CreateSessionRequest {
            password: Some("a".into()),
            rules: Some(SessionRules {
                password: Some("b".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(field_of(resolve(&conflict, &cfg).unwrap_err()), "password");
        let legacy = CreateSessionRequest {
            password: Some("pw".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(&legacy, &cfg).unwrap().password.as_deref(),
            Some("pw")
        );
    }
}
