//! Settings: built-in defaults < TOML file < environment < command-line flags.
//!
//! One struct, [`Settings`], is both the clap command line (each flag also reads a
//! `CORSLAB_*` variable) and the TOML file schema (keys are the long flag names with `_` for
//! `-`), so the three sources cannot drift apart. [`Settings::resolve`] merges and validates
//! them into a [`Config`], refusing anything wrong with a message that names the setting.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};
use serde::Deserialize;

use crate::cookie::{CookieSettings, parse_same_site};
use crate::origin::Origin;
use crate::ratelimit::Rate;
use crate::verdict::SameSite;

/// The lab's settings: the arguments of `corslab` (`corslab serve`), and the TOML file's keys.
#[derive(Parser, Deserialize, Debug, Clone, Default)]
#[command(name = "corslab")]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Read settings from this TOML file.
    #[arg(short, long, env = "CORSLAB_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// IP address both servers listen on [default: 127.0.0.1].
    #[arg(long, env = "CORSLAB_BIND", value_name = "IP", help_heading = "Network")]
    pub bind: Option<IpAddr>,

    /// Port of the lab page [default: 8000]. 0 picks a free port.
    #[arg(long, env = "CORSLAB_PAGE_PORT", value_name = "PORT", help_heading = "Network")]
    pub page_port: Option<u16>,

    /// Port of the API [default: 8001]. 0 picks a free port.
    #[arg(long, env = "CORSLAB_API_PORT", value_name = "PORT", help_heading = "Network")]
    pub api_port: Option<u16>,

    /// Port of the cross-site attacker, http://127.0.0.1:<port> [default: 8002]. 0 picks a
    /// free port.
    #[arg(long, env = "CORSLAB_CROSS_SITE_ATTACKER_PORT", value_name = "PORT", help_heading = "Network")]
    pub cross_site_attacker_port: Option<u16>,

    /// Port of the same-site attacker, http://localhost:<port> [default: 8003]. 0 picks a
    /// free port.
    #[arg(long, env = "CORSLAB_SAME_SITE_ATTACKER_PORT", value_name = "PORT", help_heading = "Network")]
    pub same_site_attacker_port: Option<u16>,

    /// Origin browsers use to reach the page, if not http://localhost:<page-port>
    /// (e.g. behind a reverse proxy).
    #[arg(long, env = "CORSLAB_PAGE_ORIGIN", value_name = "ORIGIN", help_heading = "Network")]
    pub page_origin: Option<String>,

    /// Origin browsers use to reach the API, if not http://localhost:<api-port>.
    #[arg(long, env = "CORSLAB_API_ORIGIN", value_name = "ORIGIN", help_heading = "Network")]
    pub api_origin: Option<String>,

    /// Most connections each server holds open at once [default: 2048].
    #[arg(long, env = "CORSLAB_MAX_CONNECTIONS", value_name = "N", help_heading = "Network")]
    pub max_connections: Option<usize>,

    /// Origins whose pages may read API responses: django-cors-headers'
    /// CORS_ALLOWED_ORIGINS [default: the page origin]. Comma-separated or repeated.
    #[arg(long, env = "CORSLAB_CORS_ALLOWED_ORIGINS", value_name = "ORIGINS", value_delimiter = ',', help_heading = "Policy")]
    pub cors_allowed_origins: Option<Vec<String>>,

    /// Origins allowed to send unsafe (POST, …) requests: Django's CSRF_TRUSTED_ORIGINS
    /// [default: the page origin]. Comma-separated or repeated.
    #[arg(long, env = "CORSLAB_CSRF_TRUSTED_ORIGINS", value_name = "ORIGINS", value_delimiter = ',', help_heading = "Policy")]
    pub csrf_trusted_origins: Option<Vec<String>>,

    /// Mark the API's cookies Secure (sent over HTTPS only; localhost is exempt in browsers)
    /// [default: false].
    #[arg(long, env = "CORSLAB_COOKIE_SECURE", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help_heading = "Cookies")]
    pub cookie_secure: Option<bool>,

    /// SameSite attribute of the API's cookies: Lax, Strict or None (None needs
    /// --cookie-secure) [default: Lax].
    #[arg(long, env = "CORSLAB_COOKIE_SAMESITE", value_name = "MODE", help_heading = "Cookies")]
    pub cookie_samesite: Option<String>,

    /// Directory for the database [default: ./corslab-data].
    #[arg(long, env = "CORSLAB_DATA_DIR", value_name = "DIR", help_heading = "Storage")]
    pub data_dir: Option<PathBuf>,

    /// SQLite database file [default: <data-dir>/corslab.sqlite3].
    #[arg(long, env = "CORSLAB_DATABASE", value_name = "FILE", help_heading = "Storage")]
    pub database: Option<PathBuf>,

    /// File holding the JWT signing secret (at least 32 bytes). Alternatively set
    /// CORSLAB_JWT_SECRET. Default: generated once and kept in the database.
    #[arg(long, env = "CORSLAB_JWT_SECRET_FILE", value_name = "FILE", help_heading = "Secrets")]
    pub jwt_secret_file: Option<PathBuf>,

    /// Create (or reset) the demo account at start [default: true].
    #[arg(long, env = "CORSLAB_DEMO", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help_heading = "Demo account")]
    pub demo: Option<bool>,

    /// Demo account name [default: demo].
    #[arg(long, env = "CORSLAB_DEMO_USERNAME", value_name = "NAME", help_heading = "Demo account")]
    pub demo_username: Option<String>,

    /// Demo account password [default: demo-password].
    #[arg(long, env = "CORSLAB_DEMO_PASSWORD", value_name = "PASSWORD", hide_env_values = true, help_heading = "Demo account")]
    pub demo_password: Option<String>,

    /// Login and token attempts per client address per minute [default: 30].
    #[arg(long, env = "CORSLAB_LOGIN_RATE_PER_MINUTE", value_name = "N", help_heading = "Limits")]
    pub login_rate_per_minute: Option<u32>,

    /// Failed logins per username per 15 minutes [default: 10].
    #[arg(long, env = "CORSLAB_LOGIN_FAILURES_PER_USERNAME", value_name = "N", help_heading = "Limits")]
    pub login_failures_per_username: Option<u32>,

    /// Account creations (POST /api/users/) per client address per minute [default: 30].
    #[arg(long, env = "CORSLAB_USERS_RATE_PER_MINUTE", value_name = "N", help_heading = "Limits")]
    pub users_rate_per_minute: Option<u32>,

    /// Password hashes computed at once [default: number of CPUs - 1, at least 1].
    #[arg(long, env = "CORSLAB_HASH_CONCURRENCY", value_name = "N", help_heading = "Limits")]
    pub hash_concurrency: Option<usize>,

    /// Password hashes allowed to wait; beyond that, logins get 429 [default: 32].
    #[arg(long, env = "CORSLAB_HASH_QUEUE", value_name = "N", help_heading = "Limits")]
    pub hash_queue: Option<usize>,

    /// Exchanges the log records per visitor per second; faster ones are counted, not kept
    /// [default: 1000].
    #[arg(long, env = "CORSLAB_LOG_RATE_PER_VISITOR", value_name = "N", help_heading = "Limits")]
    pub log_rate_per_visitor: Option<u32>,

    /// Exchange-log event streams (Server-Sent Events) open at once; beyond, 503 +
    /// Retry-After [default: 1024].
    #[arg(long, env = "CORSLAB_MAX_EVENT_STREAMS", value_name = "N", help_heading = "Limits")]
    pub max_event_streams: Option<usize>,

    /// Serve the page from this directory instead of the copy built into the binary, reading
    /// the files on every request (for editing the page without rebuilding).
    #[arg(long, env = "CORSLAB_PAGE_DIR", value_name = "DIR", help_heading = "Development")]
    pub page_dir: Option<PathBuf>,

    /// Log filter, e.g. "info" or "corslab=debug" [default: info].
    #[arg(long, env = "CORSLAB_LOG", value_name = "FILTER", help_heading = "Logging")]
    pub log: Option<String>,

    /// Where each given setting came from, so an error can point there.
    #[arg(skip)]
    #[serde(skip)]
    pub sources: BTreeMap<String, Source>,
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag,
    /// The environment variable's name.
    Env(String),
    /// The TOML file given with `--config`.
    File(PathBuf),
}

