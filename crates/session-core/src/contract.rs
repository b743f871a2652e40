//! The store contract suite: every backend runs these unchanged through
//! [`store_contract_tests!`](crate::store_contract_tests).
//!
//! Each test works in owners of its own, so backends may share one server between tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attempts;

pub use attempts::{attempts_count_within_a_sliding_window, concurrent_attempts_count_exactly};

use std::sync::Arc;

use chrono::Duration;
use futures_util::future::join_all;
use futures_util::StreamExt;

use crate::model::{Cursor, Flavor, LimitPolicy, Owner, OwnerLimit, Session};
use crate::model::{SessionId, SessionPatch, SessionRef};
use crate::plan::{DocUpsert, Guard, NewSession};
use crate::store::Joined;
use crate::token::random_hex;
use crate::Error;

/// Generates one `#[tokio::test]` per contract test, each with a backend from `$factory().await`.
#[macro_export]
macro_rules! store_contract_tests {
    ($factory:path) => {
        $crate::store_contract_tests!(@each $factory;
            create_get_delete, duplicate_id_conflicts, expired_sessions_vanish,
            touch_slides_within_cap, update_patches_fields, list_pages_in_creation_order,
            pages_hold_at_most_the_largest_page,
            owner_limit_refuses, owner_limit_evicts_oldest, group_lifecycle,
            group_capacity_is_exact, expired_members_free_their_places, member_leaves_its_group, nonce_is_claimed_once,
            nonce_claim_expires, refresh_rotation_and_reuse, spent_refresh_secrets_kept_eight_deep,
            docs_round_trip,
            concurrent_joins_respect_capacity, concurrent_nonce_claims_once,
            concurrent_refresh_single_use, concurrent_creates_respect_owner_limit,
            concurrent_creates_evict_to_owner_limit,
            doc_upsert_inserts_then_patches, device_retirement_replaces_older_sessions,
            credentials_gate_creates, guards_fold_the_bearer_check_into_writes,
            named_joins_claim_unique_names, screened_groups_answer_before_joining,
            owner_sessions_read_in_one_step, large_owner_evicts_oldest_by_creation,
            large_owner_limits_and_pages_exactly, concurrent_named_joins_respect_capacity,
            scans_walk_every_owner_of_a_prefix, banned_documents_refuse_creates,
            leaving_ends_the_group_for_its_host, mark_seen_moves_only_the_last_use,
            exported_owners_come_back_whole, exported_groups_keep_members_and_names,
            imports_replace_the_owner, large_owners_come_back_whole, nonce_claims_clear,
            attempts_count_within_a_sliding_window, concurrent_attempts_count_exactly);
    };
    (@each $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let backend = $factory().await;
                $crate::contract::$name(&backend).await;
            }
        )*
    };
}

mod snapshot;
pub(crate) mod support;
pub use snapshot::*;
pub use support::Backend;
use support::{
    candidates, doc, doc_value, group_and_host, hasher, hour, member, owner, rotation, session,
    session_ids, sid,
};

/// A session comes back as stored and is gone after delete.
pub async fn create_get_delete(b: &dyn Backend) {
    let st = b.store();
    let o = owner("basic");
    let mut s = session(b, &o, "s1", hour());
    s.role = Some("host".into());
    s.device = Some("dev-1".into());
    s.token_hash = Some(hasher().hash("tok"));
    s.attrs.insert("nonce".into(), serde_json::json!(-42));
    st.create(s.clone(), None).await.unwrap();
    let got = st.get(&s.reference()).await.unwrap().expect("stored");
    assert_eq!(got, s);
    // A token check's read: the head alone, the same times and hashes.
    let head = st.get_head(&s.reference()).await.unwrap();
    assert_eq!(head, Some(crate::SessionHead::of(&s)));
    assert_eq!(st.delete(&s.reference()).await.unwrap(), 1);
    assert!(st.get(&s.reference()).await.unwrap().is_none());
    assert!(st.get_head(&s.reference()).await.unwrap().is_none());
    assert_eq!(st.delete(&s.reference()).await.unwrap(), 0);
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 0);
}

/// Creating an id that is live is a conflict and leaves the first session intact.
pub async fn duplicate_id_conflicts(b: &dyn Backend) {
    let st = b.store();
    let o = owner("dup");
    let first = session(b, &o, "same", hour());
    st.create(first.clone(), None).await.unwrap();
    let mut second = session(b, &o, "same", hour());
    second.subject = Some("intruder".into());
    assert!(matches!(
        st.create(second, None).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(st.get(&first.reference()).await.unwrap().unwrap(), first);
}

/// Expired sessions are absent from reads, listings and counts.
pub async fn expired_sessions_vanish(b: &dyn Backend) {
    let st = b.store();
    let o = owner("exp");
    let short = session(b, &o, "short", Duration::milliseconds(300));
    let long = session(b, &o, "long", hour());
    st.create(short.clone(), None).await.unwrap();
    st.create(long.clone(), None).await.unwrap();
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 2);
    b.pass(std::time::Duration::from_millis(450)).await;
    assert!(st.get(&short.reference()).await.unwrap().is_none());
    assert!(st.get_head(&short.reference()).await.unwrap().is_none());
    assert!(st
        .touch(&short.reference(), hour(), None)
        .await
        .unwrap()
        .is_none());
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 1);
    let page = st.list_by_owner(&o, None, 10).await.unwrap();
    assert_eq!(page.items, vec![long]);
}

