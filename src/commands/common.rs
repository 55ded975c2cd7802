//! Plumbing every command shares: loading a scenario, the plan of its ensemble, the output
//! folder, plot formats and styles, the progress bar, the files of an ensemble result, and
//! printing a report to stdout. A command file (`run.rs`, `compare.rs`, ...) reads its inputs,
//! then calls these; nothing here knows which command is running.

/// Attribution of a gap to levers (`diff --attribute`, `compare --attribute`).
pub mod attribution;
/// The Sobol study of a scenario, for the report's assumptions table.
pub mod sobol_lookup;
/// Plumbing the experiment commands (sweep, sensitivity, discover) share.
pub mod study;
use crate::cli::{EnsembleArgs, FormatArg};
use crate::experiment::{self, Ensemble, Exec, Plan, RunOutput, measures};
use crate::export::{self, OutputDir, tables};
use crate::model::{Domain, Params};
use crate::plot::{self, Format, Meta, PowerStyle};
use crate::scenario::{self, Scenario};
use crate::stats::Summary;
pub use crate::usage::{UsageError, usage};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by the first Ctrl-C (SIGINT, SIGTERM, SIGHUP): a study stops at its next chunk of
/// runs, saves a checkpoint and says how to resume.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the stop handler once: the first signal asks the study to stop cleanly, a second
/// one ends the process at once.
pub fn install_stop_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    });
}

