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
    #[command(mut_arg("out", |a| a.help(
        "Results folder (default: output/compare_<A>_vs_<B>[_vs_<C>...]/, after the scenarios' names)"
    )))]
    Compare(CompareArgs),
    /// Pair two scenarios run by run on common random numbers: the fan chart of the
    /// differences B − A beside the unpaired bands, final-year differences with 90% intervals
    /// and the share of runs in which B < A; `--attribute` splits the gap among the levers.
    Diff(DiffArgs),
    /// Run a scenario tree (a trunk with `[branches]`) as one study on common random numbers:
    /// every branch equals the trunk before its fork; tree figure and combined outcome.
    Tree(TreeArgs),
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout, e.g.
    /// `simulate completions bash > ~/.local/share/bash-completion/completions/simulate`.
    Completions(CompletionsArgs),
    /// Print the JSON Schema of the scenario format (for Taplo / Even Better TOML).
    Schema,
    /// Print the manual page (roff) to stdout, e.g. `simulate man > simulate.1; man ./simulate.1`.
    Man,
    /// Sweep one or two parameters over a grid and draw the tipping diagram (one) or
    /// heatmaps (two) of closeness, hedge collapse and leeway.
    ///
    /// `--runs` is the number of runs per case (default: `[sweep] runs`, else 50).
    Sweep(SweepArgs),
    /// Global sensitivity: which parameters move a measure most (Morris elementary effects
    /// or Sobol indices), in the chosen year and over time.
    ///
    /// `--runs` is the number of runs per design point (default 10); without `--param`, the
    /// scenario's uncertain numbers are studied, each over its own distribution.
    Sensitivity(SensitivityArgs),
    /// Scenario discovery: under which ranges of the uncertain numbers an outcome happens
    /// (Latin hypercube design, PRIM with peeling, pasting and a resampling check).
    ///
    /// `--runs` is the number of runs per design point (default 10).
    Discover(DiscoverArgs),
    /// Explore a scenario in the browser: a local page (127.0.0.1 only) with its fan charts
    /// and sliders for its uncertain numbers and `[explore]` parameters; moving one re-runs
    /// the ensemble; "save as scenario" writes a file that extends it with the changes.
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Port on 127.0.0.1 (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8337)]
    pub port: u16,
    /// Folder for saved scenarios (default: output/<scenario name>-explore/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Runs of the quick ensemble drawn while a slider moves (the full one, the scenario's
    /// `ensemble.runs`, runs when it is released).
    #[arg(long, default_value_t = 100)]
    pub quick_runs: usize,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
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
    #[arg(long, allow_negative_numbers = true, value_parser = count_arg)]
    pub runs: Option<usize>,
    /// Master seed (default: the scenario's `ensemble.seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = seed_arg)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = count_arg)]
    pub threads: Option<usize>,
    /// Results folder (default: output/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into `--out` even when it holds files that are not an earlier result (only the
    /// files simulate writes are replaced there).
    #[arg(long)]
    pub force: bool,
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
    /// Continue an interrupted study from its checkpoint (same scenario, seed, runs, shard and
    /// --keep-runs); the results are byte-identical to an uninterrupted run.
    #[arg(long, conflicts_with = "watch")]
    pub resume: bool,
    /// Seconds between checkpoints of a study under way (0: after every 256 runs).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub checkpoint_every: f64,
    /// `decomposed`: for a scenario that draws from a posterior (`simulate calibrate
    /// --posterior`), also draw bands.png with run noise, parameter uncertainty and structural
    /// discrepancy as nested bands, and write bands.csv with which one dominates.
    #[arg(long, value_enum, conflicts_with = "shard")]
    pub bands: Option<BandsArg>,
    /// How the runs draw the scenario's uncertain numbers: `independent` draws (each run from
    /// its own stream), or a Latin hypercube (`lhs`): each number's range cut into as many
    /// strata of equal probability as there are runs, one run in each.
    #[arg(
        long,
        value_enum,
        default_value = "independent",
        conflicts_with = "bands"
    )]
    pub design: DesignArg,
    /// A `simulate sensitivity --method sobol` study of this scenario whose total indices ST
    /// fill a column of the report's assumptions table (default: the newest such study of
    /// the same resolved scenario found in the results folder or beside it).
    #[arg(long, value_name = "DIR")]
    pub sensitivity: Option<PathBuf>,
    /// Also run this scenario on the same seeds and runs (the same `--set` applied): the
    /// report's findings say what differs from it, and compare_closeness.png overlays both.
    #[arg(long, value_name = "BASE.toml", conflicts_with = "shard")]
    pub against: Option<PathBuf>,
}

