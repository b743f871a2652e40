//! The contract of testing mode's whole-owner operations: export, import, remove, and clearing
//! nonce claims.

use chrono::Duration;

use super::support::{
    candidates, doc, doc_value, group_and_host, hasher, hour, member, owner, rotation, session,
    session_ids, sid, Backend,
};
use crate::model::{LimitPolicy, OwnerLimit, SessionRef};
use crate::plan::{DocUpsert, NewSession};
use crate::snapshot::{OwnerDump, Removed};
use crate::store::Joined;
use crate::token::random_hex;
use crate::Error;

/// An owner taken out, removed and put back answers as before: the same sessions and token
/// hashes, its document, its group's names, its credentials and its refresh history.
pub async fn exported_owners_come_back_whole(b: &dyn Backend) {
    let st = b.store();
    let o = owner("export");
    let mut s = session(b, &o, "fam", hour());
    s.token_hash = Some(hasher().hash("access-0"));
    s.refresh_hash = Some(hasher().hash("refresh-0"));
    s.device = Some("phone".into());
    s.attrs.insert("n".into(), serde_json::json!([1, "x"]));
    let mut first = NewSession::new(s.clone());
    first.doc = Some(DocUpsert {
        fresh: doc(serde_json::json!({"id": "u-1", "name": "Ann"})),
        ..DocUpsert::default()
    });
    st.create_with(first).await.unwrap();
    let r = s.reference();
    st.rotate_refresh(&r, &hasher().hash("refresh-0"), rotation(b, 1))
        .await
        .unwrap();
    st.issue_credential(&o, &hasher().hash("auth-1"), hour(), 3)
        .await
        .unwrap();
    let before = st.owner_sessions(&o).await.unwrap();

    let dump = st
        .export_owner(&o)
        .await
        .unwrap()
        .expect("the owner holds something");
    assert_eq!(dump.sessions, before);
    assert_eq!(
        doc_value(&doc(serde_json::Value::Object(dump.doc.clone().unwrap())))["name"],
        "Ann"
    );
    assert_eq!(dump.credentials.len(), 1);
    assert_eq!(dump.spent[&sid("fam")].len(), 1);
    let json = serde_json::to_string(&dump).unwrap();
    assert!(!json.contains("access-0") && !json.contains("refresh-1"));

    assert_eq!(
        st.remove_owner(&o).await.unwrap(),
        Removed {
            sessions: 1,
            documents: 1
        }
    );
    assert!(st.get(&r).await.unwrap().is_none());
    assert!(st.owner_doc(&o).await.unwrap().is_none());
    assert!(st.export_owner(&o).await.unwrap().is_none());
    assert_eq!(st.remove_owner(&o).await.unwrap(), Removed::default());

    st.import_owner(&dump).await.unwrap();
    assert_eq!(st.owner_sessions(&o).await.unwrap(), before);
    assert_eq!(st.export_owner(&o).await.unwrap().unwrap(), dump);
    assert_eq!(
        doc_value(&st.owner_doc(&o).await.unwrap().unwrap())["id"],
        "u-1"
    );
    // The credential still gates creates, the spent refresh secret still revokes the family.
    let mut gated = NewSession::new(session(b, &o, "gated", hour()));
    gated.credential = Some(hasher().hash("auth-1"));
    st.create_with(gated).await.unwrap();
    assert!(matches!(
        st.rotate_refresh(&r, &hasher().hash("refresh-0"), rotation(b, 2))
            .await,
        Err(Error::Replay)
    ));
    assert!(st.get(&r).await.unwrap().is_none());
}

/// A group comes back with its members, its capacity and the names they took.
pub async fn exported_groups_keep_members_and_names(b: &dyn Backend) {
    let st = b.store();
    let (mut g, _) = group_and_host(b, "export-group", hour());
    g.capacity = Some(3);
    st.create_group_named(g.clone(), candidates(&g, "host", &["otter"]))
        .await
        .unwrap();
    st.join_group_named(&g.reference(), candidates(&g, "m1", &["lynx"]), None, None)
        .await
        .unwrap();
    st.join_group_named(&g.reference(), candidates(&g, "m2", &["puma"]), None, None)
        .await
        .unwrap();
    // A member that left keeps its name taken.
    st.remove_member(&g.reference(), &sid("m2")).await.unwrap();
    let dump = st.export_owner(&g.owner).await.unwrap().unwrap();
    assert_eq!(dump.sessions.len(), 3);
    assert_eq!(dump.names.len(), 3);
    st.remove_owner(&g.owner).await.unwrap();
    st.import_owner(&dump).await.unwrap();
    let members = st.list_members(&g.reference()).await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(
        st.join_group_named(
            &g.reference(),
            candidates(&g, "m3", &["puma", "lynx"]),
            None,
            None
        )
        .await
        .unwrap(),
        Joined::NamesTaken
    );
    assert!(matches!(
        st.join_group_named(&g.reference(), candidates(&g, "m3", &["wolf"]), None, None)
            .await
            .unwrap(),
        Joined::Member { index: 0, .. }
    ));
    // Capacity 3 (host, m1, m3): full.
    assert!(matches!(
        st.join_group_named(&g.reference(), candidates(&g, "m4", &["bear"]), None, None)
            .await,
        Err(Error::CapacityReached)
    ));
    assert_eq!(st.delete(&g.reference()).await.unwrap(), 4);
    let m1 = member(&g, "m1");
    assert!(st.get(&m1.reference()).await.unwrap().is_none());
}