/// Every limit the servers enforce, in one place.
#[derive(Clone, Debug)]
pub struct Limits {
    /// JSON bodies larger than this are refused before being read whole (SPEC: 64 KiB).
    pub json_body_bytes: usize,
    /// Request line plus headers; beyond it hyper answers 431.
    pub header_bytes: usize,
    pub max_headers: usize,
    /// A client must finish sending headers within this time, also between keep-alive requests.
    pub header_read_timeout: Duration,
    /// A client must finish sending a body within this time.
    pub body_read_timeout: Duration,
    /// The most a connection's read buffer grows to: a large body streams through it in
    /// pieces instead of growing it, so a thousand connections cannot hold a gigabyte.
    pub connection_buffer_bytes: usize,
    pub max_connections: usize,
    pub login_per_address: Rate,
    pub login_failures_per_username: Rate,
    pub users_per_address: Rate,
    /// Keys each rate limiter remembers at most.
    pub rate_limit_keys: usize,
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    /// How long shutdown waits for open requests before closing connections.
    pub shutdown_grace: Duration,
    /// The exchange log's bounds: exchanges per visitor, visitors, bytes overall, bytes per
    /// header value kept, and open event streams.
    pub log: crate::exchange::LogLimits,
    pub log_streams: usize,
    /// The policy editor's answers: how many visitors, how many set from one client
    /// address, and how long one lasts unused.
    pub policies: crate::cors::EditedLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_body_bytes: 64 * 1024,
            header_bytes: 16 * 1024,
            max_headers: 100,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            connection_buffer_bytes: 64 * 1024,
            max_connections: 2048,
            login_per_address: Rate::per_minute(30),
            login_failures_per_username: Rate { burst: 10, per: Duration::from_secs(15 * 60) },
            users_per_address: Rate::per_minute(30),
            rate_limit_keys: 10_000,
            // One core is left to the async workers, so logins never starve other requests.
            hash_concurrency: std::thread::available_parallelism().map_or(1, |n| usize::from(n).saturating_sub(1).max(1)),
            hash_queue: 32,
            shutdown_grace: Duration::from_secs(5),
            log: crate::exchange::LogLimits {
                per_visitor: 200,
                visitors: 1000,
                bytes: 32 * 1024 * 1024,
                value_bytes: 1024,
                per_visitor_per_second: 1000,
            },
            log_streams: 1024,
            // A class of thirty on one lab, a few browsers each; an hour covers a lesson.
            policies: crate::cors::EditedLimits { visitors: 1024, per_address: 32, idle: Duration::from_secs(3600) },
        }
    }
}

