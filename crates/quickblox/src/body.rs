//! Reads a POST body into [`Params`]: form or JSON (UTF-8), at most `max_body_bytes`, every
//! failure in the flavor's error format.

use actix_web::{mime, web, HttpRequest};
use flavor_kit::body::{self, BodyLimits};

use crate::errors::{Malformed, RequestError};
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Form,
    Json,
    /// No content type: decided by the first byte.
    Sniff,
}

fn kind(req: &HttpRequest) -> Result<Kind, RequestError> {
    let Some(mime) = body::media_type(req).map_err(|_| RequestError::UnsupportedMediaType)? else {
        return Ok(Kind::Sniff);
    };
    if let Some(charset) = mime.get_param(mime::CHARSET) {
        if !charset.as_str().eq_ignore_ascii_case("utf-8") {
            return Err(RequestError::UnsupportedMediaType);
        }
    }
    if body::is_json(&mime) {
        Ok(Kind::Json)
    } else if mime.type_() == mime::APPLICATION && mime.subtype() == mime::WWW_FORM_URLENCODED {
        Ok(Kind::Form)
    } else {
        Err(RequestError::UnsupportedMediaType)
    }
}

/// The parameters of the request's body.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<Params, RequestError> {
    let kind = kind(req)?;
    let bytes = body::read(req, payload, limits).await?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Err(RequestError::EmptyBody);
    };
    match kind {
        Kind::Json => Params::from_json(&bytes),
        Kind::Form => Params::from_form(trim(&bytes), Malformed::Form),
        Kind::Sniff if *first == b'{' => Params::from_json(&bytes),
        Kind::Sniff => Params::from_form(trim(&bytes), Malformed::Form),
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header;
    use actix_web::test::TestRequest;

    fn kind_of(ct: &str) -> Result<Kind, RequestError> {
        kind(
            &TestRequest::default()
                .insert_header((header::CONTENT_TYPE, ct))
                .to_http_request(),
        )
    }

    #[test]
    fn content_types() {
        assert_eq!(
            kind_of("application/x-www-form-urlencoded; charset=UTF-8").unwrap(),
            Kind::Form
        );
        assert_eq!(kind_of("application/json").unwrap(), Kind::Json);
        assert_eq!(kind_of("application/vnd.api+json").unwrap(), Kind::Json);
        for bad in [
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "garbage",
        ] {
            assert!(
                matches!(kind_of(bad), Err(RequestError::UnsupportedMediaType)),
                "{bad}"
            );
        }
        assert_eq!(
            kind(&TestRequest::default().to_http_request()).unwrap(),
            Kind::Sniff
        );
    }

    #[test]
    fn trimming() {
        assert_eq!(trim(b"  a=1\r\n"), b"a=1");
        assert_eq!(trim(b"   "), b"");
    }
}
