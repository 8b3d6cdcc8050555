//! `corslab explain [FILE|-]`: what Chromium does with each fetch of an experiment file
//! (SPEC §8) or of a HAR that DevTools exported, judged offline by the verdict engine.
//!
//! An experiment file runs through the engine's simulator; a HAR's entries are judged as the
//! lab judges its own exchange log, so a HAR recorded on the lab page gets the verdicts the
//! page shows. The input is bounded (a larger file is refused before it is read whole) and
//! any input, however broken, ends in a verdict or in exit code 2 with the reason.

mod json;
mod text;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::exchange::Tag;
use crate::verdict::{Credentials, Experiment, FetchVerdict, Har, HopKind, InputError, Outcome, explain_har, simulate};

const LONG_ABOUT: &str = "\
Explain fetches offline: what Chromium 156 does with each fetch() of an experiment file or of
a HAR exported from DevTools (Network panel, \"Export HAR\"). For every fetch it tells what
JavaScript gets (or the CorsError, its failed parameter and every console line), the preflight,
the headers JavaScript can read, the cookies, why, and what to change.

An experiment file is JSON: the page, and steps that each give the fetch() call and what the
server answers (SPEC §8; the probe's cases in tools/cors-probe/results.json are all such
files). A HAR's entries are judged as the lab page judges its exchange log.";

const AFTER_LONG_HELP: &str = "\
With --json, explain prints the input document with the verdict added to each step
(steps[i].verdict; in a HAR, log.entries[i]._verdict on the entry that ends each fetch).

Exit status: 0 when every fetch was judged, whatever the verdicts; 1 with --fail-on-blocked
when a fetch ended in an error; 2 when the input cannot be read (the line and the reason are
printed). Inputs over 8 MiB are refused.

Examples:
    corslab explain experiment.json
    corslab explain export.har --lang ja
    jq '.cases[] | select(.id == \"r_cross_auth\") | .experiment' tools/cors-probe/results.json | corslab explain -
    corslab explain ci-fetches.json --fail-on-blocked";

/// Explain fetches offline, from an experiment file or a HAR.
#[derive(Args, Debug, Clone)]
#[command(long_about = LONG_ABOUT, after_long_help = AFTER_LONG_HELP)]
pub struct ExplainArgs {
    /// Experiment file (JSON) or HAR 1.2 file; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Language of the explanations [default: from LC_ALL or LANG, else en].
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,

    /// Print the input document with each fetch's verdict added, as JSON.
    #[arg(long)]
    pub json: bool,

    /// Exit with status 1 when a fetch ended in an error (fetch() rejected).
    #[arg(long)]
    pub fail_on_blocked: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// The language a POSIX locale names (`LC_ALL` wins over `LANG`): Japanese for `ja*`.
    pub(crate) fn from_env() -> Lang {
        let locale = ["LC_ALL", "LANG"].iter().filter_map(|v| std::env::var(v).ok()).find(|v| !v.is_empty());
        if locale.is_some_and(|l| l.starts_with("ja")) { Lang::Ja } else { Lang::En }
    }
}

/// Inputs larger than this are refused before they are read whole.
const MAX_INPUT: u64 = 8 * 1024 * 1024;

/// What was read, and the verdict on each of its fetches.
pub struct Judged {
    pub document: Value,
    pub kind: InputKind,
    pub fetches: Vec<JudgedFetch>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Experiment,
    Har,
}

pub struct JudgedFetch {
    /// The step (or HAR entry) the verdict belongs to.
    pub index: usize,
    /// `METHOD URL` of the fetch as the script made it.
    pub title: String,
    pub verdict: FetchVerdict,
}

/// Runs `corslab explain`, printing to standard output; returns the exit status.
pub fn run(args: &ExplainArgs) -> ExitCode {
    let name = match args.file.as_deref() {
        Some(path) if path != Path::new("-") => path.display().to_string(),
        _ => "standard input".into(),
    };
    let judged = match read(args.file.as_deref()).and_then(|text| explain(&text)) {
        Ok(judged) => judged,
        Err(e) => {
            eprintln!("corslab explain: {name}: {e}");
            return ExitCode::from(2);
        }
    };
    let out = if args.json { json::render(&judged) } else { text::render(&judged, args.lang.unwrap_or_else(Lang::from_env)) };
    let mut stdout = std::io::stdout().lock();
    // A reader that went away (`| head`) is not an error of ours.
    let _ = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush());
    let failed = judged.fetches.iter().any(|f| f.verdict.outcome == Outcome::Error);
    ExitCode::from(if args.fail_on_blocked && failed { 1 } else { 0 })
}

/// The input's text: a file, or standard input for `-` or no file; at most [`MAX_INPUT`].
fn read(file: Option<&Path>) -> Result<String, InputError> {
    let problem = |reason: String| InputError { line: None, column: None, reason };
    let mut bytes = Vec::new();
    let read = match file.filter(|p| *p != Path::new("-")) {
        Some(path) => std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes)),
        None if std::io::stdin().is_terminal() => {
            return Err(problem("give a FILE, or pipe one in (`corslab explain --help`)".into()));
        }
        None => std::io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut bytes),
    };
    read.map_err(|e| problem(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(problem(format!("larger than {} MiB; explain reads at most that (keep only the requests that matter)", MAX_INPUT >> 20)));
    }
    String::from_utf8(bytes).map_err(|e| problem(format!("not UTF-8 text (byte {} is not)", e.utf8_error().valid_up_to())))
}

/// Judges every fetch of an experiment file or a HAR, told apart by their content.
pub fn explain(text: &str) -> Result<Judged, InputError> {
    let document: Value = serde_json::from_str(text).map_err(|e| InputError {
        line: Some(e.line()),
        column: Some(e.column()),
        reason: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
    })?;
    let has = |key: &str| document.get(key).is_some();
    if has("log") {
        let har = Har::from_json(text)?;
        let fetches = explain_har(&har, &lab_credentials)
            .into_iter()
            .map(|e| {
                let request = &har.log.entries[e.entry].request;
                JudgedFetch { index: e.entry, title: title(&e.verdict, &request.method, &request.url), verdict: e.verdict }
            })
            .collect();
        return Ok(Judged { document, kind: InputKind::Har, fetches });
    }
    if has("steps") || has("page") {
        let experiment = Experiment::from_json(text)?;
        let fetches = simulate(&experiment)
            .into_iter()
            .zip(&experiment.steps)
            .enumerate()
            .map(|(index, (verdict, step))| JudgedFetch { index, title: title(&verdict, &step.fetch.method, &step.fetch.url), verdict })
            .collect();
        return Ok(Judged { document, kind: InputKind::Experiment, fetches });
    }
    Err(InputError {
        line: None,
        column: None,
        reason: "neither an experiment file (an object with \"page\" and \"steps\") nor a HAR (an object with \"log\")".into(),
    })
}

/// The credentials mode the lab's page declares in its `?lab=<visitor>.<credentials>` tag,
/// as the exchange log reads it; other sites' requests do not say.
fn lab_credentials(url: &str) -> Option<Credentials> {
    Tag::from_query(url.split_once('?').map(|(_, q)| q)).and_then(|t| t.credentials)
}

/// `METHOD URL` of the request the script made (its first hop), else as given.
fn title(verdict: &FetchVerdict, method: &str, url: &str) -> String {
    match verdict.hops.iter().find(|h| h.kind == HopKind::Request) {
        Some(hop) => format!("{} {}", hop.method, hop.url),
        None => format!("{method} {url}"),
    }
}
