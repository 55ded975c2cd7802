//! The shareable report: one self-contained HTML file per run (`report.html`) with the key
//! results, every figure embedded, the event log, the assumptions behind the numbers (value,
//! source, confidence, distribution), and the command that reproduces it. Pure: results in,
//! text out.

mod compare;

pub use compare::{CompareContext, CompareLine, Comparison, ForceLine, compare_html};
pub mod findings;
pub mod moves;

use crate::experiment::Ensemble;
use crate::export::tables;
use crate::model::Params;
use crate::scenario::{self, Scenario};
use std::fmt::Write as _;
use std::path::Path;

/// What the report needs besides the scenario and its ensemble.
pub struct Context<'a> {
    /// Master seed.
    pub seed: u64,
    /// The command line that produced the run.
    pub command_line: &'a str,
    /// SHA-256 of the resolved scenario.
    pub scenario_sha256: &'a str,
    /// Folder holding the run's figures (SVG preferred, PNG otherwise).
    pub figures: &'a Path,
    /// Total-order Sobol indices of the scenario's uncertain numbers, from a sensitivity
    /// study of the same scenario, for the assumptions table.
    pub sensitivity: Option<&'a TotalIndices>,
    /// Another scenario run on the same seeds (`run --against`), for the findings.
    pub against: Option<findings::Against<'a>>,
}

