//! Every error this flavor answers with, in one place: the RFC 7807 table ([`Kind`]: status,
//! `type`, `title`) and the route families' error enums, whose messages are the `detail`.
//!
//! Bodies are `ProblemDetails {type, title, status, detail, instance}` (plus `errors` for
//! validation failures) served as `application/problem+json`; the route table's resources fill
//! `instance` with the request path.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use flavor_kit::{BodyError, EdgeError, ErrorBody, Fault, FlavorError};
use serde::Serialize;
use session_core::Flavor;
use utoipa::ToSchema;

/// The statuses the flavor answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 400: a wallet proof that does not hold, or an unreadable request.
    BadRequest,
    /// 401: a missing or bad API key, wallet bearer or session token.
    Unauthorized,
    /// 403: known caller, not allowed (not host, wrong password, not whitelisted).
    Forbidden,
    /// 404: no such session, member or route.
    NotFound,
    /// 405: the route exists with another method.
    MethodNotAllowed,
    /// 408: the body did not arrive within `server.body_timeout_secs`.
    RequestTimeout,
    /// 409: the session is full, or the wallet is already in it.
    Conflict,
    /// 413: the body is over `server.max_body_bytes`.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 422: the body breaks the schema or the configured bounds ("Client Error").
    Validation,
    /// 429: too many failed credential checks (with `Retry-After`).
    TooManyRequests,
    /// 500: a fault inside the gateway.
    Internal,
    /// 503: the store did not answer in time.
    Unavailable,
}

impl Kind {
    /// The table: `(status, type, title)`.
    pub fn row(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Kind::BadRequest => (
                StatusCode::BAD_REQUEST,
                "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                "Bad Request",
            ),
            Kind::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "https://tools.ietf.org/html/rfc9110#section-15.5.2",
                "Unauthorized",
            ),
            Kind::Forbidden => (
                StatusCode::FORBIDDEN,
                "https://tools.ietf.org/html/rfc9110#section-15.5.4",
                "Forbidden",
            ),
            Kind::NotFound => (
                StatusCode::NOT_FOUND,
                "https://tools.ietf.org/html/rfc9110#section-15.5.5",
                "Not Found",
            ),
            Kind::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "https://tools.ietf.org/html/rfc9110#section-15.5.6",
                "Method Not Allowed",
            ),
            Kind::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "https://tools.ietf.org/html/rfc9110#section-15.5.9",
                "Request Timeout",
            ),
            Kind::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "https://tools.ietf.org/html/rfc6585#section-4",
                "Too Many Requests",
            ),
            Kind::Conflict => (
                StatusCode::CONFLICT,
                "https://tools.ietf.org/html/rfc9110#section-15.5.10",
                "Conflict",
            ),
            Kind::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                "Content Too Large",
            ),
            Kind::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "https://tools.ietf.org/html/rfc9110#section-15.5.16",
                "Unsupported Media Type",
            ),
            Kind::Validation => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "https://tools.ietf.org/html/rfc4918#section-11.2",
                "Client Error",
            ),
            Kind::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "https://tools.ietf.org/html/rfc9110#section-15.6.1",
                "Internal Server Error",
            ),
            Kind::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "https://tools.ietf.org/html/rfc9110#section-15.6.4",
                "Service Unavailable",
            ),
        }
    }
}