/// A validated configuration. Origins left `None` follow the ports actually bound.
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: IpAddr,
    pub page_port: u16,
    pub api_port: u16,
    pub cross_site_attacker_port: u16,
    pub same_site_attacker_port: u16,
    pub page_origin: Option<Origin>,
    pub api_origin: Option<Origin>,
    pub cors_allowed_origins: Option<Vec<Origin>>,
    pub csrf_trusted_origins: Option<Vec<Origin>>,
    pub cookies: CookieSettings,
    pub database: PathBuf,
    pub jwt_secret: Option<Vec<u8>>,
    pub demo: Option<DemoAccount>,
    pub limits: Limits,
    pub page_dir: Option<PathBuf>,
    pub log: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAccount").field("username", &self.username).finish_non_exhaustive()
    }
}

/// A setting that cannot be used, with the reason and, when known, where the value came from;
/// `Display` is the message for the user.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The setting's name as in the TOML file (`page_port`).
    pub setting: String,
    pub problem: String,
    pub source: Option<Source>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (setting, problem) = (&self.setting, &self.problem);
        let flag = setting.replace('_', "-");
        match &self.source {
            Some(Source::Flag) => write!(f, "--{flag}: {problem}"),
            Some(Source::Env(var)) => write!(f, "{var} (environment variable): {problem}"),
            Some(Source::File(path)) => write!(f, "{setting} in {}: {problem}", path.display()),
            None => write!(f, "{setting} (--{flag}, CORSLAB_{}): {problem}", setting.to_ascii_uppercase()),
        }
    }
}

