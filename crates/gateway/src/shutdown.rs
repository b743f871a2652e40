//! SIGTERM and SIGINT (Ctrl-C) both stop the gateway gracefully: it stops accepting, and
//! in-flight requests get `server.shutdown_timeout_secs` to finish (docs/configuration.md).

/// Resolves on the first SIGTERM or SIGINT, after saying what happens next. Without a signal
/// handler (it could not be installed), never resolves: the server is then stopped by its handle.
pub async fn on_signal(timeout_secs: u64) {
    let name = received().await;
    tracing::info!(
        "{name} received: stopping gracefully; in-flight requests get up to {timeout_secs} s \
         (server.shutdown_timeout_secs)"
    );
}

#[cfg(unix)]
async fn received() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn received() -> &'static str {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "Ctrl-C",
        Err(_) => std::future::pending().await,
    }
}
