//! Attacks on the scenarios of `assets/scenarios/csrf.toml`.