/// Touch moves expiry to now + ttl, never past the absolute cap.
pub async fn touch_slides_within_cap(b: &dyn Backend) {
    let st = b.store();
    let o = owner("touch");
    let s = session(b, &o, "t", Duration::seconds(60));
    st.create(s.clone(), None).await.unwrap();
    let t = st
        .touch(&s.reference(), Duration::seconds(7200), None)
        .await
        .unwrap()
        .unwrap();
    let now = b.now();
    assert!(t.expires_at > now + Duration::seconds(7100));
    assert!(t.expires_at <= now + Duration::seconds(7200));
    assert!(t.updated_at >= s.updated_at);
    let capped = st
        .touch(
            &s.reference(),
            Duration::seconds(7200),
            Some(Duration::seconds(90)),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(capped.expires_at, s.created_at + Duration::seconds(90));
    assert_eq!(st.get(&s.reference()).await.unwrap().unwrap(), capped);
    // The new expiry is real: the session outlives its first ttl only because of the touch.
    let short = session(b, &o, "short", Duration::milliseconds(300));
    st.create(short.clone(), None).await.unwrap();
    st.touch(&short.reference(), hour(), None)
        .await
        .unwrap()
        .unwrap();
    b.pass(std::time::Duration::from_millis(450)).await;
    assert!(st.get(&short.reference()).await.unwrap().is_some());
}

/// Marking a session seen moves its last use to now and changes nothing else, in small and
/// large owners; a missing or expired session answers false.
pub async fn mark_seen_moves_only_the_last_use(b: &dyn Backend) {
    let st = b.store();
    let o = owner("seen");
    let mut s = session(b, &o, "m", hour());
    s.device = Some("dev-1".into());
    s.token_hash = Some(hasher().hash("tok"));
    s.origin = crate::model::Origin {
        ip: Some("198.51.100.7".parse().unwrap()),
        user_agent: Some("agent/1.0".into()),
    };
    s.attrs.insert("k".into(), serde_json::json!([1, 2]));
    st.create(s.clone(), None).await.unwrap();
    b.pass(std::time::Duration::from_millis(30)).await;
    assert!(st.mark_seen(&s.reference()).await.unwrap());
    let got = st.get(&s.reference()).await.unwrap().unwrap();
    assert!(got.updated_at > s.updated_at, "{got:?}");
    let mut expected = s.clone();
    expected.updated_at = got.updated_at;
    assert_eq!(got, expected);
    assert!(!st
        .mark_seen(&SessionRef::new(o.clone(), sid("absent")))
        .await
        .unwrap());
    // A large owner keeps its indexes: its pages and counts are unchanged by a mark.
    let big = owner("seen-large");
    let mut ids = Vec::new();
    for i in 0..40 {
        let x = session(b, &big, &format!("s{i:02}"), hour());
        st.create(x.clone(), None).await.unwrap();
        ids.push(x);
    }
    b.pass(std::time::Duration::from_millis(30)).await;
    assert!(st.mark_seen(&ids[5].reference()).await.unwrap());
    let got = st.get(&ids[5].reference()).await.unwrap().unwrap();
    assert!(got.updated_at > ids[5].updated_at);
    assert_eq!(got.expires_at, ids[5].expires_at);
    assert_eq!(st.count_by_owner(&big).await.unwrap(), 40);
    let page = st.list_by_owner(&big, None, 100).await.unwrap();
    assert_eq!(page.items.len(), 40);
    assert_eq!(page.items[5].id, ids[5].id);
    // An expired session is not marked (nor brought back).
    let short = session(b, &o, "short", Duration::milliseconds(200));
    st.create(short.clone(), None).await.unwrap();
    b.pass(std::time::Duration::from_millis(350)).await;
    assert!(!st.mark_seen(&short.reference()).await.unwrap());
    assert!(st.get(&short.reference()).await.unwrap().is_none());
}

/// Update changes only the fields named in the patch.
pub async fn update_patches_fields(b: &dyn Backend) {
    let st = b.store();
    let o = owner("upd");
    let mut s = session(b, &o, "u", hour());
    s.role = Some("app".into());
    st.create(s.clone(), None).await.unwrap();
    let mut attrs = crate::model::Attrs::new();
    attrs.insert("k".into(), serde_json::json!({"n": 1}));
    let u = st
        .update(
            &s.reference(),
            SessionPatch {
                subject: Some(Some("42".into())),
                attrs: Some(attrs.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.subject.as_deref(), Some("42"));
    assert_eq!(u.role.as_deref(), Some("app"));
    assert_eq!(u.attrs, attrs);
    assert_eq!(u.expires_at, s.expires_at);
    let cleared = st
        .update(
            &s.reference(),
            SessionPatch {
                subject: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.subject, None);
    assert_eq!(st.get(&s.reference()).await.unwrap().unwrap(), cleared);
    // Re-keying the bearer's hash keeps everything else.
    let rekeyed = st
        .update(
            &s.reference(),
            SessionPatch {
                token_hash: Some(hasher().hash("rekeyed")),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rekeyed.token_hash, Some(hasher().hash("rekeyed")));
    assert_eq!(rekeyed.role.as_deref(), Some("app"));
    assert_eq!(rekeyed.attrs, attrs);
    assert_eq!(st.get(&s.reference()).await.unwrap().unwrap(), rekeyed);
    let missing = SessionRef::new(o.clone(), sid("missing"));
    assert!(st
        .update(&missing, SessionPatch::default())
        .await
        .unwrap()
        .is_none());
}

/// A page holds at most [`MAX_PAGE_SIZE`](crate::MAX_PAGE_SIZE) sessions whatever is asked,
/// and at least one.
pub async fn pages_hold_at_most_the_largest_page(b: &dyn Backend) {
    let st = b.store();
    let o = owner("big-page");
    let all = crate::MAX_PAGE_SIZE + 1;
    futures_util::stream::iter(0..all)
        .for_each_concurrent(16, |i| {
            let (st, s) = (st.clone(), session(b, &o, &format!("p{i:04}"), hour()));
            async move {
                st.create(s, None).await.unwrap();
            }
        })
        .await;
    let page = st.list_by_owner(&o, None, 5 * all).await.unwrap();
    assert_eq!(page.items.len(), crate::MAX_PAGE_SIZE);
    let rest = st
        .list_by_owner(&o, page.next.as_ref(), 5 * all)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(st.list_by_owner(&o, None, 0).await.unwrap().items.len(), 1);
}

/// Listing pages through an owner's sessions in creation order, each exactly once.
pub async fn list_pages_in_creation_order(b: &dyn Backend) {
    let st = b.store();
    let o = owner("list");
    let other = owner("list-other");
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut s = session(b, &o, &format!("s{i:02}"), hour());
        // Distinct creation times, in an order unlike the ids'.
        s.created_at += Duration::milliseconds(10 * (7 - i));
        s.updated_at = s.created_at;
        ids.push((s.created_at, s.id.clone()));
        st.create(s, None).await.unwrap();
    }
    st.create(session(b, &other, "x", hour()), None)
        .await
        .unwrap();
    ids.sort();
    let want: Vec<SessionId> = ids.into_iter().map(|(_, id)| id).collect();
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = st.list_by_owner(&o, cursor.as_ref(), 3).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|s| s.id.clone()));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, want);
    let all = st.list_by_owner(&o, None, 100).await.unwrap();
    assert_eq!(all.items.len(), 7);
    assert!(all.next.is_none());
}

/// At the cap, the refuse policy refuses and stores nothing.
pub async fn owner_limit_refuses(b: &dyn Backend) {
    let st = b.store();
    let o = owner("refuse");
    let limit = Some(OwnerLimit {
        max: 2,
        policy: LimitPolicy::Refuse,
    });
    st.create(session(b, &o, "a", hour()), limit).await.unwrap();
    st.create(session(b, &o, "b", hour()), limit).await.unwrap();
    let c = session(b, &o, "c", hour());
    assert!(matches!(
        st.create(c.clone(), limit).await,
        Err(Error::CapacityReached)
    ));
    assert!(st.get(&c.reference()).await.unwrap().is_none());
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 2);
    // Room again once one is deleted.
    st.delete(&SessionRef::new(o.clone(), sid("a")))
        .await
        .unwrap();
    st.create(c, limit).await.unwrap();
}

