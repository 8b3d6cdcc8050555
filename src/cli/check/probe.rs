//! The probes: which fetches `corslab check` makes for one URL, and each one run live, hop by
//! hop, as Chromium runs it.
//!
//! A probe is a `fetch()` from some page: the user's own request from their origin, the same
//! read from each crafted origin, a preflight asking for `Authorization`, a request for a
//! path that does not exist, and (where the user allows state-changing requests) a form-like
//! POST from another site. Nothing here decides what goes on the wire: the engine's
//! [`next_request`] says which request Chromium sends next (preflight, request, each
//! redirect) with its exact headers, the answer joins the probe's experiment, and the engine
//! is asked again. When it needs no more, [`simulate`] gives the verdict `corslab explain`
//! would give on the same experiment, which is kept so that anyone can replay it offline.

use crate::verdict::{
    AddressSpace, Answer, Body, Credentials, Experiment, Fetch, FetchMode, FetchVerdict, Outcome, RedirectMode, Step,
    WireRequest, next_request, simulate,
};

use super::client::{Client, Reply, SendError};
use super::origins::{Crafted, EVIL, crafted};
use crate::origin::Origin;

/// What the user asked to check, besides the URLs.
#[derive(Clone, Debug)]
pub struct Request {
    pub origin: Origin,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub credentials: bool,
    /// The `Cookie` line to send on credentialed requests (never on preflights).
    pub cookie: Option<String>,
    pub follow_redirects: bool,
    /// State-changing requests may be sent beyond the user's own.
    pub unsafe_probes: bool,
}

impl Request {
    /// Whether the user's method changes state (it is not GET, HEAD or OPTIONS).
    pub fn is_unsafe(&self) -> bool {
        !["GET", "HEAD", "OPTIONS"].iter().any(|m| self.method.eq_ignore_ascii_case(m))
    }

    /// The method the crafted origins read with: the user's when it is safe or allowed.
    pub fn read_method(&self) -> &str {
        if self.is_unsafe() && !self.unsafe_probes { "GET" } else { &self.method }
    }

    /// Whether the form-like POSTs of the CSRF probes may be sent.
    pub fn probes_csrf(&self) -> bool {
        self.method.eq_ignore_ascii_case("POST") || self.unsafe_probes
    }
}

/// What a probe is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The user's own request, from their origin.
    Request,
    /// A preflight from the user's origin asking for `Authorization` too.
    Preflight,
    /// A credentialed read from a crafted origin.
    Origin(Crafted),
    /// A GET of a path that does not exist, from the user's origin.
    NotFound,
    /// A POST from another site, as a form sends it (`application/x-www-form-urlencoded`).
    CsrfForm,
    /// A POST from another site with a JSON text as `text/plain`, which a form sends too.
    CsrfTextPlain,
}

impl Kind {
    /// A short stable name, as the JSON output gives it.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Preflight => "preflight",
            Kind::Origin(_) => "origin",
            Kind::NotFound => "not_found",
            Kind::CsrfForm => "csrf_form",
            Kind::CsrfTextPlain => "csrf_text_plain",
        }
    }
}

/// One fetch to make.
#[derive(Clone, Debug)]
pub struct Probe {
    pub kind: Kind,
    /// The origin of the page that makes the fetch.
    pub page: String,
    pub fetch: Fetch,
    cookie: Option<String>,
    /// Stop once the preflight is judged: the request itself is not needed.
    preflight_only: bool,
    follow_redirects: bool,
}

/// The path a [`Kind::NotFound`] probe asks for, under the URL's own.
pub const NOT_FOUND_SEGMENT: &str = "corslab-check-404/";
/// The bearer token a [`Kind::Preflight`] probe's fetch would carry (the preflight never does).
const PROBE_TOKEN: &str = "Bearer corslab-check";

/// The user's own request to `url`.
pub fn request(url: &str, req: &Request) -> Probe {
    let mut fetch = fetch(url, &req.method, req.headers.clone());
    fetch.credentials = if req.credentials { Credentials::Include } else { Credentials::SameOrigin };
    Probe {
        kind: Kind::Request,
        page: req.origin.to_string(),
        cookie: req.credentials.then(|| req.cookie.clone()).flatten(),
        preflight_only: false,
        follow_redirects: req.follow_redirects,
        fetch,
    }
}

