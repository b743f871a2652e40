//! Session metadata every flavor records the same way: where a session was opened from
//! ([`origin`], at creation) and when it was last used ([`seen`], on token checks).

use actix_web::http::header::USER_AGENT;
use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use session_core::{CoreDeps, Origin, SessionRef};

use crate::client::client_ip;

/// What a session opened by `req` records of its client under the gateway's metadata policy:
/// its address (see [`client_ip`]) and user agent, each as much as the policy keeps.
pub fn origin(req: &HttpRequest, core: &CoreDeps) -> Origin {
    if !core.metadata.enabled {
        return Origin::default();
    }
    let agent = req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok());
    core.metadata.origin(client_ip(req), agent)
}

/// Records that `session` was used by a valid token at `now` (the check's own clock reading),
/// when its recorded last use lags by the policy's granularity: most checks write nothing. A
/// failure is logged and otherwise ignored, as the check itself has succeeded.
pub async fn seen(core: &CoreDeps, r: &SessionRef, updated_at: DateTime<Utc>, now: DateTime<Utc>) {
    if !core.metadata.enabled || !core.metadata.seen_due(updated_at, now) {
        return;
    }
    if let Err(e) = core.store.mark_seen(r).await {
        let flavor = r.owner.flavor().map(|f| f.as_str());
        tracing::debug!(error = %e, flavor, "last use not recorded");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use actix_web::test::TestRequest;
    use chrono::Duration;
    use session_core::{
        Clock, Flavor, IpPrecision, ManualClock, MemoryStore, MetadataPolicy, Owner, Session,
        SessionId, SessionRef, TokenHasher,
    };

    use super::*;

    fn core(policy: MetadataPolicy) -> (CoreDeps, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::starting_now());
        let core = CoreDeps {
            store: Arc::new(MemoryStore::new(clock.clone())),
            clock: clock.clone(),
            hasher: TokenHasher::new("k"),
            max_body_bytes: 1024,
            metadata: policy,
            body_timeout: std::time::Duration::from_secs(10),
        };
        (core, clock)
    }

    #[test]
    fn origins_follow_the_policy() {
        let req = TestRequest::default()
            .peer_addr("203.0.113.9:4000".parse().unwrap())
            .insert_header(("user-agent", "agent/2.0 (test)"))
            .to_http_request();
        let (on, _) = core(MetadataPolicy::default());
        let o = origin(&req, &on);
        assert_eq!(o.ip, Some("203.0.113.9".parse().unwrap()));
        assert_eq!(o.user_agent.as_deref(), Some("agent/2.0 (test)"));
        let (truncated, _) = core(MetadataPolicy {
            ip: IpPrecision::Truncated,
            user_agent_max: 5,
            ..Default::default()
        });
        let o = origin(&req, &truncated);
        assert_eq!(o.ip, Some("203.0.113.0".parse().unwrap()));
        assert_eq!(o.user_agent.as_deref(), Some("agent"));
        let (off, _) = core(MetadataPolicy::OFF);
        assert!(origin(&req, &off).is_empty());
    }

    #[tokio::test]
    async fn a_check_writes_the_last_use_once_per_granularity() {
        let (core, clock) = core(MetadataPolicy::default());
        let r = SessionRef::new(
            Owner::new(Flavor::Amity, &["n", "u"]).unwrap(),
            SessionId::parse("s").unwrap(),
        );
        let s = Session::new(
            r.clone(),
            Flavor::Amity,
            "n",
            clock.now(),
            Duration::hours(1),
        );
        core.store.create(s.clone(), None).await.unwrap();
        clock.advance(Duration::seconds(30));
        let fresh = core.store.get(&r).await.unwrap().unwrap();
        seen(&core, &r, fresh.updated_at, clock.now()).await;
        assert_eq!(
            core.store.get(&r).await.unwrap().unwrap().updated_at,
            s.updated_at
        );
        clock.advance(Duration::seconds(31));
        seen(&core, &r, fresh.updated_at, clock.now()).await;
        let marked = core.store.get(&r).await.unwrap().unwrap();
        assert_eq!(marked.updated_at, clock.now());
        assert_eq!(marked.expires_at, s.expires_at);
    }
}
