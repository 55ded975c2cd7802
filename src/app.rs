//! The commands: each reads its inputs, plans, executes, and hands results to the exporters
//! and plots. Errors carry context; `main` prints them once and picks the exit code.

use crate::cli::{
    CompareArgs, EnsembleArgs, ExplainArgs, FormatArg, MergeArgs, RunArgs, ScenarioArgs,
};
use crate::experiment::{self, Ensemble, Exec, Plan, RunOutput, measures};
use crate::export::{self, OutputDir, tables};
use crate::model::{Domain, Params};
use crate::plot::{self, Format, Meta, PowerStyle};
use crate::scenario::{self, Scenario};
use crate::stats::Summary;
use anyhow::Context;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Writes a command's report to stdout; a reader that closed the pipe early (`| head`) is not
/// an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A mistake in the user's input (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Loads a scenario with overrides.
pub fn load(path: &Path, set: &[String]) -> anyhow::Result<Scenario> {
    Ok(scenario::load(path, set)?)
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

fn threads(e: &EnsembleArgs) -> anyhow::Result<usize> {
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
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(total: usize, quiet: bool, label: &str) -> Progress {
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
    fn tick(&self, _done: usize) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Parses `K/N`.
fn parse_shard(s: &str) -> anyhow::Result<(usize, usize)> {
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

/// The plan of a scenario's ensemble with command-line overrides.
fn plan_for(s: &Scenario, e: &EnsembleArgs) -> anyhow::Result<Plan> {
    let runs = e.runs.unwrap_or(s.runs);
    let seed = e.seed.unwrap_or(s.seed);
    Plan::ensemble(seed, runs, 0).map_err(|err| usage(err.to_string()))
}

fn default_out(name: &str) -> PathBuf {
    Path::new("output").join(name)
}

fn open_out(dir: &Path) -> anyhow::Result<OutputDir> {
    OutputDir::create(dir).map_err(|e| usage(e.to_string()))
}

/// The command line as typed, for manifests and reports.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Runs an ensemble with a progress bar; `sink` sees each run in plan order.
fn execute(
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
    plot::closeness(dir, fmts, &e.summary, &st, &meta)?;
    plot::domains(dir, fmts, &e.summary, &st, &meta)?;
    plot::opinion(dir, fmts, &e.summary, &st, &meta)?;
    plot::instruments(dir, fmts, &e.summary, &st, &meta)?;
    plot::leeway(dir, fmts, &e.summary, &st, &meta)?;
    for p in movers(&e.summary, params, 2) {
        let (bars, net) = driver_bars(e, params, p, None, None);
        let id = &params.powers[p].id;
        plot::drivers(
            dir,
            fmts,
            &format!("drivers_{id}"),
            &bars,
            &net,
            &format!("Why closeness to {} moved", params.powers[p].name),
            &meta,
        )?;
    }
    let plot_seconds = t.elapsed().as_secs_f64();
    let sha = export::sha256_hex(s.resolved_toml.as_bytes());
    let cmd = command_line();
    let report = crate::report::html(
        s,
        e,
        &crate::report::Context {
            seed: plan.master_seed,
            command_line: &cmd,
            scenario_sha256: &sha,
            figures: out.path(),
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
        "first_run": plan.runs.first().map(|r| r.replicate),
        "threads": threads,
        "quantiles": if e.exact { "exact" } else { "histogram sketch (4096 bins)" },
        "wall_seconds": wall,
        "plot_seconds": plot_seconds,
        "seed_rule": "run seed = SplitMix-derived from (master seed, case, replicate); streams per component (ChaCha8)",
        "extra": extra,
    });
    out.write(
        "manifest.json",
        &serde_json::to_vec_pretty(&manifest).context("manifest")?,
    )?;
    Ok(Written { plot_seconds })
}

/// Powers whose median aggregate closeness moved most between the first and last year.
pub fn movers(summary: &Summary, params: &Params, count: usize) -> Vec<usize> {
    let mut moved: Vec<(usize, f64)> = params
        .powers
        .iter()
        .enumerate()
        .filter_map(|(p, power)| {
            let s = summary.get("closeness", &power.id, "")?;
            Some((p, (s[s.len() - 1].p50 - s[0].p50).abs()))
        })
        .collect();
    moved.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    moved.into_iter().take(count).map(|(p, _)| p).collect()
}

/// Driver bars of one power (aggregate over domains, or one domain) and the net move.
pub fn driver_bars(
    e: &Ensemble,
    params: &Params,
    p: usize,
    domain: Option<Domain>,
    years: Option<(i32, i32)>,
) -> (Vec<plot::DriverBar>, Vec<(i32, f64)>) {
    let d = &e.drivers;
    let w = params.government.domain_weights;
    let mut bars = Vec::new();
    let mut net = Vec::new();
    for (y, year) in d.years.iter().enumerate() {
        if let Some((a, b)) = years
            && (*year < a || *year > b)
        {
            continue;
        }
        let mut total = 0.0;
        let mut grouped: Vec<(String, f64)> = Vec::new();
        for (t, term) in d.schema.terms.iter().enumerate() {
            let v = match domain {
                Some(dom) => d.get(y, p, dom.index(), t),
                None => Domain::ALL
                    .iter()
                    .map(|dom| w[dom.index()] * d.get(y, p, dom.index(), t))
                    .sum(),
            };
            total += v;
            let name = d.schema.name(*term, params);
            match grouped.iter_mut().find(|(n, _)| *n == name) {
                Some(g) => g.1 += v,
                None => grouped.push((name, v)),
            }
        }
        for (term, value) in grouped {
            bars.push(plot::DriverBar {
                year: *year,
                term,
                value,
            });
        }
        net.push((*year, total));
    }
    // Drop terms that never matter, so the legend stays readable.
    let keep: Vec<String> = {
        let mut names: Vec<String> = bars.iter().map(|b| b.term.clone()).collect();
        names.dedup();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter(|n| {
                bars.iter()
                    .filter(|b| &b.term == n)
                    .any(|b| b.value.abs() > 1e-4)
            })
            .collect()
    };
    bars.retain(|b| keep.contains(&b.term));
    (bars, net)
}

/// Modification times of the TOML files in a folder (the scenario and the files it extends
/// usually live together).
fn toml_stamps(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .filter_map(|e| Some((e.path(), e.metadata().ok()?.modified().ok()?)))
        .collect();
    v.sort();
    v
}

/// `simulate run --watch`: run, then run again after every save of a scenario file in the
/// scenario's folder. Errors are printed and the watch goes on. Polls twice a second, which
/// also catches editors that save by renaming a new file over the old one.
fn watch(args: &RunArgs) -> anyhow::Result<()> {
    let dir = args
        .scenario
        .scenario
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut seen = toml_stamps(&dir);
    loop {
        if let Err(e) = run_once(args) {
            eprintln!("error: {e:#}");
        }
        eprintln!(
            "watching {} for changes (Ctrl-C to stop)",
            dir.join("*.toml").display()
        );
        loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let now = toml_stamps(&dir);
            if now != seen {
                seen = now;
                break;
            }
        }
    }
}

/// `simulate run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    if args.watch {
        return watch(args);
    }
    run_once(args)
}

fn run_once(args: &RunArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let s = load(&args.scenario.scenario, &args.scenario.set)?;
    if args.bands.is_some() && experiment::bands::discrepancy_columns(&s).is_empty() {
        return Err(usage(format!(
            "--bands decomposed: {} draws no parameter from a posterior with a model-error \
             column (discrepancy.<measure>); write one with `simulate calibrate <scenario> \
             --posterior` and run its posterior.toml",
            s.path.display()
        )));
    }
    let e_args = &args.ensemble;
    let threads = threads(e_args)?;
    let full = plan_for(&s, e_args)?;
    let full_runs = full.runs.len();
    let (plan, shard) = match &args.shard {
        Some(text) => {
            let (k, n) = parse_shard(text)?;
            (
                full.shard(k, n).map_err(|e| usage(e.to_string()))?,
                Some((k, n)),
            )
        }
        None => (full, None),
    };
    let out_path = e_args.out.clone().unwrap_or_else(|| {
        let base = default_out(&s.name);
        match shard {
            Some((k, n)) => base.join(format!("shard-{k}-of-{n}")),
            None => base,
        }
    });
    let out = open_out(&out_path)?;
    let fmts = formats(&e_args.format);
    let keys = measures::series(&s.base);
    let years: Vec<i32> = (s.base.start..=s.base.end).collect();
    let mut runs_writer = if args.keep_runs {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out.create_file("runs.csv")?));
        w.write_record(tables::runs_header(&keys))?;
        Some(w)
    } else {
        None
    };
    let mut sink = |o: &RunOutput| -> anyhow::Result<()> {
        if let Some(w) = runs_writer.as_mut() {
            tables::write_run_rows(w, o, &years, keys.len())?;
        }
        Ok(())
    };
    let sim = Instant::now();
    let mut acc = experiment::Accumulator::new(&s.base, full_runs);
    {
        let progress = Progress::new(plan.runs.len(), e_args.quiet, &s.name);
        let tick = |k: usize| progress.tick(k);
        experiment::execute_into(
            &s,
            &plan,
            &Exec {
                threads,
                progress: &tick,
            },
            &mut acc,
            &mut sink,
        )?;
        progress.finish();
    }
    let sim_seconds = sim.elapsed().as_secs_f64();
    if let Some(mut w) = runs_writer.take() {
        w.flush()?;
    }
    if let Some(kn) = shard {
        crate::shard::write_partial(&out, &s, &acc, &plan, full_runs, kn)?;
    }
    let ensemble = acc.finish();
    let extra = serde_json::json!({
        "simulate_seconds": sim_seconds,
        "shard": shard.map(|(k, n)| format!("{k}/{n}")),
    });
    let wall = started.elapsed().as_secs_f64();
    let written = write_results(&out, &s, &ensemble, &plan, threads, &fmts, wall, extra)?;
    let dominant = match args.bands {
        Some(crate::cli::BandsArg::Decomposed) => {
            write_bands(&out, &s, &plan, threads, &fmts, e_args.quiet)?
        }
        None => Vec::new(),
    };
    out.commit()?;
    for line in dominant {
        println!("{line}");
    }
    if !e_args.quiet {
        let total = started.elapsed().as_secs_f64();
        eprintln!(
            "{}: {} runs in {:.2} s ({:.0} runs/s; plots {:.2} s) -> {}",
            s.name,
            ensemble.runs,
            total,
            ensemble.runs as f64 / sim_seconds.max(1e-9),
            written.plot_seconds,
            out_path.display()
        );
    }
    Ok(())
}