/// At the cap, the evict-oldest policy deletes the oldest and reports it.
pub async fn owner_limit_evicts_oldest(b: &dyn Backend) {
    let st = b.store();
    let o = owner("evict");
    let limit = Some(OwnerLimit {
        max: 2,
        policy: LimitPolicy::EvictOldest,
    });
    let mut a = session(b, &o, "a", hour());
    a.created_at -= Duration::seconds(2);
    let mut bb = session(b, &o, "b", hour());
    bb.created_at -= Duration::seconds(1);
    st.create(a.clone(), limit).await.unwrap();
    st.create(bb.clone(), limit).await.unwrap();
    let out = st.create(session(b, &o, "c", hour()), limit).await.unwrap();
    assert_eq!(out.evicted, vec![a.id.clone()]);
    assert!(st.get(&a.reference()).await.unwrap().is_none());
    assert!(st.get(&bb.reference()).await.unwrap().is_some());
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 2);
}

/// Groups hold members; deleting the group deletes every member.
pub async fn group_lifecycle(b: &dyn Backend) {
    let st = b.store();
    let (g, host) = group_and_host(b, "grp", hour());
    st.create_group(g.clone(), host.clone()).await.unwrap();
    let m1 = member(&g, "m1");
    st.join_group(&g.reference(), m1.clone(), 5).await.unwrap();
    let members = st.list_members(&g.reference()).await.unwrap();
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["host", "m1"]);
    assert!(st.remove_member(&g.reference(), &m1.id).await.unwrap());
    assert!(!st.remove_member(&g.reference(), &m1.id).await.unwrap());
    assert!(st.get(&m1.reference()).await.unwrap().is_none());
    // A session that is not a member of this group cannot be removed through it.
    assert!(!st.remove_member(&g.reference(), &g.id).await.unwrap());
    assert_eq!(st.delete_group(&g.reference()).await.unwrap(), 2);
    assert!(st.get(&host.reference()).await.unwrap().is_none());
    assert!(st.get(&g.reference()).await.unwrap().is_none());
    assert!(matches!(
        st.join_group(&g.reference(), member(&g, "late"), 5).await,
        Err(Error::NotFound)
    ));
    assert_eq!(st.count_by_owner(&g.owner).await.unwrap(), 0);
}

/// A full group refuses the next member, and takes one again after a member leaves.
pub async fn group_capacity_is_exact(b: &dyn Backend) {
    let st = b.store();
    let (g, host) = group_and_host(b, "cap", hour());
    st.create_group(g.clone(), host).await.unwrap();
    st.join_group(&g.reference(), member(&g, "m1"), 2)
        .await
        .unwrap();
    assert!(matches!(
        st.join_group(&g.reference(), member(&g, "m2"), 2).await,
        Err(Error::CapacityReached)
    ));
    assert!(st
        .get(&member(&g, "m2").reference())
        .await
        .unwrap()
        .is_none());
    st.remove_member(&g.reference(), &sid("m1")).await.unwrap();
    st.join_group(&g.reference(), member(&g, "m2"), 2)
        .await
        .unwrap();
    // A member with the wrong parent is refused outright.
    let mut stray = member(&g, "stray");
    stray.parent = Some(sid("elsewhere"));
    assert!(matches!(
        st.join_group(&g.reference(), stray, 9).await,
        Err(Error::Invalid { .. })
    ));
}

/// A member whose session has expired no longer takes a place in its group.
pub async fn expired_members_free_their_places(b: &dyn Backend) {
    let st = b.store();
    let (g, mut host) = group_and_host(b, "expm", hour());
    host.expires_at = b.now() + Duration::milliseconds(300);
    st.create_group(g.clone(), host).await.unwrap();
    assert!(matches!(
        st.join_group(&g.reference(), member(&g, "m1"), 1).await,
        Err(Error::CapacityReached)
    ));
    b.pass(std::time::Duration::from_millis(450)).await;
    st.join_group(&g.reference(), member(&g, "m1"), 1)
        .await
        .unwrap();
    let ids: Vec<String> = st
        .list_members(&g.reference())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id.to_string())
        .collect();
    assert_eq!(ids, ["m1"]);
}

