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

/// Whether a header carries `value` as it is: printable ASCII (inner spaces included) and no
/// space at either end, which [`text`] would trim. A configured key that fails this could never
/// be sent, so settings refuse it.
pub fn carries(value: &str) -> bool {
    value.bytes().all(|b| (b' '..=b'~').contains(&b)) && value.trim_ascii() == value
}

/// The credential of `Authorization: Bearer <credential>` (the scheme in any case), if any.
///
/// A token check's first step, so it works on bytes: the header is looked up by its constant
/// name, and the credential's characters are checked in one pass the compiler vectorises (the
/// same rule as [`text`]: visible ASCII, space or tab).
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.as_bytes().trim_ascii();
    let space = value.iter().position(|&b| b == b' ')?;
    let (scheme, credential) = value.split_at(space);
    let credential = credential.trim_ascii();
    if !scheme.eq_ignore_ascii_case(b"bearer") || credential.is_empty() {
        return None;
    }
    let visible = credential.iter().fold(true, |ok, &b| {
        ok & ((b' '..=b'~').contains(&b) | (b == b'\t'))
    });
    if !visible {
        return None;
    }
    std::str::from_utf8(credential).ok()
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
    fn only_what_a_header_sends_unchanged_is_carried() {
        for (value, carried) in [
            ("key-1", true),
            ("a b", true),
            ("~!#", true),
            ("", true),
            (" key", false),
            ("key ", false),
            ("k\tey", false),
            ("clé", false),
            ("k\u{7f}", false),
        ] {
            assert_eq!(carries(value), carried, "{value:?}");
        }
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
            ("Bearer\tabc", None),
            ("Bearer a\tb", Some("a\tb")),
        ] {
            assert_eq!(bearer(&with("authorization", value)), expected, "{value:?}");
        }
    }
}
