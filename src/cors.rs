//! The server's half of CORS: which `Access-Control-*` headers a response carries.
//!
//! CORS is enforced by the *browser*. The server only says, per response, "this origin may
//! read me" (`Access-Control-Allow-Origin`), "with cookies" (`…-Allow-Credentials`), and in
//! answer to a preflight, which methods and headers it accepts. A request from an origin the
//! server does not allow is still processed: the browser merely hides the response from the
//! page. That is why CSRF protection is a separate layer.
//!
//! Written by hand instead of using tower-http's `CorsLayer` because the lab must be able to
//! run *broken* policies on purpose and say which rule decided, and because `CorsLayer`
//! treats every `OPTIONS` as a preflight, which django-cors-headers does not.
//!
//! A [`CorsPolicy`] is plain data mirroring django-cors-headers' settings, with the origin
//! matching strategy as a named [`OriginRule`] (the broken ones included) and the other
//! classic mistakes as settings. The default is the article's configuration
//! ([`CorsPolicy::article`]). [`Cors`] is a policy compiled into ready-made header values,
//! and [`CorsLayer`] applies it to a service. The policy editor's mount adds per-visitor
//! [`Answers`] ([`EditedAnswers`]): a visitor who wrote one gets it in place of the policy,
//! through the same layer.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use serde::Serialize;

mod answer;
mod change;
mod edited;
mod policy;

pub use policy::{
    ARTICLE_EXPOSE_HEADERS, CorsPolicy, DEFAULT_ALLOW_HEADERS, DEFAULT_ALLOW_METHODS, OriginRule, Placement, PolicyChange,
};
pub use answer::{AllowOrigin, AnswerSpec, Answers, InvalidPolicy, Mount, POLICY_BYTES, PolicySpec, Problem};
pub use edited::{EditedAnswers, EditedLimits, TooManyPolicies};
use change::Changed;
use policy::{Match, Matcher};

use crate::exchange::Tag;

/// How the policy judged the request's `Origin`; the exchange log shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginCheck {
    /// The policy is off: no CORS headers at all.
    Disabled,
    /// No `Origin` header (same-origin GET, curl, …): nothing to allow.
    NoOrigin,
    /// The origin is listed (or passed the policy's matcher): the response gets the allow
    /// headers.
    Allowed,
    /// `CORS_ALLOW_ALL_ORIGINS`: every origin gets the allow headers.
    AllowedByAllowAll,
    /// A hand-written middleware echoed it back, whatever it was.
    Reflected,
    /// The visitor's own answer, written in the policy editor, says what the headers are,
    /// whatever the origin.
    Edited,
    /// A literal `*` answers every origin, whatever the credentials setting.
    Wildcard,
    /// Not listed: processed normally, but without allow headers, so the browser blocks it.
    NotAllowed,
}

/// What the engine decided for one request, before the response exists.
#[derive(Clone, Debug)]
pub struct Decision {
    /// `OPTIONS` with `Access-Control-Request-Method`: answered here, never routed.
    pub preflight: bool,
    pub origin: OriginCheck,
    /// The value for `Access-Control-Allow-Origin`, when allowed.
    allow_origin: Option<HeaderValue>,
    /// The request method was `OPTIONS` (preflight or not): django-cors-headers then also
    /// sends the allow-methods/headers/max-age headers.
    options: bool,
    /// The policy's [`PolicyChange`] is deployed for this request's visitor.
    changed: bool,
    /// The visitor's own answers, sent in place of the policy.
    answers: Option<Arc<Answers>>,
}

/// A policy compiled into header values, so each response costs a few clones.
#[derive(Debug)]
pub struct Cors {
    policy: CorsPolicy,
    /// The scenario's id, shared with every exchange the log records.
    name: Arc<str>,
    matcher: Matcher,
    allow_methods: HeaderValue,
    allow_headers: HeaderValue,
    expose_headers: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    changed: Option<Changed>,
    /// The policy editor's answers, by visitor; only its mount has them.
    edited: Option<Arc<EditedAnswers>>,
}

const ORIGIN_VARY: HeaderValue = HeaderValue::from_static("origin");
const TRUE: HeaderValue = HeaderValue::from_static("true");
const STAR: HeaderValue = HeaderValue::from_static("*");

