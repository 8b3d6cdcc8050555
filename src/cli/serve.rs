//! `corslab` (`corslab serve`): start the lab, print where it is, run until Ctrl-C or SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::Settings;

/// Resolves the settings, starts the page and the API, and serves until stopped.
pub fn run(settings: Settings) -> ExitCode {
    let config = match settings.with_file().and_then(|s| s.resolve(std::env::var("CORSLAB_JWT_SECRET").ok())) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("corslab: {e}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        // Checked when the configuration was resolved.
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log))
        // Colour codes only for a person at a terminal, not in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("corslab: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let demo = config.demo.clone();
        let lab = match crate::start(config).await {
            Ok(lab) => lab,
            Err(e) => {
                eprintln!("corslab: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("corslab {} is running:", env!("CARGO_PKG_VERSION"));
        println!("  page      {}/   <- open this in your browser", lab.page_origin);
        println!("  API       {}/api/hello/", lab.api_origin);
        match demo {
            Some(d) => println!("  log in as {} / {}", d.username, d.password),
            None => println!("  no demo account (--demo=false)"),
        }
        println!("  database  {}", lab.database.display());
        println!("Press Ctrl-C to stop.");
        wait_for_stop_signal().await;
        println!("Stopping…");
        lab.shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_stop_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match terminate.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
    }
}
