//! The whole-fetch simulator: an [`Experiment`] run as the browser runs it.
//!
//! Each step is one `fetch()`: the simulator plans its hops the way Chromium does — the
//! preflight when one is needed (or the cached answer that stands in for it), then the
//! request, then each redirect with its own headers, method and origin, preflighted again
//! when it needs to be — and asks the per-hop rules ([`verdict`], the preflight cache, the
//! cookie rules, Local Network Access) about every hop. The steps share one preflight cache,
//! one cookie jar and one clock. A request the experiment gives no answer for ends the step
//! as `unmodeled`: the simulator never invents a server.

pub(crate) mod jar;
mod wire;

use std::collections::HashMap;

use serde::Serialize;

use crate::address_space::{self, Access, AddressSpace};
use crate::analysis::{Analysis, Refused, Scope};
use crate::cache::{CacheEntry, answered_from_cache, preflight_cache_entry, preflight_lifetime};
use crate::cookies::same_site;
use crate::experiment::{Answer, Body, Experiment, Step};
use crate::explain::Text;
use crate::fetch::{End, FetchVerdict, HopKind, HopResult, PreflightSent, Trail};
use crate::preflight::need_of;
use crate::reason::reason_phrase;
use crate::request::Request;
use crate::response::Response;
use crate::url::{PageOrigin, Url, parse_url};
use crate::redirect::follow;
use crate::verdict::{Blocked, NetError, Stage, Verdict, blocked, verdict};
use jar::Jar;

/// The verdict on every step of `experiment`, in order.
///
/// ```
/// use corslab_verdict::{Experiment, Outcome, simulate};
///
/// let experiment = Experiment::from_json(r#"{
///   "page": "http://localhost:8000",
///   "steps": [{
///     "fetch": {"url": "http://localhost:8001/api/users/", "method": "POST",
///               "headers": [["Content-Type", "application/json"]], "body": "{}"},
///     "server": [
///       {"url": "http://localhost:8001/api/users/", "preflight": true, "status": 200,
///        "headers": [["Access-Control-Allow-Origin", "{origin}"]]},
///       {"url": "http://localhost:8001/api/users/", "status": 201,
///        "headers": [["Access-Control-Allow-Origin", "{origin}"]]}]}]}"#).unwrap();
/// let verdicts = simulate(&experiment);
/// // The preflight did not allow Content-Type: the POST is never sent.
/// assert_eq!(verdicts[0].outcome, Outcome::Error);
/// assert_eq!(verdicts[0].cors_error.map(|e| e.name()), Some("HeaderDisallowedByPreflightResponse"));
/// assert_eq!(verdicts[0].preflights[0].access_control_request_headers.as_deref(), Some("content-type"));
/// ```
pub fn simulate(experiment: &Experiment) -> Vec<FetchVerdict> {
    let mut session = Session::new(experiment);
    timed(experiment).map(|(step, now)| session.fetch(step, now)).collect()
}

/// A request the browser sends, as it goes on the wire: what a live prober sends to get the
/// answer an experiment lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireRequest {
    /// The URL as the browser writes it.
    pub url: String,
    pub method: String,
    /// The preflight (`OPTIONS` with `Access-Control-Request-Method`) rather than the request.
    pub preflight: bool,
    /// It follows a redirect of the same fetch.
    pub redirected: bool,
    /// Whether the step's body goes along (a redirect to GET drops it).
    pub has_body: bool,
    /// Header lines in the browser's order, `host` first; names lower-case. A preflight has
    /// no cookie and no author header; the request has the cookies of the experiment's jar.
    pub headers: Vec<(String, String)>,
}

/// The first request of `experiment` that its steps list no answer for, as Chromium sends
/// it; `None` when every request the browser makes has its answer. Asking again after adding
/// each answer walks a fetch hop by hop exactly as [`simulate`] judges it: the preflight if
/// one is needed, the request, each redirect.
///
/// ```
/// use corslab_verdict::{Experiment, next_request};
///
/// let experiment = Experiment::from_json(r#"{"page": "http://localhost:8000", "steps": [{
///   "fetch": {"url": "http://localhost:8001/api/users/", "method": "POST",
///             "headers": [["Content-Type", "application/json"]], "body": "{}"}}]}"#).unwrap();
/// let first = next_request(&experiment).unwrap();
/// assert!(first.preflight);
/// assert!(first.headers.contains(&("access-control-request-headers".into(), "content-type".into())));
/// ```
pub fn next_request(experiment: &Experiment) -> Option<WireRequest> {
    let mut session = Session::new(experiment);
    timed(experiment).find_map(|(step, now)| {
        session.fetch(step, now);
        session.awaiting.take()
    })
}

