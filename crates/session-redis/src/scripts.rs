//! The Lua behind every write and every read that needs more than one command, as one Redis
//! function library (Redis 7 `FUNCTION LOAD`): its helpers are set up once when the library
//! loads, not on every call, and each function runs atomically in one owner's hash slot; the
//! few that cover many event partitions at once run in the slots of one node
//! (`allow-cross-slot-keys`, see `events/across.rs`).
//!
//! The functions declare themselves: writes are refused as a whole while Redis is over
//! `maxmemory`; those that only delete carry `allow-oom`, so revoking a session always works;
//! read-only ones (`no-writes`, called with `FCALL_RO`) are served during a
//! `CLIENT PAUSE WRITE`. The library's name carries a digest of its code, so gateways of two
//! versions can share a Redis without replacing each other's functions.

use std::sync::LazyLock;

use sha1::{Digest, Sha1};

/// The helpers every function shares.
const LIB: &str = include_str!("scripts/lib.lua");

/// What a function may do, declared when it is registered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Writes; refused as a whole while Redis is over `maxmemory`.
    Write,
    /// Only removes: allowed over `maxmemory`, so revoking a session always works.
    Remove,
    /// Reads only (`FCALL_RO`).
    Read,
    /// Reads only, and may read keys of other hash slots that the same node serves
    /// (`allow-cross-slot-keys`): one call surveys many event partitions of a cluster node.
    ReadAcross,
    /// Only removes, and may touch keys of other hash slots that the same node serves: one
    /// call trims many event partitions of a cluster node.
    RemoveAcross,
    /// Writes, and may touch keys of other hash slots that the same node serves: one call
    /// sets up many event partitions of a cluster node.
    WriteAcross,
    /// Writes what no event is about (a session's last use): called without the event keys,
    /// so it writes no event and wakes no deliverer.
    Quiet,
}

/// One function of the library.
pub(crate) struct Lua {
    /// Its name in Redis (`<library>_<op>`).
    pub name: String,
    /// Whether it only reads.
    pub read_only: bool,
    /// Whether it is called without the event keys (all kinds but [`Kind::Write`] and
    /// [`Kind::Remove`]).
    pub quiet: bool,
}

/// The library: its code and one function per store operation.
pub(crate) struct Scripts {
    /// `FUNCTION LOAD` source.
    pub code: String,
    pub create: Lua,
    pub touch: Lua,
    pub seen: Lua,
    pub update: Lua,
    pub delete: Lua,
    pub rotate: Lua,
    pub group: Lua,
    pub remove_member: Lua,
    pub credential: Lua,
    pub list: Lua,
    pub count: Lua,
    pub restore: Lua,
    pub wipe: Lua,
    pub attempt: Lua,
    /// Events: one owner's expiry sweep.
    pub expire: Lua,
    /// Events: what the sweep of some partitions has to do.
    pub due: Lua,
    /// Events: old events of some partitions dropped.
    pub trim: Lua,
    /// Events: the pull API's read of some partitions.
    pub range: Lua,
    /// Events: a tenant document change with its event.
    pub doc: Lua,
    /// Events: a delivery lease.
    pub lease: Lua,
    /// Events: a consumer group on some partitions' streams.
    pub xgroup: Lua,
    /// Events: the live workers.
    pub workers: Lua,
}

/// The operations: name, body and kind.
const OPS: [(&str, &str, Kind); 22] = [
    ("create", include_str!("scripts/create.lua"), Kind::Write),
    ("touch", include_str!("scripts/touch.lua"), Kind::Write),
    ("seen", include_str!("scripts/seen.lua"), Kind::Quiet),
    ("update", include_str!("scripts/update.lua"), Kind::Write),
    ("delete", include_str!("scripts/delete.lua"), Kind::Remove),
    ("rotate", include_str!("scripts/rotate.lua"), Kind::Write),
    ("group", include_str!("scripts/group.lua"), Kind::Write),
    (
        "remove_member",
        include_str!("scripts/remove_member.lua"),
        Kind::Remove,
    ),
    (
        "credential",
        include_str!("scripts/credential.lua"),
        Kind::Write,
    ),
    ("list", include_str!("scripts/list.lua"), Kind::Read),
    ("count", include_str!("scripts/count.lua"), Kind::Read),
    ("restore", include_str!("scripts/restore.lua"), Kind::Write),
    ("wipe", include_str!("scripts/wipe.lua"), Kind::Remove),
    ("attempt", include_str!("scripts/attempt.lua"), Kind::Write),
    ("expire", include_str!("scripts/expire.lua"), Kind::Remove),
    ("due", include_str!("scripts/due.lua"), Kind::ReadAcross),
    ("trim", include_str!("scripts/trim.lua"), Kind::RemoveAcross),
    ("range", include_str!("scripts/range.lua"), Kind::ReadAcross),
    ("doc", include_str!("scripts/doc.lua"), Kind::Write),
    ("lease", include_str!("scripts/lease.lua"), Kind::Write),
    (
        "xgroup",
        include_str!("scripts/xgroup.lua"),
        Kind::WriteAcross,
    ),
    ("workers", include_str!("scripts/workers.lua"), Kind::Write),
];

fn build() -> Scripts {
    let mut bodies = String::new();
    for (op, body, kind) in OPS {
        let flags = match kind {
            Kind::Write | Kind::Quiet => "",
            Kind::Remove => "'allow-oom'",
            Kind::Read => "'no-writes'",
            Kind::ReadAcross => "'no-writes', 'allow-cross-slot-keys'",
            Kind::RemoveAcross => "'allow-oom', 'allow-cross-slot-keys'",
            Kind::WriteAcross => "'allow-cross-slot-keys'",
        };
        bodies.push_str(&format!(
            "local function op_{op}()\n{body}\nend\n\
             redis.register_function{{function_name = LIBRARY .. '_{op}', flags = {{ {flags} }}, \
             callback = function(keys, args) begin(keys, args); return op_{op}() end}}\n"
        ));
    }
    let digest = Sha1::digest(format!("{LIB}{bodies}").as_bytes());
    let library = format!("sg2_{}", hex(&digest[..6]));
    let code = format!("#!lua name={library}\nlocal LIBRARY = '{library}'\n{LIB}\n{bodies}");
    let kind_of = |op: &str| OPS.iter().find(|(name, _, _)| *name == op).map(|o| o.2);
    let lua = |op: &str| Lua {
        name: format!("{library}_{op}"),
        read_only: matches!(kind_of(op), Some(Kind::Read | Kind::ReadAcross)),
        quiet: !matches!(kind_of(op), Some(Kind::Write | Kind::Remove)),
    };
    Scripts {
        create: lua("create"),
        touch: lua("touch"),
        seen: lua("seen"),
        update: lua("update"),
        delete: lua("delete"),
        rotate: lua("rotate"),
        group: lua("group"),
        remove_member: lua("remove_member"),
        credential: lua("credential"),
        list: lua("list"),
        count: lua("count"),
        restore: lua("restore"),
        wipe: lua("wipe"),
        attempt: lua("attempt"),
        expire: lua("expire"),
        due: lua("due"),
        trim: lua("trim"),
        range: lua("range"),
        doc: lua("doc"),
        lease: lua("lease"),
        xgroup: lua("xgroup"),
        workers: lua("workers"),
        code,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The library, built once per process.
pub(crate) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(build);
