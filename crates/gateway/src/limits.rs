//! The process's connection budget: the soft open-file limit raised to the hard one at start-up
//! (where the OS allows), and `server.max_connections` kept below it, so that a flood of idle or
//! stalled connections makes new ones wait in the listen backlog instead of failing `accept`
//! for lack of descriptors (and leaves descriptors for the store's connections and the rest).

use rustix::process::{getrlimit, setrlimit, Resource};

/// Descriptors kept apart from connections: at least this many, or a tenth of the limit.
pub const RESERVED_FILES: u64 = 256;

/// Raises the soft open-file limit to the hard one; the soft limit now in force (`None` when
/// unlimited or unknown).
pub fn raise_open_files() -> Option<u64> {
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::info!(error = %e, "the open-file limit could not be raised");
        }
    }
    getrlimit(Resource::Nofile).current
}

/// The connections a process with `open_files` descriptors may hold: `configured`, cut to leave
/// [`RESERVED_FILES`] or a tenth of the limit, whichever is more.
pub fn connection_cap(configured: usize, open_files: Option<u64>) -> usize {
    let Some(files) = open_files else {
        return configured;
    };
    let usable = files.saturating_sub(RESERVED_FILES.max(files / 10));
    configured
        .min(usize::try_from(usable).unwrap_or(usize::MAX))
        .max(1)
}

/// Each of `workers` workers' share of `total` connections (at least one each).
pub fn per_worker(total: usize, workers: usize) -> usize {
    (total / workers.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!(connection_cap(10_000, Some(20_000)), 10_000);
        assert_eq!(connection_cap(50_000, Some(20_000)), 18_000);
        assert_eq!(connection_cap(10_000, Some(1024)), 768);
        assert_eq!(connection_cap(10_000, None), 10_000);
        assert_eq!(connection_cap(10_000, Some(100)), 1);
        assert_eq!(per_worker(10_000, 3), 3333);
        assert_eq!(per_worker(1, 4), 1);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let before = getrlimit(Resource::Nofile);
        let now = raise_open_files();
        assert_eq!(now, getrlimit(Resource::Nofile).current);
        assert!(now >= before.current);
    }
}
