//! The focal government: bounded, myopic ascent of its utility over closeness, per domain,
//! with rivalry costs, the pull of opinion, threats and a capped yearly move
//! (docs/model.md §5.1). Phase 5 of the year.
//!
//! Every gradient term is accumulated separately over the ascent, so the year's move splits
//! exactly into its causes (the driver terms of `record::Term`).

use super::record::Term;
use super::rng::Stream;
use super::types::{Domain, Kind, N_DOMAINS, Stage};
use super::world::World;
use rand::RngExt;
use rand_distr::StandardNormal;

/// Weight of public opinion this year: `μ (1 + (m − 1) e_t)`, raised towards elections
/// (§5.5).
pub fn opinion_weight(w: &World) -> f64 {
    let g = &w.p.government;
    let e = election_weight(w);
    // The two ends exactly as the design writes them (μ m and μ), so `a = 0` gives the same
    // numbers as before.
    if e >= 1.0 {
        g.opinion_weight * g.election_multiplier
    } else if e <= 0.0 {
        g.opinion_weight
    } else {
        g.opinion_weight * (1.0 + (g.election_multiplier - 1.0) * e)
    }
}

/// How much this year counts as an election year, `e_t` in [0, 1]: 1 in an election year
/// (regular or snap); otherwise `a^k` with `a` the anticipation and `k` the years to the next
/// regular election, so the weight of opinion builds up over the cycle instead of jumping in
/// the election year alone (docs/model.md §5.5; `a = 0`: the design's sawtooth).
pub fn election_weight(w: &World) -> f64 {
    if is_election(w) {
        return 1.0;
    }
    let g = &w.p.government;
    let a = g.election_anticipation;
    if a <= 0.0 || g.election_period == 0 {
        return 0.0;
    }
    let period = i32::try_from(g.election_period).unwrap_or(i32::MAX);
    let next = if w.year < g.first_election {
        g.first_election
    } else {
        g.first_election + ((w.year - g.first_election) / period + 1) * period
    };
    let years = (next - w.year).clamp(0, 100);
    a.powi(years)
}

/// Whether this year holds an election.
pub fn is_election(w: &World) -> bool {
    let g = &w.p.government;
    w.snap_election
        || (g.election_period > 0
            && w.year >= g.first_election
            && (w.year - g.first_election) % i32::try_from(g.election_period).unwrap_or(i32::MAX)
                == 0)
}

/// Value of closeness to each power in domain `d`, split by term: one entry per instrument
/// kind, then promotion, then sanctions (docs/model.md §5.1, §5.3).
pub fn values(w: &World, d: usize) -> Vec<[f64; 10]> {
    let mut v = vec![[0.0; 10]; w.p.powers.len()];
    values_into(w, d, &mut v);
    v
}

/// [`values`] written into `v` (one row per power, zeroed by the caller).
fn values_into(w: &World, d: usize, v: &mut [[f64; 10]]) {
    let n = w.p.powers.len();
    let g = &w.p.government;
    // Domestic promotion follows the electoral calendar (§5.5).
    let promotion = g.promotion * (1.0 + g.promotion_cycle * election_weight(w));
    let sov = Kind::SovereigntySupport.index();
    // Effective sovereignty support per power: the intensity, discounted by the belief in the
    // patron's reliability.
    let mut support = [0.0; 8];
    for (q, s) in support.iter_mut().enumerate().take(n) {
        *s = w.inst[q][sov].clamp(0.0, 1.0) * reliability(w, q);
    }
    for (q, vq) in v.iter_mut().enumerate() {
        let inst = &w.inst[q];
        let rel = reliability(w, q);
        let opaque = 1.0 + g.opacity_premium * w.p.powers[q].opacity;
        for k in Kind::ALL {
            let i = k.index();
            let kp = &w.p.kinds[i];
            let m = kp.domains[d];
            if m == 0.0 {
                continue;
            }
            vq[i] = match k {
                Kind::Accession => m * w.p.credibility * g.accession_value * inst[i],
                Kind::SovereigntySupport => {
                    // Protection that needs one veto holder: q's support is worth what it
                    // adds to the chance that someone vetoes, `I_q Π_{r≠q} (1 − I_r)`.
                    let others: f64 = (0..n)
                        .filter(|&r| r != q)
                        .map(|r| 1.0 - support[r])
                        .product();
                    let pooled = (1.0 - g.veto_pooling) + g.veto_pooling * others;
                    m * g.sovereignty_value * support[q] * pooled
                }
                _ => {
                    let mut val = m * kp.weight * (inst[i] / kp.scale).ln_1p();
                    if k.is_budgeted() {
                        val *= opaque;
                    }
                    if matches!(k, Kind::Arms | Kind::Tech) {
                        val *= rel;
                    }
                    val
                }
            };
            vq[8] += promotion * m * kp.visibility * w.z[q][i];
        }
        // Regime security: surveillance technology (Safe City) protects the government.
        if d == Domain::Security.index() && g.surveillance_value > 0.0 {
            let i = Kind::Tech.index();
            let kp = &w.p.kinds[i];
            vq[i] += g.surveillance_value * kp.weight * (inst[i] / kp.scale).ln_1p() * opaque * rel;
        }
    }
    for (t, s) in w.p.threats.iter().zip(&w.threats) {
        if s.stage != Stage::Imposed || t.lands_in.index() != d {
            continue;
        }
        let damage = t.damage * t.severity;
        v[t.sender][9] -= damage;
        for (r, vr) in v.iter_mut().enumerate() {
            if r != t.sender && w.p.rivalry_of(t.sender, r, d) > 0.0 {
                vr[9] += compensation(w, r, t.severity, damage);
            }
        }
    }
}

