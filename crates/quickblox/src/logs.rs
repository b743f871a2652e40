//! Whatever the flavor logs, at any level, never holds a token, a signature, an auth secret or a
//! password.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::signature::sign_sha1;
use crate::{ApplicationEntry, Section, Settings, UserEntry};
use actix_web::{test, App};
use session_core::{CoreDeps, MemoryStore, SystemClock, TokenHasher};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SECRET: &str = "very-secret-auth-secret";
const PASSWORD: &str = "very-secret-password";

fn settings() -> Settings {
    Settings {
        applications: vec![ApplicationEntry {
            application_id: 1,
            auth_key: "key".into(),
            auth_secret: SECRET.into(),
        }],
        users: vec![UserEntry {
            id: None,
            application_id: 1,
            login: "alice".into(),
            email: None,
            password: Some(PASSWORD.into()),
            password_hash: None,
            full_name: None,
            created_at: None,
        }],
        ..Settings::default()
    }
}

#[actix_web::test]
async fn logs_never_carry_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let core = CoreDeps {
        store: Arc::new(MemoryStore::new(Arc::new(SystemClock))),
        clock: Arc::new(SystemClock),
        hasher: TokenHasher::new("server-secret"),
        max_body_bytes: 65536,
        metadata: session_core::MetadataPolicy::default(),
        body_timeout: std::time::Duration::from_secs(10),
    };
    let section = Arc::new(Section::from(settings()));
    let app = test::init_service(
        App::new().configure(|cfg| crate::routes::mount(cfg, core.clone(), section.clone())),
    )
    .await;

    let ts = chrono::Utc::now().timestamp();
    let message = format!(
        "application_id=1&auth_key=key&nonce=5&timestamp={ts}&user[login]=alice&user[password]={PASSWORD}"
    );
    let signature = sign_sha1(SECRET, &message);
    let req = test::TestRequest::post()
        .uri("/session.json")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!("{message}&signature={signature}"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = test::read_body_json(res).await;
    let token = body["session"]["token"].as_str().unwrap().to_owned();

    // A forged signature, a wrong password, a login, a logout, a read and a delete.
    let forged = test::TestRequest::post()
        .uri("/session.json")
        .set_payload(format!(
            "application_id=1&auth_key=key&nonce=6&timestamp={ts}&signature={}",
            sign_sha1("guess", "x")
        ))
        .to_request();
    assert_eq!(test::call_service(&app, forged).await.status(), 422);
    for (body, status) in [
        (format!("login=alice&password={PASSWORD}x"), 401),
        (format!("login=alice&password={PASSWORD}"), 202),
    ] {
        let req = test::TestRequest::post()
            .uri("/login.json")
            .insert_header(("QB-Token", token.as_str()))
            .set_payload(body)
            .to_request();
        assert_eq!(test::call_service(&app, req).await.status(), status);
    }
    for req in [
        test::TestRequest::delete().uri("/login.json"),
        test::TestRequest::get().uri("/session.json"),
        test::TestRequest::delete().uri("/session.json"),
    ] {
        let req = req.insert_header(("QB-Token", token.as_str())).to_request();
        assert_eq!(test::call_service(&app, req).await.status(), 200);
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("session created"), "nothing captured: {logs}");
    for secret in [
        token.as_str(),
        signature.as_str(),
        SECRET,
        PASSWORD,
        "server-secret",
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs:\n{logs}");
    }
}
