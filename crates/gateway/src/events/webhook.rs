//! One webhook: which events it wants, how a request is signed and sent, how long to wait
//! before a retry.

use std::time::Duration;

use session_core::events::{Event, EventType};

use super::payload::request_body;
use super::settings::WebhookSettings;
use super::signing::Signer;

/// The most of an answer's body that is read (and dropped) so that its connection can carry the
/// next request; a longer body costs the connection instead.
const ANSWER_READ: usize = 64 * 1024;

/// A webhook ready to deliver.
pub struct Webhook {
    /// Its name (consumer group, dead letters, metrics label).
    pub name: String,
    url: reqwest::Url,
    signer: Signer,
    client: reqwest::Client,
    types: Vec<EventType>,
    tenants: Vec<String>,
    /// Most events in one request.
    pub max_batch: usize,
    retry_initial: Duration,
    retry_max: Duration,
    /// How long after its event an event is retried.
    pub horizon: chrono::Duration,
}

impl Webhook {
    /// The webhook of validated settings.
    pub fn new(s: &WebhookSettings) -> Result<Self, String> {
        let url = reqwest::Url::parse(&s.url).map_err(|e| format!("url: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(s.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("session-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Self {
            name: s.name.clone(),
            url,
            signer: Signer::from_secret(&s.secret)?,
            client,
            types: s
                .events
                .iter()
                .filter_map(|t| EventType::parse(t))
                .collect(),
            tenants: s.tenants.clone(),
            max_batch: s.max_batch,
            retry_initial: Duration::from_millis(s.retry_initial_ms),
            retry_max: Duration::from_millis(s.retry_max_ms),
            horizon: chrono::Duration::seconds(s.retry_horizon_secs as i64),
        })
    }

    /// Whether the webhook takes `e` (its type and tenant filters).
    pub fn wants(&self, e: &Event) -> bool {
        (self.types.is_empty() || self.types.contains(&e.kind.event_type()))
            && (self.tenants.is_empty()
                || e.tenant.as_ref().is_some_and(|t| self.tenants.contains(t)))
    }

    /// Sends `events` in one signed request; a 2xx answer is success, anything else an error
    /// to retry (its text names no secret). The answer's body is read (up to [`ANSWER_READ`])
    /// and dropped: a connection whose answer was not read to its end is closed rather than
    /// kept for the next request, and most receivers answer with a body (`ok`, `{}`).
    pub async fn send(&self, events: &[Event]) -> Result<(), String> {
        let body = request_body(events, self.max_batch == 1)
            .map_err(|e| format!("cannot encode events: {e}"))?;
        let id = match events {
            [one] => one.id.clone(),
            [first, ..] => format!("batch_{}_{}", first.id, events.len()),
            [] => return Ok(()),
        };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let signature = self.signer.sign(&id, timestamp, &body);
        let mut answer = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let status = answer.status();
        let mut read = 0;
        while read <= ANSWER_READ {
            match answer.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                // A body cut short changes nothing: the status has been answered.
                Ok(None) | Err(_) => break,
            }
        }
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }

