//! The admin console in a real browser: headless Chromium driven by Selenium
//! (`tests/console-e2e/console_test.py`) signs in, finds a session of every flavor by the names
//! people know and revokes it, kicks a group member and manages a tenant; then each flavor's
//! own token check refuses what was revoked, in its own format, and accepts what was not.

use std::path::PathBuf;
use std::time::Duration;

use e2e::open::{self, ADMIN_TOKEN, AMITY_NETWORK, QB_APP, QB_BOB, QS_KEY_NAME, SS_CLIENT};
use e2e::spawn_app;
use serde_json::{json, Value};

/// How long the browser script may take before it is stopped.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);

/// Where the screenshots go: `target/console-e2e` (the shared target directory when one is set).
fn shots() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("console-e2e")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_finds_and_revokes_sessions_of_every_flavor_in_the_console() {
    if std::env::var("SG_SKIP_CLIENT_E2E").as_deref() == Ok("1") {
        eprintln!("SKIPPED: console browser e2e (SG_SKIP_CLIENT_E2E=1)");
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console-e2e");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.is_file() && std::path::Path::new("/usr/bin/chromedriver").is_file(),
        "the browser test needs Selenium and chromedriver; run `make test-deps` (Debian packages \
         chromium and chromium-driver, then tests/console-e2e/.venv), or set SG_SKIP_CLIENT_E2E=1"
    );
    let app = spawn_app(open::TENANTS).await;
    let ua = "Mozilla/5.0 (X11; Linux x86_64) console-test";
    // What the browser will revoke, found by the names people know.
    let bob = open::quickblox(&app, true, ua).await;
    let alice_phone = open::amity(&app, "alice", "alice-phone", ua).await;
    let alice_laptop = open::amity(&app, "alice", "alice-laptop", ua).await;
    let host_wallet = open::wallet();
    let host = open::quicksync(&app, &host_wallet, ua).await;
    let storage = open::session_storage(&app, ua).await;
    // A group whose client the browser kicks, and sessions nobody touches.
    let other_host = open::quicksync(&app, &open::wallet(), ua).await;
    let member = open::quicksync_join(&app, &other_host, &open::wallet(), ua).await;
    let app_session = open::quickblox(&app, false, ua).await;
    let carol = open::amity(&app, "carol", "carol-phone", ua).await;

    let targets = json!([
        {"flavor": "quickblox", "tenant": QB_APP, "user": QB_BOB},
        {"flavor": "amity", "tenant": AMITY_NETWORK, "user": "alice", "all": true},
        {"flavor": "quicksync", "tenant": QS_KEY_NAME, "user": host_wallet},
        {"flavor": "session-storage", "tenant": SS_CLIENT, "user": storage.credential},
    ]);
    let shots = shots();
    std::fs::create_dir_all(&shots).unwrap();
    let run = tokio::process::Command::new(&python)
        .arg(dir.join("console_test.py"))
        .env("SG_URL", &app.address)
        .env("SG_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("SG_TARGETS", targets.to_string())
        .env("SG_GROUP_TENANT", QS_KEY_NAME)
        .env(
            "SG_UNTOUCHED",
            json!({"tenant": AMITY_NETWORK, "user": "carol"}).to_string(),
        )
        .env("SG_SHOTS", &shots)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(SCRIPT_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("the browser script did not finish in {SCRIPT_TIMEOUT:?}"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser script failed (screenshots in {})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        shots.display()
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["revoked"].as_array().unwrap().len(), 4, "{report}");
    for t in report["timings"].as_object().unwrap().values() {
        assert!(t.as_f64().unwrap() < 60.0, "{report}");
    }
    for name in ["overview", "sessions", "group", "tenants", "sessions-phone"] {
        assert!(shots.join(format!("{name}.png")).is_file(), "{name}.png");
    }

    // Each flavor's own check refuses what the console revoked, in its own format...
    for revoked in [&bob, &alice_phone, &alice_laptop, &host, &storage, &member] {
        open::assert_refused(&app, revoked).await;
    }
    // ...and accepts what it did not touch, Carol's sessions included, which calls without
    // the admin token tried to revoke.
    for kept in [&other_host, &app_session, &carol] {
        open::assert_accepted(&app, kept).await;
    }
    // The tenant the browser added is gone again, and the one a wrong token tried to add never
    // came.
    let r = app
        .client
        .post(app.url("/session-storage/session"))
        .header("ClientID", "console-client")
        .header("ClientSecret", "console-secret-1")
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .post(app.url("/session-storage/session"))
        .header("ClientID", "intruder")
        .header("ClientSecret", "intruder-secret-1")
        .json(&json!({"data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
