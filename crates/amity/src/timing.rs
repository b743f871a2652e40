//! A timing loop for access-token verification (not a benchmark and not a timed test): run it
//! with `cargo test --release -p amity --lib timing -- --ignored --nocapture` to print ns/op.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use crate::network::Network;
use crate::settings::NetworkSettings;
use crate::tokens::{self, Claims, UserClaims};

const ROUNDS: u32 = 200_000;

#[test]
#[ignore = "prints a timing; run by hand in release mode"]
fn hs256_verification_ns_per_op() {
    let network = Network::new(
        NetworkSettings {
            api_key: "timing-api-key".into(),
            ..Default::default()
        },
        &session_core::TokenHasher::new("timing-token-secret"),
    );
    let claims = Claims {
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
    };
    let token = tokens::sign(&network, &claims).unwrap();
    let run = || {
        let kid = tokens::key_id(&token).unwrap();
        assert_eq!(kid.len(), 32);
        let c = tokens::verify(&network, &token).unwrap();
        std::hint::black_box(c);
    };
    for _ in 0..ROUNDS / 10 {
        run();
    }
    let start = Instant::now();
    for _ in 0..ROUNDS {
        run();
    }
    let ns = start.elapsed().as_nanos() / u128::from(ROUNDS);
    println!("amity HS256 access token: header + verify + claims: {ns} ns/op");
}
