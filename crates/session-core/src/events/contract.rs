//! The events contract: every store that writes events runs these unchanged through
//! [`events_contract_tests!`](crate::events_contract_tests). Each test works in owners and a
//! consumer group of its own, so backends may share one server between tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;

use crate::contract::support::sid;
use crate::events::RevokeReason;
use crate::events::{
    DeadLetter, Event, ReadRequest, SharedEventLog, Signs, TenantChange, DEAD_LETTERS_KEPT,
};
use crate::model::SessionRef;
use crate::model::{
    Flavor, LimitPolicy, Owner, OwnerLimit, Rotation, Session, SessionId, SessionPatch,
};
use crate::plan::{Candidate, Guard, NewSession, Revocation};
use crate::store::SharedStore;
use crate::token::{random_hex, TokenHasher};
use crate::Error;

/// A store that writes events, its log, and a way to let time pass for it.
#[async_trait]
pub trait EventBackend: Send + Sync {
    /// The store.
    fn store(&self) -> SharedStore;
    /// Its event log.
    fn log(&self) -> SharedEventLog;
    /// The time the store believes it is.
    fn now(&self) -> DateTime<Utc>;
    /// Lets `d` pass for the store.
    async fn pass(&self, d: std::time::Duration);
}

/// Generates one `#[tokio::test]` per events contract test, each with a backend from
/// `$factory().await`.
#[macro_export]
macro_rules! events_contract_tests {
    ($factory:path) => {
        $crate::events_contract_tests!(@each $factory;
            every_change_writes_its_event, groups_write_member_events,
            tenant_changes_write_events, expiry_is_reported_once,
            large_owners_write_their_events, concurrent_changes_keep_each_sessions_order,
            refused_changes_write_nothing, subject_changes_sign_in_and_out,
            subject_changes_of_an_owner_that_implies_one, dead_letters_keep_the_newest);
    };
    (@each $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let backend = $factory().await;
                $crate::events::contract::$name(&backend).await;
            }
        )*
    };
}

fn owner(tag: &str) -> Owner {
    Owner::new(
        Flavor::SessionStorage,
        &["events", tag, &random_hex(6).unwrap()],
    )
    .unwrap()
}

fn session(b: &dyn EventBackend, owner: &Owner, id: &str, ttl: Duration) -> Session {
    crate::contract::support::session_at(b.now(), owner, id, ttl)
}

fn hasher() -> TokenHasher {
    TokenHasher::new("events-contract")
}

/// A consumer group of the test's own, registered before anything happens.
async fn group(b: &dyn EventBackend) -> String {
    let g = format!("t{}", random_hex(4).unwrap());
    b.log().register(&g).await.unwrap();
    g
}

/// Everything `group` has not read yet of the partitions of `owners`, acknowledged, of those
/// owners alone.
async fn events_in(b: &dyn EventBackend, group: &str, owners: &[&Owner]) -> Vec<Event> {
    let log = b.log();
    let mut partitions: Vec<usize> = owners.iter().map(|o| log.partition_of(o)).collect();
    partitions.sort_unstable();
    partitions.dedup();
    let mut out = Vec::new();
    for p in partitions {
        loop {
            let req = ReadRequest {
                group,
                partition: p,
                worker: "w1",
                count: 500,
                pending: false,
            };
            let batch = log.read(req).await.unwrap();
            if batch.is_empty() {
                break;
            }
            let ids: Vec<String> = batch.iter().map(|e| e.id.clone()).collect();
            log.ack(group, p, &ids).await.unwrap();
            out.extend(batch);
        }
    }
    out.retain(|e| {
        e.session
            .as_ref()
            .is_some_and(|r| owners.contains(&&r.owner))
    });
    out
}

/// The events of `owner` among `events`.
fn of(events: &[Event], owner: &Owner) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.session.as_ref().is_some_and(|r| &r.owner == owner))
        .cloned()
        .collect()
}

/// Everything `group` has not read yet of `owner`.
async fn events_of(b: &dyn EventBackend, group: &str, owner: &Owner) -> Vec<Event> {
    events_in(b, group, &[owner]).await
}

/// `(kind code, session id)` of each event.
fn brief(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let id = e
                .session
                .as_ref()
                .map(|r| r.id.to_string())
                .unwrap_or_default();
            (e.kind.code(), id)
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, i)| ((*k).to_owned(), (*i).to_owned()))
        .collect()
}

