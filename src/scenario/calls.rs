//! The lab page's own calls, by name. A scenario that is a trap rather than a hole shows
//! itself by breaking some of them (its demonstration makes them from the page's origin,
//! which the scenario allows), and an attack that harms the page rather than reading it
//! (cache poisoning) is shown by the calls it breaks. The catalogue names the calls and
//! which of them break; `assets/attacker/calls.js` defines each once.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageCall {
    /// `GET /api/hello/` with fetch's defaults: a simple request, never preflighted.
    Hello,
    /// `GET /api/hello`, the trailing slash forgotten: a 404 whose body says where to go.
    HelloWithoutSlash,
    /// `POST /api/token/` with the demo account as JSON, `credentials: 'omit'`: preflighted
    /// for its `Content-Type`.
    Token,
    /// The same at `/api/token`, the trailing slash forgotten.
    TokenWithoutSlash,
    /// `GET /api/protected/` with that token as `Authorization: Bearer`, `credentials: 'omit'`.
    Protected,
    /// The same with `credentials: 'include'`, as a page that sends cookies on every call does.
    ProtectedWithCookies,
    /// The same as [`PageCall::Protected`] with a token that is none: a 401 `token_invalid`.
    ProtectedWithBadToken,
    /// [`PageCall::Protected`] at a URL this browser has not preflighted (another query
    /// string): what a browser without a cached preflight answer gets.
    ProtectedFresh,
    /// `GET /api/csrf/` with `credentials: 'include'`: the first step of the cookie login.
    Csrf,
    /// Deploys the scenario's policy change for this visitor (the page origin's switch,
    /// [`super::switch`]); not an API call.
    ChangePolicy,
    /// Takes the change back: the first policy again.
    RestorePolicy,
}

/// Every call, for the test that the page's script defines each.
pub const ALL: [PageCall; 11] = [
    PageCall::Hello,
    PageCall::HelloWithoutSlash,
    PageCall::Token,
    PageCall::TokenWithoutSlash,
    PageCall::Protected,
    PageCall::ProtectedWithCookies,
    PageCall::ProtectedWithBadToken,
    PageCall::ProtectedFresh,
    PageCall::Csrf,
    PageCall::ChangePolicy,
    PageCall::RestorePolicy,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calls_script_defines_every_call() {
        let script = include_str!("../../assets/attacker/calls.js");
        for call in ALL {
            let name = serde_json::to_value(call).unwrap();
            let name = name.as_str().unwrap();
            assert!(script.contains(&format!("\n  {name}: ")), "calls.js defines {name}");
        }
    }
}