impl Cors {
    /// Compiles `policy` for the scenario `name`; refuses values that cannot be sent.
    pub fn new(name: &str, policy: CorsPolicy) -> Result<Cors, String> {
        let join = |items: &[String]| {
            HeaderValue::try_from(items.join(", "))
                .map_err(|_| format!("scenario '{name}': {items:?} is not a valid header value"))
        };
        Ok(Cors {
            allow_methods: join(&policy.allow_methods)?,
            allow_headers: join(&policy.allow_headers)?,
            expose_headers: if policy.expose_headers.is_empty() {
                None
            } else {
                Some(join(&policy.expose_headers)?)
            },
            max_age: policy.preflight_max_age.filter(|&s| s > 0).map(HeaderValue::from),
            changed: policy.change.as_ref().map(|c| Changed::new(c, join)).transpose()?,
            edited: None,
            matcher: Matcher::new(&policy.origins, policy.allow_credentials).map_err(|e| format!("scenario '{name}': {e}"))?,
            name: name.into(),
            policy,
        })
    }

    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    pub fn policy(&self) -> &CorsPolicy {
        &self.policy
    }

    pub fn decide(&self, method: &Method, headers: &HeaderMap) -> Decision {
        let options = method == Method::OPTIONS;
        if self.matcher.is_off() {
            return Decision { preflight: false, origin: OriginCheck::Disabled, allow_origin: None, options, changed: false, answers: None };
        }
        let preflight = options && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let (origin, allow_origin) = match request_origin(headers) {
            None => (OriginCheck::NoOrigin, None),
            Some(o) if o.is_empty() => (OriginCheck::NoOrigin, None),
            Some(o) => match self.matcher.judge(o.as_bytes()) {
                Match::No => (OriginCheck::NotAllowed, None),
                Match::Star if self.policy.origins == OriginRule::Wildcard => (OriginCheck::Wildcard, Some(STAR)),
                Match::Star => (OriginCheck::AllowedByAllowAll, Some(STAR)),
                Match::Echo => {
                    let check = match self.policy.origins {
                        OriginRule::AllowAll => OriginCheck::AllowedByAllowAll,
                        OriginRule::ReflectAny => OriginCheck::Reflected,
                        _ => OriginCheck::Allowed,
                    };
                    (check, Some(o))
                }
            },
        };
        Decision { preflight, origin, allow_origin, options, changed: false, answers: None }
    }

    /// The policy's decision for `req` and its visitor (the `?lab=` tag's): whether their
    /// [`PolicyChange`] is deployed, and their own [`Answers`], which then decide instead.
    pub fn decide_for<B>(&self, req: &Request<B>) -> Decision {
        let mut decision = self.decide(req.method(), req.headers());
        let query = req.uri().query();
        decision.changed = decision.options && self.is_changed_for(query);
        // Only the editor's mount looks for a visitor: other requests pay nothing more.
        if let Some(edited) = &self.edited
            && let Some(tag) = Tag::from_query(query)
            && let Some(answers) = edited.get(tag.visitor, std::time::Instant::now())
        {
            decision.answers = Some(answers);
            decision.origin = OriginCheck::Edited;
            // What an answer that echoes the origin sends, whatever the policy thought of it.
            decision.allow_origin = request_origin(req.headers()).filter(|o| !o.is_empty());
        }
        decision
    }

    /// This policy, with the policy editor's `answers` for the visitors who wrote one.
    pub fn editable(self, answers: Arc<EditedAnswers>) -> Cors {
        Cors { edited: Some(answers), ..self }
    }

    /// Deploys the policy's [`PolicyChange`] for `visitor` (`true`) or takes it back; a
    /// policy without one has nothing to deploy.
    pub fn set_changed(&self, visitor: &str, deployed: bool) {
        if let Some(changed) = &self.changed {
            changed.set(visitor, deployed, std::time::Instant::now());
        }
    }

    /// Whether the policy's change is deployed for the visitor a request is tagged with.
    pub fn is_changed_for(&self, query: Option<&str>) -> bool {
        let Some(changed) = &self.changed else { return false };
        Tag::from_query(query).is_some_and(|t| changed.is_deployed(t.visitor, std::time::Instant::now()))
    }

