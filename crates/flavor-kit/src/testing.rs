//! A flavor for the kit's own tests (a body that shows its status, its text and the path), and
//! the tests of error answers against it.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::answer::{EdgeError, ErrorBody, FlavorError};

/// `<text> at <path>` (`?` for no path).
pub struct Text(pub StatusCode, pub String);

impl ErrorBody for Text {
    fn status(&self) -> StatusCode {
        self.0
    }

    fn render(&self, path: Option<&str>) -> HttpResponse {
        HttpResponse::build(self.0).body(format!("{} at {}", self.1, path.unwrap_or("?")))
    }

    fn edge(e: EdgeError) -> Self {
        match e {
            EdgeError::MethodNotAllowed { allow } => {
                Text(StatusCode::METHOD_NOT_ALLOWED, format!("only {allow}"))
            }
            EdgeError::Throttled { .. } => Text(StatusCode::TOO_MANY_REQUESTS, "slow down".into()),
            _ => Text(StatusCode::INTERNAL_SERVER_ERROR, "fault".into()),
        }
    }
}

/// The one error of the test flavor: 404 `missing`.
#[derive(Debug)]
pub struct Missing;

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("missing")
    }
}

impl FlavorError for Missing {
    type Body = Text;

    fn body(&self) -> Text {
        Text(StatusCode::NOT_FOUND, self.to_string())
    }
}

mod answers {
    #![allow(clippy::unwrap_used)]

    use actix_web::http::header::ALLOW;
    use actix_web::ResponseError;

    use super::*;
    use crate::answer::{render_edge, render_status, Rejection};

    fn text(r: HttpResponse) -> String {
        let bytes = actix_web::body::to_bytes(r.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .unwrap()
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn a_flavor_error_renders_its_body_with_the_path() {
        let r: Rejection = Missing.into();
        assert_eq!(r.status_code(), StatusCode::NOT_FOUND);
        assert_eq!(r.to_string(), "missing");
        assert_eq!(text(r.render()), "missing at ?");
        assert_eq!(text(r.at("/x").render()), "missing at /x");
    }

    #[test]
    fn a_status_alone_answers_only_with_a_row_of_that_status() {
        let r = render_status::<Text>(StatusCode::INTERNAL_SERVER_ERROR, "/z").unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(text(r), "fault at /z");
        // Text answers every other edge error with a 500: no 400 or 503 of its own.
        assert!(render_status::<Text>(StatusCode::BAD_REQUEST, "/z").is_none());
        assert!(render_status::<Text>(StatusCode::SERVICE_UNAVAILABLE, "/z").is_none());
        assert!(render_status::<Text>(StatusCode::IM_A_TEAPOT, "/z").is_none());
    }

    #[test]
    fn a_429_carries_retry_after() {
        let r = render_edge::<Text>(EdgeError::Throttled { retry_after: 42 }, "/z");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers().get("retry-after").unwrap(), "42");
        assert_eq!(text(r), "slow down at /z");
    }

    #[test]
    fn a_405_carries_allow() {
        let r = render_edge::<Text>(EdgeError::MethodNotAllowed { allow: "GET, POST" }, "/y");
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers().get(ALLOW).unwrap(), "GET, POST");
        assert_eq!(text(r), "only GET, POST at /y");
    }
}
