//! A timing loop for access-token verification (not a benchmark and not a timed test): run it
//! with `cargo test --release -p amity --lib timing -- --ignored --nocapture` to print ns/op.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Instant;

use session_core::{CoreDeps, MemoryStore, SystemClock, TokenHasher};

use crate::jws::Compact;
use crate::network::{Network, Networks};
use crate::settings::{NetworkSettings, Settings};
use crate::tokens::{Claims, UserClaims};

const ROUNDS: u32 = 200_000;

fn per_op(mut run: impl FnMut()) -> u128 {
    for _ in 0..ROUNDS / 10 {
        run();
    }
    let start = Instant::now();
    for _ in 0..ROUNDS {
        run();
    }
    start.elapsed().as_nanos() / u128::from(ROUNDS)
}

#[test]
#[ignore = "prints a timing; run by hand in release mode"]
fn hs256_verification_ns_per_op() {
    let hasher = TokenHasher::new("timing-token-secret");
    let settings = NetworkSettings {
        api_key: "timing-api-key".into(),
        ..Default::default()
    };
    let network = Network::new(settings.clone(), &hasher, Arc::default());
    let mut claims = Claims {
        user: UserClaims {
            user_id: "alice@example.com".into(),
            public_user_id: "alice@example.com".into(),
            network_id: network.id.clone(),
            device_info: serde_json::json!({"kind": "web", "model": "Chrome 130", "sdkVersion": "7.3.1"}),
        },
        sub: "2509732605dee205d0e558c2".into(),
        sid: "0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
        jti: "f9e8d7c6b5a4938271605f4e3d2c1b0a".into(),
        iat: 1_764_000_000,
        exp: 1_766_592_000,
        nk: None,
    };
    let token = network.sign(&mut claims).unwrap();
    // The same work as before: header, signature, claims.
    let ns = per_op(|| {
        let jws = Compact::parse(&token).unwrap();
        assert_eq!(jws.kid().len(), 32);
        let key = network.key(jws.kid()).unwrap();
        assert!(jws.hs256_verifies(key.hmac()));
        std::hint::black_box(jws.claims().unwrap());
    });
    println!("amity HS256 access token: header + verify + claims: {ns} ns/op");
    // The whole check without the store: the network found by its kid (configured), the
    // network id compared; one current-thread runtime step per call included.
    let clock = Arc::new(SystemClock);
    let core = CoreDeps {
        store: Arc::new(MemoryStore::new(clock.clone())),
        clock,
        hasher: hasher.clone(),
        max_body_bytes: 65_536,
        metadata: session_core::MetadataPolicy::default(),
        body_timeout: std::time::Duration::from_secs(10),
    };
    let networks = Networks::from_settings(
        &Settings {
            networks: vec![settings],
            ..Settings::default()
        },
        &hasher,
        Arc::default(),
    );
    let rt = actix_web::rt::Runtime::new().unwrap();
    let ns = per_op(|| {
        let found = rt.block_on(crate::verify::access_token(&networks, &core, &token));
        std::hint::black_box(found.unwrap());
    });
    println!("amity HS256 access token: verify::access_token (with block_on): {ns} ns/op");
}
