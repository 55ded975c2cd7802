//! Powers set their instruments by reactive rules under a budget (docs/model.md §5.2), and
//! the visible aid signal follows the positive changes (§5.4). Phase 3 of the year.

use super::types::{Domain, Kind, N_DOMAINS, N_KINDS};
use super::world::{World, base_levels};

/// Raw response factor `max(0, 1 + φ (x* − x) + χ Σ_q ρ_pq x_q)` of power `q` on last
/// year's aggregate closeness (docs/model.md §5.2).
pub fn response_factor(w: &World, q: usize) -> f64 {
    let n = w.p.powers.len();
    let dw = w.p.government.domain_weights;
    let power = &w.p.powers[q];
    let rival_pull: f64 = (0..n)
        .filter(|&r| r != q)
        .map(|r| {
            let rho: f64 = (0..N_DOMAINS)
                .map(|d| dw[d] * w.p.rivalry_of(q, r, d))
                .sum();
            rho * w.aggregate(r)
        })
        .sum();
    (1.0 + power.responsiveness * (power.target - w.aggregate(q))
        + power.rivalry_response * rival_pull)
        .max(0.0)
}

/// Conditionality factor `max(0, 1 + κ_c [(a_q − a_q⁰) − Σ_r ρ⁺_qr (x̄_r − x̄_r⁰)])` of power
/// `q`: its closeness gain since the start, less the gain of its rivals in security and
/// diplomacy (`x̄_r` the mean of the two, `ρ⁺_qr` the mean positive rivalry there); 1 at the
/// start (docs/model.md §5.2).
pub fn conditionality_factor(w: &World, q: usize) -> f64 {
    let kappa = w.p.powers[q].conditionality;
    let dw = w.p.government.domain_weights;
    let agg0: f64 = (0..N_DOMAINS).map(|d| dw[d] * w.x_rest[q][d]).sum();
    let own = w.aggregate(q) - agg0;
    let ds = [Domain::Security.index(), Domain::Diplomacy.index()];
    let rivals: f64 = (0..w.p.powers.len())
        .filter(|&r| r != q)
        .map(|r| {
            ds.iter()
                .map(|&d| 0.5 * w.p.rivalry_of(q, r, d).max(0.0) * (w.x[r][d] - w.x_rest[r][d]))
                .sum::<f64>()
        })
        .sum();
    (1.0 + kappa * (own - rivals)).max(0.0)
}

/// Support a patron gives in arms, technology and on the sovereignty issue:
/// `I_arms / I0_arms + I_tech / I0_tech + I_sov` (docs/model.md §5.1, reliability).
pub fn support_level(p: &super::params::ParamSpec, inst: &[f64; N_KINDS]) -> f64 {
    [Kind::Arms, Kind::Tech]
        .iter()
        .map(|k| inst[k.index()] / p.kinds[k.index()].scale)
        .sum::<f64>()
        + inst[Kind::SovereigntySupport.index()]
}

/// Phase 3: each power moves its instruments towards budget × mix × response factor, the
/// factor taken relative to the first year's so that declared budgets and mixes are the
/// levels the run starts from.
pub fn set_instruments(w: &mut World) {
    let n = w.p.powers.len();
    for q in 0..n {
        let raw = response_factor(w, q);
        let factor = if w.factor0[q] > 1e-9 {
            raw / w.factor0[q]
        } else {
            raw
        };
        let mut target = base_levels(&w.p, q, factor);
        // Conditionality: the membership offer and grants follow alignment instead of the
        // courting rule (docs/model.md §5.2).
        if w.p.powers[q].conditionality > 0.0 {
            let cond = base_levels(&w.p, q, conditionality_factor(w, q));
            for k in [Kind::Accession, Kind::Grants] {
                target[k.index()] = cond[k.index()];
            }
        }
        let prev = w.inst[q];
        let mut next = [0.0; N_KINDS];
        for k in Kind::ALL {
            let i = k.index();
            let delta = w.p.kinds[i].adjust;
            next[i] = (1.0 - delta) * w.base[q][i] + delta * target[i];
        }
        // The budget caps the budgeted kinds together (docs/model.md §5.2).
        let spent: f64 = Kind::ALL
            .iter()
            .filter(|k| k.is_budgeted())
            .map(|k| next[k.index()])
            .sum();
        let budget = w.p.powers[q].budget;
        if spent > budget {
            let scale = if spent > 0.0 { budget / spent } else { 0.0 };
            for k in Kind::ALL.iter().filter(|k| k.is_budgeted()) {
                next[k.index()] *= scale;
            }
        }
        w.base[q] = next;
        // One-off deliveries come on top of the budget and fade at the kind's rate.
        let mut level = [0.0; N_KINDS];
        for i in 0..N_KINDS {
            let delta = w.p.kinds[i].adjust;
            w.extra[q][i] = (1.0 - delta) * w.extra[q][i] + w.delivered[q][i];
            level[i] = next[i] + w.extra[q][i];
            if Kind::ALL[i].is_intensity() {
                level[i] = level[i].clamp(0.0, 1.0);
            }
        }
        w.delivered[q] = [0.0; N_KINDS];
        let next = level;
        // Aid signal: decays, and grows with the visible impulse of positive changes.
        let decay = w.p.population.aid_decay;
        for i in 0..N_KINDS {
            let rise = (next[i] - prev[i]).max(0.0);
            w.z[q][i] = decay * w.z[q][i] + (rise / w.p.kinds[i].scale).ln_1p();
        }
        // Remembered help: an exponentially weighted memory of the visible help in force.
        let m = w.p.population.help_memory;
        w.help[q] = m * w.help[q] + (1.0 - m) * super::opinion::help_flow(&w.p, &next);
        w.inst[q] = next;
        // Reliability: the state learns from support delivered against support promised.
        let kr = w.p.government.reliability_learning;
        if kr > 0.0 {
            let promised = w.promised.get(q).copied().unwrap_or(0.0);
            let ratio = if promised > 1e-9 {
                (support_level(&w.p, &next) / promised).min(1.0)
            } else {
                1.0
            };
            w.reliability[q] += kr * (ratio - w.reliability[q]);
        }
    }
}