/// The state's belief in the reliability of power `q` as a patron (1 when not learned).
pub fn reliability(w: &World, q: usize) -> f64 {
    w.reliability.get(q).copied().unwrap_or(1.0)
}

/// What a sanction buster `r` offers for an imposed sanction of severity `S` that costs the
/// state `damage` (`δ_S S`): its capacity `β_r S`, bounded by its cap `κ_r` on the share of
/// the damage it makes good (docs/model.md §5.3).
pub fn compensation(w: &World, r: usize, severity: f64, damage: f64) -> f64 {
    let power = &w.p.powers[r];
    (power.buster * severity).min(power.buster_cap * damage)
}

/// The state's exposure to secondary sanctions in domain `d`, per power: while a sanction is
/// imposed there, leaning on a power that busts it costs `½ c_r S x_r²` (docs/model.md §5.3).
/// Returns the curvature `Σ c_r S` of that cost for each power.
pub fn bust_exposure(w: &World, d: usize) -> Vec<f64> {
    let mut e = vec![0.0; w.p.powers.len()];
    bust_exposure_into(w, d, &mut e);
    e
}

/// [`bust_exposure`] written into `e` (one per power, zeroed by the caller).
fn bust_exposure_into(w: &World, d: usize, e: &mut [f64]) {
    for (t, s) in w.p.threats.iter().zip(&w.threats) {
        if s.stage != Stage::Imposed || t.lands_in.index() != d {
            continue;
        }
        let damage = t.damage * t.severity;
        for (r, er) in e.iter_mut().enumerate() {
            if r != t.sender
                && w.p.rivalry_of(t.sender, r, d) > 0.0
                && compensation(w, r, t.severity, damage) > 0.0
            {
                *er += w.p.powers[r].bust_cost * t.severity;
            }
        }
    }
}

/// Positions of the driver terms in the schema, looked up once per year.
struct Slots {
    promo: usize,
    sanctions: usize,
    ties: usize,
    autonomy: usize,
    rivalry0: usize,
    opinion: usize,
    option: usize,
    inertia: usize,
    threat0: usize,
    cap: usize,
    clip: usize,
    noise: usize,
}

impl Slots {
    fn of(w: &World) -> Slots {
        let idx = |t: Term| w.schema.index(t).unwrap_or(usize::MAX);
        let inertia = idx(Term::Inertia);
        Slots {
            promo: idx(Term::Promotion),
            sanctions: idx(Term::Sanctions),
            ties: idx(Term::Ties),
            autonomy: idx(Term::Autonomy),
            rivalry0: idx(Term::Rivalry(0)),
            opinion: idx(Term::Opinion),
            option: idx(Term::OptionValue),
            inertia,
            threat0: inertia + 1,
            cap: idx(Term::Cap),
            clip: idx(Term::Clip),
            noise: idx(Term::Noise),
        }
    }
}