    /// The wait before retry number `attempt` (1 for the first): the initial wait doubled with
    /// each failure up to the longest, times a random factor in [0.5, 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self
            .retry_initial
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = doubled.min(self.retry_max);
        capped.mul_f64(0.5 + rand::random::<f64>() / 2.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use session_core::events::{EventKind, TenantChange};

    fn settings() -> WebhookSettings {
        WebhookSettings {
            name: "w".into(),
            url: "http://127.0.0.1:9/".into(),
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            events: vec!["tenant.changed".into()],
            tenants: vec!["t1".into()],
            max_batch: 1,
            timeout_ms: 1000,
            retry_initial_ms: 100,
            retry_max_ms: 1000,
            retry_horizon_secs: 60,
        }
    }

    #[test]
    fn filters_pick_types_and_tenants() {
        let w = Webhook::new(&settings()).unwrap();
        let t1 = Event::of_tenant(TenantChange::Put, 1, "amity.networks", "t1");
        let t2 = Event::of_tenant(TenantChange::Put, 1, "amity.networks", "t2");
        assert!(w.wants(&t1));
        assert!(!w.wants(&t2));
        let mut other = t1.clone();
        other.kind = EventKind::Expired;
        assert!(!w.wants(&other));
    }

    #[test]
    fn filters_take_the_sign_in_types_by_name() {
        let mut s = settings();
        s.events = vec!["session.signed_in".into(), "session.signed_out".into()];
        s.tenants = Vec::new();
        let w = Webhook::new(&s).unwrap();
        let mut e = Event::of_tenant(TenantChange::Put, 1, "amity.networks", "t1");
        for (kind, wanted) in [
            (EventKind::SignedIn, true),
            (EventKind::SignedOut, true),
            (EventKind::Created, false),
            (EventKind::TenantChanged(TenantChange::Put), false),
        ] {
            e.kind = kind;
            assert_eq!(w.wants(&e), wanted, "{kind:?}");
        }
    }

    /// How the test receiver answers.
    #[derive(Clone, Copy)]
    enum Answer {
        /// 200 and a short body, sent a moment after the head (as many servers send them).
        Short,
        /// Never: it reads the request and waits.
        Never,
        /// 200 with a body of a gigabyte, sent slowly, 16 KiB every 10 ms.
        Endless,
    }

    /// A receiver on loopback that answers every request as `answer` says, and counts the
    /// connections it accepted.
    async fn receiver(answer: Answer) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let accepted = std::sync::Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut conn = BufReader::new(conn);
                    loop {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if conn.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(v) = lower.strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        conn.read_exact(&mut body).await.unwrap();
                        let out = conn.get_mut();
                        match answer {
                            Answer::Short => {
                                let reply = "{\"received\":true}";
                                let head = format!(
                                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                                    reply.len()
                                );
                                out.write_all(head.as_bytes()).await.unwrap();
                                out.flush().await.unwrap();
                                tokio::time::sleep(Duration::from_millis(5)).await;
                                out.write_all(reply.as_bytes()).await.unwrap();
                            }
                            Answer::Never => {
                                tokio::time::sleep(Duration::from_secs(60)).await;
                                return;
                            }
                            Answer::Endless => {
                                let head = "HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n";
                                out.write_all(head.as_bytes()).await.unwrap();
                                let chunk = vec![b'x'; 16 * 1024];
                                // Until the client hangs up.
                                while out.write_all(&chunk).await.is_ok() {
                                    tokio::time::sleep(Duration::from_millis(10)).await;
                                }
                                return;
                            }
                        }
                    }
                });
            }
        });
        (url, accepted)
    }

    fn webhook_at(url: String, timeout_ms: u64) -> Webhook {
        let mut s = settings();
        s.url = url;
        s.timeout_ms = timeout_ms;
        Webhook::new(&s).unwrap()
    }

    fn event(n: i64) -> Event {
        Event::of_tenant(TenantChange::Put, n, "amity.networks", "t1")
    }

    /// `timeout_ms` bounds a request whose receiver never answers: an error to retry.
    #[tokio::test]
    async fn a_receiver_that_never_answers_fails_after_the_timeout() {
        let (url, _) = receiver(Answer::Never).await;
        let w = webhook_at(url, 300);
        let started = std::time::Instant::now();
        assert!(w.send(&[event(1)]).await.is_err());
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(3),
            "{took:?}"
        );
    }

    /// Of an answer's body at most [`ANSWER_READ`] is read: a receiver that sends an endless
    /// one (here a gigabyte, slowly) costs one connection, not the request's timeout.
    #[tokio::test]
    async fn an_endless_answer_is_read_only_so_far() {
        let (url, _) = receiver(Answer::Endless).await;
        let w = webhook_at(url, 10_000);
        let started = std::time::Instant::now();
        w.send(&[event(1)]).await.unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "{took:?}");
    }

    #[tokio::test]
    async fn answers_with_a_body_keep_the_connection() {
        let (url, accepted) = receiver(Answer::Short).await;
        let w = webhook_at(url, 1000);
        for n in 0..20 {
            w.send(&[event(n)]).await.unwrap();
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let w = Webhook::new(&settings()).unwrap();
        for attempt in 1..40 {
            let d = w.backoff(attempt);
            let full = Duration::from_millis((100u64 << (attempt - 1).min(20)).min(1000));
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
    }
}