    /// Whether this layer answers the preflight itself (rather than letting it through to
    /// the layers and routes behind it, as a misplaced CORS layer does).
    pub fn answers_preflights(&self) -> bool {
        self.policy.placement == Placement::First
    }

    /// The response to a preflight: 200, empty body; headers come from [`Cors::apply`].
    pub fn preflight_response() -> Response<Body> {
        let mut res = Response::new(Body::empty());
        res.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        res
    }

    /// The response this layer gives itself instead of passing `uri` on: a preflight's, when
    /// it answers preflights, or what the visitor's answer says.
    fn own_response(&self, decision: &Decision, uri: &axum::http::Uri) -> Option<Response<Body>> {
        match &decision.answers {
            Some(answers) => answers.side(decision.preflight).own_response(uri, decision.preflight),
            None => (decision.preflight && self.answers_preflights()).then(Cors::preflight_response),
        }
    }

    /// Adds the CORS headers the decision calls for to a response with this status.
    pub fn apply(&self, decision: &Decision, status: StatusCode, headers: &mut HeaderMap) {
        if decision.origin == OriginCheck::Disabled {
            return;
        }
        if let Some(answers) = &decision.answers {
            answers.side(decision.preflight).write(decision.allow_origin.as_ref(), headers);
            return;
        }
        // The answer depends on Origin, so caches must key on it, allowed or not.
        if self.policy.vary_origin {
            patch_vary(headers, ORIGIN_VARY);
        }
        let Some(allow_origin) = &decision.allow_origin else { return };
        if !self.policy.on_errors && (status.is_client_error() || status.is_server_error()) {
            return;
        }
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.clone());
        if self.policy.allow_credentials {
            headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
        if let Some(expose) = &self.expose_headers {
            headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
        if decision.options {
            let (allow_headers, allow_methods) = match &self.changed {
                Some(c) if decision.changed => (&c.allow_headers, &c.allow_methods),
                _ => (&self.allow_headers, &self.allow_methods),
            };
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers.clone());
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, allow_methods.clone());
            if let Some(max_age) = &self.max_age {
                headers.insert(header::ACCESS_CONTROL_MAX_AGE, max_age.clone());
            }
        }
    }
}

/// The `Origin` as django-cors-headers reads it ([`crate::wsgi`]): two `Origin` lines are one
/// value, `a,b`, which no allowed origin equals.
fn request_origin(headers: &HeaderMap) -> Option<HeaderValue> {
    let mut lines = headers.get_all(header::ORIGIN).iter();
    let first = lines.next()?;
    if lines.next().is_none() {
        return Some(first.clone());
    }
    HeaderValue::from_bytes(&crate::wsgi::header(headers, header::ORIGIN)?).ok()
}

/// Django's `patch_vary_headers`: append `value` unless already listed (case-insensitive);
/// `*` absorbs everything.
pub fn patch_vary(headers: &mut HeaderMap, value: HeaderValue) {
    let Some(existing) = headers.get(header::VARY) else {
        headers.insert(header::VARY, value);
        return;
    };
    let existing = existing.to_str().unwrap_or("");
    let new = value.to_str().unwrap_or("");
    let mut listed = existing.split(',').map(str::trim).filter(|v| !v.is_empty());
    if listed.clone().any(|v| v == "*") {
        headers.insert(header::VARY, STAR);
    } else if !listed.any(|v| v.eq_ignore_ascii_case(new)) {
        let joined = if existing.trim().is_empty() { new.to_owned() } else { format!("{existing}, {new}") };
        if let Ok(v) = HeaderValue::try_from(joined) {
            headers.insert(header::VARY, v);
        }
    }
}

/// Applies a [`Cors`] engine to a service: preflights are answered here, before routing,
/// authentication and CSRF (as django-cors-headers, first in `MIDDLEWARE`, does).
#[derive(Clone)]
pub struct CorsLayer {
    cors: Arc<Cors>,
}

impl CorsLayer {
    pub fn new(cors: Arc<Cors>) -> CorsLayer {
        CorsLayer { cors }
    }
}

impl<S> tower::Layer<S> for CorsLayer {
    type Service = CorsService<S>;

    fn layer(&self, inner: S) -> CorsService<S> {
        CorsService { cors: self.cors.clone(), inner }
    }
}

