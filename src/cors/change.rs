//! A [`PolicyChange`] deployed for one visitor at a time: the lab's stand-in for a deploy
//! that narrows the preflight answer, so each learner's own browser can show the answer it
//! cached outliving the change, without one learner's deploy reaching another's browser.
//!
//! Bounded: at most [`VISITORS`] visitors at once, each for [`LIFETIME`] (longer than the
//! 2 h Chromium keeps a cached preflight, so the whole lesson fits), the oldest dropped first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;

use super::policy::PolicyChange;

/// Visitors a change can be deployed for at once.
pub const VISITORS: usize = 10_000;
/// How long a deploy lasts for a visitor who does not undo it.
pub const LIFETIME: Duration = Duration::from_secs(3 * 3600);

/// A change compiled into header values, and whom it is deployed for.
#[derive(Debug)]
pub(super) struct Changed {
    pub(super) allow_methods: HeaderValue,
    pub(super) allow_headers: HeaderValue,
    deployed: Mutex<HashMap<Box<str>, Instant>>,
}

impl Changed {
    pub(super) fn new(change: &PolicyChange, join: impl Fn(&[String]) -> Result<HeaderValue, String>) -> Result<Changed, String> {
        Ok(Changed {
            allow_methods: join(&change.allow_methods)?,
            allow_headers: join(&change.allow_headers)?,
            deployed: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the change is deployed for `visitor`, now.
    pub(super) fn is_deployed(&self, visitor: &str, now: Instant) -> bool {
        let deployed = self.deployed.lock().unwrap_or_else(|p| p.into_inner());
        deployed.get(visitor).is_some_and(|&at| now.duration_since(at) < LIFETIME)
    }

    /// Deploys the change for `visitor` (again: a new lifetime), or takes it back.
    pub(super) fn set(&self, visitor: &str, deployed_now: bool, now: Instant) {
        let mut deployed = self.deployed.lock().unwrap_or_else(|p| p.into_inner());
        if !deployed_now {
            deployed.remove(visitor);
            return;
        }
        if deployed.len() >= VISITORS && !deployed.contains_key(visitor) {
            deployed.retain(|_, &mut at| now.duration_since(at) < LIFETIME);
            if deployed.len() >= VISITORS
                && let Some(oldest) = deployed.iter().min_by_key(|(_, at)| **at).map(|(v, _)| v.clone())
            {
                deployed.remove(&oldest);
            }
        }
        deployed.insert(visitor.into(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed() -> Changed {
        let change = PolicyChange { allow_methods: vec!["GET".into()], allow_headers: vec!["content-type".into()] };
        Changed::new(&change, |items| Ok(HeaderValue::try_from(items.join(", ")).unwrap())).unwrap()
    }

    #[test]
    fn a_deploy_is_per_visitor_until_undone_or_expired() {
        let c = changed();
        let t0 = Instant::now();
        c.set("visitor-a", true, t0);
        assert!(c.is_deployed("visitor-a", t0));
        assert!(!c.is_deployed("visitor-b", t0), "another visitor still has the first policy");
        assert!(!c.is_deployed("visitor-a", t0 + LIFETIME), "expired");
        c.set("visitor-a", false, t0);
        assert!(!c.is_deployed("visitor-a", t0));
    }

    #[test]
    fn at_most_visitors_are_kept_the_oldest_dropped_first() {
        let c = changed();
        let t0 = Instant::now();
        for i in 0..VISITORS {
            c.set(&format!("visitor-{i}"), true, t0 + Duration::from_millis(i as u64));
        }
        let later = t0 + Duration::from_secs(60);
        c.set("newcomer", true, later);
        assert!(c.is_deployed("newcomer", later));
        assert!(!c.is_deployed("visitor-0", later), "the oldest made room");
        assert!(c.is_deployed("visitor-1", later));
        assert_eq!(c.deployed.lock().unwrap().len(), VISITORS);
    }
}
