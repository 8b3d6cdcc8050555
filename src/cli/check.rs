//! `corslab check URL… --origin ORIGIN`: a live API probed as Chromium would probe it, and
//! every misconfiguration it shows named with the lint's classes, the probe that showed it,
//! what the browser then does and the fix.
//!
//! For each URL the user's own request goes first (preflight when Chromium sends one, then
//! the request), then the crafted probes at once (`probe`): the same read from origins
//! derived from the user's (`origins`), a preflight asking for `Authorization`, a path that
//! does not exist, and, where the user sends state-changing requests, a cross-site form
//! POST. The engine says what goes on the wire and judges what comes back; `findings` turns
//! the answers into classes (`classes`); `text`, `json` and `sarif` print them. The client
//! (`client`) keeps the run within its bounds and never sends a cookie it was not given.

pub mod classes;
mod client;
mod findings;
mod json;
pub mod origins;
mod probe;
mod progress;
mod sarif;
mod text;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use futures_util::stream::{self, StreamExt};

use super::explain::Lang;
use crate::origin::{Origin, OriginError};
use crate::verdict::{AddressSpace, CorsError, Outcome, Text};
use client::{Client, Limits};
use findings::Finding;
use origins::Trick;
use probe::{Kind, Probed, Request};
use progress::Progress;

const LONG_ABOUT: &str = "\
Check a live API as Chromium 156 would call it from ORIGIN: the request you give (its
preflight when Chromium sends one, then the request), judged by corslab's verdict engine, then
crafted probes for every CORS misconfiguration: an unrelated origin, `null`, look-alikes of
your origin (prefix, suffix, substring, subdomain, an unescaped dot in a regex, its http
twin), a preflight asking for Authorization, a path that does not exist, the Vary header, and
where you send a POST, a cross-site form POST (CSRF origin checking). Each finding names its
class (the lab's own, e.g. cors.prefix_match), the probe that showed it, what the browser then
does, a severity and the fix.

Safe by default: the crafted origins read with GET unless --unsafe-probes; a state-changing
request is sent only as you give it (--method) or with --unsafe-probes; no cookie is sent
unless given (--cookie), never on a preflight; redirects are reported, followed only with
--follow-redirects.";

const AFTER_LONG_HELP: &str = "\
Exit status: 0 when nothing was found; 1 when something was (any severity); 2 on an error: a
bad argument, or a target that could not be reached (each is named on standard error).

Output: text (--lang en|ja, default from LC_ALL or LANG), --json (docs/CHECK.md gives the
schema), or --sarif (SARIF 2.1.0: one rule per class, one result per finding at its URL).

Examples:
    corslab check https://api.example.com/me/ --origin https://app.example.com --credentials
    corslab check https://api.example.com/items/ --origin https://app.example.com -H 'Authorization: Bearer t'
    corslab check https://api.example.com/logout/ --origin https://app.example.com --method POST --credentials
    corslab check --input urls.txt --origin https://app.example.com --sarif > check.sarif";

/// Check a live API's CORS and CSRF as Chromium would meet them.
#[derive(Args, Debug, Clone)]
#[command(long_about = LONG_ABOUT, after_long_help = AFTER_LONG_HELP)]
pub struct CheckArgs {
    /// URLs to check (http or https).
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// The origin of the page that calls the API, e.g. https://app.example.com.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,

    /// The request's method.
    #[arg(long, value_name = "METHOD", default_value = "GET")]
    pub method: String,

    /// A request header the page's script sets, as 'Name: value' (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Call with credentials: 'include' (cookies, and Access-Control-Allow-Credentials checked).
    #[arg(long)]
    pub credentials: bool,

    /// A cookie to send on credentialed requests, as 'name=value' (repeatable; never on preflights).
    #[arg(long = "cookie", value_name = "NAME=VALUE")]
    pub cookies: Vec<String>,

    /// Read more URLs from FILE, one per line (blank lines and lines starting with # skipped).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Print the report as JSON.
    #[arg(long, conflicts_with = "sarif")]
    pub json: bool,

    /// Print the report as SARIF 2.1.0.
    #[arg(long)]
    pub sarif: bool,

    /// Follow redirects as the browser would (otherwise they are reported, not followed).
    #[arg(long)]
    pub follow_redirects: bool,

    /// Also send state-changing requests of check's own: crafted origins with your method, and
    /// a cross-site POST to each URL.
    #[arg(long)]
    pub unsafe_probes: bool,

    /// Requests in flight at once, at most.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Requests started per second, at most, as N or N/s.
    #[arg(long, value_name = "N/s", default_value = "50/s", value_parser = parse_rate)]
    pub rate: u32,

    /// Seconds to wait for each answer, body included.
    #[arg(long, value_name = "S", default_value = "10", value_parser = parse_seconds)]
    pub timeout: Duration,

    /// Language of the report [default: from LC_ALL or LANG, else en].
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,
}

fn parse_rate(value: &str) -> Result<u32, String> {
    let n = value.strip_suffix("/s").unwrap_or(value);
    match n.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("a positive number of requests per second, such as 50 or 50/s".into()),
    }
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err("seconds, more than 0 and at most 3600, such as 10 or 2.5".into()),
    }
}

