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

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::EitherBody;
use actix_web::dev::{HttpServiceFactory, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::Method;
use actix_web::{web, Error, HttpRequest, HttpResponse, Resource, Route};

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
                                $crate::routes::route($crate::__method_of!($method))
                                    .to($($handler)::+)
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

/// The [`Method`] of a route constructor (`get` → `Method::GET`).
#[doc(hidden)]
#[macro_export]
macro_rules! __method_of {
    (get) => {
        $crate::__private::actix_web::http::Method::GET
    };
    (post) => {
        $crate::__private::actix_web::http::Method::POST
    };
    (put) => {
        $crate::__private::actix_web::http::Method::PUT
    };
    (patch) => {
        $crate::__private::actix_web::http::Method::PATCH
    };
    (delete) => {
        $crate::__private::actix_web::http::Method::DELETE
    };
}

/// A route taking the requests of one method. Unlike `web::get()` and its kin, whose guard
/// adds each method it tries to a list in the request's extensions (two allocations per route
/// tried, for actix-web's own 405 answer), its guard only compares: the resource's 405 answer
/// names its methods already.
pub fn route(method: Method) -> Route {
    web::route().guard(OneMethod(method))
}

struct OneMethod(Method);

impl Guard for OneMethod {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.head().method == self.0
    }
}

/// The `Allow` value of a list of route constructors (`get, delete` → `"GET, DELETE"`).
#[doc(hidden)]
#[macro_export]
macro_rules! __allow {
    ($first:ident $(, $rest:ident)*) => {
        concat!($crate::__method!($first) $(, ", ", $crate::__method!($rest))*)
    };
}

/// The route pattern a request matched (`/session-storage/sessions/{id}`): what access logs and
/// metrics label a request with, known without matching the path again.
///
/// A resource holds its pattern as its own app data ([`marked`]), which actix-web hands to
/// every request the resource takes: `HttpRequest::app_data::<RoutePattern>()` finds it, with
/// nothing inserted into the request (an entry in a request's extensions costs two
/// allocations, on every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutePattern(pub &'static str);

/// `resource`, marked with its [`RoutePattern`] `pattern`.
pub fn marked(resource: Resource, pattern: &'static str) -> Resource {
    resource.app_data(RoutePattern(pattern))
}

/// A resource of the table, finished: it is [`marked`] with its pattern, other methods answer
/// 405 with `allow`, and every error answer of the resource is rendered with the request path.
pub fn finish<B: ErrorBody>(
    pattern: &'static str,
    resource: Resource,
    allow: &'static str,
) -> impl HttpServiceFactory {
    marked(resource, pattern)
        .default_service(web::to(move || {
            ready(Err::<HttpResponse, _>(Rejection::edge::<B>(
                EdgeError::MethodNotAllowed { allow },
            )))
        }))
        .wrap(WithInstance)
}

/// A resource's middleware: renders an error answer of the flavor again, with the request
/// path. Written out rather than with `from_fn`: it runs on every request, and this way costs
/// no boxed future.
struct WithInstance;

impl<S, B> Transform<S, ServiceRequest> for WithInstance
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = WithInstanceService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, inner: S) -> Self::Future {
        ready(Ok(WithInstanceService { inner }))
    }
}

struct WithInstanceService<S> {
    inner: S,
}

impl<S, B> Service<ServiceRequest> for WithInstanceService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = WithInstanceFuture<S::Future>;

    actix_web::dev::forward_ready!(inner);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        WithInstanceFuture {
            inner: self.inner.call(req),
        }
    }
}

pin_project_lite::pin_project! {
    /// The resource's answer, an error of the flavor rendered again with the request path.
    struct WithInstanceFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, B> Future for WithInstanceFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let res = match self.project().inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(res) => res?,
        };
        let again = res
            .response()
            .error()
            .and_then(|e| e.as_error::<Rejection>())
            .map(|r| r.render_at(res.request().path()));
        Poll::Ready(Ok(match again {
            Some(response) => res.into_response(response).map_into_right_body(),
            None => res.map_into_left_body(),
        }))
    }
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
