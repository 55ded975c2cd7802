//! `simulate discover`: scenario discovery. A Latin hypercube over the scenario's uncertain
//! numbers (or `--param` ranges), `--runs` runs per point, an outcome expression evaluated on
//! each run's measures in the chosen year, and PRIM to find the box of parameters where the
//! outcome is most concentrated, with a resampling check of each restricted parameter.

use super::common::study::{self as io, Fold, Source, num, usage};
use crate::checkpoint::{Bytes, Reader};
use crate::cli::DiscoverArgs;
use crate::experiment::design;
use crate::experiment::prim::{self, Options};
use crate::experiment::study::{Apply, Factor, Order, Probe, Study, StudyRun, measure_names};
use crate::model::expr::Expr;
use crate::plot::{self, BoxLimit, Discovery, PeelPoint};
use std::fmt::Write as _;

/// Bootstrap reruns of PRIM for the resampling check.
const RESAMPLES: usize = 50;

/// Compiles the outcome: variables are measure names (runs.csv columns); returns the
/// expression (reading compact slots `0..k`) and the measure index of each slot.
fn compile(text: &str, names: &[String]) -> anyhow::Result<(Expr, Vec<usize>)> {
    let mut slots: Vec<usize> = Vec::new();
    let expr = Expr::compile(text, &mut |name| {
        let Some(i) = names.iter().position(|n| n == name) else {
            let near = crate::experiment::study::closest(names, name, 4);
            return Err(if near.is_empty() {
                format!("unknown measure '{name}': measures are the columns of runs.csv")
            } else {
                format!(
                    "unknown measure '{name}': did you mean {}?",
                    near.join(", ")
                )
            });
        };
        Ok(match slots.iter().position(|s| *s == i) {
            Some(k) => k,
            None => {
                slots.push(i);
                slots.len() - 1
            }
        })
    })
    .map_err(|e| usage(format!("--outcome \"{text}\": {e}")))?;
    Ok((expr, slots))
}

/// Runs per point where the outcome holds.
struct Hits<'e> {
    expr: &'e Expr,
    hits: Vec<u64>,
}

impl Fold for Hits<'_> {
    fn add(&mut self, r: &StudyRun, _row: &mut Vec<String>) {
        self.hits[r.point] += u64::from(self.expr.holds(&r.values));
    }
    fn save(&self, w: &mut Bytes) {
        w.u64s(&self.hits);
    }
    fn restore(&mut self, r: &mut Reader<'_>) -> Result<(), String> {
        let v = r.u64s()?;
        if v.len() != self.hits.len() {
            return Err(format!(
                "{} points, the study has {}",
                v.len(),
                self.hits.len()
            ));
        }
        self.hits = v;
        Ok(())
    }
    fn merge(&mut self, r: &mut Reader<'_>) -> Result<(), String> {
        let v = r.u64s()?;
        if v.len() != self.hits.len() {
            return Err(format!(
                "{} points, the study has {}",
                v.len(),
                self.hits.len()
            ));
        }
        for (a, b) in self.hits.iter_mut().zip(v) {
            *a += b;
        }
        Ok(())
    }
}

/// `simulate discover`.
pub fn discover(args: &DiscoverArgs) -> anyhow::Result<()> {
    discover_from(args, &Source::Run(&args.control))
}