/// `--bands decomposed`: nested bands by source, `bands.csv`, and one line per series saying
/// which source dominates (returned, printed after the commit).
fn write_bands(
    out: &OutputDir,
    s: &Scenario,
    plan: &Plan,
    threads: usize,
    fmts: &[Format],
    quiet: bool,
) -> anyhow::Result<Vec<String>> {
    use crate::experiment::bands::{self, SOURCES};
    let Some(d) = bands::decompose(s, plan, threads)? else {
        return Err(usage(format!(
            "--bands decomposed: {} draws no parameter from a posterior with a model-error \
             column (discrepancy.<measure>); write one with `simulate calibrate <scenario> \
             --posterior` and run its posterior.toml",
            s.path.display()
        )));
    };
    let mut rows = vec![vec![
        "year".to_string(),
        "measure".into(),
        "power".into(),
        "run_noise_sd".into(),
        "parameter_sd".into(),
        "discrepancy_sd".into(),
        "dominant".into(),
    ]];
    let mut lines = Vec::new();
    if !quiet {
        lines.push(format!(
            "{:<28} {:>10} {:>10} {:>12}  dominant (variance over the years)",
            "series", "run sd", "param sd", "discrep. sd"
        ));
    }
    let mut panels = Vec::new();
    for b in &d.series {
        for (y, sd) in d.years.iter().zip(&b.sd) {
            let top = (0..3).max_by(|i, j| sd[*i].total_cmp(&sd[*j])).unwrap_or(0);
            rows.push(vec![
                y.to_string(),
                b.key.measure.clone(),
                b.key.power.clone(),
                format!("{:.6}", sd[0]),
                format!("{:.6}", sd[1]),
                format!("{:.6}", sd[2]),
                SOURCES[top].to_string(),
            ]);
        }
        let n = b.sd.len().max(1) as f64;
        let rms = |k: usize| (b.sd.iter().map(|s| s[k] * s[k]).sum::<f64>() / n).sqrt();
        let name = if b.key.power.is_empty() {
            b.key.measure.clone()
        } else {
            format!("{} {}", b.key.measure, b.key.power)
        };
        if !quiet {
            lines.push(format!(
                "{name:<28} {:>10.4} {:>10.4} {:>12.4}  {}",
                rms(0),
                rms(1),
                rms(2),
                SOURCES[b.dominant()]
            ));
        }
        panels.push(plot::BandPanel {
            title: format!(
                "{name}: {}",
                ["run noise", "parameters", "discrepancy"][b.dominant()]
            ),
            run: &b.run,
            parameter: &b.parameter,
            total: &b.total,
        });
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.write_record(r)?;
    }
    out.write("bands.csv", &w.into_inner()?)?;
    let meta = Meta {
        title: s.name.clone(),
        subtitle: format!(
            "{} runs · seed {} · simulate {}",
            plan.runs.len(),
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    plot::decomposed(out.path(), fmts, "bands", &d.years, &panels, &meta)?;
    Ok(lines)
}

/// `simulate check`.
pub fn check(args: &ScenarioArgs) -> anyhow::Result<()> {
    let s = load(&args.scenario, &args.set)?;
    let mut buf = String::new();
    let _ = writeln!(
        buf,
        "{}: valid. {} powers ({}), {}–{}, {} runs, seed {}, {} uncertain parameters, {} scripted events, {} random events, {} rules, {} threats",
        s.path.display(),
        s.base.n_powers(),
        s.base
            .powers
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        s.base.start,
        s.base.end,
        s.runs,
        s.seed,
        s.uncertain.len(),
        s.base.events.len(),
        s.base.random_events.len(),
        s.base.rules.len(),
        s.base.threats.len(),
    );
    emit(&buf)
}

/// `simulate describe`.
pub fn describe(args: &ScenarioArgs) -> anyhow::Result<()> {
    let s = load(&args.scenario, &args.set)?;
    let rows = scenario::describe(&s);
    let mut buf = String::new();
    let _ = writeln!(
        buf,
        "rest point (structural ties, starting instruments) solved from: {}\n\
         every value below that differs from it acts as a policy change from {}\n",
        s.reference_text(),
        s.base.start
    );
    let w = rows.iter().map(|r| r.path.len()).max().unwrap_or(10).max(9);
    let _ = writeln!(
        buf,
        "{:<w$}  {:>12}  {:<26}  {:<18}  {:<4}  source / distribution",
        "parameter", "value", "unit", "allowed", "conf"
    );
    for r in rows {
        let extra = match (&r.dist, &r.source) {
            (Some(d), Some(src)) => format!("{d}; {src}"),
            (Some(d), None) => d.clone(),
            (None, Some(src)) => src.clone(),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            buf,
            "{:<w$}  {:>12}  {:<26}  {:<18}  {:<4}  {}",
            r.path,
            format_value(r.value),
            r.unit,
            r.range,
            r.confidence.as_deref().unwrap_or(""),
            extra
        );
    }
    emit(&buf)
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').to_string()
    }
}

/// Year of the first crossing of 0.5 by the median, if any.
fn crossing(series: &[crate::stats::Quantiles], years: &[i32]) -> Option<i32> {
    let above0 = series.first()?.p50 >= 0.5;
    series
        .iter()
        .zip(years)
        .find(|(q, _)| (q.p50 >= 0.5) != above0)
        .map(|(_, y)| *y)
}

/// `simulate compare`.
pub fn compare(args: &CompareArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let scenarios: Vec<Scenario> = args
        .scenarios
        .iter()
        .map(|p| load(p, &args.set))
        .collect::<anyhow::Result<_>>()?;
    let first = &scenarios[0];
    let ids: Vec<&str> = first.base.powers.iter().map(|p| p.id.as_str()).collect();
    for s in &scenarios[1..] {
        let other: Vec<&str> = s.base.powers.iter().map(|p| p.id.as_str()).collect();
        if other != ids || s.base.start != first.base.start || s.base.end != first.base.end {
            return Err(usage(format!(
                "cannot compare '{}' with '{}': they must declare the same powers ({}) and years ({}–{})",
                s.path.display(),
                first.path.display(),
                ids.join(", "),
                first.base.start,
                first.base.end
            )));
        }
    }
    let e_args = &args.ensemble;
    let threads = threads(e_args)?;
    let plan = plan_for(first, e_args)?;
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let out_path = e_args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&format!("compare_{}", names.join("_vs_"))));
    let out = open_out(&out_path)?;
    let fmts = formats(&e_args.format);
    let mut results = Vec::new();
    for s in &scenarios {
        results.push(execute(s, &plan, threads, e_args.quiet, &mut |_| Ok(()))?);
    }
    // Table of differences.
    let mut buf = String::new();
    let years = &results[0].summary.years;
    let last = years.len() - 1;
    let mut rows = Vec::new();
    let _ = writeln!(
        buf,
        "{:<22} {:<5} {:>8} {:>16} {:>9} {:>10} {:>10}",
        "scenario", "power", "median", "90% band", "vs first", "crosses .5", "collapse→"
    );
    for (s, e) in scenarios.iter().zip(&results) {
        for (p, id) in ids.iter().enumerate() {
            let Some(series) = e.summary.get("closeness", id, "") else {
                continue;
            };
            let base = results[0]
                .summary
                .get("closeness", id, "")
                .map_or(f64::NAN, |b| b[last].p50);
            let q = series[last];
            let cross = crossing(series, years);
            let share = e.camps[p] as f64 / e.runs.max(1) as f64;
            let _ = writeln!(
                buf,
                "{:<22} {:<5} {:>8.3} {:>7.3} – {:<6.3} {:>+9.3} {:>10} {:>9.0}%",
                s.name,
                id,
                q.p50,
                q.p5,
                q.p95,
                q.p50 - base,
                cross.map_or("-".to_string(), |y| y.to_string()),
                100.0 * share
            );
            rows.push(serde_json::json!({
                "scenario": s.name, "power": id, "year": years[last],
                "median": q.p50, "p5": q.p5, "p95": q.p95,
                "median_minus_first": q.p50 - base,
                "crosses_half": cross, "share_collapsed_toward": share,
            }));
        }
    }
    let table: Vec<CompareRow> = rows
        .iter()
        .map(|r| CompareRow {
            scenario: r["scenario"].as_str().unwrap_or_default().to_string(),
            power: r["power"].as_str().unwrap_or_default().to_string(),
            year: r["year"].as_i64().unwrap_or_default(),
            median: fixed(r["median"].as_f64()),
            p5: fixed(r["p5"].as_f64()),
            p95: fixed(r["p95"].as_f64()),
            median_minus_first: fixed(r["median_minus_first"].as_f64()),
            crosses_half: r["crosses_half"]
                .as_i64()
                .map(|y| y.to_string())
                .unwrap_or_default(),
            share_collapsed_toward: fixed(r["share_collapsed_toward"].as_f64()),
        })
        .collect();
    out.write("compare.csv", &tables::table_csv(&table)?)?;
    // Per-term differences of the drivers against the first scenario (common random numbers).
    let diff = driver_differences(&scenarios, &results);
    out.write("compare_drivers.csv", &tables::table_csv(&diff)?)?;
    print_driver_differences(&mut buf, &diff);
    emit(&buf)?;
    for (s, e) in scenarios.iter().zip(&results) {
        let rows = tables::summary_rows(&e.summary, &measures::series(&s.base));
        out.write(
            &format!("summary_{}.csv", s.name),
            &tables::table_csv(&rows)?,
        )?;
    }
    let meta = Meta {
        title: names.join(" vs "),
        subtitle: format!(
            "{} runs each on common random numbers · seed {} · simulate {}",
            plan.runs.len(),
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    let arms: Vec<plot::Arm> = scenarios
        .iter()
        .zip(&results)
        .map(|(s, e)| plot::Arm {
            name: &s.name,
            summary: &e.summary,
        })
        .collect();
    plot::compare(out.path(), &fmts, &arms, &styles(&first.base), &meta)?;
    let manifest = serde_json::json!({
        "tool": "simulate", "version": env!("CARGO_PKG_VERSION"),
        "command_line": command_line(),
        "scenarios": scenarios.iter().map(|s| serde_json::json!({
            "name": s.name, "path": s.path.display().to_string(),
            "sha256": export::sha256_hex(s.resolved_toml.as_bytes())})).collect::<Vec<_>>(),
        "master_seed": plan.master_seed, "runs": plan.runs.len(), "threads": threads,
        "common_random_numbers": true,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    let mut references = std::collections::BTreeMap::new();
    for s in &scenarios {
        out.write(
            &format!("{}.resolved.toml", s.name),
            s.resolved_toml.as_bytes(),
        )?;
        references.extend(s.reference_file());
    }
    for (name, text) in references {
        out.write(&name, text.as_bytes())?;
    }
    out.commit()?;
    if !e_args.quiet {
        eprintln!(
            "compared {} scenarios × {} runs in {:.2} s -> {}",
            scenarios.len(),
            plan.runs.len(),
            started.elapsed().as_secs_f64(),
            out_path.display()
        );
    }
    Ok(())
}

fn fixed(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.6}"))
        .unwrap_or_default()
}

impl tables::Header for CompareRow {
    const HEADER: &'static [&'static str] = &[
        "scenario",
        "power",
        "year",
        "median",
        "p5",
        "p95",
        "median_minus_first",
        "crosses_half",
        "share_collapsed_toward",
    ];
}

impl tables::Header for DriverDiff {
    const HEADER: &'static [&'static str] = &["scenario", "power", "term", "total", "minus_first"];
}

