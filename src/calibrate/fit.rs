//! The search: argmin's Nelder–Mead in the unit cube of the free parameters' bounds, restarted
//! from several seeded starting simplices; the best restart wins.
//!
//! Bounds are enforced by a penalty: a point outside the cube costs the objective at the
//! nearest point inside plus `PENALTY` times its squared distance to the cube, so the simplex
//! is pushed back and the optimum is always inside (or on) the bounds.

use super::objective::Problem;
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{CostFunction, Error, Executor, IterState, KV, State};
use argmin::solver::neldermead::NelderMead;
use rand::{RngExt, SeedableRng};
use std::sync::Arc;

/// Weight of the squared distance outside the bounds (in units of the unit cube).
pub const PENALTY: f64 = 10.0;

/// Size of the starting simplex along each axis, as a share of the bounds' width.
pub const SIMPLEX_STEP: f64 = 0.2;

/// How the search runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Restarts (the first from the scenario's values, clamped into the bounds).
    pub restarts: usize,
    /// Iterations per restart at most.
    pub max_iterations: u64,
    /// Stop a restart when the standard deviation of its simplex's costs falls below this.
    pub tolerance: f64,
    /// Seed of the random starting points of restarts after the first.
    pub seed: u64,
}

/// What one restart did.
#[derive(Clone, Debug, PartialEq)]
pub struct Restart {
    /// Starting point (parameter values).
    pub start: Vec<f64>,
    /// Objective at the start.
    pub start_cost: f64,
    /// Best point found.
    pub best: Vec<f64>,
    /// Objective there.
    pub cost: f64,
    /// Iterations run.
    pub iterations: u64,
    /// Objective evaluations.
    pub evaluations: u64,
    /// Why it stopped (argmin's termination reason).
    pub reason: String,
}

/// The result of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    /// The scenario's values of the free parameters.
    pub initial: Vec<f64>,
    /// Objective there.
    pub initial_cost: f64,
    /// The best values found.
    pub best: Vec<f64>,
    /// Objective there.
    pub cost: f64,
    /// Every restart, in order.
    pub restarts: Vec<Restart>,
}

/// Called after every iteration: (restart index, iteration, best cost so far in the restart).
pub type OnIteration = Arc<dyn Fn(usize, u64, f64) + Send + Sync>;

/// The objective in unit-cube coordinates, with the bound penalty.
struct InCube<'a> {
    problem: &'a Problem,
}

impl InCube<'_> {
    fn theta(&self, z: &[f64]) -> (Vec<f64>, f64) {
        let mut outside = 0.0;
        let theta = self
            .problem
            .free()
            .iter()
            .zip(z)
            .map(|(f, &zi)| {
                let c = zi.clamp(0.0, 1.0);
                outside += (zi - c) * (zi - c);
                f.at(c)
            })
            .collect();
        (theta, outside)
    }
}

impl CostFunction for InCube<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Self::Param) -> Result<f64, Error> {
        let (theta, outside) = self.theta(z);
        Ok(self.problem.cost(&theta) + PENALTY * outside)
    }
}

struct Ticker {
    restart: usize,
    on_iteration: OnIteration,
}

impl Observe<IterState<Vec<f64>, (), (), (), (), f64>> for Ticker {
    fn observe_iter(
        &mut self,
        state: &IterState<Vec<f64>, (), (), (), (), f64>,
        _kv: &KV,
    ) -> Result<(), Error> {
        (self.on_iteration)(self.restart, state.get_iter(), state.get_best_cost());
        Ok(())
    }
}

/// The starting simplex around `z0`: `z0` and one step along each axis (inwards when a step
/// outwards would leave the cube).
pub fn simplex(z0: &[f64]) -> Vec<Vec<f64>> {
    let mut vertices = vec![z0.to_vec()];
    for i in 0..z0.len() {
        let mut v = z0.to_vec();
        v[i] = if z0[i] + SIMPLEX_STEP <= 1.0 {
            z0[i] + SIMPLEX_STEP
        } else {
            z0[i] - SIMPLEX_STEP
        };
        vertices.push(v);
    }
    vertices
}

