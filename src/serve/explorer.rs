//! The explorer behind `simulate serve`: the sliders of a scenario (its uncertain numbers and
//! its `[explore]` table), an ensemble re-run with the values the page changed, the figures as
//! SVG text, and "save as scenario". Knows nothing of HTTP: requests come in as parsed values,
//! answers go out as JSON values; `mod.rs` does the wire.
//!
//! The page's values reach the model exactly as `--set` arguments do, through the scenario
//! loader, so a bad value gets the checked error the command line gives.

use crate::commands::common::{driver_bars, movers, styles};
use crate::experiment::{self, Ensemble, Exec, Plan, measures};
use crate::export::{self, tables};
use crate::model::Target;
use crate::plot::{self, Meta};
use crate::scenario::{self, Dist, Scenario};
use crate::usage::usage;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Most characters of a parameter path or value sent by the page.
const MAX_TEXT: usize = 200;
/// Most changed values in one request.
const MAX_CHANGES: usize = 200;
/// Most saved scenarios in one output folder (a name is found by counting up).
const MAX_SAVED: usize = 10_000;

/// One slider of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Slider {
    /// The parameter path (`powers.US.budget`), as `--set` takes it.
    pub path: String,
    /// Unit or meaning (may be empty).
    pub unit: String,
    /// Lower end of the slider.
    pub min: f64,
    /// Upper end of the slider.
    pub max: f64,
    /// Value in the scenario (an uncertain number's central value).
    pub value: f64,
    /// What the parameter's checks allow, as text (`0 to 100`).
    pub allowed: String,
    /// The distribution it is drawn from in each run, when uncertain.
    pub dist: Option<String>,
    /// Where the number comes from.
    pub source: Option<String>,
    /// Confidence grade A–D.
    pub confidence: Option<String>,
    /// `explore` (listed in `[explore]`), `uncertain` (an uncertain number of policy or the
    /// world) or `start` (an uncertain number of the starting state): why it is on the page.
    pub group: &'static str,
}

/// The scenario being explored and where saved scenarios go.
pub struct Explorer {
    /// The scenario file as given on the command line.
    pub path: PathBuf,
    /// The scenario loaded without changes.
    pub scenario: Scenario,
    /// Its sliders, uncertain numbers first.
    pub sliders: Vec<Slider>,
    /// Folder of saved scenarios.
    pub out: PathBuf,
    /// Worker threads of an ensemble.
    pub threads: usize,
    /// Runs of the quick ensemble drawn while a slider moves.
    pub quick_runs: usize,
}

/// A request of the page: the changed values (path → value as typed), quick or full, and
/// which power's drivers to draw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    /// Changed values, path → value text (as after `--set path=`).
    pub set: BTreeMap<String, String>,
    /// The quick ensemble (while dragging) rather than the full one.
    pub quick: bool,
    /// Power whose drivers are drawn; default: the one that moved most.
    pub power: Option<String>,
}

/// A refusal to show on the page: the message, and whether it is the user's input (400) or
/// the tool's failure (500).
#[derive(Debug)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Text for the page.
    pub message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 400,
            message: message.into(),
        }
    }
}

/// An error of the loader or the run: the user's when it is a scenario or usage error.
fn refusal(e: &anyhow::Error) -> Refusal {
    let user = e.chain().any(|c| {
        c.downcast_ref::<scenario::ScenarioError>().is_some()
            || c.downcast_ref::<crate::usage::UsageError>().is_some()
    });
    let message = if e.downcast_ref::<scenario::ScenarioError>().is_some() {
        e.to_string()
    } else {
        format!("error: {e:#}")
    };
    Refusal {
        status: if user { 400 } else { 500 },
        message,
    }
}

impl Explorer {
    /// Loads the scenario and works out its sliders. `out` is the folder saved scenarios go to
    /// (created on the first save).
    pub fn new(
        path: &Path,
        out: PathBuf,
        threads: usize,
        quick_runs: usize,
    ) -> anyhow::Result<Explorer> {
        let scenario = scenario::load(path, &[])?;
        let sliders = sliders(&scenario)?;
        Ok(Explorer {
            path: path.to_path_buf(),
            scenario,
            sliders,
            out,
            threads,
            quick_runs: quick_runs.max(1),
        })
    }