impl std::error::Error for ConfigError {}

fn invalid(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { setting: setting.to_owned(), problem: problem.into(), source: None }
}

/// A command line clap could not read: its own error (usage, `--help`, `--version`, which
/// it prints and exits on), or a bad value from an environment variable, which clap would
/// blame on the flag the user never typed.
#[derive(Debug)]
pub enum CommandLineError {
    Clap(clap::Error),
    Config(ConfigError),
}

impl Settings {
    /// Settings from what clap read (flags and `CORSLAB_*` variables), remembering which
    /// setting came from where.
    pub fn from_matches(matches: &ArgMatches) -> Result<Settings, clap::Error> {
        let mut settings = Settings::from_arg_matches(matches)?;
        settings.sources = sources(matches);
        Ok(settings)
    }

    /// Reads the TOML file named by `--config`, if any, under these settings.
    pub fn with_file(self) -> Result<Settings, ConfigError> {
        let Some(path) = self.config.clone() else { return Ok(self) };
        let in_file = |problem: String| ConfigError { setting: "config".into(), problem, source: Some(Source::File(path.clone())) };
        let text = std::fs::read_to_string(&path).map_err(|e| in_file(format!("cannot read it: {e}")))?;
        let file: Settings = basic_toml::from_str(&text).map_err(|e| in_file(e.to_string()))?;
        Ok(self.or(file, &path))
    }

    /// Each setting from `self`, or else from `file` (read from `path`).
    fn or(mut self, file: Settings, path: &std::path::Path) -> Settings {
        macro_rules! merge {
            ($($field:ident),* $(,)?) => {{
                $(if self.$field.is_none() && file.$field.is_some() {
                    self.sources.insert(stringify!($field).to_owned(), Source::File(path.to_owned()));
                })*
                Settings { $($field: self.$field.or(file.$field),)* sources: self.sources }
            }};
        }
        merge!(
            config, bind, page_port, api_port, cross_site_attacker_port, same_site_attacker_port, page_origin, api_origin, max_connections,
            cors_allowed_origins, csrf_trusted_origins, cookie_secure, cookie_samesite, data_dir,
            database, jwt_secret_file, demo, demo_username, demo_password, login_rate_per_minute,
            login_failures_per_username, users_rate_per_minute, hash_concurrency, hash_queue, log_rate_per_visitor, max_event_streams, page_dir, log,
        )
    }

    /// Validates and fills in defaults. `jwt_secret_env` is `CORSLAB_JWT_SECRET`'s value.
    pub fn resolve(mut self, jwt_secret_env: Option<String>) -> Result<Config, ConfigError> {
        let sources = std::mem::take(&mut self.sources);
        self.resolve_here(jwt_secret_env).map_err(|mut e| {
            if e.source.is_none() {
                e.source = sources.get(&e.setting).cloned();
            }
            e
        })
    }

