//! Command-line shapes (clap derive): subcommands and their arguments only.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Scenario and stakeholder simulation of a small state balancing between great powers.
#[derive(Parser, Debug)]
#[command(name = "simulate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario's Monte Carlo ensemble and write plots and tables (the default:
    /// `simulate s.toml` is `simulate run s.toml`).
    Run(RunArgs),
    /// Run several scenarios on common random numbers and compare them.
    Compare(CompareArgs),
    /// Validate a scenario without running it.
    Check(ScenarioArgs),
    /// List every resolved parameter with its value, unit, range, source and confidence.
    Describe(ScenarioArgs),
    /// Decompose the moves of closeness into their causes, by year.
    Explain(ExplainArgs),
    /// Combine the partial results of sharded runs (`--shard K/N`) into one result.
    Merge(MergeArgs),
    /// Fit a scenario's free parameters (its `[calibration]` section) to observed series and
    /// write the fitted scenario, errors before and after, and fit plots.
    ///
    /// `--runs` and `--seed` set each objective evaluation's ensemble (default:
    /// `[calibration] runs` and `seed`).
    Calibrate(CalibrateArgs),
    /// Fit on observations up to a year, predict the years after, and score the model against
    /// persistence and linear-trend baselines.
    ///
    /// `--runs` and `--seed` set each objective evaluation's ensemble (default:
    /// `[calibration] runs` and `seed`).
    Backtest(BacktestArgs),
}

/// Output formats of plots.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    Png,
    Svg,
}

/// A scenario and overrides of its parameters.
#[derive(Args, Debug, Clone)]
pub struct ScenarioArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Override a parameter, e.g. `--set powers.US.budget=0.5` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Options shared by commands that run ensembles.
#[derive(Args, Debug, Clone)]
pub struct EnsembleArgs {
    /// Runs in the ensemble (default: the scenario's `ensemble.runs`).
    #[arg(long)]
    pub runs: Option<usize>,
    /// Master seed (default: the scenario's `ensemble.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results folder (default: output/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Plot formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "png,svg")]
    pub format: Vec<FormatArg>,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    /// Also write runs.csv with every run's yearly values (streamed as runs finish).
    #[arg(long)]
    pub keep_runs: bool,
    /// Run only the K-th of N slices of the plan and write a partial result (see `merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// After the run, watch the scenario's folder and run again whenever a scenario file
    /// there is saved (Ctrl-C to stop).
    #[arg(long, conflicts_with = "shard")]
    pub watch: bool,
    /// `decomposed`: for a scenario that draws from a posterior (`simulate calibrate
    /// --posterior`), also draw bands.png with run noise, parameter uncertainty and structural
    /// discrepancy as nested bands, and write bands.csv with which one dominates.
    #[arg(long, value_enum, conflicts_with = "shard")]
    pub bands: Option<BandsArg>,
}

/// What `--bands` draws.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BandsArg {
    /// Nested bands by source of uncertainty.
    Decomposed,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Two or more scenario files.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// Override a parameter in every scenario (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    /// Only this power (id), default: all.
    #[arg(long)]
    pub power: Option<String>,
    /// Only this domain (economy, security, technology, diplomacy), default: the aggregate.
    #[arg(long)]
    pub domain: Option<String>,
    /// Years as A..B (inclusive), default: all.
    #[arg(long)]
    pub years: Option<String>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Folders written by `simulate run --shard K/N`.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Results folder (default: output/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Plot formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "png,svg")]
    pub format: Vec<FormatArg>,
    /// No summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    /// Fit only observations up to this year.
    #[arg(long)]
    pub until: Option<i32>,
    /// Sample the posterior of the free parameters and the model error (ABC-SMC) instead of
    /// a point fit; writes posterior.csv, posterior.toml, generations.csv and figures
    /// (the same as `method = "abc-smc"` in [calibration]).
    #[arg(long)]
    pub posterior: bool,
}

#[derive(Args, Debug)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    /// Last year of the training window.
    #[arg(long)]
    pub train_until: i32,
    /// Last year predicted.
    #[arg(long)]
    pub test_until: i32,
    /// Rolling origins: repeat for every training end from the first possible to train_until.
    #[arg(long)]
    pub rolling: bool,
    /// Refit the posterior at each origin and score its predictive distribution: coverage of
    /// the 50% and 90% bands, CRPS against persistence and trend, PIT histogram.
    #[arg(long)]
    pub posterior: bool,
}

/// Subcommand names, for treating `simulate s.toml` as `simulate run s.toml`.
pub const SUBCOMMANDS: [&str; 9] = [
    "run",
    "compare",
    "check",
    "describe",
    "explain",
    "merge",
    "calibrate",
    "backtest",
    "help",
];

/// Inserts `run` when the first argument is a scenario file rather than a subcommand.
pub fn with_default_subcommand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let is_flag = first.starts_with('-');
        if !is_flag && !SUBCOMMANDS.contains(&first) {
            args.insert(1, "run".into());
        }
    }
    args
}
