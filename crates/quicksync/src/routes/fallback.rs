//! Answers for what no route takes, in ProblemDetails.

use crate::errors::RequestError;

/// A path under `/v1` that does not exist.
pub async fn route_not_found() -> Result<actix_web::HttpResponse, RequestError> {
    Err(RequestError::RouteNotFound)
}

/// A method a resource does not support; `allow` lists those it does.
pub fn method_not_allowed(
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Result<actix_web::HttpResponse, RequestError>> + Clone {
    move || std::future::ready(Err(RequestError::MethodNotAllowed(allow)))
}