    fn resolve_here(self, jwt_secret_env: Option<String>) -> Result<Config, ConfigError> {
        let defaults = Limits::default();
        let origin = |setting, value: Option<String>| value.map(|v| parse_origin(setting, &v)).transpose();
        let origins = |setting, values: Option<Vec<String>>| {
            values.map(|vs| vs.iter().map(|v| parse_origin(setting, v)).collect::<Result<Vec<_>, _>>()).transpose()
        };

        let page_port = self.page_port.unwrap_or(8000);
        let api_port = self.api_port.unwrap_or(8001);
        let cross_site_attacker_port = self.cross_site_attacker_port.unwrap_or(8002);
        let same_site_attacker_port = self.same_site_attacker_port.unwrap_or(8003);
        for (setting, port) in [("cross_site_attacker_port", cross_site_attacker_port), ("same_site_attacker_port", same_site_attacker_port)] {
            if port != 0 && (port == page_port || port == api_port) {
                return Err(invalid(setting, format!("{port} is already the page's or the API's port; each origin needs its own")));
            }
        }
        if cross_site_attacker_port != 0 && cross_site_attacker_port == same_site_attacker_port {
            return Err(invalid("same_site_attacker_port", format!("{same_site_attacker_port} is also the cross-site attacker's port")));
        }
        if page_port != 0 && page_port == api_port {
            // Blame the one the user chose: with only --page-port given, the clash is there.
            let (setting, other) = if self.page_port.is_some() && self.api_port.is_none() {
                ("page_port", "the API port")
            } else {
                ("api_port", "the page port")
            };
            return Err(invalid(setting, format!("{page_port} is also {other}; the page and the API need different origins")));
        }

        let same_site = match self.cookie_samesite {
            Some(s) => parse_same_site(&s).map_err(|e| invalid("cookie_samesite", e))?,
            None => SameSite::Lax,
        };
        let secure = self.cookie_secure.unwrap_or(false);
        if same_site == SameSite::None && !secure {
            return Err(invalid(
                "cookie_samesite",
                "SameSite=None requires --cookie-secure: browsers reject SameSite=None cookies without Secure",
            ));
        }

        let jwt_secret = match (jwt_secret_env, self.jwt_secret_file) {
            (Some(_), Some(_)) => {
                return Err(invalid("jwt_secret_file", "give the JWT secret either in CORSLAB_JWT_SECRET or in a file, not both"));
            }
            (Some(s), None) => Some(check_secret(s.into_bytes()).map_err(|problem| ConfigError {
                setting: "jwt_secret".into(),
                problem: format!("the secret {problem}"),
                source: Some(Source::Env("CORSLAB_JWT_SECRET".into())),
            })?),
            (None, Some(path)) => {
                let bytes = std::fs::read(&path)
                    .map_err(|e| invalid("jwt_secret_file", format!("cannot read {}: {e}", path.display())))?;
                Some(check_secret(bytes).map_err(|p| invalid("jwt_secret_file", format!("the secret in {} {p}", path.display())))?)
            }
            (None, None) => None,
        };

        let demo = if self.demo.unwrap_or(true) {
            let username = self.demo_username.unwrap_or_else(|| "demo".to_owned());
            crate::accounts::validate_username(&username)
                .map_err(|_| invalid("demo_username", "use 1-150 letters, digits or @.+-_"))?;
            let password = self.demo_password.unwrap_or_else(|| "demo-password".to_owned());
            if password.is_empty() || password.len() > crate::accounts::PASSWORD_MAX {
                return Err(invalid("demo_password", "must be 1-4096 bytes"));
            }
            Some(DemoAccount { username, password })
        } else {
            None
        };

        let positive = |setting, v: Option<u32>, default: u32| match v {
            Some(0) => Err(invalid(setting, "must be at least 1")),
            v => Ok(v.unwrap_or(default)),
        };
        let positive_usize = |setting, v: Option<usize>, default: usize| match v {
            Some(0) => Err(invalid(setting, "must be at least 1")),
            v => Ok(v.unwrap_or(default)),
        };
        let limits = Limits {
            max_connections: positive_usize("max_connections", self.max_connections, defaults.max_connections)?,
            login_per_address: Rate::per_minute(positive(
                "login_rate_per_minute",
                self.login_rate_per_minute,
                defaults.login_per_address.burst,
            )?),
            login_failures_per_username: Rate {
                burst: positive(
                    "login_failures_per_username",
                    self.login_failures_per_username,
                    defaults.login_failures_per_username.burst,
                )?,
                ..defaults.login_failures_per_username
            },
            users_per_address: Rate::per_minute(positive(
                "users_rate_per_minute",
                self.users_rate_per_minute,
                defaults.users_per_address.burst,
            )?),
            hash_concurrency: positive_usize("hash_concurrency", self.hash_concurrency, defaults.hash_concurrency)?,
            hash_queue: self.hash_queue.unwrap_or(defaults.hash_queue),
            log_streams: positive_usize("max_event_streams", self.max_event_streams, defaults.log_streams)?,
            log: crate::exchange::LogLimits {
                per_visitor_per_second: positive(
                    "log_rate_per_visitor",
                    self.log_rate_per_visitor,
                    defaults.log.per_visitor_per_second,
                )?,
                ..defaults.log
            },
            ..defaults
        };

        let log = self.log.unwrap_or_else(|| "info".to_owned());
        tracing_subscriber::EnvFilter::try_new(&log)
            .map_err(|e| invalid("log", format!("'{log}' is not a log filter ({e}); try info, warn or corslab=debug")))?;
        if let Some(dir) = &self.page_dir
            && !dir.join("index.html").is_file()
        {
            return Err(invalid(
                "page_dir",
                format!("{} holds no index.html; give the directory with the page's files (assets/page in corslab's source)", dir.display()),
            ));
        }

        let data_dir = self.data_dir.unwrap_or_else(|| PathBuf::from("corslab-data"));
        Ok(Config {
            bind: self.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            page_port,
            api_port,
            cross_site_attacker_port,
            same_site_attacker_port,
            page_origin: origin("page_origin", self.page_origin)?,
            api_origin: origin("api_origin", self.api_origin)?,
            cors_allowed_origins: origins("cors_allowed_origins", self.cors_allowed_origins)?,
            csrf_trusted_origins: origins("csrf_trusted_origins", self.csrf_trusted_origins)?,
            cookies: CookieSettings { secure, same_site, ..CookieSettings::default() },
            database: self.database.unwrap_or_else(|| data_dir.join("corslab.sqlite3")),
            jwt_secret,
            demo,
            limits,
            page_dir: self.page_dir,
            log,
        })
    }
}

