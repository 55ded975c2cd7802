//! `simulate explain`: the moves of closeness decomposed into their causes, by year, as a
//! table on stdout, `drivers.csv` and one driver plot per power.

use super::common::{
    default_out_for, driver_bars, drivers_chart, emit, execute, formats, load, marks, open_out,
    plan_for, threads, usage,
};
use crate::cli::ExplainArgs;
use crate::export::tables;
use crate::model::Domain;
use crate::plot::{self, Meta};
use std::fmt::Write as _;

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
        .unwrap_or_else(|| default_out_for(&s, true).join("explain"));
    let out = open_out(&out_path, e_args.force)?;
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
        let marks = marks(&ensemble, params);
        drivers_chart(
            out.path(),
            &fmts,
            &ensemble,
            params,
            p,
            (domain, years),
            &marks,
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
