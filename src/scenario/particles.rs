//! A weighted sample of parameter sets read from a CSV file (a posterior written by
//! `simulate calibrate --posterior`), the data behind the `particles` distribution: every
//! parameter of a scenario that names the same file draws from the same row in a run, so the
//! sample's joint structure (the ridges and correlations a calibration found) is kept.
//!
//! The file has a header; a `weight` column (non-negative, not all zero) and numeric columns
//! named by scenario key paths; other columns (text, such as `generation`) are ignored unless
//! a parameter names them. Reads are bounded in size and rows. Pure data and parsing.

use std::path::{Path, PathBuf};

/// Largest particle file read.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Most rows read.
pub const MAX_ROWS: usize = 1_000_000;

/// A weighted sample of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ParticleSet {
    /// The file read (absolute when it could be resolved).
    pub path: PathBuf,
    /// Column names, in file order.
    pub columns: Vec<String>,
    /// Values, `[row][column]` (NaN where a column is not a number).
    pub rows: Vec<Vec<f64>>,
    /// Normalised weights (sum 1).
    pub weights: Vec<f64>,
    cumulative: Vec<f64>,
}

impl ParticleSet {
    /// Reads a particle file. Errors are plain sentences naming the file, row and column.
    pub fn load(path: &Path) -> Result<ParticleSet, String> {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        if meta.len() > MAX_BYTES {
            return Err(format!(
                "{shown} is {} bytes: a particle file may have at most {MAX_BYTES}",
                meta.len()
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
        let mut set = Self::parse(&text).map_err(|e| format!("{shown}: {e}"))?;
        set.path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(set)
    }

    /// Parses the text of a particle file.
    pub fn parse(text: &str) -> Result<ParticleSet, String> {
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| format!("header: {e}"))?
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let Some(w) = columns.iter().position(|c| c == "weight") else {
            return Err(format!(
                "no `weight` column (columns: {}); a particle file has one weight per row",
                columns.join(", ")
            ));
        };
        let mut rows = Vec::new();
        let mut weights = Vec::new();
        for (i, record) in reader.records().enumerate() {
            if i >= MAX_ROWS {
                return Err(format!("more than {MAX_ROWS} rows"));
            }
            let record = record.map_err(|e| format!("row {}: {e}", i + 2))?;
            let row: Vec<f64> = record
                .iter()
                .map(|v| v.trim().parse::<f64>().unwrap_or(f64::NAN))
                .collect();
            let weight = row.get(w).copied().unwrap_or(f64::NAN);
            if !weight.is_finite() || weight < 0.0 {
                return Err(format!(
                    "row {}: weight `{}`: allowed a number of at least 0",
                    i + 2,
                    record.get(w).unwrap_or("")
                ));
            }
            weights.push(weight);
            rows.push(row);
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return Err("no row has a positive weight".into());
        }
        weights.iter_mut().for_each(|x| *x /= total);
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|x| {
                acc += x;
                acc
            })
            .collect();
        Ok(ParticleSet {
            path: PathBuf::new(),
            columns,
            rows,
            weights,
            cumulative,
        })
    }

    /// Index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Whether every row with positive weight holds a finite number in the column.
    pub fn is_numeric(&self, column: usize) -> bool {
        self.rows
            .iter()
            .zip(&self.weights)
            .all(|(r, w)| *w <= 0.0 || r.get(column).is_some_and(|v| v.is_finite()))
    }

    /// Weighted mean of a column.
    pub fn mean(&self, column: usize) -> f64 {
        self.rows
            .iter()
            .zip(&self.weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(r, w)| w * r[column])
            .sum()
    }

    /// Smallest and largest value of a column among rows with positive weight.
    pub fn range(&self, column: usize) -> (f64, f64) {
        self.rows
            .iter()
            .zip(&self.weights)
            .filter(|(_, w)| **w > 0.0)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (r, _)| {
                (lo.min(r[column]), hi.max(r[column]))
            })
    }

    /// A row drawn by weight from a uniform number in [0, 1).
    pub fn pick(&self, u: f64) -> usize {
        self.cumulative
            .partition_point(|c| *c <= u)
            .min(self.rows.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_weights_and_draws_by_them() {
        let s = ParticleSet::parse("generation,weight,a.b\n3,1,0.5\n3,3,1.5\n3,0,9\n").unwrap();
        assert_eq!(s.column("a.b"), Some(2));
        assert!((s.mean(2) - 1.25).abs() < 1e-12);
        assert_eq!(s.range(2), (0.5, 1.5));
        assert_eq!(s.pick(0.1), 0);
        assert_eq!(s.pick(0.3), 1);
        assert_eq!(s.pick(0.999), 1);
    }

    #[test]
    fn refuses_bad_files() {
        for (text, want) in [
            ("a\n1\n", "no `weight` column"),
            ("weight,a\n-1,1\n", "row 2: weight `-1`"),
            ("weight,a\n0,1\n", "no row has a positive weight"),
            ("weight,a\nx,1\n", "row 2: weight `x`"),
        ] {
            let e = ParticleSet::parse(text).unwrap_err();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