/// A threat whose expected cost is in force: (index, domain, rival, red line, coefficient,
/// substitutes), the last the share of the blocked demand each partner of the rival receives
/// (`σ_s / number of partners`, 0 for none).
type ActiveThreat = (usize, usize, usize, f64, f64, Vec<f64>);

/// Whether `q` can stand in for `rival` under a red line of `sender` in domain `d`: a partner
/// of the rival there (negative rivalry), not the sender (docs/model.md §5.1).
fn is_substitute(w: &World, sender: usize, rival: usize, q: usize, d: usize) -> bool {
    q != sender && q != rival && w.p.rivalry_of(rival, q, d) < 0.0
}

fn active_threats(w: &World) -> Vec<ActiveThreat> {
    let n = w.p.powers.len();
    let sigma = w.p.government.substitution;
    let lever = w.p.government.dependence_lever;
    let mut active = Vec::new();
    for (h, (t, st)) in w.p.threats.iter().zip(&w.threats).enumerate() {
        let mut coef = match st.stage {
            Stage::Threatened => w.belief[h] * t.severity,
            Stage::Imposed => t.lift * t.severity,
            _ => 0.0,
        };
        // Economic dependence on the sender's camp is what gives a threat its weight
        // (Hirschman 1945; Farrell & Newman 2019): the same warning from the state's main
        // market costs more than one from a minor partner (docs/model.md §5.3).
        if lever > 0.0 && coef > 0.0 {
            coef *= 1.0 + lever * w.dependence_on(t.sender);
        }
        if coef > 0.0 {
            let d = t.domain.index();
            let mut sub = vec![0.0; n];
            if sigma > 0.0 && (d == Domain::Security.index() || d == Domain::Technology.index()) {
                let partners: Vec<usize> = (0..n)
                    .filter(|&q| is_substitute(w, t.sender, t.rival, q, d))
                    .collect();
                for &q in &partners {
                    sub[q] = sigma / partners.len() as f64;
                }
            }
            active.push((h, d, t.rival, t.red_line, coef, sub));
        }
    }
    active
}

/// The gradient of the utility with respect to closeness to power `q` in domain `d`, term by
/// term: calls `add(term slot, value)` for each and returns the sum (docs/model.md §5.1).
#[allow(clippy::too_many_arguments)]
fn gradient(
    w: &World,
    sl: &Slots,
    d: usize,
    q: usize,
    x: &[f64],
    prev: f64,
    mu: f64,
    value: &[f64; 10],
    exposure: f64,
    active: &[ActiveThreat],
    mut add: impl FnMut(usize, f64),
) -> f64 {
    let g = &w.p.government;
    let mut total = 0.0;
    let mut put = |slot: usize, v: f64| {
        add(slot, v);
        total += v;
    };
    for (i, val) in value.iter().enumerate() {
        let slot = match i {
            0..=7 => i,
            8 => sl.promo,
            _ => sl.sanctions,
        };
        put(slot, *val);
    }
    if exposure > 0.0 {
        put(sl.sanctions, -exposure * x[q]);
    }
    put(sl.ties, w.ties[q][d]);
    put(sl.autonomy, -g.autonomy_cost[q] * x[q]);
    // The obligations of membership, credited to the offerer's rivalry term.
    let (a, ob) = w.obligation(q, d);
    if ob > 0.0 {
        put(sl.rivalry0 + a, -ob * x[q]);
    }
    for (r, xr) in x.iter().enumerate() {
        if r != q {
            put(sl.rivalry0 + r, -w.p.rivalry_of(q, r, d) * xr);
        }
    }
    put(sl.opinion, -mu * (x[q] - w.affinity[q]));
    put(sl.option, w.option_weight(q, d) / (x[q] + g.option_offset));
    put(sl.inertia, -g.inertia * (x[q] - prev));
    for (h, dd, rival, tau, coef, sub) in active {
        if *dd != d {
            continue;
        }
        let sig = 1.0 / (1.0 + (-(x[*rival] - tau) / g.threat_smoothing).exp());
        if *rival == q {
            put(sl.threat0 + h, -coef * sig);
        } else if sub[q] > 0.0 {
            // Substitution: the demand the red line blocks moves to the rival's partners
            // (FK-3 instead of S-300; docs/model.md §5.1).
            put(sl.threat0 + h, sub[q] * coef * sig);
        }
    }
    total
}