/// The steps with the time each runs at: the clock never goes back.
fn timed(experiment: &Experiment) -> impl Iterator<Item = (&Step, u64)> {
    let mut now = 0;
    experiment.steps.iter().map(move |step| {
        now = step.at_ms.unwrap_or(now).max(now);
        (step, now)
    })
}

struct Session<'e> {
    experiment: &'e Experiment,
    /// `None`: an opaque page whose address space the experiment does not give.
    page_space: Option<AddressSpace>,
    cache: PreflightCache,
    jar: Jar,
    /// The request the last step needed an answer for and had none.
    awaiting: Option<WireRequest>,
}

impl<'e> Session<'e> {
    fn new(experiment: &'e Experiment) -> Session<'e> {
        Session {
            experiment,
            page_space: experiment.page_address_space.or_else(|| match PageOrigin::parse(&experiment.page)? {
                PageOrigin::Tuple(page) => Some(AddressSpace::of_host(&page.host)),
                PageOrigin::Opaque => None,
            }),
            cache: PreflightCache::default(),
            jar: Jar::default(),
            awaiting: None,
        }
    }
}

/// Chromium's preflight cache, keyed as it is by origin and URL.
#[derive(Default)]
struct PreflightCache {
    entries: HashMap<(String, String), Vec<CacheEntry>>,
}

impl PreflightCache {
    fn covers(&self, a: &Analysis<'_>, req: &Request<'_>, now: u64) -> bool {
        let key = (a.origin_sent(), a.url.href());
        self.entries.get(&key).is_some_and(|entries| entries.iter().any(|e| answered_from_cache(e, req, now)))
    }

    /// A newer result replaces the one stored for the same key and credentials.
    fn store(&mut self, entry: CacheEntry) {
        let entries = self.entries.entry((entry.origin.clone(), entry.url.clone())).or_default();
        entries.retain(|e| e.credentials != entry.credentials);
        entries.push(entry);
    }
}

/// A step's answers, by the URL as the browser writes it.
struct Answers<'s> {
    list: Vec<(String, &'s Answer)>,
}

impl<'s> Answers<'s> {
    fn of(step: &'s Step) -> Answers<'s> {
        let list = step.server.iter().filter_map(|a| Some((parse_url(&a.url).ok()?.href(), a))).collect();
        Answers { list }
    }

    fn find(&self, href: &str, preflight: bool) -> Option<&'s Answer> {
        self.list.iter().find(|(u, a)| u == href && a.preflight == preflight).map(|(_, a)| *a)
    }

    fn address_space(&self, href: &str) -> Option<AddressSpace> {
        self.list.iter().filter(|(u, _)| u == href).find_map(|(_, a)| a.address_space)
    }
}

/// Where one hop goes and what it carries.
struct Plan {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    has_body: bool,
    tainted: bool,
    initial_url: Option<String>,
    /// The most cross-site hop so far (`Sec-Fetch-Site` covers the whole chain).
    site: SecFetchSite,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SecFetchSite {
    SameOrigin,
    SameSite,
    CrossSite,
}

impl SecFetchSite {
    fn of(page: &PageOrigin<'_>, url: &Url<'_>) -> SecFetchSite {
        match page {
            PageOrigin::Tuple(p) if p.same_origin(url) => SecFetchSite::SameOrigin,
            PageOrigin::Tuple(p) if same_site(p, url) => SecFetchSite::SameSite,
            _ => SecFetchSite::CrossSite,
        }
    }