/// A member deleted directly leaves its group's roll.
pub async fn member_leaves_its_group(b: &dyn Backend) {
    let st = b.store();
    let (g, host) = group_and_host(b, "leave", hour());
    st.create_group(g.clone(), host.clone()).await.unwrap();
    assert_eq!(st.delete(&host.reference()).await.unwrap(), 1);
    assert!(st.list_members(&g.reference()).await.unwrap().is_empty());
    st.join_group(&g.reference(), member(&g, "m1"), 1)
        .await
        .unwrap();
}

/// A nonce is claimed once.
pub async fn nonce_is_claimed_once(b: &dyn Backend) {
    let st = b.store();
    let key = format!("contract:{}", random_hex(8).unwrap());
    assert!(st.claim_nonce(&key, Duration::seconds(60)).await.unwrap());
    assert!(!st.claim_nonce(&key, Duration::seconds(60)).await.unwrap());
    assert!(st
        .claim_nonce(&format!("{key}-other"), Duration::seconds(60))
        .await
        .unwrap());
}

/// A nonce claim lasts its ttl and no longer.
pub async fn nonce_claim_expires(b: &dyn Backend) {
    let st = b.store();
    let key = format!("contract:{}", random_hex(8).unwrap());
    assert!(st
        .claim_nonce(&key, Duration::milliseconds(300))
        .await
        .unwrap());
    b.pass(std::time::Duration::from_millis(450)).await;
    assert!(st.claim_nonce(&key, Duration::seconds(60)).await.unwrap());
}

fn refreshable(b: &dyn Backend, tag: &str) -> Session {
    let o = owner(tag);
    let mut s = session(b, &o, "fam", hour());
    s.token_hash = Some(hasher().hash("access-0"));
    s.refresh_hash = Some(hasher().hash("refresh-0"));
    s
}

/// Rotation spends the presented secret; presenting it again revokes the family.
pub async fn refresh_rotation_and_reuse(b: &dyn Backend) {
    let st = b.store();
    let s = refreshable(b, "rot");
    st.create(s.clone(), None).await.unwrap();
    let r = s.reference();
    assert!(matches!(
        st.rotate_refresh(&r, &hasher().hash("never-issued"), rotation(b, 9))
            .await,
        Err(Error::Unauthorized)
    ));
    let first = rotation(b, 1);
    let rotated = st
        .rotate_refresh(&r, &hasher().hash("refresh-0"), first.clone())
        .await
        .unwrap()
        .session;
    assert_eq!(rotated.refresh_hash, Some(hasher().hash("refresh-1")));
    assert_eq!(rotated.token_hash, Some(hasher().hash("access-1")));
    assert_eq!(rotated.expires_at, first.expires_at);
    assert_eq!(st.get(&r).await.unwrap().unwrap(), rotated);
    let again = st
        .rotate_refresh(&r, &hasher().hash("refresh-1"), rotation(b, 2))
        .await
        .unwrap()
        .session;
    assert_eq!(again.refresh_hash, Some(hasher().hash("refresh-2")));
    // Reuse of a spent secret: refused, and the whole family is gone.
    assert!(matches!(
        st.rotate_refresh(&r, &hasher().hash("refresh-0"), rotation(b, 3))
            .await,
        Err(Error::Replay)
    ));
    assert!(st.get(&r).await.unwrap().is_none());
    assert!(matches!(
        st.rotate_refresh(&r, &hasher().hash("refresh-2"), rotation(b, 4))
            .await,
        Err(Error::NotFound)
    ));
}

/// A family remembers its last [`SPENT_KEPT`](crate::snapshot::SPENT_KEPT) spent secrets: after
/// nine rotations the first one is forgotten (refused as unknown, the family stays), the second
/// is still a reuse (the family is revoked).
pub async fn spent_refresh_secrets_kept_eight_deep(b: &dyn Backend) {
    let st = b.store();
    let s = refreshable(b, "spent");
    st.create(s.clone(), None).await.unwrap();
    let r = s.reference();
    for n in 1..=9u32 {
        let presented = hasher().hash(&format!("refresh-{}", n - 1));
        st.rotate_refresh(&r, &presented, rotation(b, n))
            .await
            .unwrap();
    }
    assert!(matches!(
        st.rotate_refresh(&r, &hasher().hash("refresh-0"), rotation(b, 10))
            .await,
        Err(Error::Unauthorized)
    ));
    assert!(st.get(&r).await.unwrap().is_some());
    assert!(matches!(
        st.rotate_refresh(&r, &hasher().hash("refresh-1"), rotation(b, 11))
            .await,
        Err(Error::Replay)
    ));
    assert!(st.get(&r).await.unwrap().is_none());
}

