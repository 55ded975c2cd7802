//! Media images and the yearly update of public opinion (docs/model.md §5.4). Phase 6.

use super::params::ParamSpec;
use super::types::{Domain, Kind, N_KINDS};
use super::world::World;

/// Visible aid signal `Σ_k V_k z[p][k]` of power `q`.
pub fn visible_aid(w: &World, q: usize) -> f64 {
    (0..N_KINDS)
        .map(|k| w.p.kinds[k].visibility * w.z[q][k])
        .sum()
}

/// Visible help in force this year from power `q`: `Σ_k V_k ln(1 + I[q][k] / I0_k)` over the
/// budgeted kinds (what is given: grants, loans and investment, health aid, arms, technology),
/// with the same diminishing returns as the government's valuation (docs/model.md §6).
pub fn help_flow(p: &ParamSpec, inst: &[f64; N_KINDS]) -> f64 {
    Kind::ALL
        .iter()
        .filter(|k| k.is_budgeted())
        .map(|k| {
            let kp = &p.kinds[k.index()];
            kp.visibility * (inst[k.index()] / kp.scale).ln_1p()
        })
        .sum()
}

/// Government framing `F[c][p]` on the pro-government channel (`c = 0`) and the
/// independent one (`c = 1`). Pro-government media follow the government's diplomatic line
/// (closeness in diplomacy, the domain of public statements), not its economic ties: Serbia's
/// pro-government press praised China and Russia while the EU was the largest economic
/// partner (docs/model.md §5.4).
pub fn framing(w: &World, q: usize) -> [f64; 2] {
    let n = w.p.powers.len();
    let dip = Domain::Diplomacy.index();
    let mean = (0..n).map(|r| w.x[r][dip]).sum::<f64>() / n as f64;
    [
        (1.0 + w.p.population.framing * (w.x[q][dip] - mean)).max(0.0),
        1.0,
    ]
}

/// Change since the start of the government's relative diplomatic stance towards power `q`:
/// `(x[q][dipl] − mean x[dipl]) − (the same at the start)`. Pro-government media follow it
/// (docs/model.md §5.4, `media_line`).
pub fn stance_change(w: &World, q: usize) -> f64 {
    let dip = Domain::Diplomacy.index();
    let rel = |x: &[[f64; super::types::N_DOMAINS]]| {
        let mean = x.iter().map(|r| r[dip]).sum::<f64>() / x.len().max(1) as f64;
        x.get(q).map_or(0.0, |r| r[dip] - mean)
    };
    if w.x_rest.len() != w.x.len() {
        return 0.0;
    }
    rel(&w.x) - rel(&w.x_rest)
}

/// Phase 6: media images, direct experience, and the update of every citizen.
pub fn update(w: &mut World) {
    let n = w.p.powers.len();
    for q in 0..n {
        let aid = visible_aid(w, q);
        let prob = w.p.population.experience_rate * aid;
        w.citizens.draw_experiences(q, prob, 1.0, &w.rng, w.year);
    }
    let pop = &w.p.population;
    for q in 0..n {
        let aid = visible_aid(w, q);
        let f = framing(w, q);
        let backlash = if w.sanctions_by(q) {
            pop.sanction_backlash
        } else {
            0.0
        };
        let beta = w.p.powers[q].media_sensitivity;
        // A membership perspective that gains or loses credibility is news about its offerer.
        let offer = w.inst[q][Kind::Accession.index()];
        let perspective = pop.credibility_pull * (w.p.credibility - w.credibility0) * offer;
        let media = [
            (pop.media_pro_government[q] + beta * aid * f[0] + perspective - backlash)
                .clamp(0.0, 1.0),
            (pop.media_independent[q] + beta * aid * f[1] + perspective - backlash).clamp(0.0, 1.0),
        ];
        w.affinity[q] = w
            .citizens
            .update_power(q, media, pop.media_pull, pop.anchor_drift);
    }
    let mut delta = w.citizens.apply_experiences(pop.experience_pull, n);
    // Media that follow the government's line: pro-government audiences are moved towards
    // the government's change of stance, outside their confidence bound (partisan cueing).
    if pop.media_line > 0.0 {
        for (q, dq) in delta.iter_mut().enumerate() {
            let shift = pop.media_line * stance_change(w, q);
            if shift != 0.0 {
                *dq += w.citizens.nudge_pro_government(q, shift);
            }
        }
    }
    let size = w.citizens.n.max(1) as f64;
    for (a, d) in w.affinity.iter_mut().zip(&delta) {
        *a += d / size;
    }
}
