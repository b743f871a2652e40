//! The client's address as the gateway sees it.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The address of the client that sent `req`: the socket peer's.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    req.peer_addr().map(|a| a.ip())
}
