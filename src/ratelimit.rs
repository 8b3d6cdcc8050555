//! Rate limits for the endpoints that cost a password hash (login, token) or a row (users).
//!
//! A token bucket per key (client address or username): `burst` attempts at once, refilled
//! continuously at `burst` per `per`. Memory is bounded: at most `max_keys` buckets; when
//! full, buckets that have refilled completely (they remember nothing) are dropped first,
//! then the least recently used.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn per_minute(burst: u32) -> Rate {
        Rate { burst, per: Duration::from_secs(60) }
    }

    fn refill_per_sec(self) -> f64 {
        f64::from(self.burst) / self.per.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Refused: try again after this many whole seconds (the `Retry-After` value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    rate: Rate,
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(rate: Rate, max_keys: usize) -> RateLimiter {
        RateLimiter { rate, max_keys: max_keys.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token, or says how long until one is available.
    pub fn acquire(&self, key: &str, now: Instant) -> Result<(), RetryAfter> {
        self.with_bucket(key, now, |b, rate| {
            let verdict = available(b, rate);
            if verdict.is_ok() {
                b.tokens -= 1.0;
            }
            verdict
        })
    }

    /// Whether a token is available, without taking it (for limits that count failures).
    pub fn check(&self, key: &str, now: Instant) -> Result<(), RetryAfter> {
        self.with_bucket(key, now, |b, rate| available(b, rate))
    }

    /// Takes a token unconditionally (records a failure after the fact).
    pub fn record(&self, key: &str, now: Instant) {
        self.with_bucket(key, now, |b, _| b.tokens = (b.tokens - 1.0).max(-1.0));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().unwrap().len()
    }

    fn with_bucket<T>(&self, key: &str, now: Instant, f: impl FnOnce(&mut Bucket, Rate) -> T) -> T {
        let rate = self.rate;
        let full = f64::from(rate.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            evict(&mut buckets, rate, now, self.max_keys);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: full, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate.refill_per_sec()).min(full);
        bucket.updated = now;
        f(bucket, rate)
    }
}

fn available(b: &Bucket, rate: Rate) -> Result<(), RetryAfter> {
    if b.tokens >= 1.0 {
        Ok(())
    } else {
        let wait = (1.0 - b.tokens) / rate.refill_per_sec();
        Err(RetryAfter(wait.ceil().max(1.0) as u64))
    }
}

fn evict(buckets: &mut HashMap<String, Bucket>, rate: Rate, now: Instant, max_keys: usize) {
    let full = f64::from(rate.burst);
    buckets.retain(|_, b| {
        b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * rate.refill_per_sec() < full
    });
    if buckets.len() >= max_keys {
        // Still crowded: drop the least recently used quarter in one pass.
        let mut ages: Vec<Instant> = buckets.values().map(|b| b.updated).collect();
        ages.sort_unstable();
        let cutoff = ages[ages.len() / 4];
        buckets.retain(|_, b| b.updated > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refuses_with_retry_after() {
        let rl = RateLimiter::new(Rate::per_minute(3), 10);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(rl.acquire("ip", t0), Ok(()));
        }
        assert_eq!(rl.acquire("ip", t0), Err(RetryAfter(20)));
        assert_eq!(rl.acquire("other", t0), Ok(()), "keys are independent");
        assert_eq!(rl.acquire("ip", t0 + Duration::from_secs(20)), Ok(()), "refilled");
    }

    #[test]
    fn check_and_record_count_only_failures() {
        let rl = RateLimiter::new(Rate { burst: 2, per: Duration::from_secs(600) }, 10);
        let t0 = Instant::now();
        assert_eq!(rl.check("demo", t0), Ok(()));
        assert_eq!(rl.check("demo", t0), Ok(()), "checking costs nothing");
        rl.record("demo", t0);
        rl.record("demo", t0);
        assert_eq!(rl.check("demo", t0), Err(RetryAfter(300)));
    }

    #[test]
    fn memory_stays_bounded_under_many_keys() {
        let rl = RateLimiter::new(Rate::per_minute(5), 100);
        let t0 = Instant::now();
        for i in 0..10_000 {
            let _ = rl.acquire(&format!("10.0.{}.{}", i / 256, i % 256), t0 + Duration::from_millis(i));
            assert!(rl.len() <= 100);
        }
    }
}
