//! The tenants of scripts/bench.toml: the credentials every scenario uses.

pub const QB_APP: u64 = 4242;
pub const QB_KEY: &str = "k3yK3yK3y";
pub const QB_SECRET: &str = "s3cr3tS3cr3t";
pub const AMITY_KEY: &str = "amity-key";
pub const QS_KEY: &str = "qs-key";
pub const QS_WALLET_SECRET: &str = "wallet-secret";
/// The wallet address every QuickSync scenario signs in as.
pub const QS_WALLET: &str = "0x8ba1f109551bd432803012645ac136ddd64dba72";
/// The session-storage client of the one-user scenarios (one client is one user).
pub const SS_ID: &str = "client-a";
pub const SS_SECRET: &str = "secret-a";
/// The session-storage clients `ss-create` takes in turn, all with [`SS_POOL_SECRET`].
pub const SS_POOL: [&str; 8] = [
    "pool-0", "pool-1", "pool-2", "pool-3", "pool-4", "pool-5", "pool-6", "pool-7",
];
pub const SS_POOL_SECRET: &str = "pool-secret";
