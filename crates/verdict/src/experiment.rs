//! The experiment file (SPEC §8): a page, the `fetch()` calls it makes in order, and what the
//! server answers to whatever requests the browser decides to send. [`simulate`](crate::simulate)
//! runs it.
//!
//! Fields take `fetch()`'s own names, values and defaults. Three optional fields go beyond
//! SPEC §8, for what a measurement needed to say: an answer's `status_text` (the reason
//! phrase, which Chromium prints for a status of 400 or more; default: the standard phrase)
//! and `address_space` (where the server is, for Local Network Access; default: from its
//! host), and the document's `granted_permissions` (the Local Network Access permissions the
//! user gave the page; default: none, as in a browser nobody answered).

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::address_space::{AddressSpace, Permission};
use crate::request::{CacheMode, Credentials, Mode, RedirectMode};

/// Which browser's rules an experiment is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Browser {
    /// Chromium 156, as measured by `tools/cors-probe`.
    #[default]
    #[serde(rename = "chromium-156")]
    Chromium156,
}

impl Browser {
    /// The most redirects one fetch follows (measured `r_chain_20`, `r_chain_21`).
    pub fn max_redirects(self) -> u32 {
        match self {
            Browser::Chromium156 => 20,
        }
    }
}

/// A whole experiment file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// The page's origin, e.g. `http://localhost:8000`.
    pub page: String,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub browser: Browser,
    /// Where the page is, for Local Network Access; `None`: from the page's host.
    #[serde(default)]
    pub page_address_space: Option<AddressSpace>,
    #[serde(default)]
    pub granted_permissions: Vec<Permission>,
}

/// One `fetch()` call and the server it meets.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When the call is made, in milliseconds; `None`: at the previous step's time.
    #[serde(default)]
    pub at_ms: Option<u64>,
    pub fetch: Fetch,
    #[serde(default)]
    pub server: Vec<Answer>,
    /// A verdict an earlier `explain --json` added; read and ignored, so its output can be
    /// explained again.
    #[serde(default, skip_serializing)]
    pub verdict: Option<IgnoredAny>,
}

/// `fetch(url, init)`: the URL and `RequestInit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    pub url: String,
    #[serde(default = "get")]
    pub method: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<Body>,
    #[serde(default)]
    pub mode: FetchMode,
    #[serde(default = "same_origin")]
    pub credentials: Credentials,
    #[serde(default)]
    pub redirect: RedirectMode,
    #[serde(default)]
    pub cache: CacheMode,
}

fn get() -> String {
    "GET".into()
}

fn same_origin() -> Credentials {
    Credentials::SameOrigin
}

/// `RequestInit.mode` as a script may set it (`navigate` is for navigations only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FetchMode {
    #[default]
    Cors,
    NoCors,
    SameOrigin,
}

impl From<FetchMode> for Mode {
    fn from(mode: FetchMode) -> Mode {
        match mode {
            FetchMode::Cors => Mode::Cors,
            FetchMode::NoCors => Mode::NoCors,
            FetchMode::SameOrigin => Mode::SameOrigin,
        }
    }
}

/// `RequestInit.body`: a string, or an object the script built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Body {
    Text(String),
    Object(BodyObject),
}

/// A body that is not a string: what kind of object it is, and a `Blob`'s type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyObject {
    pub kind: BodyKind,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub blob_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyKind {
    Urlsearchparams,
    Formdata,
    Blob,
}

impl Body {
    /// The `Content-Type` fetch() adds when the script sets none (measured `b_*`): a string
    /// is `text/plain;charset=UTF-8`, `URLSearchParams`
    /// `application/x-www-form-urlencoded;charset=UTF-8`, `FormData`
    /// `multipart/form-data; boundary=----WebKitFormBoundary` + 16 random characters (here a
    /// fixed stand-in of the same length), a `Blob` its type (none when empty).
    pub fn content_type(&self) -> Option<String> {
        match self {
            Body::Text(_) => Some("text/plain;charset=UTF-8".into()),
            Body::Object(BodyObject { kind: BodyKind::Urlsearchparams, .. }) => {
                Some("application/x-www-form-urlencoded;charset=UTF-8".into())
            }
            Body::Object(BodyObject { kind: BodyKind::Formdata, .. }) => {
                Some("multipart/form-data; boundary=----WebKitFormBoundary0123456789abcdef".into())
            }
            Body::Object(BodyObject { kind: BodyKind::Blob, blob_type }) => blob_type.clone().filter(|t| !t.is_empty()),
        }
    }
}

/// What the server answers to one request the browser may send: by exact URL and kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub url: String,
    /// Whether this answers the preflight (`OPTIONS` with `Access-Control-Request-Method`).
    #[serde(default)]
    pub preflight: bool,
    pub status: u16,
    /// Header lines in order; a value's `{name}` is replaced by that request header's value
    /// as the browser sent it, and a line whose placeholder has no value is left out.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_space: Option<AddressSpace>,
}

/// Why an experiment file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// 1-based line of the problem, when the JSON parser knows it.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: {}", self.reason),
            (Some(line), None) => write!(f, "line {line}: {}", self.reason),
            _ => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// A JSON parser's error, with its position kept apart from the reason.
    pub(crate) fn from_json(e: &serde_json::Error) -> InputError {
        InputError {
            line: (e.line() > 0).then_some(e.line()),
            column: (e.column() > 0).then_some(e.column()),
            reason: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        }
    }
}

impl Experiment {
    /// Reads an experiment file: JSON as SPEC §8 describes it, with the steps' clock never
    /// going back.
    pub fn from_json(text: &str) -> Result<Experiment, InputError> {
        let experiment: Experiment = serde_json::from_str(text).map_err(|e| InputError::from_json(&e))?;
        let mut now = 0;
        for (i, step) in experiment.steps.iter().enumerate() {
            match step.at_ms {
                Some(at) if at < now => {
                    return Err(InputError {
                        line: None,
                        column: None,
                        reason: format!("steps[{i}].at_ms is {at}, earlier than the step before it ({now}); steps run in order on one clock"),
                    });
                }
                Some(at) => now = at,
                None => {}
            }
        }
        Ok(experiment)
    }
}
