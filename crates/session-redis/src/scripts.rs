//! The Lua scripts behind every invariant-keeping write. Each runs atomically in the owner's
//! hash slot; they are sent by SHA (EVALSHA) and loaded on the first NOSCRIPT.

use std::sync::LazyLock;

use redis::Script;

/// Helpers prepended to every session script.
const LIB: &str = include_str!("scripts/lib.lua");

/// One compiled script per store operation.
pub(crate) struct Scripts {
    pub create: Script,
    pub create_group: Script,
    pub join_group: Script,
    pub touch: Script,
    pub update: Script,
    pub delete: Script,
    pub remove_member: Script,
    pub rotate_refresh: Script,
    pub list: Script,
    pub count: Script,
    pub list_members: Script,
    pub doc_insert: Script,
}

/// A session script: the helpers, then `body` as a function whose result is returned as
/// `{expired, result}`, `expired` being how many of the owner's index entries the script pruned
/// because they had expired. [`crate::RedisStore`] unwraps the pair in one place, so each
/// script's own reply keeps the shape its comment describes.
fn with_lib(body: &str) -> Script {
    Script::new(&format!(
        "{LIB}\nlocal function main()\n{body}\nend\nlocal reply = main()\nreturn {{ expired, reply }}\n"
    ))
}

/// The scripts, hashed once per process.
pub(crate) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create: with_lib(include_str!("scripts/create.lua")),
    create_group: with_lib(include_str!("scripts/create_group.lua")),
    join_group: with_lib(include_str!("scripts/join_group.lua")),
    touch: with_lib(include_str!("scripts/touch.lua")),
    update: with_lib(include_str!("scripts/update.lua")),
    delete: with_lib(include_str!("scripts/delete.lua")),
    remove_member: with_lib(include_str!("scripts/remove_member.lua")),
    rotate_refresh: with_lib(include_str!("scripts/rotate_refresh.lua")),
    list: with_lib(include_str!("scripts/list.lua")),
    count: with_lib(include_str!("scripts/count.lua")),
    list_members: with_lib(include_str!("scripts/list_members.lua")),
    doc_insert: Script::new(include_str!("scripts/doc_insert.lua")),
});
