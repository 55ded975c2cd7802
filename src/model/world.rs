//! The whole state of a run in one year (docs/model.md §2).

use super::citizens::Citizens;
use super::params::{ParamSpec, Params};
use super::record::{DriverSchema, YearRecord};
use super::rng::{Keyed, Stream, stream};
use super::target::Target;
use super::types::{Domain, Kind, N_DOMAINS, N_KINDS, Stage};
use super::vars::VarLayout;

/// Where a threat stands in this run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThreatState {
    /// Current stage.
    pub stage: Stage,
    /// Year the current stage began.
    pub since: i32,
}

/// A parameter moving linearly towards a value over several years.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ramp {
    /// The parameter.
    pub target: Target,
    /// Value before the ramp began.
    pub from: f64,
    /// Value at the end.
    pub to: f64,
    /// First year of the ramp.
    pub start: i32,
    /// Length in years.
    pub years: u32,
}

/// The state of a run.
#[derive(Clone, Debug)]
pub struct World {
    /// The current year.
    pub year: i32,
    /// Parameters in force (scripted events, ramps and rules change them).
    pub p: ParamSpec,
    /// Closeness `x[p][d]`.
    pub x: Vec<[f64; N_DOMAINS]>,
    /// Instrument levels `I[p][k]` in force (rule-driven level plus one-off deliveries).
    pub inst: Vec<[f64; N_KINDS]>,
    /// Rule-driven instrument levels (within the budget).
    pub base: Vec<[f64; N_KINDS]>,
    /// What remains of one-off deliveries (decays at the kind's adjustment rate).
    pub extra: Vec<[f64; N_KINDS]>,
    /// One-off deliveries queued for this year.
    pub delivered: Vec<[f64; N_KINDS]>,
    /// Aid signal `z[p][k]`.
    pub z: Vec<[f64; N_KINDS]>,
    /// Remembered visible help `H_p` ("who helped most", docs/model.md §6).
    pub help: Vec<f64>,
    /// Threats.
    pub threats: Vec<ThreatState>,
    /// Belief `π̂` in each threat's resolve.
    pub belief: Vec<f64>,
    /// Belief `r̂_p` in each patron's reliability (docs/model.md §5.1), 1 at the start.
    pub reliability: Vec<f64>,
    /// Support each patron promised: its support level at the reference's starting
    /// instruments (`powers::support_level`).
    pub promised: Vec<f64>,
    /// The population.
    pub citizens: Citizens,
    /// Structural ties `u[p][d]` (docs/model.md §5.1).
    pub ties: Vec<[f64; N_DOMAINS]>,
    /// The closeness the ties were solved at (the reference's starting closeness): where the
    /// leeway index reads the curvature of the option value (docs/model.md §6).
    pub x_rest: Vec<[f64; N_DOMAINS]>,
    /// Membership credibility in the first year (the media respond to changes from it).
    pub credibility0: f64,
    /// Force of each driver term at the starting rest point, `[power][domain][term]`.
    pub rest_forces: Vec<f64>,
    /// Each power's response factor in the first year; later factors are relative to it.
    pub factor0: Vec<f64>,
    /// Mean affinity per power.
    pub affinity: Vec<f64>,
    /// Ramps in progress.
    pub ramps: Vec<Ramp>,
    /// Rules that fired already (for `once` rules).
    pub rules_fired: Vec<bool>,
    /// A snap election was called this year.
    pub snap_election: bool,
    /// Values of condition variables, refreshed at the end of each year.
    pub vars: Vec<f64>,
    /// Layout of `vars`.
    pub layout: VarLayout,
    /// Driver terms in record order.
    pub schema: DriverSchema,
    /// The record being built this year.
    pub rec: YearRecord,
    /// The run's random key: every draw reads the stream of its (component, year, index).
    pub rng: Keyed,
    /// Tabulated poll read-outs.
    pub poll_tables: super::observables::PollTables,
    /// Leave the simulated poll out of the observation phase: set only where nothing reads
    /// its answers (`run::end_state` when no rule's condition reads a poll or membership
    /// support). Every draw is keyed, so no other component's numbers change.
    pub skip_poll: bool,
}