/// `simulate discover`, its runs from `source` (run now, or merged from shards).
pub fn discover_from(args: &DiscoverArgs, source: &Source<'_>) -> anyhow::Result<()> {
    let s = io::load_scenario(&args.scenario, source)?;
    let factors = io::factors(&s, &args.params)?;
    let apply = if args.params.is_empty() {
        Apply::Draw
    } else {
        Apply::Change
    };
    let (expr, slots) = compile(&args.outcome, &measure_names(&s.base))?;
    if !(0.0..=1.0).contains(&args.min_coverage) {
        return Err(usage(format!(
            "--min-coverage {} must be between 0 and 1",
            args.min_coverage
        )));
    }
    let year = io::study_year(&s, args.year)?;
    let e = &args.ensemble;
    let runs = io::runs_per_point(e, 10)?;
    let seed = e.seed.unwrap_or(s.seed);
    let threads = io::threads(e)?;
    let samples = args.samples.unwrap_or(500);
    let unit = design::latin_hypercube(samples, factors.len(), seed)
        .map_err(|err| usage(format!("--samples: {err}")))?;
    let points: Vec<Vec<f64>> = unit
        .iter()
        .map(|u| factors.iter().zip(u).map(|(f, u)| f.value(*u)).collect())
        .collect();
    let study = Study::new(
        &s,
        factors.iter().map(|f| f.target).collect(),
        points,
        runs,
        seed,
        year,
        Order::Interleaved,
        apply,
    )
    .map_err(|err| usage(err.to_string()))?;
    let probe = Probe {
        slots,
        years: vec![(year - s.base.start) as usize],
    };
    let shard = io::shard_of(source)?;
    let out = io::open_out(&s, e, "discover", shard)?;
    let key = io::study_key(
        "discover",
        &s,
        &study,
        &probe,
        serde_json::json!({ "outcome": args.outcome }),
    );
    let mut fold = Hits {
        expr: &expr,
        hits: vec![0; samples],
    };
    let ran = io::run_study(source, key, &out, &study, &probe, e, &mut fold, None)?;
    if ran.shard.is_some() {
        return io::finish_shard(out, &s, "discover", seed, &ran, &fold, e.quiet);
    }
    let seconds = ran.seconds;
    let hits = fold.hits;
    let y: Vec<f64> = hits.iter().map(|h| *h as f64 / runs as f64).collect();
    let x = study.points().to_vec();
    let opts = Options {
        min_coverage: args.min_coverage,
        ..Options::default()
    };
    let found = prim::discover(&x, &y, &opts, runs, RESAMPLES, seed);
    write_tables(&out, &factors, &x, &y, &found)?;
    let overall = y.iter().sum::<f64>() / y.len() as f64;
    let sentence = sentence(&args.outcome, year, &factors, &found, overall);
    let meta = io::meta(
        &s,
        &format!("Latin hypercube · {samples} points × {runs} runs · year {year} · seed {seed}"),
    );
    let figure = Discovery {
        outcome: args.outcome.clone(),
        path: found
            .path
            .iter()
            .map(|p| PeelPoint {
                coverage: p.coverage,
                density: p.density,
                restricted: p.bounds.restricted(&found.full).len(),
            })
            .collect(),
        chosen: found.chosen,
        chosen_after_paste: (found.chosen_box.coverage, found.chosen_box.density),
        limits: found
            .restricted
            .iter()
            .map(|&k| BoxLimit {
                param: factors[k].path.clone(),
                full: (found.full.lo[k], found.full.hi[k]),
                bounds: (found.chosen_box.bounds.lo[k], found.chosen_box.bounds.hi[k]),
                reproducibility: found.reproducibility[k],
            })
            .collect(),
    };
    plot::discovery(
        out.path(),
        &crate::commands::common::formats(&e.format),
        &figure,
        &meta,
    )?;
    io::write_manifest(
        &out,
        &s,
        "discover",
        &io::Ran {
            seed,
            runs: study.len(),
            threads,
            seconds,
            executed: Some(&ran),
        },
        serde_json::json!({
            "outcome": args.outcome,
            "year": year,
            "design": "latin hypercube",
            "points": samples,
            "runs_per_point": runs,
            "parameters": factors.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
            "prim": {"alpha": opts.alpha, "min_support": opts.min_support, "min_coverage": opts.min_coverage, "resamples": RESAMPLES},
            "share_of_runs_with_outcome": overall,
            "chosen_box": {"coverage": found.chosen_box.coverage, "density": found.chosen_box.density, "support": found.chosen_box.support},
            "sentence": sentence,
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
    let mut report = format!("{}: {sentence}\n", s.name);
    write_box(&mut report, &factors, &found);
    io::emit(&report)
}

/// The plain-language reading of the chosen box.
fn sentence(
    outcome: &str,
    year: i32,
    factors: &[Factor],
    found: &prim::Discovery,
    overall: f64,
) -> String {
    let b = &found.chosen_box;
    if found.restricted.is_empty() {
        return format!(
            "\"{outcome}\" holds in {:.0}% of all runs in {year}; no range of the parameters \
             concentrates it (PRIM found no box).",
            overall * 100.0
        );
    }
    let conds: Vec<String> = found
        .restricted
        .iter()
        .map(|&k| {
            let (lo, hi) = (b.bounds.lo[k], b.bounds.hi[k]);
            let low = lo > found.full.lo[k];
            let high = hi < found.full.hi[k];
            let p = &factors[k].path;
            match (low, high) {
                (true, true) => format!("{p} between {} and {}", short(lo), short(hi)),
                (true, false) => format!("{p} above {}", short(lo)),
                _ => format!("{p} below {}", short(hi)),
            }
        })
        .collect();
    format!(
        "in {:.0}% of runs with {}, \"{outcome}\" holds in {year} (against {:.0}% of all runs); \
         the box holds {:.0}% of the runs where it holds and {:.0}% of the sampled points.",
        b.density * 100.0,
        join_and(&conds),
        overall * 100.0,
        b.coverage * 100.0,
        b.support * 100.0
    )
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A bound for a sentence: three significant digits.
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

fn write_box(buf: &mut String, factors: &[Factor], found: &prim::Discovery) {
    let width = factors
        .iter()
        .map(|f| f.path.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let _ = writeln!(
        buf,
        "{:<width$}  {:>10} {:>10}  {:>10} {:>10}  {:>10}  {:>9}",
        "parameter", "box low", "box high", "range low", "range high", "resampled", "quasi-p"
    );
    for &k in &found.restricted {
        let _ = writeln!(
            buf,
            "{:<width$}  {:>10} {:>10}  {:>10} {:>10}  {:>9.0}%  {:>9.1e}",
            factors[k].path,
            short(found.chosen_box.bounds.lo[k]),
            short(found.chosen_box.bounds.hi[k]),
            short(found.full.lo[k]),
            short(found.full.hi[k]),
            found.reproducibility[k] * 100.0,
            found.quasi_p[k]
        );
    }
}

fn write_tables(
    out: &crate::export::OutputDir,
    factors: &[Factor],
    x: &[Vec<f64>],
    y: &[f64],
    found: &prim::Discovery,
) -> anyhow::Result<()> {
    let mut w = io::csv_file(out, "discover_points.csv")?;
    let mut h = vec!["point".to_string()];
    h.extend(factors.iter().map(|f| f.path.clone()));
    h.push("outcome_share".into());
    w.write_record(&h)?;
    for (i, (p, v)) in x.iter().zip(y).enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(p.iter().map(|v| num(*v)));
        row.push(num(*v));
        w.write_record(&row)?;
    }
    w.flush()?;
    let mut w = io::csv_file(out, "peeling.csv")?;
    let mut h: Vec<String> = ["step", "coverage", "density", "support", "restricted"]
        .map(String::from)
        .to_vec();
    for f in factors {
        h.push(format!("{}.low", f.path));
        h.push(format!("{}.high", f.path));
    }
    w.write_record(&h)?;
    for (i, st) in found.path.iter().enumerate() {
        let mut row = vec![
            i.to_string(),
            num(st.coverage),
            num(st.density),
            num(st.support),
            st.bounds.restricted(&found.full).len().to_string(),
        ];
        for k in 0..factors.len() {
            row.push(num(st.bounds.lo[k]));
            row.push(num(st.bounds.hi[k]));
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    let mut w = io::csv_file(out, "box.csv")?;
    w.write_record([
        "parameter",
        "restricted",
        "box_low",
        "box_high",
        "range_low",
        "range_high",
        "resampled_share",
        "quasi_p",
    ])?;
    let b = &found.chosen_box;
    for (k, f) in factors.iter().enumerate() {
        w.write_record([
            f.path.clone(),
            u8::from(found.restricted.contains(&k)).to_string(),
            num(b.bounds.lo[k]),
            num(b.bounds.hi[k]),
            num(found.full.lo[k]),
            num(found.full.hi[k]),
            num(found.reproducibility[k]),
            num(found.quasi_p[k]),
        ])?;
    }
    w.flush()?;
    Ok(())
}
