//! `simulate sensitivity`: Morris screening or Sobol indices of a measure with respect to
//! the scenario's uncertain numbers (or `--param` ranges), for every year up to the chosen
//! one. Each design point is the mean of `--runs` runs on common random numbers.

use super::common::study::{self as io, Fold, Source, num, usage};
use crate::checkpoint::{Bytes, Reader};
use crate::cli::{MethodArg, SensitivityArgs};
use crate::experiment::design::{self, MORRIS_LEVELS, MorrisDesign};
use crate::experiment::study::{Apply, Factor, Order, Probe, Study, StudyRun, measure_slot};
use crate::experiment::{morris, sobol};
use crate::plot::{self, BarSeries, IndexBars, IndexLines};
use std::fmt::Write as _;

/// Bootstrap resamples of every interval.
const RESAMPLES: usize = 200;

/// A tidy row: index name, parameter, value, 95% interval.
type Row = (&'static str, usize, f64, Option<(f64, f64)>);

/// The indices of one year.
enum Indices {
    Sobol(sobol::SobolIndices),
    Morris(morris::MorrisIndices),
}

impl Indices {
    /// The index that ranks parameters: ST or μ*.
    fn rank(&self) -> &[f64] {
        match self {
            Indices::Sobol(s) => &s.total,
            Indices::Morris(m) => &m.mu_star,
        }
    }

    /// Tidy rows: (index name, parameter, value, interval).
    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        match self {
            Indices::Sobol(s) => {
                for i in 0..s.first.len() {
                    rows.push(("S1", i, s.first[i], Some(s.first_ci[i])));
                    rows.push(("ST", i, s.total[i], Some(s.total_ci[i])));
                }
            }
            Indices::Morris(m) => {
                for i in 0..m.mu.len() {
                    rows.push(("mu_star", i, m.mu_star[i], Some(m.mu_star_ci[i])));
                    rows.push(("mu", i, m.mu[i], None));
                    rows.push(("sigma", i, m.sigma[i], None));
                }
            }
        }
        rows
    }
}

/// The design on the unit cube.
enum Design {
    Sobol(Vec<Vec<f64>>),
    Morris(MorrisDesign),
}

impl Design {
    fn rows(&self) -> &[Vec<f64>] {
        match self {
            Design::Sobol(r) => r,
            Design::Morris(m) => &m.rows,
        }
    }

    fn indices(&self, y: &[f64], d: usize, seed: u64) -> Indices {
        match self {
            Design::Sobol(_) => Indices::Sobol(sobol::indices(y, d, RESAMPLES, seed)),
            Design::Morris(m) => Indices::Morris(morris::indices(m, y, RESAMPLES, seed)),
        }
    }
}

fn build_design(
    method: MethodArg,
    samples: Option<usize>,
    d: usize,
    seed: u64,
) -> anyhow::Result<Design> {
    let bad = |e: design::DesignError| usage(format!("--samples: {e}"));
    Ok(match method {
        MethodArg::Sobol => {
            let scramble = (seed ^ (seed >> 32)) as u32;
            Design::Sobol(design::saltelli(samples.unwrap_or(256), d, scramble).map_err(bad)?)
        }
        MethodArg::Morris => Design::Morris(
            design::morris(samples.unwrap_or(20), d, MORRIS_LEVELS, seed).map_err(bad)?,
        ),
    })
}

/// The mean of the measure per point and year, summed in plan order (so independent of the
/// thread count). Shards are cut between points, so each point's sum is one shard's and
/// merging adds exact zeros.
struct Means {
    sums: Vec<f64>,
    n_years: usize,
    runs: usize,
}

impl Fold for Means {
    fn add(&mut self, r: &StudyRun, _row: &mut Vec<String>) {
        for (t, v) in r.values.iter().enumerate() {
            self.sums[r.point * self.n_years + t] += v / self.runs as f64;
        }
    }
    fn save(&self, w: &mut Bytes) {
        w.f64s(&self.sums);
    }
    fn restore(&mut self, r: &mut Reader<'_>) -> Result<(), String> {
        let v = r.f64s()?;
        if v.len() != self.sums.len() {
            return Err(format!(
                "{} means, the study has {}",
                v.len(),
                self.sums.len()
            ));
        }
        self.sums = v;
        Ok(())
    }
    fn merge(&mut self, r: &mut Reader<'_>) -> Result<(), String> {
        let v = r.f64s()?;
        if v.len() != self.sums.len() {
            return Err(format!(
                "{} means, the study has {}",
                v.len(),
                self.sums.len()
            ));
        }
        for (a, b) in self.sums.iter_mut().zip(v) {
            *a += b;
        }
        Ok(())
    }
}

/// `simulate sensitivity`.
pub fn sensitivity(args: &SensitivityArgs) -> anyhow::Result<()> {
    sensitivity_from(args, &Source::Run(&args.control))
}

