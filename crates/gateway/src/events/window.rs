//! Which requests a partition's deliverer sends at once: the held events, in order, cut into
//! requests of up to `max_batch` wanted events, as long as no owner (or tenant document) has
//! events in two of them. Requests of one window go out together; an owner's later events wait
//! for the next window, so each owner's events, and so each session's, still arrive in order.

use std::collections::{HashSet, VecDeque};

use session_core::events::Event;

/// One request of a window.
#[derive(Default)]
pub(crate) struct Request {
    /// The wanted events it carries, in order (empty: only unwanted events, nothing to send).
    pub batch: Vec<Event>,
    /// How many held events it settles: its own and the unwanted ones among them (those
    /// before the first request's events, and those after a request's last event up to the
    /// next request's first).
    pub take: usize,
}

/// What must stay in order with an event: its owner (every session of one user, group or
/// client), or the tenant document it is about.
fn order_key(e: &Event) -> Option<(&str, &str)> {
    match &e.session {
        Some(s) => Some((s.owner.as_str(), "")),
        None => Some((e.collection.as_deref()?, e.tenant.as_deref()?)),
    }
}

/// The next window over `held`: at most `max_requests` requests of at most `max_batch` wanted
/// events each (both at least 1). Empty only when nothing is held.
pub(crate) fn plan(
    held: &VecDeque<Event>,
    wants: impl Fn(&Event) -> bool,
    max_batch: usize,
    max_requests: usize,
) -> Vec<Request> {
    let (max_batch, max_requests) = (max_batch.max(1), max_requests.max(1));
    let mut window: Vec<Request> = Vec::new();
    let mut current = Request::default();
    // Keys of the requests closed so far, and of the one being filled.
    let mut closed: HashSet<(&str, &str)> = HashSet::new();
    let mut open: Vec<(&str, &str)> = Vec::new();
    for e in held {
        if !wants(e) {
            current.take += 1;
            continue;
        }
        if current.batch.len() == max_batch {
            if window.len() + 1 == max_requests {
                break;
            }
            closed.extend(open.drain(..));
            window.push(std::mem::take(&mut current));
        }
        let key = order_key(e);
        if key.is_some_and(|k| closed.contains(&k)) {
            break;
        }
        open.extend(key);
        current.batch.push(e.clone());
        current.take += 1;
    }
    if current.take > 0 {
        window.push(current);
    }
    window
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use session_core::events::{EventKind, TenantChange};
    use session_core::{Flavor, Owner, Session, SessionId, SessionRef};

    fn of(owner: &str, id: &str, n: usize) -> Event {
        let r = SessionRef::new(Owner::parse(owner).unwrap(), SessionId::parse(id).unwrap());
        let s = Session::new(
            r,
            Flavor::SessionStorage,
            "c",
            chrono::Utc::now(),
            chrono::Duration::seconds(60),
        );
        Event::of_session(EventKind::Created, 0, &s).with_id(n.to_string())
    }

    fn shape(w: &[Request]) -> Vec<(Vec<&str>, usize)> {
        w.iter()
            .map(|r| (r.batch.iter().map(|e| e.id.as_str()).collect(), r.take))
            .collect()
    }

    #[test]
    fn distinct_sessions_go_out_together_up_to_the_window() {
        let held: VecDeque<Event> = (0..5).map(|n| of(&format!("o{n}"), "s", n)).collect();
        let w = plan(&held, |_| true, 1, 3);
        assert_eq!(shape(&w), [(vec!["0"], 1), (vec!["1"], 1), (vec!["2"], 1)]);
        let w = plan(&held, |_| true, 2, 8);
        assert_eq!(
            shape(&w),
            [(vec!["0", "1"], 2), (vec!["2", "3"], 2), (vec!["4"], 1)]
        );
    }

    #[test]
    fn an_owners_second_event_waits_for_the_next_window_unless_it_shares_the_request() {
        let held: VecDeque<Event> = [
            ("a", "s1", 0),
            ("b", "s1", 1),
            ("a", "s2", 2),
            ("c", "s1", 3),
        ]
        .into_iter()
        .map(|(o, s, n)| of(o, s, n))
        .collect();
        // One event a request: a's second event (another session of a) ends the window.
        assert_eq!(
            shape(&plan(&held, |_| true, 1, 8)),
            [(vec!["0"], 1), (vec!["1"], 1)]
        );
        // Three a request: it rides in the request that holds a's first.
        assert_eq!(
            shape(&plan(&held, |_| true, 3, 8)),
            [(vec!["0", "1", "2"], 3), (vec!["3"], 1)]
        );
        // The same session id under another owner is another owner's.
        let held: VecDeque<Event> = [of("o", "a", 0), of("p", "a", 1)].into_iter().collect();
        assert_eq!(shape(&plan(&held, |_| true, 1, 8)).len(), 2);
        let held: VecDeque<Event> = [of("o", "a", 0), of("o", "b", 1)].into_iter().collect();
        assert_eq!(shape(&plan(&held, |_| true, 1, 8)).len(), 1);
    }

    #[test]
    fn unwanted_events_are_settled_with_the_request_around_them() {
        let held: VecDeque<Event> = (0..4).map(|n| of(&format!("o{n}"), "s", n)).collect();
        let w = plan(&held, |e| e.id != "0" && e.id != "2", 1, 8);
        assert_eq!(shape(&w), [(vec!["1"], 3), (vec!["3"], 1)]);
        // Only unwanted events: one request that sends nothing and settles them all.
        let w = plan(&held, |_| false, 1, 8);
        assert_eq!(shape(&w), [(vec![], 4)]);
        assert!(plan(&VecDeque::new(), |_| true, 1, 8).is_empty());
    }

    #[test]
    fn tenant_documents_keep_their_order_too() {
        let doc = |id: &str, n: usize| {
            Event::of_tenant(TenantChange::Put, 0, "amity.networks", id).with_id(n.to_string())
        };
        let held: VecDeque<Event> = [doc("n1", 0), doc("n2", 1), doc("n1", 2)]
            .into_iter()
            .collect();
        assert_eq!(
            shape(&plan(&held, |_| true, 1, 8)),
            [(vec!["0"], 1), (vec!["1"], 1)]
        );
    }
}
