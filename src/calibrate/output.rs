//! What a calibration leaves behind besides tables: the fitted scenario as a file that
//! `extends` the original and sets the fitted values, so that it re-runs with `simulate run`
//! and loads with `simulate check`. Pure text building plus path arithmetic.

use super::config::FreeParam;
use std::path::{Component, Path, PathBuf};

/// The path of `to` relative to the folder `from_dir` (both absolute), with `/` separators.
pub fn relative(from_dir: &Path, to: &Path) -> String {
    let a: Vec<Component> = from_dir.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// A TOML key segment, quoted unless it is a bare key.
fn segment(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        s.to_string()
    } else {
        toml::Value::String(s.to_string()).to_string()
    }
}

/// A dotted TOML key from a path written with dots (`rivalry.US-CN.technology`).
fn dotted(path: &str) -> String {
    path.split('.').map(segment).collect::<Vec<_>>().join(".")
}

/// What the fitted file says about itself.
pub struct FittedFile<'a> {
    /// `extends` path, relative to the folder the file is written to.
    pub extends: &'a str,
    /// Name of the fitted scenario.
    pub name: &'a str,
    /// Its description.
    pub description: &'a str,
    /// `--set` arguments the fit was made with (applied again, before the fitted values).
    pub set: &'a [String],
    /// The free parameters.
    pub free: &'a [FreeParam],
    /// Their fitted values.
    pub values: &'a [f64],
    /// Provenance of the fitted values.
    pub source: &'a str,
    /// Comment lines at the top.
    pub header: &'a [String],
    /// A particle file (relative to the written file): each free parameter is drawn from
    /// its column instead of set to its value (the values are then only the comment's mean).
    pub particles: Option<&'a str>,
}

/// The text of the fitted scenario: top-level dotted keys only (no table headers), so that
/// overrides and fitted values may touch any section without redefining a table.
pub fn fitted_toml(f: &FittedFile<'_>) -> String {
    let mut out = String::new();
    for line in f.header {
        out.push_str(&format!("# {line}\n"));
    }
    let string = |s: &str| toml::Value::String(s.to_string()).to_string();
    out.push_str(&format!("\nextends = {}\n", string(f.extends)));
    out.push_str(
        "# The fitted values describe the world, not a policy change: the rest point is solved\n\
         # with them (docs/model.md §5.1).\nreference = \"self\"\n",
    );
    out.push_str(&format!("name = {}\n", string(f.name)));
    out.push_str(&format!("description = {}\n", string(f.description)));
    let overridden: Vec<(&str, &str)> = f
        .set
        .iter()
        .filter_map(|a| a.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, _)| {
            !matches!(*k, "name" | "description" | "extends")
                && !f.free.iter().any(|p| p.path == *k)
        })
        .collect();
    if !overridden.is_empty() {
        out.push_str("\n# --set overrides the fit was made with\n");
        for (k, v) in overridden {
            let value = if format!("v = {v}").parse::<toml::Table>().is_ok() {
                v.to_string()
            } else {
                string(v)
            };
            out.push_str(&format!("{k} = {value}\n"));
        }
    }
    if let Some(file) = f.particles {
        out.push_str(
            "\n# Drawn from the posterior: one particle (row) per run, by weight; the comment gives \
             the\n# posterior mean and the prior bounds\n",
        );
        for (p, v) in f.free.iter().zip(f.values) {
            out.push_str(&format!(
                "{} = {{ dist = \"particles\", file = {}, source = {} }}  # mean {v:.6}; prior {} to {}\n",
                dotted(&p.path),
                string(file),
                string(f.source),
                p.min,
                p.max
            ));
        }
        return out;
    }
    out.push_str("\n# Fitted values (bounds of the search in the comment)\n");
    for (p, v) in f.free.iter().zip(f.values) {
        out.push_str(&format!(
            "{} = {{ value = {v:?}, source = {} }}  # {} to {}\n",
            dotted(&p.path),
            string(f.source),
            p.min,
            p.max
        ));
    }
    out
}

/// A file name for a target's plot: `fit_<name>` with characters other than letters, digits,
/// `_` and `-` replaced by `_`.
pub fn stem(prefix: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}_{clean}")
}

/// A number for a table: six decimals, empty when not finite.
pub fn fixed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

/// The absolute form of a path (without resolving links), for relative-path arithmetic.
pub fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Target;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative(
                Path::new("/w/output/h/calibration"),
                Path::new("/w/scenarios/h.toml")
            ),
            "../../../scenarios/h.toml"
        );
        assert_eq!(relative(Path::new("/w"), Path::new("/w/a.toml")), "a.toml");
    }

    #[test]
    fn the_fitted_file_parses_and_quotes_only_what_it_must() {
        let free = [
            FreeParam {
                path: "rivalry.US-CN.technology".into(),
                target: Target::Kappa0,
                min: 0.0,
                max: 3.0,
            },
            FreeParam {
                path: "alignment.kappa0".into(),
                target: Target::Kappa0,
                min: -3.0,
                max: 3.0,
            },
        ];
        let set = [
            "ensemble.runs=50".to_string(),
            "name=other".to_string(),
            "state.name=Serbia today".to_string(),
            "alignment.kappa0=1".to_string(),
        ];
        let text = fitted_toml(&FittedFile {
            extends: "../h.toml",
            name: "h_fitted",
            description: "fitted \"h\"",
            set: &set,
            free: &free,
            values: &[1.25, 1e-7],
            source: "simulate calibrate",
            header: &["made by a test".to_string()],
            particles: None,
        });
        let t: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(t["name"].as_str(), Some("h_fitted"));
        assert_eq!(t["ensemble"]["runs"].as_integer(), Some(50));
        assert_eq!(t["state"]["name"].as_str(), Some("Serbia today"));
        assert_eq!(
            t["rivalry"]["US-CN"]["technology"]["value"].as_float(),
            Some(1.25)
        );
        assert_eq!(t["alignment"]["kappa0"]["value"].as_float(), Some(1e-7));
        assert!(text.contains("rivalry.US-CN.technology = "));
        assert_eq!(
            stem("fit", "bcsp_greatest_friend.RU"),
            "fit_bcsp_greatest_friend_RU"
        );
    }
}
