//! The policy editor's store: each visitor's own [`Answers`], which the CORS layer of the
//! editor's mount sends that visitor in place of its policy (like [`super::change`], a
//! per-visitor switch, but holding a whole answer).
//!
//! Bounded three ways, since anyone may write to it: at most [`EditedLimits::per_address`]
//! policies set from one client address (beyond that a clear refusal, not an eviction, so
//! one client cannot push everyone else out), at most [`EditedLimits::visitors`] in all (the
//! least recently used dropped first), each dropped after [`EditedLimits::idle`] unused. A
//! policy is at most [`super::answer::POLICY_BYTES`] of JSON, so the store holds at most
//! `visitors` × a few times that.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::answer::Answers;

/// See [`crate::config::Limits`] for the values in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EditedLimits {
    pub visitors: usize,
    pub per_address: usize,
    pub idle: Duration,
}

/// The client address already holds [`EditedLimits::per_address`] policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyPolicies {
    pub per_address: usize,
    /// When the address's least recently used policy expires, if nothing uses it.
    pub retry_after: Duration,
}

#[derive(Debug)]
struct Entry {
    answers: Arc<Answers>,
    /// Who set it: what the per-address bound counts.
    address: IpAddr,
    last_used: Instant,
}

#[derive(Debug, Default)]
struct State {
    by_visitor: HashMap<Box<str>, Entry>,
    per_address: HashMap<IpAddr, usize>,
    /// Heap bytes of the answers held ([`Answers::weight`]).
    bytes: usize,
}

#[derive(Debug)]
pub struct EditedAnswers {
    limits: EditedLimits,
    state: Mutex<State>,
}