/// Parses `K/N`.
pub fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
    let bad = || {
        usage(format!(
            "--shard '{s}': expected K/N with 1 <= K <= N, e.g. 2/8"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// Writes a command's report to stdout; a reader that closed the pipe early (`| head`) is not
/// an error.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Loads a scenario with overrides; its warnings go to stderr.
pub fn load(path: &Path, set: &[String]) -> anyhow::Result<Scenario> {
    let s = scenario::load(path, set)?;
    for w in &s.warnings {
        eprintln!("{w}");
    }
    Ok(s)
}

/// Where a command writes a scenario's results when `--out` is not given: `output/<name>`,
/// or, when `--set` changed values, `output/<name>-set-<hash>` named after the changes, so
/// that the unmodified scenario's results are never replaced by a variant's (said on
/// stderr unless `quiet`).
pub fn default_out_for(s: &Scenario, quiet: bool) -> PathBuf {
    if s.overrides.is_empty() {
        return default_out(&s.name);
    }
    let args: Vec<&str> = s.overrides.iter().map(|o| o.arg.as_str()).collect();
    let hash = export::sha256_hex(args.join("\n").as_bytes());
    let dir = default_out(&format!("{}-set-{}", s.name, &hash[..8]));
    if !quiet {
        eprintln!(
            "note: --set changed {} value{} and no --out was given: results go to {} ({} keeps \
             the unmodified scenario's)",
            args.len(),
            if args.len() == 1 { "" } else { "s" },
            dir.display(),
            default_out(&s.name).display()
        );
    }
    dir
}

/// Plot formats from the command line, without repeats.
pub fn formats(f: &[FormatArg]) -> Vec<Format> {
    let mut out = Vec::new();
    for x in f {
        let fmt = match x {
            FormatArg::Png => Format::Png,
            FormatArg::Svg => Format::Svg,
        };
        if !out.contains(&fmt) {
            out.push(fmt);
        }
    }
    out
}

/// Worker threads: `--threads`, or all cores.
pub fn threads(e: &EnsembleArgs) -> anyhow::Result<usize> {
    match e.threads {
        Some(0) => Err(usage("--threads must be at least 1")),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Styles of the powers for plots.
pub fn styles(params: &Params) -> Vec<PowerStyle> {
    params
        .powers
        .iter()
        .map(|p| PowerStyle {
            id: p.id.clone(),
            name: p.name.clone(),
            color: p.color,
        })
        .collect()
}

/// A progress bar on stderr when it is a terminal, nothing otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `total` runs labelled `label`; hidden when `quiet` or stderr is no terminal.
    pub fn new(total: usize, quiet: bool, label: &str) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} runs, {per_sec}, ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar }
    }
    /// Starts the bar at `done` runs (a resumed study).
    pub fn set_done(&self, done: usize) {
        if let Some(b) = &self.bar {
            b.set_position(done as u64);
        }
    }
    /// One more run done.
    pub fn tick(&self, _done: usize) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// The plan of a scenario's ensemble with command-line overrides.
pub fn plan_for(s: &Scenario, e: &EnsembleArgs) -> anyhow::Result<Plan> {
    let runs = e.runs.unwrap_or(s.runs);
    let seed = e.seed.unwrap_or(s.seed);
    Plan::ensemble(seed, runs, 0).map_err(|err| usage(err.to_string()))
}

/// `output/<name>`: where a command writes when `--out` is not given.
pub fn default_out(name: &str) -> PathBuf {
    Path::new("output").join(name)
}

/// Opens a results folder; a folder that cannot be used is the user's error. `force` allows
/// writing into a folder of other files (see [`OutputDir::create_with`]).
pub fn open_out(dir: &Path, force: bool) -> anyhow::Result<OutputDir> {
    OutputDir::create_with(dir, force).map_err(|e| usage(e.to_string()))
}

/// The command line as typed, for manifests and reports.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Says on stderr (even with `--quiet`) how many runs failed and were left out.
pub fn warn_failures(e: &Ensemble) {
    if let Some(first) = e.failures.first() {
        eprintln!(
            "warning: {} of {} runs produced a non-finite value and were left out (first: run {}, seed {}, {} in {}, phase {}); see failures.csv",
            e.failures.len(),
            e.runs + e.failures.len(),
            first.replicate,
            first.seed,
            first.series,
            first.year,
            first.phase_name()
        );
    }
}

/// One line at the end of a run when effects broke an invariant of the file in some runs
/// (the run counts them per event or rule and year: `diagnostics.csv`, the manifest).
pub fn breach_warning(e: &Ensemble, params: &Params) -> Option<String> {
    let sources = tables::diagnostic_sources(e, params);
    let first = sources.first()?;
    let span = if first.years[0] == first.years[1] {
        format!("in {}", first.years[0])
    } else {
        format!("in {}–{}", first.years[0], first.years[1])
    };
    let value = |v: f64| format!("{}", (v * 1e4).round() / 1e4);
    let asked = if first.min.to_bits() == first.max.to_bits() {
        value(first.min)
    } else {
        format!("{} to {}", value(first.min), value(first.max))
    };
    let what = match first.invariant.as_str() {
        "range" => format!(
            "{} asked for {asked} (allowed {})",
            first.path, first.allowed
        ),
        _ => format!("{} summed to {asked} ({})", first.path, first.allowed),
    };
    let more = match sources.len() {
        1 => String::new(),
        2 => ", and 1 more".to_string(),
        n => format!(", and {} more", n - 1),
    };
    Some(format!(
        "warning: in {} of {} runs an effect broke an invariant of the file: {} {span}, {what}: \
         {} ({} runs){more}; see diagnostics.csv",
        e.breaches.runs, e.runs, first.source, first.consequence, first.runs
    ))
}

/// Runs an ensemble with a progress bar; `sink` sees each run in plan order.
pub fn execute(
    s: &Scenario,
    plan: &Plan,
    threads: usize,
    quiet: bool,
    sink: &mut dyn FnMut(&RunOutput) -> anyhow::Result<()>,
) -> anyhow::Result<Ensemble> {
    let progress = Progress::new(plan.runs.len(), quiet, &s.name);
    let tick = |k: usize| progress.tick(k);
    let result = experiment::execute(
        s,
        plan,
        &Exec {
            threads,
            progress: &tick,
        },
        sink,
    );
    progress.finish();
    if let Ok(e) = &result {
        warn_failures(e);
    }
    result
}

/// Files of an ensemble shared by `run` and `merge`: tables, manifest, resolved scenario.
pub struct Written {
    /// Seconds spent drawing plots.
    pub plot_seconds: f64,
}

/// Writes every table and plot of an ensemble into `out`.
#[allow(clippy::too_many_arguments)]
pub fn write_results(
    out: &OutputDir,
    s: &Scenario,
    e: &Ensemble,
    plan: &Plan,
    threads: usize,
    fmts: &[Format],
    wall: f64,
    extra: serde_json::Value,
    cmd: &str,
    sensitivity: Option<&Path>,
) -> anyhow::Result<Written> {
    write_results_against(
        out,
        s,
        e,
        plan,
        threads,
        fmts,
        wall,
        extra,
        cmd,
        sensitivity,
        None,
    )
}

/// [`write_results`], with another scenario run on the same plan (`run --against`): the
/// report's findings say what differs, and `compare_closeness` overlays the two.
#[allow(clippy::too_many_arguments)]
pub fn write_results_against(
    out: &OutputDir,
    s: &Scenario,
    e: &Ensemble,
    plan: &Plan,
    threads: usize,
    fmts: &[Format],
    wall: f64,
    extra: serde_json::Value,
    cmd: &str,
    sensitivity: Option<&Path>,
    against: Option<(&Scenario, &Ensemble)>,
) -> anyhow::Result<Written> {
    let params = &s.base;
    let order = measures::series(params);
    let rows = tables::summary_rows(&e.summary, &order);
    out.write("summary.csv", &tables::table_csv(&rows)?)?;
    out.write("summary.json", &tables::to_json(&rows)?)?;
    out.write(
        "drivers.csv",
        &tables::table_csv(&tables::driver_rows(e, params))?,
    )?;
    out.write(
        "events.csv",
        &tables::table_csv(&tables::event_rows(e, params))?,
    )?;
    out.write(
        "outcomes.csv",
        &tables::table_csv(&tables::outcome_rows(e, params))?,
    )?;
    out.write(
        "failures.csv",
        &tables::table_csv(&tables::failure_rows(e))?,
    )?;
    out.write(
        "diagnostics.csv",
        &tables::table_csv(&tables::diagnostic_rows(e, params))?,
    )?;
    out.write("scenario.resolved.toml", s.resolved_toml.as_bytes())?;
    if let Some((name, text)) = s.reference_file() {
        out.write(&name, text.as_bytes())?;
    }
    let t = Instant::now();
    let meta = Meta {
        title: s.name.clone(),
        subtitle: format!(
            "{} runs · seed {} · simulate {}",
            e.runs,
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let st = styles(params);
    let dir = out.path();
    let marks = marks(e, params);
    plot::closeness(dir, fmts, &e.summary, &st, &marks, &meta)?;
    plot::domains(dir, fmts, &e.summary, &st, &marks, &meta)?;
    plot::opinion(dir, fmts, &e.summary, &st, &marks, &meta)?;
    plot::instruments(dir, fmts, &e.summary, &st, &marks, &meta)?;
    plot::leeway(dir, fmts, &e.summary, &st, &marks, &meta)?;
    let arm = [plot::ThreatArm {
        name: &s.name,
        summary: &e.summary,
        color: plot::arm_color(0),
    }];
    plot::threats(
        dir,
        fmts,
        "threats",
        &arm,
        &threat_infos(params),
        &marks,
        &meta,
    )?;
    let arm = [plot::SeriesArm {
        name: &s.name,
        summary: &e.summary,
        color: plot::arm_color(0),
    }];
    plot::series_panels(
        dir,
        fmts,
        "accession",
        "the membership perspective",
        &arm,
        &accession_panels(params),
        &marks,
        &meta,
    )?;
    for p in drivers_shown(&e.summary, params) {
        drivers_chart(dir, fmts, e, params, p, (None, None), &marks, &meta)?;
    }
    if let Some((a, ae)) = against {
        let arms = [
            plot::Arm {
                name: &s.name,
                summary: &e.summary,
            },
            plot::Arm {
                name: &a.name,
                summary: &ae.summary,
            },
        ];
        plot::compare(dir, fmts, &arms, &st, &[], &meta)?;
    }
    let plot_seconds = t.elapsed().as_secs_f64();
    let sha = export::sha256_hex(s.resolved_toml.as_bytes());
    let st = sobol_lookup::find(sensitivity, out.target(), &sha)?;
    let report = crate::report::html(
        s,
        e,
        &crate::report::Context {
            seed: plan.master_seed,
            command_line: cmd,
            scenario_sha256: &sha,
            figures: out.path(),
            sensitivity: st.as_ref(),
            against: against.map(|(a, ae)| crate::report::findings::Against {
                name: &a.name,
                params: &a.base,
                ensemble: ae,
            }),
        },
    )?;
    out.write("report.html", report.as_bytes())?;
    let manifest = serde_json::json!({
        "tool": "simulate",
        "version": env!("CARGO_PKG_VERSION"),
        "command_line": cmd,
        "scenario": s.name,
        "scenario_path": s.path.display().to_string(),
        "scenario_sha256": sha,
        "master_seed": plan.master_seed,
        "runs": e.runs,
        "runs_planned": plan.runs.len(),
        "runs_failed": e.failures.len(),
        "on_failure": s.on_failure.name(),
        "first_run": plan.runs.first().map(|r| r.replicate),
        "threads": threads,
        "quantiles": if e.exact { "exact" } else { "histogram sketch (4096 bins)" },
        "wall_seconds": wall,
        "plot_seconds": plot_seconds,
        "seed_rule": "run seed = SplitMix-derived from (master seed, case, replicate); streams per component (ChaCha8)",
        "overrides": s.overrides.iter().map(|o| serde_json::json!({
            "arg": o.arg,
            "path": o.path,
            "old": o.old,
            "old_at": o.old_at,
            "new": o.new,
            "note": "set on the command line",
        })).collect::<Vec<_>>(),
        "warnings": s.warnings,
        "diagnostics": {
            "runs_with_breaches": e.breaches.runs,
            "note": "effects of events and rules that broke an invariant of the file in a run (per year: diagnostics.csv)",
            "effects": tables::diagnostic_sources(e, params),
        },
        "extra": extra,
        "sensitivity_indices_from": st.as_ref().map(|t| t.from.clone()),
    });
    out.write(
        "manifest.json",
        &serde_json::to_vec_pretty(&manifest).context("manifest")?,
    )?;
    Ok(Written { plot_seconds })
}

pub use crate::report::moves::movers;

/// The parts of the yearly moves of closeness to one power, by cause, in the unit of the move.
pub struct DriverParts {
    /// Parts per year and cause; with the limits spread, they add up to `net` each year.
    pub bars: Vec<plot::DriverBar>,
    /// The ensemble-mean move per year.
    pub net: Vec<(i32, f64)>,
    /// Share of the pushes the move cap and the bounds let through over the years shown
    /// (1 when they did not bind); `None` when nothing pushed.
    pub passed: Option<f64>,
}

/// The limits of a move: they absorb part of the pushes instead of causing anything.
const LIMITS: [&str; 2] = ["move_cap", "bounds"];

/// Driver bars of one power (aggregate over domains, or one domain) and the net move; see
/// [`driver_parts`].
pub fn driver_bars(
    e: &Ensemble,
    params: &Params,
    p: usize,
    domain: Option<Domain>,
    years: Option<(i32, i32)>,
) -> (Vec<plot::DriverBar>, Vec<(i32, f64)>) {
    let parts = driver_parts(e, params, p, domain, years);
    (parts.bars, parts.net)
}

/// The causes of the moves of closeness to power `p` (aggregate over domains, or one
/// domain), in the unit of the move: each year the part of every push that the move cap and
/// the bounds absorbed is taken from all pushes in proportion (the cap scales a step, so each
/// push loses the same share), so the parts add up to the mean move shown. A year in which
/// the limits do not scale the pushes down (share outside 0–1) keeps them as their own bar.
/// The sanctions term is named `sanction_busting` for a power that sends no threat: there it
/// is the compensation a buster offers, net of the secondary-sanction cost.
pub fn driver_parts(
    e: &Ensemble,
    params: &Params,
    p: usize,
    domain: Option<Domain>,
    years: Option<(i32, i32)>,
) -> DriverParts {
    let sender = params.threats.iter().any(|t| t.sender == p);
    let mut bars = Vec::new();
    let mut net = Vec::new();
    let (mut pushed, mut moved) = (0.0, 0.0);
    for (year, total, mut grouped) in
        crate::report::moves::yearly_terms(e, params, p, domain, years)
    {
        if !sender {
            for (name, _) in &mut grouped {
                if name == "sanctions" {
                    *name = "sanction_busting".to_string();
                }
            }
        }
        let is_push = |n: &str| !LIMITS.contains(&n) && n != "noise";
        let push: f64 = grouped
            .iter()
            .filter(|(n, _)| is_push(n))
            .map(|(_, v)| v)
            .sum();
        let limits: f64 = grouped
            .iter()
            .filter(|(n, _)| LIMITS.contains(&n.as_str()))
            .map(|(_, v)| v)
            .sum();
        let share = (push + limits) / push;
        if push.abs() > 1e-12 && (-1e-9..=1.0 + 1e-9).contains(&share) {
            grouped.retain(|(n, _)| !LIMITS.contains(&n.as_str()));
            for (n, v) in &mut grouped {
                if is_push(n) {
                    *v *= share;
                }
            }
            pushed += push.abs();
            moved += (push * share).abs();
        } else if push.abs() > 1e-12 {
            pushed += push.abs();
            moved += (push + limits).abs();
        }
        for (term, value) in grouped {
            bars.push(plot::DriverBar { year, term, value });
        }
        net.push((year, total));
    }
    // Terms that never matter are summed into `other`, so tables and legends stay readable
    // and the parts still add up.
    lump_small(&mut bars, 1e-4);
    DriverParts {
        bars,
        net,
        passed: (pushed > 1e-12).then(|| moved / pushed),
    }
}

/// Sums the causes that stay at or below `floor` in every year into `other`, so that a legend
/// stays readable and the parts still add up.
fn lump_small(bars: &mut Vec<plot::DriverBar>, floor: f64) {
    let mut big: Vec<&str> = bars
        .iter()
        .filter(|b| b.value.abs() > floor)
        .map(|b| b.term.as_str())
        .collect();
    big.sort_unstable();
    big.dedup();
    let big: Vec<String> = big.into_iter().map(String::from).collect();
    let mut other: BTreeMap<i32, f64> = BTreeMap::new();
    bars.retain(|b| {
        let kept = big.contains(&b.term);
        if !kept {
            *other.entry(b.year).or_insert(0.0) += b.value;
        }
        kept
    });
    if other.values().any(|v| v.abs() > 0.0) {
        bars.extend(other.into_iter().map(|(year, value)| plot::DriverBar {
            year,
            term: "other".to_string(),
            value,
        }));
    }
}

/// How to read a drivers chart, under its legend.
pub fn driver_note(passed: Option<f64>) -> String {
    let mut note =
        "Bar: a cause's part of the\nyear's mean move; the bars add\nup to the black line."
            .to_string();
    if let Some(k) = passed
        && k < 0.995
    {
        note.push_str(&format!(
            "\nThe move cap let through {:.0}%\nof the pushes: each is scaled\nby it (raw: drivers.csv).",
            100.0 * k
        ));
    }
    note
}

/// Writes the drivers chart `drivers_<id>` of power `p` (aggregate, or one domain).
#[allow(clippy::too_many_arguments)]
pub fn drivers_chart(
    dir: &Path,
    fmts: &[Format],
    e: &Ensemble,
    params: &Params,
    p: usize,
    (dom, years): (Option<Domain>, Option<(i32, i32)>),
    marks: &[plot::Mark],
    meta: &Meta,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut parts = driver_parts(e, params, p, dom, years);
    // On a chart, causes below 2% of the largest part in every year are lumped too.
    let largest = parts.bars.iter().map(|b| b.value.abs()).fold(0.0, f64::max);
    lump_small(&mut parts.bars, (0.02 * largest).max(1e-4));
    let power = &params.powers[p];
    let heading = match dom {
        Some(d) => format!("Why closeness to {} moved ({})", power.name, d.name()),
        None => format!("Why closeness to {} moved", power.name),
    };
    let st = styles(params);
    let chart = plot::DriverChart {
        bars: &parts.bars,
        net: &parts.net,
        heading: &heading,
        unit: "Part of the yearly move of closeness (0–1 scale)",
        note: Some(driver_note(parts.passed)),
        powers: &st,
        marks,
    };
    plot::drivers(dir, fmts, &format!("drivers_{}", power.id), &chart, meta)
}

/// The powers whose drivers a run draws: the two whose closeness moved most, then the sender
/// of every threat that is pending or in force in some run, in power order.
pub fn drivers_shown(summary: &Summary, params: &Params) -> Vec<usize> {
    let mut shown = movers(summary, params, 2);
    for t in &params.threats {
        let sender = &params.powers[t.sender].id;
        let active = ["threatened", "imposed"].iter().any(|stage| {
            summary
                .get(&format!("threat_{stage}.{}", t.id), sender, t.domain.name())
                .is_some_and(|q| q.iter().any(|q| q.mean > 0.0))
        });
        if active && !shown.contains(&t.sender) {
            shown.push(t.sender);
        }
    }
    shown
}

/// The threats of a parameter set as the timeline shows them.
pub fn threat_infos(params: &Params) -> Vec<plot::ThreatInfo> {
    params
        .threats
        .iter()
        .map(|t| plot::ThreatInfo {
            id: t.id.clone(),
            sender: params.powers[t.sender].id.clone(),
            domain: t.domain.name().to_string(),
            title: format!(
                "{}: {} over {} ties to {} (red line {})",
                t.id,
                params.powers[t.sender].name,
                t.domain.name(),
                params.powers[t.rival].name,
                t.red_line
            ),
        })
        .collect()
}

/// The panels of the accession figure: membership credibility with the accession power's
/// offer, then the support for membership.
pub fn accession_panels(params: &Params) -> Vec<plot::SeriesPanel> {
    use crate::stats::SeriesKey;
    let a = params.accession_power.unwrap_or(params.alignment.with);
    let power = &params.powers[a];
    vec![
        plot::SeriesPanel {
            title: format!(
                "Membership credibility and the {} accession offer",
                power.id
            ),
            unit: "Credibility, offer (0–1)".to_string(),
            scale: 1.0,
            range: Some((0.0, 1.0)),
            series: vec![
                plot::PanelSeries {
                    key: SeriesKey::new("credibility", "", ""),
                    label: "membership credibility".to_string(),
                    color: [90, 60, 150],
                },
                plot::PanelSeries {
                    key: SeriesKey::new("instrument.accession", &power.id, ""),
                    label: format!("{} accession offer (intensity)", power.id),
                    color: [0, 45, 110],
                },
            ],
        },
        plot::SeriesPanel {
            title: format!("Support for {} membership", power.id),
            unit: "% of population".to_string(),
            scale: 100.0,
            range: Some((0.0, 100.0)),
            series: vec![plot::PanelSeries {
                key: SeriesKey::new("membership_support", "", ""),
                label: "support for membership".to_string(),
                color: [44, 140, 60],
            }],
        },
    ]
}

/// Elections and scripted events to mark on the time axes: those that happened in at least
/// half of the runs (a label says the share when it is below 95%).
pub fn marks(e: &Ensemble, params: &Params) -> Vec<plot::Mark> {
    use crate::model::record::FiredKind;
    let runs = e.runs.max(1) as f64;
    let mut out = Vec::new();
    for ((y, key), count) in &e.events {
        let share = *count as f64 / runs;
        if share < 0.5 {
            continue;
        }
        let (kind, name) = tables::fired_name(*key, params);
        let mark = if key.kind == FiredKind::Election as u8 {
            plot::MarkKind::Election
        } else if kind == FiredKind::Scripted.name() {
            plot::MarkKind::Event
        } else {
            continue;
        };
        let mut label = match mark {
            plot::MarkKind::Election if name == "snap" => "snap election".to_string(),
            plot::MarkKind::Election => "election".to_string(),
            plot::MarkKind::Event => name.replace('_', " "),
        };
        if share < 0.95 {
            label.push_str(&format!(" ({:.0}%)", 100.0 * share));
        }
        out.push(plot::Mark {
            year: e.summary.years[*y],
            label,
            kind: mark,
        });
    }
    out
}
