//! The contract of attempt windows ([`crate::attempts`]): counted up to the window's maximum,
//! refused with the time until the oldest leaves, taken back, forgotten as time passes, and
//! exact under concurrency.

use chrono::Duration;
use futures_util::future::join_all;

use super::support::Backend;
use crate::attempts::{Attempt, AttemptKey, AttemptScope, Window};
use crate::model::Flavor;
use crate::token::random_hex;

fn key(tag: &str) -> AttemptKey {
    AttemptKey::new(
        Some(Flavor::Quickblox),
        AttemptScope::Subject,
        &["contract", tag, &random_hex(6).unwrap()],
    )
    .unwrap()
}

fn counted(a: &Attempt) -> bool {
    matches!(a, Attempt::Counted(_))
}

/// A window of 3 over 1.5 s: three attempts are counted, the fourth is refused until the oldest
/// leaves; a forgotten attempt frees its place; windows of other keys are apart; once the span
/// has passed, the window counts again from zero.
pub async fn attempts_count_within_a_sliding_window(b: &dyn Backend) {
    let st = b.store();
    let k = key("window");
    let window = Window {
        max: 3,
        span: Duration::milliseconds(1500),
    };
    let mut ids = Vec::new();
    for _ in 0..3 {
        match st.count_attempt(&k, window).await.unwrap() {
            Attempt::Counted(id) => ids.push(id),
            refused => panic!("counted expected: {refused:?}"),
        }
    }
    assert_eq!(ids.len(), 3);
    assert_ne!(ids[0], ids[1], "ids are distinct");
    match st.count_attempt(&k, window).await.unwrap() {
        Attempt::Refused { retry_after } => {
            assert!(retry_after > Duration::zero(), "{retry_after:?}");
            assert!(retry_after <= window.span, "{retry_after:?}");
        }
        other => panic!("refused expected: {other:?}"),
    }
    let other = key("other");
    assert!(counted(&st.count_attempt(&other, window).await.unwrap()));
    st.forget_attempt(&k, &ids[1]).await.unwrap();
    // Forgetting twice, or an id never counted, changes nothing.
    st.forget_attempt(&k, &ids[1]).await.unwrap();
    assert!(counted(&st.count_attempt(&k, window).await.unwrap()));
    assert!(!counted(&st.count_attempt(&k, window).await.unwrap()));
    b.pass(std::time::Duration::from_millis(1600)).await;
    for _ in 0..3 {
        assert!(counted(&st.count_attempt(&k, window).await.unwrap()));
    }
    assert!(!counted(&st.count_attempt(&k, window).await.unwrap()));
}

/// 100 concurrent attempts against a window of 10: exactly 10 are counted, 90 refused.
pub async fn concurrent_attempts_count_exactly(b: &dyn Backend) {
    let st = b.store();
    let k = key("race");
    let window = Window {
        max: 10,
        span: Duration::minutes(15),
    };
    let tasks = (0..100).map(|_| {
        let st = st.clone();
        let k = k.clone();
        tokio::spawn(async move { st.count_attempt(&k, window).await })
    });
    let results: Vec<Attempt> = join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let n = results.iter().filter(|a| counted(a)).count();
    assert_eq!(n, 10);
    assert_eq!(results.len() - n, 90);
    assert!(!counted(&st.count_attempt(&k, window).await.unwrap()));
}