/// An import replaces what the owner held, leaves out what has expired, and an empty dump
/// empties the owner. Bad dumps are refused whole.
pub async fn imports_replace_the_owner(b: &dyn Backend) {
    let st = b.store();
    let o = owner("import");
    st.create(session(b, &o, "old", hour()), None)
        .await
        .unwrap();
    let mut dump = OwnerDump::new(o.clone());
    let mut expired = session(b, &o, "expired", hour());
    expired.expires_at = expired.created_at;
    expired.created_at -= Duration::hours(1);
    dump.sessions = vec![session(b, &o, "new", hour()), expired];
    st.import_owner(&dump).await.unwrap();
    let ids = session_ids(&*st, &o).await;
    assert_eq!(ids, ["new"]);
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 1);
    // Limits count what was imported.
    let limit = Some(OwnerLimit {
        max: 1,
        policy: LimitPolicy::Refuse,
    });
    assert!(matches!(
        st.create(session(b, &o, "more", hour()), limit).await,
        Err(Error::CapacityReached)
    ));

    let mut foreign = OwnerDump::new(o.clone());
    foreign.sessions = vec![session(b, &owner("elsewhere"), "x", hour())];
    assert!(matches!(
        st.import_owner(&foreign).await,
        Err(Error::Invalid { .. })
    ));
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 1, "nothing changed");

    st.import_owner(&OwnerDump::new(o.clone())).await.unwrap();
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 0);
    assert!(st.export_owner(&o).await.unwrap().is_none());
}

/// An owner past the large-owner threshold comes back with exact counts, pages and eviction.
pub async fn large_owners_come_back_whole(b: &dyn Backend) {
    let st = b.store();
    let o = owner("export-large");
    for i in 0..150 {
        let mut s = session(b, &o, &format!("s{i:03}"), hour());
        s.created_at += Duration::milliseconds(i);
        s.updated_at = s.created_at;
        s.expires_at = s.created_at + hour();
        st.create(s, None).await.unwrap();
    }
    let dump = st.export_owner(&o).await.unwrap().unwrap();
    assert_eq!(dump.sessions.len(), 150);
    st.remove_owner(&o).await.unwrap();
    st.import_owner(&dump).await.unwrap();
    assert_eq!(st.count_by_owner(&o).await.unwrap(), 150);
    let page = st.list_by_owner(&o, None, 2).await.unwrap();
    let ids: Vec<&str> = page.items.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s000", "s001"]);
    let limit = Some(OwnerLimit {
        max: 150,
        policy: LimitPolicy::EvictOldest,
    });
    let mut next = session(b, &o, "s150", hour());
    next.created_at += Duration::milliseconds(150);
    next.updated_at = next.created_at;
    next.expires_at = next.created_at + hour();
    let out = st.create(next, limit).await.unwrap();
    assert_eq!(out.evicted, vec![sid("s000")]);
    assert_eq!(
        st.get(&SessionRef::new(o.clone(), sid("s149")))
            .await
            .unwrap()
            .map(|s| s.id),
        Some(sid("s149"))
    );
}

/// Clearing nonce claims frees every claimed value at once.
pub async fn nonce_claims_clear(b: &dyn Backend) {
    let st = b.store();
    let key = format!("contract:{}", random_hex(8).unwrap());
    assert!(st.claim_nonce(&key, hour()).await.unwrap());
    assert!(!st.claim_nonce(&key, hour()).await.unwrap());
    assert!(st.clear_nonces().await.unwrap() >= 1);
    assert!(st.claim_nonce(&key, hour()).await.unwrap());
}