    /// What the page needs to draw its controls.
    pub fn describe(&self) -> Value {
        let s = &self.scenario;
        json!({
            "name": s.name,
            "description": s.description,
            "path": self.path.display().to_string(),
            "runs": s.runs,
            "quick_runs": self.quick_runs.min(s.runs),
            "seed": s.seed,
            "years": [s.base.start, s.base.end],
            "out": self.out.display().to_string(),
            "powers": s.base.powers.iter().map(|p| json!({
                "id": p.id,
                "name": p.name,
                "color": format!("rgb({},{},{})", p.color[0], p.color[1], p.color[2]),
            })).collect::<Vec<_>>(),
            "sliders": self.sliders.iter().map(|k| json!({
                "path": k.path,
                "unit": k.unit,
                "min": k.min,
                "max": k.max,
                "value": k.value,
                "allowed": k.allowed,
                "dist": k.dist,
                "source": k.source,
                "confidence": k.confidence,
                "group": k.group,
            })).collect::<Vec<_>>(),
        })
    }

    /// The `--set` arguments of a request, checked for shape (the loader checks the values).
    fn sets(&self, req: &Request) -> Result<Vec<String>, Refusal> {
        if req.set.len() > MAX_CHANGES {
            return Err(Refusal::bad(format!(
                "{} changed values: at most {MAX_CHANGES} in one request",
                req.set.len()
            )));
        }
        req.set
            .iter()
            .map(|(path, value)| {
                let path_ok = !path.is_empty()
                    && path.len() <= MAX_TEXT
                    && path
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
                if !path_ok {
                    return Err(Refusal::bad(format!(
                        "'{}' is not a parameter path: allowed letters, digits, '.', '_' and \
                         '-', at most {MAX_TEXT} characters (e.g. powers.US.budget)",
                        path.chars().take(MAX_TEXT).collect::<String>()
                    )));
                }
                if value.len() > MAX_TEXT || value.chars().any(char::is_control) {
                    return Err(Refusal::bad(format!(
                        "{path}: the value must be at most {MAX_TEXT} characters on one line"
                    )));
                }
                Ok(format!("{path}={}", value.trim()))
            })
            .collect()
    }

    /// Loads the scenario with the request's changes, as `--set` would.
    fn load(&self, req: &Request) -> Result<(Scenario, Vec<String>), Refusal> {
        let sets = self.sets(req)?;
        let s = scenario::load(&self.path, &sets).map_err(|e| refusal(&e.into()))?;
        Ok((s, sets))
    }

    /// Runs the ensemble of a request and draws its figures.
    pub fn run(&self, req: &Request) -> Result<Value, Refusal> {
        let started = Instant::now();
        let (s, _) = self.load(req)?;
        let runs = if req.quick {
            self.quick_runs.min(s.runs)
        } else {
            s.runs
        };
        let plan = Plan::ensemble(s.seed, runs, 0).map_err(|e| Refusal::bad(e.to_string()))?;
        let noop = |_: usize| {};
        let exec = Exec {
            threads: self.threads,
            progress: &noop,
        };
        let e = experiment::execute(&s, &plan, &exec, &mut |_| Ok(())).map_err(|e| refusal(&e))?;
        let simulated = started.elapsed().as_secs_f64();
        let power = match &req.power {
            Some(id) => s
                .base
                .powers
                .iter()
                .position(|p| &p.id == id)
                .ok_or_else(|| {
                    let ids: Vec<&str> = s.base.powers.iter().map(|p| p.id.as_str()).collect();
                    Refusal::bad(format!(
                        "power '{id}' is not in the scenario: allowed {}",
                        ids.join(", ")
                    ))
                })?,
            None => movers(&e.summary, &s.base, 1).first().copied().unwrap_or(0),
        };
        let charts = self.charts(&s, &e, &plan, power).map_err(|e| refusal(&e))?;
        let order = measures::series(&s.base);
        let summary_csv = tables::table_csv(&tables::summary_rows(&e.summary, &order))
            .map_err(|e| refusal(&e))?;
        Ok(json!({
            "ok": true,
            "quick": req.quick,
            "runs": e.runs,
            "runs_failed": e.failures.len(),
            "seed": plan.master_seed,
            "power": s.base.powers[power].id,
            "seconds": started.elapsed().as_secs_f64(),
            "simulate_seconds": simulated,
            "charts": charts,
            "table": final_table(&s, &e),
            "summary_sha256": export::sha256_hex(&summary_csv),
        }))
    }

