//! Argon2id password hashing on a fixed set of threads, each reusing one working memory.
//!
//! Argon2id is slow on purpose (≈ 20 ms and 19 MiB per hash with the default parameters), so
//! it never runs on the async workers. It does not run on tokio's blocking pool either: every
//! hash there allocated and freed its 19 MiB on whichever pool thread ran it, and glibc kept
//! the freed blocks in that thread's malloc arena, so resident memory grew with every new
//! thread a burst of logins woke (8.6 MB idle → ≈ 240 MB, for good). Here `parallel` threads
//! are started once, each allocates its block array once and hands it to
//! [`Argon2::hash_password_into_with_memory`] for every job: memory is `parallel` × 19 MiB,
//! however many logins come.
//!
//! Jobs wait in a queue of at most `queue`; beyond that a caller is refused at once
//! ([`HasherBusy`], answered 429) instead of waiting in an unbounded line. A job keeps its
//! queue slot until it has run, even if the request that asked for it went away, so the
//! bound holds for work actually pending.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::{OnceCell, oneshot};

/// The hashing queue is full: the caller should answer 429 and let the client retry.
#[derive(Debug, PartialEq, Eq)]
pub struct HasherBusy;

type Job = Box<dyn FnOnce(&mut [Block]) + Send>;

pub struct PasswordHasher {
    jobs: Mutex<Sender<Job>>,
    pending: Arc<AtomicUsize>,
    capacity: usize,
    /// Hash verified when the username does not exist, so a failed login takes as long
    /// whether or not the account exists (Django does the same).
    dummy: OnceCell<String>,
}

/// The parameters of every hash the lab makes: argon2's defaults (OWASP's m=19 MiB, t=2, p=1).
const PARAMS: Params = Params::DEFAULT;

impl PasswordHasher {
    /// Starts `parallel` hashing threads (at least one) with room for `queue` waiting jobs.
    pub fn new(parallel: usize, queue: usize) -> PasswordHasher {
        let parallel = parallel.max(1);
        let (jobs, inbox) = channel::<Job>();
        let inbox = Arc::new(Mutex::new(inbox));
        for n in 0..parallel {
            let inbox = inbox.clone();
            std::thread::Builder::new()
                .name(format!("corslab-hash-{n}"))
                .spawn(move || work(&inbox))
                .expect("the OS lets the lab start its hashing threads");
        }
        PasswordHasher {
            jobs: Mutex::new(jobs),
            pending: Arc::new(AtomicUsize::new(0)),
            capacity: parallel + queue,
            dummy: OnceCell::new(),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) for `password`.
    pub async fn hash(&self, password: &str) -> Result<String, HasherBusy> {
        let password = password.to_owned();
        self.run(move |memory| hash_with(memory, password.as_bytes())).await
    }

    /// Whether `password` matches the PHC string; `None` (no such account) still costs a hash.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, HasherBusy> {
        let phc = match phc {
            Some(phc) => phc.to_owned(),
            None => self.dummy.get_or_try_init(|| self.hash("dummy password")).await?.clone(),
        };
        let password = password.to_owned();
        self.run(move |memory| verify_with(memory, password.as_bytes(), &phc)).await
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce(&mut [Block]) -> T + Send + 'static) -> Result<T, HasherBusy> {
        let slot = QueueSlot::take(&self.pending, self.capacity).ok_or(HasherBusy)?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _slot = slot;
            let _ = done.send(work(memory));
        });
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).send(job).map_err(|_| HasherBusy)?;
        result.await.map_err(|_| HasherBusy)
    }
}

/// One hashing thread: its block array lives as long as the thread.
fn work(inbox: &Mutex<Receiver<Job>>) {
    let mut memory = vec![Block::default(); PARAMS.block_count()];
    loop {
        // The lock is held only while waiting for the next job, not while hashing.
        let next = inbox.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(job) = next else { return };
        job(&mut memory);
    }
}

fn hash_with(memory: &mut [Block], password: &[u8]) -> String {
    let salt_bytes: [u8; 16] = crate::random::bytes();
    let salt = Salt::new(&salt_bytes).expect("16 bytes is a valid salt");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
        .hash_password_into_with_memory(password, &salt_bytes, &mut out, memory)
        .expect("default parameters, a 16-byte salt and a password under 4 KiB are valid");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&PARAMS).expect("default parameters encode"),
        salt: Some(salt),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
    }
    .to_string()
}