/// Creations, device replacement, eviction, refresh, reuse, logout and admin revocation each
/// write their event, in order, with what the session carried and never a secret.
pub async fn every_change_writes_its_event(b: &dyn EventBackend) {
    let st = b.store();
    let g = group(b).await;
    let o = owner("every");
    let mut s1 = session(b, &o, "s1", Duration::hours(1));
    s1.device = Some("phone".into());
    st.create(s1.clone(), None).await.unwrap();
    let mut s2 = session(b, &o, "s2", Duration::hours(1));
    s2.device = Some("phone".into());
    let mut retiring = NewSession::new(s2);
    retiring.retire_device = true;
    st.create_with(retiring).await.unwrap();
    let limit = Some(OwnerLimit {
        max: 1,
        policy: LimitPolicy::EvictOldest,
    });
    let mut s3 = session(b, &o, "s3", Duration::hours(1));
    s3.token_hash = Some(hasher().hash("a1"));
    s3.refresh_hash = Some(hasher().hash("r1"));
    st.create(s3.clone(), limit).await.unwrap();
    let refreshed_until = crate::model::truncate_ms(b.now() + Duration::hours(2));
    let next = Rotation {
        token_hash: hasher().hash("a2"),
        refresh_hash: hasher().hash("r2"),
        expires_at: refreshed_until,
    };
    st.rotate_refresh(&s3.reference(), &hasher().hash("r1"), next.clone())
        .await
        .unwrap();
    assert!(matches!(
        st.rotate_refresh(&s3.reference(), &hasher().hash("r1"), next)
            .await,
        Err(Error::Replay)
    ));
    let s4 = session(b, &o, "s4", Duration::hours(1));
    st.create(s4.clone(), None).await.unwrap();
    assert_eq!(st.delete(&s4.reference()).await.unwrap(), 1);
    let s5 = session(b, &o, "s5", Duration::hours(1));
    st.create(s5.clone(), None).await.unwrap();
    assert_eq!(
        st.revoke(&s5.reference(), Revocation::by(RevokeReason::Admin))
            .await
            .unwrap(),
        1
    );
    // A delete of nothing writes nothing.
    assert_eq!(st.delete(&s5.reference()).await.unwrap(), 0);
    let events = events_of(b, &g, &o).await;
    assert_eq!(
        brief(&events),
        pairs(&[
            ("c", "s1"),
            ("rd", "s1"),
            ("c", "s2"),
            ("re", "s2"),
            ("c", "s3"),
            ("f", "s3"),
            ("ru", "s3"),
            ("c", "s4"),
            ("ro", "s4"),
            ("c", "s5"),
            ("ra", "s5"),
        ])
    );
    let first = &events[0];
    assert_eq!(first.flavor, Some(Flavor::SessionStorage));
    assert_eq!(first.tenant.as_deref(), Some("tenant-a"));
    assert_eq!(first.subject.as_deref(), Some("user-1"));
    assert_eq!(first.device.as_deref(), Some("phone"));
    assert_eq!(first.expires_at, Some(s1.expires_at));
    assert_eq!(events[1].device.as_deref(), Some("phone"));
    assert_eq!(events[5].expires_at, Some(refreshed_until));
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "every event has an id of its own");
    // Nothing more for this group: each event is read once.
    assert!(events_of(b, &g, &o).await.is_empty());
}

/// A group of `capacity` created with its host; both returned.
async fn hosted_group(b: &dyn EventBackend, o: &Owner, capacity: u32) -> (Session, Session) {
    let mut g = session(b, o, "g", Duration::hours(1));
    g.capacity = Some(capacity);
    let host = member(b, &g, "host", Some("Host"));
    b.store()
        .create_group_named(
            g.clone(),
            vec![Candidate {
                name: "h".into(),
                member: host.clone(),
            }],
        )
        .await
        .unwrap();
    (g, host)
}

fn member(b: &dyn EventBackend, g: &Session, id: &str, role: Option<&str>) -> Session {
    let mut m = session(b, &g.owner, id, Duration::hours(1));
    m.parent = Some(g.id.clone());
    m.role = role.map(str::to_owned);
    m.device = Some(format!("wallet-{id}"));
    m
}

