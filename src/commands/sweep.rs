//! `simulate sweep`: vary one or two parameters over a grid (`--param PATH=A:B:N` or the
//! scenario's `[sweep]` table), run each case, and write the tipping diagram (1-D) or
//! heatmaps (2-D) with tidy tables. The plan is expanded and checked before the first run.

use super::common::study::{self as io, Fold, RowsFile, Source, num, usage};
use crate::checkpoint::{Bytes, Reader};
use crate::cli::SweepArgs;
use crate::experiment::study::{Apply, Order, Probe, Study, StudyRun, measure_slot};
use crate::experiment::sweep::{self, Axis, CaseSummary, Tally};
use crate::plot::{self, HeatPanel, Sweep1, Sweep2};
use crate::scenario::Scenario;
use serde::Deserialize;
use std::fmt::Write as _;

/// Runs per case unless `--runs` or `[sweep] runs` says otherwise.
const DEFAULT_RUNS: usize = 50;

/// The `[sweep]` table of a scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepTable {
    /// Axes, `PATH=A:B:N` each.
    #[serde(default)]
    params: Vec<String>,
    /// Runs per case.
    runs: Option<usize>,
    /// Year summarised.
    year: Option<i32>,
}

fn table(s: &Scenario) -> anyhow::Result<Option<SweepTable>> {
    let Some(t) = &s.sweep else { return Ok(None) };
    toml::Value::Table(t.clone())
        .try_into::<SweepTable>()
        .map(Some)
        .map_err(|e| {
            usage(format!(
                "{}: [sweep]: {} (allowed keys: params = [\"PATH=A:B:N\", ...], runs, year)",
                s.path.display(),
                e.message()
            ))
        })
}

/// The measures each run reports, in this order: closeness to each power, leeway, hedging.
fn tracked(s: &Scenario) -> anyhow::Result<(Vec<String>, Vec<usize>)> {
    let mut names: Vec<String> = s
        .base
        .powers
        .iter()
        .map(|p| format!("closeness.{}", p.id))
        .collect();
    names.push("leeway".into());
    names.push("hedging".into());
    let slots = names
        .iter()
        .map(|n| measure_slot(&s.base, n).map_err(|e| anyhow::anyhow!(e)))
        .collect::<anyhow::Result<_>>()?;
    Ok((names, slots))
}

/// The tally of the cases and the rows of `sweep_runs.csv`.
struct Cases<'a> {
    tally: Tally,
    year: i32,
    points: &'a [Vec<f64>],
    ids: &'a [String],
}

impl Fold for Cases<'_> {
    fn add(&mut self, r: &StudyRun, row: &mut Vec<String>) {
        self.tally.add(r.point, &r.values, r.broke, r.camp);
        row.extend([
            r.point.to_string(),
            r.replicate.to_string(),
            r.seed.to_string(),
            self.year.to_string(),
        ]);
        row.extend(self.points[r.point].iter().map(|v| num(*v)));
        row.extend(r.values.iter().map(|v| num(*v)));
        row.push(u8::from(r.broke).to_string());
        row.push(r.camp.map(|c| self.ids[c].clone()).unwrap_or_default());
    }
    fn save(&self, w: &mut Bytes) {
        self.tally.save(w);
    }
    fn restore(&mut self, r: &mut Reader<'_>) -> Result<(), String> {
        self.tally.load(r, false)
    }
    fn merge(&mut self, r: &mut Reader<'_>) -> Result<(), String> {
        self.tally.load(r, true)
    }
}

/// `simulate sweep`.
pub fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    sweep_from(args, &Source::Run(&args.control))
}

