//! Every error this flavor answers with, its status, code and title (the table below), and the
//! `{"ok": false, "errors": [...]}` body they are rendered into.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use flavor_kit::{BodyError, EdgeError, ErrorBody, Fault, FlavorError};
use serde::Serialize;
use session_core::Flavor;
use utoipa::ToSchema;

/// One rejected field: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the client named it (`data.subscriber_count`, `page_size`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FieldError {
    /// A rejected `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What a session-storage route can answer besides success; also the flavor's error body
/// ([`ErrorBody`]).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// No `ClientID` or `ClientSecret` header.
    #[error("send the ClientID and ClientSecret headers")]
    MissingCredentials,
    /// Unknown client or wrong secret.
    #[error("the ClientID or ClientSecret is not valid")]
    InvalidCredentials,
    /// No such session among the client's own.
    #[error("no session with this id")]
    SessionNotFound,
    /// No such route under /session-storage.
    #[error("no such endpoint")]
    RouteNotFound,
    /// The route exists but not with this method.
    #[error("this endpoint does not accept this method")]
    MethodNotAllowed,
    /// One or more fields are missing or out of range.
    #[error("{}", describe(.0))]
    Validation(Vec<FieldError>),
    /// A `page_token` this server did not issue to this client.
    #[error("page_token is not a token this server issued for this client")]
    InvalidPageToken,
    /// The user already holds its maximum of live sessions.
    #[error("the user already holds its maximum of {max} live sessions; delete one first")]
    LimitReached {
        /// The configured maximum.
        max: u32,
        /// 409 or 429, as configured.
        status: StatusCode,
    },
    /// The body is larger than the server accepts.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is empty where a JSON object is required.
    #[error("the request body is empty; send a JSON object such as {{\"data\": {{}}}}")]
    EmptyBody,
    /// The body is not valid JSON.
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body could not be read to its end.
    #[error("the request body could not be read")]
    UnreadableBody,
    /// The body did not arrive within the body timeout.
    #[error("the request body did not arrive in time")]
    BodyTimedOut,
    /// Too many wrong credentials from this client address.
    #[error("too many failed attempts; retry in {retry_after} s")]
    Throttled {
        /// Seconds until the credentials may be tried again.
        retry_after: u64,
    },
    /// A body with a content type other than JSON.
    #[error("send the body as application/json, not `{0}`")]
    UnsupportedMediaType(String),
    /// The store did not answer in time.
    #[error("the session store is unavailable; retry later")]
    StoreUnavailable,
    /// A fault inside the gateway (details are logged, never sent).
    #[error("internal error")]
    Internal,
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ApiError {
    /// A single rejected field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, reason)])
    }

    /// The error table: HTTP status, `error_code` and `title` of each error.
    pub fn spec(&self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Self::MissingCredentials => (S::UNAUTHORIZED, "MISSING_CREDENTIALS", "Unauthorized"),
            Self::InvalidCredentials => (S::UNAUTHORIZED, "INVALID_CREDENTIALS", "Unauthorized"),
            Self::SessionNotFound => (S::NOT_FOUND, "SESSION_NOT_FOUND", "Not Found"),
            Self::RouteNotFound => (S::NOT_FOUND, "ROUTE_NOT_FOUND", "Not Found"),
            Self::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Method Not Allowed",
            ),
            Self::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                "Unprocessable Entity",
            ),
            Self::InvalidPageToken => (
                S::UNPROCESSABLE_ENTITY,
                "INVALID_PAGE_TOKEN",
                "Unprocessable Entity",
            ),
            Self::LimitReached { status, .. } => {
                (*status, "SESSION_LIMIT_REACHED", "Session Limit Reached")
            }
            Self::PayloadTooLarge { .. } => (
                S::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "Payload Too Large",
            ),
            Self::EmptyBody => (S::BAD_REQUEST, "EMPTY_BODY", "Bad Request"),
            Self::MalformedJson(_) => (S::BAD_REQUEST, "MALFORMED_JSON", "Bad Request"),
            Self::UnreadableBody => (S::BAD_REQUEST, "UNREADABLE_BODY", "Bad Request"),
            Self::BodyTimedOut => (S::REQUEST_TIMEOUT, "REQUEST_TIMEOUT", "Request Timeout"),
            Self::Throttled { .. } => (
                S::TOO_MANY_REQUESTS,
                "TOO_MANY_ATTEMPTS",
                "Too Many Requests",
            ),
            Self::UnsupportedMediaType(_) => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "Unsupported Media Type",
            ),
            Self::StoreUnavailable => (
                S::SERVICE_UNAVAILABLE,
                "STORE_UNAVAILABLE",
                "Service Unavailable",
            ),
            Self::Internal => (
                S::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "Internal Server Error",
            ),
        }
    }

    /// The response body's `errors` entries.
    fn entries(&self, instance: &str) -> Vec<ErrorEntry> {
        let (status, code, title) = self.spec();
        let entry = |detail: String| ErrorEntry {
            kind: format!("urn:session-storage:error:{}", code.to_ascii_lowercase()),
            status: status.as_u16(),
            title,
            detail,
            instance: instance.to_owned(),
            error_code: code,
        };
        match self {
            Self::Validation(fields) if !fields.is_empty() => fields
                .iter()
                .map(|f| entry(format!("{}: {}", f.field, f.reason)))
                .collect(),
            _ => vec![entry(self.to_string())],
        }
    }
}

