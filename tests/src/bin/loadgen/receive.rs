//! `loadgen receive`: a webhook receiver for the events scenarios of `make bench`. It reads each
//! request's body and answers `204 No Content` at once (the gateway's delivery cost is what is
//! measured, not a receiver's) and, when stopped by SIGTERM or SIGINT, prints how many
//! deliveries it took. Reading the body matters: a server that answers before the body is read
//! closes the connection, and every delivery would pay for a new one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::{web, App, HttpResponse, HttpServer};

use crate::fail::Fallible;

#[derive(clap::Args)]
pub struct Options {
    /// The loopback port to listen on.
    #[arg(long)]
    pub port: u16,
}

/// Serves until stopped.
pub async fn receive(o: &Options) -> Fallible<()> {
    let taken = Arc::new(AtomicU64::new(0));
    let counter = taken.clone();
    HttpServer::new(move || {
        let counter = counter.clone();
        App::new().default_service(web::to(move |_body: web::Bytes| {
            counter.fetch_add(1, Ordering::Relaxed);
            async { HttpResponse::NoContent().finish() }
        }))
    })
    .workers(1)
    .bind(("127.0.0.1", o.port))
    .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", o.port))?
    .run()
    .await
    .map_err(|e| format!("receiver: {e}"))?;
    eprintln!("receive: {} deliveries", taken.load(Ordering::Relaxed));
    Ok(())
}
