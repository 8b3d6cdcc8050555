// The secure version of each scenario in cors-requests.toml as axum + tower-http 0.7, one
// `// scenario: <id>` section each: src/scenario/catalogue.rs serves them on the lab page,
// with `{page}` replaced by the lab page's origin; tests/snippets.rs compiles this file, so
// every snippet builds. `all` (before the first section, not served) lists them.

pub fn all() -> Vec<(&'static str, CorsLayer)> {
    vec![]
}
