//! Attacks on the scenarios of `assets/scenarios/cors-requests.toml`.
