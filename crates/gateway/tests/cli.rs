//! The binary's command line: `check-config` validates and masks, and refuses a bad config with a
//! one-line message and exit code 1; `openapi` prints the document of the enabled flavors;
//! `serve` answers and stops gracefully; `healthcheck` probes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

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

/// The repository's `config/`.
fn repo_config() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

#[test]
fn production_refuses_the_default_token_secret() {
    let out = gateway()
        .arg("check-config")
        .env("APP_ENV", "production")
        .env("GATEWAY_CONFIG_DIR", repo_config())
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

/// Waits up to 10 s for `child` to exit after `signal`, and asserts a zero status.
fn exits_cleanly_within_10s(child: &mut std::process::Child, signal: &str) {
    let started = Instant::now();
    loop {
        if let Some(code) = child.try_wait().unwrap() {
            assert!(code.success(), "exit status {code} after {signal}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after {signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_answers_summarizes_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};

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
            // The start-up summary, one structured event.
            assert_eq!(v["message"], "session-gateway started", "{v}");
            assert_eq!(v["level"], "INFO");
            assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
            assert_eq!(v["environment"], "test");
            assert_eq!(v["store_backend"], "memory");
            assert_eq!(v["admin_api"], false);
            let flavors = v["flavors"].as_str().unwrap();
            assert!(
                flavors.contains("quickblox /session.json /login.json"),
                "{v}"
            );
            assert_eq!(v["docs"], format!("{a}/docs"));
            assert_eq!(v["readyz"], format!("{a}/readyz"));
            assert_eq!(v["metrics"], format!("{a}/metrics"));
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
    exits_cleanly_within_10s(&mut child, "SIGTERM");
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
fn openapi_into_a_closed_pipe_is_no_error() {
    // `session-gateway openapi | head`: the reader is gone before the document is written.
    let mut child = gateway()
        .arg("openapi")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

/// A run of `args` with `env`, from the directory `cwd`: its exit code and standard error.
fn run_in(cwd: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = gateway();
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

/// Asserts a refusal: exit 1 with one line that contains every one of `expect`.
fn refused(run: (Option<i32>, String), expect: &[&str]) {
    let (code, err) = run;
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{e} missing from: {err}");
    }
}

#[test]
fn a_named_environment_without_its_overlay_is_refused_by_check_config_and_serve() {
    let config = repo_config().canonicalize().unwrap();
    let config = config.to_str().unwrap();
    for cmd in ["check-config", "serve"] {
        refused(
            run_in(
                &std::env::temp_dir(),
                &[cmd],
                &[("APP_ENV", "prodution"), ("GATEWAY_CONFIG_DIR", config)],
            ),
            &[
                "APP_ENV=prodution: no overlay",
                &format!("{config}/prodution.toml"),
                "local, production, test",
            ],
        );
        refused(
            run_in(
                &std::env::temp_dir(),
                &[cmd],
                &[
                    ("APP_ENV", "staging"),
                    ("GATEWAY_CONFIG_DIR", "/nonexistent-sg-dir"),
                ],
            ),
            &["GATEWAY_CONFIG_DIR: /nonexistent-sg-dir is not a directory"],
        );
    }
}

#[test]
fn overlays_are_found_next_to_the_binary_not_in_the_working_directory() {
    // An installation: <root>/bin/session-gateway and <root>/config/{default,staging}.toml.
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "sg-install-{}-{}",
        std::process::id(),
        session_core::token::random_hex(4).unwrap()
    ));
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::fs::create_dir_all(root.join("elsewhere/config")).unwrap();
    let binary = root.join("bin/session-gateway");
    std::fs::hard_link(env!("CARGO_BIN_EXE_session-gateway"), &binary)
        .or_else(|_| std::fs::copy(env!("CARGO_BIN_EXE_session-gateway"), &binary).map(|_| ()))
        .unwrap();
    std::fs::write(root.join("config/default.toml"), "").unwrap();
    std::fs::write(root.join("config/staging.toml"), "[server]\nport = 9311\n").unwrap();
    // The working directory's config/ is not read.
    std::fs::write(root.join("elsewhere/config/default.toml"), "").unwrap();
    std::fs::write(
        root.join("elsewhere/config/staging.toml"),
        "[server]\nport = 9322\n",
    )
    .unwrap();
    let out = Command::new(&binary)
        .env_clear()
        .env("APP_ENV", "staging")
        .env("GATEWAY__STORE__TOKEN_SECRET", "0123456789abcdef-staging")
        .current_dir(root.join("elsewhere"))
        .arg("check-config")
        .output()
        .unwrap();
    let text = succeeded(out);
    assert!(text.contains("port = 9311"), "{text}");
    // GATEWAY_CONFIG_DIR wins over the directory next to the binary.
    let out = Command::new(&binary)
        .env_clear()
        .env("APP_ENV", "staging")
        .env("GATEWAY__STORE__TOKEN_SECRET", "0123456789abcdef-staging")
        .env("GATEWAY_CONFIG_DIR", root.join("elsewhere/config"))
        .current_dir(&root)
        .arg("check-config")
        .output()
        .unwrap();
    assert!(succeeded(out).contains("port = 9322"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn an_invalid_log_level_is_refused_by_check_config_and_serve() {
    for cmd in ["check-config", "serve"] {
        refused(
            run_in(
                &std::env::temp_dir(),
                &[cmd],
                &[("GATEWAY__LOG__LEVEL", "verbose!!")],
            ),
            &[
                "log.level: `verbose!!` is not a level or filter",
                "trace, debug, info, warn, error, off",
                "(set in environment variable GATEWAY__LOG__LEVEL)",
            ],
        );
    }
}

#[test]
fn config_errors_name_the_dotted_key_the_valid_values_and_the_absolute_file() {
    let file = write_config("[[quickblox.applications]]\napplication_id = 1\nauth_key = \"k\"\n");
    let shown = file.canonicalize().unwrap().display().to_string();
    // Given by a path relative to the working directory.
    let dir = file.parent().unwrap();
    let cwd = dir.join("sub");
    std::fs::create_dir_all(&cwd).unwrap();
    // No overlay of the repository's (its demo tenants would be blamed for what is missing).
    let no_overlays = [("GATEWAY_CONFIG_DIR", cwd.to_str().unwrap())];
    let check_relative = || {
        run_in(
            &cwd,
            &["check-config", "--config", "../gateway.toml"],
            &no_overlays,
        )
    };
    refused(
        check_relative(),
        &[&format!(
            "quickblox.applications[0].auth_secret: is required (set in {shown})"
        )],
    );
    std::fs::write(&file, "[flavors]\nenabled = [\"amity2\"]\n").unwrap();
    refused(
        check_relative(),
        &[&format!(
            "flavors.enabled[0]: unknown value `amity2`, expected one of `quicksync`, \
             `quickblox`, `amity`, `session-storage` (set in {shown})"
        )],
    );
    std::fs::write(&file, "[server]\nprot = 8080\n").unwrap();
    refused(
        check_relative(),
        &[
            "server.prot: unknown key, expected one of `host`, `port`",
            &shown,
        ],
    );
    refused(
        run_in(
            &cwd,
            &["check-config"],
            &[("GATEWAY__FLAVORS__ENABLED", "amity,amity2")],
        ),
        &[
            "flavors.enabled[1]: unknown value `amity2`",
            "GATEWAY__FLAVORS__ENABLED",
        ],
    );
}

/// A `serve` child with JSON logs on standard output, and its lines.
struct Served {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<serde_json::Value>,
}

impl Served {
    fn start(env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let mut cmd = gateway();
        cmd.arg("serve")
            .env("APP_ENV", "test")
            .env("GATEWAY__SERVER__PORT", "0")
            .env("GATEWAY__SERVER__WORKERS", "1")
            .env("GATEWAY__LOG__FORMAT", "json")
            .env("GATEWAY__LOG__LEVEL", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Ok(v) = serde_json::from_str(&line) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Self { child, lines }
    }

    /// The first log event whose message contains `text`, within `within`.
    fn wait_for(&self, text: &str, within: std::time::Duration) -> serde_json::Value {
        let deadline = std::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if v["message"].as_str().is_some_and(|m| m.contains(text)) => return v,
                Ok(_) => {}
                Err(e) => panic!("no log line with {text:?} within {within:?}: {e}"),
            }
        }
    }

    /// The status of `GET path`.
    fn status(address: &str, path: &str) -> u16 {
        Self::get(address, path).0
    }

    /// The status and body of `GET path`.
    fn get(address: &str, path: &str) -> (u16, String) {
        Self::request(address, "GET", path, &[], "")
    }

    /// The status and body of `method path` with `headers` and `body`.
    fn request(
        address: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(address).unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let headers: String = headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        write!(
            conn,
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        let body = response
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_owned();
        (response[9..12].parse().unwrap(), body)
    }

    /// `http://host:port` of a started gateway.
    fn base_url(&self) -> String {
        let started = self.wait_for(
            "session-gateway started",
            std::time::Duration::from_secs(20),
        );
        started["address"].as_str().unwrap().to_owned()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn unreachable_redis_at_start_up_is_said_retried_and_not_ready() {
    // An ACL user, so that the URL carries a password the summary and the WARN must mask.
    let mut redis = session_redis::testing::RedisServer::start_with_args(&[
        "--user",
        "gw",
        "on",
        ">pass-word",
        "~*",
        "&*",
        "+@all",
    ]);
    redis.stop();
    let url = format!("redis://gw:pass-word@127.0.0.1:{}", redis.port());
    let served = Served::start(&[
        ("GATEWAY__STORE__BACKEND", "redis"),
        ("GATEWAY__STORE__URL", &url),
        ("GATEWAY__STORE__TIMEOUT_MS", "300"),
    ]);
    let started = served.wait_for("session-gateway started", Duration::from_secs(20));
    let address = started["address"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .to_owned();
    assert_eq!(
        started["store_target"],
        format!("redis://gw:********@127.0.0.1:{}", redis.port())
    );
    let warn = served.wait_for("is unreachable", Duration::from_secs(5));
    assert_eq!(warn["level"], "WARN");
    let message = warn["message"].as_str().unwrap();
    assert!(message.contains("retrying every 2 s"), "{message}");
    assert!(!message.contains("pass-word"), "{message}");
    assert_eq!(Served::status(&address, "/readyz"), 503);
    assert_eq!(Served::status(&address, "/healthz"), 200);

    redis.start_again();
    let back = served.wait_for("answers now", Duration::from_secs(10));
    assert_eq!(back["level"], "INFO");
    assert_eq!(Served::status(&address, "/readyz"), 200);
}

#[test]
fn ctrl_c_stops_gracefully_as_documented() {
    let mut served = Served::start(&[]);
    served.wait_for("session-gateway started", Duration::from_secs(20));
    // At once: the handlers are installed before the summary is logged.
    served.signal("INT");
    let said = served.wait_for("SIGINT received", Duration::from_secs(5));
    assert_eq!(
        said["message"],
        "SIGINT received: stopping gracefully; in-flight requests get up to 30 s \
         (server.shutdown_timeout_secs)"
    );
    exits_cleanly_within_10s(&mut served.child, "SIGINT");
    // configuration.md promises the same.
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"),
    )
    .unwrap();
    assert!(
        doc.contains("SIGTERM or SIGINT (Ctrl-C)"),
        "configuration.md says otherwise"
    );
}

#[test]
fn the_index_at_root_lists_the_flavors_and_links_in_every_environment() {
    let config = repo_config();
    for env in ["local", "test"] {
        let served = Served::start(&[
            ("APP_ENV", env),
            ("GATEWAY_CONFIG_DIR", config.to_str().unwrap()),
            ("GATEWAY__FLAVORS__ENABLED", "amity,session-storage"),
        ]);
        let base = served.base_url();
        let (status, body) = Served::get(base.trim_start_matches("http://"), "/");
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["service"], "session-gateway");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["flavors"][0]["name"], "amity");
        assert_eq!(v["flavors"][1]["name"], "session-storage");
        assert_eq!(v["flavors"].as_array().unwrap().len(), 2, "{v}");
        assert_eq!(v["links"]["docs"], "/docs/");
        assert_eq!(v["links"]["readyz"], "/readyz");
    }
}

/// The `sh` blocks of a Markdown file that are walk-throughs against a local gateway: those that
/// set a base URL (`B=http://127.0.0.1:8080`).
fn walkthroughs(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == "```sh" => current = Some(String::new()),
            None => {}
            Some(block) if line.starts_with("```") => {
                let is_walkthrough = block.lines().any(|l| {
                    l.split_once('=').is_some_and(|(name, value)| {
                        !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                            && value.trim_end() == "http://127.0.0.1:8080"
                    })
                });
                if is_walkthrough {
                    blocks.push(block.clone());
                }
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn every_docs_walkthrough_runs_verbatim_against_a_fresh_local_gateway() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    // What each walk-through shows at its end only when every step before it worked.
    let expected: &[(&str, &[&str])] = &[
        (
            "docs/amity.md",
            &[
                "Refresh token reuse detected",
                "Secure mode is off for this network",
                "\\\"userId\\\" must not be empty",
            ],
        ),
        (
            "docs/quickblox.md",
            &["Required session does not exist", "\"login\":\"alice\""],
        ),
        (
            "docs/quicksync.md",
            &["\"maxUsers\": 4", "\"role\": \"Client\"", "\"status\": 401"],
        ),
        ("docs/session-storage.md", &["SESSION_NOT_FOUND"]),
    ];
    let mut files: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(root.join("README.md"));
    files.sort();
    let mut ran = Vec::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        for block in walkthroughs(&std::fs::read_to_string(&file).unwrap()) {
            let served = Served::start(&[
                ("APP_ENV", "local"),
                ("GATEWAY_CONFIG_DIR", root.join("config").to_str().unwrap()),
            ]);
            let base = served.base_url();
            let script = block.replace("http://127.0.0.1:8080", &base);
            let mut child = Command::new("bash")
                .args(["-euo", "pipefail", "-c", &script])
                .current_dir(&root)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let started = Instant::now();
            while child.try_wait().unwrap().is_none() {
                if started.elapsed() > Duration::from_secs(60) {
                    let _ = child.kill();
                    panic!("{name}: the walk-through did not end within 60 s");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "{name}: the walk-through failed ({}):\n{stdout}\n{stderr}",
                out.status
            );
            if let Some((_, wanted)) = expected.iter().find(|(f, _)| *f == name) {
                for w in *wanted {
                    assert!(stdout.contains(w), "{name}: {w} missing from:\n{stdout}");
                }
            }
            ran.push(name.clone());
        }
    }
    for (file, _) in expected {
        assert!(
            ran.iter().any(|r| r == file),
            "{file} has no walk-through any more"
        );
    }
}

#[test]
fn serves_on_redis_over_tls_with_an_acl_user_single_node_and_cluster() {
    use session_redis::testing::{RedisCluster, RedisServer, TlsFiles};
    let files = TlsFiles::generate();
    let user = ("gateway", "s3cret-pass");
    let server = RedisServer::start_tls(&files, Some(user));
    let cluster = RedisCluster::start_tls(&files, Some(user));
    let ca = files.ca.display().to_string();
    let (cert, key) = (
        files.client_cert.display().to_string(),
        files.client_key.display().to_string(),
    );
    let single = server.tls_url(Some(user));
    let nodes = cluster.tls_urls().join(",");
    for (setting, urls) in [
        ("GATEWAY__STORE__URL", single.as_str()),
        ("GATEWAY__STORE__CLUSTER_URLS", nodes.as_str()),
    ] {
        let served = Served::start(&[
            ("GATEWAY__STORE__BACKEND", "redis"),
            (setting, urls),
            ("GATEWAY__STORE__TLS_CA_FILE", &ca),
            ("GATEWAY__STORE__TLS_CERT_FILE", &cert),
            ("GATEWAY__STORE__TLS_KEY_FILE", &key),
        ]);
        let started = served.wait_for("session-gateway started", Duration::from_secs(20));
        let target = started["store_target"].as_str().unwrap();
        assert!(
            target.contains("rediss://gateway:********@127.0.0.1:"),
            "{target}"
        );
        assert!(!target.contains("s3cret-pass"), "{target}");
        let answered = served.wait_for("store: Redis at", Duration::from_secs(10));
        assert_eq!(answered["level"], "INFO", "{answered}");
        let address = started["address"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://");
        assert_eq!(Served::status(address, "/readyz"), 200, "{setting}");
    }
}

#[test]
fn testing_mode_is_refused_in_production() {
    let out = gateway()
        .arg("check-config")
        .env("APP_ENV", "production")
        .env("GATEWAY_CONFIG_DIR", repo_config())
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
        .env("GATEWAY_CONFIG_DIR", repo_config())
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
        .env("GATEWAY_CONFIG_DIR", repo_config())
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

/// Waits for `cmd` to exit, killing it (and failing) after `within`: its output.
fn exited_within(cmd: &mut Command, within: std::time::Duration) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + within;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {within:?}: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn production_refuses_to_start_without_secrets_key_once_run_time_tenants_exist() {
    use std::time::Duration;
    let redis = session_redis::testing::RedisServer::start();
    let url = redis.url();
    let store = [
        ("GATEWAY__STORE__BACKEND", "redis"),
        ("GATEWAY__STORE__URL", url.as_str()),
    ];
    let admin = "cli-admin-token-0123456789";
    let config_dir = repo_config().display().to_string();
    let production = [
        ("APP_ENV", "production"),
        ("GATEWAY_CONFIG_DIR", config_dir.as_str()),
        (
            "GATEWAY__STORE__TOKEN_SECRET",
            "cli-production-token-secret-0123",
        ),
        ("GATEWAY__SERVER__HOST", "127.0.0.1"),
        ("GATEWAY__SERVER__PORT", "0"),
    ];

    // A run-time tenant, added through the admin API of a gateway with a secrets key.
    {
        let mut env = store.to_vec();
        env.extend([
            ("GATEWAY__ADMIN__TOKEN", admin),
            (
                "GATEWAY__STORE__SECRETS_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
        ]);
        let served = Served::start(&env);
        let base = served.base_url();
        let (status, body) = Served::request(
            base.trim_start_matches("http://"),
            "PUT",
            "/admin/v1/tenants/session-storage-clients",
            &[
                ("Authorization", &format!("Bearer {admin}")),
                ("Content-Type", "application/json"),
            ],
            r#"{"client_id": "cli-client", "client_secret": "cli-client-secret-0123"}"#,
        );
        assert_eq!(status, 201, "{body}");
    }

    // Production without `store.secrets_key`: refused, naming the key, before it serves.
    let out = exited_within(
        gateway().arg("serve").envs(production).envs(store),
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("store.secrets_key"), "{err}");
    assert!(err.contains("holds 1 run-time tenant document;"), "{err}");
    assert!(err.contains("GATEWAY__STORE__SECRETS_KEY"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");

    // The same production start on an empty store serves.
    assert_eq!(redis.command(&["FLUSHALL"]).as_deref(), Some("OK"));
    let mut env = production.to_vec();
    env.extend(store);
    let served = Served::start(&env);
    let base = served.base_url();
    assert_eq!(
        Served::status(base.trim_start_matches("http://"), "/readyz"),
        200
    );
}