/// Total-order Sobol indices ST of some parameters, and where they come from.
#[derive(Clone, Debug, PartialEq)]
pub struct TotalIndices {
    /// The study's folder, as found.
    pub from: String,
    /// The measure and year the indices are of.
    pub measure: String,
    /// Year.
    pub year: i32,
    /// Points × runs of the study, for the reader.
    pub design: String,
    /// (parameter path, ST, 95% interval).
    pub total: Vec<(String, f64, (f64, f64))>,
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Standard base64 of bytes (for embedding PNG figures).
fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A figure embedded inline: the SVG text if it exists, else the PNG as a data URI.
fn figure(dir: &Path, stem: &str, caption: &str) -> Option<String> {
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    let body = if let Ok(text) = std::fs::read_to_string(&svg) {
        let start = text.find("<svg").unwrap_or(0);
        text[start..].to_string()
    } else if let Ok(bytes) = std::fs::read(&png) {
        format!(
            "<img alt=\"{}\" src=\"data:image/png;base64,{}\">",
            esc(caption),
            base64(&bytes)
        )
    } else {
        return None;
    };
    Some(format!(
        "<figure id=\"fig-{}\">{body}<figcaption>{}</figcaption></figure>\n",
        esc(stem),
        esc(caption)
    ))
}

fn pct(v: f64) -> String {
    format!("{:.0}%", 100.0 * v)
}

/// Key results: closeness per power in the first and last year, and how runs ended.
fn key_results(out: &mut String, params: &Params, e: &Ensemble) {
    let years = &e.summary.years;
    let (first, last) = (0, years.len() - 1);
    let _ = writeln!(
        out,
        "<table><thead><tr><th>power</th><th>closeness {}</th><th>closeness {} (median)</th>\
         <th>90% of runs</th><th>change</th><th>hedge broke toward it</th></tr></thead><tbody>",
        years[first], years[last]
    );
    for (p, power) in params.powers.iter().enumerate() {
        let Some(s) = e.summary.get("closeness", &power.id, "") else {
            continue;
        };
        let share = e.camps[p] as f64 / e.runs.max(1) as f64;
        let _ = writeln!(
            out,
            "<tr><td><span class=\"dot\" style=\"background:rgb({},{},{})\"></span>{}</td>\
             <td>{:.2}</td><td><b>{:.2}</b></td><td>{:.2} – {:.2}</td><td>{:+.2}</td><td>{}</td></tr>",
            power.color[0],
            power.color[1],
            power.color[2],
            esc(&power.name),
            s[first].p50,
            s[last].p50,
            s[last].p5,
            s[last].p95,
            s[last].p50 - s[first].p50,
            pct(share)
        );
    }
    let broke: usize = e.camps.iter().sum();
    let _ = writeln!(
        out,
        "</tbody></table><p>Closeness runs from 0 (distant) to 1 (close), domain-weighted. \
         In {} of {} runs the hedge stayed stable throughout (leeway above zero every year).</p>",
        e.runs - broke,
        e.runs
    );
    let line = |m: &str, label: &str, out: &mut String| {
        if let Some(s) = e.summary.get(m, "", "") {
            let _ = writeln!(
                out,
                "<li>{label}: {:.2} in {} → {:.2} in {} (median; 90% of runs {:.2} – {:.2})</li>",
                s[first].p50, years[first], s[last].p50, years[last], s[last].p5, s[last].p95
            );
        }
    };
    out.push_str("<ul>");
    line(
        "alignment",
        "Alignment with EU foreign-policy declarations",
        out,
    );
    line("membership_support", "Support for EU membership", out);
    line("leeway", "Leeway index (hedge unstable below 0)", out);
    line("hedging", "Hedging index (1 = equally close to all)", out);
    out.push_str("</ul>\n");
}

/// The event log as the report shows it: threats and sanctions first, then everything else,
/// each group in year order; rows with a share that rounds to 0% are left out.
fn event_log(e: &Ensemble, params: &Params) -> Vec<tables::EventRow> {
    let mut rows: Vec<tables::EventRow> = tables::event_rows(e, params)
        .into_iter()
        .filter(|r| r.share.parse::<f64>().is_ok_and(|v| v >= 0.005))
        .collect();
    // A stable sort keeps the year order within each group.
    rows.sort_by_key(|r| !r.kind.starts_with("threat_"));
    rows
}

/// The whole report.
pub fn html(s: &Scenario, e: &Ensemble, ctx: &Context<'_>) -> anyhow::Result<String> {
    let params = &s.base;
    let mut out = String::new();
    let title = format!("{} — simulate report", s.name);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>",
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        esc(&s.name),
        esc(&s.description)
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} {}–{} · {} powers · {} runs · seed {} · simulate {} · \
         scenario SHA-256 <code>{}</code></p>",
        esc(&params.government.state),
        params.start,
        params.end,
        params.n_powers(),
        e.runs,
        ctx.seed,
        env!("CARGO_PKG_VERSION"),
        &ctx.scenario_sha256[..16.min(ctx.scenario_sha256.len())]
    );
    if !e.failures.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\"><strong>{} of {} runs failed</strong> (a non-finite value) and are \
             left out of every figure and table (<code>[ensemble] on_failure = \"{}\"</code>); \
             <code>failures.csv</code> lists each with its seed, year and phase.</p>",
            e.failures.len(),
            e.runs + e.failures.len(),
            s.on_failure.name()
        );
    }
    let found = findings::findings(&s.name, params, e, ctx.against.as_ref());
    out.push_str(&findings::html(&found, esc));
    out.push_str("<h2>Key results</h2>\n");
    key_results(&mut out, params, e);
    out.push_str("<h2>Figures</h2>\n<p>Vertical lines mark elections (dashed) and scripted events (solid).</p>\n");
    let mut figures = vec![
        (
            "closeness",
            "Closeness to each power: median, 50% and 90% of runs".to_string(),
        ),
        ("domains", "Closeness by policy domain".to_string()),
        (
            "opinion",
            "Simulated polls: greatest friend of the country".to_string(),
        ),
        (
            "leeway",
            "Systemic leeway (hedge unstable below zero) and hedging index".to_string(),
        ),
        (
            "instruments",
            "What each power offers: instrument levels".to_string(),
        ),
        (
            "threats",
            "Threats and sanctions: share of runs with a pending threat and with sanctions in force, per year"
                .to_string(),
        ),
        (
            "accession",
            "The membership perspective: credibility, the accession offer and support for membership"
                .to_string(),
        ),
    ];
    if ctx.against.is_some() {
        figures.push((
            "compare_closeness",
            "Closeness to each power, against the scenario compared (same seeds)".to_string(),
        ));
    }
    for p in &params.powers {
        figures.push((
            "",
            format!(
                "drivers_{}|Why closeness to {} moved: each cause's part of the ensemble-mean yearly move",
                p.id, p.name
            ),
        ));
    }
    for (stem, caption) in figures {
        let (stem, caption) = if stem.is_empty() {
            let (a, b) = caption.split_once('|').unwrap_or((&caption, ""));
            (a.to_string(), b.to_string())
        } else {
            (stem.to_string(), caption)
        };
        if let Some(f) = figure(ctx.figures, &stem, &caption) {
            out.push_str(&f);
        }
    }
    out.push_str("<h2 id=\"events\">What happened</h2>\n<p>Threats and sanctions first, then scripted and random events, rules and elections, with the share of runs in which each happened (items that happened in no run are left out).</p>\n");
    let rows = event_log(e, params);
    if rows.is_empty() {
        out.push_str("<p>Nothing fired.</p>\n");
    } else {
        out.push_str("<table><thead><tr><th>year</th><th>kind</th><th>name</th><th>share of runs</th></tr></thead><tbody>\n");
        for r in rows.iter().take(200) {
            let share: f64 = r.share.parse().unwrap_or(0.0);
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.year,
                esc(&r.kind.replace('_', " ")),
                esc(&r.name.replace('_', " ")),
                pct(share)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("<h2>Assumptions</h2>\n<p>Every number with a declared source, a confidence grade (A best, D a documented guess) or an uncertainty range drawn anew in each run. <code>simulate describe</code> lists all parameters.</p>\n");
    if let Some(st) = ctx.sensitivity {
        let _ = writeln!(
            out,
            "<p>ST: how much each uncertain number matters, its total-order Sobol index (share \
             of the variance of <code>{}</code> in {} that goes with it, interactions included; \
             95% bootstrap interval), from the sensitivity study in <code>{}</code> ({}) of this \
             same scenario (same SHA-256). &ndash;: not varied in that study.</p>",
            esc(&st.measure),
            st.year,
            esc(&st.from),
            esc(&st.design)
        );
    }
    let st_head = ctx.sensitivity.map_or(String::new(), |st| {
        format!("<th>ST ({} in {})</th>", esc(&st.measure), st.year)
    });
    let _ = writeln!(
        out,
        "<table><thead><tr><th>parameter</th><th>value</th><th>unit</th><th>conf.</th><th>drawn per run</th>{st_head}<th>source</th></tr></thead><tbody>"
    );
    for r in scenario::describe(s) {
        if r.source.is_none() && r.confidence.is_none() && r.dist.is_none() && r.set.is_none() {
            continue;
        }
        let st_cell = ctx.sensitivity.map_or(String::new(), |st| {
            match st.total.iter().find(|(p, ..)| *p == r.path) {
                Some((_, v, (lo, hi))) => format!("<td>{v:.3} [{lo:.3}, {hi:.3}]</td>"),
                None => "<td>&ndash;</td>".to_string(),
            }
        });
        // A value changed by --set keeps a trace: what it replaced, and where.
        let source = match (&r.set, &r.source) {
            (Some(set), Some(src)) => Some(format!("{set}; before: {src}")),
            (Some(set), None) => Some(set.clone()),
            (None, src) => src.clone(),
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{st_cell}<td>{}</td></tr>",
            esc(&r.path),
            r.value,
            esc(&r.unit),
            esc(r.confidence.as_deref().unwrap_or("")),
            esc(r.dist.as_deref().unwrap_or("")),
            esc(source.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(
        out,
        "<h2>Reproduce</h2><p>Same scenario, seed and version give the same tables. This run: \
         <code>{}</code>. The fully resolved scenario is <code>scenario.resolved.toml</code> \
         beside this file. The model is documented in <code>docs/model.md</code>, its record \
         against 2008–2025 in <code>docs/validation.md</code>.</p></main></body></html>",
        esc(ctx.command_line)
    );
    Ok(out)
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;color:#222;\
background:#fafafa;margin:0}main{max-width:1200px;margin:auto;padding:24px 32px;background:#fff}\
h1{margin-bottom:4px}.lead{font-size:1.15em;color:#444;margin-top:0}.meta{color:#666;\
font-size:.9em}table{border-collapse:collapse;margin:12px 0;font-size:.92em}th,td{border-bottom:\
1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f2f2f2}\
figure{margin:18px 0}figure svg,figure img{max-width:100%;height:auto}figcaption{color:#555;\
font-size:.9em}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;\
margin-right:6px}code{font-size:.9em}";

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