/// A row of `compare.csv`.
#[derive(serde::Serialize)]
struct CompareRow {
    scenario: String,
    power: String,
    year: i64,
    median: String,
    p5: String,
    p95: String,
    median_minus_first: String,
    crosses_half: String,
    share_collapsed_toward: String,
}

/// A row of `compare_drivers.csv`: how much a term's summed push on closeness differs from
/// the first scenario over the whole horizon (ensemble means, common random numbers).
#[derive(serde::Serialize, Clone)]
pub struct DriverDiff {
    scenario: String,
    power: String,
    term: String,
    total: String,
    minus_first: String,
    #[serde(skip)]
    raw: f64,
}

fn driver_differences(scenarios: &[Scenario], results: &[Ensemble]) -> Vec<DriverDiff> {
    let params = &scenarios[0].base;
    let w = params.government.domain_weights;
    let total = |e: &Ensemble, s: &Scenario, p: usize| -> Vec<(String, f64)> {
        let d = &e.drivers;
        let mut out: Vec<(String, f64)> = Vec::new();
        for (t, term) in d.schema.terms.iter().enumerate() {
            let name = d.schema.name(*term, &s.base);
            let v: f64 = (0..d.years.len())
                .map(|y| {
                    Domain::ALL
                        .iter()
                        .map(|dom| w[dom.index()] * d.get(y, p, dom.index(), t))
                        .sum::<f64>()
                })
                .sum();
            out.push((name, v));
        }
        out
    };
    let mut rows = Vec::new();
    for (s, e) in scenarios.iter().zip(results) {
        for (p, power) in params.powers.iter().enumerate() {
            let base = total(&results[0], &scenarios[0], p);
            for (name, v) in total(e, s, p) {
                let b = base
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(0.0, |(_, x)| *x);
                rows.push(DriverDiff {
                    scenario: s.name.clone(),
                    power: power.id.clone(),
                    term: name,
                    total: format!("{v:.6}"),
                    minus_first: format!("{:.6}", v - b),
                    raw: v - b,
                });
            }
        }
    }
    rows
}

