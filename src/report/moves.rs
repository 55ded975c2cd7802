//! Which powers moved most and the driver bars of one power: read off an ensemble for the
//! drivers figures, the report's findings and the explorer. Pure.

use crate::experiment::Ensemble;
use crate::model::{Domain, Params};
use crate::plot;
use crate::stats::Summary;

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

/// A year, its net move and each cause's push.
pub type YearTerms = (i32, f64, Vec<(String, f64)>);

/// One year's driver terms of power `p` (aggregate over domains with the domain weights, or
/// one domain): the net move and each cause's push, causes grouped by output name in schema
/// order. Years outside `years` are left out.
pub fn yearly_terms(
    e: &Ensemble,
    params: &Params,
    p: usize,
    domain: Option<Domain>,
    years: Option<(i32, i32)>,
) -> Vec<YearTerms> {
    let d = &e.drivers;
    let w = params.government.domain_weights;
    let mut out = Vec::new();
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
        out.push((*year, total, grouped));
    }
    out
}

/// Driver bars of one power (aggregate over domains, or one domain) and the net move.
pub fn driver_bars(
    e: &Ensemble,
    params: &Params,
    p: usize,
    domain: Option<Domain>,
    years: Option<(i32, i32)>,
) -> (Vec<plot::DriverBar>, Vec<(i32, f64)>) {
    let mut bars = Vec::new();
    let mut net = Vec::new();
    for (year, total, grouped) in yearly_terms(e, params, p, domain, years) {
        for (term, value) in grouped {
            bars.push(plot::DriverBar { year, term, value });
        }
        net.push((year, total));
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