/// Re-hashes with the stored salt and parameters and compares in constant time. A stored
/// hash that needs more memory than a hashing thread holds (parameters the lab never uses)
/// does not match: growing the memory for it would undo the bound above.
fn verify_with(memory: &mut [Block], password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&parsed), &parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else { return false };
    let version = parsed.version.map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else { return false };
    if params.block_count() > memory.len() {
        tracing::warn!(m_cost = params.m_cost(), "a stored password hash needs more memory than the lab allots; it cannot match");
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(password, salt.as_ref(), &mut out, memory);
    hashed.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// A place in the bounded queue, given back when the job has run (or was dropped unrun).
struct QueueSlot(Arc<AtomicUsize>);

impl QueueSlot {
    fn take(pending: &Arc<AtomicUsize>, capacity: usize) -> Option<QueueSlot> {
        pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < capacity).then_some(n + 1))
            .ok()
            .map(|_| QueueSlot(pending.clone()))
    }
}

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_fail() {
        let h = PasswordHasher::new(2, 4);
        let phc = h.hash("demo-password").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_ne!(phc, h.hash("demo-password").await.unwrap(), "a fresh salt every time");
        assert_eq!(h.verify("demo-password", Some(&phc)).await, Ok(true));
        assert_eq!(h.verify("wrong", Some(&phc)).await, Ok(false));
        assert_eq!(h.verify("demo-password", None).await, Ok(false));
        assert_eq!(h.verify("x", Some("not a phc string")).await, Ok(false));
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_itself_verify() {
        use argon2::password_hash::PasswordHasher as _;
        let phc = Argon2::default().hash_password(b"s3cret").unwrap().to_string();
        let h = PasswordHasher::new(1, 1);
        assert_eq!(h.verify("s3cret", Some(&phc)).await, Ok(true));
        assert_eq!(h.verify("s3cret!", Some(&phc)).await, Ok(false));
    }

    #[tokio::test]
    async fn a_hash_needing_more_memory_than_a_thread_holds_never_matches() {
        use argon2::password_hash::PasswordHasher as _;
        let big = Params::new(PARAMS.m_cost() * 2, 1, 1, None).unwrap();
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, big).hash_password(b"pw").unwrap().to_string();
        assert_eq!(PasswordHasher::new(1, 1).verify("pw", Some(&phc)).await, Ok(false));
    }

    #[tokio::test]
    async fn queue_beyond_capacity_is_refused_not_waited_for() {
        let h = Arc::new(PasswordHasher::new(1, 1));
        let gate = Arc::new(std::sync::Barrier::new(2));
        let g = gate.clone();
        let h1 = h.clone();
        let running = tokio::spawn(async move { h1.run(move |_| g.wait()).await });
        let h2 = h.clone();
        let waiting = tokio::spawn(async move { h2.run(|_| ()).await });
        while h.pending.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(h.run(|_| ()).await.unwrap_err(), HasherBusy);
        gate.wait();
        assert!(running.await.unwrap().is_ok());
        assert!(waiting.await.unwrap().is_ok());
        assert!(h.run(|_| ()).await.is_ok(), "slots are released");
    }

    #[tokio::test]
    async fn a_job_keeps_its_slot_after_its_caller_gave_up() {
        let h = Arc::new(PasswordHasher::new(1, 0));
        let gate = Arc::new(std::sync::Barrier::new(2));
        let g = gate.clone();
        let h1 = h.clone();
        let abandoned = tokio::spawn(async move { h1.run(move |_| g.wait()).await });
        while h.pending.load(Ordering::Acquire) < 1 {
            tokio::task::yield_now().await;
        }
        abandoned.abort();
        let _ = abandoned.await;
        assert_eq!(h.run(|_| ()).await.unwrap_err(), HasherBusy, "the job still runs, so its slot is taken");
        gate.wait();
        while h.pending.load(Ordering::Acquire) > 0 {
            tokio::task::yield_now().await;
        }
        assert!(h.run(|_| ()).await.is_ok());
    }

    #[tokio::test]
    async fn every_job_runs_on_the_same_few_threads() {
        let h = PasswordHasher::new(2, 64);
        let mut names = std::collections::BTreeSet::new();
        for _ in 0..16 {
            names.insert(h.run(|_| std::thread::current().name().unwrap_or("").to_owned()).await.unwrap());
        }
        assert!(names.len() <= 2 && names.iter().all(|n| n.starts_with("corslab-hash-")), "{names:?}");
    }
}