impl World {
    /// The state before the first year.
    ///
    /// The starting state is solved from the reference (`ParamSpec::reference`, docs/model.md
    /// §5.1): the instrument levels in force, the remembered help, the powers' first-year
    /// response factors, the structural ties and rest forces, the credibility the media measure
    /// changes from, and the condition variables before the first year. The state itself
    /// (closeness, population) is the scenario's own. Whatever else the scenario changes then
    /// acts from the first year, exactly as an event in the first year would.
    pub fn new(params: &Params, seed: u64) -> World {
        let p = params.spec().clone();
        let n = p.powers.len();
        let h = p.threats.len();
        let mut init = stream(seed, Stream::Init);
        let init_reference = init.clone();
        let citizens = Citizens::new(&p, &mut init);
        let affinity = mean_affinity(&citizens, n);
        let r = p.reference_or_self();
        let inst: Vec<_> = (0..n).map(|q| base_levels(r, q, 1.0)).collect();
        let promised = inst
            .iter()
            .map(|i| super::powers::support_level(r, i))
            .collect();
        let help = inst
            .iter()
            .map(|i| super::opinion::help_flow(r, i))
            .collect();
        let credibility0 = r.credibility;
        let schema = DriverSchema::new(n, h);
        let layout = VarLayout::of(&p);
        let rec = YearRecord::new(n, h, schema.len());
        let mut world = World {
            year: p.start,
            x: p.government.initial_closeness.clone(),
            base: inst.clone(),
            extra: vec![[0.0; N_KINDS]; n],
            inst,
            delivered: vec![[0.0; N_KINDS]; n],
            z: vec![[0.0; N_KINDS]; n],
            help,
            threats: vec![
                ThreatState {
                    stage: Stage::Dormant,
                    since: p.start,
                };
                h
            ],
            belief: p.threats.iter().map(|t| t.belief).collect(),
            reliability: vec![1.0; n],
            promised,
            citizens,
            ties: vec![[0.0; N_DOMAINS]; n],
            x_rest: Vec::new(),
            rest_forces: vec![0.0; n * N_DOMAINS * schema.len()],
            credibility0,
            factor0: vec![1.0; n],
            affinity,
            ramps: Vec::new(),
            rules_fired: vec![false; p.rules.len()],
            snap_election: false,
            vars: vec![0.0; layout.len()],
            layout,
            schema,
            rec,
            rng: Keyed::new(seed),
            poll_tables: Default::default(),
            skip_poll: false,
            p,
        };
        match world.p.reference.clone() {
            None => {
                world.solve_start();
                world.refresh_vars_from_state();
                world.initial_observations();
            }
            Some(reference) => {
                // The world as it is: the reference's parameters, its starting closeness and
                // its public (the same draws, from the reference's population parameters).
                let mut r = (*reference).clone();
                r.threats.clone_from(&world.p.threats);
                let ref_affinity = if same_population(&r, &world.p) {
                    world.affinity.clone()
                } else {
                    mean_affinity(&Citizens::new(&r, &mut init_reference.clone()), n)
                };
                let own_x = std::mem::replace(&mut world.x, r.government.initial_closeness.clone());
                let own_affinity = std::mem::replace(&mut world.affinity, ref_affinity);
                let own_p = std::mem::replace(&mut world.p, r);
                world.solve_start();
                world.x = own_x;
                world.affinity = own_affinity;
                world.refresh_vars_from_state();
                world.initial_observations();
                world.p = own_p;
            }
        }
        world
    }

    /// First-year response factors, structural ties and rest forces, from the parameters,
    /// closeness and affinity in place.
    fn solve_start(&mut self) {
        self.x_rest.clone_from(&self.x);
        self.factor0 = (0..self.p.powers.len())
            .map(|q| super::powers::response_factor(self, q))
            .collect();
        super::government::solve_ties(self);
    }

    /// The price of membership's obligations on ties to power `r` in domain `d`: the
    /// curvature `o_a κ I_acc ρ⁺(a, r, d)` of a cost `½ c x_r²` on closeness to each power the
    /// offerer `a` rivals (docs/model.md §5.1). Aligning with the offerer's foreign policy (its
    /// sanctions, its arms embargoes) is part of the offer, so ties to its rivals cost more as
    /// membership becomes credible, whatever the state's closeness to the offerer. Returns the
    /// offerer and the curvature (0 for the offerer itself, or with no offer).
    pub fn obligation(&self, r: usize, d: usize) -> (usize, f64) {
        let o = self.p.government.accession_obligations;
        match self.p.accession_power {
            Some(a) if o > 0.0 && a != r => {
                let offer = self.inst[a][Kind::Accession.index()].clamp(0.0, 1.0);
                let rho = self.p.rivalry_of(a, r, d).max(0.0);
                (a, o * self.p.credibility * offer * rho)
            }
            Some(a) => (a, 0.0),
            None => (0, 0.0),
        }
    }

    /// The weight `ω_q` of the option value of closeness to power `q` in domain `d`: the
    /// design's `ω`, plus, in the economy, the exit cost `η_x T_q` of the market `q` gives
    /// (`T_q` its trade, as a share of GDP; docs/model.md §5.1). Cutting the tie to a partner
    /// that takes a large share of trade costs more the further it goes.
    pub fn option_weight(&self, q: usize, d: usize) -> f64 {
        let g = &self.p.government;
        if d == Domain::Economy.index() && g.exit_cost > 0.0 {
            g.option_value + g.exit_cost * self.inst[q][Kind::Trade.index()].max(0.0) / 100.0
        } else {
            g.option_value
        }
    }

