//! A flavor's route table, written once with [`routes!`](crate::routes!): it mounts every
//! resource (other methods answer 405 with `Allow`, every error answer gets the request path as
//! its `instance`) and collects the operations the handlers document, so adding a route is one
//! line next to its handler.
//!
//! ```ignore
//! flavor_kit::routes! {
//!     body: Problem;            // the flavor's ErrorBody
//!     prefix: "/v1";            // where the flavor mounts the resources (may be "")
//!     "/session" => { post: session::create },
//!     "/session/current" => { get: session::current, delete: session::delete },
//! }
//! ```
//!
//! defines `ROUTES` (full paths and methods, in `Allow` order), `resources(decorate)` (the
//! resources, each passed through `decorate` to add its state and extractor settings) and
//! `Paths` (an `OpenApi` holding the handlers' `#[utoipa::path]` operations).

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::dev::{HttpServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse, Resource, Route};

use crate::answer::{EdgeError, ErrorBody, FlavorError, Rejection};

/// Declares a flavor's route table; see the [module documentation](crate::routes).
#[macro_export]
macro_rules! routes {
    (
        body: $body:ty;
        prefix: $prefix:literal;
        $( $path:literal => { $( $method:ident : $($handler:ident)::+ ),+ $(,)? } ),+ $(,)?
    ) => {
        /// Every route: its full path and its methods, in `Allow` order.
        pub const ROUTES: &[(&str, &[&str])] = &[
            $( (concat!($prefix, $path), &[ $( $crate::__method!($method) ),+ ]) ),+
        ];

        /// Every resource (paths relative to the prefix), each passed through `decorate`, with a
        /// 405 and `Allow` for other methods and the request path in its error answers.
        pub fn resources(
            decorate: &dyn Fn(
                $crate::__private::actix_web::Resource,
            ) -> $crate::__private::actix_web::Resource,
        ) -> Vec<impl $crate::__private::actix_web::dev::HttpServiceFactory> {
            vec![$(
                $crate::routes::finish::<$body>(
                    concat!($prefix, $path),
                    decorate(
                        $crate::__private::actix_web::web::resource($path)
                            $( .route(
                                $crate::__private::actix_web::web::$method().to($($handler)::+)
                            ) )+
                    ),
                    $crate::__allow!($($method),+),
                )
            ),+]
        }

        /// The operations of every route, as the handlers document them.
        #[derive($crate::__private::utoipa::OpenApi)]
        #[openapi(paths($( $( $($handler)::+ ),+ ),+))]
        pub struct Paths;
    };
}

/// The method name of a route constructor (`get` → `"GET"`).
#[doc(hidden)]
#[macro_export]
macro_rules! __method {
    (get) => {
        "GET"
    };
    (post) => {
        "POST"
    };
    (put) => {
        "PUT"
    };
    (patch) => {
        "PATCH"
    };
    (delete) => {
        "DELETE"
    };
}

/// The `Allow` value of a list of route constructors (`get, delete` → `"GET, DELETE"`).
#[doc(hidden)]
#[macro_export]
macro_rules! __allow {
    ($first:ident $(, $rest:ident)*) => {
        concat!($crate::__method!($first) $(, ", ", $crate::__method!($rest))*)
    };
}

/// The route pattern a request matched (`/session-storage/sessions/{id}`), set by the resource
/// that took it: what access logs and metrics label a request with, known without matching the
/// path again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutePattern(pub &'static str);

/// A resource of the table, finished: it marks its requests with their [`RoutePattern`], other
/// methods answer 405 with `allow`, and every error answer of the resource is rendered with the
/// request path.
pub fn finish<B: ErrorBody>(
    pattern: &'static str,
    resource: Resource,
    allow: &'static str,
) -> impl HttpServiceFactory {
    resource
        .default_service(web::to(move || {
            ready(Err::<HttpResponse, _>(Rejection::edge::<B>(
                EdgeError::MethodNotAllowed { allow },
            )))
        }))
        .wrap(from_fn(move |req: ServiceRequest, next| {
            req.extensions_mut().insert(RoutePattern(pattern));
            with_instance(req, next)
        }))
}

/// Middleware: renders an error answer of the flavor again, with the request path.
async fn with_instance(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let again = res
        .response()
        .error()
        .and_then(|e| e.as_error::<Rejection>())
        .map(|r| r.render_at(res.request().path()));
    Ok(match again {
        Some(response) => res.into_response(response).map_into_boxed_body(),
        None => res.map_into_boxed_body(),
    })
}

/// The answer of a flavor's scope to a path no route takes: `error`, with the request path.
pub fn fallback<E: FlavorError + 'static>(error: fn() -> E) -> Route {
    web::to(
        move |req: HttpRequest| -> Ready<Result<HttpResponse, Rejection>> {
            ready(Err(Rejection::from(error()).at(req.path())))
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use actix_web::http::StatusCode;
    use actix_web::{test, App};

    use super::*;
    use crate::answer::Reply;
    use crate::testing::{Missing, Text};

    mod things {
        use super::*;

        #[utoipa::path(get, path = "/t/things", responses((status = 200)))]
        pub async fn list() -> Reply {
            Ok(HttpResponse::Ok().body("things"))
        }

        #[utoipa::path(delete, path = "/t/things", responses((status = 404)))]
        pub async fn clear() -> Reply {
            Err(Missing.into())
        }
    }

    mod table {
        use super::{things, Text};

        crate::routes! {
            body: Text;
            prefix: "/t";
            "/things" => { get: things::list, delete: things::clear },
        }
    }

    async fn call(method: actix_web::http::Method, path: &str) -> (StatusCode, String, String) {
        let app = test::init_service(
            App::new().service(
                web::scope("/t")
                    .service(table::resources(&|r| r))
                    .default_service(fallback(|| Missing)),
            ),
        )
        .await;
        let req = test::TestRequest::default()
            .method(method)
            .uri(path)
            .to_request();
        let res = test::call_service(&app, req).await;
        let status = res.status();
        let allow = res
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        (status, allow, body)
    }

    #[actix_web::test]
    async fn the_table_mounts_documents_and_answers_other_methods() {
        use actix_web::http::Method;
        use utoipa::OpenApi;

        assert_eq!(table::ROUTES, [("/t/things", &["GET", "DELETE"][..])]);
        let doc = serde_json::to_value(table::Paths::openapi()).unwrap();
        assert!(doc["paths"]["/t/things"]["get"].is_object());
        assert!(doc["paths"]["/t/things"]["delete"].is_object());

        let (status, _, body) = call(Method::GET, "/t/things").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "things"));
        let (status, _, body) = call(Method::DELETE, "/t/things").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::NOT_FOUND, "missing at /t/things")
        );
        let (status, allow, body) = call(Method::PUT, "/t/things").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(allow, "GET, DELETE");
        assert_eq!(body, "only GET, DELETE at /t/things");
        let (status, _, body) = call(Method::GET, "/t/nothing").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::NOT_FOUND, "missing at /t/nothing")
        );
    }
}