/// Documents round-trip; insert never overwrites.
pub async fn docs_round_trip(b: &dyn Backend) {
    let st = b.store();
    let coll = format!("contract-{}", random_hex(6).unwrap());
    assert!(st.doc_get(&coll, "a").await.unwrap().is_none());
    st.doc_put(&coll, "b", r#"{"v":2}"#).await.unwrap();
    let (v, inserted) = st.doc_insert(&coll, "a", r#"{"v":1}"#).await.unwrap();
    assert!(inserted);
    assert_eq!(v, r#"{"v":1}"#);
    let (v, inserted) = st.doc_insert(&coll, "a", r#"{"v":9}"#).await.unwrap();
    assert!(!inserted);
    assert_eq!(v, r#"{"v":1}"#);
    st.doc_put(&coll, "a", r#"{"v":3}"#).await.unwrap();
    assert_eq!(
        st.doc_list(&coll).await.unwrap(),
        vec![
            ("a".to_owned(), r#"{"v":3}"#.to_owned()),
            ("b".to_owned(), r#"{"v":2}"#.to_owned())
        ]
    );
    assert!(st.doc_delete(&coll, "a").await.unwrap());
    assert!(!st.doc_delete(&coll, "a").await.unwrap());
    assert_eq!(st.doc_list(&coll).await.unwrap().len(), 1);
}

/// 200 concurrent joins into a group of capacity 10: exactly 10 succeed.
pub async fn concurrent_joins_respect_capacity(b: &dyn Backend) {
    let st = b.store();
    // A group with no members yet: every one of the 10 places is up for grabs.
    let (g, _) = group_and_host(b, "cjoin", hour());
    st.create(g.clone(), None).await.unwrap();
    let gref = g.reference();
    let tasks = (0..200).map(|i| {
        let st = st.clone();
        let gref = gref.clone();
        let m = member(&g, &format!("m{i:03}"));
        tokio::spawn(async move { st.join_group(&gref, m, 10).await })
    });
    let results = join_all(tasks).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let full = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(Error::CapacityReached))))
        .count();
    assert_eq!(ok, 10);
    assert_eq!(full, 190);
    assert_eq!(st.list_members(&gref).await.unwrap().len(), 10);
}

/// 100 concurrent claims of one nonce: exactly one succeeds.
pub async fn concurrent_nonce_claims_once(b: &dyn Backend) {
    let st = b.store();
    let key = format!("contract:{}", random_hex(8).unwrap());
    let tasks = (0..100).map(|_| {
        let st = st.clone();
        let key = key.clone();
        tokio::spawn(async move { st.claim_nonce(&key, Duration::seconds(60)).await })
    });
    let won = join_all(tasks)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(true))))
        .count();
    assert_eq!(won, 1);
}

/// 50 concurrent uses of one refresh secret: exactly one succeeds and the family is revoked.
pub async fn concurrent_refresh_single_use(b: &dyn Backend) {
    let st = b.store();
    let s = refreshable(b, "crot");
    st.create(s.clone(), None).await.unwrap();
    let r = s.reference();
    let presented = hasher().hash("refresh-0");
    let tasks = (0..50).map(|i| {
        let st = st.clone();
        let r = r.clone();
        let next = rotation(b, 100 + i);
        tokio::spawn(async move { st.rotate_refresh(&r, &presented, next).await })
    });
    let results = join_all(tasks).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let replay = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(Error::Replay))))
        .count();
    let gone = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(Error::NotFound))))
        .count();
    assert_eq!(ok, 1);
    assert!(replay >= 1, "the second use must be seen as a replay");
    assert_eq!(ok + replay + gone, 50);
    assert!(st.get(&r).await.unwrap().is_none(), "family revoked");
}

/// A per-owner limit of 5 under 100 concurrent refusing creates: exactly 5 succeed, and no
/// observer ever counts more than 5.
pub async fn concurrent_creates_respect_owner_limit(b: &dyn Backend) {
    limit_under_load(b, LimitPolicy::Refuse).await;
}

/// The same with eviction: all creates succeed, yet never more than 5 are live.
pub async fn concurrent_creates_evict_to_owner_limit(b: &dyn Backend) {
    limit_under_load(b, LimitPolicy::EvictOldest).await;
}

async fn limit_under_load(b: &dyn Backend, policy: LimitPolicy) {
    let st = b.store();
    let o = owner("climit");
    let limit = Some(OwnerLimit { max: 5, policy });
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let st = st.clone();
        let o = o.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut most = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                most = most.max(st.count_by_owner(&o).await.unwrap());
                tokio::task::yield_now().await;
            }
            most
        })
    };
    let tasks = (0..100).map(|i| {
        let st = st.clone();
        let s = session(b, &o, &format!("c{i:03}"), hour());
        tokio::spawn(async move { st.create(s, limit).await })
    });
    let results = join_all(tasks).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let most = watcher.await.unwrap();
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    match policy {
        LimitPolicy::Refuse => assert_eq!(ok, 5),
        LimitPolicy::EvictOldest => assert_eq!(ok, 100),
    }
    assert!(most <= 5, "an observer saw {most} live sessions");
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 5);
    assert_eq!(
        st.list_by_owner(&o, None, 100).await.unwrap().items.len(),
        5
    );
}

/// The owner's document is inserted by the first create and patched (only where it differs)
/// by later ones, in the same step as the session.
pub async fn doc_upsert_inserts_then_patches(b: &dyn Backend) {
    let st = b.store();
    let o = owner("doc");
    let up = |name: &str| DocUpsert {
        fresh: doc(serde_json::json!({"id": "u-1", "name": name, "at": 1})),
        patch: vec![("name".into(), name.into())],
        stamp: Some("at".into()),
        ..DocUpsert::default()
    };
    let mut first = NewSession::new(session(b, &o, "a", hour()));
    first.doc = Some(up("Ann"));
    let out = st.create_with(first).await.unwrap();
    assert!(out.doc_inserted);
    assert_eq!(doc_value(&out.doc.unwrap())["name"], "Ann");
    let mut same = NewSession::new(session(b, &o, "b", hour()));
    same.doc = Some(up("Ann"));
    let out = st.create_with(same).await.unwrap();
    assert!(!out.doc_inserted);
    assert_eq!(
        doc_value(&out.doc.unwrap())["at"],
        1,
        "unchanged: not stamped"
    );
    let mut renamed = NewSession::new(session(b, &o, "c", hour()));
    renamed.doc = Some(up("Bea"));
    let out = st.create_with(renamed).await.unwrap();
    let d = doc_value(&out.doc.unwrap());
    assert_eq!(d["name"], "Bea");
    assert_eq!(d["id"], "u-1", "the first insert's values stay");
    assert!(d["at"].as_i64().unwrap() > 1);
    assert_eq!(doc_value(&st.owner_doc(&o).await.unwrap().unwrap()), d);
    assert_eq!(st.owner_doc(&owner("nodoc")).await.unwrap(), None);
    // Defaults stay implicit; a flag on the document refuses creates.
    let mut plain = NewSession::new(session(b, &o, "d", hour()));
    plain.doc = Some(DocUpsert {
        patch: vec![("nick".into(), "u-1".into())],
        defaults: vec![("nick".into(), "u-1".into())],
        refuse_if: Some("banned".into()),
        ..up("Bea")
    });
    let out = st.create_with(plain).await.unwrap();
    assert_eq!(
        doc_value(&out.doc.unwrap()),
        d,
        "a patch to the default changes nothing"
    );
    // The document outlives the owner's sessions.
    for id in ["a", "b", "c", "d"] {
        st.delete(&SessionRef::new(o.clone(), sid(id)))
            .await
            .unwrap();
    }
    assert_eq!(doc_value(&st.owner_doc(&o).await.unwrap().unwrap()), d);
    // A refresh rotation hands the document back too.
    let mut fam = session(b, &o, "fam", hour());
    fam.token_hash = Some(hasher().hash("access-0"));
    fam.refresh_hash = Some(hasher().hash("refresh-0"));
    st.create(fam.clone(), None).await.unwrap();
    let rotated = st
        .rotate_refresh(
            &fam.reference(),
            &hasher().hash("refresh-0"),
            rotation(b, 1),
        )
        .await
        .unwrap();
    assert_eq!(doc_value(&rotated.doc.unwrap()), d);
}

