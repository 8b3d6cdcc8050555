//! Starting the lab: bind the listeners, open the database, build the routers, and serve
//! HTTP/1.1 with explicit limits until shutdown.
//!
//! The accept loop is written out (rather than `axum::serve`) because axum's does not expose
//! hyper's header-size limit, header-read timeout or a connection cap, and the lab promises
//! all three.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::Service;

use crate::accounts::{Accounts, PasswordHasher};
use crate::api::{self, App, Lab};
use crate::config::{Config, Limits};
use crate::cors::{Cors, EditedAnswers, Mount};
use crate::exchange::{self, ExchangeLog};
use crate::origin::Origin;
use crate::ratelimit::RateLimiter;
use crate::scenario::catalogue::{self, AttackerSite};
use crate::scenario::{self as scenarios, LabOrigins, Layers};
use crate::session::Sessions;
use crate::{attacker, editor, jwt, page, store};

/// A running lab. Dropping it does not stop it; call [`RunningLab::shutdown`].
pub struct RunningLab {
    pub page_origin: Origin,
    pub api_origin: Origin,
    pub page_addr: SocketAddr,
    pub api_addr: SocketAddr,
    pub origins: LabOrigins,
    pub database: std::path::PathBuf,
    stop: watch::Sender<bool>,
    servers: JoinSet<()>,
}

#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl RunningLab {
    /// Stops accepting, lets open requests finish (up to the grace period), then returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.servers.join_next().await.is_some() {}
    }
}

pub async fn start(config: Config) -> Result<RunningLab, StartError> {
    let bind = |port: u16, role: &'static str| {
        let addr = SocketAddr::new(config.bind, port);
        async move {
            TcpListener::bind(addr).await.map_err(|e| {
                let hint = match e.kind() {
                    std::io::ErrorKind::AddrInUse => format!("another program (another corslab?) uses it; try --{role}-port"),
                    std::io::ErrorKind::AddrNotAvailable => {
                        format!("{} is not an address of this machine; try --bind 127.0.0.1", addr.ip())
                    }
                    std::io::ErrorKind::PermissionDenied => format!("ports below 1024 need privileges; try --{role}-port 8000 or above"),
                    _ => format!("check --bind and --{role}-port"),
                };
                StartError(format!("cannot listen on {addr} for the {role}: {e} ({hint})"))
            })
        }
    };
    let page_listener = bind(config.page_port, "page").await?;
    let api_listener = bind(config.api_port, "api").await?;
    let cross_site_listener = bind(config.cross_site_attacker_port, "cross-site-attacker").await?;
    let same_site_listener = bind(config.same_site_attacker_port, "same-site-attacker").await?;
    let port = |l: &TcpListener| l.local_addr().map_err(|e| StartError(e.to_string()));
    let (page_addr, api_addr) = (port(&page_listener)?, port(&api_listener)?);
    let page_origin = config.page_origin.clone().unwrap_or_else(|| Origin::localhost(page_addr.port()));
    let api_origin = config.api_origin.clone().unwrap_or_else(|| Origin::localhost(api_addr.port()));
    let origins = LabOrigins {
        page: page_origin.clone(),
        api: api_origin.clone(),
        same_site_attacker: Origin::localhost(port(&same_site_listener)?.port()),
        cross_site_attacker: Origin::loopback_ip(port(&cross_site_listener)?.port()),
    };

    let db = store::open(&config.database).await.map_err(|e| StartError(e.to_string()))?;
    let jwt_secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None => store::secret(&db, "jwt_signing_key", crate::random::hex::<32>)
            .await
            .map_err(|e| StartError(e.to_string()))?
            .into_bytes(),
    };
    let limits = config.limits.clone();
    let accounts = Accounts::new(db.clone(), PasswordHasher::new(limits.hash_concurrency, limits.hash_queue));
    if let Some(demo) = &config.demo {
        if demo.username == attacker::ACCOUNT {
            return Err(StartError(format!("the demo account cannot be called {:?}: that is the attacker's account (--demo-username)", attacker::ACCOUNT)));
        }
        accounts
            .ensure_account(&demo.username, &demo.password)
            .await
            .map_err(|e| StartError(format!("cannot create the demo account: {e}")))?;
    }
    // The attacker's own account, for the exploits that log in as themselves; its password
    // is random, kept with the lab's other secrets.
    let attacker_password = store::secret(&db, "attacker_password", crate::random::hex::<16>)
        .await
        .map_err(|e| StartError(e.to_string()))?;
    accounts
        .ensure_account(attacker::ACCOUNT, &attacker_password)
        .await
        .map_err(|e| StartError(format!("cannot create the attacker's account: {e}")))?;
    let victim = config.demo.as_ref().map_or_else(|| "demo".to_owned(), |d| d.username.clone());

    let trusted = config.csrf_trusted_origins.clone().unwrap_or_else(|| vec![page_origin.clone()]);
    let allowed = config.cors_allowed_origins.clone().unwrap_or_else(|| vec![page_origin.clone()]);
    let rate_limiter = |rate| RateLimiter::new(rate, limits.rate_limit_keys);
    let lab = Arc::new(Lab {
        page_origin: page_origin.to_string(),
        api_origin: api_origin.clone(),
        accounts,
        sessions: Sessions::new(db.clone()),
        login_per_address: rate_limiter(limits.login_per_address),
        login_failures_per_username: rate_limiter(limits.login_failures_per_username),
        users_per_address: rate_limiter(limits.users_per_address),
        limits: limits.clone(),
    });

    // The default mount runs the article's settings as the operator configured them; every
    // catalogue scenario starts from those and breaks what it says.
    let article = Layers::article(&allowed, &trusted, config.cookies.clone());
    let entries = catalogue::load(&article, &origins).map_err(|e| StartError(format!("the scenario catalogue: {e}")))?;
    let compile = |id: &str, scope: &str, layers: &Layers, secret: &[u8]| {
        App::new(lab.clone(), id, scope, layers, secret).map_err(StartError)
    };
    let default = compile(scenarios::ARTICLE, "", &article, &jwt_secret)?;
    let page_rules = page::PageRules {
        api_origin: api_origin.clone(),
        page_origin: page_origin.clone(),
        cors: default.cors.clone(),
        trusted: default.trusted.clone(),
        allowed_origins: allowed,
        trusted_origins: trusted,
        cookies: config.cookies.clone(),
    };
    let mut mounts = Vec::with_capacity(entries.len());
    let mut aliases = Vec::new();
    for entry in &entries {
        // Each scenario signs with its own key, so no token crosses from one mount to another.
        let secret = jwt::derived_secret(&jwt_secret, &entry.id);
        mounts.push((entry.id.clone(), compile(&entry.id, &entry.id, &entry.layers, &secret)?));
        if entry.id == scenarios::WITHOUT_CORS {
            let mut layers = entry.layers.clone();
            layers.cookies.path = format!("{}/", scenarios::WITHOUT_CORS_ALIAS);
            aliases.push((scenarios::WITHOUT_CORS_ALIAS, compile(&entry.id, &entry.id, &layers, &secret)?));
        }
    }
    // The policy editor's mount: the article's settings, its own cookies and signing key, and
    // each visitor's own answer in place of the CORS policy for those who wrote one (the App
    // is compiled as any mount, then given the editable policy).
    let edited = Arc::new(EditedAnswers::new(limits.policies));
    let mut play_layers = article.clone();
    play_layers.cookies.path = format!("{}/", editor::PREFIX);
    let play = compile(editor::ID, editor::ID, &play_layers, &jwt::derived_secret(&jwt_secret, editor::ID))?;
    let editable = Cors::new(editor::ID, play_layers.cors.clone()).map_err(StartError)?.editable(edited.clone());
    aliases.push((editor::PREFIX, App { cors: Arc::new(editable), ..play }));
    let policies = editor::router(edited, Mount { prefix: editor::PREFIX.into(), api_origin: api_origin.clone() })
        .map_err(|e| StartError(format!("the policy editor: {e}")))?;
    let switches = scenarios::switch::router(mounts.iter().map(|(id, app)| (id.clone(), app.cors.clone())));
    let log = Arc::new(ExchangeLog::new(limits.log, &api_origin.to_string(), &page_origin.to_string()));
    let api = api::Api::new(log.clone(), default, mounts, aliases);
    let (stop, stopped) = watch::channel(false);
    let feed = exchange::feed::router(log.clone(), limits.log_streams, stopped.clone());
    let listing = scenarios::listing(&entries, &origins);
    // The page origin also serves the page's side of the scenarios shown through its own calls,
    // and the switches that deploy a scenario's policy change for one visitor.
    // What the attackers' servers reach besides their pages (the page origin's demo router too).
    let reach = attacker::Reach { api: api.clone(), log: log.clone(), password: attacker_password, victim };
    let page_router = page::router(&origins, config.page_dir.clone(), listing, page_rules)
        .merge(feed)
        .merge(switches)
        .merge(policies)
        .nest(scenarios::DEMOS, attacker::router(AttackerSite::Page, &entries, &origins, reach.clone()));

    let mut servers = JoinSet::new();
    servers.spawn(serve(page_listener, page_router, limits.clone(), stopped.clone()));
    servers.spawn(serve(api_listener, api, limits.clone(), stopped.clone()));
    for (listener, site) in [(cross_site_listener, AttackerSite::CrossSite), (same_site_listener, AttackerSite::SameSite)] {
        servers.spawn(serve(listener, attacker::router(site, &entries, &origins, reach.clone()), limits.clone(), stopped.clone()));
    }
    servers.spawn(purge_expired_sessions(lab, stopped.clone()));
    servers.spawn(return_freed_memory(stopped));

    Ok(RunningLab { page_origin, api_origin, page_addr, api_addr, origins, database: config.database, stop, servers })
}

