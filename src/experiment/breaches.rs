//! The run-time diagnostic of effects that broke an invariant of the file (docs/model.md §7):
//! for each event or rule, invariant and year, the number of runs in which it happened and
//! the range of the values asked for. Counts are integers and extremes are order-free, so the
//! result does not depend on the thread count or on how a plan was sharded.

use super::{FiredKey, Reader};
use crate::model::params::ParamSpec;
use crate::model::record::{Breach, Invariant};
use std::collections::{BTreeMap, BTreeSet};

/// What broke, named for outputs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BreachKey {
    /// The scripted event, random event or rule.
    pub source: FiredKey,
    /// `range`, `shares` or `weights`.
    pub invariant: String,
    /// The parameter (`powers.EU.mix.grants`) or the values summed (`powers.EU.mix`,
    /// `government.domain_weights`).
    pub path: String,
    /// What the file allows (`0 to 1`, `sum at most 1`, `sum 1`).
    pub allowed: String,
}

impl BreachKey {
    /// The key of a breach of a run with parameters `spec`.
    pub fn of(b: &Breach, spec: &ParamSpec) -> BreachKey {
        let (invariant, path, allowed) = match b.invariant {
            Invariant::Range(t) => {
                let (lo, hi) = t.range();
                ("range", t.path(spec), format!("{lo} to {hi}"))
            }
            Invariant::Shares(p) => (
                "shares",
                format!("powers.{}.mix", spec.powers[p].id),
                "sum at most 1".to_string(),
            ),
            Invariant::Weights => (
                "weights",
                "government.domain_weights".to_string(),
                "sum 1".to_string(),
            ),
        };
        BreachKey {
            source: FiredKey {
                kind: b.source.kind as u8,
                index: b.source.index,
            },
            invariant: invariant.to_string(),
            path,
            allowed,
        }
    }

    /// What the run did about it, in words.
    pub fn consequence(&self) -> &'static str {
        match self.invariant.as_str() {
            "range" => "kept in its range",
            "shares" => "the budget cap scales the power's instruments down",
            _ => "the aggregate is not a weighted mean",
        }
    }
}

/// Runs in which a breach happened, and the values asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreachCount {
    /// Runs (each counted once).
    pub runs: usize,
    /// Smallest value asked for.
    pub min: f64,
    /// Largest value asked for.
    pub max: f64,
}

impl BreachCount {
    fn add(&mut self, other: &BreachCount) {
        self.runs += other.runs;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// The breaches of an ensemble.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breaches {
    /// Per (year index, breach).
    pub by_year: BTreeMap<(usize, BreachKey), BreachCount>,
    /// Per breach over all years: runs in which it happened in some year.
    pub by_source: BTreeMap<BreachKey, BreachCount>,
    /// Runs in which any effect broke an invariant.
    pub runs: usize,
}

impl Breaches {
    /// Whether no effect broke an invariant.
    pub fn is_empty(&self) -> bool {
        self.runs == 0
    }

    /// Adds the breaches of one run: (year index, breach, value asked for).
    pub fn add_run(&mut self, run: &[(usize, BreachKey, f64)]) {
        if run.is_empty() {
            return;
        }
        self.runs += 1;
        let mut per_year: BTreeMap<(usize, &BreachKey), (f64, f64)> = BTreeMap::new();
        let mut per_source: BTreeMap<&BreachKey, (f64, f64)> = BTreeMap::new();
        for (y, key, v) in run {
            for e in [
                per_year.entry((*y, key)).or_insert((*v, *v)),
                per_source.entry(key).or_insert((*v, *v)),
            ] {
                e.0 = e.0.min(*v);
                e.1 = e.1.max(*v);
            }
        }
        for ((y, key), (min, max)) in per_year {
            let c = BreachCount { runs: 1, min, max };
            match self.by_year.get_mut(&(y, key.clone())) {
                Some(old) => old.add(&c),
                None => {
                    self.by_year.insert((y, key.clone()), c);
                }
            }
        }
        for (key, (min, max)) in per_source {
            let c = BreachCount { runs: 1, min, max };
            match self.by_source.get_mut(key) {
                Some(old) => old.add(&c),
                None => {
                    self.by_source.insert(key.clone(), c);
                }
            }
        }
    }

    /// Adds the breaches of a later shard.
    pub fn merge(&mut self, other: &Breaches) {
        self.runs += other.runs;
        for (k, c) in &other.by_year {
            self.by_year
                .entry(k.clone())
                .and_modify(|old| old.add(c))
                .or_insert(*c);
        }
        for (k, c) in &other.by_source {
            self.by_source
                .entry(k.clone())
                .and_modify(|old| old.add(c))
                .or_insert(*c);
        }
    }

