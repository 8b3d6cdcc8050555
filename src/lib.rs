//! corslab: the browser's security rules for SPA + API teams, as a lab you can poke at.
//!
//! One module per idea the lab teaches; `docs/ARCHITECTURE.md` maps them and follows a
//! request through. The rules are small pure functions; handlers only glue them together.

pub mod accounts;
pub mod api;
pub mod attacker;
pub mod cdn;
pub mod cli;
pub mod config;
pub mod cookie;
pub mod cors;
pub mod csrf;
pub mod editor;
pub mod exchange;
pub mod jwt;
pub mod origin;
pub mod page;
pub mod random;
pub mod ratelimit;
pub mod scenario;
pub mod server;
pub mod session;
pub mod store;
pub mod wsgi;

/// The verdict engine: a crate of its own (`crates/verdict`), so that it stays pure.
pub use corslab_verdict as verdict;

pub use config::{Config, Settings};
pub use server::{RunningLab, StartError, start};

/// Seconds since the Unix epoch: the clock of session expiry and JWT `iat`/`exp`.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
