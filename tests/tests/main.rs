//! Black-box tests of the whole gateway over HTTP: one test binary (one link step), one module a
//! subject. Scenarios shared by both stores are plain `async fn(&TestApp)`; [`on_both_stores!`]
//! runs each on the memory store and on a real Redis (and, asked to, on a Redis Cluster).

/// Runs each scenario, an `async fn(&TestApp)` of the calling module, on a gateway over the
/// memory store and over Redis (shared by the binary, keys under a fresh prefix), as the tests
/// `<scenario>::memory` and `<scenario>::redis`. `$overlay`, an expression of the calling module,
/// is the configuration both start from. `on_both_stores!(and_cluster $overlay => ...)` adds
/// `<scenario>::cluster`, on the binary's shared 3-master Redis Cluster.
macro_rules! on_both_stores {
    (and_cluster $overlay:expr => $($scenario:ident),+ $(,)?) => {$(
        on_both_stores!(@one $overlay, $scenario, {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn cluster() {
                super::$scenario(&e2e::spawn_app_on_cluster(&$overlay).await).await;
            }
        });
    )+};
    (@one $overlay:expr, $scenario:ident, {$($more:tt)*}) => {
        mod $scenario {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$scenario(&e2e::spawn_app(&$overlay).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                super::$scenario(&e2e::spawn_app_on_redis(&$overlay).await).await;
            }

            $($more)*
        }
    };
    ($overlay:expr => $($scenario:ident),+ $(,)?) => {$(
        on_both_stores!(@one $overlay, $scenario, {});
    )+};
}

mod admin;
mod admin_listing;
mod amity;
mod amity_jwks;
mod console;
mod edge;
mod edge_flood;
mod events;
mod health;
mod hostile_input;
mod openapi;
mod per_flavor;
mod quickblox;
mod quicksync;
mod redis_outage;
mod rotation;
mod session_storage;
mod testing;
