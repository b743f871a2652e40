//! Configuration bounds: each value just inside accepted, one step outside refused, the refusal
//! naming the key.

/// How a test sets one setting of `S` to a number.
pub type Set<S> = fn(&mut S, u64);

/// A setting's range: its key (what a refusal starts with), how to set it, and the lowest and
/// highest values accepted. One step past either end must be refused; a lowest of 0 has
/// nothing below it.
pub type Range<S> = (&'static str, Set<S>, u64, u64);

/// A single edge of a setting: its key, how to set it, a value accepted and one refused.
pub type Edge<S> = (&'static str, Set<S>, u64, u64);

/// Checks every range's ends and every edge on a fresh `base()`: accepted values validate,
/// refused ones fail with a message that starts with the key.
pub fn check_bounds<S>(
    base: impl Fn() -> S,
    validate: impl Fn(&S) -> Result<(), String>,
    ranges: &[Range<S>],
    edges: &[Edge<S>],
) {
    let ends = ranges.iter().flat_map(|&(key, set, low, high)| {
        [
            (key, set, low, low.checked_sub(1)),
            (key, set, high, Some(high + 1)),
        ]
    });
    let edges = edges
        .iter()
        .map(|&(key, set, good, bad)| (key, set, good, Some(bad)));
    for (key, set, good, bad) in ends.chain(edges) {
        let mut s = base();
        set(&mut s, good);
        assert_eq!(validate(&s), Ok(()), "{key} = {good}");
        let Some(bad) = bad else { continue };
        let mut s = base();
        set(&mut s, bad);
        let e = validate(&s).err().unwrap_or_default();
        assert!(e.starts_with(key), "{key} = {bad}: {e}");
    }
}
