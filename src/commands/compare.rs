//! `simulate compare`: several scenarios on common random numbers, a table of differences
//! (which way and when each median crosses 0.5), the forces that made the gap, the figures
//! (overlay, small multiples per scenario, run-by-run differences from the first scenario,
//! domains, threats and sanctions, the membership perspective) and `report.html`.

use super::common::{
    accession_panels, command_line, default_out, driver_parts, emit, execute, formats, load, marks,
    open_out, plan_for, styles, threads, threat_infos, usage,
};
use crate::cli::CompareArgs;
use crate::experiment::{Ensemble, measures};
use crate::export::{self, tables};
use crate::plot::{self, Meta};
use crate::scenario::Scenario;
use crate::stats::{Quantiles, SeriesKey, Summary};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

/// How a median crosses 0.5: the first year it is on the other side, which way, and whether
/// it stays there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crossing {
    /// First year on the other side of 0.5 from the first year.
    pub year: i32,
    /// True when it crossed upward (to at least 0.5).
    pub up: bool,
    /// The year from which it stays crossed to the end (`None`: it is back on its starting
    /// side in the last year).
    pub stays_from: Option<i32>,
}

impl Crossing {
    /// Short text for the table: `↑2031`, `↑2031, stays from 2034`, `↓2029, back`.
    pub fn text(&self) -> String {
        let arrow = if self.up { "↑" } else { "↓" };
        match self.stays_from {
            Some(y) if y == self.year => format!("{arrow}{}", self.year),
            Some(y) => format!("{arrow}{}, stays from {y}", self.year),
            None => format!("{arrow}{}, back", self.year),
        }
    }
}

/// How the median of a series crosses 0.5, if it does.
pub fn crossing(series: &[Quantiles], years: &[i32]) -> Option<Crossing> {
    let side = |q: &Quantiles| q.p50 >= 0.5;
    let above0 = side(series.first()?);
    let first = series.iter().position(|q| side(q) != above0)?;
    let above_end = side(series.last()?);
    let stays_from = (above_end != above0).then(|| {
        // The year after the last one on the starting side.
        let back = series.iter().rposition(|q| side(q) == above0).unwrap_or(0);
        years[back + 1]
    });
    Some(Crossing {
        year: years[first],
        up: !above0,
        stays_from,
    })
}

