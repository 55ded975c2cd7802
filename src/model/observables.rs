//! What an analyst can hold against the world: polls, the alignment rate with the EU's
//! foreign-policy declarations, the leeway and hedging indices (docs/model.md §6). Phase 7.

use super::government::{is_election, opinion_weight};
use super::linalg::min_eigenvalue;
use super::opinion::framing;
use super::params::AgendaTarget;
use super::types::{Domain, N_DOMAINS};
use super::world::World;
use rand::RngExt;

fn logistic(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// Standard normal distribution function (Abramowitz–Stegun 7.1.26, error < 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Points of the read-out tables over affinity in [0, 1].
const TABLE: usize = 1024;

/// Read-out curves of a poll tabulated over affinity: `exp(β (a − 1))` for the choice of the
/// greatest friend and `Φ((a − 0.5)/noise)` for a positive view. Linear interpolation on 1025
/// points is exact to about 1e-5 relative for β ≤ 15; rebuilt only when the poll's
/// parameters change.
#[derive(Clone, Debug, Default)]
pub struct PollTables {
    key: (u64, u64, u64),
    friend: Vec<f64>,
    positive: Vec<f64>,
    /// `exp(β_id (a − 1))`: the respondent's identity in "who helped most".
    identity: Vec<f64>,
}

impl PollTables {
    fn refresh(&mut self, sharpness: f64, noise: f64, identity: f64) {
        let key = (sharpness.to_bits(), noise.to_bits(), identity.to_bits());
        if key == self.key && !self.friend.is_empty() {
            return;
        }
        self.key = key;
        self.friend = (0..=TABLE)
            .map(|i| (sharpness * (i as f64 / TABLE as f64 - 1.0)).exp())
            .collect();
        self.identity = (0..=TABLE)
            .map(|i| (identity * (i as f64 / TABLE as f64 - 1.0)).exp())
            .collect();
        self.positive = (0..=TABLE)
            .map(|i| {
                let a = i as f64 / TABLE as f64;
                if noise > 0.0 {
                    normal_cdf((a - 0.5) / noise)
                } else if a > 0.5 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
    }
}

fn lookup(table: &[f64], a: f64) -> f64 {
    let u = a.clamp(0.0, 1.0) * TABLE as f64;
    let i = (u as usize).min(TABLE - 1);
    let f = u - i as f64;
    table[i] + f * (table[i + 1] - table[i])
}

/// Leeway index per domain: the smallest eigenvalue of `Γ + μI + ω diag(1/(x̂+e)²) + R_d`, the
/// structural curvature of the government's utility (docs/model.md §6). It uses the regular
/// weight of opinion `μ`, not the election-year weight, and reads the option value's curvature
/// at the rest point `x̂` the structural ties were solved at, not at the current closeness
/// (where it grows without bound as a tie approaches zero): the index measures the system
/// (rivalry against the costs of moving), not the calendar or the position.
pub fn leeway(w: &World) -> [f64; N_DOMAINS] {
    let n = w.p.powers.len();
    let g = &w.p.government;
    let mu = g.opinion_weight;
    let mut out = [0.0; N_DOMAINS];
    let mut m = vec![0.0; n * n];
    for (d, slot) in out.iter_mut().enumerate() {
        for p in 0..n {
            for q in 0..n {
                m[p * n + q] = if p == q {
                    let xe = w.x_rest[p][d] + g.option_offset;
                    g.autonomy_cost[p] + mu + g.option_value / (xe * xe)
                } else {
                    w.p.rivalry_of(p, q, d)
                };
            }
        }
        *slot = min_eigenvalue(&m, n);
    }
    out
}

/// Alignment rate with the EU's declarations, driven by the agenda of the year.
pub fn alignment(w: &World) -> f64 {
    let al = &w.p.alignment;
    let agenda = al
        .agenda
        .iter()
        .rev()
        .find(|a| a.year <= w.year)
        .or(al.agenda.first());
    let dip = Domain::Diplomacy.index();
    let x_with = w.x[al.with][dip];
    match agenda {
        Some(a) => a
            .shares
            .iter()
            .map(|(t, share)| {
                let read = |x_t: f64| logistic(al.kappa0 + al.kappa1 * (x_with - x_t));
                match t {
                    // Costly declarations (sanctions, restrictive measures) are read against
                    // the tie to the target; cheap ones (statements, UN votes) as if they
                    // concerned third countries (docs/model.md §6).
                    AgendaTarget::Power(p) => {
                        let c = al.cheap_share;
                        share * ((1.0 - c) * read(w.x[*p][dip]) + c * read(al.other_closeness))
                    }
                    AgendaTarget::Other => share * read(al.other_closeness),
                }
            })
            .sum(),
        None => logistic(al.kappa0 + al.kappa1 * (x_with - al.other_closeness)),
    }
}

/// Hedging index: in each domain, the normalised entropy of closeness across powers (1 = the
/// same closeness to every power, 0 = close to one power only), averaged with the domain
/// weights. Hedging happens domain by domain: a state that has chosen a camp in security but
/// not in the economy scores in between.
pub fn hedging(w: &World) -> f64 {
    let n = w.p.powers.len();
    if n < 2 {
        return 0.0;
    }
    let weights = w.p.government.domain_weights;
    (0..N_DOMAINS)
        .map(|d| {
            let total: f64 = (0..n).map(|q| w.x[q][d]).sum();
            let entropy = if total > 0.0 {
                -(0..n)
                    .map(|q| w.x[q][d] / total)
                    .filter(|s| *s > 0.0)
                    .map(|s| s * s.ln())
                    .sum::<f64>()
                    / (n as f64).ln()
            } else {
                0.0
            };
            weights[d] * entropy
        })
        .sum()
}

/// Phase 7: fills this year's record.
pub fn observe(w: &mut World) {
    let n = w.p.powers.len();
    let mu = opinion_weight(w);
    let election = is_election(w);
    let year = w.year;
    let cred = w.p.credibility;
    let aggregate: Vec<f64> = (0..n).map(|q| w.aggregate(q)).collect();
    let lw = leeway(w);
    let polls = w.p.polls.clone();
    w.poll_tables
        .refresh(polls.sharpness, polls.noise, polls.aid_identity);
    let tables = &w.poll_tables;
    let cit = &w.citizens;

    // Simulated poll: a random sample of respondents, each answering by a logit choice.
    let mut friend = vec![0.0; n + 1];
    let mut positive = vec![0.0; n];
    let mut member = 0.0;
    let mut weights = vec![0.0; n + 1];
    let member_power = w.p.accession_power.unwrap_or(w.p.alignment.with);
    let respondents = polls.respondents;
    let outside = (polls.sharpness * (polls.outside - 1.0)).exp();
    // "Who helped most": remembered visible help, framed by the respondent's channel, and
    // coloured by the respondent's own affinity (docs/model.md §6).
    // A contest of perceived help: each power's weight is its framed remembered help to the
    // power `r` (shares depend on ratios of help, not on its absolute level, so a growing
    // donor does not take every answer), "nobody" competes with the help level `h0`.
    let contest = |h: f64| {
        if h > 0.0 {
            (polls.aid_sharpness * h.ln()).exp()
        } else {
            0.0
        }
    };
    let aid_weight: Vec<[f64; 2]> = (0..n)
        .map(|q| {
            let f = framing(w, q);
            [0, 1].map(|c| contest(w.help[q] * f[c]))
        })
        .collect();
    let aid_nobody = contest(polls.aid_outside) * (-0.5 * polls.aid_identity).exp();
    let mut helped = vec![0.0; n + 1];
    let mut aid_w = vec![0.0; n];
    for _ in 0..respondents {
        let i = w.rng.polls.random_range(0..cit.n);
        let channel = usize::from(i >= cit.n_pro);
        let mut aid_total = aid_nobody;
        for q in 0..n {
            let a = cit.a[q * cit.n + i];
            aid_w[q] = aid_weight[q][channel] * lookup(&tables.identity, a);
            aid_total += aid_w[q];
        }
        for q in 0..n {
            helped[q] += aid_w[q] / aid_total;
        }
        helped[n] += aid_nobody / aid_total;
        let mut total = outside;
        weights[n] = outside;
        for q in 0..n {
            let a = cit.a[q * cit.n + i];
            let wq = lookup(&tables.friend, a);
            weights[q] = wq;
            total += wq;
            positive[q] += lookup(&tables.positive, a);
        }
        let u: f64 = w.rng.polls.random::<f64>() * total;
        let mut acc = 0.0;
        let mut choice = n;
        for (q, wq) in weights.iter().enumerate() {
            acc += wq;
            if u < acc {
                choice = q;
                break;
            }
        }
        friend[choice] += 1.0;
        if cit.a[member_power * cit.n + i] > polls.membership_threshold {
            member += 1.0;
        }
    }
    let r = respondents as f64;
    friend.iter_mut().for_each(|v| *v /= r);
    positive.iter_mut().for_each(|v| *v /= r);
    helped.iter_mut().for_each(|v| *v /= r);
    member /= r;

    let alignment = alignment(w);
    let hedging = hedging(w);

    let rec = &mut w.rec;
    rec.year = year;
    rec.closeness.clone_from(&w.x);
    rec.aggregate = aggregate;
    rec.instruments.clone_from(&w.inst);
    rec.affinity.clone_from(&w.affinity);
    rec.poll_friend = friend;
    rec.poll_helped = helped;
    rec.poll_positive = positive;
    rec.membership_support = member;
    rec.alignment = alignment;
    rec.leeway_domain = lw;
    rec.leeway = lw.iter().copied().fold(f64::INFINITY, f64::min);
    rec.hedging = hedging;
    rec.credibility = cred;
    rec.opinion_weight = mu;
    rec.election = election;
    for (h, s) in w.threats.iter().enumerate() {
        rec.threat_stage[h] = s.stage;
        rec.belief[h] = w.belief[h];
    }
}

#[cfg(test)]
mod tests {
    use super::normal_cdf;

    #[test]
    fn normal_cdf_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }
}