/// Every other probe of `url`, after the user's own request.
pub fn crafted_probes(url: &str, req: &Request) -> Vec<Probe> {
    let own = request(url, req);
    let mut out = Vec::new();
    if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization")) {
        let mut headers = req.headers.clone();
        headers.push(("Authorization".into(), PROBE_TOKEN.into()));
        out.push(Probe { kind: Kind::Preflight, preflight_only: true, fetch: Fetch { headers, ..own.fetch.clone() }, ..own.clone() });
    }
    for c in crafted(&req.origin) {
        let fetch = Fetch { credentials: Credentials::Include, ..fetch(url, req.read_method(), req.headers.clone()) };
        out.push(Probe { kind: Kind::Origin(c.clone()), page: c.origin, cookie: req.cookie.clone(), fetch, ..own.clone() });
    }
    let missing = not_found_url(url);
    let fetch_missing = Fetch { credentials: own.fetch.credentials, ..fetch(&missing, "GET", Vec::new()) };
    out.push(Probe { kind: Kind::NotFound, fetch: fetch_missing, ..own.clone() });
    if req.probes_csrf() {
        let evil = format!("https://{EVIL}");
        let form = |kind, content_type: &str, body: &str| Probe {
            kind,
            page: evil.clone(),
            cookie: req.cookie.clone(),
            preflight_only: false,
            follow_redirects: false,
            fetch: Fetch {
                mode: FetchMode::NoCors,
                credentials: Credentials::Include,
                body: Some(Body::Text(body.into())),
                ..fetch(url, "POST", vec![("Content-Type".into(), content_type.into())])
            },
        };
        out.push(form(Kind::CsrfForm, "application/x-www-form-urlencoded", "corslab-check=1"));
        out.push(form(Kind::CsrfTextPlain, "text/plain", "{}"));
    }
    out
}

fn fetch(url: &str, method: &str, headers: Vec<(String, String)>) -> Fetch {
    Fetch {
        url: url.to_owned(),
        method: method.to_owned(),
        headers,
        body: None,
        mode: FetchMode::Cors,
        credentials: Credentials::SameOrigin,
        redirect: RedirectMode::Follow,
        cache: crate::verdict::CacheMode::NoStore,
    }
}

/// `url` with [`NOT_FOUND_SEGMENT`] appended to its path, without its query.
fn not_found_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let path = format!("{}/{NOT_FOUND_SEGMENT}", u.path().trim_end_matches('/'));
            u.set_path(&path);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct Exchanged {
    pub request: WireRequest,
    pub reply: Reply,
}

/// Why a probe did not send everything the browser would have sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The probe needed only the preflight.
    PreflightOnly,
    /// The browser would follow a redirect to this URL; `--follow-redirects` was not given.
    RedirectNotFollowed(String),
}

/// A probe after it ran.
#[derive(Clone, Debug)]
pub struct Probed {
    pub probe: Probe,
    pub exchanges: Vec<Exchanged>,
    /// What Chromium does with these answers: what `corslab explain` says of [`Probed::experiment`].
    pub verdict: FetchVerdict,
    /// Whether JavaScript would read the same answers without credentials.
    pub readable_without_credentials: bool,
    pub stop: Option<Stop>,
    pub error: Option<SendError>,
    /// The probe as an experiment file with every answer it got.
    pub experiment: Experiment,
}

impl Probed {
    /// The answers to requests that were not preflights.
    pub fn replies(&self) -> impl Iterator<Item = &Exchanged> {
        self.exchanges.iter().filter(|e| !e.request.preflight)
    }

    pub fn preflights(&self) -> impl Iterator<Item = &Exchanged> {
        self.exchanges.iter().filter(|e| e.request.preflight)
    }

    /// JavaScript on the probe's page gets a response.
    pub fn readable(&self) -> bool {
        self.verdict.outcome == Outcome::Response
    }
}