/// Structural ties: the constants that make the initial closeness a rest point of the first
/// year's utility, so a run starts from its declared profile rather than jumping away from it.
/// Also records each term's force at that rest point: drivers are reported relative to it
/// (the forces at rest cancel, so the relative terms still add up to the move).
pub fn solve_ties(w: &mut World) {
    let n = w.p.powers.len();
    if !w.p.government.structural_ties {
        return;
    }
    let sl = Slots::of(w);
    let mu = opinion_weight(w);
    let n_terms = w.schema.len();
    for d in 0..N_DOMAINS {
        let v = values(w, d);
        let ex = bust_exposure(w, d);
        let x: Vec<f64> = (0..n).map(|q| w.x[q][d]).collect();
        for q in 0..n {
            w.ties[q][d] = 0.0;
            let force = gradient(w, &sl, d, q, &x, x[q], mu, &v[q], ex[q], &[], |_, _| {});
            w.ties[q][d] = -force;
            let mut at_rest = vec![0.0; n_terms];
            gradient(
                w,
                &sl,
                d,
                q,
                &x,
                x[q],
                mu,
                &v[q],
                ex[q],
                &[],
                |slot, val| {
                    at_rest[slot] += val;
                },
            );
            let base = (q * N_DOMAINS + d) * n_terms;
            w.rest_forces[base..base + n_terms].copy_from_slice(&at_rest);
        }
    }
}

/// The ascent of one domain: `ascent_iterations` projected gradient steps of size `alpha`
/// from `x` (last year's closeness), adding each term's share of the move to `drv`
/// (`[power][term]`, scaled by `alpha`).
///
/// The gradient of `gradient` is evaluated in closed form: every term is a constant, linear
/// in closeness, `ω/(x + e)` or a threat's sigmoid, so the terms' shares of the move need
/// only the sums of `x`, `1/(x + e)` and the sigmoids over the iterations, not one update
/// per term per iteration. `tests::ascent_matches_the_term_by_term_gradient` holds it to
/// the term-by-term evaluation: a term added to `gradient` must be added here too.
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
fn ascend(
    w: &World,
    sl: &Slots,
    d: usize,
    mu: f64,
    alpha: f64,
    v: &[[f64; 10]],
    ex: &[f64],
    active: &[ActiveThreat],
    x: &mut [f64],
    drv: &mut [f64],
) {
    let mut a = Ascent::new(w, d, mu, alpha, v, ex, active, x);
    for _ in 0..w.p.government.ascent_iterations {
        a.step(w, sl, drv);
    }
    a.finish(w, sl, mu, v, ex, drv);
    x.copy_from_slice(&a.x[..a.n]);
}

/// One domain's ascent in progress: its constant coefficients, its closeness and the sums
/// over the iterations so far that the terms' shares of the move need (see [`ascend`]).
/// The domains are independent, so `decide` steps them in lockstep: each iteration of one
/// domain waits on the previous one (a division and a dot product), and four independent
/// chains keep the processor busy where one leaves it waiting.
struct Ascent<'a> {
    d: usize,
    n: usize,
    alpha: f64,
    // Fixed arrays for at most 8 powers (Params::new): a year's four ascents allocate only
    // for threats in force.
    prev: [f64; 8],
    x: [f64; 8],
    rho: [f64; 64],
    c: [f64; 8],
    l: [f64; 8],
    /// The option value's weight per power (`World::option_weight`).
    omega: [f64; 8],
    /// (threat, rival, red line, coefficient, substitution share of each power).
    threats: Vec<(usize, usize, f64, f64, &'a [f64])>,
    sig: Vec<f64>,
    sum_x: [f64; 8],
    sum_opt: [f64; 8],
    sum_sig: Vec<f64>,
    grad: [f64; 8],
}