/// One problem: its kind, a human-readable detail and, for validation, the failing fields. The
/// flavor's error body ([`ErrorBody`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The table row.
    pub kind: Kind,
    /// The `detail` member.
    pub detail: String,
    /// Validation failures by JSON path (`rules.userCapacity`), as ASP.NET's `errors`.
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// Every error of the flavor: an RFC 7807 problem, served as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuicksyncProblemDetails)]
pub struct ProblemDetails<'a> {
    /// The status's section of RFC 9110 (RFC 4918 for 422).
    #[serde(rename = "type")]
    #[schema(example = "https://tools.ietf.org/html/rfc9110#section-15.5.2")]
    type_uri: &'a str,
    /// The status's title (`Client Error` for 422).
    #[schema(example = "Unauthorized")]
    title: &'a str,
    /// The HTTP status.
    #[schema(example = 401)]
    status: u16,
    /// What went wrong.
    #[schema(example = "An Authorization: Bearer token is required.")]
    detail: &'a str,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "/v1/session/current")]
    instance: Option<&'a str>,
    /// 422 only: the messages by JSON path of the offending member (`$` for the body itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        value_type = Option<BTreeMap<String, Vec<String>>>,
        nullable = false,
        example = json!({"rules.userCapacity": ["must be between 1 and 100"]})
    )]
    errors: Option<&'a BTreeMap<String, Vec<String>>>,
}

impl Problem {
    /// A problem without field errors.
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: None,
        }
    }

    /// A 422 naming one field.
    pub fn field(field: &str, reason: &str) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![reason.to_owned()]);
        Self {
            kind: Kind::Validation,
            detail: format!("One or more validation errors occurred: {field}: {reason}"),
            errors: Some(errors),
        }
    }
}

impl ErrorBody for Problem {
    fn status(&self) -> StatusCode {
        self.kind.row().0
    }

    /// The response, with `instance` when the request path is known.
    fn render(&self, instance: Option<&str>) -> HttpResponse {
        let (status, type_uri, title) = self.kind.row();
        let body = ProblemDetails {
            type_uri,
            title,
            status: status.as_u16(),
            detail: &self.detail,
            instance,
            errors: self.errors.as_ref(),
        };
        let json = serde_json::to_string(&body).unwrap_or_else(|_| "{}".into());
        let mut res = HttpResponse::build(status);
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.kind == Kind::Unauthorized {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.body(json)
    }

    fn edge(e: EdgeError) -> Self {
        match e {
            EdgeError::MethodNotAllowed { allow } => {
                RequestError::MethodNotAllowed(allow).problem()
            }
            EdgeError::TooLarge { limit } => RequestError::TooLarge(limit).problem(),
            EdgeError::Unreadable => RequestError::Unreadable.problem(),
            EdgeError::TimedOut => RequestError::TimedOut.problem(),
            EdgeError::Throttled { retry_after } => throttled(retry_after),
            EdgeError::Unavailable => unexpected(Fault::Unavailable),
            EdgeError::Internal => unexpected(Fault::Internal),
        }
    }

    /// The usual answer of each status of the table whose body the status alone decides (405
    /// lists the methods and 413 names the limit, so they have none).
    fn for_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::BAD_REQUEST => RequestError::Unreadable.problem(),
            StatusCode::UNAUTHORIZED => SessionError::BadSessionToken.problem(),
            StatusCode::FORBIDDEN => SessionError::NotHost.problem(),
            StatusCode::NOT_FOUND => SessionError::SessionNotFound.problem(),
            StatusCode::CONFLICT => SessionError::SessionFull.problem(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => RequestError::UnsupportedMediaType.problem(),
            StatusCode::UNPROCESSABLE_ENTITY => {
                Problem::new(Kind::Validation, "One or more validation errors occurred.")
            }
            StatusCode::INTERNAL_SERVER_ERROR => unexpected(Fault::Internal),
            StatusCode::SERVICE_UNAVAILABLE => unexpected(Fault::Unavailable),
            _ => return None,
        })
    }
}

/// Anything that answers as a [`Problem`].
pub trait ToProblem {
    /// The problem to answer with.
    fn problem(&self) -> Problem;

    /// The `Retry-After` of the answer (a throttled check), in seconds.
    fn retry_after(&self) -> Option<u64> {
        None
    }
}

/// The answer to a check refused after too many failed ones.
fn throttled(retry_after: u64) -> Problem {
    Problem::new(
        Kind::TooManyRequests,
        format!("Too many failed attempts; retry in {retry_after} s."),
    )
}