/// A file of URLs larger than this is refused before it is read whole.
const MAX_INPUT: u64 = 1024 * 1024;
/// The most URLs one run checks.
const MAX_URLS: usize = 10_000;

/// What is wrong with the arguments.
#[derive(Debug)]
pub enum ArgError {
    Origin(String, OriginError),
    Url { url: String, line: Option<usize>, reason: &'static str },
    Header(String, &'static str),
    Cookie(String),
    Method(String),
    Input(PathBuf, String),
    NoUrls,
    TooManyUrls(usize),
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgError::Origin(value, e) => write!(f, "--origin {value:?}: {e}"),
            ArgError::Url { url, line: Some(line), reason } => write!(f, "--input line {line}: {url:?}: {reason}"),
            ArgError::Url { url, line: None, reason } => write!(f, "URL {url:?}: {reason}"),
            ArgError::Header(value, reason) => write!(f, "--header {value:?}: {reason}"),
            ArgError::Cookie(value) => write!(f, "--cookie {value:?}: give name=value, without ';'"),
            ArgError::Method(value) => write!(f, "--method {value:?}: not an HTTP method name"),
            ArgError::Input(path, reason) => write!(f, "--input {}: {reason}", path.display()),
            ArgError::NoUrls => f.write_str("no URL to check: give one or more, or --input FILE"),
            ArgError::TooManyUrls(n) => write!(f, "{n} URLs; one run checks at most {MAX_URLS}"),
        }
    }
}

/// A run, parsed and validated.
pub struct Plan {
    pub request: Request,
    pub urls: Vec<String>,
    limits: Limits,
}

impl Plan {
    pub fn new(args: &CheckArgs) -> Result<Plan, ArgError> {
        let origin: Origin = args.origin.parse().map_err(|e| ArgError::Origin(args.origin.clone(), e))?;
        // As given: fetch() upper-cases only the six methods the standard names, so `patch`
        // goes out (and is preflighted) lower-case, which the engine knows.
        let method = args.method.clone();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            return Err(ArgError::Method(args.method.clone()));
        }
        let headers = args.headers.iter().map(|h| header(h)).collect::<Result<Vec<_>, _>>()?;
        let cookies = args.cookies.iter().map(|c| cookie(c)).collect::<Result<Vec<_>, _>>()?;
        let mut urls = Vec::new();
        for given in &args.urls {
            urls.push(url(given).map_err(|reason| ArgError::Url { url: given.clone(), line: None, reason })?);
        }
        if let Some(path) = &args.input {
            for (line, given) in read_input(path)? {
                urls.push(url(&given).map_err(|reason| ArgError::Url { url: given, line: Some(line), reason })?);
            }
        }
        match urls.len() {
            0 => return Err(ArgError::NoUrls),
            n if n > MAX_URLS => return Err(ArgError::TooManyUrls(n)),
            _ => {}
        }
        let request = Request {
            origin,
            method,
            headers,
            credentials: args.credentials,
            cookie: (!cookies.is_empty()).then(|| cookies.join("; ")),
            follow_redirects: args.follow_redirects,
            unsafe_probes: args.unsafe_probes,
        };
        let limits = Limits { concurrency: usize::from(args.concurrency), rate: args.rate, timeout: args.timeout };
        Ok(Plan { request, urls, limits })
    }
}