/// One session per device: a new session retires the owner's older ones on its device.
pub async fn device_retirement_replaces_older_sessions(b: &dyn Backend) {
    let st = b.store();
    let o = owner("device");
    let on = |id: &str, device: &str| {
        let mut s = session(b, &o, id, hour());
        s.device = Some(device.into());
        let mut n = NewSession::new(s);
        n.retire_device = true;
        n
    };
    st.create_with(on("a", "phone")).await.unwrap();
    st.create_with(on("b", "laptop")).await.unwrap();
    let out = st.create_with(on("c", "phone")).await.unwrap();
    assert_eq!(out.retired, vec![sid("a")]);
    let ids = session_ids(&*st, &o).await;
    assert_eq!(ids, ["b", "c"]);
    // With a limit, retirement makes room first: nothing is evicted.
    let mut d = on("d", "laptop");
    d.limit = Some(OwnerLimit {
        max: 2,
        policy: LimitPolicy::EvictOldest,
    });
    let out = st.create_with(d).await.unwrap();
    assert_eq!(out.retired, vec![sid("b")]);
    assert!(out.evicted.is_empty());
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 2);
}

/// A create that names a credential needs a live one of the owner; credentials are capped.
pub async fn credentials_gate_creates(b: &dyn Backend) {
    let st = b.store();
    let o = owner("cred");
    let h = |n: u32| hasher().hash(&format!("auth-{n}"));
    let with = |id: &str, cred: u32| {
        let mut n = NewSession::new(session(b, &o, id, hour()));
        n.credential = Some(h(cred));
        n
    };
    assert!(matches!(
        st.create_with(with("a", 1)).await,
        Err(Error::Unauthorized)
    ));
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 0);
    // Issued within one millisecond or not, credential 1 is the oldest of nine with room for
    // eight, whatever the order of their hashes (on a clock that stands still, all nine are
    // issued at the same instant).
    for n in 1..=9 {
        st.issue_credential(&o, &h(n), hour(), 8).await.unwrap();
    }
    assert!(matches!(
        st.create_with(with("a", 1)).await,
        Err(Error::Unauthorized)
    ));
    for n in 2..=9 {
        st.create_with(with(&format!("k{n}"), n)).await.unwrap();
    }
    st.create_with(with("a", 2)).await.unwrap();
    // Not spent by use.
    st.create_with(with("b", 2)).await.unwrap();
    st.issue_credential(&o, &h(4), Duration::milliseconds(300), 5)
        .await
        .unwrap();
    b.pass(std::time::Duration::from_millis(450)).await;
    assert!(matches!(
        st.create_with(with("c", 4)).await,
        Err(Error::Unauthorized)
    ));
}

/// A guard makes a write conditional on the acting session's token (and role).
pub async fn guards_fold_the_bearer_check_into_writes(b: &dyn Backend) {
    let st = b.store();
    let (g, mut host) = group_and_host(b, "guard", hour());
    host.token_hash = Some(hasher().hash("host-token"));
    st.create_group(g.clone(), host.clone()).await.unwrap();
    let mut m1 = member(&g, "m1");
    m1.token_hash = Some(hasher().hash("m1-token"));
    st.join_group(&g.reference(), m1.clone(), 5).await.unwrap();
    let guard = |id: &Session, token: &str, role: Option<&str>| Guard {
        id: id.id.clone(),
        token: hasher().hash(token),
        role: role.map(str::to_owned),
    };
    // A wrong token, an unknown actor, a wrong role: nothing happens.
    for (g2, err) in [
        (guard(&host, "forged", Some("Host")), "unauthorized"),
        (guard(&member(&g, "ghost"), "x", None), "unauthorized"),
        (guard(&m1, "m1-token", Some("Host")), "forbidden"),
    ] {
        let out = st
            .remove_member_guarded(&g.reference(), &m1.id, Some(&g2))
            .await;
        match err {
            "unauthorized" => assert!(matches!(out, Err(Error::Unauthorized)), "{out:?}"),
            _ => assert!(matches!(out, Err(Error::Forbidden)), "{out:?}"),
        }
    }
    assert_eq!(st.list_members(&g.reference()).await.unwrap().len(), 2);
    let patched = st
        .update_guarded(
            &m1.reference(),
            SessionPatch {
                subject: Some(Some("renamed".into())),
                ..Default::default()
            },
            Some(&guard(&m1, "m1-token", None)),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(patched.subject.as_deref(), Some("renamed"));
    assert!(st
        .remove_member_guarded(
            &g.reference(),
            &m1.id,
            Some(&guard(&host, "host-token", Some("Host")))
        )
        .await
        .unwrap());
    assert!(matches!(
        st.delete_guarded(&g.reference(), Some(&guard(&m1, "m1-token", None)))
            .await,
        Err(Error::Unauthorized)
    ));
    assert_eq!(
        st.delete_guarded(
            &g.reference(),
            Some(&guard(&host, "host-token", Some("Host")))
        )
        .await
        .unwrap(),
        2
    );
}

/// Names are unique in a group for its whole life: a join takes the first free candidate.
pub async fn named_joins_claim_unique_names(b: &dyn Backend) {
    let st = b.store();
    let (g, _) = group_and_host(b, "names", hour());
    let picked = st
        .create_group_named(g.clone(), candidates(&g, "host", &["otter"]))
        .await
        .unwrap();
    assert_eq!(picked, 0);
    let j = st
        .join_group_named(
            &g.reference(),
            candidates(&g, "m1", &["otter", "lynx"]),
            Some(9),
            None,
        )
        .await
        .unwrap();
    assert!(matches!(j, Joined::Member { index: 1, .. }), "{j:?}");
    let m1 = st
        .get(&member(&g, "m1").reference())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m1.attrs["name"], "lynx");
    // Leaving does not free the name.
    st.remove_member(&g.reference(), &sid("m1")).await.unwrap();
    assert_eq!(
        st.join_group_named(
            &g.reference(),
            candidates(&g, "m2", &["lynx", "otter"]),
            Some(9),
            None
        )
        .await
        .unwrap(),
        Joined::NamesTaken
    );
    assert!(st
        .get(&member(&g, "m2").reference())
        .await
        .unwrap()
        .is_none());
    // The same member twice is a conflict whatever the name.
    assert!(matches!(
        st.join_group_named(
            &g.reference(),
            candidates(&g, "host", &["puma"]),
            Some(9),
            None
        )
        .await,
        Err(Error::Conflict(_))
    ));
}