/// `simulate sweep`, its runs from `source` (run now, or merged from shards).
pub fn sweep_from(args: &SweepArgs, source: &Source<'_>) -> anyhow::Result<()> {
    let s = io::load_scenario(&args.scenario, source)?;
    let from_file = table(&s)?;
    let texts: Vec<String> = if args.params.is_empty() {
        from_file
            .as_ref()
            .map(|t| t.params.clone())
            .unwrap_or_default()
    } else {
        args.params.clone()
    };
    if texts.is_empty() {
        return Err(usage(
            "nothing to sweep: give --param PATH=A:B:N (up to two) or a [sweep] table with params",
        ));
    }
    if texts.len() > 2 {
        return Err(usage(format!(
            "{} parameters given: a sweep takes one (tipping diagram) or two (heatmaps)",
            texts.len()
        )));
    }
    let axes: Vec<Axis> = texts
        .iter()
        .map(|t| sweep::parse_axis(t, s.base.spec()).map_err(|e| usage(format!("--param {e}"))))
        .collect::<anyhow::Result<_>>()?;
    if axes.len() == 2 && axes[0].path == axes[1].path {
        return Err(usage(format!("parameter {} is swept twice", axes[0].path)));
    }
    let e = &args.ensemble;
    let runs = match e.runs {
        Some(_) => io::runs_per_point(e, DEFAULT_RUNS)?,
        None => from_file
            .as_ref()
            .and_then(|t| t.runs)
            .unwrap_or(DEFAULT_RUNS)
            .max(1),
    };
    let year = io::study_year(&s, args.year.or(from_file.as_ref().and_then(|t| t.year)))?;
    let seed = e.seed.unwrap_or(s.seed);
    let threads = io::threads(e)?;
    let cases = sweep::grid(&axes);
    let targets = axes.iter().map(|a| a.target).collect();
    let study = Study::new(
        &s,
        targets,
        cases,
        runs,
        seed,
        year,
        Order::Interleaved,
        Apply::Change,
    )
    .map_err(|err| usage(err.to_string()))?;
    let (names, slots) = tracked(&s)?;
    let probe = Probe {
        slots,
        years: vec![(year - s.base.start) as usize],
    };
    let shard = io::shard_of(source)?;
    let out = io::open_out(&s, e, "sweep", shard)?;

    let n_powers = s.base.n_powers();
    let mut header: Vec<String> = ["case", "replicate", "seed", "year"]
        .map(String::from)
        .to_vec();
    header.extend(axes.iter().map(|a| a.path.clone()));
    header.extend(names.iter().cloned());
    header.extend(["hedge_broke".into(), "camp".into()]);
    let ids: Vec<String> = s.base.powers.iter().map(|p| p.id.clone()).collect();
    let points = study.points().to_vec();
    let mut fold = Cases {
        tally: Tally::new(points.len(), names.len(), n_powers),
        year,
        points: &points,
        ids: &ids,
    };
    let key = io::study_key("sweep", &s, &study, &probe, serde_json::json!({}));
    let rows = RowsFile {
        name: "sweep_runs.csv",
        header: &header,
    };
    let ran = io::run_study(source, key, &out, &study, &probe, e, &mut fold, Some(rows))?;
    if ran.shard.is_some() {
        return io::finish_shard(out, &s, "sweep", seed, &ran, &fold, e.quiet);
    }
    let seconds = ran.seconds;
    let summary = fold.tally.finish();
    write_tables(&out, &axes, &points, &names, &ids, &summary)?;

    let leeway_at = names.len() - 2;
    let mut report = String::new();
    let fmts = crate::commands::common::formats(&e.format);
    let styles = crate::commands::common::styles(&s.base);
    let meta = io::meta(
        &s,
        &format!(
            "{} cases × {runs} runs · year {year} · seed {seed}",
            points.len()
        ),
    );
    let mut tipping = None;
    if axes.len() == 1 {
        let x = &axes[0].values;
        let med: Vec<(f64, f64)> = x
            .iter()
            .zip(&summary)
            .map(|(x, c)| (*x, c.measures[leeway_at].p50))
            .collect();
        tipping = sweep::zero_crossing(&med);
        let fig = Sweep1 {
            param: &axes[0].path,
            year,
            x,
            closeness: (0..n_powers)
                .map(|p| summary.iter().map(|c| c.measures[p]).collect())
                .collect(),
            collapse: (0..n_powers)
                .map(|p| summary.iter().map(|c| c.camps[p]).collect())
                .collect(),
            leeway: summary.iter().map(|c| c.measures[leeway_at]).collect(),
            tipping,
        };
        plot::tipping(out.path(), &fmts, &fig, &styles, &meta)?;
        let _ = match tipping {
            Some(t) => writeln!(
                report,
                "{}: median leeway in {year} crosses zero at {} = {} (tipping point).",
                s.name,
                axes[0].path,
                fmt3(t)
            ),
            None => writeln!(
                report,
                "{}: median leeway in {year} does not cross zero over {} = {}..{}.",
                s.name,
                axes[0].path,
                fmt3(x[0]),
                fmt3(x[x.len() - 1])
            ),
        };
    } else {
        heatmaps(&out, &fmts, &axes, &summary, &styles, &meta, leeway_at)?;
        let _ = writeln!(
            report,
            "{}: {} × {} cases; heatmaps with the median-leeway zero contour written.",
            s.name,
            axes[0].values.len(),
            axes[1].values.len()
        );
    }
    write_case_report(&mut report, &axes, &points, &names, &ids, &summary);
    io::write_manifest(
        &out,
        &s,
        "sweep",
        &io::Ran {
            seed,
            runs: study.len(),
            threads,
            seconds,
            executed: Some(&ran),
        },
        serde_json::json!({
            "axes": axes.iter().map(|a| serde_json::json!({"path": a.path, "values": a.values})).collect::<Vec<_>>(),
            "runs_per_case": runs,
            "year": year,
            "order": "interleaved: replicate 0 of every case, then replicate 1, ...",
            "tipping_point": tipping,
        }),
    )?;
    let target = out.target().display().to_string();
    out.commit()?;
    ran.clear_checkpoint()?;
    if !e.quiet {
        eprintln!(
            "{}: {} runs in {seconds:.2} s ({:.0} runs/s) -> {target}",
            s.name,
            study.len(),
            study.len() as f64 / seconds.max(1e-9)
        );
    }
    io::emit(&report)
}

fn fmt3(v: f64) -> String {
    format!("{v:.3}")
}

