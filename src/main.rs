use std::process::ExitCode;

use corslab::cli::{self, Mode};
use corslab::config::CommandLineError;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os()) {
        Ok(Mode::Serve(settings)) => cli::serve::run(settings),
        Ok(Mode::Explain(args)) => cli::explain::run(&args),
        Ok(Mode::Check(args)) => cli::check::run(&args),
        Err(CommandLineError::Clap(e)) => e.exit(),
        Err(CommandLineError::Config(e)) => {
            eprintln!("corslab: {e}");
            ExitCode::from(2)
        }
    }
}
