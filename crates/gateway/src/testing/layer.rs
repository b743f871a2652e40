//! The middleware of testing mode around every flavor's requests: an injected fault answers
//! (or delays) a matching request first; then the request, what its store calls named and the
//! answer go into the journal, secrets masked. Requests outside the flavors pass untouched.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use futures_util::StreamExt;
use session_core::{Clock, Flavor};

use super::journal::{Entry, Message};
use super::mask;
use super::seen::{self, Seen};
use super::Testing;
use crate::flavors;

/// The bytes of a request body the flavor read (at most [`mask::MAX_BODY_BYTES`]).
#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    truncated: bool,
}

impl Captured {
    fn push(&mut self, chunk: &Bytes) {
        let room = mask::MAX_BODY_BYTES.saturating_sub(self.bytes.len());
        if chunk.len() > room {
            self.truncated = true;
        }
        self.bytes
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
}

/// What is known of a request before it is answered.
struct Asked {
    flavor: Flavor,
    time: chrono::DateTime<chrono::Utc>,
    started: Instant,
    method: String,
    path: String,
    headers: std::collections::BTreeMap<String, String>,
}

/// The middleware (mounted only in testing mode; `None` passes everything).
pub async fn layer(
    testing: Option<Arc<Testing>>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some((testing, flavor)) = testing.and_then(|t| {
        let f = flavor_of(&t.served, req.path())?;
        Some((t, f))
    }) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let asked = Asked {
        flavor,
        time: testing.clock.now(),
        started: Instant::now(),
        method: req.method().as_str().to_owned(),
        path: mask::path_and_query(req.path(), req.query_string()),
        headers: if testing.journal.is_on() {
            mask::headers(req.headers())
        } else {
            Default::default()
        },
    };
    let hit = testing.faults.hit(flavor, req.method(), req.path());
    if let Some(hit) = hit {
        if !hit.delay.is_zero() {
            tokio::time::sleep(hit.delay).await;
        }
        if let Some(status) = hit.status {
            let path = req.path().to_owned();
            let res = flavors::get(flavor)
                .and_then(|r| r.render_status(status, &path))
                .unwrap_or_else(|| HttpResponse::build(status).finish());
            let res = req.into_response(res);
            return finish(
                &testing,
                asked,
                Captured::default(),
                Seen::default(),
                Some(hit.rule),
                res,
            )
            .await;
        }
    }
    let fault = hit.map(|h| h.rule);
    if !testing.journal.is_on() {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let captured = Rc::new(RefCell::new(Captured::default()));
    let (http, payload) = req.into_parts();
    let tee = captured.clone();
    let payload = payload.inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            tee.borrow_mut().push(bytes);
        }
    });
    let req = ServiceRequest::from_parts(
        http,
        Payload::Stream {
            payload: Box::pin(payload),
        },
    );
    let (out, seen) = seen::watch(next.call(req)).await;
    let res = out?.map_into_boxed_body();
    let captured = captured.take();
    finish(&testing, asked, captured, seen, fault, res).await
}

/// The flavor among `served` whose routes `path` is under.
fn flavor_of(served: &[Flavor], path: &str) -> Option<Flavor> {
    served.iter().copied().find(|f| {
        flavors::get(*f).is_some_and(|r| r.prefixes().iter().any(|p| path.starts_with(p)))
    })
}

/// Records the request with its answer and hands the answer on.
async fn finish(
    testing: &Testing,
    asked: Asked,
    captured: Captured,
    seen: Seen,
    fault: Option<u64>,
    res: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !testing.journal.is_on() {
        return Ok(res);
    }
    let (http, res) = res.into_parts();
    let status = res.status().as_u16();
    let headers = mask::headers(res.headers());
    let (res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
    let shown = &bytes[..bytes.len().min(mask::MAX_BODY_BYTES)];
    testing.journal.record(Entry {
        id: 0,
        time: asked.time,
        flavor: asked.flavor,
        method: asked.method,
        path: asked.path,
        status,
        latency_ms: asked.started.elapsed().as_secs_f64() * 1000.0,
        tenant: seen.tenant,
        subject: seen.subject,
        fault,
        request: Message {
            headers: asked.headers,
            body: mask::body(&captured.bytes, captured.truncated),
        },
        response: Message {
            headers,
            body: mask::body(shown, bytes.len() > mask::MAX_BODY_BYTES),
        },
    });
    let res = res.set_body(bytes).map_into_boxed_body();
    Ok(ServiceResponse::new(http, res))
}
