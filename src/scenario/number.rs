//! Numbers of a scenario: plain, with provenance, or as a distribution; their checks,
//! sampling and widening by confidence (docs/model.md §7). See `file.rs` for the syntax.

use super::error::{ErrorKind, ScenarioError, SourceMap, suggest};
use super::raw::{Raw, RawValue};
use super::spanned::Spanned;
use rand_distr::Distribution;
use std::fmt;
use std::ops::Range;

/// A probability distribution of an uncertain parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Uniform on `[min, max)`.
    Uniform { min: f64, max: f64 },
    /// Normal (unbounded: draws are clamped into the parameter's range).
    Normal { mean: f64, sd: f64 },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular { min: f64, mode: f64, max: f64 },
    /// Beta(`alpha`, `beta`) stretched onto `[min, max]`.
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    },
}

impl Dist {
    /// One draw. Parameters were checked when the scenario was loaded.
    pub fn sample(&self, rng: &mut impl rand::Rng) -> f64 {
        // The constructors below cannot fail on checked parameters; the fallbacks (the
        // centre) only keep this function total.
        match *self {
            Dist::Uniform { min, max } => {
                rand_distr::Uniform::new(min, max).map_or(self.center(), |d| d.sample(rng))
            }
            Dist::Normal { mean, sd } => {
                rand_distr::Normal::new(mean, sd).map_or(mean, |d| d.sample(rng))
            }
            Dist::Triangular { min, mode, max } => {
                rand_distr::Triangular::new(min, max, mode).map_or(mode, |d| d.sample(rng))
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => rand_distr::Beta::new(alpha, beta)
                .map_or(self.center(), |d| min + (max - min) * d.sample(rng)),
        }
    }

    /// The central value used for the base parameters: the mean (uniform, normal, beta) or
    /// the mode (triangular, the most likely value an expert named).
    pub fn center(&self) -> f64 {
        match *self {
            Dist::Uniform { min, max } => 0.5 * (min + max),
            Dist::Normal { mean, .. } => mean,
            Dist::Triangular { mode, .. } => mode,
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => min + (max - min) * alpha / (alpha + beta),
        }
    }

    /// The smallest and largest values it can draw.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Uniform { min, max }
            | Dist::Triangular { min, max, .. }
            | Dist::Beta { min, max, .. } => (min, max),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// The TOML inline table of the distribution, with provenance keys appended.
    pub(crate) fn toml_text(&self, extra: &str) -> String {
        let f = fmt_f64;
        let body = match *self {
            Dist::Uniform { min, max } => {
                format!("dist = \"uniform\", min = {}, max = {}", f(min), f(max))
            }
            Dist::Normal { mean, sd } => {
                format!("dist = \"normal\", mean = {}, sd = {}", f(mean), f(sd))
            }
            Dist::Triangular { min, mode, max } => format!(
                "dist = \"triangular\", min = {}, mode = {}, max = {}",
                f(min),
                f(mode),
                f(max)
            ),
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => format!(
                "dist = \"beta\", alpha = {}, beta = {}, min = {}, max = {}",
                f(alpha),
                f(beta),
                f(min),
                f(max)
            ),
        };
        format!("{{ {body}{extra} }}")
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Dist::Uniform { min, max } => write!(f, "uniform({min}, {max})"),
            Dist::Normal { mean, sd } => write!(f, "normal(mean {mean}, sd {sd})"),
            Dist::Triangular { min, mode, max } => {
                write!(f, "triangular({min}, mode {mode}, {max})")
            }
            Dist::Beta {
                alpha,
                beta,
                min,
                max,
            } => write!(f, "beta({alpha}, {beta}) on [{min}, {max}]"),
        }
    }
}

/// How much a number can be trusted (docs/model.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// Solid: measured or official. Not widened.
    A,
    /// Good estimate: widened ±5%.
    B,
    /// Rough estimate: widened ±15%.
    C,
    /// A guess: widened ±30%.
    D,
}

impl Confidence {
    /// Parses `"A"` to `"D"`.
    pub fn parse(s: &str) -> Option<Confidence> {
        match s {
            "A" => Some(Confidence::A),
            "B" => Some(Confidence::B),
            "C" => Some(Confidence::C),
            "D" => Some(Confidence::D),
            _ => None,
        }
    }

