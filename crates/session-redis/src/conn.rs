//! One connection type for a single node and for Redis Cluster, connected lazily, with every
//! call bounded by the configured timeout and failures mapped to domain errors.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{
    Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, ServerErrorKind, Value,
};
use session_core::{Error, Result};

use crate::tls::RedisTls;
use tokio::sync::OnceCell;

/// `ConnectionLike` for an enum of two connections, each call passed to the one it holds.
macro_rules! delegate_connection_like {
    ($enum:ident, $a:ident, $b:ident) => {
        impl ConnectionLike for $enum {
            fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
                match self {
                    $enum::$a(c) => c.req_packed_command(cmd),
                    $enum::$b(c) => c.req_packed_command(cmd),
                }
            }

            fn req_packed_commands<'a>(
                &'a mut self,
                pipeline: &'a Pipeline,
                offset: usize,
                count: usize,
            ) -> RedisFuture<'a, Vec<Value>> {
                match self {
                    $enum::$a(c) => c.req_packed_commands(pipeline, offset, count),
                    $enum::$b(c) => c.req_packed_commands(pipeline, offset, count),
                }
            }

            fn get_db(&self) -> i64 {
                match self {
                    $enum::$a(c) => c.get_db(),
                    $enum::$b(c) => c.get_db(),
                }
            }
        }
    };
}

/// A connection to a single node (multiplexed, reconnects by itself) or to a cluster. Cheap to
/// clone: both variants share one underlying connection.
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

delegate_connection_like!(Conn, Single, Cluster);

/// What to connect to (parsed up front; no I/O).
enum Target {
    Single(redis::Client),
    /// The cluster, and the first seed's connection settings (for direct node connections).
    Cluster(Box<ClusterClient>, Box<redis::ConnectionInfo>, RedisTls),
}

/// Connects on first use and keeps the connection; a failed connect is not cached, so the next
/// call tries again.
pub(crate) struct Connector {
    target: Target,
    timeout: Duration,
    conn: OnceCell<Conn>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field(
                "mode",
                &match self.target {
                    Target::Single(_) => "single",
                    Target::Cluster(..) => "cluster",
                },
            )
            .field("timeout", &self.timeout)
            .field("connected", &self.conn.initialized())
            .finish()
    }
}

/// How long the connection manager waits before its first reconnect retry.
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(20);
/// The longest wait between reconnect retries.
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(200);

impl Connector {
    /// A connector for `url` (single node) or `cluster_urls` (cluster, when non-empty).
    pub(crate) fn new(
        url: &str,
        cluster_urls: &[String],
        timeout: Duration,
        tls: &RedisTls,
    ) -> Result<Self> {
        if url.starts_with("rediss:") || cluster_urls.iter().any(|u| u.starts_with("rediss:")) {
            RedisTls::install_provider();
        }
        let target = if cluster_urls.is_empty() {
            let client = if tls.is_custom() {
                redis::Client::build_with_tls(url, tls.certificates())
            } else {
                redis::Client::open(url)
            };
            Target::Single(client.map_err(|e| Error::invalid("store.url", masked(url, &e)))?)
        } else {
            let seed = redis::Client::open(cluster_urls[0].as_str())
                .map_err(|e| Error::invalid("store.cluster_urls", masked(&cluster_urls[0], &e)))?
                .get_connection_info()
                .clone();
            let mut builder = ClusterClient::builder(cluster_urls.iter().map(String::as_str));
            if tls.is_custom() {
                builder = builder.certs(tls.certificates());
            }
            Target::Cluster(
                Box::new(
                    builder
                        .connection_timeout(timeout)
                        .response_timeout(timeout)
                        .retries(2)
                        .min_retry_wait(10)
                        .max_retry_wait(RECONNECT_MAX_DELAY.as_millis() as u64)
                        .build()
                        .map_err(|e| Error::invalid("store.cluster_urls", e.to_string()))?,
                ),
                Box::new(seed),
                tls.clone(),
            )
        };
        Ok(Self {
            target,
            timeout,
            conn: OnceCell::new(),
        })
    }

    async fn connect(&self) -> RedisResult<Conn> {
        match &self.target {
            Target::Single(client) => {
                // Few, short retries: a call waiting on a reconnect must fail within the
                // timeout, and the next call starts a fresh attempt. No response timeout of
                // the client's own: `run` bounds every call already, and a second timer per
                // command costs a token check about 2 % of its CPU.
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(None)
                    .set_number_of_retries(1)
                    .set_min_delay(RECONNECT_MIN_DELAY)
                    .set_max_delay(RECONNECT_MAX_DELAY);
                let manager = ConnectionManager::new_with_config(client.clone(), config).await?;
                Ok(Conn::Single(manager))
            }
            Target::Cluster(client, ..) => Ok(Conn::Cluster(client.get_async_connection().await?)),
        }
    }

