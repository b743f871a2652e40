//! The official clients under testing mode, as a user's suite drives them: the QuickBlox SDK's
//! session expires when the clock moves 2 h + 1 s, the Amity SDK's renewal fails under an
//! injected 503 and succeeds after, palabra-ai's create is refused under an injected 401, and
//! a snapshot seeded at start-up already holds a working QuickSync session (ethers.js wallet).
//! Skipped only with `SG_SKIP_CLIENT_E2E=1`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::TestApp;
use reqwest::Method;
use serde_json::Value;

use super::state::seed_path;
use super::*;

/// Whether client end-to-end tests are skipped (`SG_SKIP_CLIENT_E2E=1`); says so for `what`.
pub(crate) fn skipped(what: &str) -> bool {
    let skip = std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1");
    if skip {
        println!("SKIPPED {what}: SG_SKIP_CLIENT_E2E=1");
    }
    skip
}

fn harness(dir: &str, installed: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    assert!(
        dir.join(installed).exists(),
        "the client is not installed in {}: run `bash scripts/install-client-deps.sh` \
         (or set SG_SKIP_CLIENT_E2E=1)",
        dir.display()
    );
    dir
}

/// Runs `cmd` within `secs`; its standard output, after asserting that it succeeded.
pub(crate) async fn run(mut cmd: tokio::process::Command, secs: u64) -> String {
    let out = tokio::time::timeout(Duration::from_secs(secs), cmd.kill_on_drop(true).output())
        .await
        .unwrap_or_else(|_| panic!("the client did not finish in {secs} s"))
        .expect("the client could not be started");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the client failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickblox_sdk_session_expires_when_the_clock_moves_two_hours() {
    if skipped("the QuickBlox SDK under a moved clock") {
        return;
    }
    let dir = harness("quickblox-e2e", "node_modules/quickblox");
    // The SDK speaks https only: a self-signed certificate that Node is told to trust.
    let tmp = std::env::temp_dir().join(format!(
        "sg-testing-qb-{}",
        session_core::token::random_hex(6).unwrap()
    ));
    std::fs::create_dir_all(&tmp).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (tmp.join("cert.pem"), tmp.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let mut settings = e2e::test_settings(&overlay());
    settings.server.tls_cert = Some(cert.clone());
    settings.server.tls_key = Some(key);
    let app = e2e::spawn_with(settings, std::sync::Arc::new(session_core::SystemClock)).await;
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg("testing-clock.js")
        .current_dir(&dir)
        .env("NODE_EXTRA_CA_CERTS", &cert)
        .env("QB_API", format!("127.0.0.1:{}", app.port))
        .env("QB_APP_ID", QB_APP.to_string())
        .env("QB_AUTH_KEY", QB_KEY)
        .env("QB_AUTH_SECRET", QB_SECRET)
        .env("QB_ADMIN_TOKEN", ADMIN_TOKEN);
    let stdout = run(cmd, 120).await;
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(stdout.contains("expired after 2 h + 1 s ok"), "{stdout}");
    assert!(stdout.contains("all checks passed"), "{stdout}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amity_sdk_renewal_fails_under_an_injected_503_and_succeeds_after() {
    if skipped("the Amity SDK under an injected fault") {
        return;
    }
    let dir = harness("amity-e2e", "node_modules/@amityco/ts-sdk");
    let app = e2e::spawn_app(&overlay()).await;
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg("testing-faults.mjs")
        .arg(&app.address)
        .arg(AM_KEY)
        .arg(ADMIN_TOKEN)
        .current_dir(&dir);
    let stdout = run(cmd, 90).await;
    assert!(
        stdout.contains("renewal refused under the injected 503"),
        "{stdout}"
    );
    assert!(stdout.contains("amity testing faults: OK"), "{stdout}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn palabra_ai_create_is_refused_under_an_injected_401() {
    if skipped("palabra-ai under an injected fault") {
        return;
    }
    let dir = harness("session-storage-e2e", ".venv/bin/python");
    let app = e2e::spawn_app_on_redis(&overlay()).await;
    let mut cmd = tokio::process::Command::new(dir.join(".venv/bin/python"));
    cmd.arg(dir.join("testing_faults.py"))
        .arg(&app.address)
        .env("SS_CLIENT_ID", SS_A.0)
        .env("SS_CLIENT_SECRET", SS_A.1)
        .env("SS_ADMIN_TOKEN", ADMIN_TOKEN)
        .env_remove("PALABRA_CLIENT_ID")
        .env_remove("PALABRA_CLIENT_SECRET");
    let stdout = run(cmd, 120).await;
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["refused"], "AuthError");
    // The journal saw the refusal with the rule that made it, then the real create.
    let journal = expect(
        admin(&app, Method::GET, "/requests?flavor=session-storage"),
        200,
    )
    .await;
    let creates: Vec<(u64, bool)> = journal["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "POST")
        .map(|e| (e["status"].as_u64().unwrap(), e["fault"].is_u64()))
        .collect();
    assert_eq!(creates, [(201, false), (401, true)]);
    app.stop().await;
}

/// A session made on one gateway (memory), put in a seed file, answers on a gateway started
/// from that file (Redis), for the same ethers.js client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_snapshot_holds_a_working_quicksync_session() {
    if skipped("the QuickSync client on a seeded gateway") {
        return;
    }
    let dir = harness("quicksync-e2e", "node_modules/ethers");
    let first = e2e::spawn_app(&overlay()).await;
    let client = |app: &TestApp, mode: &str| {
        let mut cmd = tokio::process::Command::new("node");
        cmd.arg("seeded.mjs")
            .current_dir(&dir)
            .env("QS_MODE", mode)
            .env("QS_BASE_URL", &app.address)
            .env("QS_API_KEY", QS_KEY);
        cmd
    };
    let made: Value = serde_json::from_str(
        run(client(&first, "seed"), 60)
            .await
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    let snapshot = expect(admin(&first, Method::GET, "/snapshot"), 200).await;
    first.stop().await;
    let path = seed_path(&snapshot);
    let seeded = e2e::spawn_app_on_redis(&overlay_with(&format!(
        "seed_file = \"{}\"",
        path.display()
    )))
    .await;
    let mut cmd = client(&seeded, "resume");
    cmd.env("QS_SESSION_ID", made["sessionId"].as_str().unwrap())
        .env("QS_HOST_TOKEN", made["hostToken"].as_str().unwrap());
    let stdout = run(cmd, 60).await;
    let _ = std::fs::remove_file(&path);
    assert!(stdout.contains("quicksync seeded session: ok"), "{stdout}");
    seeded.stop().await;
}
