//! `session-gateway openapi` prints the OpenAPI 3.1 document of the enabled flavors to stdout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn gateway() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_session-gateway"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

fn print(enabled: Option<&str>) -> serde_json::Value {
    let mut cmd = gateway();
    cmd.arg("openapi");
    if let Some(enabled) = enabled {
        cmd.env("GATEWAY__FLAVORS__ENABLED", enabled);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
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