#[derive(Clone)]
pub struct CorsService<S> {
    cors: Arc<Cors>,
    inner: S,
}

impl<S> tower::Service<Request<Body>> for CorsService<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let decision = self.cors.decide_for(&req);
        let state = match self.cors.own_response(&decision, req.uri()) {
            Some(response) => State::Own { response: Some(response) },
            None => State::Inner { future: self.inner.call(req) },
        };
        ResponseFuture { state, cors: self.cors.clone(), decision }
    }
}

pin_project_lite::pin_project! {
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        cors: Arc<Cors>,
        decision: Decision,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        // Taken when polled, which happens once.
        Own { response: Option<Response<Body>> },
        Inner { #[pin] future: F },
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = match this.state.project() {
            StateProj::Own { response } => response.take().expect("a response future is not polled after it completed"),
            StateProj::Inner { future } => std::task::ready!(future.poll(cx))?,
        };
        let status = res.status();
        this.cors.apply(this.decision, status, res.headers_mut());
        Poll::Ready(Ok(res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Cors {
        Cors::new("article", CorsPolicy::article(&["http://localhost:8000".parse().unwrap()])).unwrap()
    }

    fn request(method: Method, pairs: &[(&'static str, &'static str)]) -> (Method, HeaderMap) {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        (method, h)
    }

    fn respond(cors: &Cors, method: Method, pairs: &[(&'static str, &'static str)]) -> (Decision, HeaderMap) {
        let (m, h) = request(method, pairs);
        let d = cors.decide(&m, &h);
        let mut out = HeaderMap::new();
        cors.apply(&d, StatusCode::OK, &mut out);
        (d, out)
    }

    #[test]
    fn allowed_origin_gets_reflected_never_star() {
        let (d, h) = respond(&article(), Method::GET, &[("origin", "http://localhost:8000")]);
        assert_eq!(d.origin, OriginCheck::Allowed);
        assert!(!d.preflight);
        assert_eq!(h["access-control-allow-origin"], "http://localhost:8000");
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert_eq!(
            h["access-control-expose-headers"],
            "Access-Control-Allow-Origin, Access-Control-Allow-Methods, Access-Control-Allow-Headers, Access-Control-Allow-Credentials, Access-Control-Max-Age"
        );
        assert_eq!(h["vary"], "origin");
        assert!(!h.contains_key("access-control-allow-methods"), "only on OPTIONS");
    }

    #[test]
    fn disallowed_origin_gets_only_vary() {
        let (d, h) = respond(&article(), Method::POST, &[("origin", "http://127.0.0.1:8002")]);
        assert_eq!(d.origin, OriginCheck::NotAllowed);
        assert_eq!(h.len(), 1);
        assert_eq!(h["vary"], "origin");
    }

    #[test]
    fn origin_match_is_exact() {
        for o in ["http://localhost:8000/", "http://LOCALHOST:8000", "null", "http://localhost:80000"] {
            let mut h = HeaderMap::new();
            h.insert("origin", HeaderValue::from_str(o).unwrap());
            assert_eq!(article().decide(&Method::GET, &h).origin, OriginCheck::NotAllowed, "{o}");
        }
    }

    #[test]
    fn two_origin_lines_are_one_value_that_matches_nothing() {
        let mut h = HeaderMap::new();
        h.append("origin", HeaderValue::from_static("http://localhost:8000"));
        h.append("origin", HeaderValue::from_static("https://evil.example"));
        let cors = article();
        let d = cors.decide(&Method::GET, &h);
        assert_eq!(d.origin, OriginCheck::NotAllowed, "as behind WSGI: 'http://localhost:8000,https://evil.example'");
        let mut out = HeaderMap::new();
        cors.apply(&d, StatusCode::OK, &mut out);
        assert!(!out.contains_key("access-control-allow-origin"));
    }

    #[test]
    fn preflight_needs_request_method_header() {
        let (d, h) = respond(
            &article(),
            Method::OPTIONS,
            &[("origin", "http://localhost:8000"), ("access-control-request-method", "POST")],
        );
        assert!(d.preflight);
        assert_eq!(h["access-control-allow-methods"], "DELETE, GET, OPTIONS, PATCH, POST, PUT");
        assert_eq!(
            h["access-control-allow-headers"],
            "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"
        );
        assert_eq!(h["access-control-max-age"], "86400");

        let (d, h) = respond(&article(), Method::OPTIONS, &[("origin", "http://localhost:8000")]);
        assert!(!d.preflight, "OPTIONS without Access-Control-Request-Method is routed");
        assert_eq!(h["access-control-allow-methods"], "DELETE, GET, OPTIONS, PATCH, POST, PUT");
    }

    #[test]
    fn preflight_from_disallowed_origin_is_still_answered_without_allow_headers() {
        let (d, h) = respond(
            &article(),
            Method::OPTIONS,
            &[("origin", "http://evil.test"), ("access-control-request-method", "POST")],
        );
        assert!(d.preflight);
        assert!(h.keys().all(|k| !k.as_str().starts_with("access-control-")));
    }

    #[test]
    fn no_origin_means_vary_only() {
        let (d, h) = respond(&article(), Method::GET, &[]);
        assert_eq!(d.origin, OriginCheck::NoOrigin);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn disabled_policy_sends_nothing() {
        let cors = Cors::new("without-cors", CorsPolicy::without_cors()).unwrap();
        let (d, h) = respond(
            &cors,
            Method::OPTIONS,
            &[("origin", "http://localhost:8000"), ("access-control-request-method", "POST")],
        );
        assert!(!d.preflight, "no middleware, no preflight handling: the router answers");
        assert!(h.is_empty());
    }

    #[test]
    fn allow_all_reflects_with_credentials_and_stars_without() {
        let mut p = CorsPolicy::article(&[]);
        p.origins = OriginRule::AllowAll;
        let (_, h) = respond(&Cors::new("all", p.clone()).unwrap(), Method::GET, &[("origin", "http://evil.test")]);
        assert_eq!(h["access-control-allow-origin"], "http://evil.test");
        p.allow_credentials = false;
        let (_, h) = respond(&Cors::new("all", p).unwrap(), Method::GET, &[("origin", "http://evil.test")]);
        assert_eq!(h["access-control-allow-origin"], "*");
        assert!(!h.contains_key("access-control-allow-credentials"));
    }

    #[test]
    fn a_literal_wildcard_stays_a_wildcard_beside_credentials() {
        let mut p = CorsPolicy::article(&[]);
        p.origins = OriginRule::Wildcard;
        let (d, h) = respond(&Cors::new("star", p).unwrap(), Method::GET, &[("origin", "http://evil.test")]);
        assert_eq!(d.origin, OriginCheck::Wildcard);
        assert_eq!(h["access-control-allow-origin"], "*", "not the origin: browsers refuse this with credentials");
        assert_eq!(h["access-control-allow-credentials"], "true");
    }

    #[test]
    fn the_broken_settings_change_only_what_they_name() {
        let mut p = CorsPolicy::article(&["http://localhost:8000".parse().unwrap()]);
        p.vary_origin = false;
        p.on_errors = false;
        let cors = Cors::new("broken", p).unwrap();
        let (m, h) = request(Method::GET, &[("origin", "http://localhost:8000")]);
        let d = cors.decide(&m, &h);
        let mut ok = HeaderMap::new();
        cors.apply(&d, StatusCode::OK, &mut ok);
        assert!(!ok.contains_key("vary") && ok.contains_key("access-control-allow-origin"));
        let mut err = HeaderMap::new();
        cors.apply(&d, StatusCode::UNAUTHORIZED, &mut err);
        assert!(err.is_empty(), "an error handler outside the CORS layer: {err:?}");
    }

    #[test]
    fn vary_is_patched_like_django() {
        let mut h = HeaderMap::new();
        h.insert(header::VARY, HeaderValue::from_static("Cookie"));
        patch_vary(&mut h, ORIGIN_VARY);
        assert_eq!(h["vary"], "Cookie, origin");
        patch_vary(&mut h, HeaderValue::from_static("Origin"));
        assert_eq!(h["vary"], "Cookie, origin");
        h.insert(header::VARY, HeaderValue::from_static("*"));
        patch_vary(&mut h, ORIGIN_VARY);
        assert_eq!(h["vary"], "*");
    }
}