    async fn conn(&self) -> RedisResult<Conn> {
        self.conn.get_or_try_init(|| self.connect()).await.cloned()
    }

    /// Runs `call` on the connection within the timeout (connecting included).
    ///
    /// A call that failed before it reached Redis (connection refused) is tried once more, as
    /// is any `idempotent` call that lost its connection: the first attempt has already set
    /// the connection manager reconnecting, so the second one often succeeds right away.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, idempotent: bool, call: F) -> Result<T>
    where
        F: Fn(Conn) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let attempts = async {
            let mut tried = false;
            loop {
                let result = match self.conn().await {
                    Ok(conn) => call(conn).await,
                    Err(e) => Err(e),
                };
                match result {
                    Err(e) if !tried && (e.is_connection_refusal() || (idempotent && lost(&e))) => {
                        tried = true;
                    }
                    other => return other,
                }
            }
        };
        match tokio::time::timeout(self.timeout, attempts).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(map_err(what, e)),
            Err(_) => {
                tracing::debug!(op = what, timeout = ?self.timeout, "redis call timed out");
                Err(Error::StoreUnavailable(format!(
                    "redis {what}: no answer within {:?}",
                    self.timeout
                )))
            }
        }
    }
}

impl Connector {
    /// Every key matching `pattern`, from every primary (SCAN, so Redis is never blocked):
    /// for administrative listings, not for requests.
    pub(crate) async fn scan(&self, what: &str, pattern: &str) -> Result<Vec<String>> {
        let work = async {
            let mut keys = Vec::new();
            match &self.target {
                Target::Single(_) => {
                    let conn = self.conn().await?;
                    scan_node(conn, pattern, &mut keys).await?;
                }
                Target::Cluster(_, seed, tls) => {
                    for (host, port) in self.sorted_primaries().await? {
                        let node = node_conn(seed, tls, host, port).await?;
                        scan_node(node, pattern, &mut keys).await?;
                    }
                }
            }
            keys.sort();
            keys.dedup();
            Ok::<_, RedisError>(keys)
        };
        match tokio::time::timeout(self.timeout * 20, work).await {
            Ok(Ok(keys)) => Ok(keys),
            Ok(Err(e)) => Err(map_err(what, e)),
            Err(_) => Err(Error::StoreUnavailable(format!(
                "redis {what}: the scan timed out"
            ))),
        }
    }
}

impl Connector {
    /// One page of a SCAN over every primary: the keys matching `pattern` and the cursor to go
    /// on with (`""` when done). The cursor is `<node>/<node cursor>`.
    pub(crate) async fn scan_page(
        &self,
        what: &str,
        pattern: &str,
        cursor: &str,
        count: usize,
    ) -> Result<(Vec<String>, String)> {
        let (mut node, mut at) = match cursor.split_once('/') {
            Some((n, c)) => (
                n.parse::<usize>()
                    .map_err(|_| Error::invalid("cursor", "not a cursor of this store"))?,
                c.parse::<u64>()
                    .map_err(|_| Error::invalid("cursor", "not a cursor of this store"))?,
            ),
            None if cursor.is_empty() => (0, 0),
            None => return Err(Error::invalid("cursor", "not a cursor of this store")),
        };
        let work = async {
            let nodes: Vec<Option<Conn>> = match &self.target {
                Target::Single(_) => vec![Some(self.conn().await?)],
                Target::Cluster(..) => self
                    .sorted_primaries()
                    .await?
                    .into_iter()
                    .map(|_| None)
                    .collect(),
            };
            let mut keys = Vec::new();
            while node < nodes.len() && keys.len() < count {
                let mut conn = match &nodes[node] {
                    Some(c) => NodeConn::Shared(c.clone()),
                    None => NodeConn::Direct(self.node(node).await?),
                };
                let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(at)
                    .arg("MATCH")
                    .arg(pattern)
                    .arg("COUNT")
                    .arg(count.max(10))
                    .query_async(&mut conn)
                    .await?;
                keys.extend(batch);
                if next == 0 {
                    node += 1;
                    at = 0;
                } else {
                    at = next;
                }
            }
            let cursor = if node >= nodes.len() {
                String::new()
            } else {
                format!("{node}/{at}")
            };
            Ok::<_, RedisError>((keys, cursor))
        };
        match tokio::time::timeout(self.timeout * 4, work).await {
            Ok(Ok(page)) => Ok(page),
            Ok(Err(e)) => Err(map_err(what, e)),
            Err(_) => Err(Error::StoreUnavailable(format!(
                "redis {what}: the scan timed out"
            ))),
        }
    }