impl EditedAnswers {
    pub fn new(limits: EditedLimits) -> EditedAnswers {
        EditedAnswers { limits, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change below leaves the maps consistent; keep serving after a panic elsewhere.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `visitor`'s answers, if set and not idle too long; using them keeps them.
    pub fn get(&self, visitor: &str, now: Instant) -> Option<Arc<Answers>> {
        let mut st = self.lock();
        let entry = st.by_visitor.get_mut(visitor)?;
        if now.saturating_duration_since(entry.last_used) < self.limits.idle {
            entry.last_used = now;
            return Some(entry.answers.clone());
        }
        st.remove(visitor);
        None
    }

    /// Sets (or replaces) `visitor`'s answers, set from `address`.
    pub fn set(&self, visitor: &str, address: IpAddr, answers: Answers, now: Instant) -> Result<(), TooManyPolicies> {
        let mut st = self.lock();
        let replaces = st.by_visitor.get(visitor).is_some_and(|e| e.address == address);
        if !replaces && st.count(address) >= self.limits.per_address {
            st.expire(now, self.limits.idle);
            if st.count(address) >= self.limits.per_address {
                let oldest = st.by_visitor.values().filter(|e| e.address == address).map(|e| e.last_used).min().unwrap_or(now);
                let retry_after = self.limits.idle.saturating_sub(now.saturating_duration_since(oldest));
                return Err(TooManyPolicies { per_address: self.limits.per_address, retry_after });
            }
        }
        st.remove(visitor);
        if st.by_visitor.len() >= self.limits.visitors.max(1) {
            st.expire(now, self.limits.idle);
            while st.by_visitor.len() >= self.limits.visitors.max(1) {
                let Some(least) = st.by_visitor.iter().min_by_key(|(_, e)| e.last_used).map(|(v, _)| v.clone()) else { break };
                st.remove(&least);
            }
        }
        st.bytes += answers.weight() + visitor.len();
        *st.per_address.entry(address).or_default() += 1;
        st.by_visitor.insert(visitor.into(), Entry { answers: Arc::new(answers), address, last_used: now });
        Ok(())
    }

    /// Forgets `visitor`'s answers: their requests get the mount's policy again.
    pub fn clear(&self, visitor: &str) {
        self.lock().remove(visitor);
    }

    pub fn limits(&self) -> EditedLimits {
        self.limits
    }

    /// (policies held, their heap bytes): what the bounds limit.
    pub fn usage(&self) -> (usize, usize) {
        let st = self.lock();
        (st.by_visitor.len(), st.bytes)
    }
}

impl State {
    fn count(&self, address: IpAddr) -> usize {
        self.per_address.get(&address).copied().unwrap_or(0)
    }

    fn remove(&mut self, visitor: &str) {
        let Some(entry) = self.by_visitor.remove(visitor) else { return };
        self.bytes -= entry.answers.weight() + visitor.len();
        if let Some(n) = self.per_address.get_mut(&entry.address) {
            *n -= 1;
            if *n == 0 {
                self.per_address.remove(&entry.address);
            }
        }
    }

    fn expire(&mut self, now: Instant, idle: Duration) {
        let expired: Vec<Box<str>> =
            self.by_visitor.iter().filter(|(_, e)| now.saturating_duration_since(e.last_used) >= idle).map(|(v, _)| v.clone()).collect();
        for visitor in expired {
            self.remove(&visitor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cors::answer::{Mount, PolicySpec};

    fn answers() -> Answers {
        let mount = Mount { prefix: "/play".into(), api_origin: "http://localhost:8001".parse().unwrap() };
        Answers::new(PolicySpec::default(), &mount).unwrap()
    }

    const LIMITS: EditedLimits = EditedLimits { visitors: 4, per_address: 2, idle: Duration::from_secs(60) };
    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn a_policy_is_the_visitors_own_until_cleared_or_idle() {
        let store = EditedAnswers::new(LIMITS);
        let t0 = Instant::now();
        store.set("visitor-a", A, answers(), t0).unwrap();
        assert!(store.get("visitor-a", t0).is_some());
        assert!(store.get("visitor-b", t0).is_none(), "another visitor gets the mount's policy");
        let used = t0 + Duration::from_secs(50);
        assert!(store.get("visitor-a", used).is_some(), "use keeps it");
        assert!(store.get("visitor-a", used + Duration::from_secs(59)).is_some());
        assert!(store.get("visitor-a", used + Duration::from_secs(59 + 60)).is_none(), "idle too long");
        assert_eq!(store.usage(), (0, 0));
        store.set("visitor-a", A, answers(), t0).unwrap();
        store.clear("visitor-a");
        assert!(store.get("visitor-a", t0).is_none());
        assert_eq!(store.usage(), (0, 0));
    }

    #[test]
    fn one_address_is_refused_beyond_its_share_and_pushes_no_one_out() {
        let store = EditedAnswers::new(LIMITS);
        let t0 = Instant::now();
        store.set("visitor-b1", B, answers(), t0).unwrap();
        store.set("visitor-a1", A, answers(), t0).unwrap();
        store.set("visitor-a2", A, answers(), t0 + Duration::from_secs(10)).unwrap();
        store.set("visitor-a2", A, answers(), t0 + Duration::from_secs(20)).expect("replacing one's own is not another");
        let refused = store.set("visitor-a3", A, answers(), t0 + Duration::from_secs(30)).unwrap_err();
        assert_eq!(refused, TooManyPolicies { per_address: 2, retry_after: Duration::from_secs(30) });
        assert!(store.get("visitor-b1", t0 + Duration::from_secs(30)).is_some());
        assert_eq!(store.usage().0, 3);
        store.set("visitor-a3", A, answers(), t0 + Duration::from_secs(61)).expect("visitor-a1 expired");
    }

    #[test]
    fn at_most_visitors_are_held_the_least_recently_used_dropped_first() {
        let store = EditedAnswers::new(EditedLimits { per_address: 100, ..LIMITS });
        let t0 = Instant::now();
        for i in 0..4 {
            store.set(&format!("visitor-{i}"), A, answers(), t0 + Duration::from_secs(i)).unwrap();
        }
        store.get("visitor-0", t0 + Duration::from_secs(5));
        store.set("newcomer", B, answers(), t0 + Duration::from_secs(6)).unwrap();
        let now = t0 + Duration::from_secs(7);
        assert!(store.get("newcomer", now).is_some() && store.get("visitor-0", now).is_some());
        assert!(store.get("visitor-1", now).is_none(), "the least recently used made room");
        assert_eq!(store.usage().0, 4);
    }
}
