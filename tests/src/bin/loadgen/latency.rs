//! Latency percentiles.

use serde::{Deserialize, Serialize};

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    /// The percentiles of `micros` (sorted here; nearest rank, rounded down).
    pub fn of(micros: &mut [u32]) -> Self {
        micros.sort_unstable();
        Self {
            p50: at(micros, 0.5),
            p99: at(micros, 0.99),
            p999: at(micros, 0.999),
            max: at(micros, 1.0),
        }
    }
}

fn at(sorted: &[u32], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return 0.0;
    };
    let i = ((last as f64) * p) as usize;
    f64::from(sorted[i.min(last)]) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_hundred_samples() {
        let mut micros: Vec<u32> = (1..=100).rev().map(|i| i * 1000).collect();
        let l = Latency::of(&mut micros);
        assert_eq!((l.p50, l.p99, l.p999, l.max), (50.0, 99.0, 99.0, 100.0));
        assert_eq!(Latency::of(&mut []), Latency::default());
    }
}
