//! Real `redis-server` processes for tests (feature `test-harness`): a single node and a
//! 3-master Redis Cluster, each on free loopback ports with a directory of its own.
//!
//! Every server is killed when its handle drops. A small shell watchdog also kills it (and
//! removes its directory) once the test process is gone, so servers kept in a `static` — whose
//! destructors never run — are never left behind either.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to answer PING after it was spawned.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new cluster may take to report `cluster_state:ok` on every node.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(30);

/// One `redis-server` process on a free loopback port, without persistence.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    /// Extra command-line arguments (cluster settings), kept for [`RedisServer::start_again`].
    extra: Vec<String>,
    process: Option<Supervised>,
}

#[derive(Debug)]
struct Supervised {
    server: Child,
    watchdog: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers PING.
    ///
    /// Panics when `redis-server` is not on PATH or does not come up.
    pub fn start() -> Self {
        Self::start_with(|_| Vec::new())
    }

    /// Starts a server with extra command-line arguments (e.g. `--maxmemory 2mb`).
    pub fn start_with_args(args: &[&str]) -> Self {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Self::start_with(move |_| args.clone())
    }

    /// Sends one command to the server over a fresh connection: the reply as text, `None` on
    /// failure or an error reply.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        query(self.port, args)
    }

    /// Starts a server with extra arguments computed from its directory (retried on port
    /// collisions with fresh ports).
    fn start_with(extra: impl Fn(&Path) -> Vec<String>) -> Self {
        let mut last_log = String::new();
        for _ in 0..20 {
            let port = free_port();
            let dir = fresh_dir(port);
            let extra = extra(&dir);
            if let Some(process) = launch(port, &dir, &extra) {
                return Self {
                    port,
                    dir,
                    extra,
                    process: Some(process),
                };
            }
            last_log = std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default();
            let _ = std::fs::remove_dir_all(&dir);
        }
        panic!("redis-server did not start after 20 attempts; last log:\n{last_log}");
    }

    /// A server that also speaks TLS (with `tls`'s certificates, client certificates optional)
    /// on a port of its own, and knows the ACL user `user` (password, all commands) besides the
    /// default user the harness uses on the plain port.
    pub fn start_tls(tls: &TlsFiles, user: Option<(&str, &str)>) -> Self {
        let mut base = tls.server_args();
        if let Some(user) = user {
            base.extend(acl_user_args(user));
        }
        Self::start_with(move |_| {
            let mut args = vec!["--tls-port".into(), free_port().to_string()];
            args.extend(base.iter().cloned());
            args
        })
    }

    /// `rediss://[user:password@]127.0.0.1:<tls port>/` of a server started by
    /// [`RedisServer::start_tls`].
    pub fn tls_url(&self, user: Option<(&str, &str)>) -> String {
        let auth = user.map(|(u, p)| format!("{u}:{p}@")).unwrap_or_default();
        format!("rediss://{auth}127.0.0.1:{}/", self.tls_port().unwrap_or(0))
    }

    fn tls_port(&self) -> Option<u16> {
        let at = self.extra.iter().position(|a| a == "--tls-port")?;
        self.extra.get(at + 1)?.parse().ok()
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port the server listens on (kept across [`RedisServer::stop`] and
    /// [`RedisServer::start_again`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server process is running.
    pub fn is_running(&self) -> bool {
        self.process.is_some()
    }

    /// Kills the server (by pid) and waits for it to exit. Its data is gone.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            let _ = p.server.kill();
            let _ = p.server.wait();
            if let Some(mut w) = p.watchdog.take() {
                let _ = w.kill();
                let _ = w.wait();
            }
        }
    }

    /// Starts the stopped server again on the same port, in the same directory.
    pub fn start_again(&mut self) {
        assert!(self.process.is_none(), "the server is still running");
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(p) = launch(self.port, &self.dir, &self.extra) {
                self.process = Some(p);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "redis-server did not start again on port {}; log:\n{}",
            self.port,
            std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `--user <name> on ><password> ~* &* +@all`: an ACL user allowed everything.
fn acl_user_args((name, password): (&str, &str)) -> Vec<String> {
    vec![
        "--user".into(),
        name.into(),
        "on".into(),
        format!(">{password}"),
        "~*".into(),
        "&*".into(),
        "+@all".into(),
    ]
}

/// A Redis Cluster of three masters (with or without a replica each), all slots assigned.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
    /// The ACL user of a TLS cluster, in its [`RedisCluster::tls_urls`].
    user: Option<(String, String)>,
}

impl RedisCluster {
    /// Starts three cluster-enabled servers, joins them with `redis-cli --cluster create` and
    /// waits until every node reports `cluster_state:ok`.
    pub fn start() -> Self {
        Self::start_with_replicas(0, 5000)
    }

    /// Three masters with `replicas` replicas each (so `3 * (1 + replicas)` nodes) and the given
    /// `cluster-node-timeout` (how soon a dead master is failed over).
    pub fn start_with_replicas(replicas: usize, node_timeout_ms: u32) -> Self {
        Self::start_nodes(replicas, node_timeout_ms, None)
    }

    /// Three masters that speak TLS to clients and to each other (`--tls-cluster yes`), with
    /// `tls`'s certificates, and know the ACL user `user` (password, all commands) besides the
    /// default user the harness uses; clients connect with [`RedisCluster::tls_urls`].
    pub fn start_tls(tls: &TlsFiles, user: Option<(&str, &str)>) -> Self {
        let mut cluster = Self::start_nodes(0, 5000, Some((tls, user)));
        cluster.user = user.map(|(n, p)| (n.to_owned(), p.to_owned()));
        cluster
    }

    fn start_nodes(
        replicas: usize,
        node_timeout_ms: u32,
        tls: Option<(&TlsFiles, Option<(&str, &str)>)>,
    ) -> Self {
        let tls_args: Vec<String> = match tls {
            Some((t, user)) => {
                let mut a = t.server_args();
                a.extend(["--tls-cluster", "yes", "--tls-replication", "yes"].map(str::to_owned));
                a.extend(user.map(acl_user_args).unwrap_or_default());
                a
            }
            None => Vec::new(),
        };
        let tls = tls.map(|(t, _)| t);
        let nodes: Vec<RedisServer> = (0..3 * (1 + replicas))
            .map(|_| {
                RedisServer::start_with(|dir| {
                    let mut args: Vec<String> = vec![
                        "--cluster-enabled".into(),
                        "yes".into(),
                        "--cluster-config-file".into(),
                        dir.join("nodes.conf").display().to_string(),
                        "--cluster-port".into(),
                        free_port().to_string(),
                        "--cluster-node-timeout".into(),
                        node_timeout_ms.to_string(),
                        // A replica takes over however long it was away from its master.
                        "--cluster-replica-validity-factor".into(),
                        "0".into(),
                    ];
                    if tls.is_some() {
                        args.extend(["--tls-port".into(), free_port().to_string()]);
                        args.extend(tls_args.iter().cloned());
                    }
                    args
                })
            })
            .collect();
        let mut cli = Command::new(binary("redis-cli"));
        cli.arg("--cluster").arg("create");
        for n in &nodes {
            cli.arg(format!("127.0.0.1:{}", n.tls_port().unwrap_or(n.port)));
        }
        let replicas = replicas.to_string();
        cli.args(["--cluster-replicas", replicas.as_str(), "--cluster-yes"]);
        if let Some(t) = tls {
            cli.arg("--tls")
                .arg("--cacert")
                .arg(&t.ca)
                .arg("--cert")
                .arg(&t.client_cert)
                .arg("--key")
                .arg(&t.client_key);
        }
        let out = output_within(&mut cli, CLUSTER_TIMEOUT);
        if !out.status.success() {
            panic!(
                "redis-cli --cluster create failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let cluster = Self { nodes, user: None };
        cluster.wait_ok();
        cluster.wait_replicas_synced();
        cluster
    }

    /// `rediss://[user:password@]127.0.0.1:<tls port>/` of every node of a TLS cluster.
    pub fn tls_urls(&self) -> Vec<String> {
        let user = self.user.as_ref().map(|(n, p)| (n.as_str(), p.as_str()));
        self.nodes.iter().map(|n| n.tls_url(user)).collect()
    }

    /// Waits until every replica's link to its master is up.
    fn wait_replicas_synced(&self) {
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        loop {
            let synced = self.nodes.iter().all(|n| {
                query(n.port, &["INFO", "replication"]).is_some_and(|info| {
                    info.contains("role:master") || info.contains("master_link_status:up")
                })
            });
            if synced {
                return;
            }
            if Instant::now() > deadline {
                panic!("the replicas did not sync");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_ok(&self) {
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        let known = format!("cluster_known_nodes:{}", self.nodes.len());
        loop {
            let ok = self.nodes.iter().filter(|n| n.is_running()).all(|n| {
                query(n.port, &["CLUSTER", "INFO"])
                    .is_some_and(|info| info.contains("cluster_state:ok") && info.contains(&known))
            });
            if ok {
                return;
            }
            if Instant::now() > deadline {
                panic!("the cluster did not reach cluster_state:ok");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `redis://127.0.0.1:<port>/` of every node.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The nodes' ports.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }

    /// Sends one command to the node on `port` (as [`RedisServer::command`]).
    pub fn command(&self, port: u16, args: &[&str]) -> Option<String> {
        query(port, args)
    }

    /// The port of the master that serves `key` now.
    pub fn master_of(&self, key: &str) -> Option<u16> {
        let port = self.live_port()?;
        let slot: u32 = query(port, &["CLUSTER", "KEYSLOT", key])?.parse().ok()?;
        let nodes = query(port, &["CLUSTER", "NODES"])?;
        nodes.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let flags = fields.get(2)?;
            if !flags.contains("master") || flags.contains("fail") {
                return None;
            }
            let serves = fields
                .iter()
                .skip(8)
                .any(|range| match range.split_once('-') {
                    Some((a, b)) => {
                        a.parse().is_ok_and(|a: u32| a <= slot)
                            && b.parse().is_ok_and(|b: u32| slot <= b)
                    }
                    None => range.parse().is_ok_and(|a: u32| a == slot),
                });
            let addr = fields.get(1)?.split('@').next()?;
            serves
                .then(|| addr.rsplit_once(':')?.1.parse().ok())
                .flatten()
        })
    }

    /// Kills the node on `port` (by pid).
    pub fn kill(&mut self, port: u16) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.port == port) {
            n.stop();
        }
    }

    /// Waits until every running node reports `cluster_state:ok` again (a replica has taken
    /// over the killed master's slots); false after `within`.
    pub fn wait_healed(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            let ok = self.nodes.iter().filter(|n| n.is_running()).all(|n| {
                query(n.port, &["CLUSTER", "INFO"]).is_some_and(|i| i.contains("cluster_state:ok"))
            });
            if ok {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn live_port(&self) -> Option<u16> {
        self.nodes
            .iter()
            .find(|n| n.is_running())
            .map(RedisServer::port)
    }
}

/// A private CA, a server certificate for `127.0.0.1` and `localhost` and a client
/// certificate, as PEM files in a directory of their own (removed on drop).
#[derive(Debug)]
pub struct TlsFiles {
    dir: PathBuf,
    /// The CA certificate.
    pub ca: PathBuf,
    /// The server certificate and key.
    pub server_cert: PathBuf,
    /// The server's key.
    pub server_key: PathBuf,
    /// A client certificate signed by the CA.
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
}

impl TlsFiles {
    /// Generates fresh material.
    pub fn generate() -> Self {
        let dir = fresh_dir(free_port());
        let ca_key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap_or_else(|e| panic!("ca params: {e}"));
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "session-gateway test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = ca_params
            .self_signed(&ca_key)
            .unwrap_or_else(|e| panic!("ca: {e}"));
        let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
        let leaf = |names: Vec<String>, usage: Vec<rcgen::ExtendedKeyUsagePurpose>| {
            let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
            let cn = names.first().cloned().unwrap_or_default();
            let mut params =
                rcgen::CertificateParams::new(names).unwrap_or_else(|e| panic!("params: {e}"));
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, cn);
            params.extended_key_usages = usage;
            let cert = params
                .signed_by(&key, &issuer)
                .unwrap_or_else(|e| panic!("cert: {e}"));
            (cert.pem(), key.serialize_pem())
        };
        // Cluster nodes present their server certificate as clients of each other too.
        let (server_cert, server_key) = leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            vec![
                rcgen::ExtendedKeyUsagePurpose::ServerAuth,
                rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            ],
        );
        let (client_cert, client_key) = leaf(
            vec!["gateway".into()],
            vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth],
        );
        let write = |name: &str, pem: &str| {
            let path = dir.join(name);
            std::fs::write(&path, pem).unwrap_or_else(|e| panic!("write {name}: {e}"));
            path
        };
        Self {
            ca: write("ca.pem", &ca.pem()),
            server_cert: write("server.pem", &server_cert),
            server_key: write("server.key", &server_key),
            client_cert: write("client.pem", &client_cert),
            client_key: write("client.key", &client_key),
            dir,
        }
    }

    fn server_args(&self) -> Vec<String> {
        vec![
            "--tls-cert-file".into(),
            self.server_cert.display().to_string(),
            "--tls-key-file".into(),
            self.server_key.display().to_string(),
            "--tls-ca-cert-file".into(),
            self.ca.display().to_string(),
            "--tls-auth-clients".into(),
            "optional".into(),
        ]
    }
}

impl Drop for TlsFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `cmd` to completion, killing it (and failing) when it takes longer than `within`.
fn output_within(cmd: &mut Command, within: Duration) -> std::process::Output {
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot run {cmd:?}: {e}"),
    };
    let deadline = Instant::now() + within;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} did not finish within {within:?}");
            }
        }
    }
    match child.wait_with_output() {
        Ok(out) => out,
        Err(e) => panic!("cannot read the output of {cmd:?}: {e}"),
    }
}