    /// The figures of an ensemble as SVG text.
    fn charts(
        &self,
        s: &Scenario,
        e: &Ensemble,
        plan: &Plan,
        power: usize,
    ) -> anyhow::Result<Value> {
        let meta = Meta {
            title: s.name.clone(),
            subtitle: format!(
                "{} runs · seed {} · simulate {}",
                e.runs,
                plan.master_seed,
                env!("CARGO_PKG_VERSION")
            ),
        };
        let st = styles(&s.base);
        let (bars, net) = driver_bars(e, &s.base, power, None, None);
        let heading = format!("Why closeness to {} moved", s.base.powers[power].name);
        Ok(json!({
            "closeness": scalable(plot::closeness_svg(&e.summary, &st, &meta)?),
            "domains": scalable(plot::domains_svg(&e.summary, &st, &meta)?),
            "leeway": scalable(plot::leeway_svg(&e.summary, &meta)?),
            "drivers": scalable(plot::drivers_svg(
                &plot::DriverChart {
                    bars: &bars,
                    net: &net,
                    heading: &heading,
                    unit: "push on closeness per year (ensemble mean)",
                    note: None,
                    powers: &st,
                    marks: &[],
                },
                &meta
            )?),
        }))
    }

    /// Writes a scenario that `extends` the explored one with exactly the request's changes
    /// into the output folder, under a new name (never replacing a file). Returns its path.
    pub fn save(&self, req: &Request) -> Result<Value, Refusal> {
        let (s, sets) = self.load(req)?;
        std::fs::create_dir_all(&self.out).map_err(|e| Refusal {
            status: 500,
            message: format!(
                "cannot create the output folder {}: {}",
                self.out.display(),
                scenario::io_text(&e)
            ),
        })?;
        let extends = extends_path(&self.path, &self.out);
        for n in 1..=MAX_SAVED {
            let name = format!("{}-explore-{n}", self.scenario.name);
            let file = self.out.join(format!("{name}.toml"));
            let text = saved_text(&name, &extends, &self.scenario.name, &sets, &s);
            let opened = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&file);
            match opened {
                Ok(mut f) => {
                    use std::io::Write;
                    let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
                    if let Err(e) = written {
                        let _ = std::fs::remove_file(&file);
                        return Err(Refusal {
                            status: 500,
                            message: format!(
                                "cannot write {}: {}",
                                file.display(),
                                scenario::io_text(&e)
                            ),
                        });
                    }
                    return Ok(json!({
                        "ok": true,
                        "file": file.display().to_string(),
                        "name": name,
                        "changes": sets.len(),
                        "command": format!("simulate run {}", file.display()),
                    }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Refusal {
                        status: 500,
                        message: format!(
                            "cannot write {}: {}",
                            file.display(),
                            scenario::io_text(&e)
                        ),
                    });
                }
            }
        }
        Err(Refusal {
            status: 500,
            message: format!(
                "{} already holds {MAX_SAVED} saved scenarios of {}: move some away",
                self.out.display(),
                self.scenario.name
            ),
        })
    }
}

/// The text of a saved scenario: `extends` the explored file, a name of its own, and each
/// change as the dotted key `--set` would have patched.
fn saved_text(name: &str, extends: &str, from: &str, sets: &[String], s: &Scenario) -> String {
    let mut out = format!(
        "# Saved by `simulate serve` from {from}: the explored scenario with the values changed \
         on the page.\n# Same seed ({}) and runs ({}): `simulate run` on this file reproduces \
         the page's full ensemble.\nextends = {}\nname = {}\n",
        s.seed,
        s.runs,
        toml::Value::String(extends.to_string()),
        toml::Value::String(name.to_string())
    );
    for set in sets {
        if let Some((path, value)) = set.split_once('=') {
            // The loader accepted `value` as the --set value: valid TOML, or text it quoted.
            let value = if toml::from_str::<toml::Table>(&format!("v = {value}")).is_ok() {
                value.to_string()
            } else {
                toml::Value::String(value.to_string()).to_string()
            };
            out.push_str(&format!("{path} = {value}\n"));
        }
    }
    out
}