    /// The letter.
    pub fn letter(self) -> &'static str {
        match self {
            Confidence::A => "A",
            Confidence::B => "B",
            Confidence::C => "C",
            Confidence::D => "D",
        }
    }

    /// Relative half-width of the uniform range a fixed number of this confidence is drawn
    /// from when `widen_by_confidence` is on.
    pub fn widening(self) -> f64 {
        match self {
            Confidence::A => 0.0,
            Confidence::B => 0.05,
            Confidence::C => 0.15,
            Confidence::D => 0.30,
        }
    }

    /// The uniform range around `value` (clamped into `[lo, hi]`), or `None` when it is
    /// empty (confidence A, a value of 0, or a value pinned at a bound of a narrow range).
    pub fn widen(self, value: f64, (lo, hi): (f64, f64)) -> Option<Dist> {
        let half = self.widening() * value.abs();
        let (min, max) = ((value - half).max(lo), (value + half).min(hi));
        (min < max).then_some(Dist::Uniform { min, max })
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

/// Where a number comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// Free text: a publication, a data set, "expert guess".
    pub source: Option<String>,
    /// How much it can be trusted.
    pub confidence: Option<Confidence>,
}

/// A number as written: fixed or a distribution, with its provenance and span.
#[derive(Clone, Debug)]
pub(crate) struct NumSpec {
    pub value: NumValue,
    pub provenance: Provenance,
    pub span: Range<usize>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NumValue {
    Fixed(f64),
    Dist(Dist),
}

impl NumSpec {
    /// The value for the base parameters.
    pub fn center(&self) -> f64 {
        match self.value {
            NumValue::Fixed(v) => v,
            NumValue::Dist(d) => d.center(),
        }
    }

    /// The number written back as TOML, in the same form.
    pub fn toml_text(&self) -> String {
        let mut extra = String::new();
        if let Some(s) = &self.provenance.source {
            extra.push_str(&format!(", source = {}", toml::Value::String(s.clone())));
        }
        if let Some(c) = self.provenance.confidence {
            extra.push_str(&format!(", confidence = \"{c}\""));
        }
        match self.value {
            NumValue::Fixed(v) if extra.is_empty() => fmt_f64(v),
            NumValue::Fixed(v) => format!("{{ value = {}{extra} }}", fmt_f64(v)),
            NumValue::Dist(d) => d.toml_text(&extra),
        }
    }
}

/// A float as TOML: the shortest text that reads back to the same value, always a float.
pub(crate) fn fmt_f64(v: f64) -> String {
    let text = format!("{v:?}");
    if text.contains(['.', 'e', 'E', 'n', 'i']) {
        text
    } else {
        format!("{text}.0")
    }
}

const NUMBER_KEYS: &[&str] = &[
    "value",
    "dist",
    "min",
    "max",
    "mean",
    "sd",
    "mode",
    "alpha",
    "beta",
    "source",
    "confidence",
];

const DISTS: &[&str] = &["uniform", "normal", "triangular", "beta"];

/// Parameters of each distribution (and whether required).
fn dist_params(name: &str) -> &'static [(&'static str, bool)] {
    match name {
        "uniform" => &[("min", true), ("max", true)],
        "normal" => &[("mean", true), ("sd", true)],
        "triangular" => &[("min", true), ("mode", true), ("max", true)],
        _ => &[
            ("alpha", true),
            ("beta", true),
            ("min", false),
            ("max", false),
        ],
    }
}

/// Reads a number. `plain_only` says why a distribution or provenance table is not allowed
/// here (`Some("an effect value")`), or `None` on a model parameter.
pub(crate) fn parse_number(
    map: &SourceMap,
    raw: &Raw,
    key: &str,
    plain_only: Option<&str>,
) -> Result<NumSpec, ScenarioError> {
    let span = raw.span();
    let fixed = |v: f64| {
        if v.is_finite() {
            Ok(NumSpec {
                value: NumValue::Fixed(v),
                provenance: Provenance::default(),
                span: span.clone(),
            })
        } else {
            Err(map.error(
                ErrorKind::OutOfRange,
                Some(span.clone()),
                Some(key),
                format!("{key} = {}: allowed a finite number", map.text_of(&span)),
            ))
        }
    };
    match raw.get_ref() {
        RawValue::Integer(i) => fixed(*i as f64),
        RawValue::Float(f) => fixed(*f),
        RawValue::Table(entries) if plain_only.is_none() => parse_table(map, entries, key, span),
        RawValue::Table(_) => {
            let what = if raw.get_ref().has_key("dist") {
                "a distribution"
            } else {
                "a table"
            };
            Err(map.error(
                ErrorKind::WrongType,
                Some(span.clone()),
                Some(key),
                format!(
                    "{key} = {}: {what} is not allowed here, {key} is {}: allowed a plain \
                     number (distributions are allowed only on model parameters, listed by \
                     `simulate describe`)",
                    map.text_of(&span),
                    plain_only.unwrap_or("a plain number")
                ),
            ))
        }
        other => Err(map.error(
            ErrorKind::WrongType,
            Some(span.clone()),
            Some(key),
            format!(
                "{key} = {}: expected a number{}, found {}",
                map.text_of(&span),
                if plain_only.is_none() {
                    ", a table { value = ..., source = ..., confidence = ... } or a \
                     distribution { dist = ... }"
                } else {
                    ""
                },
                other.type_name()
            ),
        )),
    }
}