/// Gives memory freed since the last round back to the operating system.
///
/// glibc's malloc keeps freed blocks in per-thread arenas for reuse: after a burst (a class
/// logging in, a flood of large requests) the process stays at its peak for good, although
/// every bound inside it held. `malloc_trim` returns the free pages of every arena; run every
/// few seconds, it costs microseconds when there is nothing to return. Only glibc needs it.
async fn return_freed_memory(mut stopped: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopped.changed() => return,
        }
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only releases free memory; it is safe to call at any time.
        let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
    }
}

/// Django leaves this to a cron job (`clearsessions`); the lab does it hourly itself.
async fn purge_expired_sessions(lab: Arc<Lab>, mut stopped: watch::Receiver<bool>) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = every_hour.tick() => {}
            _ = stopped.changed() => return,
        }
        match lab.sessions.purge_expired(crate::unix_now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "purged expired sessions"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
        }
    }
}

/// Serves HTTP/1.1 on `listener` until `stopped` turns true.
pub async fn serve<S>(listener: TcpListener, service: S, limits: Limits, mut stopped: watch::Receiver<bool>)
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.header_bytes)
        .max_buf_size(limits.connection_buffer_bytes);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        // At the connection cap, stop accepting: new clients wait in the kernel's backlog.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("semaphore never closed"),
            _ = stopped.changed() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let per_connection = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            service.clone().call(req.map(Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), per_connection));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    let started = Instant::now();
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(waited = ?started.elapsed(), "closing connections still open after the grace period");
        }
    }
}
