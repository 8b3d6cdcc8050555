//! Attacks on the scenarios of `assets/scenarios/jwt.toml`.