/// What every output of a comparison is drawn from: the scenarios, their ensembles and the
/// run-by-run differences from the first scenario.
pub struct Compared<'a> {
    /// The scenarios, in the order given.
    pub scenarios: &'a [Scenario],
    /// Their ensembles, on common random numbers.
    pub results: &'a [Ensemble],
    /// For each scenario after the first: quantiles of the per-run difference of aggregate
    /// closeness from the first, keyed `("closeness", power, "")`.
    pub diffs: &'a [Summary],
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
    let out = open_out(&out_path, e_args.force)?;
    let fmts = formats(&e_args.format);
    let mut results = Vec::new();
    let mut paired = Vec::new();
    for s in &scenarios {
        let mut runs = Paired::new(&s.base);
        results.push(execute(s, &plan, threads, e_args.quiet, &mut |o| {
            runs.add(o);
            Ok(())
        })?);
        paired.push(runs);
    }
    let diffs: Vec<Summary> = paired[1..]
        .iter()
        .map(|p| p.minus(&paired[0], &results[0].summary.years))
        .collect();
    let compared = Compared {
        scenarios: &scenarios,
        results: &results,
        diffs: &diffs,
    };
    let mut buf = String::new();
    let table = final_year_table(&compared, &mut buf);
    out.write("compare.csv", &tables::table_csv(&table)?)?;
    // Per-cause differences of the drivers against the first scenario (common random numbers).
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
    draw_figures(out.path(), &fmts, &compared, &meta)?;
    let cmd = command_line();
    let report = crate::report::compare_html(
        &crate::report::Comparison {
            scenarios: &scenarios,
            results: &results,
            table: &report_lines(&table),
            forces: &report_forces(&diff),
        },
        &crate::report::CompareContext {
            seed: plan.master_seed,
            runs: plan.runs.len(),
            command_line: &cmd,
            figures: out.path(),
        },
    );
    out.write("report.html", report.as_bytes())?;
    if args.attribute {
        attribute_pairs(&scenarios, &plan, threads, e_args.quiet, &out, &fmts)?;
    }
    let manifest = serde_json::json!({
        "tool": "simulate", "version": env!("CARGO_PKG_VERSION"),
        "command_line": cmd,
        "scenarios": scenarios.iter().map(|s| serde_json::json!({
            "name": s.name, "path": s.path.display().to_string(),
            "sha256": export::sha256_hex(s.resolved_toml.as_bytes())})).collect::<Vec<_>>(),
        "master_seed": plan.master_seed, "runs": plan.runs.len(), "threads": threads,
        "common_random_numbers": true,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    out.write("manifest.json", &serde_json::to_vec_pretty(&manifest)?)?;
    let mut references = BTreeMap::new();
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

/// The final-year table: printed into `buf`, returned as `compare.csv` rows.
fn final_year_table(c: &Compared, buf: &mut String) -> Vec<CompareRow> {
    let results = c.results;
    let years = &results[0].summary.years;
    let last = years.len() - 1;
    let params = &c.scenarios[0].base;
    let mut table = Vec::new();
    let _ = writeln!(
        buf,
        "{:<22} {:<5} {:>8} {:>16} {:>9} {:<24} {:>10}",
        "scenario", "power", "median", "90% band", "vs first", "crosses .5", "collapse→"
    );
    for (s, e) in c.scenarios.iter().zip(results) {
        for (p, power) in params.powers.iter().enumerate() {
            let id = power.id.as_str();
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
                "{:<22} {:<5} {:>8.3} {:>7.3} – {:<6.3} {:>+9.3} {:<24} {:>9.0}%",
                s.name,
                id,
                q.p50,
                q.p5,
                q.p95,
                q.p50 - base,
                cross.map_or("-".to_string(), |c| c.text()),
                100.0 * share
            );
            table.push(CompareRow {
                scenario: s.name.clone(),
                power: id.to_string(),
                year: i64::from(years[last]),
                median: fixed(Some(q.p50)),
                p5: fixed(Some(q.p5)),
                p95: fixed(Some(q.p95)),
                median_minus_first: fixed(Some(q.p50 - base)),
                crosses_half: cross.map(|c| c.year.to_string()).unwrap_or_default(),
                share_collapsed_toward: fixed(Some(share)),
                crosses_half_direction: cross
                    .map(|c| if c.up { "up" } else { "down" }.to_string())
                    .unwrap_or_default(),
                stays_crossed_from: cross
                    .and_then(|c| c.stays_from)
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
                crossing: cross,
            });
        }
    }
    table
}

/// Every figure of a comparison.
fn draw_figures(
    dir: &std::path::Path,
    fmts: &[plot::Format],
    c: &Compared,
    meta: &Meta,
) -> anyhow::Result<()> {
    let first = &c.scenarios[0];
    let st = styles(&first.base);
    let marks = compare_marks(c);
    let arms: Vec<plot::Arm> = c
        .scenarios
        .iter()
        .zip(c.results)
        .map(|(s, e)| plot::Arm {
            name: &s.name,
            summary: &e.summary,
        })
        .collect();
    plot::compare(dir, fmts, &arms, &st, &marks, meta)?;
    plot::compare_scenarios(dir, fmts, &arms, &st, &marks, meta)?;
    plot::compare_difference(dir, fmts, &arms, c.diffs, &st, &marks, meta)?;
    plot::compare_domains(dir, fmts, &arms, &st, &marks, meta)?;
    let threat_arms: Vec<plot::ThreatArm> = arms
        .iter()
        .enumerate()
        .map(|(i, a)| plot::ThreatArm {
            name: a.name,
            summary: a.summary,
            color: plot::arm_color(i),
        })
        .collect();
    // Every threat any scenario declares, once, in the order first declared.
    let mut infos: Vec<plot::ThreatInfo> = Vec::new();
    for s in c.scenarios {
        for t in threat_infos(&s.base) {
            if !infos.iter().any(|i| i.id == t.id) {
                infos.push(t);
            }
        }
    }
    let stem = "compare_threats";
    plot::threats(dir, fmts, stem, &threat_arms, &infos, &marks, meta)?;
    let series_arms: Vec<plot::SeriesArm> = arms
        .iter()
        .enumerate()
        .map(|(i, a)| plot::SeriesArm {
            name: a.name,
            summary: a.summary,
            color: plot::arm_color(i),
        })
        .collect();
    plot::series_panels(
        dir,
        fmts,
        "compare_accession",
        "the membership perspective",
        &series_arms,
        &accession_panels(&first.base),
        &marks,
        meta,
    )?;
    Ok(())
}

/// Marks of a comparison: every scenario's elections and scripted events, each once (the
/// share of runs, which differs between scenarios, left out of the label).
fn compare_marks(c: &Compared) -> Vec<plot::Mark> {
    let mut all: Vec<plot::Mark> = Vec::new();
    for (s, e) in c.scenarios.iter().zip(c.results) {
        for mut m in marks(e, &s.base) {
            if let Some(i) = m.label.find(" (")
                && m.label.ends_with("%)")
            {
                m.label.truncate(i);
            }
            if !all.contains(&m) {
                all.push(m);
            }
        }
    }
    all
}

/// Per-run aggregate closeness of one scenario, by replicate, for paired differences.
struct Paired {
    /// Series `("closeness", power, domain)` (aggregate first, then each domain, power by
    /// power) and their positions in a year's values.
    slots: Vec<(SeriesKey, usize)>,
    /// Values per year.
    width: usize,
    /// Replicate → closeness per (year, power), year-major.
    runs: BTreeMap<u64, Vec<f64>>,
}

impl Paired {
    fn new(params: &crate::model::Params) -> Paired {
        let keys = measures::series(params);
        let domains = std::iter::once("").chain(crate::model::Domain::ALL.map(|d| d.name()));
        let slots = params
            .powers
            .iter()
            .flat_map(|p| domains.clone().map(move |d| (p.id.clone(), d)))
            .filter_map(|(id, d)| {
                let key = SeriesKey::new("closeness", &id, d);
                keys.iter().position(|k| *k == key).map(|i| (key, i))
            })
            .collect();
        Paired {
            slots,
            width: keys.len(),
            runs: BTreeMap::new(),
        }
    }

    fn add(&mut self, o: &crate::experiment::RunOutput) {
        let years = o.values.len() / self.width.max(1);
        let mut v = Vec::with_capacity(years * self.slots.len());
        for y in 0..years {
            for (_, s) in &self.slots {
                v.push(o.values[y * self.width + s]);
            }
        }
        self.runs.insert(o.spec.replicate, v);
    }

    /// Quantiles of `self − first` over the replicates both have, per year, power and domain
    /// (and the aggregate).
    fn minus(&self, first: &Paired, years: &[i32]) -> Summary {
        let n = self.slots.len();
        let mut series = BTreeMap::new();
        for (p, (key, _)) in self.slots.iter().enumerate() {
            let q: Vec<Quantiles> = (0..years.len())
                .map(|y| {
                    let mut d: Vec<f64> = self
                        .runs
                        .iter()
                        .filter_map(|(r, v)| {
                            let b = first.runs.get(r)?;
                            Some(v.get(y * n + p)? - b.get(y * n + p)?)
                        })
                        .filter(|x| x.is_finite())
                        .collect();
                    crate::stats::summarize(&mut d)
                })
                .collect();
            series.insert(key.clone(), q);
        }
        Summary {
            years: years.to_vec(),
            runs: self.runs.len(),
            series,
        }
    }
}

/// The final-year table as the report shows it.
fn report_lines(rows: &[CompareRow]) -> Vec<crate::report::CompareLine> {
    let num = |s: &str| s.parse().unwrap_or(f64::NAN);
    rows.iter()
        .map(|r| crate::report::CompareLine {
            scenario: r.scenario.clone(),
            power: r.power.clone(),
            median: num(&r.median),
            p5: num(&r.p5),
            p95: num(&r.p95),
            minus_first: num(&r.median_minus_first),
            crossing: r.crossing.map_or("–".to_string(), |c| c.text()),
            collapsed: num(&r.share_collapsed_toward),
        })
        .collect()
}

/// The largest shares of the gaps, as the report shows them.
fn report_forces(rows: &[DriverDiff]) -> Vec<crate::report::ForceLine> {
    let mut big: Vec<(&DriverDiff, f64)> = rows
        .iter()
        .filter_map(|r| Some((r, r.part?)))
        .filter(|(_, x)| x.abs() >= 0.001)
        .collect();
    big.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    big.iter()
        .take(20)
        .map(|(r, x)| crate::report::ForceLine {
            scenario: r.scenario.clone(),
            power: r.power.clone(),
            cause: r.term.clone(),
            minus_first: *x,
        })
        .collect()
}

/// `--attribute`: the gap from the first scenario to each other one, split among its levers.
fn attribute_pairs(
    scenarios: &[Scenario],
    plan: &crate::experiment::Plan,
    threads: usize,
    quiet: bool,
    out: &export::OutputDir,
    fmts: &[plot::Format],
) -> anyhow::Result<()> {
    use super::common::attribution;
    let a = &scenarios[0];
    let names: Vec<String> = a
        .base
        .powers
        .iter()
        .map(|p| format!("closeness.{}", p.id))
        .collect();
    let sa = attribution::series(a, plan, &names, threads, quiet, &a.name)?;
    let mut buf = String::new();
    for b in &scenarios[1..] {
        let sb = attribution::series(b, plan, &names, threads, quiet, &b.name)?;
        let at = attribution::attribute(a, b, plan, (&sa, &sb), threads, quiet)?;
        attribution::report(&mut buf, &at);
        let meta = Meta {
            title: format!("{} vs {}", a.name, b.name),
            subtitle: format!(
                "{} runs per coalition on common random numbers · seed {} · simulate {}",
                plan.runs.len(),
                plan.master_seed,
                env!("CARGO_PKG_VERSION")
            ),
        };
        attribution::write(out, fmts, &at, &format!("_{}_{}", a.name, b.name), &meta)?;
    }
    emit(&buf)
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
        "crosses_half_direction",
        "stays_crossed_from",
    ];
}