/// `Name: value`, as a script would set it; the browser's own headers are refused here, with
/// the option that sets them.
fn header(given: &str) -> Result<(String, String), ArgError> {
    let refuse = |reason| ArgError::Header(given.to_owned(), reason);
    let (name, value) = given.split_once(':').ok_or_else(|| refuse("give 'Name: value'"))?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
        return Err(refuse("not a header name"));
    }
    match name.to_ascii_lowercase().as_str() {
        "cookie" => Err(refuse("a script cannot set Cookie; give --cookie name=value (with --credentials)")),
        "origin" => Err(refuse("the browser sets Origin; give --origin")),
        _ => Ok((name.to_owned(), value.trim_matches([' ', '\t']).to_owned())),
    }
}

fn cookie(given: &str) -> Result<String, ArgError> {
    match given.split_once('=') {
        Some((name, _)) if !name.trim().is_empty() && !given.contains([';', '\r', '\n']) => Ok(given.trim().to_owned()),
        _ => Err(ArgError::Cookie(given.to_owned())),
    }
}

/// An absolute http(s) URL as the browser writes it.
fn url(given: &str) -> Result<String, &'static str> {
    let u = reqwest::Url::parse(given.trim()).map_err(|_| "not an absolute URL")?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("only http:// and https:// URLs are checked");
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("fetch() refuses a URL with credentials in it (user:password@)");
    }
    Ok(u.to_string())
}

/// The URLs of `path` with their line numbers.
fn read_input(path: &PathBuf) -> Result<Vec<(usize, String)>, ArgError> {
    let fail = |reason: String| ArgError::Input(path.clone(), reason);
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes)).map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(fail(format!("larger than {} MiB", MAX_INPUT >> 20)));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_owned()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect())
}

/// Everything one run found.
pub struct Report {
    pub request: Request,
    pub urls: Vec<UrlReport>,
    pub requests_sent: usize,
    pub elapsed: Duration,
}

/// One URL's results.
pub struct UrlReport {
    pub url: String,
    /// The user's own request, once sent.
    pub own: Option<Probed>,
    /// Each finding with the probe that showed it.
    pub findings: Vec<(Finding, Probed)>,
    /// Every probe made, in brief.
    pub probes: Vec<Brief>,
    pub notes: Vec<Text>,
    /// What kept the check from being complete (an unreachable target, a probe that failed).
    pub errors: Vec<String>,
}

/// A probe, in brief.
pub struct Brief {
    pub kind: &'static str,
    pub trick: Option<Trick>,
    /// The origin it was made from.
    pub origin: String,
    pub requests: usize,
    /// The status of the last answer.
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub cors_error: Option<CorsError>,
}

impl Report {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.urls.iter().flat_map(|u| u.findings.iter().map(|(f, _)| f))
    }

    fn has_errors(&self) -> bool {
        self.urls.iter().any(|u| !u.errors.is_empty())
    }

    /// 2 when the check could not be completed, 1 when it found something, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.has_errors() {
            2
        } else if self.findings().next().is_some() {
            1
        } else {
            0
        }
    }
}