fn parse_table(
    map: &SourceMap,
    entries: &[(Spanned<String>, Raw)],
    key: &str,
    span: Range<usize>,
) -> Result<NumSpec, ScenarioError> {
    let err =
        |kind, span: Range<usize>, message: String| map.error(kind, Some(span), Some(key), message);
    let get = |name: &str| entries.iter().find(|(k, _)| k.get_ref() == name);
    for (k, _) in entries {
        if !NUMBER_KEYS.contains(&k.get_ref().as_str()) {
            return Err(err(
                ErrorKind::UnknownKey,
                k.span(),
                format!(
                    "unknown key `{}` in the number {key}: {}allowed value, source, \
                     confidence, or dist with its parameters",
                    k.get_ref(),
                    suggest(k.get_ref(), NUMBER_KEYS.iter().copied())
                ),
            ));
        }
    }
    let string = |name: &str| -> Result<Option<Spanned<String>>, ScenarioError> {
        match get(name) {
            None => Ok(None),
            Some((_, v)) => match v.get_ref() {
                RawValue::String(s) => Ok(Some(Spanned::new(v.span(), s.clone()))),
                other => Err(err(
                    ErrorKind::WrongType,
                    v.span(),
                    format!(
                        "{key}.{name} = {}: expected a string, found {}",
                        map.text_of(&v.span()),
                        other.type_name()
                    ),
                )),
            },
        }
    };
    let number = |name: &str| -> Result<Option<Spanned<f64>>, ScenarioError> {
        match get(name) {
            None => Ok(None),
            Some((_, v)) => {
                let n = parse_number(
                    map,
                    v,
                    &format!("{key}.{name}"),
                    Some("part of a number table"),
                )?;
                Ok(Some(Spanned::new(v.span(), n.center())))
            }
        }
    };
    let source = string("source")?.map(Spanned::into_inner);
    let confidence = match string("confidence")? {
        None => None,
        Some(c) => Some(Confidence::parse(c.get_ref()).ok_or_else(|| {
            err(
                ErrorKind::OutOfRange,
                c.span(),
                format!(
                    "{key}.confidence = \"{}\" is not a confidence grade: allowed A (solid), B, \
                     C, D (a guess)",
                    c.get_ref()
                ),
            )
        })?),
    };
    let provenance = Provenance { source, confidence };
    let dist_name = string("dist")?;
    let value = match (number("value")?, dist_name) {
        (Some(_), Some(d)) => {
            return Err(err(
                ErrorKind::Distribution,
                d.span(),
                format!("{key} has both `value` and `dist`: allowed one of them"),
            ));
        }
        (None, None) => {
            let text = map.text_of(&span);
            return Err(err(
                ErrorKind::WrongType,
                span,
                format!(
                    "{key} = {text}: a number written as a table needs `value = ...` or \
                     `dist = ...` (with source and confidence optional)"
                ),
            ));
        }
        (Some(v), None) => {
            if let Some((k, _)) = entries
                .iter()
                .find(|(k, _)| !matches!(k.get_ref().as_str(), "value" | "source" | "confidence"))
            {
                return Err(err(
                    ErrorKind::UnknownKey,
                    k.span(),
                    format!(
                        "`{}` is not allowed in {key} with `value`: allowed value, source, \
                         confidence (or dist and its parameters instead of value)",
                        k.get_ref()
                    ),
                ));
            }
            if !v.get_ref().is_finite() {
                return Err(err(
                    ErrorKind::OutOfRange,
                    v.span(),
                    format!("{key}.value: allowed a finite number"),
                ));
            }
            NumValue::Fixed(*v.get_ref())
        }
        (None, Some(d)) => NumValue::Dist(parse_dist(map, entries, key, &d, &number)?),
    };
    Ok(NumSpec {
        value,
        provenance,
        span,
    })
}

type NumberGetter<'a> = dyn Fn(&str) -> Result<Option<Spanned<f64>>, ScenarioError> + 'a;