    /// The years (indices) in which each breach happened.
    pub fn years_of(&self, key: &BreachKey) -> BTreeSet<usize> {
        self.by_year
            .keys()
            .filter(|(_, k)| k == key)
            .map(|(y, _)| *y)
            .collect()
    }

    /// Serialises the state (little-endian), for partial results and checkpoints.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.runs as u64).to_le_bytes());
        let year_rows = self.by_year.iter().map(|((y, k), c)| (*y as u64, k, c));
        let source_rows = self.by_source.iter().map(|(k, c)| (u64::MAX, k, c));
        let rows: Vec<_> = year_rows.chain(source_rows).collect();
        out.extend_from_slice(&(rows.len() as u64).to_le_bytes());
        for (y, k, c) in rows {
            out.extend_from_slice(&y.to_le_bytes());
            out.push(k.source.kind);
            out.extend_from_slice(&(k.source.index as u64).to_le_bytes());
            for s in [&k.invariant, &k.path, &k.allowed] {
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            out.extend_from_slice(&(c.runs as u64).to_le_bytes());
            out.extend_from_slice(&c.min.to_le_bytes());
            out.extend_from_slice(&c.max.to_le_bytes());
        }
    }

    /// Reads a state written by `write`.
    pub fn read(r: &mut Reader<'_>) -> Result<Breaches, String> {
        let mut b = Breaches {
            runs: r.u64()? as usize,
            ..Breaches::default()
        };
        let n = r.u64()?;
        for _ in 0..n {
            let y = r.u64()?;
            let kind = r.u8()?;
            let index = r.u64()? as usize;
            let mut text = || -> Result<String, String> {
                let len = r.u64()? as usize;
                let bytes = r.take(len.min(r.remaining()))?.to_vec();
                String::from_utf8(bytes).map_err(|_| "partial result has a bad diagnostic".into())
            };
            let (invariant, path, allowed) = (text()?, text()?, text()?);
            let key = BreachKey {
                source: FiredKey { kind, index },
                invariant,
                path,
                allowed,
            };
            let c = BreachCount {
                runs: r.u64()? as usize,
                min: r.f64()?,
                max: r.f64()?,
            };
            if y == u64::MAX {
                b.by_source.insert(key, c);
            } else {
                b.by_year.insert((y as usize, key), c);
            }
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> BreachKey {
        BreachKey {
            source: FiredKey { kind: 2, index: 0 },
            invariant: "shares".into(),
            path: path.into(),
            allowed: "sum at most 1".into(),
        }
    }

    #[test]
    fn a_run_counts_once_per_year_and_once_over_the_years() {
        let mut b = Breaches::default();
        let k = key("powers.EU.mix");
        b.add_run(&[
            (3, k.clone(), 1.2),
            (3, k.clone(), 1.4),
            (4, k.clone(), 1.1),
        ]);
        b.add_run(&[]);
        b.add_run(&[(4, k.clone(), 1.3)]);
        assert_eq!(b.runs, 2);
        assert_eq!(b.by_year[&(3, k.clone())].runs, 1);
        let c = b.by_year[&(4, k.clone())];
        assert_eq!((c.runs, c.min, c.max), (2, 1.1, 1.3));
        let c = b.by_source[&k];
        assert_eq!((c.runs, c.min, c.max), (2, 1.1, 1.4));
        assert_eq!(b.years_of(&k).into_iter().collect::<Vec<_>>(), [3, 4]);
    }

    #[test]
    fn merged_shards_equal_one_pass_and_the_state_round_trips() {
        let k = key("powers.EU.mix");
        let l = key("powers.US.mix");
        let runs = [
            vec![(1, k.clone(), 1.2)],
            vec![(1, l.clone(), 1.5), (2, k.clone(), 1.1)],
            vec![],
            vec![(1, k.clone(), 1.7)],
        ];
        let mut whole = Breaches::default();
        for r in &runs {
            whole.add_run(r);
        }
        let (mut a, mut b) = (Breaches::default(), Breaches::default());
        for r in &runs[..2] {
            a.add_run(r);
        }
        for r in &runs[2..] {
            b.add_run(r);
        }
        a.merge(&b);
        assert_eq!(a, whole);
        let mut bytes = Vec::new();
        whole.write(&mut bytes);
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        assert_eq!(Breaches::read(&mut r).unwrap(), whole);
        assert_eq!(r.remaining(), 0);
    }
}
