//! The scenarios of `assets/scenarios/cookies.toml` over HTTP.