fn heatmaps(
    out: &crate::export::OutputDir,
    fmts: &[crate::plot::Format],
    axes: &[Axis],
    summary: &[CaseSummary],
    styles: &[crate::plot::PowerStyle],
    meta: &crate::plot::Meta,
    leeway_at: usize,
) -> anyhow::Result<()> {
    let fig = Sweep2 {
        x_param: &axes[0].path,
        y_param: &axes[1].path,
        x: &axes[0].values,
        y: &axes[1].values,
        leeway: summary.iter().map(|c| c.measures[leeway_at].p50).collect(),
    };
    let median: Vec<HeatPanel> = styles
        .iter()
        .enumerate()
        .map(|(p, st)| HeatPanel {
            title: format!("Median closeness to {}", st.name),
            values: summary.iter().map(|c| c.measures[p].p50).collect(),
        })
        .collect();
    plot::heatmaps(
        out.path(),
        fmts,
        "heatmap_closeness",
        "median closeness over two parameters",
        &fig,
        &median,
        meta,
    )?;
    let mut collapse = vec![HeatPanel {
        title: "Hedge broke (any power)".into(),
        values: summary.iter().map(|c| c.broke).collect(),
    }];
    collapse.extend(styles.iter().enumerate().map(|(p, st)| HeatPanel {
        title: format!("Collapsed toward {}", st.name),
        values: summary.iter().map(|c| c.camps[p]).collect(),
    }));
    plot::heatmaps(
        out.path(),
        fmts,
        "heatmap_collapse",
        "share of runs whose hedge collapsed",
        &fig,
        &collapse,
        meta,
    )?;
    Ok(())
}

/// `sweep.csv` (one row per case and measure) and `sweep_cases.csv` (one row per case:
/// break and collapse shares).
fn write_tables(
    out: &crate::export::OutputDir,
    axes: &[Axis],
    points: &[Vec<f64>],
    names: &[String],
    ids: &[String],
    summary: &[CaseSummary],
) -> anyhow::Result<()> {
    let mut w = io::csv_file(out, "sweep.csv")?;
    let mut h: Vec<String> = vec!["case".into()];
    h.extend(axes.iter().map(|a| a.path.clone()));
    h.extend(
        ["measure", "runs", "mean", "p5", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|s| s.to_string()),
    );
    w.write_record(&h)?;
    for (k, (p, c)) in points.iter().zip(summary).enumerate() {
        for (name, q) in names.iter().zip(&c.measures) {
            let mut row = vec![k.to_string()];
            row.extend(p.iter().map(|v| num(*v)));
            row.push(name.clone());
            row.push(c.runs.to_string());
            row.extend([q.mean, q.p5, q.p25, q.p50, q.p75, q.p95].map(num));
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    let mut w = io::csv_file(out, "sweep_cases.csv")?;
    let mut h: Vec<String> = vec!["case".into()];
    h.extend(axes.iter().map(|a| a.path.clone()));
    h.push("runs".into());
    h.push("hedge_broke_share".into());
    h.extend(ids.iter().map(|id| format!("collapse_share.{id}")));
    w.write_record(&h)?;
    for (k, (p, c)) in points.iter().zip(summary).enumerate() {
        let mut row = vec![k.to_string()];
        row.extend(p.iter().map(|v| num(*v)));
        row.push(c.runs.to_string());
        row.push(num(c.broke));
        row.extend(c.camps.iter().map(|v| num(*v)));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// A short table of the cases on stdout (at most 25 rows).
fn write_case_report(
    buf: &mut String,
    axes: &[Axis],
    points: &[Vec<f64>],
    names: &[String],
    ids: &[String],
    summary: &[CaseSummary],
) {
    let leeway_at = names.len() - 2;
    let widths: Vec<usize> = axes
        .iter()
        .map(|a| a.path.chars().count().max(10))
        .collect();
    let head: Vec<String> = axes
        .iter()
        .zip(&widths)
        .map(|(a, w)| format!("{:>w$}", a.path))
        .collect();
    let _ = write!(buf, "{}  {:>8}", head.join(" "), "leeway");
    for id in ids {
        let _ = write!(buf, " {:>7}", format!("close.{id}"));
    }
    let _ = writeln!(buf, " {:>6}  collapsed toward", "broke");
    let step = points.len().div_ceil(25).max(1);
    for (p, c) in points.iter().zip(summary).step_by(step) {
        let vals: Vec<String> = p
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:>w$.3}"))
            .collect();
        let _ = write!(
            buf,
            "{}  {:>8.3}",
            vals.join(" "),
            c.measures[leeway_at].p50
        );
        for q in &c.measures[..ids.len()] {
            let _ = write!(buf, " {:>7.3}", q.p50);
        }
        let camps: Vec<String> = ids
            .iter()
            .zip(&c.camps)
            .filter(|(_, v)| **v > 0.0)
            .map(|(id, v)| format!("{id} {:.0}%", v * 100.0))
            .collect();
        let _ = writeln!(buf, " {:>5.0}%  {}", c.broke * 100.0, camps.join(", "));
    }
}