    /// The state's economic dependence on the camp of power `s`: its trade with `s` and with
    /// `s`'s partners in the economy (negative rivalry), as a share of GDP.
    pub fn dependence_on(&self, s: usize) -> f64 {
        let e = Domain::Economy.index();
        let t = Kind::Trade.index();
        (0..self.p.powers.len())
            .filter(|&q| q == s || self.p.rivalry_of(s, q, e) < 0.0)
            .map(|q| self.inst[q][t].max(0.0) / 100.0)
            .sum()
    }

    /// Aggregate closeness of power `q` (domain-weighted).
    pub fn aggregate(&self, q: usize) -> f64 {
        let w = &self.p.government.domain_weights;
        (0..N_DOMAINS).map(|d| w[d] * self.x[q][d]).sum()
    }

    /// Whether power `q` has sanctions in force against the state.
    pub fn sanctions_by(&self, q: usize) -> bool {
        self.p
            .threats
            .iter()
            .zip(&self.threats)
            .any(|(t, s)| t.sender == q && s.stage == Stage::Imposed)
    }

    /// Fills the condition variables that exist before any year has been observed.
    fn refresh_vars_from_state(&mut self) {
        let l = self.layout;
        self.vars[l.year()] = f64::from(self.year);
        self.vars[l.credibility()] = self.p.credibility;
        for q in 0..self.p.powers.len() {
            self.vars[l.closeness(q)] = self.aggregate(q);
            for d in 0..N_DOMAINS {
                self.vars[l.closeness_domain(q, d)] = self.x[q][d];
            }
            self.vars[l.affinity(q)] = self.affinity[q];
            for k in 0..N_KINDS {
                self.vars[l.instrument(q, k)] = self.inst[q][k];
            }
        }
        for h in 0..self.threats.len() {
            self.vars[l.threat_stage(h)] = self.threats[h].stage.code();
            self.vars[l.threat_belief(h)] = self.belief[h];
        }
    }

    /// Condition variables before the first year: what can be computed from the initial state
    /// (leeway, alignment, hedging); poll read-outs are unknown (NaN, so any comparison with
    /// them is false).
    fn initial_observations(&mut self) {
        let l = self.layout;
        let lw = super::observables::leeway(self);
        self.vars[l.leeway()] = lw.iter().copied().fold(f64::INFINITY, f64::min);
        self.vars[l.alignment()] = super::observables::alignment(self);
        self.vars[l.hedging()] = super::observables::hedging(self);
        self.vars[l.election()] = if super::government::is_election(self) {
            1.0
        } else {
            0.0
        };
        self.vars[l.membership()] = f64::NAN;
        for q in 0..self.p.powers.len() {
            self.vars[l.poll(q)] = f64::NAN;
        }
    }

    /// Copies this year's record into the condition variables (end of the year).
    pub fn refresh_vars(&mut self) {
        self.refresh_vars_from_state();
        let l = self.layout;
        let r = &self.rec;
        self.vars[l.leeway()] = r.leeway;
        self.vars[l.alignment()] = r.alignment;
        self.vars[l.hedging()] = r.hedging;
        self.vars[l.election()] = if r.election { 1.0 } else { 0.0 };
        self.vars[l.membership()] = r.membership_support;
        for q in 0..self.p.powers.len() {
            self.vars[l.poll(q)] = r.poll_friend[q];
        }
    }
}

/// Mean affinity per power of a population.
fn mean_affinity(citizens: &Citizens, n: usize) -> Vec<f64> {
    (0..n)
        .map(|q| citizens.affinity(q).iter().sum::<f64>() / citizens.n.max(1) as f64)
        .collect()
}

/// Whether two specs draw the same initial population.
fn same_population(a: &ParamSpec, b: &ParamSpec) -> bool {
    let (x, y) = (&a.population, &b.population);
    x.citizens == y.citizens
        && x.anchor_mean == y.anchor_mean
        && x.anchor_sd.to_bits() == y.anchor_sd.to_bits()
        && x.susceptibility.to_bits() == y.susceptibility.to_bits()
        && x.susceptibility_concentration.to_bits() == y.susceptibility_concentration.to_bits()
        && x.confidence.to_bits() == y.confidence.to_bits()
        && x.confidence_spread.to_bits() == y.confidence_spread.to_bits()
        && x.pro_government_share.to_bits() == y.pro_government_share.to_bits()
}

/// Target level of each instrument of power `q` when its response factor is `factor`
/// (docs/model.md §5.2): budget times share for budgeted kinds, the trade level for trade,
/// the intensity (at most 1) for intensity kinds.
pub fn base_levels(p: &ParamSpec, q: usize, factor: f64) -> [f64; N_KINDS] {
    let power = &p.powers[q];
    let mut out = [0.0; N_KINDS];
    for k in Kind::ALL {
        let i = k.index();
        out[i] = if k.is_budgeted() {
            power.budget * power.mix[i] * factor
        } else if k.is_intensity() {
            (power.mix[i] * factor).clamp(0.0, 1.0)
        } else {
            // Market access is set by events, not by the yearly competition rule.
            power.mix[i]
        };
    }
    out
}