/// Runs `probe` against a server in `space` (the page is taken to be there too: the checker
/// judges CORS, not where the page is deployed).
pub async fn run(probe: Probe, client: &Client, space: AddressSpace) -> Probed {
    let mut experiment = Experiment {
        page: probe.page.clone(),
        steps: vec![Step { at_ms: None, fetch: probe.fetch.clone(), server: Vec::new(), verdict: None }],
        browser: Default::default(),
        page_address_space: Some(space),
        granted_permissions: Vec::new(),
    };
    let (mut exchanges, mut stop, mut error) = (Vec::new(), None, None);
    while let Some(next) = next_request(&experiment) {
        if next.redirected && !probe.follow_redirects {
            stop = Some(Stop::RedirectNotFollowed(next.url));
            break;
        }
        if probe.preflight_only && !next.preflight {
            stop = Some(Stop::PreflightOnly);
            break;
        }
        let body = match &probe.fetch.body {
            Some(Body::Text(text)) if next.has_body => Some(text.as_str()),
            _ => None,
        };
        let cookie = (!next.preflight && probe.fetch.credentials == Credentials::Include && same_host(&next.url, &probe.fetch.url))
            .then_some(probe.cookie.as_deref())
            .flatten();
        match client.send(&next, body, cookie).await {
            Ok(reply) => {
                // The answer is taken as sent; the experiment format would read a literal
                // `{name}` in a header value as a placeholder, which no API sends on purpose.
                experiment.steps[0].server.push(Answer {
                    url: next.url.clone(),
                    preflight: next.preflight,
                    status: reply.status,
                    headers: reply.headers.clone(),
                    status_text: None,
                    address_space: None,
                });
                exchanges.push(Exchanged { request: next, reply });
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let verdict = judge(&experiment);
    let mut plain = experiment.clone();
    plain.steps[0].fetch.credentials = Credentials::Omit;
    let readable_without_credentials = judge(&plain).outcome == Outcome::Response;
    Probed { probe, exchanges, verdict, readable_without_credentials, stop, error, experiment }
}

/// Whether two URLs name the same host: the cookie the user gave (`--cookie`) is the checked
/// URL's, and a browser sends a host's cookies to that host alone, not along a redirect to
/// another.
fn same_host(a: &str, b: &str) -> bool {
    let host = |u: &str| reqwest::Url::parse(u).ok().and_then(|u| u.host_str().map(str::to_owned));
    host(a).is_some_and(|h| Some(h) == host(b))
}

/// The verdict on an experiment of one step.
fn judge(experiment: &Experiment) -> FetchVerdict {
    simulate(experiment).into_iter().next().expect("simulate judges every step")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(method: &str) -> Request {
        Request {
            origin: "https://app.example.com".parse().unwrap(),
            method: method.into(),
            headers: vec![("X-Api-Key".into(), "k".into())],
            credentials: true,
            cookie: Some("sessionid=s".into()),
            follow_redirects: false,
            unsafe_probes: false,
        }
    }

    #[test]
    fn state_changing_requests_go_only_where_the_user_sends_them() {
        let kinds = |req: &Request| crafted_probes("https://api.example.com/items/?page=2", req).iter().map(|p| (p.kind.name(), p.fetch.method.clone())).collect::<Vec<_>>();
        let get = kinds(&user("GET"));
        assert!(get.iter().all(|(kind, method)| !kind.starts_with("csrf") && method == "GET"), "{get:?}");
        // The user's own DELETE: crafted origins read with GET; no form can send DELETE.
        let delete = kinds(&user("DELETE"));
        assert!(delete.iter().all(|(kind, method)| !kind.starts_with("csrf") && (method == "GET" || kind == &"preflight")), "{delete:?}");
        let post = kinds(&user("POST"));
        assert_eq!(post.iter().filter(|(kind, _)| kind.starts_with("csrf")).count(), 2);
        let unsafe_get = kinds(&Request { unsafe_probes: true, ..user("GET") });
        assert_eq!(unsafe_get.iter().filter(|(kind, method)| kind.starts_with("csrf") && method == "POST").count(), 2);
    }

    #[test]
    fn the_missing_path_lies_under_the_urls_own() {
        assert_eq!(not_found_url("https://api.example.com/items/?page=2"), "https://api.example.com/items/corslab-check-404/");
        assert_eq!(not_found_url("https://api.example.com/items"), "https://api.example.com/items/corslab-check-404/");
        assert_eq!(not_found_url("https://api.example.com"), "https://api.example.com/corslab-check-404/");
    }
}
