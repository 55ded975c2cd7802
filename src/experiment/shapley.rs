//! Shapley values: the fair split of a total change among the levers that made it.
//!
//! A game gives a value `v(S)` to each coalition `S` of `k` players (here: the set of levers
//! switched from scenario A to scenario B). Player `i`'s Shapley value is its marginal
//! contribution `v(S ∪ {i}) − v(S)` averaged over every order in which the players could be
//! switched on. The values add up to `v(all) − v(none)` exactly (efficiency).
//!
//! Up to [`EXACT_MAX`] players every coalition is evaluated (2^k of them) and the values are
//! exact. Beyond, orders are sampled: each sampled permutation is paired with its reverse
//! (antithetic), the estimate is the mean of the pairs' marginal contributions and its standard
//! error the spread of the pairs over √pairs. Each sampled order still telescopes to the full
//! gap, so the estimates add up exactly too. Pure: knows nothing of scenarios or the model.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Most players valued exactly (2^8 = 256 coalitions).
pub const EXACT_MAX: usize = 8;

/// Most players at all: coalitions are bit masks of a `u32`.
pub const MAX_PLAYERS: usize = 24;

/// How the values are computed.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// All coalitions.
    Exact,
    /// Sampled orders: each is a permutation of the players, listed with its reverse after it.
    Permutations(Vec<Vec<usize>>),
}

/// The coalitions a Shapley estimate needs, decided before any is evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Number of players.
    pub players: usize,
    /// How the values are computed.
    pub method: Method,
}

/// Shapley values with their sampling error.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    /// One value per player.
    pub parts: Vec<f64>,
    /// Standard error of each value from sampling orders (0 when exact).
    pub se: Vec<f64>,
}

/// `n!` as a float (exact for the small `n` used here).
fn factorial(n: usize) -> f64 {
    (1..=n).map(|i| i as f64).product()
}