/// The answer to a failure no route expected: store trouble is 503, the rest 500.
fn unexpected(fault: Fault) -> Problem {
    match fault {
        Fault::Unavailable => Problem::new(
            Kind::Unavailable,
            "The session store is unavailable; retry shortly.",
        ),
        Fault::Internal => Problem::new(Kind::Internal, "An unexpected error occurred."),
    }
}

/// Makes a [`ToProblem`] enum one of the flavor's errors.
macro_rules! flavor_error {
    ($($t:ty),*) => {$(
        impl FlavorError for $t {
            type Body = Problem;

            fn body(&self) -> Problem {
                self.problem()
            }

            fn retry_after(&self) -> Option<u64> {
                ToProblem::retry_after(self)
            }
        }
    )*};
}

/// Errors of reading a request: routing, content type, size and JSON schema.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No route at this path.
    #[error("No resource exists at this path.")]
    RouteNotFound,
    /// The path exists, with other methods (listed).
    #[error("This resource supports only {0}.")]
    MethodNotAllowed(&'static str),
    /// The body is over the limit.
    #[error("The request body is larger than {0} bytes.")]
    TooLarge(usize),
    /// Not a JSON content type.
    #[error("Send the body as application/json (text/json and application/*+json are accepted).")]
    UnsupportedMediaType,
    /// The body could not be read off the connection.
    #[error("The request body could not be read.")]
    Unreadable,
    /// The body did not arrive within the body timeout.
    #[error("The request body did not arrive in time.")]
    TimedOut,
    /// Nothing to parse.
    #[error("A non-empty request body is required.")]
    EmptyBody,
    /// Not JSON at all.
    #[error("The request body is not valid JSON: {0}")]
    Syntax(String),
    /// JSON of the wrong shape: unknown property, wrong type, missing field.
    #[error("One or more validation errors occurred: {path}: {reason}")]
    Schema {
        /// JSON path of the offending member (`$` for the body itself).
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The query string could not be read.
    #[error("The query string is not valid: {0}")]
    Query(String),
}

impl ToProblem for RequestError {
    fn problem(&self) -> Problem {
        let kind = match self {
            RequestError::RouteNotFound => Kind::NotFound,
            RequestError::MethodNotAllowed(_) => Kind::MethodNotAllowed,
            RequestError::TooLarge(_) => Kind::PayloadTooLarge,
            RequestError::UnsupportedMediaType => Kind::UnsupportedMediaType,
            RequestError::TimedOut => Kind::RequestTimeout,
            RequestError::Unreadable | RequestError::Query(_) => Kind::BadRequest,
            RequestError::Schema { path, reason } => return Problem::field(path, reason),
            RequestError::EmptyBody | RequestError::Syntax(_) => {
                let mut p = Problem::field("$", &self.to_string());
                p.detail = self.to_string();
                return p;
            }
        };
        Problem::new(kind, self.to_string())
    }
}

impl From<BodyError> for RequestError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => Self::TooLarge(limit),
            BodyError::Unreadable => Self::Unreadable,
            BodyError::TimedOut => Self::TimedOut,
        }
    }
}

