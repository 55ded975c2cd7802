//! The report of a comparison (`compare/report.html`): what was compared, the final-year
//! table with the direction and persistence of each 0.5 crossing, the pushes that made the
//! gaps, every comparison figure embedded, and how to reproduce it. Built as a list of
//! sections, each a function of the comparison, so that further sections slot in. Pure:
//! results in, text out.

use super::{STYLE, esc, figure, pct};
use crate::experiment::Ensemble;
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::path::Path;

/// One row of the final-year table.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareLine {
    /// Scenario name.
    pub scenario: String,
    /// Power id.
    pub power: String,
    /// Median closeness in the last year.
    pub median: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Median minus the first scenario's.
    pub minus_first: f64,
    /// How the median crosses 0.5 (`↑2031, stays from 2034`), or a dash.
    pub crossing: String,
    /// Share of runs whose hedge collapsed toward the power.
    pub collapsed: f64,
}

/// One push behind a gap: a cause's summed part of the mean moves, minus the first scenario's.
#[derive(Clone, Debug, PartialEq)]
pub struct ForceLine {
    /// Scenario name.
    pub scenario: String,
    /// Power id.
    pub power: String,
    /// Cause output name (`threat.us_5g`, `instrument.loans`).
    pub cause: String,
    /// The push's share of the gap from the first scenario, in closeness.
    pub minus_first: f64,
}

/// What the comparison report shows.
pub struct Comparison<'a> {
    /// The scenarios, first the reference.
    pub scenarios: &'a [Scenario],
    /// Their ensembles.
    pub results: &'a [Ensemble],
    /// The final-year table.
    pub table: &'a [CompareLine],
    /// The largest pushes behind the gaps.
    pub forces: &'a [ForceLine],
}

/// What the comparison report needs besides the results.
pub struct CompareContext<'a> {
    /// Master seed.
    pub seed: u64,
    /// Runs per scenario.
    pub runs: usize,
    /// The command line that produced it.
    pub command_line: &'a str,
    /// Folder holding the comparison's figures.
    pub figures: &'a Path,
}

/// A section of the report: appends its HTML.
type Section = fn(&mut String, &Comparison, &CompareContext);

/// The sections, in order.
const SECTIONS: [Section; 5] = [scenarios, key_results, forces, figures, reproduce];

/// The whole comparison report.
pub fn compare_html(c: &Comparison, ctx: &CompareContext) -> String {
    let names: Vec<&str> = c.scenarios.iter().map(|s| s.name.as_str()).collect();
    let title = names.join(" vs ");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — simulate comparison</title><style>{STYLE}</style></head><body><main>",
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<h1>{}</h1><p class=\"meta\">{} scenarios · {} runs each on common random numbers \
         (run <i>k</i> of every scenario draws the same random numbers) · seed {} · simulate {}</p>",
        esc(&title),
        c.scenarios.len(),
        ctx.runs,
        ctx.seed,
        env!("CARGO_PKG_VERSION")
    );
    for section in SECTIONS {
        section(&mut out, c, ctx);
    }
    out.push_str("</main></body></html>\n");
    out
}

fn scenarios(out: &mut String, c: &Comparison, _: &CompareContext) {
    out.push_str("<h2>Scenarios</h2>\n<table><thead><tr><th>scenario</th><th>file</th><th>what it assumes</th></tr></thead><tbody>\n");
    for (i, s) in c.scenarios.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td><b>{}</b>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&s.name),
            if i == 0 { " (reference)" } else { "" },
            esc(&s.path.display().to_string()),
            esc(&s.description)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn key_results(out: &mut String, c: &Comparison, _: &CompareContext) {
    let years = &c.results[0].summary.years;
    let last = years.last().copied().unwrap_or_default();
    let _ = writeln!(
        out,
        "<h2>Closeness in {last}</h2><p>Median closeness (0 distant, 1 close) in {last}, its 90% \
         band, the difference from <b>{}</b>, when the median crosses 0.5 (↑ upward, ↓ downward; \
         \"stays from\" the year from which it stays crossed, \"back\" if it ends on its starting \
         side), and the share of runs whose hedge collapsed toward the power.</p>",
        esc(&c.scenarios[0].name)
    );
    out.push_str("<table><thead><tr><th>scenario</th><th>power</th><th>median</th><th>90% of runs</th><th>vs first</th><th>crosses 0.5</th><th>hedge broke toward it</th></tr></thead><tbody>\n");
    for r in c.table {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><b>{:.3}</b></td><td>{:.3} – {:.3}</td><td>{:+.3}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.scenario),
            esc(&r.power),
            r.median,
            r.p5,
            r.p95,
            r.minus_first,
            esc(&r.crossing),
            pct(r.collapsed)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn forces(out: &mut String, c: &Comparison, _: &CompareContext) {
    if c.forces.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>What made the gaps</h2><p>Each push's share of the gap in mean closeness in the \
         last year from <b>{}</b> (in closeness). The responses (autonomy cost, public opinion, \
         inertia, option value) hold back whatever the pushes do; near a rest point they hold \
         back every push in the same proportion, so the shares of one power add up to its gap. \
         The raw summed parts of every cause are in <code>compare_drivers.csv</code>.</p>",
        esc(&c.scenarios[0].name)
    );
    out.push_str("<table><thead><tr><th>scenario</th><th>power</th><th>cause</th><th>share of the gap</th></tr></thead><tbody>\n");
    for f in c.forces {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:+.3}</td></tr>",
            esc(&f.scenario),
            esc(&f.power),
            esc(&f.cause),
            f.minus_first
        );
    }
    out.push_str("</tbody></table>\n");
}

/// The comparison figures: (file stem, caption).
const FIGURES: [(&str, &str); 6] = [
    (
        "compare_scenarios",
        "Closeness to each power, one panel per scenario (median, 50% and 90% of runs)",
    ),
    (
        "compare_difference",
        "Run-by-run difference in closeness from the first scenario (median and 90% of the paired runs)",
    ),
    (
        "compare_closeness",
        "Every scenario overlaid, one panel per power",
    ),
    (
        "compare_domains",
        "Closeness by policy domain (rows) and power (columns), median per scenario",
    ),
    (
        "compare_threats",
        "Threats and sanctions: share of runs with a pending threat (dashed) and with sanctions in force (solid)",
    ),
    (
        "compare_accession",
        "The membership perspective: credibility, the accession offer and support for membership",
    ),
];

fn figures(out: &mut String, _: &Comparison, ctx: &CompareContext) {
    out.push_str("<h2>Figures</h2>\n<p>Vertical lines mark elections (dashed) and scripted events (solid).</p>\n");
    for (stem, caption) in FIGURES {
        if let Some(f) = figure(ctx.figures, stem, caption) {
            out.push_str(&f);
        }
    }
}

fn reproduce(out: &mut String, _: &Comparison, ctx: &CompareContext) {
    let _ = writeln!(
        out,
        "<h2>Reproduce</h2><p>Same scenarios, seed and version give the same tables: \
         <code>{}</code>. Each scenario's resolved file (<code>NAME.resolved.toml</code>) and \
         summary (<code>summary_NAME.csv</code>) are beside this file.</p>",
        esc(ctx.command_line)
    );
}
