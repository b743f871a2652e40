//! `session-gateway`: serve the session APIs, check a configuration, or print the OpenAPI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gateway::configuration::Settings;
use gateway::startup::{Application, Stopped};
use gateway::telemetry;

#[derive(Parser)]
#[command(
    name = "session-gateway",
    version,
    about = "Self-hosted, wire-compatible session APIs"
)]
struct Cli {
    /// A configuration file layered over the built-in defaults (also $GATEWAY_CONFIG).
    #[arg(long, global = true, env = "GATEWAY_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the enabled flavors (the default).
    Serve,
    /// Validate the configuration and print the effective settings, secrets masked.
    CheckConfig,
    /// Print the OpenAPI 3.1 document (JSON) of the flavors the configuration enables.
    Openapi,
    /// Seal every run-time tenant document under `store.secrets_key` and file it under the
    /// active token key, removing copies under keys no longer listed; prints counts per kind.
    RotateSecrets,
    /// Probe a running gateway's /healthz on this host (for container health checks without a
    /// shell): exit 0 when it answers 200.
    Healthcheck {
        /// Port to probe; defaults to `server.port`.
        #[arg(long)]
        port: Option<u16>,
    },
}

/// mimalloc: small, short-lived allocations are most of what a request makes, and it serves
/// them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("session-gateway: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => print(&settings.masked_toml()),
        Command::Serve => serve(settings),
        Command::RotateSecrets => rotate_secrets(&settings),
        Command::Openapi => {
            let document = gateway::openapi::served(&settings);
            match document.to_pretty_json() {
                Ok(json) => print(&json),
                Err(e) => {
                    eprintln!("session-gateway: cannot render the OpenAPI document: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Healthcheck { port } => {
            let port = port.unwrap_or(settings.server.port);
            match gateway::health::probe(port, std::time::Duration::from_secs(2)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("session-gateway: unhealthy: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn rotate_secrets(settings: &Settings) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("session-gateway: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let clock = std::sync::Arc::new(session_core::SystemClock);
    let raw = match gateway::keys::raw_store(&settings.store, clock) {
        Ok(raw) => raw,
        Err(e) => {
            eprintln!("session-gateway: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ring = gateway::keys::token_ring(&settings.store);
    let sealer = gateway::keys::sealer(&settings.store);
    if !sealer.seals() {
        eprintln!("session-gateway: warning: store.secrets_key is unset; documents stay plain");
    }
    match runtime.block_on(gateway::rotate_secrets::run(raw.as_ref(), &ring, &sealer)) {
        Ok(report) => {
            println!("{report}");
            if report.total().unreadable > 0 {
                eprintln!(
                    "session-gateway: some documents do not open with the configured keys \
                     (list their key in store.previous_secrets_keys, or remove them)"
                );
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("session-gateway: rotate-secrets: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` and a newline to standard output. A reader that goes away early
/// (`session-gateway openapi | head`) is no error.
fn print(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("session-gateway: cannot write to standard output: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The exit status of a shutdown that had to drop in-flight requests.
const DROPPED_REQUESTS: u8 = 3;

fn serve(settings: Settings) -> ExitCode {
    telemetry::init(&settings.log);
    let failure = match actix_web::rt::System::new().block_on(async { run(settings).await }) {
        Ok(Stopped { dropped: 0 }) => {
            tracing::info!("session-gateway stopped");
            return ExitCode::SUCCESS;
        }
        Ok(Stopped { dropped }) => {
            tracing::error!(
                dropped,
                "forced shutdown: in-flight requests were dropped after server.shutdown_timeout_secs"
            );
            eprintln!("session-gateway: forced shutdown dropped {dropped} in-flight request(s)");
            return ExitCode::from(DROPPED_REQUESTS);
        }
        Err(e) => e,
    };
    tracing::error!(error = %failure, "the gateway stopped");
    eprintln!("session-gateway: {failure}");
    ExitCode::FAILURE
}

async fn run(settings: Settings) -> Result<Stopped, gateway::startup::StartupError> {
    let app = Application::build(settings.clone()).await?;
    gateway::startup_summary::Summary::new(&settings, app.address()).log(settings.log.format);
    gateway::store_watch::spawn(&settings.store);
    app.run_until_signalled().await
}
