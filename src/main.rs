//! `simulate`: parse -> dispatch -> print the error chain once -> exit code.

use clap::Parser;
use simulate::cli::{Cli, Command, with_default_subcommand};
use simulate::commands;
use simulate::scenario::ScenarioError;
use simulate::usage::{Interrupted, UsageError};
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
        // A scenario with `[branches]` is a tree: `simulate T.toml` runs it as one study.
        Command::Run(a) if commands::tree::is_tree(&a.scenario.scenario) => {
            commands::tree::from_run(a)
        }
        Command::Run(a) => commands::run(a),
        Command::Compare(a) => commands::compare(a),
        Command::Diff(a) => commands::diff::diff(a),
        Command::Tree(a) => commands::tree::tree(a),
        Command::Check(a) => commands::check(a),
        Command::Describe(a) => commands::describe(a),
        Command::Explain(a) => commands::explain(a),
        Command::Merge(a) => commands::merge(a),
        Command::Calibrate(a) => simulate::calibrate::calibrate(a),
        Command::Backtest(a) => simulate::calibrate::backtest(a),
        Command::Completions(a) => commands::completions(a),
        Command::Man => commands::man(),
        Command::Schema => commands::schema(),
        Command::Sweep(a) => commands::sweep::sweep(a),
        Command::Sensitivity(a) => commands::sensitivity::sensitivity(a),
        Command::Discover(a) => commands::discover::discover(a),
        Command::Serve(a) => commands::serve::serve(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<Interrupted>().is_some() => {
            eprintln!("{err}");
            ExitCode::from(130)
        }
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
