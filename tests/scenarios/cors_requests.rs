//! The scenarios of `assets/scenarios/cors-requests.toml` over HTTP.