impl ErrorBody for ApiError {
    fn status(&self) -> StatusCode {
        self.spec().0
    }

    /// The body, its `instance` being the request path (empty when unknown).
    fn render(&self, path: Option<&str>) -> HttpResponse {
        let (status, _, _) = self.spec();
        HttpResponse::build(status).json(ErrorsBody {
            ok: false,
            errors: self.entries(path.unwrap_or_default()),
        })
    }

    fn edge(e: EdgeError) -> Self {
        match e {
            EdgeError::MethodNotAllowed { .. } => Self::MethodNotAllowed,
            EdgeError::TooLarge { limit } => BodyError::TooLarge { limit }.into(),
            EdgeError::Unreadable => BodyError::Unreadable.into(),
            EdgeError::TimedOut => BodyError::TimedOut.into(),
            EdgeError::Throttled { retry_after } => Self::Throttled { retry_after },
            EdgeError::Unavailable => Fault::Unavailable.into(),
            EdgeError::Internal => Fault::Internal.into(),
        }
    }

    /// The usual answer of each status of the table whose body the status alone decides (the
    /// others name a limit, a content type or the failing fields).
    fn for_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::BAD_REQUEST => Self::UnreadableBody,
            StatusCode::UNAUTHORIZED => Self::InvalidCredentials,
            StatusCode::NOT_FOUND => Self::SessionNotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::INTERNAL_SERVER_ERROR => Self::Internal,
            StatusCode::SERVICE_UNAVAILABLE => Self::StoreUnavailable,
            _ => return None,
        })
    }
}

impl FlavorError for ApiError {
    type Body = ApiError;

    fn body(&self) -> ApiError {
        self.clone()
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

impl From<flavor_kit::Refusal> for ApiError {
    fn from(r: flavor_kit::Refusal) -> Self {
        match r {
            flavor_kit::Refusal::Throttled { retry_after } => Self::Throttled { retry_after },
            flavor_kit::Refusal::Store(e) => e.into(),
        }
    }
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => Self::PayloadTooLarge { limit },
            BodyError::Unreadable => Self::UnreadableBody,
            BodyError::TimedOut => Self::BodyTimedOut,
        }
    }
}

impl From<Fault> for ApiError {
    fn from(f: Fault) -> Self {
        match f {
            Fault::Unavailable => Self::StoreUnavailable,
            Fault::Internal => Self::Internal,
        }
    }
}

impl From<session_core::Error> for ApiError {
    fn from(e: session_core::Error) -> Self {
        use session_core::Error as E;
        match e {
            E::NotFound | E::Expired | E::Forbidden => Self::SessionNotFound,
            E::Unauthorized | E::Replay => Self::InvalidCredentials,
            E::Invalid { field, reason } => Self::invalid(field, reason),
            // A refusal at the limit needs the client's limit; routes map it themselves.
            E::StoreUnavailable(_) | E::CapacityReached | E::Conflict(_) | E::Internal(_) => {
                Fault::of(Flavor::SessionStorage, &e).into()
            }
        }
    }
}