/// Starting points in the unit cube: the scenario's values, then seeded uniform draws within
/// [0.1, 0.9] on every axis (away from the bounds, where the starting simplex fits).
pub fn starts(z_scenario: &[f64], restarts: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![z_scenario.iter().map(|z| z.clamp(0.0, 1.0)).collect()];
    while out.len() < restarts.max(1) {
        out.push(
            z_scenario
                .iter()
                .map(|_| 0.1 + 0.8 * rng.random::<f64>())
                .collect(),
        );
    }
    out
}

/// Fits the free parameters of `problem`.
pub fn fit(
    problem: &Problem,
    settings: &Settings,
    on_iteration: Option<OnIteration>,
) -> anyhow::Result<Fitted> {
    let initial = problem.start();
    let initial_cost = problem.cost(&initial);
    let z_scenario: Vec<f64> = problem
        .free()
        .iter()
        .zip(&initial)
        .map(|(f, v)| f.unit(*v))
        .collect();
    let mut restarts = Vec::new();
    for (r, z0) in starts(&z_scenario, settings.restarts, settings.seed)
        .into_iter()
        .enumerate()
    {
        let cube = InCube { problem };
        let (start, _) = cube.theta(&z0);
        let start_cost = problem.cost(&start);
        let solver = NelderMead::new(simplex(&z0))
            .with_sd_tolerance(settings.tolerance)
            .map_err(|e| anyhow::anyhow!("setting up Nelder-Mead: {e}"))?;
        let mut executor =
            Executor::new(cube, solver).configure(|state| state.max_iters(settings.max_iterations));
        if let Some(cb) = &on_iteration {
            executor = executor.add_observer(
                Ticker {
                    restart: r,
                    on_iteration: Arc::clone(cb),
                },
                ObserverMode::Always,
            );
        }
        let result = executor
            .run()
            .map_err(|e| anyhow::anyhow!("Nelder-Mead restart {}: {e}", r + 1))?;
        let state = result.state();
        let z_best = state.get_best_param().cloned().unwrap_or(z0);
        let (best, _) = InCube { problem }.theta(&z_best);
        let cost = problem.cost(&best);
        let evaluations = state
            .get_func_counts()
            .get("cost_count")
            .copied()
            .unwrap_or(0);
        let reason = state
            .get_termination_reason()
            .map_or_else(|| "not terminated".to_string(), |t| t.text().to_string());
        restarts.push(Restart {
            start,
            start_cost,
            best,
            cost,
            iterations: state.get_iter(),
            evaluations,
            reason,
        });
    }
    // The first restart with the lowest cost wins (ties keep the earlier one).
    let winner = restarts.iter().enumerate().fold(0, |best, (i, r)| {
        if r.cost < restarts[best].cost {
            i
        } else {
            best
        }
    });
    let (best, cost) = if restarts[winner].cost <= initial_cost {
        (restarts[winner].best.clone(), restarts[winner].cost)
    } else {
        // A search never reports a point worse than where the scenario started.
        (initial.clone(), initial_cost)
    };
    Ok(Fitted {
        initial,
        initial_cost,
        best,
        cost,
        restarts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simplex_steps_inwards_at_the_upper_bound() {
        let s = simplex(&[0.5, 0.95]);
        assert_eq!(s.len(), 3);
        assert!((s[1][0] - 0.7).abs() < 1e-12);
        assert!((s[2][1] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn starts_are_seeded_inside_the_cube() {
        let a = starts(&[1.3, -0.2], 4, 9);
        assert_eq!(a[0], vec![1.0, 0.0]);
        assert_eq!(a.len(), 4);
        assert!(a[1..].iter().flatten().all(|z| (0.1..=0.9).contains(z)));
        assert_eq!(a, starts(&[1.3, -0.2], 4, 9));
        assert_ne!(a[1], starts(&[1.3, -0.2], 4, 10)[1]);
    }
}