    /// The cluster's primaries, by address.
    async fn sorted_primaries(&self) -> RedisResult<Vec<(String, u16)>> {
        let mut conn = self.conn().await?;
        let slots: Value = redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query_async(&mut conn)
            .await?;
        let mut p = primaries(slots);
        p.sort();
        Ok(p)
    }

    /// A direct connection to the `i`th primary (by address) of the cluster.
    async fn node(&self, i: usize) -> RedisResult<redis::aio::MultiplexedConnection> {
        let Target::Cluster(_, seed, tls) = &self.target else {
            return Err(RedisError::from((ErrorKind::Client, "not a cluster")));
        };
        let (host, port) = self
            .sorted_primaries()
            .await?
            .into_iter()
            .nth(i)
            .ok_or_else(|| RedisError::from((ErrorKind::Client, "the cluster changed")))?;
        node_conn(seed, tls, host, port).await
    }
}

/// A direct connection to the cluster node at `host:port`, with the seed's settings (TLS,
/// credentials).
async fn node_conn(
    seed: &redis::ConnectionInfo,
    tls: &RedisTls,
    host: String,
    port: u16,
) -> RedisResult<redis::aio::MultiplexedConnection> {
    let info = seed.clone().set_addr(node_addr(seed.addr(), host, port));
    let client = if tls.is_custom() {
        redis::Client::build_with_tls(info, tls.certificates())?
    } else {
        redis::Client::open(info)?
    };
    client.get_multiplexed_async_connection().await
}

/// A connection to one node: the store's own (single node) or a direct one (cluster).
enum NodeConn {
    Shared(Conn),
    Direct(redis::aio::MultiplexedConnection),
}

delegate_connection_like!(NodeConn, Shared, Direct);

async fn scan_node<C: ConnectionLike>(
    mut conn: C,
    pattern: &str,
    out: &mut Vec<String>,
) -> RedisResult<()> {
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await?;
        out.extend(batch);
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// The (host, port) of every primary in a `CLUSTER SLOTS` reply.
fn primaries(slots: Value) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    let Value::Array(ranges) = slots else {
        return out;
    };
    for range in ranges {
        let Value::Array(parts) = range else { continue };
        let Some(Value::Array(node)) = parts.get(2) else {
            continue;
        };
        let host = match node.first() {
            Some(Value::BulkString(h)) => String::from_utf8_lossy(h).into_owned(),
            Some(Value::SimpleString(h)) => h.clone(),
            _ => continue,
        };
        let port = match node.get(1) {
            Some(Value::Int(p)) => u16::try_from(*p).unwrap_or(0),
            _ => continue,
        };
        if !out.contains(&(host.clone(), port)) {
            out.push((host, port));
        }
    }
    out
}

/// The address of a cluster node, with the seed's transport (plain or TLS).
fn node_addr(seed: &redis::ConnectionAddr, host: String, port: u16) -> redis::ConnectionAddr {
    match seed {
        redis::ConnectionAddr::TcpTls {
            insecure,
            tls_params,
            ..
        } => redis::ConnectionAddr::TcpTls {
            host,
            port,
            insecure: *insecure,
            tls_params: tls_params.clone(),
        },
        _ => redis::ConnectionAddr::Tcp(host, port),
    }
}

/// A URL error without the URL's password.
fn masked(url: &str, e: &RedisError) -> String {
    let shown = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    };
    format!("{shown:?}: {e}")
}

/// The connection broke or never came up.
fn lost(e: &RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_timeout()
}

/// A fault of ours (a bad script, an unexpected reply) is internal; anything else means Redis
/// is not (fully) there and the call may be retried later.
fn map_err(what: &str, e: RedisError) -> Error {
    if e.code() == Some("OOM") {
        tracing::warn!(op = what, "redis refused a write: over maxmemory");
        return Error::StoreUnavailable(format!(
            "redis {what}: refused, Redis is over its maxmemory"
        ));
    }
    let internal = matches!(
        e.kind(),
        ErrorKind::Parse
            | ErrorKind::UnexpectedReturnType
            | ErrorKind::Client
            | ErrorKind::InvalidClientConfig
            | ErrorKind::Server(
                ServerErrorKind::ResponseError
                    | ServerErrorKind::ExecAbort
                    | ServerErrorKind::CrossSlot
                    | ServerErrorKind::NoScript
            )
    );
    if internal {
        tracing::error!(op = what, error = %e, "redis call failed");
        Error::Internal(format!("redis {what}: {e}"))
    } else {
        tracing::debug!(op = what, error = %e, "redis unavailable");
        Error::StoreUnavailable(format!("redis {what}: {e}"))
    }
}