/// A group whose role asks for screening answers with itself instead of joining.
pub async fn screened_groups_answer_before_joining(b: &dyn Backend) {
    let st = b.store();
    let (mut g, host) = group_and_host(b, "screen", hour());
    g.role = Some("screened".into());
    g.capacity = Some(2);
    g.attrs.insert("password".into(), serde_json::json!("hash"));
    st.create_group(g.clone(), host).await.unwrap();
    let out = st
        .join_group_named(
            &g.reference(),
            candidates(&g, "m1", &["a"]),
            None,
            Some("screened"),
        )
        .await
        .unwrap();
    assert_eq!(out, Joined::Screen(Box::new(g.clone())));
    assert!(st
        .get(&member(&g, "m1").reference())
        .await
        .unwrap()
        .is_none());
    let out = st
        .join_group_named(&g.reference(), candidates(&g, "m1", &["a"]), None, None)
        .await
        .unwrap();
    match out {
        Joined::Member { index: 0, group } => assert_eq!(*group, g),
        other => panic!("{other:?}"),
    }
    // The group's own capacity applies: the host and one member fill it.
    assert!(matches!(
        st.join_group_named(&g.reference(), candidates(&g, "m2", &["b"]), None, None)
            .await,
        Err(Error::CapacityReached)
    ));
    // A group with another role joins at once.
    let (g2, host2) = group_and_host(b, "open", hour());
    st.create_group(g2.clone(), host2).await.unwrap();
    let out = st
        .join_group_named(
            &g2.reference(),
            candidates(&g2, "m1", &["a"]),
            None,
            Some("screened"),
        )
        .await
        .unwrap();
    assert!(matches!(out, Joined::Member { index: 0, .. }), "{out:?}");
}

/// One read returns every live session of an owner in creation order.
pub async fn owner_sessions_read_in_one_step(b: &dyn Backend) {
    let st = b.store();
    let (g, host) = group_and_host(b, "view", hour());
    st.create_group(g.clone(), host.clone()).await.unwrap();
    let mut short = member(&g, "short");
    short.expires_at = b.now() + Duration::milliseconds(300);
    st.join_group(&g.reference(), short, 9).await.unwrap();
    st.join_group(&g.reference(), member(&g, "m2"), 9)
        .await
        .unwrap();
    b.pass(std::time::Duration::from_millis(450)).await;
    let all = st.owner_sessions(&g.owner).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["group", "host", "m2"]);
    assert_eq!(all[1], host);
    assert!(st.owner_sessions(&owner("empty")).await.unwrap().is_empty());
}

/// An owner with hundreds of sessions: eviction takes the oldest by creation even when a
/// younger session expires first, and touched sessions keep their place.
pub async fn large_owner_evicts_oldest_by_creation(b: &dyn Backend) {
    let st = b.store();
    let o = owner("large");
    let limit = Some(OwnerLimit {
        max: 150,
        policy: LimitPolicy::EvictOldest,
    });
    let t0 = b.now();
    for i in 0..150 {
        let mut s = session(b, &o, &format!("s{i:03}"), hour());
        s.created_at = t0 + Duration::milliseconds(i);
        s.updated_at = s.created_at;
        // Older sessions expire later: expiry order is the reverse of creation order.
        s.expires_at = t0 + Duration::hours(2) - Duration::seconds(i);
        st.create(s, limit).await.unwrap();
    }
    st.touch(
        &SessionRef::new(o.clone(), sid("s001")),
        Duration::hours(5),
        None,
    )
    .await
    .unwrap()
    .unwrap();
    for (n, want) in [(150, "s000"), (151, "s001"), (152, "s002")] {
        let mut s = session(b, &o, &format!("s{n:03}"), hour());
        s.created_at = t0 + Duration::milliseconds(n);
        s.updated_at = s.created_at;
        let out = st.create(s, limit).await.unwrap();
        assert_eq!(out.evicted, vec![sid(want)]);
    }
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 150);
    let first = st.list_by_owner(&o, None, 2).await.unwrap();
    let ids: Vec<&str> = first.items.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s003", "s004"]);
}

