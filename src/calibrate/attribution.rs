//! Which mechanism carries a backtest's forecast error (docs/validation.md, "Where the
//! forecast error comes from").
//!
//! At an origin the forecast is the ensemble mean at the posterior mean `θ_o` fitted on the
//! data up to the origin; ex post, the posterior mean `θ*` fitted on every observation. The
//! error `y − m(θ_o)` splits exactly into
//!
//! * what refitting each mechanism's free numbers ex post removes: the move `m(θ*) − m(θ_o)`
//!   shared among the mechanisms by Shapley values (the free numbers grouped by mechanism, every
//!   subset of groups evaluated on common random numbers), and
//! * the structural rest `y − m(θ*)`: what no free number reaches even knowing the outcome,
//!   which is the closeness dynamics (the events, instruments and utilities that move closeness)
//!   and whatever else the model does not represent.

/// The mechanisms a free number can belong to, in the order of the table's columns.
pub const MECHANISMS: [&str; 4] = ["readout", "agenda", "opinion", "dynamics"];

/// The mechanism of a free parameter, by its scenario path.
pub fn mechanism(path: &str) -> usize {
    if path.starts_with("alignment.agenda.") {
        1
    } else if path.starts_with("alignment.") {
        0
    } else if path.starts_with("population.") || path.starts_with("polls.") {
        2
    } else {
        3
    }
}

/// Exact Shapley values of a game over `k` players whose worth is a vector: `worth(mask)` for
/// every coalition `mask` (bit `g` set: player `g` in), `2^k` values of the same length.
/// `phi[g][j]` is player `g`'s share of component `j`; `Σ_g phi[g] = worth(all) − worth(∅)`.
pub fn shapley(k: usize, worth: &[Vec<f64>]) -> Vec<Vec<f64>> {
    assert_eq!(worth.len(), 1 << k, "a worth per coalition");
    let len = worth.first().map_or(0, Vec::len);
    let fact = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    let mut phi = vec![vec![0.0; len]; k];
    for (g, phi_g) in phi.iter_mut().enumerate() {
        for mask in 0..1usize << k {
            if mask & (1 << g) != 0 {
                continue;
            }
            let s = mask.count_ones() as usize;
            let w = fact(s) * fact(k - s - 1) / fact(k);
            let (with, without) = (&worth[mask | (1 << g)], &worth[mask]);
            for j in 0..len {
                phi_g[j] += w * (with[j] - without[j]);
            }
        }
    }
    phi
}

/// `θ_o` with the numbers of the mechanisms in `mask` (bits over `present`) taken from `θ*`.
pub fn mixed(
    ante: &[f64],
    post: &[f64],
    groups: &[usize],
    present: &[usize],
    mask: usize,
) -> Vec<f64> {
    ante.iter()
        .zip(post)
        .zip(groups)
        .map(|((a, p), g)| {
            let bit = present.iter().position(|m| m == g).unwrap_or(usize::MAX);
            if bit < usize::BITS as usize && mask & (1 << bit) != 0 {
                *p
            } else {
                *a
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A game with known values: v(S) = Σ_{g∈S} a_g + c·[0∈S ∧ 1∈S]; the interaction is split
    /// evenly between players 0 and 1.
    #[test]
    fn shapley_of_an_additive_game_with_one_interaction() {
        let a = [1.0, -2.0, 0.5];
        let c = 3.0;
        let worth: Vec<Vec<f64>> = (0..8usize)
            .map(|m| {
                let add: f64 = (0..3).filter(|g| m & (1 << g) != 0).map(|g| a[g]).sum();
                let both = if m & 3 == 3 { c } else { 0.0 };
                vec![add + both, 2.0 * add]
            })
            .collect();
        let phi = shapley(3, &worth);
        let want = [a[0] + c / 2.0, a[1] + c / 2.0, a[2]];
        for g in 0..3 {
            assert!((phi[g][0] - want[g]).abs() < 1e-12, "{phi:?}");
            assert!((phi[g][1] - 2.0 * a[g]).abs() < 1e-12, "{phi:?}");
        }
        let total: f64 = phi.iter().map(|p| p[0]).sum();
        assert!((total - (worth[7][0] - worth[0][0])).abs() < 1e-12);
    }

    #[test]
    fn mechanisms_by_path() {
        assert_eq!(MECHANISMS[mechanism("alignment.kappa0")], "readout");
        assert_eq!(MECHANISMS[mechanism("alignment.agenda.2014.RU")], "agenda");
        assert_eq!(
            MECHANISMS[mechanism("population.anchor_mean.EU")],
            "opinion"
        );
        assert_eq!(MECHANISMS[mechanism("polls.aid_outside")], "opinion");
        assert_eq!(MECHANISMS[mechanism("rivalry.US-RU")], "dynamics");
    }

    #[test]
    fn mixed_takes_the_masked_groups_ex_post() {
        let (ante, post) = ([1.0, 2.0, 3.0], [10.0, 20.0, 30.0]);
        let groups = [0, 2, 0];
        let present = [0, 2];
        assert_eq!(
            mixed(&ante, &post, &groups, &present, 0b01),
            [10.0, 2.0, 30.0]
        );
        assert_eq!(
            mixed(&ante, &post, &groups, &present, 0b10),
            [1.0, 20.0, 3.0]
        );
    }
}