/// How `run` draws the uncertain numbers.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignArg {
    /// Independent draws, each run from its own random stream.
    Independent,
    /// A Latin hypercube over the uncertain numbers.
    Lhs,
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
    /// Also split the gap between the first scenario and each other one among the levers
    /// that differ (Shapley values on common random numbers): `attribution_<A>_<B>.csv` and
    /// `waterfall_<A>_<B>.png`.
    #[arg(long)]
    pub attribute: bool,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Scenario A (the reference of the differences).
    pub a: PathBuf,
    /// Scenario B.
    pub b: PathBuf,
    /// Override a parameter in both scenarios (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// A measure to pair (a column of runs.csv, e.g. `closeness.CN.technology`; repeatable).
    /// Default: closeness to each power.
    #[arg(long)]
    pub measure: Vec<String>,
    /// Split the gap among the levers that differ between A and B (parameter paths, events,
    /// threats, rules): Shapley values, exact up to 8 levers, sampled orders beyond;
    /// `attribution.csv` and `waterfall.png`.
    #[arg(long)]
    pub attribute: bool,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
}

#[derive(Args, Debug)]
pub struct TreeArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
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
    /// Folders written by `simulate run|sweep|sensitivity|discover --shard K/N`.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Results folder (default: output/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into `--out` even when it holds files that are not an earlier result (only the
    /// files simulate writes are replaced there).
    #[arg(long)]
    pub force: bool,
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

/// Whether `name` is a subcommand (or `help`), read from the clap definition so that a new
/// command needs no second list.
pub fn is_subcommand(name: &str) -> bool {
    use clap::CommandFactory;
    name == "help"
        || Cli::command()
            .get_subcommands()
            .any(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
}

/// Checkpoints, resume and shards of a study (`sweep`, `sensitivity`, `discover`).
#[derive(Args, Debug, Clone)]
pub struct StudyControlArgs {
    /// Run only the K-th of N slices of the study and write a partial result; `simulate
    /// merge` combines the N folders into the files of the whole study.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted study from its checkpoint (same scenario, options and seed);
    /// the results are byte-identical to an uninterrupted study.
    #[arg(long)]
    pub resume: bool,
    /// Seconds between checkpoints of a study under way (0: after every chunk of runs).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub checkpoint_every: f64,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    #[command(flatten)]
    pub control: StudyControlArgs,
    /// A swept parameter: N evenly spaced values from A to B, e.g.
    /// `rivalry.US-CN.technology=0:2:21` (once or twice; default: `[sweep] params`).
    #[arg(long = "param", value_name = "PATH=A:B:N")]
    pub params: Vec<String>,
    /// Year summarised (default: `[sweep] year`, else the scenario's last year).
    #[arg(long)]
    pub year: Option<i32>,
}

/// Methods of global sensitivity analysis.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodArg {
    /// Elementary effects (μ*, σ) on trajectories: a cheap screening.
    Morris,
    /// First-order and total variance indices on a Saltelli design.
    Sobol,
}