impl Plan {
    /// Exact for up to [`EXACT_MAX`] players, else `pairs` antithetic pairs of orders drawn
    /// from `seed`. `players` must be at most [`MAX_PLAYERS`] (checked by the caller).
    pub fn new(players: usize, pairs: usize, seed: u64) -> Plan {
        if players <= EXACT_MAX {
            return Plan {
                players,
                method: Method::Exact,
            };
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut orders = Vec::with_capacity(2 * pairs);
        for _ in 0..pairs.max(1) {
            let mut p: Vec<usize> = (0..players).collect();
            // Fisher–Yates, so the orders do not depend on a library's shuffle.
            for i in (1..players).rev() {
                let j = rng.random_range(0..=i);
                p.swap(i, j);
            }
            let mut r = p.clone();
            r.reverse();
            orders.push(p);
            orders.push(r);
        }
        Plan {
            players,
            method: Method::Permutations(orders),
        }
    }

    /// Whether every coalition is evaluated.
    pub fn is_exact(&self) -> bool {
        matches!(self.method, Method::Exact)
    }

    /// Every coalition the estimate reads, as bit masks, ascending; always holds the empty
    /// and the full coalition.
    pub fn coalitions(&self) -> Vec<u32> {
        let full = full_mask(self.players);
        match &self.method {
            Method::Exact => (0..=full).collect(),
            Method::Permutations(orders) => {
                let mut masks = vec![0, full];
                for order in orders {
                    let mut m = 0u32;
                    for &i in order {
                        m |= 1 << i;
                        masks.push(m);
                    }
                }
                masks.sort_unstable();
                masks.dedup();
                masks
            }
        }
    }

    /// The Shapley values of the game `v` (called only on [`Plan::coalitions`]).
    pub fn values(&self, v: &dyn Fn(u32) -> f64) -> Values {
        let k = self.players;
        match &self.method {
            Method::Exact => {
                let weight: Vec<f64> = (0..k)
                    .map(|s| factorial(s) * factorial(k - s - 1) / factorial(k))
                    .collect();
                let parts = (0..k)
                    .map(|i| {
                        let bit = 1u32 << i;
                        (0..=full_mask(k))
                            .filter(|m| m & bit == 0)
                            .map(|m| weight[m.count_ones() as usize] * (v(m | bit) - v(m)))
                            .sum()
                    })
                    .collect();
                Values {
                    parts,
                    se: vec![0.0; k],
                }
            }
            Method::Permutations(orders) => {
                // Marginal contributions along each order, averaged within antithetic pairs.
                let mut pair_means: Vec<Vec<f64>> = Vec::new();
                for pair in orders.chunks(2) {
                    let mut sum = vec![0.0; k];
                    for order in pair {
                        let mut m = 0u32;
                        let mut before = v(0);
                        for &i in order {
                            m |= 1 << i;
                            let after = v(m);
                            sum[i] += after - before;
                            before = after;
                        }
                    }
                    pair_means.push(sum.iter().map(|s| s / pair.len() as f64).collect());
                }
                let n = pair_means.len() as f64;
                let parts: Vec<f64> = (0..k)
                    .map(|i| pair_means.iter().map(|p| p[i]).sum::<f64>() / n)
                    .collect();
                let se = (0..k)
                    .map(|i| {
                        if pair_means.len() < 2 {
                            return f64::NAN;
                        }
                        let var = pair_means
                            .iter()
                            .map(|p| (p[i] - parts[i]).powi(2))
                            .sum::<f64>()
                            / (n - 1.0);
                        (var / n).sqrt()
                    })
                    .collect();
                Values { parts, se }
            }
        }
    }
}

/// The coalition of all `k` players.
pub fn full_mask(k: usize) -> u32 {
    if k == 0 { 0 } else { u32::MAX >> (32 - k) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weighted sum plus an interaction: v(S) = Σ_{i∈S} w_i + c·[a ∈ S and b ∈ S].
    /// Shapley values: w_i for every player, plus c/2 for a and for b.
    fn game(w: &[f64], a: usize, b: usize, c: f64) -> impl Fn(u32) -> f64 + '_ {
        move |m: u32| {
            let sum: f64 = (0..w.len())
                .filter(|i| m & (1 << i) != 0)
                .map(|i| w[i])
                .sum();
            let both = m & (1 << a) != 0 && m & (1 << b) != 0;
            sum + if both { c } else { 0.0 }
        }
    }

    fn expected(w: &[f64], a: usize, b: usize, c: f64) -> Vec<f64> {
        let mut e = w.to_vec();
        e[a] += c / 2.0;
        e[b] += c / 2.0;
        e
    }

    #[test]
    fn exact_values_of_a_weighted_sum_with_an_interaction() {
        let w = [0.3, -0.2, 0.05, 0.0, 1.0];
        let plan = Plan::new(w.len(), 0, 1);
        assert!(plan.is_exact());
        assert_eq!(plan.coalitions().len(), 32);
        let got = plan.values(&game(&w, 1, 4, 0.4));
        for (g, e) in got.parts.iter().zip(expected(&w, 1, 4, 0.4)) {
            assert!((g - e).abs() < 1e-12, "{got:?}");
        }
        assert!(got.se.iter().all(|s| *s == 0.0));
    }

    #[test]
    fn a_three_way_interaction_is_split_in_thirds() {
        // v = 1 only when players 0, 1 and 2 are all in: each gets 1/3, player 3 nothing.
        let v = |m: u32| if m & 0b111 == 0b111 { 1.0 } else { 0.0 };
        let got = Plan::new(4, 0, 1).values(&v);
        for (g, e) in got.parts.iter().zip([1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0]) {
            assert!((g - e).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn sampled_values_converge_and_add_up() {
        let w: Vec<f64> = (0..12).map(|i| 0.1 * i as f64 - 0.4).collect();
        let plan = Plan::new(w.len(), 400, 7);
        assert!(!plan.is_exact());
        let v = game(&w, 2, 9, 0.6);
        let got = plan.values(&v);
        let total = v(full_mask(12)) - v(0);
        let sum: f64 = got.parts.iter().sum();
        assert!((sum - total).abs() < 1e-9, "sum {sum} total {total}");
        for (i, (g, e)) in got.parts.iter().zip(expected(&w, 2, 9, 0.6)).enumerate() {
            // Within four standard errors (and the error is small).
            assert!(
                (g - e).abs() <= 4.0 * got.se[i] + 1e-12,
                "player {i}: {g} vs {e} (se {})",
                got.se[i]
            );
            assert!(got.se[i] < 0.03, "{:?}", got.se);
        }
        // Players outside the interaction have no sampling error: their marginal
        // contribution is the same in every order.
        assert!(got.se[0] < 1e-12);
    }

    #[test]
    fn no_players_and_one_player() {
        assert_eq!(Plan::new(0, 0, 1).coalitions(), vec![0]);
        let one = Plan::new(1, 0, 1).values(&|m| if m == 1 { 2.5 } else { 0.5 });
        assert_eq!(one.parts, vec![2.0]);
    }
}