/// Errors of `/v1/wallet-proof/*`.
#[derive(Debug, thiserror::Error)]
pub enum WalletProofError {
    /// `?chain=` names a chain other than Ethereum.
    #[error("Unsupported chain `{0}`: only Ethereum is supported.")]
    UnsupportedChain(String),
    /// `walletAddress` is not `0x` and 40 hex digits.
    #[error("walletAddress must be 0x followed by 40 hexadecimal digits.")]
    InvalidAddress,
    /// The message was not issued by this gateway (or was altered).
    #[error("The message does not carry a nonce issued by this server.")]
    UnknownNonce,
    /// The nonce is older than `wallet_proof.nonce_ttl_seconds`.
    #[error("The nonce has expired; request a new one.")]
    ExpiredNonce,
    /// The nonce was redeemed before.
    #[error("The nonce has already been used; request a new one.")]
    ReusedNonce,
    /// The signature is not 65 bytes of hex with a valid `v`, or has a high `s`.
    #[error("The signature is malformed: {0}.")]
    MalformedSignature(&'static str),
    /// No public key can be recovered from the signature.
    #[error("The signature does not verify.")]
    BadSignature,
    /// The signature verifies, for another address.
    #[error("The signature was not made by walletAddress.")]
    AddressMismatch,
    /// `wallet_token.hs256_secret` is empty.
    #[error("Wallet verification is not configured on this server.")]
    NotConfigured,
    /// Too many failed proofs from this client address: retry after the given seconds.
    #[error("Too many failed attempts; retry in {0} s.")]
    Throttled(u64),
    /// The store failed, or the gateway did (logged where it happened).
    #[error("fault: {0:?}")]
    Fault(Fault),
}

impl ToProblem for WalletProofError {
    fn problem(&self) -> Problem {
        match self {
            WalletProofError::Fault(f) => unexpected(*f),
            WalletProofError::NotConfigured => Problem::new(Kind::Unavailable, self.to_string()),
            WalletProofError::Throttled(s) => throttled(*s),
            _ => Problem::new(Kind::BadRequest, self.to_string()),
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            WalletProofError::Throttled(s) => Some(*s),
            _ => None,
        }
    }
}

impl From<flavor_kit::Refusal> for WalletProofError {
    fn from(r: flavor_kit::Refusal) -> Self {
        match r {
            flavor_kit::Refusal::Throttled { retry_after } => Self::Throttled(retry_after),
            flavor_kit::Refusal::Store(e) => Self::store(e),
        }
    }
}

impl WalletProofError {
    /// A store error no route expected: logged, answered 503 or 500.
    pub fn store(e: session_core::Error) -> Self {
        Self::Fault(Fault::of(Flavor::Quicksync, &e))
    }
}

/// Errors of `/v1/session*`.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No `X-API-KEY`.
    #[error("The X-API-KEY header is required.")]
    MissingApiKey,
    /// An `X-API-KEY` that no tenant has.
    #[error("The API key is not valid.")]
    BadApiKey,
    /// No `Authorization: Bearer`.
    #[error("An Authorization: Bearer token is required.")]
    MissingBearer,
    /// A wallet bearer that does not verify.
    #[error("The wallet bearer is not valid: {0}.")]
    BadWalletToken(&'static str),
    /// A session token that is unknown, dead or expired.
    #[error("The session token is not valid, or the session has ended.")]
    BadSessionToken,
    /// A client tried a host's action.
    #[error("Only the session host may do this.")]
    NotHost,
    /// No live session with that id.
    #[error("The session does not exist or has expired.")]
    SessionNotFound,
    /// No member with that id.
    #[error("No user with this id is in the session.")]
    MemberNotFound,
    /// The session has a password and none was given.
    #[error("This session requires a password.")]
    PasswordRequired,
    /// The password does not match.
    #[error("The session password is wrong.")]
    WrongPassword,
    /// The wallet is not on the session's whitelist.
    #[error("This wallet address is not whitelisted for the session.")]
    NotWhitelisted,
    /// The session is at its `maxUsers`.
    #[error("The session is full.")]
    SessionFull,
    /// The wallet is already in the session.
    #[error("This wallet is already in the session.")]
    AlreadyMember,
    /// Too many failed credential checks: retry after the given seconds.
    #[error("Too many failed attempts; retry in {0} s.")]
    Throttled(u64),
    /// A field breaks a rule or a bound.
    #[error("{field}: {reason}")]
    Invalid {
        /// JSON path of the field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The store failed, or the gateway did (logged where it happened).
    #[error("fault: {0:?}")]
    Fault(Fault),
}

impl ToProblem for SessionError {
    fn problem(&self) -> Problem {
        let kind = match self {
            SessionError::MissingApiKey
            | SessionError::BadApiKey
            | SessionError::MissingBearer
            | SessionError::BadWalletToken(_)
            | SessionError::BadSessionToken => Kind::Unauthorized,
            SessionError::NotHost
            | SessionError::PasswordRequired
            | SessionError::WrongPassword
            | SessionError::NotWhitelisted => Kind::Forbidden,
            SessionError::SessionNotFound | SessionError::MemberNotFound => Kind::NotFound,
            SessionError::SessionFull | SessionError::AlreadyMember => Kind::Conflict,
            SessionError::Invalid { field, reason } => return Problem::field(field, reason),
            SessionError::Throttled(s) => return throttled(*s),
            SessionError::Fault(f) => return unexpected(*f),
        };
        Problem::new(kind, self.to_string())
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            SessionError::Throttled(s) => Some(*s),
            _ => None,
        }
    }
}

impl From<flavor_kit::Refusal> for SessionError {
    fn from(r: flavor_kit::Refusal) -> Self {
        match r {
            flavor_kit::Refusal::Throttled { retry_after } => Self::Throttled(retry_after),
            flavor_kit::Refusal::Store(e) => Self::store(e),
        }
    }
}

impl SessionError {
    /// A store error no route expected: logged, answered 503 or 500.
    pub fn store(e: session_core::Error) -> Self {
        Self::Fault(Fault::of(Flavor::Quicksync, &e))
    }

