//! A flavor for the kit's own tests: a body that shows its status, its text and the path.

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
