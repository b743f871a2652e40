//! The admin console at `/admin/`: a page, a script, a style sheet and an icon, compiled into
//! the binary (nothing is fetched from elsewhere), served under a strict Content-Security-Policy.
//! The page holds no data: everything it shows comes from `/admin/v1` with the admin token,
//! which the page keeps in the tab's `sessionStorage` and sends in an `Authorization` header.

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpResponse};

/// What the console may load and where it may connect: its own origin only, no inline script
/// or style, no framing, no forms posted elsewhere.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Every asset: its path under `/admin/`, its content type and its bytes.
const ASSETS: [(&str, &str, &str); 4] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../../console/index.html"),
    ),
    (
        "/console.js",
        "text/javascript; charset=utf-8",
        include_str!("../../console/console.js"),
    ),
    (
        "/console.css",
        "text/css; charset=utf-8",
        include_str!("../../console/console.css"),
    ),
    (
        "/icon.svg",
        "image/svg+xml",
        include_str!("../../console/icon.svg"),
    ),
];

fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add(("cross-origin-opener-policy", "same-origin"))
        .add(("cross-origin-resource-policy", "same-origin"))
}

/// Mounts the console's assets (and `/admin` → `/admin/`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/admin",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/admin/"))
                .finish()
        }),
    );
    let mut scope = web::scope("/admin").wrap(headers());
    for (path, content_type, body) in ASSETS {
        scope = scope.route(
            path,
            web::get().to(move || async move {
                HttpResponse::Ok().content_type(content_type).body(body)
            }),
        );
    }
    cfg.service(scope);
}
