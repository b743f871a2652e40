//! Reading credentials from headers.

use actix_web::http::header::AUTHORIZATION;
use actix_web::HttpRequest;

/// A header value that is not visible ASCII text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

/// The trimmed text of header `name`: `Ok(None)` when absent or blank.
pub fn text<'r>(req: &'r HttpRequest, name: &str) -> Result<Option<&'r str>, NotText> {
    let Some(value) = req.headers().get(name) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| NotText)?.trim();
    Ok((!value.is_empty()).then_some(value))
}

/// The credential of `Authorization: Bearer <credential>` (the scheme in any case), if any.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = text(req, AUTHORIZATION.as_str()).ok().flatten()?;
    let (scheme, credential) = value.split_once(' ')?;
    let credential = credential.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty()).then_some(credential)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn with(name: &str, value: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((name, value))
            .to_http_request()
    }

    #[test]
    fn header_text_is_trimmed_and_blank_is_absent() {
        assert_eq!(text(&with("x-k", "  v "), "x-k"), Ok(Some("v")));
        assert_eq!(text(&with("x-k", "  "), "x-k"), Ok(None));
        assert_eq!(text(&with("x-k", "v"), "x-other"), Ok(None));
        let binary = TestRequest::default()
            .insert_header((
                "x-k",
                actix_web::http::header::HeaderValue::from_bytes(b"\xff").unwrap_or_else(|_| {
                    actix_web::http::header::HeaderValue::from_static("unreachable")
                }),
            ))
            .to_http_request();
        assert_eq!(text(&binary, "x-k"), Err(NotText));
    }

    #[test]
    fn bearers_need_the_scheme_and_a_credential() {
        for (value, expected) in [
            ("Bearer abc", Some("abc")),
            ("bearer  abc ", Some("abc")),
            (" BEARER abc", Some("abc")),
            ("Basic abc", None),
            ("Bearer", None),
            ("Bearer   ", None),
            ("abc", None),
        ] {
            assert_eq!(bearer(&with("authorization", value)), expected, "{value:?}");
        }
    }
}
