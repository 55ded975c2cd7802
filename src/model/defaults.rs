//! Default parameters: the priors of docs/model.md §9 for Serbia between the EU, the US,
//! Russia and China, and neutral defaults for powers a scenario adds. Scenarios start from
//! here and change what they declare.

use super::params::*;
use super::types::{Domain, Kind, N_DOMAINS, N_KINDS, PowerId};

/// Default instrument table (docs/model.md §2): domain weights `M[k]`, visibility `V_k`,
/// scale `I0_k`, adjustment rate `δ_k`, government weight `w_gov[k]`.
pub fn default_kinds() -> [KindParams; N_KINDS] {
    let row =
        |m: [f64; N_DOMAINS], visibility: f64, scale: f64, adjust: f64, weight: f64| KindParams {
            domains: m,
            visibility,
            scale,
            adjust,
            weight,
        };
    [
        row([0.8, 0.0, 0.0, 0.2], 0.15, 0.5, 0.5, 0.3),
        row([0.9, 0.0, 0.1, 0.0], 0.4, 1.0, 0.5, 0.3),
        row([1.0, 0.0, 0.0, 0.0], 0.1, 10.0, 0.2, 0.15),
        row([0.3, 0.0, 0.0, 0.7], 1.0, 0.05, 0.7, 0.3),
        row([0.0, 1.0, 0.0, 0.0], 0.6, 0.1, 0.5, 0.3),
        row([0.2, 0.2, 0.6, 0.0], 0.5, 0.2, 0.5, 0.3),
        row([0.0, 0.0, 0.0, 1.0], 0.5, 1.0, 0.5, 1.0),
        row([0.5, 0.0, 0.0, 0.5], 0.3, 1.0, 0.5, 1.0),
    ]
}

/// Autonomy cost of a power the Serbia defaults do not know.
pub const NEUTRAL_AUTONOMY_COST: f64 = 1.0;
/// Initial closeness (every domain) to a power the Serbia defaults do not know.
pub const NEUTRAL_CLOSENESS: f64 = 0.3;
/// Mean identity anchor of the public toward a power the Serbia defaults do not know.
pub const NEUTRAL_ANCHOR: f64 = 0.3;
/// Baseline media image (both channels) of a power the Serbia defaults do not know.
pub const NEUTRAL_MEDIA: f64 = 0.3;

/// A threat with default numbers (docs/model.md §9: resolve 0.6 (0.3–0.8), lifting 0.25
/// (0.1–0.4), grace 1–2 years; red line, severity, belief, learning and damage are
/// documented guesses).
pub fn threat(
    id: &str,
    sender: PowerId,
    rival: PowerId,
    domain: Domain,
    start: i32,
) -> ThreatParams {
    ThreatParams {
        id: id.to_string(),
        sender,
        rival,
        domain,
        red_line: 0.5,
        severity: 1.0,
        grace: 1,
        resolve: 0.6,
        belief: 0.5,
        learning: 0.3,
        damage: 0.2,
        lift: 0.25,
        issue: None,
        active_from: start,
        lands_in: domain,
    }
}

/// A power with neutral defaults (no budget, no instruments), for scenarios that add one.
pub fn neutral_power(id: &str) -> PowerParams {
    PowerParams {
        id: id.to_string(),
        name: id.to_string(),
        color: [0x55, 0x55, 0x55],
        budget: 0.0,
        mix: [0.0; N_KINDS],
        target: 0.5,
        responsiveness: 1.0,
        rivalry_response: 0.0,
        buster: 0.0,
        media_sensitivity: 0.1,
        conditionality: 0.0,
        bust_cost: 0.1,
        buster_cap: 1.0,
        opacity: 0.0,
    }
}

fn mix(entries: &[(Kind, f64)]) -> [f64; N_KINDS] {
    let mut m = [0.0; N_KINDS];
    for (k, v) in entries {
        m[k.index()] = *v;
    }
    m
}

