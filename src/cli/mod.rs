//! The command line: what `corslab` is asked to do, as one [`Mode`].
//!
//! `corslab` alone (or `corslab serve`) serves the lab, with every setting as a flag, a
//! `CORSLAB_*` variable or a TOML key; `corslab explain` judges fetches offline; `corslab
//! check` probes a live API as Chromium would call it. As in
//! ripgrep, arguments are parsed once into the mode, and `main` only runs it. A mode is the
//! first argument, so the lab's flags never mix with another mode's.

pub mod check;
pub mod explain;
pub mod serve;

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{CommandLineError, Settings, blame_environment};
use check::CheckArgs;
use explain::ExplainArgs;

/// What the binary was asked to do.
#[allow(clippy::large_enum_variant)] // one value per run; boxing would buy nothing
pub enum Mode {
    /// Serve the page and the API.
    Serve(Settings),
    /// Judge the fetches of an experiment file or a HAR.
    Explain(ExplainArgs),
    /// Probe a live API as Chromium would call it.
    Check(CheckArgs),
}

const ABOUT: &str = "A hands-on lab for the same-origin policy, CORS and preflights, CSRF tokens, session cookies and JWT.";

const LONG_ABOUT: &str = "\
A hands-on lab for the same-origin policy, CORS and preflights, CSRF tokens, session cookies
and JWT. corslab serves a page on one origin and a JSON API on another, the API behaving
exactly like a Django 5.2 + django-cors-headers + simplejwt setup. Open the page and press
the buttons; every request shows what JavaScript can and cannot see.

With no arguments it serves the page on http://localhost:8000 and the API on
http://localhost:8001, keeps its data in ./corslab-data, and creates the account
demo / demo-password. `corslab explain` tells, offline, what Chromium does with the fetches
of an experiment file or of a HAR exported from DevTools; `corslab check` probes a live API
as Chromium would call it and names every CORS and CSRF misconfiguration it shows.";

const AFTER_HELP: &str = "\
More: `corslab --help` (every setting, where it can come from, examples), `corslab explain --help`
(judging fetches offline), `corslab check --help` (probing a live API).";

const AFTER_LONG_HELP: &str = "\
Every setting can come from a flag, an environment variable (shown as [env: ...]) or the TOML
file given with --config, whose keys are the long flag names with '_' for '-':

    # corslab.toml
    api_port = 9001
    cors_allowed_origins = [\"http://localhost:8000\", \"http://localhost:5173\"]
    cookie_samesite = \"Strict\"

Flags win over environment variables, which win over the file. The JWT signing secret is read
only from CORSLAB_JWT_SECRET or --jwt-secret-file (never a flag value, which other users
could see in the process list); without one, a random secret is generated on first start and
kept in the database.

Examples:
    corslab                                   start with the defaults
    corslab --api-port 9001                   API on http://localhost:9001
    corslab --cors-allowed-origins http://localhost:5173 --csrf-trusted-origins http://localhost:5173
    CORSLAB_DEMO=false corslab                no demo account
    corslab explain export.har --lang ja      why the fetches in a DevTools export failed
    corslab check https://api.example.com/me/ --origin https://app.example.com --credentials";

#[derive(Parser)]
#[command(
    name = "corslab",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    after_long_help = AFTER_LONG_HELP,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: Settings,
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once
enum Command {
    /// Serve the lab: the page and the API (what `corslab` alone does).
    #[command(after_long_help = AFTER_LONG_HELP)]
    Serve(Settings),
    Explain(ExplainArgs),
    Check(CheckArgs),
}

/// The mode these arguments (`args[0]` is the program) ask for.
pub fn parse(args: impl IntoIterator<Item = impl Into<OsString>>) -> Result<Mode, CommandLineError> {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // The offline and probing modes are parsed on their own: the lab's settings, and their
    // CORSLAB_* variables, play no part.
    match args.get(1).and_then(|a| a.to_str()) {
        Some("explain") => return own_mode(&args, "explain", ExplainArgs::from_arg_matches).map(Mode::Explain),
        Some("check") => return own_mode(&args, "check", CheckArgs::from_arg_matches).map(Mode::Check),
        _ => {}
    }
    let matches = Cli::command().try_get_matches_from(&args).map_err(|e| blame_environment(e, &args))?;
    let serve = match matches.subcommand() {
        Some(("serve", serve)) => serve,
        _ => &matches,
    };
    Settings::from_matches(serve).map(Mode::Serve).map_err(CommandLineError::Clap)
}

/// Parses `args[1..]` as the subcommand `name` alone.
fn own_mode<T>(args: &[OsString], name: &'static str, from: fn(&clap::ArgMatches) -> Result<T, clap::Error>) -> Result<T, CommandLineError> {
    let mut cli = Cli::command();
    let command = cli.find_subcommand_mut(name).map(|c| c.clone().bin_name(format!("corslab {name}")));
    let command = command.unwrap_or_else(|| clap::Command::new(name));
    let matches = command.try_get_matches_from(&args[1..]).map_err(CommandLineError::Clap)?;
    from(&matches).map_err(CommandLineError::Clap)
}