fn parse_origin(setting: &'static str, value: &str) -> Result<Origin, ConfigError> {
    value.trim().parse().map_err(|e| invalid(setting, format!("'{value}' {e}")))
}

/// The secret without a trailing newline, or what is wrong with it ("has N bytes; …").
fn check_secret(mut bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    // A file written with `echo` ends in a newline that is not part of the secret.
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    if bytes.len() < crate::jwt::MIN_SECRET_BYTES {
        return Err(format!("has {} bytes; HS256 needs at least 32 to resist guessing", bytes.len()));
    }
    Ok(bytes)
}

/// Which setting came from the command line and which from the environment.
fn sources(matches: &ArgMatches) -> BTreeMap<String, Source> {
    let command = Settings::command();
    command
        .get_arguments()
        .filter_map(|arg| {
            let id = arg.get_id().as_str();
            let source = match matches.value_source(id)? {
                ValueSource::CommandLine => Source::Flag,
                ValueSource::EnvVariable => Source::Env(arg.get_env()?.to_string_lossy().into_owned()),
                _ => return None,
            };
            Some((id.to_owned(), source))
        })
        .collect()
}

/// A bad value clap read from a `CORSLAB_*` variable, reported under the variable's name
/// (clap names the flag, which the user never typed); any other clap error as it is.
pub fn blame_environment(e: clap::Error, args: &[std::ffi::OsString]) -> CommandLineError {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(e.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue) {
        return CommandLineError::Clap(e);
    }
    let Some(ContextValue::String(shown)) = e.get(ContextKind::InvalidArg) else { return CommandLineError::Clap(e) };
    let command = Settings::command();
    let Some(arg) = command.get_arguments().find(|a| a.get_long().is_some_and(|l| shown.starts_with(&format!("--{l}")))) else {
        return CommandLineError::Clap(e);
    };
    let long = format!("--{}", arg.get_long().unwrap_or_default());
    let typed = args.iter().any(|a| a.to_str().is_some_and(|a| a == long || a.starts_with(&format!("{long}="))));
    let (Some(var), false) = (arg.get_env(), typed) else { return CommandLineError::Clap(e) };
    // clap's first line: "error: invalid value 'abc' for '--page-port <PORT>': <reason>".
    let rendered = e.to_string();
    let reason = rendered.lines().next().and_then(|l| l.split_once("': ").map(|(_, r)| r)).unwrap_or("invalid value");
    let value = match e.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => v.clone(),
        _ => String::new(),
    };
    CommandLineError::Config(ConfigError {
        setting: arg.get_id().to_string(),
        problem: format!("'{value}' is not valid: {reason}"),
        source: Some(Source::Env(var.to_string_lossy().into_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Settings {
        Settings::try_parse_from(std::iter::once("corslab").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn defaults_are_the_articles_lab() {
        let c = Settings::default().resolve(None).unwrap();
        assert_eq!((c.page_port, c.api_port), (8000, 8001));
        assert_eq!(c.bind.to_string(), "127.0.0.1");
        assert_eq!(c.cookies, CookieSettings { secure: false, same_site: SameSite::Lax, http_only: true, path: "/".into() });
        assert_eq!(c.database, PathBuf::from("corslab-data/corslab.sqlite3"));
        let demo = c.demo.unwrap();
        assert_eq!((demo.username.as_str(), demo.password.as_str()), ("demo", "demo-password"));
        assert_eq!(c.limits.json_body_bytes, 65_536);
        assert!(c.jwt_secret.is_none());
    }

    #[test]
    fn a_trusted_origin_without_scheme_is_refused_as_django_does() {
        let err = parse(&["--csrf-trusted-origins", "example.com"]).resolve(None).unwrap_err();
        assert_eq!(err.setting, "csrf_trusted_origins");
        let msg = err.to_string();
        assert!(msg.contains("--csrf-trusted-origins"), "{msg}");
        assert!(msg.contains("CORSLAB_CSRF_TRUSTED_ORIGINS"), "{msg}");
        assert!(msg.contains("'example.com' must start with a scheme"), "{msg}");
    }

    #[test]
    fn lists_accept_commas_and_repeats() {
        let c = parse(&["--cors-allowed-origins", "http://a.test,http://b.test", "--cors-allowed-origins", "http://c.test:81"])
            .resolve(None)
            .unwrap();
        let got: Vec<String> = c.cors_allowed_origins.unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(got, ["http://a.test", "http://b.test", "http://c.test:81"]);
    }

    #[test]
    fn samesite_none_needs_secure() {
        let err = parse(&["--cookie-samesite", "None"]).resolve(None).unwrap_err();
        assert!(err.to_string().contains("requires --cookie-secure"));
        assert!(parse(&["--cookie-samesite", "none", "--cookie-secure"]).resolve(None).is_ok());
        assert!(parse(&["--cookie-samesite", "sideways"]).resolve(None).is_err());
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "api_port = 9001\npage_port = 9000\ndemo = false\n").unwrap();
        let s = parse(&["--config", file.to_str().unwrap(), "--api-port", "9999"]).with_file().unwrap();
        let c = s.resolve(None).unwrap();
        assert_eq!((c.page_port, c.api_port), (9000, 9999));
        assert!(c.demo.is_none());
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "api_prot = 1\n").unwrap();
        let err = parse(&["--config", file.to_str().unwrap()]).with_file().unwrap_err();
        assert!(err.to_string().contains("api_prot"), "{err}");
    }

    #[test]
    fn short_jwt_secrets_are_refused_and_newlines_trimmed() {
        let err = Settings::default().resolve(Some("short".into())).unwrap_err();
        assert!(err.to_string().contains("at least 32"));
        let c = Settings::default().resolve(Some(format!("{}\n", "k".repeat(32)))).unwrap();
        assert_eq!(c.jwt_secret.unwrap().len(), 32);
    }

    #[test]
    fn same_port_twice_and_zero_limits_are_refused() {
        assert!(parse(&["--page-port", "9000", "--api-port", "9000"]).resolve(None).is_err());
        assert!(parse(&["--page-port", "0", "--api-port", "0"]).resolve(None).is_ok());
        assert!(parse(&["--login-rate-per-minute", "0"]).resolve(None).is_err());
        assert!(parse(&["--demo-username", "a b"]).resolve(None).is_err());
    }
}