/// Terms that respond to a move rather than cause it: they resist or limit whatever the
/// scenario's own forces do.
fn is_response(term: &str) -> bool {
    matches!(
        term,
        "autonomy_cost"
            | "public_opinion"
            | "option_value"
            | "inertia"
            | "move_cap"
            | "bounds"
            | "noise"
            | "structural_ties"
    )
}

fn print_driver_differences(buf: &mut String, rows: &[DriverDiff]) {
    let mut big: Vec<&DriverDiff> = rows.iter().filter(|r| r.raw.abs() > 0.005).collect();
    if big.is_empty() {
        return;
    }
    big.sort_by(|a, b| b.raw.abs().total_cmp(&a.raw.abs()));
    let _ = writeln!(
        buf,
        "\nforces that made the gap (ensemble means summed over all years, aggregate closeness, vs the first scenario)"
    );
    for (heading, responses, count) in [
        ("pushes (offers, threats, sanctions, rivalry):", false, 10),
        ("responses (what resisted or limited the move):", true, 5),
    ] {
        let _ = writeln!(buf, "  {heading}");
        for r in big
            .iter()
            .filter(|r| is_response(&r.term) == responses)
            .take(count)
        {
            let _ = writeln!(
                buf,
                "    {:<22} {:<5} {:<28} {:+.3}",
                r.scenario, r.power, r.term, r.raw
            );
        }
    }
}

