//! SIGTERM and SIGINT (Ctrl-C) both stop the gateway gracefully: it stops accepting, and
//! in-flight requests get `server.shutdown_timeout_secs` to finish (docs/configuration.md).

use std::future::Future;

/// Installs the SIGTERM and SIGINT handlers now (so a signal sent right after start-up is not
/// lost to the default action) and returns a future that resolves on the first of them, after
/// saying what happens next. Without a signal handler (it could not be installed), the future
/// never resolves: the server is then stopped by its handle. Call it inside the runtime.
pub fn on_signal(timeout_secs: u64) -> impl Future<Output = ()> {
    let received = handlers();
    async move {
        let name = received.await;
        tracing::info!(
            "{name} received: stopping gracefully; in-flight requests get up to {timeout_secs} s \
             (server.shutdown_timeout_secs)"
        );
    }
}

#[cfg(unix)]
fn handlers() -> impl Future<Output = &'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let installed = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        match installed {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => std::future::pending().await,
        }
    }
}

#[cfg(not(unix))]
fn handlers() -> impl Future<Output = &'static str> {
    async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    }
}