/// A group, its members joining, one kicked, one leaving, then the host leaving with the group.
pub async fn groups_write_member_events(b: &dyn EventBackend) {
    let st = b.store();
    let gr = group(b).await;
    let o = owner("group");
    let (g, host) = hosted_group(b, &o, 10).await;
    for id in ["m1", "m2", "m3"] {
        st.join_group(&g.reference(), member(b, &g, id, None), 10)
            .await
            .unwrap();
    }
    assert!(st.remove_member(&g.reference(), &sid("m1")).await.unwrap());
    assert_eq!(
        st.leave_group(&g.reference(), &sid("m2"), None, "Host")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        st.leave_group(&g.reference(), &host.id, None, "Host")
            .await
            .unwrap(),
        3
    );
    let events = events_of(b, &gr, &o).await;
    let got = brief(&events);
    assert_eq!(
        got[..16],
        pairs(&[
            ("c", "g"),
            ("c", "host"),
            ("j", "host"),
            ("c", "m1"),
            ("j", "m1"),
            ("c", "m2"),
            ("j", "m2"),
            ("c", "m3"),
            ("j", "m3"),
            ("rk", "m1"),
            ("l", "m1"),
            ("rn", "m2"),
            ("l", "m2"),
            ("rn", "host"),
            ("l", "host"),
            ("rg", "g"),
        ])
    );
    assert_eq!(got[16..], pairs(&[("rg", "m3")]));
    for e in &events {
        let id = e.session.as_ref().unwrap().id.as_str();
        if id == "g" {
            assert_eq!(e.group, None);
        } else {
            assert_eq!(e.group.as_ref().map(SessionId::as_str), Some("g"), "{e:?}");
            assert_eq!(e.device.as_deref(), Some(format!("wallet-{id}").as_str()));
        }
    }
}

/// A stored, inserted or deleted tenant document writes `tenant.changed`; a change of nothing
/// writes nothing. Read through the pull API's pages.
pub async fn tenant_changes_write_events(b: &dyn EventBackend) {
    let st = b.store();
    let log = b.log();
    let id = format!("tenant-{}", random_hex(4).unwrap());
    st.doc_put("amity.networks", &id, "{}").await.unwrap();
    assert!(!st.doc_insert("amity.networks", &id, "{}").await.unwrap().1);
    assert!(st.doc_delete("amity.networks", &id).await.unwrap());
    assert!(!st.doc_delete("amity.networks", &id).await.unwrap());
    let other = format!("tenant-{}", random_hex(4).unwrap());
    assert!(
        st.doc_insert("quickblox.users", &other, "{}")
            .await
            .unwrap()
            .1
    );
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen.clear();
        let mut after: Option<String> = None;
        loop {
            let page = log.page(after.as_deref(), 500).await.unwrap();
            if page.events.is_empty() {
                break;
            }
            seen.extend(page.events.into_iter().filter(|e| {
                e.tenant.as_deref() == Some(id.as_str())
                    || e.tenant.as_deref() == Some(other.as_str())
            }));
            after = page.next;
        }
        if seen.len() >= 3 {
            break;
        }
        b.pass(std::time::Duration::from_millis(100)).await;
    }
    // Each document's events in its order; two documents' partitions may interleave.
    let of = |tenant: &str| -> Vec<(String, String, Option<Flavor>)> {
        seen.iter()
            .filter(|e| e.tenant.as_deref() == Some(tenant))
            .map(|e| {
                (
                    e.kind.code(),
                    e.collection.clone().unwrap_or_default(),
                    e.flavor,
                )
            })
            .collect()
    };
    assert_eq!(
        of(&id),
        vec![
            ("tp".into(), "amity.networks".into(), Some(Flavor::Amity)),
            ("td".into(), "amity.networks".into(), Some(Flavor::Amity)),
        ]
    );
    assert_eq!(
        of(&other),
        vec![(
            "tp".into(),
            "quickblox.users".into(),
            Some(Flavor::Quickblox)
        )]
    );
}

