//! `juggler-studio`: the studio engine without a window.
//!
//! - `serve [WORKSPACE]` runs the workspace's server and the control
//!   endpoint, headless (CI, a box without a display, a browser elsewhere);
//! - `connect URL` watches a remote juggler server, or sends it a request;
//! - `run WORKSPACE --scenario NAME` runs a scenario against dashboards;
//! - `check FILE` validates a workspace file or a `dashboard.json`;
//! - `new DIR` starts a dashboard project.

mod cli;
mod connect;
mod docs;
mod proxy_watch;
mod replay;
mod serve;
mod term;
mod wait;

use std::process::ExitCode;

use clap::Parser;
pub(crate) use studio::app::shutdown_signal;

use cli::{Cli, Command};

/// What a subcommand ends with: its exit code, or an error to print.
type Res = Result<ExitCode, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| studio::DEFAULT_LOG_FILTER.into()),
        )
        .with_writer(term::log_writer)
        .with_ansi(term::colour())
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Res {
    match command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Connect(args) => connect::connect(args).await,
        Command::Check { workspace } => docs::check(&workspace),
        Command::New(args) => Ok(studio::scaffold::cli(args)),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { out_dir } => docs::man(out_dir),
        Command::Mock(args) => Ok(studio::mock::cli(args)),
        Command::Run(opts) => Ok(ExitCode::from(studio::app::run_scenario::run(opts).await)),
        Command::Proxy(args) => serve::proxy(args).await,
        Command::Record(args) => replay::record(args).await,
        Command::Replay(args) => replay::replay(args).await,
    }
}
