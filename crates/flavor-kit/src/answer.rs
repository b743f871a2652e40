//! Error answers in the flavor's own format.
//!
//! A flavor implements [`ErrorBody`] once, for its vendor body (its table of statuses and
//! messages), and [`FlavorError`] for each of its error enums (which body answers which error).
//! Routes return [`Reply`]: `?` turns any flavor error into a [`Rejection`], which actix renders
//! and [`crate::routes`] renders again with the request path (the `instance` some formats show).

use std::fmt;

use actix_web::http::header::{HeaderValue, ALLOW, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::body::BodyError;
use crate::fault::Fault;

/// What a route answers: a response, or an error in the flavor's format.
pub type Reply = Result<HttpResponse, Rejection>;

/// A failure the gateway or the kit meets on a flavor's behalf, which every flavor answers in its
/// own format (see [`ErrorBody::edge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeError {
    /// The resource exists with other methods: those of `allow` (also the `Allow` header).
    MethodNotAllowed {
        /// The methods the resource serves, as the `Allow` header lists them.
        allow: &'static str,
    },
    /// The body is over the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body broke off while being read.
    Unreadable,
    /// The body did not arrive within the body timeout (`server.body_timeout_secs`): 408.
    TimedOut,
    /// Too many failed credential checks: 429, retry after `retry_after` seconds (also the
    /// `Retry-After` header).
    Throttled {
        /// Seconds until the check may be tried again.
        retry_after: u64,
    },
    /// The store did not answer in time.
    Unavailable,
    /// A fault inside the gateway.
    Internal,
}

impl From<BodyError> for EdgeError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => Self::TooLarge { limit },
            BodyError::Unreadable => Self::Unreadable,
            BodyError::TimedOut => Self::TimedOut,
        }
    }
}

impl From<Fault> for EdgeError {
    fn from(f: Fault) -> Self {
        match f {
            Fault::Unavailable => Self::Unavailable,
            Fault::Internal => Self::Internal,
        }
    }
}

/// A flavor's error body: its vendor's table of statuses and bodies. Implemented once per
/// flavor.
pub trait ErrorBody: Send + Sync + 'static {
    /// The HTTP status.
    fn status(&self) -> StatusCode;

    /// The response, for a request at `path` (`None` when no request is known).
    fn render(&self, path: Option<&str>) -> HttpResponse;

    /// The body of an edge error.
    fn edge(e: EdgeError) -> Self
    where
        Self: Sized;

    /// The body the flavor answers `status` with when nothing more is known (testing mode's
    /// injected faults): the row of its table for that status with its usual message, `None`
    /// when its table has no row the status alone decides. The default offers the edge errors
    /// every flavor answers: 400 (an unreadable body), 500 and 503.
    fn for_status(status: StatusCode) -> Option<Self>
    where
        Self: Sized,
    {
        match status {
            StatusCode::BAD_REQUEST => Some(Self::edge(EdgeError::Unreadable)),
            StatusCode::INTERNAL_SERVER_ERROR => Some(Self::edge(EdgeError::Internal)),
            StatusCode::SERVICE_UNAVAILABLE => Some(Self::edge(EdgeError::Unavailable)),
            _ => None,
        }
    }
}

/// One of a flavor's error enums: which body answers each error.
pub trait FlavorError: fmt::Display {
    /// The flavor's body.
    type Body: ErrorBody;

    /// The body that answers this error.
    fn body(&self) -> Self::Body;

    /// The `Retry-After` of the answer, in seconds (a throttled check), if any.
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

/// An error answer on its way out: the flavor's body, and what the kit adds to it (the request
/// path, an `Allow` header).
pub struct Rejection {
    body: Box<dyn ErrorBody>,
    message: String,
    header: Option<(actix_web::http::header::HeaderName, HeaderValue)>,
    path: Option<String>,
}

impl<E: FlavorError> From<E> for Rejection {
    fn from(e: E) -> Self {
        Self {
            body: Box::new(e.body()),
            message: e.to_string(),
            header: e.retry_after().map(retry_after),
            path: None,
        }
    }
}

/// The `Retry-After` header of `seconds`.
fn retry_after(seconds: u64) -> (actix_web::http::header::HeaderName, HeaderValue) {
    (RETRY_AFTER, HeaderValue::from(seconds))
}

impl Rejection {
    /// The answer to an edge error, in the format of `B`.
    pub fn edge<B: ErrorBody>(e: EdgeError) -> Self {
        let header = match e {
            EdgeError::MethodNotAllowed { allow } => Some((ALLOW, HeaderValue::from_static(allow))),
            EdgeError::Throttled { retry_after: secs } => Some(retry_after(secs)),
            _ => None,
        };
        Self {
            body: Box::new(B::edge(e)),
            message: format!("{e:?}"),
            header,
            path: None,
        }
    }

    /// This answer for a request at `path`.
    pub fn at(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// The response.
    pub fn render(&self) -> HttpResponse {
        self.with_header(self.body.render(self.path.as_deref()))
    }

    /// The response for a request at `path`.
    pub(crate) fn render_at(&self, path: &str) -> HttpResponse {
        self.with_header(self.body.render(Some(path)))
    }

    fn with_header(&self, mut response: HttpResponse) -> HttpResponse {
        if let Some((name, value)) = &self.header {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("status", &self.body.status())
            .field("message", &self.message)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        self.body.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.render()
    }
}

/// The response to an edge error in the format of `B`, for a request at `path`: what a flavor
/// registers as its [`crate::FlavorSpec::render_edge`].
pub fn render_edge<B: ErrorBody>(e: EdgeError, path: &str) -> HttpResponse {
    Rejection::edge::<B>(e).render_at(path)
}

/// The response `B` gives for `status` alone ([`ErrorBody::for_status`]), for a request at
/// `path`: what a flavor registers as its [`crate::FlavorSpec::render_status`]. `None` when the
/// flavor has no such answer (or offers one of another status).
pub fn render_status<B: ErrorBody>(status: StatusCode, path: &str) -> Option<HttpResponse> {
    let body = B::for_status(status).filter(|b| b.status() == status)?;
    let rejection = Rejection {
        body: Box::new(body),
        message: status.to_string(),
        header: None,
        path: None,
    };
    Some(rejection.render_at(path))
}
