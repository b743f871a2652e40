//! Properties of the key-building types, over arbitrary input.

use chrono::Duration;
use proptest::prelude::*;
use session_core::clock::from_millis;
use session_core::model::order_key;
use session_core::{Flavor, Owner, SessionId};

proptest! {
    /// Owners never hold what a Redis hash tag or a key separator would misread, whatever the
    /// parts, and distinct part lists never collide.
    #[test]
    fn owners_are_key_safe_and_injective(a in ".{0,40}", b in ".{0,40}", c in ".{0,40}") {
        let one = Owner::new(Flavor::Amity, &[&a, &b]);
        let two = Owner::new(Flavor::Amity, &[&a, &c]);
        if let (Ok(one), Ok(two)) = (one, two) {
            for o in [&one, &two] {
                let braces = o.as_str().contains(['{', '}']);
                prop_assert!(!braces, "braces in {}", o.as_str());
                prop_assert!(!o.as_str().chars().any(char::is_whitespace));
                prop_assert_eq!(o.as_str().matches(':').count(), 2);
                prop_assert_eq!(o.flavor(), Some(Flavor::Amity));
            }
            prop_assert_eq!(one == two, b == c);
        }
    }

    /// Parsing accepts exactly the documented alphabet and length.
    #[test]
    fn session_ids_parse_exactly_the_documented_form(s in ".{0,210}") {
        let ok = !s.is_empty()
            && s.len() <= SessionId::MAX_LEN
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b));
        prop_assert_eq!(SessionId::parse(&s).is_ok(), ok);
    }

    /// Order keys sort by creation time first, then by id.
    #[test]
    fn order_keys_sort_like_creation_then_id(
        t1 in 0i64..4_000_000_000_000, t2 in 0i64..4_000_000_000_000,
        id1 in "[a-z0-9]{1,12}", id2 in "[a-z0-9]{1,12}",
    ) {
        let k1 = order_key(from_millis(t1), &SessionId::parse(&id1).unwrap());
        let k2 = order_key(from_millis(t2), &SessionId::parse(&id2).unwrap());
        prop_assert_eq!(k1.cmp(&k2), (t1, &id1).cmp(&(t2, &id2)));
        let later = order_key(from_millis(t1) + Duration::milliseconds(1), &SessionId::parse(&id1).unwrap());
        prop_assert!(later > k1);
    }
}
