//! The real `session-gateway` binary as a child process: what only a process shows (its log
//! lines on standard output, its open-file limit, its exit status).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The gateway binary of this workspace, built (or found fresh) in the target directory cargo
/// uses (`CARGO_TARGET_DIR` when set); `SESSION_GATEWAY_BIN`, when set, names a binary to run
/// instead (a release build, to measure the process tests' bounds on what operators run).
pub fn binary() -> PathBuf {
    if let Some(given) = std::env::var_os("SESSION_GATEWAY_BIN") {
        return PathBuf::from(given);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "gateway", "--bin", "session-gateway"])
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success(), "cannot build the gateway binary");
    target.join("debug/session-gateway")
}

/// A running gateway process; killed when dropped.
pub struct Gateway {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    /// Starts the binary with `config` and `env` (`GATEWAY__...`; JSON logs at INFO on one
    /// worker unless `env` says otherwise), after `ulimit -n <open_files>` when given; waits until it listens.
    pub fn start(config: &Path, env: &[(&str, &str)], open_files: Option<u32>) -> Self {
        let mut cmd = Command::new("sh");
        let script = match open_files {
            Some(n) => format!("ulimit -n {n} && exec \"$0\" \"$@\""),
            None => "exec \"$0\" \"$@\"".to_owned(),
        };
        cmd.arg("-c")
            .arg(script)
            .arg(binary())
            .args(["serve", "--config"])
            .arg(config)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("APP_ENV", "test")
            .env("GATEWAY__SERVER__HOST", "127.0.0.1")
            .env("GATEWAY__SERVER__PORT", "0")
            .env("GATEWAY__SERVER__WORKERS", "1")
            .env("GATEWAY__LOG__FORMAT", "json")
            .env("GATEWAY__LOG__LEVEL", "info")
            .env("GATEWAY__STORE__TOKEN_SECRET", "process-secret-0123456789");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = stderr.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr_pipe.read_to_string(&mut s);
            err.lock().unwrap().push_str(&s);
        });
        let mut reader = BufReader::new(stdout).lines();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let base = loop {
            let line = reader
                .next()
                .expect("the gateway exited before listening")
                .unwrap();
            lines.lock().unwrap().push(line.clone());
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if let Some(a) = v["address"].as_str() {
                    break a.to_owned();
                }
            }
            if let Some((_, rest)) = line.split_once("address=") {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
        };
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in reader.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            base,
            lines,
            stderr,
        }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The `host:port` it listens on.
    pub fn socket(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }

    /// Every line written to standard output so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Everything written to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the pipe readers take the last lines.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            assert!(start.elapsed() < limit, "the gateway did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