/// The path of the explored scenario as `extends` in a file saved in `out`: relative when
/// both resolve, so the folder keeps working when the project moves.
fn extends_path(scenario: &Path, out: &Path) -> String {
    let (Ok(target), Ok(from)) = (std::fs::canonicalize(scenario), std::fs::canonicalize(out))
    else {
        return scenario.display().to_string();
    };
    let t: Vec<_> = target.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..f.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    rel.display().to_string()
}

/// An SVG that scales to its box: plotters writes width and height only.
fn scalable(svg: String) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg;
    };
    let head_end = svg[start..].find('>').map_or(svg.len(), |i| start + i);
    let head = &svg[start..head_end];
    let attr = |name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let i = head.find(&key)? + key.len();
        let j = head[i..].find('"')? + i;
        Some(head[i..j].to_string())
    };
    if head.contains("viewBox") {
        return svg[start..].to_string();
    }
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => format!(
            "<svg viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"xMidYMid meet\"{}",
            &svg[start + 4..]
        )
        .replacen(&format!(" width=\"{w}\""), "", 1)
        .replacen(&format!(" height=\"{h}\""), "", 1),
        _ => svg[start..].to_string(),
    }
}

/// Final-year closeness per power: median, 90% band, change, share of runs whose hedge
/// collapsed toward it.
fn final_table(s: &Scenario, e: &Ensemble) -> Value {
    let runs = e.runs.max(1) as f64;
    let rows: Vec<Value> = s
        .base
        .powers
        .iter()
        .enumerate()
        .filter_map(|(p, power)| {
            let q = e.summary.get("closeness", &power.id, "")?;
            let (first, last) = (q.first()?, q.last()?);
            Some(json!({
                "power": power.id,
                "name": power.name,
                "start": round4(first.p50),
                "p50": round4(last.p50),
                "p5": round4(last.p5),
                "p95": round4(last.p95),
                "collapsed": round4(e.camps.get(p).copied().unwrap_or(0) as f64 / runs),
            }))
        })
        .collect();
    json!({ "year": s.base.end, "rows": rows })
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// A slider's ends for an uncertain number: its support, or ±3 sd of a normal, within what
/// the parameter allows.
fn dist_range(d: &Dist, allowed: (f64, f64)) -> (f64, f64) {
    let (lo, hi) = match *d {
        Dist::Normal { mean, sd } => (mean - 3.0 * sd, mean + 3.0 * sd),
        _ => d.support(),
    };
    (lo.max(allowed.0), hi.min(allowed.1))
}

/// A slider's ends when `[explore]` gives none: from zero (or the lowest allowed) to twice the
/// value, within what the parameter allows.
fn default_range(value: f64, allowed: (f64, f64)) -> (f64, f64) {
    let span = value.abs().max(0.1);
    let lo = if allowed.0 >= 0.0 {
        allowed.0
    } else {
        value - span
    };
    ((lo).max(allowed.0), (value + span).min(allowed.1))
}

/// The sliders: the scenario's uncertain numbers, then the paths of `[explore] params`.
fn sliders(s: &Scenario) -> anyhow::Result<Vec<Slider>> {
    let spec = s.base.spec();
    let slider = |target: Target, path: String, range: (f64, f64), group| {
        let provenance = s.provenance.get(&path);
        let allowed = target.range();
        Slider {
            unit: target.unit().to_string(),
            min: range.0,
            max: range.1,
            value: target.get(spec),
            allowed: crate::model::range_text(allowed.0, allowed.1),
            dist: s.dist_of(target).map(ToString::to_string),
            source: provenance.and_then(|p| p.source.clone()),
            confidence: provenance.and_then(|p| p.confidence).map(|c| c.to_string()),
            group,
            path,
        }
    };
    let mut out: Vec<Slider> = Vec::new();
    // Policies and the world first, then the starting state.
    for initial in [false, true] {
        for u in s
            .uncertain
            .iter()
            .filter(|u| u.target.is_initial() == initial)
        {
            let (lo, hi) = dist_range(&u.dist, u.target.range());
            if lo.is_finite() && hi.is_finite() && lo < hi {
                let group = if initial { "start" } else { "uncertain" };
                out.push(slider(u.target, u.path.clone(), (lo, hi), group));
            }
        }
    }
    for (path, range) in explore_params(s)? {
        let target = Target::parse(&path, spec)
            .map_err(|e| usage(format!("{}: [explore] params: {e}", s.path.display())))?;
        let allowed = target.range();
        let range = range.unwrap_or_else(|| default_range(target.get(spec), allowed));
        if range.0 < allowed.0 || range.1 > allowed.1 {
            return Err(usage(format!(
                "{}: [explore] params: {path}={}:{} is outside what the parameter allows ({})",
                s.path.display(),
                range.0,
                range.1,
                crate::model::range_text(allowed.0, allowed.1)
            )));
        }
        let canonical = target.path(spec);
        let k = slider(target, canonical, range, "explore");
        match out.iter_mut().find(|o| o.path == k.path) {
            Some(o) => {
                o.min = k.min;
                o.max = k.max;
            }
            None => out.push(k),
        }
    }
    Ok(out)
}

/// A path of `[explore] params` and the slider's range, when given.
type ExploreParam = (String, Option<(f64, f64)>);

/// `[explore] params = ["PATH", "PATH=LO:HI", ...]`, checked for shape.
fn explore_params(s: &Scenario) -> anyhow::Result<Vec<ExploreParam>> {
    let Some(table) = &s.explore else {
        return Ok(Vec::new());
    };
    let where_ = s.path.display();
    if let Some(k) = table.keys().find(|k| *k != "params") {
        return Err(usage(format!(
            "{where_}: [explore] {k}: unknown key; allowed: params"
        )));
    }
    let Some(params) = table.get("params") else {
        return Ok(Vec::new());
    };
    let Some(list) = params.as_array() else {
        return Err(usage(format!(
            "{where_}: [explore] params must be a list of strings such as \
             \"powers.US.budget\" or \"powers.US.budget=0.1:1.5\""
        )));
    };
    list.iter()
        .map(|v| {
            let text = v.as_str().ok_or_else(|| {
                usage(format!(
                    "{where_}: [explore] params: {v} is not a string; allowed \"PATH\" or \
                     \"PATH=LO:HI\""
                ))
            })?;
            match text.split_once('=') {
                None => Ok((text.trim().to_string(), None)),
                Some((path, range)) => {
                    let bad = || {
                        usage(format!(
                            "{where_}: [explore] params: '{text}': expected PATH=LO:HI with \
                             numbers LO < HI, e.g. powers.US.budget=0.1:1.5"
                        ))
                    };
                    let (a, b) = range.split_once(':').ok_or_else(bad)?;
                    let lo: f64 = a.trim().parse().map_err(|_| bad())?;
                    let hi: f64 = b.trim().parse().map_err(|_| bad())?;
                    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                        return Err(bad());
                    }
                    Ok((path.trim().to_string(), Some((lo, hi))))
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_gets_a_view_box_in_place_of_its_size() {
        let svg = "<?xml?>\n<svg width=\"1200\" height=\"800\" xmlns=\"x\"><g/></svg>".to_string();
        assert_eq!(
            scalable(svg),
            "<svg viewBox=\"0 0 1200 800\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"x\"><g/></svg>"
        );
    }

    #[test]
    fn extends_is_relative_to_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let scen = dir.path().join("scenarios");
        let out = dir.path().join("output").join("x-explore");
        std::fs::create_dir_all(&scen).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(scen.join("a.toml"), "").unwrap();
        assert_eq!(
            extends_path(&scen.join("a.toml"), &out),
            Path::new("..")
                .join("..")
                .join("scenarios")
                .join("a.toml")
                .display()
                .to_string()
        );
    }

    #[test]
    fn default_ranges_run_from_zero_to_twice_the_value_within_the_allowed() {
        assert_eq!(default_range(0.4, (0.0, 100.0)), (0.0, 0.8));
        assert_eq!(default_range(0.8, (0.0, 1.0)), (0.0, 1.0));
        assert_eq!(default_range(0.0, (-5.0, 5.0)), (-0.1, 0.1));
    }
}
