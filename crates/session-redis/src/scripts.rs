//! The Lua scripts behind every write and every read that needs more than one command. Each
//! runs atomically in one owner's hash slot. They declare themselves (Redis 7 `#!lua` flags):
//! write scripts are refused as a whole while Redis is over `maxmemory`, and read-only ones
//! (`flags=no-writes`, run with `EVALSHA_RO`) are served during a `CLIENT PAUSE WRITE`. They
//! are sent by SHA and loaded on the first NOSCRIPT.

use std::sync::LazyLock;

use sha1::{Digest, Sha1};

/// Helpers prepended to every session script.
const LIB: &str = include_str!("scripts/lib.lua");

/// What a script may do, declared in its shebang.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Writes; refused as a whole while Redis is over `maxmemory`.
    Write,
    /// Only removes: allowed over `maxmemory`, so revoking a session always works.
    Remove,
    /// Reads only (`EVALSHA_RO`).
    Read,
}

/// One script: its source and SHA-1.
pub(crate) struct Lua {
    pub code: String,
    pub sha: String,
    pub read_only: bool,
}

impl Lua {
    /// A session script: the shebang, the helpers, then `body` as a function whose result is
    /// returned as `{expired, result}`, `expired` being how many sessions the script dropped
    /// because they had expired. [`crate::RedisStore`] unwraps the pair in one place.
    fn session(body: &str, kind: Kind) -> Self {
        let shebang = match kind {
            Kind::Write => "#!lua",
            Kind::Remove => "#!lua flags=allow-oom",
            Kind::Read => "#!lua flags=no-writes",
        };
        let code = format!(
            "{shebang}\n{LIB}\nlocal function main()\n{body}\nend\nlocal reply = main()\nreturn {{ expired, reply }}\n"
        );
        let sha = hex(&Sha1::digest(code.as_bytes()));
        Self {
            code,
            sha,
            read_only: kind == Kind::Read,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One script per store operation.
pub(crate) struct Scripts {
    pub create: Lua,
    pub touch: Lua,
    pub update: Lua,
    pub delete: Lua,
    pub rotate: Lua,
    pub group: Lua,
    pub remove_member: Lua,
    pub credential: Lua,
    pub list: Lua,
    pub count: Lua,
}

/// The scripts, hashed once per process.
pub(crate) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create: Lua::session(include_str!("scripts/create.lua"), Kind::Write),
    touch: Lua::session(include_str!("scripts/touch.lua"), Kind::Write),
    update: Lua::session(include_str!("scripts/update.lua"), Kind::Write),
    delete: Lua::session(include_str!("scripts/delete.lua"), Kind::Remove),
    rotate: Lua::session(include_str!("scripts/rotate.lua"), Kind::Write),
    group: Lua::session(include_str!("scripts/group.lua"), Kind::Write),
    remove_member: Lua::session(include_str!("scripts/remove_member.lua"), Kind::Remove),
    credential: Lua::session(include_str!("scripts/credential.lua"), Kind::Write),
    list: Lua::session(include_str!("scripts/list.lua"), Kind::Read),
    count: Lua::session(include_str!("scripts/count.lua"), Kind::Read),
});