fn parse_dist(
    map: &SourceMap,
    entries: &[(Spanned<String>, Raw)],
    key: &str,
    name: &Spanned<String>,
    number: &NumberGetter<'_>,
) -> Result<Dist, ScenarioError> {
    let err = |span: Range<usize>, message: String| {
        map.error(ErrorKind::Distribution, Some(span), Some(key), message)
    };
    let dist = name.get_ref().as_str();
    if !DISTS.contains(&dist) {
        return Err(err(
            name.span(),
            format!(
                "{key}.dist = \"{dist}\" is not a known distribution: {}allowed uniform, \
                 normal, triangular, beta",
                suggest(dist, DISTS.iter().copied())
            ),
        ));
    }
    let params = dist_params(dist);
    let allowed: Vec<&str> = params.iter().map(|(p, _)| *p).collect();
    for (k, _) in entries {
        let k_str = k.get_ref().as_str();
        if !matches!(k_str, "dist" | "source" | "confidence") && !allowed.contains(&k_str) {
            return Err(err(
                k.span(),
                format!(
                    "`{k_str}` is not a parameter of a {dist} distribution ({key}): allowed {} \
                     (and source, confidence)",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let mut values = Vec::new();
    for (p, required) in params {
        match number(p)? {
            Some(v) => values.push(Some(v)),
            None if *required => {
                return Err(err(
                    name.span(),
                    format!(
                        "{key}: a {dist} distribution needs `{p}`: give {}",
                        allowed.join(", ")
                    ),
                ));
            }
            None => values.push(None),
        }
    }
    let v = |i: usize, default: f64| values[i].as_ref().map_or(default, |s| *s.get_ref());
    let span_of = |i: usize| values[i].as_ref().map_or(name.span(), Spanned::span);
    let ordered = |lo: usize, hi: usize| -> Result<(), ScenarioError> {
        let (a, b) = (v(lo, 0.0), v(hi, 1.0));
        if a < b {
            Ok(())
        } else {
            Err(err(
                span_of(hi),
                format!(
                    "{key}: {} = {a} must be less than {} = {b} in a {dist} distribution",
                    allowed[lo], allowed[hi]
                ),
            ))
        }
    };
    let positive = |i: usize| -> Result<(), ScenarioError> {
        if v(i, 1.0) > 0.0 {
            Ok(())
        } else {
            Err(err(
                span_of(i),
                format!(
                    "{key}.{} = {}: allowed greater than 0 in a {dist} distribution",
                    allowed[i],
                    v(i, 1.0)
                ),
            ))
        }
    };
    Ok(match dist {
        "uniform" => {
            ordered(0, 1)?;
            Dist::Uniform {
                min: v(0, 0.0),
                max: v(1, 1.0),
            }
        }
        "normal" => {
            positive(1)?;
            Dist::Normal {
                mean: v(0, 0.0),
                sd: v(1, 1.0),
            }
        }
        "triangular" => {
            ordered(0, 2)?;
            let (min, mode, max) = (v(0, 0.0), v(1, 0.0), v(2, 1.0));
            if !(min <= mode && mode <= max) {
                return Err(err(
                    span_of(1),
                    format!(
                        "{key}.mode = {mode} is outside min = {min} to max = {max}: allowed \
                         min <= mode <= max"
                    ),
                ));
            }
            Dist::Triangular { min, mode, max }
        }
        _ => {
            positive(0)?;
            positive(1)?;
            ordered(2, 3)?;
            Dist::Beta {
                alpha: v(0, 1.0),
                beta: v(1, 1.0),
                min: v(2, 0.0),
                max: v(3, 1.0),
            }
        }
    })
}

/// Reads a whole number in `[lo, hi]`.
pub(crate) fn parse_int(
    map: &SourceMap,
    raw: &Raw,
    key: &str,
    (lo, hi): (i64, i64),
) -> Result<i64, ScenarioError> {
    let span = raw.span();
    let text = map.text_of(&span);
    match raw.get_ref() {
        RawValue::Integer(i) if (lo..=hi).contains(i) => Ok(*i),
        RawValue::Integer(_) => Err(map.error(
            ErrorKind::OutOfRange,
            Some(span),
            Some(key),
            format!("{key} = {text} is out of range: allowed {lo} to {hi}"),
        )),
        RawValue::Table(_) if raw.get_ref().has_key("dist") => Err(map.error(
            ErrorKind::WrongType,
            Some(span),
            Some(key),
            format!(
                "{key} = {text}: a distribution is not allowed here, {key} is a whole number: \
                 allowed an integer {lo} to {hi} (distributions are allowed only on model \
                 parameters, listed by `simulate describe`)"
            ),
        )),
        other => Err(map.error(
            ErrorKind::WrongType,
            Some(span),
            Some(key),
            format!(
                "{key} = {text}: expected an integer ({lo} to {hi}), found {}",
                other.type_name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::error::Origin;
    use rand::SeedableRng;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Doc {
        x: Raw,
    }

    fn read(text: &str) -> Result<NumSpec, ScenarioError> {
        let mut map = SourceMap::default();
        map.add(Origin::File("t.toml".into()), text.to_string());
        let doc: Doc = toml::from_str(text).unwrap();
        parse_number(&map, &doc.x, "x", None)
    }

    #[test]
    fn reads_the_three_forms() {
        assert!(
            matches!(read("x = 2").unwrap().value, NumValue::Fixed(v) if (v - 2.0).abs() < 1e-12)
        );
        let n = read("x = { value = 0.3, source = \"s\", confidence = \"C\" }").unwrap();
        assert_eq!(n.provenance.confidence, Some(Confidence::C));
        assert_eq!(n.provenance.source.as_deref(), Some("s"));
        let n = read("x = { dist = \"beta\", alpha = 2, beta = 6 }").unwrap();
        assert!((n.center() - 0.25).abs() < 1e-12);
        assert_eq!(
            n.toml_text(),
            "{ dist = \"beta\", alpha = 2.0, beta = 6.0, min = 0.0, max = 1.0 }"
        );
    }

    #[test]
    fn refuses_bad_distributions() {
        let cases = [
            (
                "x = { dist = \"unifrom\", min = 0, max = 1 }",
                "did you mean `uniform`",
            ),
            (
                "x = { dist = \"uniform\", min = 1, max = 0 }",
                "min = 1 must be less than max = 0",
            ),
            (
                "x = { dist = \"normal\", mean = 1, sd = 0 }",
                "allowed greater than 0",
            ),
            ("x = { dist = \"normal\", mean = 1 }", "needs `sd`"),
            (
                "x = { dist = \"triangular\", min = 0, mode = 2, max = 1 }",
                "min <= mode <= max",
            ),
            (
                "x = { dist = \"normal\", mean = 1, sd = 1, max = 3 }",
                "not a parameter of a normal",
            ),
            (
                "x = { value = 1, dist = \"normal\" }",
                "both `value` and `dist`",
            ),
            ("x = { valeu = 1 }", "did you mean `value`"),
            (
                "x = { value = 1, confidence = \"E\" }",
                "allowed A (solid), B, C, D",
            ),
            ("x = \"high\"", "expected a number"),
        ];
        for (text, want) in cases {
            let e = read(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
            assert!(e.starts_with("error: t.toml:1:"), "{e}");
        }
    }

    #[test]
    fn draws_stay_in_the_support() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let dists = [
            Dist::Uniform { min: 0.2, max: 0.5 },
            Dist::Triangular {
                min: 0.0,
                mode: 0.1,
                max: 1.0,
            },
            Dist::Beta {
                alpha: 2.0,
                beta: 3.0,
                min: 1.0,
                max: 2.0,
            },
        ];
        for d in dists {
            let (lo, hi) = d.support();
            let mean: f64 = (0..2000)
                .map(|_| d.sample(&mut rng))
                .inspect(|x| {
                    assert!((lo..=hi).contains(x), "{d}: {x}");
                })
                .sum::<f64>()
                / 2000.0;
            if !matches!(d, Dist::Triangular { .. }) {
                assert!((mean - d.center()).abs() < 0.05, "{d}: mean {mean}");
            }
        }
    }

    #[test]
    fn widening_is_relative_and_clamped() {
        let d = Confidence::C.widen(0.9, (0.0, 1.0)).unwrap();
        let (lo, hi) = d.support();
        assert!(
            (lo - 0.765).abs() < 1e-12 && (hi - 1.0).abs() < 1e-12,
            "{d}"
        );
        assert!(Confidence::A.widen(0.5, (0.0, 1.0)).is_none());
        assert!(Confidence::D.widen(0.0, (0.0, 1.0)).is_none());
    }

    #[test]
    fn floats_print_as_toml_floats() {
        assert_eq!(fmt_f64(1.0), "1.0");
        assert_eq!(fmt_f64(0.1), "0.1");
        assert_eq!(fmt_f64(-0.3), "-0.3");
        assert_eq!(fmt_f64(1e-6), "1e-6");
        let back: f64 =
            toml::from_str::<toml::Table>(&format!("x = {}", fmt_f64(1e-6))).unwrap()["x"]
                .as_float()
                .unwrap();
        assert_eq!(back.to_bits(), 1e-6_f64.to_bits());
    }
}
