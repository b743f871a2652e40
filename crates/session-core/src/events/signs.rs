//! Tallies of the `session.signed_in` and `session.signed_out` events a store's updates wrote,
//! for the gateway's `events_written_total` (an update's answer does not say whether its
//! subject changed).

use std::sync::atomic::{AtomicU64, Ordering};

/// How many sign-in and sign-out events were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signs {
    /// `session.signed_in` events.
    pub signed_in: u64,
    /// `session.signed_out` events.
    pub signed_out: u64,
}

/// Lock-free [`Signs`] since the last [`SignCounter::take`].
#[derive(Debug, Default)]
pub struct SignCounter {
    signed_in: AtomicU64,
    signed_out: AtomicU64,
}

impl SignCounter {
    /// Adds what one update wrote.
    pub fn add(&self, s: Signs) {
        if s.signed_in > 0 {
            self.signed_in.fetch_add(s.signed_in, Ordering::Relaxed);
        }
        if s.signed_out > 0 {
            self.signed_out.fetch_add(s.signed_out, Ordering::Relaxed);
        }
    }

    /// The tallies since the last call; resets them.
    pub fn take(&self) -> Signs {
        Signs {
            signed_in: self.signed_in.swap(0, Ordering::Relaxed),
            signed_out: self.signed_out.swap(0, Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_add_up_and_reset_when_taken() {
        let c = SignCounter::default();
        c.add(Signs {
            signed_in: 1,
            signed_out: 0,
        });
        c.add(Signs {
            signed_in: 1,
            signed_out: 1,
        });
        assert_eq!(
            c.take(),
            Signs {
                signed_in: 2,
                signed_out: 1
            }
        );
        assert_eq!(c.take(), Signs::default());
    }
}
