//! Checks against a live app (an actix test service): its routes against its document, and its
//! answers against their documented responses.

use std::collections::{BTreeMap, BTreeSet};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use serde_json::Value;

use crate::schema::{conforms, documented_examples};

/// An actix test service: a mounted app.
pub trait TestService:
    Service<Request, Response = ServiceResponse<Self::Body>, Error = actix_web::Error>
{
    /// Its response body.
    type Body: MessageBody;
}

impl<S, B> TestService for S
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Body = B;
}

/// The methods every route is probed with.
const PROBED: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The documented methods of every path of `doc`, upper case.
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("responses").is_some() {
                out.entry(path.clone())
                    .or_default()
                    .insert(method.to_uppercase());
            }
        }
    }
    out
}

/// A concrete path for a route pattern: every `{param}` becomes `x`.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "x"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks the live `app` against `doc` and the route table it was mounted from (`routes`: full
/// path and methods in `Allow` order): the table and the document name the same paths with the
/// same methods, and the app serves exactly those (any answer but 404 and 405 means a method has
/// a route; every other method is 405 with `Allow` listing the table's methods).
pub async fn routes_match_document(
    app: &impl TestService,
    doc: &Value,
    routes: &[(&str, &[&str])],
) {
    let documented = documented(doc);
    let table: BTreeMap<String, BTreeSet<String>> = routes
        .iter()
        .map(|(path, methods)| {
            let methods = methods.iter().map(|m| (*m).to_owned()).collect();
            ((*path).to_owned(), methods)
        })
        .collect();
    assert_eq!(table, documented, "the route table and the document differ");
    for (path, methods) in routes {
        let allow = methods.join(", ");
        for method in PROBED {
            let req = TestRequest::default()
                .method(Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET))
                .uri(&concrete(path))
                .to_request();
            let res = app.call(req).await.unwrap_or_else(|e| panic!("{e}"));
            let status = res.status().as_u16();
            assert_ne!(status, 404, "{method} {path}: no route");
            if methods.contains(&method) {
                assert_ne!(status, 405, "{method} {path} is documented but not served");
            } else {
                assert_eq!(status, 405, "{method} {path} is served but not documented");
                let shown = res.headers().get("allow").and_then(|v| v.to_str().ok());
                assert_eq!(shown, Some(allow.as_str()), "{method} {path}: Allow");
            }
        }
    }
}

/// Sends `req` (its URI set) as `method path` of `doc`, checks the answer against the documented
/// response of its status (the body fits the schema of its media type, an error is one of the
/// documented examples, a `WWW-Authenticate` header is sent exactly when documented) and returns
/// the status with the body (a JSON value; a plain-text body as a string; null when empty).
pub async fn answer_conforms(
    app: &impl TestService,
    doc: &Value,
    (method, path): (&str, &str),
    req: TestRequest,
) -> (u16, Value) {
    let resp = app
        .call(req.to_request())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let challenge = resp.headers().get("www-authenticate").is_some();
    let bytes = test::read_body(resp).await;
    let documented = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(
        documented.is_object(),
        "{method} {path}: {status} is not documented"
    );
    assert_eq!(
        challenge,
        documented["headers"]["WWW-Authenticate"].is_object(),
        "{method} {path} {status}: WWW-Authenticate"
    );
    let Some(content_type) = content_type else {
        assert!(
            bytes.is_empty() && documented["content"].is_null(),
            "{method} {path} {status}: a body without a content type"
        );
        return (status, Value::Null);
    };
    let media = &documented["content"][&content_type];
    assert!(
        media.is_object(),
        "{method} {path} {status}: {content_type} is not documented"
    );
    let value = if content_type.starts_with("text/plain") {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {path} {status}: not JSON: {e}"))
    };
    conforms(doc, &media["schema"], &value, "$")
        .unwrap_or_else(|e| panic!("{method} {path} {status}: {e}"));
    if status >= 400 {
        let examples = documented_examples(doc, method, path, status);
        assert!(
            examples.contains(&value),
            "{method} {path} {status}: {value} is none of {examples:?}"
        );
    }
    (status, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_parameters_are_probed_with_a_value() {
        assert_eq!(concrete("/s/sessions/{id}"), "/s/sessions/x");
        assert_eq!(concrete("/a/b"), "/a/b");
    }
}