    /// A 422 naming `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

flavor_error!(RequestError, WalletProofError, SessionError);

/// Why a wallet-proof message was refused ([`crate::nonce`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceError {
    /// Not a message of ours: wrong shape, altered, or MAC mismatch.
    Unknown,
    /// Issued too long ago (or in the future).
    Expired,
}

/// Why a signature was refused ([`crate::eip191`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// Not `0x`-prefixed (or bare) hex of 65 bytes, `v` not in {0, 1, 27, 28}, or `r`/`s` out
    /// of range; the message says which.
    Malformed(&'static str),
    /// No key can be recovered: the signature is not valid for any key.
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_trouble_is_503_and_internal_faults_500() {
        let p = SessionError::store(session_core::Error::StoreUnavailable("x".into())).problem();
        assert_eq!(p.kind, Kind::Unavailable);
        assert!(!p.detail.contains('x'));
        let p = WalletProofError::store(session_core::Error::Internal("secret".into())).problem();
        assert_eq!(p.kind, Kind::Internal);
        assert!(!p.detail.contains("secret"));
    }

    #[test]
    fn validation_problems_name_the_field() {
        let p = SessionError::invalid("rules.userCapacity", "must be between 1 and 100").problem();
        assert_eq!(p.kind.row().0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p.kind.row().2, "Client Error");
        let errors = p.errors.unwrap();
        assert_eq!(errors["rules.userCapacity"], ["must be between 1 and 100"]);
    }

    #[test]
    fn a_status_alone_answers_with_its_usual_problem() {
        let p = Problem::for_status(StatusCode::UNAUTHORIZED).unwrap();
        assert_eq!(p.kind, Kind::Unauthorized);
        assert_eq!(p.detail, SessionError::BadSessionToken.to_string());
        assert_eq!(
            Problem::for_status(StatusCode::SERVICE_UNAVAILABLE)
                .unwrap()
                .kind,
            Kind::Unavailable
        );
        assert!(Problem::for_status(StatusCode::METHOD_NOT_ALLOWED).is_none());
        assert!(Problem::for_status(StatusCode::TOO_MANY_REQUESTS).is_none());
    }

    #[test]
    fn unauthorized_answers_carry_a_challenge() {
        let res = flavor_kit::Rejection::from(SessionError::MissingBearer).render();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            res.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer"
        );
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
    }
}