#[derive(Args, Debug)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    #[command(flatten)]
    pub control: StudyControlArgs,
    /// Method.
    #[arg(long, value_enum, default_value = "sobol")]
    pub method: MethodArg,
    /// A parameter varied uniformly between LO and HI, e.g. `powers.US.budget=0.2:0.8`
    /// (repeatable; default: the scenario's uncertain numbers).
    #[arg(long = "param", value_name = "PATH=LO:HI")]
    pub params: Vec<String>,
    /// The measure studied: a column of runs.csv (default: closeness to the first power).
    #[arg(long)]
    pub measure: Option<String>,
    /// Year of the bar chart (default: the scenario's last year); indices over time run to it.
    #[arg(long)]
    pub year: Option<i32>,
    /// Base samples (Sobol, default 256) or trajectories (Morris, default 20).
    #[arg(long)]
    pub samples: Option<usize>,
}

#[derive(Args, Debug)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub ensemble: EnsembleArgs,
    #[command(flatten)]
    pub control: StudyControlArgs,
    /// The outcome of interest: a condition on the measures of the year studied (columns of
    /// runs.csv), e.g. `"closeness.CN.technology > 0.6 && leeway < 0"`.
    #[arg(long)]
    pub outcome: String,
    /// A parameter varied uniformly between LO and HI (repeatable; default: the scenario's
    /// uncertain numbers, each over its own distribution).
    #[arg(long = "param", value_name = "PATH=LO:HI")]
    pub params: Vec<String>,
    /// Points of the Latin-hypercube design.
    #[arg(long)]
    pub samples: Option<usize>,
    /// Year the outcome is read in (default: the scenario's last year).
    #[arg(long)]
    pub year: Option<i32>,
    /// The box chosen on the peeling trajectory is the densest holding at least this share
    /// of the runs with the outcome.
    #[arg(long, default_value_t = 0.5)]
    pub min_coverage: f64,
}

/// Subcommand names, for treating `simulate s.toml` as `simulate run s.toml`.
pub const SUBCOMMANDS: [&str; 13] = [
    "run",
    "compare",
    "check",
    "describe",
    "explain",
    "merge",
    "calibrate",
    "backtest",
    "sweep",
    "sensitivity",
    "discover",
    "serve",
    "help",
];

/// Inserts `run` when the first argument is a scenario file rather than a subcommand.
pub fn with_default_subcommand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let is_flag = first.starts_with('-');
        if !is_flag && !is_subcommand(first) {
            args.insert(1, "run".into());
        }
    }
    args
}

#[cfg(test)]
#[allow(clippy::items_after_test_module)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_a_subcommand_and_a_file_is_not() {
        for name in [
            "run",
            "compare",
            "check",
            "describe",
            "explain",
            "merge",
            "calibrate",
            "backtest",
            "help",
        ] {
            assert!(is_subcommand(name), "{name}");
        }
        assert!(!is_subcommand("scenarios/baseline.toml"));
        let args = with_default_subcommand(vec!["simulate".into(), "s.toml".into()]);
        assert_eq!(args[1], "run");
        let args =
            with_default_subcommand(vec!["simulate".into(), "check".into(), "s.toml".into()]);
        assert_eq!(args[1], "check");
    }
}

/// A count on the command line (`--runs`, `--threads`): a whole number, at least 1.
fn count_arg(text: &str) -> Result<usize, String> {
    match text.trim().parse::<i128>() {
        // 0 is left to the command, which says what it means there.
        Ok(n) if n >= 0 => usize::try_from(n).map_err(|_| format!("{n} is too large")),
        Ok(n) => Err(format!("{n}: allowed a whole number, at least 1")),
        Err(_) => Err(format!(
            "'{text}' is not a whole number: allowed 1, 2, 3, ..."
        )),
    }
}

/// A seed on the command line: a whole number, at least 0.
fn seed_arg(text: &str) -> Result<u64, String> {
    match text.trim().parse::<i128>() {
        Ok(n) if n >= 0 => u64::try_from(n).map_err(|_| format!("{n} is too large")),
        Ok(n) => Err(format!("{n}: allowed a whole number, at least 0")),
        Err(_) => Err(format!(
            "'{text}' is not a whole number: allowed 0, 1, 2, ..."
        )),
    }
}