impl tables::Header for DriverDiff {
    const HEADER: &'static [&'static str] = &[
        "scenario",
        "power",
        "term",
        "total",
        "minus_first",
        "part_of_gap",
    ];
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
    /// `up` or `down`: which way the median first crossed 0.5.
    crosses_half_direction: String,
    /// The year from which the median stays crossed to the end; empty if it came back.
    stays_crossed_from: String,
    #[serde(skip)]
    crossing: Option<Crossing>,
}

/// A row of `compare_drivers.csv`: a cause's summed part of the mean moves over the whole
/// horizon (ensemble means, common random numbers), its difference from the first scenario,
/// and, for a push, its share of the gap (see [`shares_of_gap`]).
#[derive(serde::Serialize, Clone)]
pub struct DriverDiff {
    scenario: String,
    power: String,
    term: String,
    total: String,
    minus_first: String,
    /// The push's share of the gap in mean closeness in the last year (empty for responses
    /// and when the pushes do not explain the gap's sign).
    part_of_gap: String,
    #[serde(skip)]
    raw: f64,
    #[serde(skip)]
    part: Option<f64>,
}

/// Per cause, the summed parts of the mean moves of each scenario over all years (in closeness:
/// `driver_parts`, so a scenario's parts add up to its mean total move) and their difference
/// from the first scenario: the differences of one power add up to the gap in its mean
/// closeness in the last year (the scenarios start from the same state).
fn driver_differences(scenarios: &[Scenario], results: &[Ensemble]) -> Vec<DriverDiff> {
    let params = &scenarios[0].base;
    let total = |e: &Ensemble, s: &Scenario, p: usize| -> Vec<(String, f64)> {
        let parts = driver_parts(e, &s.base, p, None, None);
        let mut out: Vec<(String, f64)> = Vec::new();
        for b in parts.bars {
            match out.iter_mut().find(|(n, _)| *n == b.term) {
                Some(o) => o.1 += b.value,
                None => out.push((b.term, b.value)),
            }
        }
        out
    };
    let mut rows = Vec::new();
    for (s, e) in scenarios.iter().zip(results) {
        for (p, power) in params.powers.iter().enumerate() {
            let base = total(&results[0], &scenarios[0], p);
            let mine = total(e, s, p);
            let mut names: Vec<&String> = mine.iter().map(|(n, _)| n).collect();
            for (n, _) in &base {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            let get = |v: &[(String, f64)], name: &str| {
                v.iter().find(|(n, _)| n == name).map_or(0.0, |(_, x)| *x)
            };
            let diffs: Vec<(String, f64, f64)> = names
                .iter()
                .map(|n| {
                    let v = get(&mine, n);
                    ((*n).clone(), v, v - get(&base, n))
                })
                .collect();
            let terms: Vec<(&str, f64)> = diffs.iter().map(|(n, _, d)| (n.as_str(), *d)).collect();
            let parts = shares_of_gap(&terms);
            for ((name, v, d), part) in diffs.into_iter().zip(parts) {
                rows.push(DriverDiff {
                    scenario: s.name.clone(),
                    power: power.id.clone(),
                    term: name,
                    total: format!("{v:.6}"),
                    minus_first: format!("{d:.6}"),
                    part_of_gap: part.map(|x| format!("{x:.6}")).unwrap_or_default(),
                    raw: d,
                    part,
                });
            }
        }
    }
    rows
}

/// Each push's share of a gap. `terms` are (cause, difference from the first scenario); the
/// gap is their sum. The responses (autonomy cost, opinion, inertia, option value, noise)
/// hold back whatever the pushes do; with responses linear in closeness, as they are near a
/// rest point, they hold back every push in the same proportion, so push `i` accounts for
/// `Δ push_i × gap / Σ Δ push` of the gap and the shares add up to it. `None` for responses,
/// and for every term when the pushes sum to (almost) nothing or to the other sign than the
/// gap (then the responses, not the pushes, made the gap).
pub fn shares_of_gap(terms: &[(&str, f64)]) -> Vec<Option<f64>> {
    let gap: f64 = terms.iter().map(|(_, d)| d).sum();
    let pushes: f64 = terms
        .iter()
        .filter(|(n, _)| !plot::is_response_cause(n))
        .map(|(_, d)| d)
        .sum();
    let scale = (pushes.abs() > 1e-9 && gap * pushes > 0.0).then(|| gap / pushes);
    terms
        .iter()
        .map(|(n, d)| {
            let k = scale?;
            (!plot::is_response_cause(n)).then_some(d * k)
        })
        .collect()
}

fn print_driver_differences(buf: &mut String, rows: &[DriverDiff]) {
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !groups.contains(&(r.scenario.as_str(), r.power.as_str())) {
            groups.push((&r.scenario, &r.power));
        }
    }
    let mut lines = Vec::new();
    for (scenario, power) in groups {
        let mine: Vec<&DriverDiff> = rows
            .iter()
            .filter(|r| r.scenario == scenario && r.power == power)
            .collect();
        let gap: f64 = mine.iter().map(|r| r.raw).sum();
        if gap.abs() < 0.005 {
            continue;
        }
        let mut pushes: Vec<&&DriverDiff> = mine.iter().filter(|r| r.part.is_some()).collect();
        pushes.sort_by(|a, b| {
            let (a, b) = (a.part.unwrap_or(0.0), b.part.unwrap_or(0.0));
            b.abs().total_cmp(&a.abs())
        });
        let parts: Vec<String> = pushes
            .iter()
            .filter(|r| r.part.is_some_and(|x| x.abs() >= 0.0005))
            .take(4)
            .map(|r| format!("{} {:+.3}", r.term, r.part.unwrap_or(0.0)))
            .collect();
        let why = if pushes.is_empty() {
            "the responses, not the pushes, made it (compare_drivers.csv)".to_string()
        } else {
            parts.join(", ")
        };
        lines.push(format!("  {scenario:<22} {power:<5} {gap:>+7.3}  {why}"));
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        buf,
        "\nwhat made the gap in mean closeness in the last year, vs the first scenario: each push's \
         share\n(the responses - autonomy cost, opinion, inertia - held every push back in \
         proportion; the shares add up to the gap)"
    );
    let _ = writeln!(
        buf,
        "  {:<22} {:<5} {:>7}  largest pushes",
        "scenario", "power", "gap"
    );
    for l in lines {
        let _ = writeln!(buf, "{l}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn medians(v: &[f64]) -> Vec<Quantiles> {
        v.iter()
            .map(|&m| Quantiles {
                mean: m,
                p5: m,
                p25: m,
                p50: m,
                p75: m,
                p95: m,
            })
            .collect()
    }

    #[test]
    fn a_crossing_says_which_way_and_from_when_it_stays() {
        let years = [2024, 2025, 2026, 2027, 2028];
        let up = crossing(&medians(&[0.4, 0.45, 0.52, 0.55, 0.6]), &years).unwrap();
        assert_eq!((up.year, up.up, up.stays_from), (2026, true, Some(2026)));
        assert_eq!(up.text(), "↑2026");
        let wobble = crossing(&medians(&[0.4, 0.52, 0.48, 0.55, 0.6]), &years).unwrap();
        assert_eq!(wobble.text(), "↑2025, stays from 2027");
        let back = crossing(&medians(&[0.6, 0.45, 0.52, 0.55, 0.6]), &years).unwrap();
        assert_eq!((back.up, back.stays_from), (false, None));
        assert_eq!(back.text(), "↓2025, back");
        assert!(crossing(&medians(&[0.4, 0.45, 0.49]), &years[..3]).is_none());
    }

    #[test]
    fn shares_of_a_gap_follow_a_linear_response() {
        // Two pushes against one linear response: x moves by (2 + 1) / k with k = 10, the
        // response holds back 0.9 of each; the pushes account for 0.2 and 0.1 of the 0.3.
        let terms = [
            ("instrument.loans", 2.0),
            ("threat.t", 1.0),
            ("autonomy_cost", -2.7),
        ];
        let shares = shares_of_gap(&terms);
        assert!((shares[0].unwrap() - 0.2).abs() < 1e-12);
        assert!((shares[1].unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(shares[2], None);
        // Pushes that point the other way from the gap explain nothing.
        let against = [("instrument.loans", 1.0), ("inertia", -1.5)];
        assert_eq!(shares_of_gap(&against), vec![None, None]);
    }
}
