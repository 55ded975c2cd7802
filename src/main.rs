//! `simulate`: parse -> dispatch -> print the error chain once -> exit code.

use clap::Parser;
use simulate::app::{self, UsageError};
use simulate::cli::{Cli, Command, with_default_subcommand};
use simulate::scenario::ScenarioError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = with_default_subcommand(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match &cli.command {
        Command::Run(a) => app::run(a),
        Command::Compare(a) => app::compare(a),
        Command::Check(a) => app::check(a),
        Command::Describe(a) => app::describe(a),
        Command::Explain(a) => app::explain(a),
        Command::Merge(a) => app::merge(a),
        Command::Calibrate(a) => simulate::calibrate::calibrate(a),
        Command::Backtest(a) => simulate::calibrate::backtest(a),
        Command::Sweep(a) => simulate::commands::sweep::sweep(a),
        Command::Sensitivity(a) => simulate::commands::sensitivity::sensitivity(a),
        Command::Discover(a) => simulate::commands::discover::discover(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let user = err.chain().any(|c| {
                c.downcast_ref::<ScenarioError>().is_some()
                    || c.downcast_ref::<UsageError>().is_some()
            });
            if err.downcast_ref::<ScenarioError>().is_some() {
                // Scenario errors render their own location and snippet.
                eprintln!("{err}");
            } else {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(if user { 2 } else { 1 })
        }
    }
}