impl<'a> Ascent<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        w: &World,
        d: usize,
        mu: f64,
        alpha: f64,
        v: &[[f64; 10]],
        ex: &[f64],
        active: &'a [ActiveThreat],
        x: &[f64],
    ) -> Ascent<'a> {
        let n = x.len();
        let g = &w.p.government;
        let mut prev = [0.0; 8];
        prev[..n].copy_from_slice(x);
        let mut rho = [0.0; 64];
        let (mut c, mut l, mut omega) = ([0.0; 8], [0.0; 8], [0.0; 8]);
        for q in 0..n {
            for r in 0..n {
                if q != r {
                    rho[q * n + r] = w.p.rivalry_of(q, r, d);
                }
            }
            // grad_q = c_q + l_q x_q − Σ_r ρ_qr x_r + ω/(x_q + e) − Σ_h coef_h σ_h(x_q).
            c[q] =
                v[q].iter().sum::<f64>() + w.ties[q][d] + mu * w.affinity[q] + g.inertia * prev[q];
            l[q] = -(ex[q].max(0.0) + g.autonomy_cost[q] + mu + g.inertia + w.obligation(q, d).1);
            omega[q] = w.option_weight(q, d);
        }
        let threats: Vec<(usize, usize, f64, f64, &[f64])> = active
            .iter()
            .filter(|a| a.1 == d)
            .map(|(h, _, rival, tau, coef, sub)| (*h, *rival, *tau, *coef, sub.as_slice()))
            .collect();
        let k = threats.len();
        Ascent {
            d,
            n,
            alpha,
            x: prev,
            prev,
            rho,
            c,
            l,
            omega,
            threats,
            sig: vec![0.0; k],
            sum_x: [0.0; 8],
            sum_opt: [0.0; 8],
            sum_sig: vec![0.0; k],
            grad: [0.0; 8],
        }
    }

    /// One projected gradient step; the clipping goes into `drv` (`[power][term]`).
    #[inline(always)]
    fn step(&mut self, w: &World, sl: &Slots, drv: &mut [f64]) {
        let g = &w.p.government;
        let n = self.n;
        let n_terms = w.schema.len();
        let e = g.option_offset;
        let x = &mut self.x;
        for (j, &(_, rival, tau, _, _)) in self.threats.iter().enumerate() {
            self.sig[j] = 1.0 / (1.0 + (-(x[rival] - tau) / g.threat_smoothing).exp());
            self.sum_sig[j] += self.sig[j];
        }
        for q in 0..n {
            let xq = x[q];
            let inv = 1.0 / (xq + e);
            let mut gq = self.c[q] + self.l[q] * xq + self.omega[q] * inv;
            for (r, xr) in self.rho[q * n..(q + 1) * n].iter().zip(x.iter()) {
                gq -= r * xr;
            }
            for (j, &(_, rival, _, coef, sub)) in self.threats.iter().enumerate() {
                if rival == q {
                    gq -= coef * self.sig[j];
                } else if sub[q] > 0.0 {
                    gq += sub[q] * coef * self.sig[j];
                }
            }
            self.sum_x[q] += xq;
            self.sum_opt[q] += inv;
            self.grad[q] = gq;
        }
        for q in 0..n {
            let free = x[q] + self.alpha * self.grad[q];
            let bounded = free.clamp(0.0, 1.0);
            drv[q * n_terms + sl.clip] += bounded - free;
            x[q] = bounded;
        }
    }

    /// Adds each term's share of the whole move to `drv`, from the sums over the iterations.
    fn finish(&self, w: &World, sl: &Slots, mu: f64, v: &[[f64; 10]], ex: &[f64], drv: &mut [f64]) {
        let n = self.n;
        let n_terms = w.schema.len();
        let g = &w.p.government;
        let (d, alpha, iterations) = (self.d, self.alpha, g.ascent_iterations);
        let (prev, rho, sum_x, sum_opt, sum_sig) = (
            &self.prev,
            &self.rho,
            &self.sum_x,
            &self.sum_opt,
            &self.sum_sig,
        );
        let threats = &self.threats;
        let k = f64::from(iterations);
        for q in 0..n {
            let t = &mut drv[q * n_terms..(q + 1) * n_terms];
            for (i, val) in v[q].iter().enumerate() {
                let slot = match i {
                    0..=7 => i,
                    8 => sl.promo,
                    _ => sl.sanctions,
                };
                t[slot] += alpha * k * val;
            }
            if ex[q] > 0.0 {
                t[sl.sanctions] -= alpha * ex[q] * sum_x[q];
            }
            t[sl.ties] += alpha * k * w.ties[q][d];
            t[sl.autonomy] -= alpha * g.autonomy_cost[q] * sum_x[q];
            let (a, ob) = w.obligation(q, d);
            if ob > 0.0 {
                t[sl.rivalry0 + a] -= alpha * ob * sum_x[q];
            }
            for r in 0..n {
                if r != q {
                    t[sl.rivalry0 + r] -= alpha * rho[q * n + r] * sum_x[r];
                }
            }
            t[sl.opinion] -= alpha * mu * (sum_x[q] - k * w.affinity[q]);
            t[sl.option] += alpha * self.omega[q] * sum_opt[q];
            t[sl.inertia] -= alpha * g.inertia * (sum_x[q] - k * prev[q]);
            for (j, &(h, rival, _, coef, sub)) in threats.iter().enumerate() {
                if rival == q {
                    t[sl.threat0 + h] -= alpha * coef * sum_sig[j];
                } else if sub[q] > 0.0 {
                    t[sl.threat0 + h] += alpha * sub[q] * coef * sum_sig[j];
                }
            }
        }
    }
}

