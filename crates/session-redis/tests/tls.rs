//! Managed-Redis style connections: TLS with a private CA (and a client certificate) and an
//! ACL user, on a real redis-server started with `--tls-port`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use std::time::Duration;

use chrono::Utc;
use session_core::{Error, Flavor, Owner, Session, SessionId, SessionRef, SessionStore};
use session_redis::testing::{RedisCluster, RedisServer, TlsFiles};
use session_redis::RedisTls;

fn session(id: &str) -> Session {
    let o = Owner::new(Flavor::Amity, &["net", "tls-user"]).unwrap();
    Session::new(
        SessionRef::new(o, SessionId::parse(id).unwrap()),
        Flavor::Amity,
        "net",
        Utc::now(),
        chrono::Duration::hours(1),
    )
}

fn tls(files: &TlsFiles, client: bool) -> RedisTls {
    let path = |p: &std::path::Path| p.display().to_string();
    let (cert, key) = (path(&files.client_cert), path(&files.client_key));
    RedisTls::from_files(
        Some(&path(&files.ca)),
        client.then_some(cert.as_str()),
        client.then_some(key.as_str()),
    )
    .unwrap()
}

#[tokio::test]
async fn tls_with_a_private_ca_and_an_acl_user() {
    let files = TlsFiles::generate();
    let user = ("gateway", "s3cret-pass");
    let server = RedisServer::start_tls(&files, Some(user));
    for client_cert in [false, true] {
        let mut settings = common::settings(
            server.tls_url(Some(user)),
            Vec::new(),
            Duration::from_secs(5),
        );
        settings.tls = tls(&files, client_cert);
        let b = common::backend(settings);
        let s = session(&format!("s{client_cert}"));
        b.store.create(s.clone(), None).await.unwrap();
        assert_eq!(b.store.get(&s.reference()).await.unwrap().unwrap(), s);
    }
    // The wrong password, or a CA that did not sign the server, is refused.
    let mut wrong = common::settings(
        server.tls_url(Some(("gateway", "nope"))),
        Vec::new(),
        Duration::from_secs(2),
    );
    wrong.tls = tls(&files, false);
    let e = common::backend(wrong).store.ping().await.unwrap_err();
    assert!(
        matches!(e, Error::StoreUnavailable(_) | Error::Internal(_)),
        "{e:?}"
    );
    assert!(!e.to_string().contains("nope"), "the password leaked: {e}");
    let other = TlsFiles::generate();
    let mut untrusted = common::settings(
        server.tls_url(Some(user)),
        Vec::new(),
        Duration::from_secs(2),
    );
    untrusted.tls = tls(&other, false);
    assert!(common::backend(untrusted).store.ping().await.is_err());
}

#[test]
fn tls_files_are_checked_at_load() {
    let e = RedisTls::from_files(Some("/nonexistent/ca.pem"), None, None).unwrap_err();
    assert!(e.to_string().contains("store.tls_ca_file"), "{e}");
    let files = TlsFiles::generate();
    let cert = files.client_cert.display().to_string();
    let e = RedisTls::from_files(None, Some(&cert), None).unwrap_err();
    assert!(e.to_string().contains("store.tls_key_file"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_over_tls_with_an_acl_user() {
    let files = TlsFiles::generate();
    let user = ("gateway", "s3cret-pass");
    let cluster = RedisCluster::start_tls(&files, Some(user));
    assert!(cluster.tls_urls()[0].starts_with("rediss://gateway:s3cret-pass@127.0.0.1:"));
    let mut settings = common::settings(String::new(), cluster.tls_urls(), Duration::from_secs(5));
    settings.tls = tls(&files, true);
    let b = common::backend(settings);
    for i in 0..20 {
        let o = Owner::new(Flavor::Amity, &["net", &format!("u{i}")]).unwrap();
        let s = Session::new(
            SessionRef::new(o.clone(), SessionId::parse("s").unwrap()),
            Flavor::Amity,
            "net",
            Utc::now(),
            chrono::Duration::hours(1),
        );
        b.store.create(s.clone(), None).await.unwrap();
        assert_eq!(b.store.get(&s.reference()).await.unwrap().unwrap(), s);
    }
    // Document listings reach every primary over TLS too.
    for i in 0..10 {
        b.store
            .doc_put("tls.docs", &format!("d{i}"), "{}")
            .await
            .unwrap();
    }
    assert_eq!(b.store.doc_list("tls.docs").await.unwrap().len(), 10);
}
