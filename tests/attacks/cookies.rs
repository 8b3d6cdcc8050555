//! Attacks on the scenarios of `assets/scenarios/cookies.toml`.