/// A passive expiry is found by the sweep (or by the next write of the owner) and reported
/// exactly once; a session whose expiry moved is not reported early.
pub async fn expiry_is_reported_once(b: &dyn EventBackend) {
    let st = b.store();
    let log = b.log();
    let gr = group(b).await;
    let short = std::time::Duration::from_millis(300);
    let o1 = owner("exp1");
    let o2 = owner("exp2");
    let a = session(b, &o1, "a", Duration::milliseconds(300));
    let keep = session(b, &o1, "keep", Duration::hours(1));
    let c = session(b, &o2, "c", Duration::milliseconds(300));
    let moved = session(b, &o2, "moved", Duration::milliseconds(300));
    for s in [&a, &keep, &c, &moved] {
        st.create((*s).clone(), None).await.unwrap();
    }
    st.touch(&moved.reference(), Duration::hours(1), None)
        .await
        .unwrap()
        .unwrap();
    b.pass(short + std::time::Duration::from_millis(200)).await;
    // o1 is written again: its create drops (and reports) the expired one.
    st.create(session(b, &o1, "later", Duration::hours(1)), None)
        .await
        .unwrap();
    for _ in 0..2 {
        for o in [&o1, &o2] {
            log.sweep(&[log.partition_of(o)], 1000).await.unwrap();
        }
    }
    let all = events_in(b, &gr, &[&o1, &o2]).await;
    let e1 = brief(&of(&all, &o1));
    assert_eq!(
        e1,
        pairs(&[("c", "a"), ("c", "keep"), ("x", "a"), ("c", "later")])
    );
    let e2 = brief(&of(&all, &o2));
    assert_eq!(e2, pairs(&[("c", "c"), ("c", "moved"), ("x", "c")]));
    assert!(st.get(&moved.reference()).await.unwrap().is_some());
    assert!(st.get(&keep.reference()).await.unwrap().is_some());
}