/// `simulate explain`.
pub fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let s = load(&args.scenario.scenario, &args.scenario.set)?;
    let e_args = &args.ensemble;
    let threads = threads(e_args)?;
    let plan = plan_for(&s, e_args)?;
    let params = &s.base;
    let powers: Vec<usize> = match &args.power {
        Some(id) => vec![params.power_index(id).ok_or_else(|| {
            usage(format!(
                "--power '{id}': unknown power; declared powers are {}",
                params
                    .powers
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?],
        None => (0..params.n_powers()).collect(),
    };
    let domain = match &args.domain {
        Some(d) => Some(Domain::parse(d).ok_or_else(|| {
            usage(format!(
                "--domain '{d}': allowed economy, security, technology, diplomacy"
            ))
        })?),
        None => None,
    };
    let years = match &args.years {
        Some(text) => {
            let bad = || usage(format!("--years '{text}': expected A..B, e.g. 2025..2030"));
            let (a, b) = text.split_once("..").ok_or_else(bad)?;
            let a: i32 = a.trim().parse().map_err(|_| bad())?;
            let b: i32 = b.trim().parse().map_err(|_| bad())?;
            if a > b {
                return Err(usage(format!(
                    "--years '{text}': the first year must not be after the last, e.g. 2025..2030"
                )));
            }
            if b < params.start || a > params.end {
                return Err(usage(format!(
                    "--years '{text}': the scenario runs {}..{}",
                    params.start, params.end
                )));
            }
            Some((a, b))
        }
        None => None,
    };
    let out_path = e_args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&s.name).join("explain"));
    let out = open_out(&out_path)?;
    let ensemble = execute(&s, &plan, threads, e_args.quiet, &mut |_| Ok(()))?;
    let all_rows = tables::driver_rows(&ensemble, params);
    let dom_name = domain.map_or("", |d| d.name());
    let rows: Vec<tables::DriverRow> = all_rows
        .into_iter()
        .filter(|r| {
            powers.iter().any(|p| params.powers[*p].id == r.power)
                && r.domain == dom_name
                && years.is_none_or(|(a, b)| r.year >= a && r.year <= b)
        })
        .collect();
    out.write("drivers.csv", &tables::table_csv(&rows)?)?;
    let fmts = formats(&e_args.format);
    let mut buf = String::new();
    let meta = Meta {
        title: s.name.clone(),
        subtitle: format!(
            "{} runs · seed {} · ensemble means · simulate {}",
            ensemble.runs,
            plan.master_seed,
            env!("CARGO_PKG_VERSION")
        ),
    };
    for &p in &powers {
        let (bars, net) = driver_bars(&ensemble, params, p, domain, years);
        let power = &params.powers[p];
        let where_ = domain.map_or("all domains".to_string(), |d| d.name().to_string());
        print_explain(&mut buf, power.id.as_str(), &where_, &bars, &net);
        plot::drivers(
            out.path(),
            &fmts,
            &format!("drivers_{}", power.id),
            &bars,
            &net,
            &format!("Why closeness to {} moved ({where_})", power.name),
            &meta,
        )?;
    }
    out.commit()?;
    emit(&buf)?;
    if !e_args.quiet {
        eprintln!("drivers written to {}", out_path.display());
    }
    Ok(())
}

fn print_explain(
    buf: &mut String,
    id: &str,
    where_: &str,
    bars: &[plot::DriverBar],
    net: &[(i32, f64)],
) {
    let _ = writeln!(
        buf,
        "\n{id} ({where_}): ensemble-mean change in closeness per year, by cause"
    );
    let mut terms: Vec<&str> = Vec::new();
    for b in bars {
        if !terms.contains(&b.term.as_str()) {
            terms.push(&b.term);
        }
    }
    let _ = write!(buf, "{:<26}", "term");
    for (y, _) in net {
        let _ = write!(buf, " {y:>7}");
    }
    let _ = writeln!(buf);
    for t in &terms {
        let _ = write!(buf, "{t:<26}");
        for (y, _) in net {
            let v = bars
                .iter()
                .find(|b| b.year == *y && b.term == *t)
                .map_or(0.0, |b| b.value);
            let _ = write!(buf, " {v:>+7.3}");
        }
        let _ = writeln!(buf);
    }
    let _ = write!(buf, "{:<26}", "net move");
    for (_, v) in net {
        let _ = write!(buf, " {v:>+7.3}");
    }
    let _ = writeln!(buf);
}

/// `simulate merge`.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    crate::shard::merge(args, &formats(&args.format))
}
