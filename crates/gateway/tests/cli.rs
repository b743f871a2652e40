//! The binary's command line: `check-config` validates and masks, and refuses a bad config with a
//! one-line message and exit code 1; `openapi` prints the document of the enabled flavors;
//! `serve` answers and stops gracefully; `healthcheck` probes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn gateway() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_session-gateway"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// The standard output of a run that must succeed.
fn succeeded(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write_config(text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sg-cli-{}-{}",
        std::process::id(),
        session_core::token::random_hex(4).unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gateway.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_config_prints_effective_settings_with_secrets_masked() {
    let file = write_config("[store]\ntoken_secret = \"very-secret-value-123456\"\n");
    let out = gateway()
        .args(["check-config", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let text = succeeded(out);
    assert!(text.contains("[store]"));
    assert!(text.contains("backend = \"memory\""));
    assert!(!text.contains("very-secret-value-123456"));
}

#[test]
fn check_config_refuses_a_bad_config_in_one_line() {
    for (text, expect) in [
        ("[store]\ntimeout_ms = 0\n", "store.timeout_ms"),
        ("[flavors]\nenabled = [\"nope\"]\n", "nope"),
        ("[server\nport = 1\n", "gateway.toml"),
    ] {
        let file = write_config(text);
        let out = gateway()
            .args(["check-config", "--config"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expect), "{text}: {err}");
    }
}

#[test]
fn production_refuses_the_default_token_secret() {
    let out = gateway()
        .arg("check-config")
        .env("APP_ENV", "production")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("store.token_secret"), "{err}");
}

#[test]
fn environment_variables_override_files() {
    let out = gateway()
        .arg("check-config")
        .env("GATEWAY__SERVER__PORT", "9191")
        .env("GATEWAY__FLAVORS__ENABLED", "amity,quickblox")
        .output()
        .unwrap();
    let text = succeeded(out);
    assert!(text.contains("port = 9191"), "{text}");
    assert!(text.contains("\"amity\""), "{text}");
    assert!(!text.contains("\"quicksync\""), "{text}");
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::time::{Duration, Instant};

    let mut child = gateway()
        .arg("serve")
        .env("APP_ENV", "test")
        .env("GATEWAY__SERVER__PORT", "0")
        .env("GATEWAY__SERVER__WORKERS", "1")
        .env("GATEWAY__LOG__FORMAT", "json")
        .env("GATEWAY__LOG__LEVEL", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the gateway printed no address")
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
        if let Some(a) = v["address"].as_str() {
            break a.trim_start_matches("http://").to_owned();
        }
    };
    let port = address.rsplit(':').next().unwrap().to_owned();
    succeeded(
        gateway()
            .args(["healthcheck", "--port", &port])
            .output()
            .unwrap(),
    );
    let mut conn = std::net::TcpStream::connect(&address).unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains(r#"{"status":"ok"}"#), "{response}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(code) = child.try_wait().unwrap() {
            assert!(code.success(), "exit status {code}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let probe = gateway()
        .args(["healthcheck", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(probe.status.code(), Some(1), "nothing listens any more");
}

/// The document `openapi` prints, with `[flavors] enabled` set to `enabled` when given.
fn print(enabled: Option<&str>) -> serde_json::Value {
    let mut cmd = gateway();
    cmd.arg("openapi");
    if let Some(enabled) = enabled {
        cmd.env("GATEWAY__FLAVORS__ENABLED", enabled);
    }
    let text = succeeded(cmd.output().unwrap());
    assert!(text.contains("\n  \"openapi\""), "pretty JSON expected");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn openapi_prints_the_document_of_the_configured_flavors() {
    let doc = print(None);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["info"]["title"], "session-gateway");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    for path in [
        "/healthz",
        "/session.json",
        "/session-storage/sessions/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }

    let doc = print(Some("quickblox"));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/login.json"));
    assert!(!paths.keys().any(|p| p.starts_with("/session-storage")));
}

#[test]
fn openapi_refuses_a_bad_config() {
    let out = gateway()
        .arg("openapi")
        .env("GATEWAY__FLAVORS__ENABLED", "nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn testing_mode_is_refused_in_production() {
    let out = gateway()
        .arg("check-config")
        .env("APP_ENV", "production")
        .env("GATEWAY__STORE__TOKEN_SECRET", "0123456789abcdef0123")
        .env("GATEWAY__ADMIN__TOKEN", "admin-token-0123456789")
        .env("GATEWAY__TESTING__ENABLED", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("testing.enabled"), "{err}");
    assert!(err.contains("APP_ENV=production"), "{err}");
    // `serve` refuses to start the same way, before it binds anything.
    let out = gateway()
        .arg("serve")
        .env("APP_ENV", "production")
        .env("GATEWAY__STORE__TOKEN_SECRET", "0123456789abcdef0123")
        .env("GATEWAY__ADMIN__TOKEN", "admin-token-0123456789")
        .env("GATEWAY__TESTING__ENABLED", "true")
        .env("GATEWAY__SERVER__PORT", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("testing.enabled"));
    // Off, production starts from the same settings.
    let out = gateway()
        .arg("check-config")
        .env("APP_ENV", "production")
        .env("GATEWAY__STORE__TOKEN_SECRET", "0123456789abcdef0123")
        .env("GATEWAY__ADMIN__TOKEN", "admin-token-0123456789")
        .output()
        .unwrap();
    assert!(succeeded(out).contains("enabled = false"));
}

#[test]
fn openapi_documents_testing_mode_only_when_it_is_on() {
    assert!(print(None)["paths"]["/admin/v1/testing/clock"].is_null());
    let mut cmd = gateway();
    cmd.arg("openapi")
        .env("APP_ENV", "test")
        .env("GATEWAY__ADMIN__TOKEN", "admin-token-0123456789")
        .env("GATEWAY__TESTING__ENABLED", "true");
    let doc: serde_json::Value = serde_json::from_str(&succeeded(cmd.output().unwrap())).unwrap();
    assert!(doc["paths"]["/admin/v1/testing/clock"]["post"].is_object());
    assert!(doc["paths"]["/admin/v1/testing/snapshot"]["put"].is_object());
}
