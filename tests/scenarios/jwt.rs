//! The scenarios of `assets/scenarios/jwt.toml` over HTTP.