/// Runs `corslab check`, printing the report on standard output; returns the exit status.
pub fn run(args: &CheckArgs) -> ExitCode {
    let plan = match Plan::new(args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("corslab check: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let client = Client::new(plan.limits);
    let (runtime, client) = match (runtime, client) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) => return fail(&e.to_string()),
        (_, Err(e)) => return fail(&e),
    };
    let progress = Progress::new(plan.urls.len(), std::io::stderr().is_terminal());
    let report = runtime.block_on(check(&plan, &client, &progress));
    progress.finish();
    for u in report.urls.iter().filter(|u| !u.errors.is_empty()) {
        for e in &u.errors {
            eprintln!("corslab check: {}: {e}", u.url);
        }
    }
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let out = if args.json {
        json::render(&report)
    } else if args.sarif {
        sarif::render(&report, lang)
    } else {
        text::render(&report, lang)
    };
    let mut stdout = std::io::stdout().lock();
    // A reader that went away (`| head`) is not an error of ours.
    let _ = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush());
    ExitCode::from(report.exit_code())
}

fn fail(why: &str) -> ExitCode {
    eprintln!("corslab check: {why}");
    ExitCode::from(2)
}

/// Checks every URL of `plan`, a few at once (the client bounds the requests themselves).
pub async fn check(plan: &Plan, client: &Client, progress: &Progress) -> Report {
    let started = Instant::now();
    let mut urls: Vec<(usize, UrlReport)> = stream::iter(plan.urls.iter().enumerate())
        .map(|(i, url)| async move {
            let report = check_url(url, &plan.request, client).await;
            progress.advance();
            (i, report)
        })
        .buffer_unordered(plan.limits.concurrency)
        .collect()
        .await;
    urls.sort_by_key(|(i, _)| *i);
    Report {
        request: plan.request.clone(),
        urls: urls.into_iter().map(|(_, u)| u).collect(),
        requests_sent: client.sent(),
        elapsed: started.elapsed(),
    }
}

async fn check_url(url: &str, req: &Request, client: &Client) -> UrlReport {
    let host = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let space = AddressSpace::of_host(&host);
    let mut report = UrlReport { url: url.to_owned(), own: None, findings: Vec::new(), probes: Vec::new(), notes: Vec::new(), errors: Vec::new() };
    // The user's request first: an unreachable target is told before a dozen probes fail,
    // and a cache in front of the API stores the answer to the real page first.
    let own = probe::run(probe::request(url, req), client, space).await;
    if own.exchanges.is_empty() {
        report.errors.push(match &own.error {
            Some(e) => e.to_string(),
            None => format!("fetch() refuses this request before sending it: {}", own.verdict.js_error.clone().unwrap_or_else(|| own.verdict.explanation.en.clone())),
        });
        return report;
    }
    let crafted = probe::crafted_probes(url, req);
    let mut probes = vec![own];
    probes.extend(futures_util::future::join_all(crafted.into_iter().map(|p| probe::run(p, client, space))).await);
    let (found, notes) = findings::judge(&probes, req);
    if req.is_unsafe() && !req.unsafe_probes {
        report.notes.push(Text::new(
            format!("The crafted origins read with GET, not {}: check sends a state-changing request only as you gave it (--unsafe-probes sends it from them too).", req.method),
            format!("偽の Origin からは {} ではなく GET で読みました。check は状態を変えるリクエストを指定どおりにしか送りません（--unsafe-probes でそれらからも送ります）。", req.method),
        ));
    }
    report.notes.extend(notes);
    for p in &probes {
        if let Some(e) = &p.error {
            report.errors.push(format!("{} probe from {}: {e}", p.probe.kind.name(), p.probe.page));
        }
    }
    report.probes = probes.iter().map(brief).collect();
    report.findings = found.into_iter().map(|f| {
        let p = probes[f.probe].clone();
        (f, p)
    }).collect();
    report.own = probes.into_iter().next();
    report
}

fn brief(p: &Probed) -> Brief {
    Brief {
        kind: p.probe.kind.name(),
        trick: match &p.probe.kind {
            Kind::Origin(c) => Some(c.trick),
            _ => None,
        },
        origin: p.probe.page.clone(),
        requests: p.exchanges.len(),
        status: p.exchanges.last().map(|e| e.reply.status),
        outcome: p.verdict.outcome,
        cors_error: p.verdict.cors_error,
    }
}