/// Serbia between the EU, the US, Russia and China around 2024 (docs/model.md §9).
/// Budgets are caps on yearly spending; the mixes use about 80% of them at the start, which
/// leaves each power room to compete harder (§5.2).
/// Budgets and mixes are documented guesses anchored in the observed series
/// (data/observed/economy.csv, security.csv); calibration refines them.
pub fn serbia() -> ParamSpec {
    use Kind::*;
    let powers = vec![
        PowerParams {
            id: "EU".into(),
            name: "European Union".into(),
            color: [0x1f, 0x5f, 0xbf],
            budget: 3.0,
            mix: mix(&[
                (Grants, 0.26),
                (Loans, 0.48),
                (HealthAid, 0.02),
                (Tech, 0.04),
                (Trade, 60.0),
                (SovereigntySupport, 0.0),
                (Accession, 1.0),
            ]),
            target: 0.8,
            responsiveness: 1.0,
            rivalry_response: 0.5,
            buster: 0.2,
            media_sensitivity: 0.1,
            conditionality: 1.0,
            bust_cost: 0.1,
            buster_cap: 1.0,
            opacity: 0.1,
        },
        PowerParams {
            id: "US".into(),
            name: "United States".into(),
            color: [0xc0, 0x39, 0x2b],
            budget: 0.4,
            mix: mix(&[
                (Grants, 0.38),
                (Loans, 0.15),
                (HealthAid, 0.04),
                (Arms, 0.11),
                (Tech, 0.07),
                (Trade, 3.0),
            ]),
            target: 0.6,
            responsiveness: 1.0,
            rivalry_response: 0.5,
            buster: 0.1,
            media_sensitivity: 0.1,
            conditionality: 0.0,
            bust_cost: 0.1,
            buster_cap: 1.0,
            opacity: 0.2,
        },
        PowerParams {
            id: "RU".into(),
            name: "Russia".into(),
            color: [0x6a, 0x3d, 0x9a],
            budget: 0.5,
            mix: mix(&[
                (Grants, 0.04),
                (Loans, 0.32),
                (HealthAid, 0.04),
                (Arms, 0.36),
                (Tech, 0.04),
                (Trade, 8.0),
                (SovereigntySupport, 1.0),
            ]),
            target: 0.7,
            responsiveness: 1.0,
            rivalry_response: 0.5,
            buster: 0.2,
            media_sensitivity: 0.1,
            conditionality: 0.0,
            bust_cost: 0.1,
            buster_cap: 1.0,
            opacity: 0.6,
        },
        PowerParams {
            id: "CN".into(),
            name: "China".into(),
            color: [0xe6, 0x8a, 0x00],
            budget: 1.9,
            mix: mix(&[
                (Grants, 0.02),
                (Loans, 0.63),
                (HealthAid, 0.02),
                (Arms, 0.04),
                (Tech, 0.08),
                (Trade, 8.0),
                (SovereigntySupport, 0.8),
            ]),
            target: 0.6,
            responsiveness: 1.0,
            rivalry_response: 0.5,
            buster: 0.5,
            media_sensitivity: 0.1,
            conditionality: 0.0,
            bust_cost: 0.1,
            buster_cap: 1.0,
            opacity: 0.8,
        },
    ];
    let n = powers.len();
    let mut spec = ParamSpec {
        start: 2024,
        end: 2040,
        kinds: default_kinds(),
        rivalry: vec![[0.0; N_DOMAINS]; n * n],
        government: GovernmentParams {
            state: "Serbia".into(),
            autonomy_cost: vec![1.0; n],
            inertia: 1.0,
            max_move: 0.15,
            noise: 0.02,
            opinion_weight: 0.4,
            election_multiplier: 1.75,
            election_period: 4,
            first_election: 2027,
            option_value: 0.02,
            option_offset: 0.05,
            domain_weights: [0.25; N_DOMAINS],
            sovereignty_value: 0.6,
            accession_value: 1.0,
            promotion: 0.3,
            threat_smoothing: 0.05,
            ascent_iterations: 50,
            initial_closeness: vec![
                [0.7, 0.3, 0.5, 0.5],
                [0.3, 0.3, 0.3, 0.2],
                [0.4, 0.4, 0.1, 0.6],
                [0.5, 0.3, 0.6, 0.5],
            ],
            structural_ties: true,
            veto_pooling: 1.0,
            reliability_learning: 0.3,
            substitution: 0.5,
            opacity_premium: 0.5,
            surveillance_value: 0.5,
            election_anticipation: 0.5,
            promotion_cycle: 1.0,
            accession_obligations: 0.5,
            dependence_lever: 1.0,
            exit_cost: 0.0,
        },
        accession_power: Some(0),
        credibility: 0.45,
        threats: Vec::new(),
        population: PopulationParams {
            citizens: 2000,
            anchor_mean: vec![0.45, 0.2, 0.65, 0.55],
            anchor_sd: 0.15,
            susceptibility: 0.4,
            susceptibility_concentration: 10.0,
            confidence: 0.3,
            confidence_spread: 0.15,
            anchor_drift: 0.03,
            pro_government_share: 0.65,
            media_pull: 0.3,
            experience_pull: 0.1,
            media_pro_government: vec![0.35, 0.2, 0.75, 0.7],
            media_independent: vec![0.6, 0.45, 0.45, 0.4],
            framing: 1.0,
            aid_decay: 0.4,
            help_memory: 0.6,
            sanction_backlash: 0.2,
            experience_rate: 0.1,
            credibility_pull: 0.3,
            media_line: 0.5,
        },
        polls: PollParams {
            respondents: 1000,
            sharpness: 10.0,
            outside: 0.63,
            aid_sharpness: 2.0,
            aid_outside: 0.2,
            aid_identity: 3.0,
            noise: 0.1,
            membership_threshold: 0.45,
        },
        alignment: AlignmentParams {
            with: 0,
            kappa0: 0.0,
            kappa1: 8.0,
            other_closeness: 0.1,
            cheap_share: 0.0,
            cheap_base: 1.0,
            signal_effort: 0.0,
            agenda: vec![AgendaYear {
                year: 2024,
                shares: vec![
                    (AgendaTarget::Power(2), 0.35),
                    (AgendaTarget::Power(3), 0.05),
                    (AgendaTarget::Other, 0.6),
                ],
            }],
        },
        events: Vec::new(),
        random_events: Vec::new(),
        rules: Vec::new(),
        reference: None,
        powers,
    };
    // Rivalry around 2024 (docs/model.md §9, §5.1): EU–US and Russia–China complementary;
    // US–China strongest in technology; West–Russia strongest in security and diplomacy.
    // Levels are set so that every domain still has a little leeway in 2024 (the smallest
    // eigenvalue, not a pairwise threshold, decides: two blocs roughly double the effective
    // rivalry), with security and diplomacy closest to the edge.
    let (eu, us, ru, cn) = (0, 1, 2, 3);
    // Domains: economy, security, technology, diplomacy.
    let pairs: [(usize, usize, [f64; N_DOMAINS]); 6] = [
        (eu, us, [-0.3, -0.3, -0.3, -0.3]),
        (us, cn, [0.5, 0.4, 1.0, 0.4]),
        (eu, cn, [0.2, 0.2, 0.5, 0.3]),
        (us, ru, [0.6, 0.8, 0.3, 0.7]),
        (eu, ru, [0.6, 0.8, 0.3, 0.7]),
        (ru, cn, [-0.2, -0.2, -0.2, -0.2]),
    ];
    for (p, q, r) in pairs {
        for (d, v) in r.iter().enumerate() {
            spec.set_rivalry(p, q, d, *v);
        }
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serbia_defaults_are_valid() {
        Params::new(serbia()).expect("defaults must pass validation");
    }
}