    fn name(self) -> &'static str {
        match self {
            SecFetchSite::SameOrigin => "same-origin",
            SecFetchSite::SameSite => "same-site",
            SecFetchSite::CrossSite => "cross-site",
        }
    }
}

/// What a hop leads to.
enum Next {
    End(End),
    Follow(Plan),
}

impl<'e> Session<'e> {
    fn fetch(&mut self, step: &Step, now: u64) -> FetchVerdict {
        let f = &step.fetch;
        let answers = Answers::of(step);
        let mut headers = f.headers.clone();
        if let Some(content_type) = f.body.as_ref().and_then(Body::content_type)
            && !headers.iter().any(|(n, _)| n.trim().eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), content_type));
        }
        let mut plan = Plan {
            method: f.method.clone(),
            url: f.url.clone(),
            headers,
            has_body: f.body.is_some(),
            tainted: false,
            initial_url: None,
            site: SecFetchSite::SameOrigin,
        };
        let mut trail = Trail::default();
        let mut redirects = 0;
        loop {
            match self.hop(&plan, step, &answers, now, &mut trail) {
                Next::End(end) => return trail.finish(end),
                Next::Follow(_) if redirects == self.experiment.browser.max_redirects() => {
                    return trail.finish(End::Blocked(Box::new(too_many_redirects(redirects))));
                }
                Next::Follow(next) => {
                    redirects += 1;
                    plan = next;
                }
            }
        }
    }

    fn hop(&mut self, plan: &Plan, step: &Step, answers: &Answers<'_>, now: u64, trail: &mut Trail) -> Next {
        let (experiment, f) = (self.experiment, &step.fetch);
        let pairs = view(&plan.headers);
        let mut req = Request::new(&plan.method, &plan.url, &experiment.page)
            .headers(&pairs)
            .mode(f.mode.into())
            .credentials(f.credentials)
            .redirect(f.redirect)
            .cache(f.cache)
            .has_body(plan.has_body);
        if let Some(initial) = &plan.initial_url {
            req = req.after_redirect(initial, plan.tainted);
        }
        let a = match Analysis::new(&req) {
            Ok(a) => a,
            Err(Refused::Blocked(b)) => {
                trail.hop(plan.url.trim(), &plan.method, HopKind::Request, None, HopResult::NotSent);
                return Next::End(End::Blocked(b));
            }
            Err(Refused::Unmodeled(reason)) => return Next::End(End::Unmodeled(reason)),
        };
        let href = a.url.href();
        let site = plan.site.max(SecFetchSite::of(&a.page, &a.url));
        let need = need_of(&a);
        let target_space = answers.address_space(&href).unwrap_or_else(|| AddressSpace::of_host(&a.url.host));
        let access = match self.page_space {
            Some(page_space) => address_space::check(&a, page_space, target_space, &experiment.granted_permissions),
            None if target_space == AddressSpace::Public => Access::Allowed,
            None => Access::Unmeasured(Text::new(
                "The page's origin is opaque, so its address space (Local Network Access) is unknown; give page_address_space.",
                "ページのオリジンが不透明なため、アドレス空間（Local Network Access）が分かりません。page_address_space を指定してください。",
            )),
        };
        match access {
            Access::Allowed => {}
            Access::Refused(failure) => {
                trail.hop(&href, a.method, HopKind::Request, None, HopResult::NotSent);
                return Next::End(end_of(blocked(&a, &need, failure, Stage::BeforeSend, &Response::new(0, &[]))));
            }
            Access::Unmeasured(reason) => return Next::End(End::Unmodeled(reason)),
        }

        let mut preflight: Option<(u16, Vec<(String, String)>)> = None;
        if a.scope == Scope::Cors && need.needed {
            if f.cache.reads_preflight_cache() && self.cache.covers(&a, &req, now) {
                trail.preflight_from_cache = true;
                trail.notes.push(Text::new(
                    format!("Chromium answered the preflight for {href} from its preflight cache: none was sent."),
                    format!("Chromium は {href} のプリフライトにプリフライトキャッシュから答えました。プリフライトは送られていません。"),
                ));
            } else {
                let sent = wire::preflight(&a, &need, site.name());
                let Some(answer) = answers.find(&href, true) else {
                    self.awaiting = Some(awaiting(&href, "OPTIONS", true, plan, sent));
                    return Next::End(End::Unmodeled(missing(&href, true)));
                };
                let lines = wire::render(answer, &sent);
                let lines_view = view(&lines);
                let response = Response::new(answer.status, &lines_view);
                trail.preflights.push(PreflightSent {
                    url: href.clone(),
                    access_control_request_method: need.access_control_request_method.clone(),
                    access_control_request_headers: need.access_control_request_headers.clone(),
                });
                match verdict(&req, Some(&response), None) {
                    Verdict::AwaitingResponse { .. } => {
                        trail.hop(&href, "OPTIONS", HopKind::Preflight, Some(answer.status), HopResult::Pass);
                        if f.cache.fills_preflight_cache()
                            && let Some(entry) = preflight_cache_entry(&req, &response, now)
                        {
                            self.cache.store(entry);
                        }
                        trail.differs(preflight_lifetime(&response).standard_differs);
                    }
                    refused => {
                        trail.hop(&href, "OPTIONS", HopKind::Preflight, Some(answer.status), HopResult::Blocked);
                        trail.hop(&href, a.method, HopKind::Request, None, HopResult::NotSent);
                        return Next::End(end_of(refused));
                    }
                }
                preflight = Some((answer.status, lines));
            }
        }

        let cookie = self.jar.header_for(&experiment.page, &a.url, f.credentials, now, &mut trail.cookies);
        let sent = wire::request(&a, cookie, site.name());
        let Some(answer) = answers.find(&href, false) else {
            self.awaiting = Some(awaiting(&href, a.method, false, plan, sent));
            return Next::End(End::Unmodeled(missing(&href, false)));
        };
        let lines = wire::render(answer, &sent);
        let lines_view = view(&lines);
        let response = Response::new(answer.status, &lines_view);
        let set_cookies = response.headers().filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie")).map(|(_, v)| v);
        self.jar.store(&experiment.page, &a.url, f.credentials, set_cookies, now, &mut trail.cookies);
        let preflight_view = preflight.as_ref().map(|(status, lines)| (*status, view(lines)));
        let preflight_response = preflight_view.as_ref().map(|(status, lines)| Response::new(*status, lines));
        let status = Some(answer.status);
        match verdict(&req, preflight_response.as_ref(), Some(&response)) {
            Verdict::Pass { js: Some(js), standard_differs, .. } => {
                trail.hop(&href, a.method, HopKind::Request, status, HopResult::Pass);
                trail.differs(standard_differs);
                trail.differs(need.standard_differs);
                let reason = answer.status_text.clone().unwrap_or_else(|| reason_phrase(answer.status).to_string());
                Next::End(End::Response { js, http_status: answer.status, reason })
            }
            Verdict::Redirect { note, .. } => {
                trail.hop(&href, a.method, HopKind::Request, status, HopResult::Redirect);
                trail.notes.push(note);
                match follow(&a, &response) {
                    Ok(next) => Next::Follow(Plan {
                        headers: next.kept_headers.iter().filter_map(|&i| plan.headers.get(i).cloned()).collect(),
                        has_body: plan.has_body && !next.to_get,
                        tainted: next.tainted_origin,
                        initial_url: Some(plan.initial_url.clone().unwrap_or_else(|| plan.url.clone())),
                        site,
                        method: next.method,
                        url: next.location,
                    }),
                    Err(refused) => Next::End(end_of(refused)),
                }
            }
            refused @ Verdict::Blocked(_) => {
                trail.hop(&href, a.method, HopKind::Request, status, HopResult::Blocked);
                Next::End(end_of(refused))
            }
            other => Next::End(end_of(other)),
        }
    }
}