/// `simulate sensitivity`, its runs from `source` (run now, or merged from shards).
pub fn sensitivity_from(args: &SensitivityArgs, source: &Source<'_>) -> anyhow::Result<()> {
    let s = io::load_scenario(&args.scenario, source)?;
    let factors = io::factors(&s, &args.params)?;
    let apply = if args.params.is_empty() {
        Apply::Draw
    } else {
        Apply::Change
    };
    let measure = args
        .measure
        .clone()
        .unwrap_or_else(|| format!("closeness.{}", s.base.powers[0].id));
    let slot = measure_slot(&s.base, &measure).map_err(|e| usage(format!("--measure: {e}")))?;
    let year = io::study_year(&s, args.year)?;
    let e = &args.ensemble;
    let runs = io::runs_per_point(e, 10)?;
    let seed = e.seed.unwrap_or(s.seed);
    let threads = io::threads(e)?;
    let d = factors.len();
    let design = build_design(args.method, args.samples, d, seed)?;
    let points: Vec<Vec<f64>> = design
        .rows()
        .iter()
        .map(|u| factors.iter().zip(u).map(|(f, u)| f.value(*u)).collect())
        .collect();
    let n_points = points.len();
    let study = Study::new(
        &s,
        factors.iter().map(|f| f.target).collect(),
        points,
        runs,
        seed,
        year,
        Order::ByPoint,
        apply,
    )
    .map_err(|err| usage(err.to_string()))?;
    let n_years = (year - s.base.start + 1) as usize;
    let probe = Probe {
        slots: vec![slot],
        years: (0..n_years).collect(),
    };
    let method_name = match args.method {
        MethodArg::Sobol => "sobol",
        MethodArg::Morris => "morris",
    };
    let shard = io::shard_of(source)?;
    let out = io::open_out(&s, e, &format!("sensitivity-{method_name}"), shard)?;
    let key = io::study_key(
        "sensitivity",
        &s,
        &study,
        &probe,
        serde_json::json!({ "method": method_name }),
    );
    let mut fold = Means {
        sums: vec![0.0; n_points * n_years],
        n_years,
        runs,
    };
    let ran = io::run_study(source, key, &out, &study, &probe, e, &mut fold, None)?;
    if ran.shard.is_some() {
        return io::finish_shard(out, &s, "sensitivity", seed, &ran, &fold, e.quiet);
    }
    let seconds = ran.seconds;
    let means = fold.sums;
    let years: Vec<i32> = (s.base.start..=year).collect();
    let per_year: Vec<Indices> = (0..n_years)
        .map(|t| {
            let y: Vec<f64> = (0..n_points).map(|p| means[p * n_years + t]).collect();
            design.indices(&y, d, seed)
        })
        .collect();
    write_tables(
        &out,
        &factors,
        &years,
        &per_year,
        study.points(),
        &means,
        n_years,
        &measure,
    )?;
    let last = &per_year[n_years - 1];
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|a, b| last.rank()[*b].total_cmp(&last.rank()[*a]));
    let meta = io::meta(
        &s,
        &format!(
            "{method_name} · {n_points} points × {runs} runs · measure {measure} · seed {seed}"
        ),
    );
    let fmts = crate::commands::common::formats(&e.format);
    draw(
        &out, &fmts, &meta, &factors, &order, last, &per_year, &years, &measure, year,
    )?;
    let report = report(&s.name, &measure, year, &factors, &order, last);
    io::write_manifest(
        &out,
        &s,
        "sensitivity",
        &io::Ran {
            seed,
            runs: study.len(),
            threads,
            seconds,
            executed: Some(&ran),
        },
        serde_json::json!({
            "method": method_name,
            "measure": measure,
            "year": year,
            "points": n_points,
            "runs_per_point": runs,
            "parameters": factors.iter().map(|f| serde_json::json!({
                "path": f.path,
                "from": if f.dist.is_some() { "the scenario's distribution" } else { "uniform range" },
                "distribution": f.dist.map(|d| d.to_string()),
                "lo": f.lo, "hi": f.hi,
            })).collect::<Vec<_>>(),
            "applied_as": match apply { Apply::Draw => "draws of uncertain numbers", Apply::Change => "changes (as --set)" },
            "bootstrap_resamples": RESAMPLES,
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

#[allow(clippy::too_many_arguments)]
fn write_tables(
    out: &crate::export::OutputDir,
    factors: &[Factor],
    years: &[i32],
    per_year: &[Indices],
    points: &[Vec<f64>],
    means: &[f64],
    n_years: usize,
    measure: &str,
) -> anyhow::Result<()> {
    let mut w = io::csv_file(out, "sensitivity.csv")?;
    w.write_record(["year", "parameter", "index", "value", "ci_low", "ci_high"])?;
    for (y, ix) in years.iter().zip(per_year) {
        for (name, i, v, ci) in ix.rows() {
            let (lo, hi) = ci.map_or((String::new(), String::new()), |(l, h)| (num(l), num(h)));
            w.write_record([
                y.to_string(),
                factors[i].path.clone(),
                name.into(),
                num(v),
                lo,
                hi,
            ])?;
        }
    }
    w.flush()?;
    let mut w = io::csv_file(out, "points.csv")?;
    let mut h = vec!["point".to_string(), "year".into()];
    h.extend(factors.iter().map(|f| f.path.clone()));
    h.push(format!("{measure}.mean"));
    w.write_record(&h)?;
    let last = n_years - 1;
    for (p, values) in points.iter().enumerate() {
        let mut row = vec![p.to_string(), years[last].to_string()];
        row.extend(values.iter().map(|v| num(*v)));
        row.push(num(means[p * n_years + last]));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn draw(
    out: &crate::export::OutputDir,
    fmts: &[crate::plot::Format],
    meta: &crate::plot::Meta,
    factors: &[Factor],
    order: &[usize],
    last: &Indices,
    per_year: &[Indices],
    years: &[i32],
    measure: &str,
    year: i32,
) -> anyhow::Result<()> {
    let params: Vec<String> = order.iter().map(|i| factors[*i].path.clone()).collect();
    let pick = |v: &[f64]| order.iter().map(|i| v[*i]).collect::<Vec<_>>();
    let pick_ci = |v: &[(f64, f64)]| Some(order.iter().map(|i| v[*i]).collect::<Vec<_>>());
    let (stem, bars, lines) = match last {
        Indices::Sobol(s) => (
            "sobol",
            IndexBars {
                heading: format!("what drives {measure} in {year} (Sobol indices)"),
                params: params.clone(),
                series: vec![
                    BarSeries {
                        name: "ST (total index)".into(),
                        values: pick(&s.total),
                        ci: pick_ci(&s.total_ci),
                    },
                    BarSeries {
                        name: "S1 (first-order index)".into(),
                        values: pick(&s.first),
                        ci: pick_ci(&s.first_ci),
                    },
                ],
                x_desc: "Share of the variance of the measure".into(),
                note: "ST − S1: share through interactions".into(),
            },
            "Total index ST",
        ),
        Indices::Morris(m) => (
            "morris",
            IndexBars {
                heading: format!("what moves {measure} in {year} (Morris screening)"),
                params: params.clone(),
                series: vec![
                    BarSeries {
                        name: "μ* (mean |effect|)".into(),
                        values: pick(&m.mu_star),
                        ci: pick_ci(&m.mu_star_ci),
                    },
                    BarSeries {
                        name: "σ (spread of effects)".into(),
                        values: pick(&m.sigma),
                        ci: None,
                    },
                ],
                x_desc: format!("Change of {measure} over the whole range of the parameter"),
                note: "large σ: non-linear or interacting".into(),
            },
            "μ* (mean |elementary effect|)",
        ),
    };
    plot::index_bars(
        out.path(),
        fmts,
        &format!("sensitivity_{stem}"),
        &bars,
        meta,
    )?;
    let over_time = IndexLines {
        heading: format!("{lines} of {measure} over time"),
        years: years.to_vec(),
        params,
        values: order
            .iter()
            .map(|i| per_year.iter().map(|ix| ix.rank()[*i]).collect())
            .collect(),
        y_desc: lines.into(),
    };
    plot::index_lines(
        out.path(),
        fmts,
        &format!("sensitivity_{stem}_over_time"),
        &over_time,
        meta,
    )?;
    Ok(())
}

fn report(
    name: &str,
    measure: &str,
    year: i32,
    factors: &[Factor],
    order: &[usize],
    last: &Indices,
) -> String {
    let mut buf = String::new();
    let width = factors
        .iter()
        .map(|f| f.path.len())
        .max()
        .unwrap_or(9)
        .max(9);
    match last {
        Indices::Sobol(s) => {
            let _ = writeln!(
                buf,
                "{name}: Sobol indices of {measure} in {year} (95% bootstrap intervals)"
            );
            let _ = writeln!(buf, "{:<width$}  {:>22}  {:>22}", "parameter", "S1", "ST");
            for &i in order {
                let _ = writeln!(
                    buf,
                    "{:<width$}  {:>6.3} [{:>6.3}, {:>6.3}]  {:>6.3} [{:>6.3}, {:>6.3}]",
                    factors[i].path,
                    s.first[i],
                    s.first_ci[i].0,
                    s.first_ci[i].1,
                    s.total[i],
                    s.total_ci[i].0,
                    s.total_ci[i].1
                );
            }
        }
        Indices::Morris(m) => {
            let _ = writeln!(
                buf,
                "{name}: Morris elementary effects on {measure} in {year}"
            );
            let _ = writeln!(
                buf,
                "{:<width$}  {:>28}  {:>9}  {:>9}",
                "parameter", "mu*", "mu", "sigma"
            );
            for &i in order {
                let _ = writeln!(
                    buf,
                    "{:<width$}  {:>8} [{:>8}, {:>8}]  {:>9}  {:>9}",
                    factors[i].path,
                    sig(m.mu_star[i]),
                    sig(m.mu_star_ci[i].0),
                    sig(m.mu_star_ci[i].1),
                    sig(m.mu[i]),
                    sig(m.sigma[i])
                );
            }
        }
    }
    buf
}

/// Three significant digits (effects are in the measure's own units, often small).
fn sig(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return format!("{v}");
    }
    if v.abs() < 1e-3 {
        return format!("{v:.2e}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
    format!("{v:.decimals$}")
}
