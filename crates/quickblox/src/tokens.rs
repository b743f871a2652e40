//! Session tokens: 40 lowercase hex characters of CSPRNG output. The store never sees a token,
//! only its keyed hash `h`; the session's id is the first 40 hex digits of `h` and its owner
//! partition is derived from that id, so a token leads to its session with one store call.

use actix_web::HttpRequest;
use session_core::token::generate_hex_token;
use session_core::{Flavor, Owner, SessionId, SessionRef, TokenHash, TokenHasher};

use crate::errors::{Malformed, RequestError};
use crate::params::Params;

/// The request header that carries the token.
pub const HEADER: &str = "QB-Token";
/// The query parameter that may carry it instead.
pub const QUERY: &str = "token";
/// Length of a token.
pub const TOKEN_LEN: usize = 40;

/// What a token points at: its keyed hash and where its session is stored.
#[derive(Debug, Clone)]
pub struct Bearer {
    /// The keyed hash kept in the session.
    pub hash: TokenHash,
    /// The session's place in the store.
    pub reference: SessionRef,
}

/// Whether `token` has the shape of the tokens this flavor issues.
pub fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Where the session of `token` lives (no store call): its id is 160 bits of a keyed digest of
/// the token (kept apart from the stored hash by its own label).
pub fn bearer(hasher: &TokenHasher, token: &str) -> Result<Bearer, RequestError> {
    let hash = hasher.hash(token);
    let digest = hasher.derive(&["quickblox-session-id", token]);
    let id = SessionId::parse(&hex::encode(&digest[..TOKEN_LEN / 2]))?;
    let owner = Owner::new(Flavor::Quickblox, &[id.as_str()])?;
    Ok(Bearer {
        hash,
        reference: SessionRef::new(owner, id),
    })
}

/// Where the session of `token` lived under each previous key of the ring, newest first (a
/// session created before the active key, not yet moved: see [`crate::rekey`]).
pub fn previous_bearers<'a>(
    hasher: &'a TokenHasher,
    token: &'a str,
) -> impl Iterator<Item = Result<Bearer, RequestError>> + 'a {
    hasher.previous().iter().map(move |key| bearer(key, token))
}

/// A fresh token and where its session will live.
pub fn issue(hasher: &TokenHasher) -> Result<(String, Bearer), RequestError> {
    let token = generate_hex_token()?;
    let b = bearer(hasher, &token)?;
    Ok((token, b))
}

/// The token of a request: the `QB-Token` header, else the `token` query parameter. A missing or
/// malformed token is [`RequestError::NoSession`] (no store call is made for it).
pub fn from_request(req: &HttpRequest) -> Result<String, RequestError> {
    let token = match req.headers().get(HEADER) {
        Some(value) => value
            .to_str()
            .map_err(|_| RequestError::NoSession)?
            .trim()
            .to_owned(),
        None => {
            let query = Params::from_form(req.query_string().as_bytes(), Malformed::Query)?;
            query
                .one(&[QUERY])?
                .map(str::to_owned)
                .ok_or(RequestError::NoSession)?
        }
    };
    if well_formed(&token) {
        Ok(token)
    } else {
        Err(RequestError::NoSession)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tokens_map_to_one_place_without_a_lookup() {
        let h = TokenHasher::new("k");
        let (token, b) = issue(&h).unwrap();
        assert!(well_formed(&token));
        let again = bearer(&h, &token).unwrap();
        assert_eq!(again.reference, b.reference);
        assert!(again.hash.ct_eq(&b.hash));
        assert_eq!(b.reference.id.as_str().len(), 40);
        assert!(!b.reference.id.as_str().starts_with(&b.hash.to_hex()[..8]));
        assert!(!b.reference.id.as_str().contains(&token));
        let (other, _) = issue(&h).unwrap();
        assert_ne!(bearer(&h, &other).unwrap().reference, b.reference);
    }

    #[test]
    fn previous_keys_put_a_token_elsewhere() {
        let ring = TokenHasher::ring("new", &["old"]);
        let (token, active) = issue(&ring).unwrap();
        let old = bearer(&TokenHasher::new("old"), &token).unwrap();
        let previous: Vec<Bearer> = previous_bearers(&ring, &token)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(previous.len(), 1);
        assert_eq!(previous[0].reference, old.reference);
        assert!(previous[0].hash.ct_eq(&old.hash));
        assert_ne!(previous[0].reference, active.reference);
        assert_eq!(previous_bearers(&TokenHasher::new("k"), &token).count(), 0);
    }

    #[test]
    fn header_wins_over_query_and_shapes_are_checked() {
        let t = "0123456789abcdef0123456789abcdef01234567";
        let req = TestRequest::default()
            .insert_header((HEADER, t))
            .uri("/session.json?token=nope")
            .to_http_request();
        assert_eq!(from_request(&req).unwrap(), t);
        let req = TestRequest::default()
            .uri(&format!("/session.json?token={t}"))
            .to_http_request();
        assert_eq!(from_request(&req).unwrap(), t);
        for bad in ["", "abc", &t.to_uppercase(), &format!("{t}0")] {
            let req = TestRequest::default()
                .insert_header((HEADER, bad))
                .to_http_request();
            assert!(
                matches!(from_request(&req), Err(RequestError::NoSession)),
                "{bad:?}"
            );
        }
        let req = TestRequest::default().to_http_request();
        assert!(matches!(from_request(&req), Err(RequestError::NoSession)));
    }
}