fn view(lines: &[(String, String)]) -> Vec<(&str, &str)> {
    lines.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

/// How a hop's verdict ends the fetch, when it does.
fn end_of(v: Verdict) -> End {
    match v {
        Verdict::Blocked(b) => End::Blocked(b),
        Verdict::Unmodeled { reason } => End::Unmodeled(reason),
        // A hop given its response always passes, redirects or is blocked; a navigation is
        // not a fetch() mode.
        Verdict::Pass { .. } | Verdict::Redirect { .. } | Verdict::AwaitingResponse { .. } => End::Unmodeled(Text::new(
            "The engine reached a state it does not model for a fetch().",
            "fetch() としてはエンジンが扱わない状態になりました。",
        )),
    }
}

fn awaiting(href: &str, method: &str, preflight: bool, plan: &Plan, headers: Vec<(String, String)>) -> WireRequest {
    WireRequest {
        url: href.to_owned(),
        method: method.to_owned(),
        preflight,
        redirected: plan.initial_url.is_some(),
        has_body: plan.has_body && !preflight,
        headers,
    }
}

fn missing(href: &str, preflight: bool) -> Text {
    if preflight {
        Text::new(
            format!("The browser sends a preflight (OPTIONS) to {href}, and the experiment lists no answer for it: add one to this step's `server` with \"preflight\": true."),
            format!("ブラウザーは {href} へプリフライト (OPTIONS) を送りますが、実験ファイルにその応答がありません。このステップの `server` に \"preflight\": true の応答を追加してください。"),
        )
    } else {
        Text::new(
            format!("The browser sends a request to {href}, and the experiment lists no answer for it: add one to this step's `server`."),
            format!("ブラウザーは {href} へリクエストを送りますが、実験ファイルにその応答がありません。このステップの `server` に応答を追加してください。"),
        )
    }
}

/// One redirect more than the browser follows (measured `r_chain_21`: the 21st redirect
/// fails with only the net error logged).
fn too_many_redirects(followed: u32) -> Blocked {
    Blocked::net(
        NetError::TooManyRedirects,
        Text::new(
            format!("The browser followed {followed} redirects, its limit, and the server redirected once more: the fetch fails."),
            format!("ブラウザーは上限の {followed} 回リダイレクトをたどり、サーバーはさらにリダイレクトしたため、fetch は失敗します。"),
        ),
        Text::new("Break the redirect loop, or point the page at the final URL.", "リダイレクトのループを解消するか、ページから最終的な URL を直接呼んでください。"),
    )
}

#[cfg(test)]
mod tests;