/// Every error of the flavor: `{"ok": false, "errors": [...]}`.
#[derive(Serialize, ToSchema)]
#[schema(as = SessionStorageErrors)]
pub struct ErrorsBody {
    /// Always false.
    #[schema(example = false)]
    ok: bool,
    /// One entry, or one per rejected field for `VALIDATION_ERROR`.
    errors: Vec<ErrorEntry>,
}

/// One error, in the style of RFC 7807 problem details.
#[derive(Serialize, ToSchema)]
#[schema(as = SessionStorageError)]
pub(crate) struct ErrorEntry {
    /// `urn:session-storage:error:<error_code in lower case>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:session-storage:error:validation_error")]
    kind: String,
    /// The HTTP status.
    #[schema(example = 422)]
    status: u16,
    /// The status's title.
    #[schema(example = "Unprocessable Entity")]
    title: &'static str,
    /// What went wrong; a validation error's detail starts with the field's name.
    #[schema(example = "data.subscriber_count: must be an integer from 0 to 10")]
    detail: String,
    /// The request path.
    #[schema(example = "/session-storage/session")]
    instance: String,
    /// `MALFORMED_JSON`, `EMPTY_BODY`, `UNREADABLE_BODY`, `REQUEST_TIMEOUT`,
    /// `MISSING_CREDENTIALS`, `INVALID_CREDENTIALS`, `TOO_MANY_ATTEMPTS`, `SESSION_NOT_FOUND`, `ROUTE_NOT_FOUND`, `METHOD_NOT_ALLOWED`,
    /// `SESSION_LIMIT_REACHED`, `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`, `VALIDATION_ERROR`,
    /// `INVALID_PAGE_TOKEN`, `INTERNAL_ERROR` or `STORE_UNAVAILABLE`.
    #[schema(example = "VALIDATION_ERROR")]
    error_code: &'static str,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use actix_web::body::MessageBody;

    fn body(r: HttpResponse) -> serde_json::Value {
        let bytes = r.into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn validation_errors_render_one_entry_per_field() {
        let e = ApiError::Validation(vec![
            FieldError::new("a", "bad"),
            FieldError::new("b", "worse"),
        ]);
        let resp = e.render(Some("/session-storage/session"));
        assert_eq!(resp.status(), 422);
        let v = body(resp);
        assert_eq!(v["ok"], false);
        assert_eq!(v["errors"].as_array().unwrap().len(), 2);
        assert_eq!(v["errors"][1]["detail"], "b: worse");
        assert_eq!(v["errors"][0]["error_code"], "VALIDATION_ERROR");
        assert_eq!(v["errors"][0]["status"], 422);
        assert_eq!(v["errors"][0]["instance"], "/session-storage/session");
        assert_eq!(
            v["errors"][0]["type"],
            "urn:session-storage:error:validation_error"
        );
    }

    #[test]
    fn the_limit_status_is_the_configured_one() {
        for s in [StatusCode::CONFLICT, StatusCode::TOO_MANY_REQUESTS] {
            let e = ApiError::LimitReached { max: 3, status: s };
            assert_eq!(e.status(), s);
            assert!(e.to_string().contains('3'));
        }
    }

    #[test]
    fn a_status_alone_answers_with_its_usual_error() {
        let v = body(
            flavor_kit::answer::render_status::<ApiError>(StatusCode::UNAUTHORIZED, "/x").unwrap(),
        );
        assert_eq!(v["errors"][0]["error_code"], "INVALID_CREDENTIALS");
        assert_eq!(v["errors"][0]["instance"], "/x");
        assert!(ApiError::for_status(StatusCode::CONFLICT).is_none());
        assert!(ApiError::for_status(StatusCode::UNPROCESSABLE_ENTITY).is_none());
    }

    #[test]
    fn store_errors_map_to_the_documented_statuses() {
        use session_core::Error as E;
        let cases = [
            (E::NotFound, 404),
            (E::StoreUnavailable("down".into()), 503),
            (E::Internal("x".into()), 500),
            (E::invalid("f", "r"), 422),
            (E::Unauthorized, 401),
        ];
        for (e, status) in cases {
            assert_eq!(ApiError::from(e).status().as_u16(), status);
        }
    }
}