/// Owners past the small-owner bound keep writing every event: eviction, expiry, delete.
pub async fn large_owners_write_their_events(b: &dyn EventBackend) {
    let st = b.store();
    let log = b.log();
    let gr = group(b).await;
    let o = owner("large");
    let limit = Some(OwnerLimit {
        max: 36,
        policy: LimitPolicy::EvictOldest,
    });
    for i in 0..40 {
        st.create(
            session(b, &o, &format!("s{i:02}"), Duration::hours(1)),
            limit,
        )
        .await
        .unwrap();
    }
    assert_eq!(
        st.delete(&SessionRef::new(o.clone(), sid("s39")))
            .await
            .unwrap(),
        1
    );
    let got = brief(&events_of(b, &gr, &o).await);
    assert_eq!(got.iter().filter(|(k, _)| k == "c").count(), 40);
    let evicted: Vec<&str> = got
        .iter()
        .filter(|(k, _)| k == "re")
        .map(|(_, i)| i.as_str())
        .collect();
    assert_eq!(evicted, ["s00", "s01", "s02", "s03"]);
    assert_eq!(got.last(), Some(&("ro".to_owned(), "s39".to_owned())));
    // Each eviction comes after its session's creation.
    for (at, (k, id)) in got.iter().enumerate() {
        if k == "re" {
            assert!(got[..at].contains(&("c".to_owned(), id.clone())));
        }
    }

    let short = owner("large-exp");
    for i in 0..40 {
        st.create(
            session(b, &short, &format!("e{i:02}"), Duration::milliseconds(400)),
            None,
        )
        .await
        .unwrap();
    }
    b.pass(std::time::Duration::from_millis(600)).await;
    for _ in 0..3 {
        log.sweep(&[log.partition_of(&short)], 1000).await.unwrap();
    }
    let got = brief(&events_of(b, &gr, &short).await);
    let mut expired: Vec<&str> = got
        .iter()
        .filter(|(k, _)| k == "x")
        .map(|(_, i)| i.as_str())
        .collect();
    expired.sort_unstable();
    let want: Vec<String> = (0..40).map(|i| format!("e{i:02}")).collect();
    assert_eq!(expired, want.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(st.count_by_owner(&short).await.unwrap(), 0);
}

/// Many owners changing at once: each session's events are complete and in order.
pub async fn concurrent_changes_keep_each_sessions_order(b: &dyn EventBackend) {
    let st = b.store();
    let gr = group(b).await;
    let owners: Vec<Owner> = (0..8).map(|i| owner(&format!("conc{i}"))).collect();
    let work = owners.iter().flat_map(|o| {
        let st = st.clone();
        (0..10).map(move |i| {
            let st = st.clone();
            let s = session(b, o, &format!("s{i}"), Duration::hours(1));
            async move {
                st.create(s.clone(), None).await.unwrap();
                st.touch(&s.reference(), Duration::hours(2), None)
                    .await
                    .unwrap();
                st.delete(&s.reference()).await.unwrap();
            }
        })
    });
    join_all(work).await;
    let all = events_in(b, &gr, &owners.iter().collect::<Vec<_>>()).await;
    for o in &owners {
        let got = brief(&of(&all, o));
        assert_eq!(got.len(), 20, "{got:?}");
        for i in 0..10 {
            let id = format!("s{i}");
            let mine: Vec<&str> = got
                .iter()
                .filter(|(_, s)| *s == id)
                .map(|(k, _)| k.as_str())
                .collect();
            assert_eq!(mine, ["c", "ro"], "{id}");
        }
    }
}

/// `(kind code, subject)` of each event.
fn subjects(events: &[Event]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .map(|e| (e.kind.code(), e.subject.clone()))
        .collect()
}

fn subjects_of(expected: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    expected
        .iter()
        .map(|(k, s)| ((*k).to_owned(), s.map(str::to_owned)))
        .collect()
}

fn new_subject(subject: Option<&str>) -> SessionPatch {
    SessionPatch {
        subject: Some(subject.map(str::to_owned)),
        ..SessionPatch::default()
    }
}

/// A session of an owner that implies no subject (a QuickBlox application session) gets a
/// user: `session.signed_in`; another user: `session.signed_out` of the first, then
/// `session.signed_in` of the second; none: `session.signed_out`. The same subject again, an
/// update of attributes, role or token hash, a refused update and an update of no session write
/// nothing. Each event carries the session's fields, no expiry and never a secret.
pub async fn subject_changes_sign_in_and_out(b: &dyn EventBackend) {
    let st = b.store();
    let g = group(b).await;
    let o = Owner::new(Flavor::Quickblox, &[&random_hex(8).unwrap()]).unwrap();
    let mut s = session(b, &o, "s1", Duration::hours(1));
    s.flavor = Flavor::Quickblox;
    s.tenant = "4242".into();
    s.subject = None;
    s.device = Some("phone".into());
    s.token_hash = Some(hasher().hash("a1"));
    st.create(s.clone(), None).await.unwrap();
    st.take_signs();
    let r = s.reference();
    let wrong = Guard {
        id: s.id.clone(),
        token: hasher().hash("wrong"),
        role: None,
    };
    let right = Guard {
        id: s.id.clone(),
        token: hasher().hash("a1"),
        role: None,
    };

    // Sign-in, guarded like QuickBlox's login; again as the same user: nothing more.
    let signed = st
        .update_guarded(&r, new_subject(Some("17")), Some(&right))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(signed.subject.as_deref(), Some("17"));
    st.update(&r, new_subject(Some("17")))
        .await
        .unwrap()
        .unwrap();
    // Neither attributes, role nor a new token hash change the user.
    let mut attrs = crate::model::Attrs::new();
    attrs.insert("k".into(), serde_json::json!("v"));
    let others = SessionPatch {
        attrs: Some(attrs),
        role: Some(Some("admin".into())),
        ..SessionPatch::default()
    };
    st.update(&r, others).await.unwrap().unwrap();
    let rekey = SessionPatch {
        token_hash: Some(hasher().hash("a2")),
        ..SessionPatch::default()
    };
    st.update(&r, rekey).await.unwrap().unwrap();
    // A refused update writes nothing (the guard's token is the old one now).
    assert!(matches!(
        st.update_guarded(&r, new_subject(Some("99")), Some(&wrong))
            .await,
        Err(Error::Unauthorized)
    ));
    assert!(matches!(
        st.update_guarded(&r, new_subject(None), Some(&right)).await,
        Err(Error::Unauthorized)
    ));
    let missing = SessionRef::new(o.clone(), SessionId::parse("nobody").unwrap());
    assert!(st
        .update(&missing, new_subject(Some("5")))
        .await
        .unwrap()
        .is_none());
    // Another user on the same session, then back to an application session, twice.
    st.update(&r, new_subject(Some("18")))
        .await
        .unwrap()
        .unwrap();
    st.update(&r, new_subject(None)).await.unwrap().unwrap();
    st.update(&r, new_subject(None)).await.unwrap().unwrap();

    let events = events_of(b, &g, &o).await;
    assert_eq!(
        subjects(&events),
        subjects_of(&[
            ("c", None),
            ("i", Some("17")),
            ("o", Some("17")),
            ("i", Some("18")),
            ("o", Some("18")),
        ])
    );
    // The store tallies what it wrote (for the metrics).
    assert_eq!(
        st.take_signs(),
        Signs {
            signed_in: 2,
            signed_out: 2
        }
    );
    for e in &events[1..] {
        assert_eq!(e.session.as_ref(), Some(&r));
        assert_eq!(e.flavor, Some(Flavor::Quickblox));
        assert_eq!(e.tenant.as_deref(), Some("4242"));
        assert_eq!(e.device.as_deref(), Some("phone"));
        assert_eq!(e.group, None);
        assert_eq!(e.expires_at, None);
    }
    // The session stays through all of it.
    let now = st.get(&r).await.unwrap().unwrap();
    assert_eq!(now.subject, None);
}

/// The same for an owner that implies a subject (its body then records the subject only where
/// it differs): clearing it signs that subject out, setting it back signs it in, switching to
/// another and back writes both pairs; a member of a group carries its group.
pub async fn subject_changes_of_an_owner_that_implies_one(b: &dyn EventBackend) {
    let st = b.store();
    let gr = group(b).await;
    let o = owner("implied");
    let implied = o.part(1).unwrap();
    let (g, _) = hosted_group(b, &o, 4).await;
    let mut m = member(b, &g, "m1", None);
    m.subject = Some(implied.clone());
    st.join_group(&g.reference(), m.clone(), 4).await.unwrap();
    let r = m.reference();
    let before = events_of(b, &gr, &o).await;
    assert_eq!(
        brief(&before),
        pairs(&[
            ("c", "g"),
            ("c", "host"),
            ("j", "host"),
            ("c", "m1"),
            ("j", "m1")
        ])
    );

    let back = Some(implied.as_str());
    for subject in [None, None, back, back, Some("other"), back] {
        st.update(&r, new_subject(subject)).await.unwrap().unwrap();
    }

    let events = events_of(b, &gr, &o).await;
    let implied = Some(implied.as_str());
    assert_eq!(
        subjects(&events),
        subjects_of(&[
            ("o", implied),
            ("i", implied),
            ("o", implied),
            ("i", Some("other")),
            ("o", Some("other")),
            ("i", implied),
        ])
    );
    for e in &events {
        assert_eq!(e.session.as_ref(), Some(&r));
        assert_eq!(e.group.as_ref(), Some(&g.id));
        assert_eq!(e.tenant.as_deref(), Some("tenant-a"));
        assert_eq!(e.device.as_deref(), Some("wallet-m1"));
    }
}

/// Changes the store refuses write no event, and neither do reads, last-use marks, updates that
/// keep the subject or attempt counts: a join of a full group, a create past a refusing limit or of an id in use, a
/// refresh with a secret that was never issued, deletes and kicks behind a wrong token, a leave
/// of a non-member. Only the setup's own events are read afterwards.
pub async fn refused_changes_write_nothing(b: &dyn EventBackend) {
    let st = b.store();
    let gr = group(b).await;
    let o = owner("refused");
    let (g, host) = hosted_group(b, &o, 1).await;
    let mut s = session(b, &o, "s1", Duration::hours(1));
    s.token_hash = Some(hasher().hash("a1"));
    s.refresh_hash = Some(hasher().hash("r1"));
    st.create(s.clone(), None).await.unwrap();
    let setup = brief(&events_of(b, &gr, &o).await);
    assert_eq!(
        setup,
        pairs(&[("c", "g"), ("c", "host"), ("j", "host"), ("c", "s1")])
    );

    // A full group refuses a join.
    assert!(matches!(
        st.join_group(&g.reference(), member(b, &g, "m1", None), 1)
            .await,
        Err(Error::CapacityReached)
    ));
    // A refusing limit, an id in use.
    let refusing = Some(OwnerLimit {
        max: 2,
        policy: LimitPolicy::Refuse,
    });
    let other = owner("refused-limit");
    st.create(session(b, &other, "a", Duration::hours(1)), refusing)
        .await
        .unwrap();
    st.create(session(b, &other, "b", Duration::hours(1)), refusing)
        .await
        .unwrap();
    let full_before = brief(&events_of(b, &gr, &other).await);
    assert_eq!(full_before, pairs(&[("c", "a"), ("c", "b")]));
    assert!(matches!(
        st.create(session(b, &other, "c", Duration::hours(1)), refusing)
            .await,
        Err(Error::CapacityReached)
    ));
    assert!(matches!(
        st.create(session(b, &o, "s1", Duration::hours(1)), None)
            .await,
        Err(Error::Conflict(_))
    ));
    // A refresh secret that was never issued.
    let next = Rotation {
        token_hash: hasher().hash("a2"),
        refresh_hash: hasher().hash("r2"),
        expires_at: crate::model::truncate_ms(b.now() + Duration::hours(2)),
    };
    assert!(st
        .rotate_refresh(&s.reference(), &hasher().hash("never-issued"), next)
        .await
        .is_err());
    // Deletes and kicks behind a wrong token.
    let wrong = Guard {
        id: s.id.clone(),
        token: hasher().hash("wrong"),
        role: None,
    };
    assert!(st
        .delete_guarded(&s.reference(), Some(&wrong))
        .await
        .is_err());
    let wrong_host = Guard {
        id: host.id.clone(),
        token: hasher().hash("wrong"),
        role: Some("Host".into()),
    };
    assert!(st
        .remove_member_guarded(&g.reference(), &host.id, Some(&wrong_host))
        .await
        .map_or(true, |removed| !removed));
    assert_eq!(
        st.leave_group(&g.reference(), &sid("nobody"), None, "Host")
            .await
            .unwrap(),
        0
    );
    // Reads, last use and updates that keep the subject are no session changes; a subject
    // change behind a wrong token is refused.
    st.get(&s.reference()).await.unwrap().unwrap();
    assert!(st.mark_seen(&s.reference()).await.unwrap());
    let patch = SessionPatch {
        subject: Some(Some("user-1".into())),
        role: Some(Some("reader".into())),
        ..SessionPatch::default()
    };
    st.update(&s.reference(), patch).await.unwrap().unwrap();
    assert!(st
        .update_guarded(&s.reference(), new_subject(Some("user-2")), Some(&wrong))
        .await
        .is_err());
    let tag = format!("events-{}", random_hex(4).unwrap());
    let key = crate::attempts::AttemptKey::new(
        Some(Flavor::SessionStorage),
        crate::attempts::AttemptScope::Subject,
        &[&tag],
    )
    .unwrap();
    let window = crate::attempts::Window {
        max: 1,
        span: Duration::seconds(60),
    };
    st.count_attempt(&key, window).await.unwrap();
    st.count_attempt(&key, window).await.unwrap();

    assert!(
        events_of(b, &gr, &o).await.is_empty(),
        "a refused change wrote an event"
    );
    assert!(events_of(b, &gr, &other).await.is_empty());
    // Everything refused left the sessions as they were.
    assert!(st.get(&s.reference()).await.unwrap().is_some());
    assert_eq!(st.list_members(&g.reference()).await.unwrap().len(), 1);
}

/// A group's dead letters are listed newest first, and only about the newest
/// [`DEAD_LETTERS_KEPT`] are kept (Redis drops a whole stream node of 100 at a time).
pub async fn dead_letters_keep_the_newest(b: &dyn EventBackend) {
    let (log, g) = (b.log(), group(b).await);
    let written = DEAD_LETTERS_KEPT + 300;
    for n in 0..written {
        let letter = DeadLetter {
            event: Event::of_tenant(TenantChange::Put, 1, "dead", &n.to_string()),
            error: "HTTP 500".into(),
            attempts: 3,
            at: b.now(),
        };
        log.dead_letter(&g, &letter).await.unwrap();
    }
    let kept = log.dead_letters(&g, 2 * written).await.unwrap();
    assert!(
        (DEAD_LETTERS_KEPT..=DEAD_LETTERS_KEPT + 100).contains(&kept.len()),
        "{} kept",
        kept.len()
    );
    let numbers: Vec<String> = kept
        .iter()
        .map(|l| l.event.tenant.clone().unwrap())
        .collect();
    let newest: Vec<String> = (written - kept.len()..written)
        .rev()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(numbers, newest);
    assert_eq!(log.dead_letters(&g, 5).await.unwrap().len(), 5);
    assert!(log
        .dead_letters(&format!("{g}x"), 5)
        .await
        .unwrap()
        .is_empty());
}
