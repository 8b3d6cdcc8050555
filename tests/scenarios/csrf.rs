//! The scenarios of `assets/scenarios/csrf.toml` over HTTP.