/// An owner with hundreds of sessions, some expiring: refusals, counts and pages stay exact.
pub async fn large_owner_limits_and_pages_exactly(b: &dyn Backend) {
    let st = b.store();
    let o = owner("large-refuse");
    let limit = Some(OwnerLimit {
        max: 200,
        policy: LimitPolicy::Refuse,
    });
    for i in 0..200 {
        let ttl = if i % 4 == 1 {
            Duration::milliseconds(300)
        } else {
            hour()
        };
        st.create(session(b, &o, &format!("s{i:03}"), ttl), limit)
            .await
            .unwrap();
    }
    assert!(matches!(
        st.create(session(b, &o, "over", hour()), limit).await,
        Err(Error::CapacityReached)
    ));
    b.pass(std::time::Duration::from_millis(450)).await;
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 150);
    for i in 0..50 {
        st.create(session(b, &o, &format!("t{i:03}"), hour()), limit)
            .await
            .unwrap();
    }
    assert!(matches!(
        st.create(session(b, &o, "over", hour()), limit).await,
        Err(Error::CapacityReached)
    ));
    let mut seen = 0;
    let mut cursor: Option<Cursor> = None;
    let mut last: Option<String> = None;
    loop {
        let page = st.list_by_owner(&o, cursor.as_ref(), 64).await.unwrap();
        for s in &page.items {
            let key = s.order_key();
            assert!(last.as_deref() < Some(key.as_str()), "creation order");
            last = Some(key);
        }
        seen += page.items.len();
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, 200);
    // Extending a session keeps it in its place and alive.
    let s = SessionRef::new(o.clone(), sid("s000"));
    st.touch(&s, Duration::hours(3), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        st.list_by_owner(&o, None, 1).await.unwrap().items[0].id,
        sid("s000")
    );
}

/// 60 concurrent named joins into a group of capacity 10, three candidate names each from a
/// small pool: exactly 10 join and no name is held twice.
pub async fn concurrent_named_joins_respect_capacity(b: &dyn Backend) {
    let st = b.store();
    let (mut g, _) = group_and_host(b, "cnames", hour());
    g.capacity = Some(10);
    st.create(g.clone(), None).await.unwrap();
    let gref = g.reference();
    let pool = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
    let tasks = (0..60).map(|i| {
        let st = st.clone();
        let gref = gref.clone();
        let names = [pool[i % 12], pool[(i + 5) % 12], pool[(i + 7) % 12]];
        let c = candidates(&g, &format!("m{i:03}"), &names);
        tokio::spawn(async move { st.join_group_named(&gref, c, None, None).await })
    });
    let results = join_all(tasks).await;
    let ok = results
        .iter()
        .filter(|r| matches!(r, Ok(Ok(Joined::Member { .. }))))
        .count();
    assert_eq!(ok, 10);
    let members = st.list_members(&gref).await.unwrap();
    assert_eq!(members.len(), 10);
    let mut names: Vec<String> = members
        .iter()
        .map(|m| m.attrs["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 10, "every name held once");
}

/// An administrative scan returns every owner of a prefix, and no other.
pub async fn scans_walk_every_owner_of_a_prefix(b: &dyn Backend) {
    let st = b.store();
    let tag = random_hex(6).unwrap();
    let mut want = Vec::new();
    for i in 0..37 {
        let o = Owner::new(
            Flavor::Quickblox,
            &[&format!("scan{tag}"), &format!("u{i}")],
        )
        .unwrap();
        let mut s = session(b, &o, "s", hour());
        s.flavor = Flavor::Quickblox;
        st.create(s, None).await.unwrap();
        want.push(o);
    }
    let other = Owner::new(Flavor::Quickblox, &[&format!("scanx{tag}"), "u"]).unwrap();
    st.create(session(b, &other, "s", hour()), None)
        .await
        .unwrap();
    let prefix = format!("qb:scan{tag}:");
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut calls = 0;
    loop {
        let (page, next) = st.scan_owners(&prefix, &cursor, 10).await.unwrap();
        seen.extend(page);
        calls += 1;
        assert!(calls < 10_000, "the scan never ends");
        if next.is_empty() {
            break;
        }
        cursor = next;
    }
    seen.sort();
    seen.dedup();
    want.sort();
    assert_eq!(seen, want);
    assert!(st.scan_owners(&prefix, "not a cursor", 10).await.is_err());
}

/// A document flagged by `refuse_if` refuses creates, and nothing is stored.
pub async fn banned_documents_refuse_creates(b: &dyn Backend) {
    let st = b.store();
    let o = owner("ban");
    let mut first = NewSession::new(session(b, &o, "a", hour()));
    first.doc = Some(DocUpsert {
        fresh: doc(serde_json::json!({"id": "u-1", "ban": true})),
        refuse_if: Some("ban".into()),
        ..DocUpsert::default()
    });
    // Inserting a flagged document is allowed; only an existing one refuses.
    st.create_with(first.clone()).await.unwrap();
    let mut second = first.clone();
    second.session = session(b, &o, "b", hour());
    assert!(matches!(
        st.create_with(second).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 1);
}

/// A member leaves its group; the host leaving ends the group.
pub async fn leaving_ends_the_group_for_its_host(b: &dyn Backend) {
    let st = b.store();
    let (g, mut host) = group_and_host(b, "leave2", hour());
    host.token_hash = Some(hasher().hash("h"));
    st.create_group(g.clone(), host.clone()).await.unwrap();
    let mut m1 = member(&g, "m1");
    m1.token_hash = Some(hasher().hash("m"));
    st.join_group(&g.reference(), m1.clone(), 5).await.unwrap();
    let as_m1 = Guard {
        id: m1.id.clone(),
        token: hasher().hash("m"),
        role: None,
    };
    assert!(matches!(
        st.leave_group(
            &g.reference(),
            &m1.id,
            Some(&Guard {
                token: hasher().hash("x"),
                ..as_m1.clone()
            }),
            "Host"
        )
        .await,
        Err(Error::Unauthorized)
    ));
    assert_eq!(
        st.leave_group(&g.reference(), &m1.id, Some(&as_m1), "Host")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        st.leave_group(&g.reference(), &m1.id, None, "Host")
            .await
            .unwrap(),
        0
    );
    st.join_group(&g.reference(), member(&g, "m2"), 5)
        .await
        .unwrap();
    let as_host = Guard {
        id: host.id.clone(),
        token: hasher().hash("h"),
        role: None,
    };
    assert_eq!(
        st.leave_group(&g.reference(), &host.id, Some(&as_host), "Host")
            .await
            .unwrap(),
        3
    );
    assert!(st.get(&g.reference()).await.unwrap().is_none());
}