/// Phase 5: the government moves its closeness in every domain and records the drivers.
pub fn decide(w: &mut World) {
    let n = w.p.powers.len();
    let mu = opinion_weight(w);
    let sl = Slots::of(w);
    let n_terms = w.schema.len();
    let g = &w.p.government;
    let noise_sd = g.noise.max(0.0);
    let active = active_threats(w);

    // Each domain's ascent reads only its own closeness, so the four run in lockstep (see
    // `Ascent`) and their results are the same as one after the other.
    // Fixed arrays for at most 8 powers (Params::new), used through their first `n` rows.
    let setup: Vec<([[f64; 10]; 8], [f64; 8], f64)> = (0..N_DOMAINS)
        .map(|d| {
            let (mut v, mut ex) = ([[0.0; 10]; 8], [0.0; 8]);
            values_into(w, d, &mut v[..n]);
            bust_exposure_into(w, d, &mut ex[..n]);
            // Step size from a Gershgorin bound on the curvature keeps the ascent monotone.
            let e = g.option_offset;
            let omega = (0..n)
                .map(|q| w.option_weight(q, d))
                .fold(0.0_f64, f64::max);
            let mut curv = g.inertia + mu + omega / (e * e);
            let mut worst = 0.0_f64;
            for (q, exq) in ex[..n].iter().enumerate() {
                let row: f64 = (0..n).map(|r| w.p.rivalry_of(q, r, d).abs()).sum();
                let row = row + w.obligation(q, d).1;
                worst = worst.max(g.autonomy_cost[q] + row + exq);
            }
            curv += worst;
            for (_, dd, _, _, coef, sub) in &active {
                if *dd == d {
                    let most = sub.iter().copied().fold(0.0_f64, f64::max);
                    curv += (1.0 + most) * coef / (4.0 * g.threat_smoothing);
                }
            }
            (v, ex, 1.0 / curv.max(1e-9))
        })
        .collect();
    let mut ascents: Vec<Ascent> = setup
        .iter()
        .enumerate()
        .map(|(d, (v, ex, alpha))| {
            let mut prev = [0.0; 8];
            for (q, p) in prev.iter_mut().enumerate().take(n) {
                *p = w.x[q][d];
            }
            Ascent::new(w, d, mu, *alpha, &v[..n], &ex[..n], &active, &prev[..n])
        })
        .collect();
    let mut drvs = vec![0.0; N_DOMAINS * n * n_terms];
    for _ in 0..g.ascent_iterations {
        for (a, drv) in ascents.iter_mut().zip(drvs.chunks_mut(n * n_terms)) {
            a.step(w, &sl, drv);
        }
    }

    for (d, (a, drv)) in ascents
        .into_iter()
        .zip(drvs.chunks_mut(n * n_terms))
        .enumerate()
    {
        let (v, ex, alpha) = &setup[d];
        a.finish(w, &sl, mu, &v[..n], &ex[..n], drv);
        let (x, prev) = (&a.x, &a.prev);
        // Report each term relative to its force at the starting rest point.
        let span = alpha * f64::from(g.ascent_iterations);
        for q in 0..n {
            let rest = (q * N_DOMAINS + d) * n_terms;
            for t in 0..n_terms {
                drv[q * n_terms + t] -= span * w.rest_forces[rest + t];
            }
        }
        // One standard normal per power and domain each year, whatever the noise level.
        let mut rng = w.rng.at(Stream::Decisions, w.year, d as u64);
        for q in 0..n {
            let base = q * n_terms;
            let step = x[q] - prev[q];
            let capped = step.clamp(-g.max_move, g.max_move);
            drv[base + sl.cap] += capped - step;
            let z: f64 = rng.sample(StandardNormal);
            let xi = noise_sd * z;
            drv[base + sl.noise] += xi;
            let free = prev[q] + capped + xi;
            let bounded = free.clamp(0.0, 1.0);
            drv[base + sl.clip] += bounded - free;
            w.x[q][d] = bounded;
            let out = (q * N_DOMAINS + d) * n_terms;
            w.rec.drivers[out..out + n_terms].copy_from_slice(&drv[base..base + n_terms]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Params, defaults};

    /// The ascent as first written: every term of `gradient` added at every iteration.
    #[allow(clippy::too_many_arguments)]
    fn ascend_term_by_term(
        w: &World,
        sl: &Slots,
        d: usize,
        mu: f64,
        alpha: f64,
        v: &[[f64; 10]],
        ex: &[f64],
        active: &[ActiveThreat],
        x: &mut [f64],
        drv: &mut [f64],
    ) {
        let n = x.len();
        let n_terms = w.schema.len();
        let prev = x.to_vec();
        let mut grad = vec![0.0; n];
        for _ in 0..w.p.government.ascent_iterations {
            for q in 0..n {
                let base = q * n_terms;
                grad[q] = gradient(
                    w,
                    sl,
                    d,
                    q,
                    x,
                    prev[q],
                    mu,
                    &v[q],
                    ex[q],
                    active,
                    |slot, val| {
                        drv[base + slot] += alpha * val;
                    },
                );
            }
            for q in 0..n {
                let free = x[q] + alpha * grad[q];
                let bounded = free.clamp(0.0, 1.0);
                drv[q * n_terms + sl.clip] += bounded - free;
                x[q] = bounded;
            }
        }
    }

    #[test]
    fn ascent_matches_the_term_by_term_gradient() {
        let params = Params::new(defaults::serbia()).expect("defaults are valid");
        for seed in 0..6u64 {
            let mut w = World::new(&params, seed);
            // Every threat stage, opinion away from closeness, closeness near the bounds.
            for (h, s) in w.threats.iter_mut().enumerate() {
                s.stage =
                    [Stage::Threatened, Stage::Imposed, Stage::Dormant][(h + seed as usize) % 3];
            }
            for (q, a) in w.affinity.iter_mut().enumerate() {
                *a = (0.2 * q as f64 + 0.1 * seed as f64) % 1.0;
            }
            if seed % 2 == 1 {
                w.x[0] = [0.999; N_DOMAINS];
                w.x[1] = [0.001; N_DOMAINS];
            }
            let sl = Slots::of(&w);
            let mu = opinion_weight(&w) * (1.0 + seed as f64);
            let active = active_threats(&w);
            let n = w.p.powers.len();
            let n_terms = w.schema.len();
            for d in 0..N_DOMAINS {
                let v = values(&w, d);
                let ex: Vec<f64> = bust_exposure(&w, d)
                    .iter()
                    .enumerate()
                    .map(|(q, e)| e + 0.05 * ((q + d) % 2) as f64)
                    .collect();
                let x0: Vec<f64> = (0..n).map(|q| w.x[q][d]).collect();
                let alpha = 0.05;
                let (mut x1, mut d1) = (x0.clone(), vec![0.0; n * n_terms]);
                ascend(&w, &sl, d, mu, alpha, &v, &ex, &active, &mut x1, &mut d1);
                let (mut x2, mut d2) = (x0.clone(), vec![0.0; n * n_terms]);
                ascend_term_by_term(&w, &sl, d, mu, alpha, &v, &ex, &active, &mut x2, &mut d2);
                for (a, b) in x1.iter().zip(&x2) {
                    assert!((a - b).abs() < 1e-12, "closeness {a} vs {b}");
                }
                for (t, (a, b)) in d1.iter().zip(&d2).enumerate() {
                    assert!(
                        (a - b).abs() < 1e-11,
                        "term {t}: {a} vs {b} (seed {seed}, domain {d})"
                    );
                }
            }
        }
    }
}