/// The path of `name` on PATH.
fn binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not on PATH; run `make test`, which installs redis-server")
        })
}

/// A port that was free a moment ago (the caller retries on collision).
fn free_port() -> u16 {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("cannot find a free loopback port: {e}"),
    }
}

/// A new, empty directory for one server.
fn fresh_dir(port: u16) -> PathBuf {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "session-redis-test-{}-{}-{port}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
}

/// Spawns redis-server on `port` and waits until it answers as itself; `None` when it exited
/// (port taken) or never answered.
fn launch(port: u16, dir: &Path, extra: &[String]) -> Option<Supervised> {
    let mut cmd = Command::new(binary("redis-server"));
    cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(dir.join("redis.log"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let server = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => panic!("cannot start redis-server: {e}"),
    };
    let mut p = Supervised {
        watchdog: watchdog(server.id(), dir),
        server,
    };
    let me = format!("process_id:{}", p.server.id());
    let deadline = Instant::now() + READY_TIMEOUT;
    while Instant::now() < deadline {
        if matches!(p.server.try_wait(), Ok(Some(_))) {
            break;
        }
        // Another server may hold the port: only ours counts.
        if query(port, &["INFO", "server"]).is_some_and(|info| info.contains(&me)) {
            return Some(p);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = p.server.kill();
    let _ = p.server.wait();
    if let Some(mut w) = p.watchdog.take() {
        let _ = w.kill();
        let _ = w.wait();
    }
    None
}

/// A shell loop that kills server `pid` and removes `dir` once this test process is gone.
fn watchdog(pid: u32, dir: &Path) -> Option<Child> {
    const SCRIPT: &str = r#"
        while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.2; done
        if ! kill -0 "$1" 2>/dev/null; then kill -9 "$2" 2>/dev/null; rm -rf "$3"; fi
    "#;
    Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .arg("session-redis-watchdog")
        .arg(std::process::id().to_string())
        .arg(pid.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// Sends one command over a fresh connection; the reply as text, `None` on any failure or an
/// error reply.
fn query(port: u16, args: &[&str]) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .ok()?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    (&stream).write_all(req.as_bytes()).ok()?;
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let line = line.trim_end();
    let (kind, rest) = line.split_at_checked(1)?;
    match kind {
        "+" | ":" => Some(rest.to_owned()),
        "$" => {
            let len: usize = rest.parse().ok()?;
            let mut buf = vec![0; len + 2];
            reader.read_exact(&mut buf).ok()?;
            buf.truncate(len);
            String::from_utf8(buf).ok()
        }
        _ => None,
    }
}

/// A session of `owner` with id `id` (panics on an invalid id: tests only), created now by the
/// system clock and living one hour, of `flavor` and `tenant`.
pub fn hour_session(
    owner: &session_core::Owner,
    flavor: session_core::Flavor,
    tenant: &str,
    id: &str,
) -> session_core::Session {
    let id = session_core::SessionId::parse(id).unwrap_or_else(|e| panic!("session id {id}: {e}"));
    session_core::Session::new(
        session_core::SessionRef::new(owner.clone(), id),
        flavor,
        tenant,
        chrono::Utc::now(),
        chrono::Duration::hours(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_starts_stops_and_starts_again() {
        let mut s = RedisServer::start();
        assert_eq!(query(s.port(), &["PING"]).as_deref(), Some("PONG"));
        s.stop();
        assert!(query(s.port(), &["PING"]).is_none());
        s.start_again();
        assert_eq!(query(s.port(), &["PING"]).as_deref(), Some("PONG"));
        let dir = s.dir.clone();
        drop(s);
        assert!(!dir.exists());
    }
}
