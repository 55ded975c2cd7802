//! What a run reports each year (docs/model.md §6) and the observer through which it
//! leaves the model. The driver terms decompose each yearly move of closeness into its
//! causes (docs/model.md §5.1, "Why did it move?").

use super::params::ParamSpec;
use super::target::Target;
use super::types::{N_DOMAINS, N_KINDS, PowerId, Stage};

/// A cause of a yearly move of closeness to one power in one domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// Value of an instrument kind (including membership perspective and sovereignty cover).
    Instrument(usize),
    /// Domestic promotion of visible aid (`ψ Σ M V z`).
    Promotion,
    /// Sanctions in force: sunk damage (sender) or compensation (sanction busters).
    Sanctions,
    /// Structural ties: the constant that makes the initial closeness a rest point.
    Ties,
    /// Autonomy cost `−γ x`.
    Autonomy,
    /// Rivalry cost with another power `−ρ_pq x_q`.
    Rivalry(usize),
    /// Pull of public opinion `−μ (x − ā)`.
    Opinion,
    /// Option value of hedging `ω / (x + e)`.
    OptionValue,
    /// Inertia `−η (x − x_prev)`.
    Inertia,
    /// Expected cost of a threat.
    Threat(usize),
    /// The cap on the yearly move.
    Cap,
    /// Clipping at the bounds 0 and 1.
    Clip,
    /// Decision noise.
    Noise,
}

/// The list of driver terms of a parameter set, in the order of `YearRecord::drivers`.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverSchema {
    /// Terms in order.
    pub terms: Vec<Term>,
}

impl DriverSchema {
    /// Schema for `n` powers and `h` threats.
    pub fn new(n: usize, h: usize) -> DriverSchema {
        let mut terms: Vec<Term> = (0..N_KINDS).map(Term::Instrument).collect();
        terms.extend([Term::Promotion, Term::Sanctions, Term::Ties, Term::Autonomy]);
        terms.extend((0..n).map(Term::Rivalry));
        terms.extend([Term::Opinion, Term::OptionValue, Term::Inertia]);
        terms.extend((0..h).map(Term::Threat));
        terms.extend([Term::Cap, Term::Clip, Term::Noise]);
        DriverSchema { terms }
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the schema is empty (never).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Position of a term.
    pub fn index(&self, term: Term) -> Option<usize> {
        self.terms.iter().position(|t| *t == term)
    }

    /// Name of a term for outputs, e.g. `instrument.loans`, `rivalry.US`, `threat.us_5g`.
    pub fn name(&self, term: Term, spec: &ParamSpec) -> String {
        use super::types::Kind;
        match term {
            Term::Instrument(k) => format!("instrument.{}", Kind::ALL[k].name()),
            Term::Promotion => "promotion".into(),
            Term::Sanctions => "sanctions".into(),
            Term::Ties => "structural_ties".into(),
            Term::Autonomy => "autonomy_cost".into(),
            Term::Rivalry(q) => format!("rivalry.{}", spec.powers[q].id),
            Term::Opinion => "public_opinion".into(),
            Term::OptionValue => "option_value".into(),
            Term::Inertia => "inertia".into(),
            Term::Threat(h) => format!("threat.{}", spec.threats[h].id),
            Term::Cap => "move_cap".into(),
            Term::Clip => "bounds".into(),
            Term::Noise => "noise".into(),
        }
    }
}

/// Why something appears in the event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FiredKind {
    /// A scripted event.
    Scripted,
    /// A random event.
    Random,
    /// A scenario rule.
    Rule,
    /// A threat was issued.
    ThreatIssued,
    /// A threat was carried out.
    ThreatImposed,
    /// Sanctions were lifted.
    ThreatLifted,
    /// An election (regular or snap).
    Election,
}

impl FiredKind {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            FiredKind::Scripted => "scripted",
            FiredKind::Random => "random",
            FiredKind::Rule => "rule",
            FiredKind::ThreatIssued => "threat_issued",
            FiredKind::ThreatImposed => "threat_imposed",
            FiredKind::ThreatLifted => "threat_lifted",
            FiredKind::Election => "election",
        }
    }
}

/// One entry of the event log: its kind and the index of the event, rule or threat
/// (for elections: 0 regular, 1 snap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fired {
    /// What fired.
    pub kind: FiredKind,
    /// Index into the scenario's events, random events, rules or threats.
    pub index: usize,
}

/// The invariant of the file that an effect broke when it fired in a run (docs/model.md §7).
/// Scripted events are checked at load time on the values the file gives; an effect whose
/// result depends on the run (a rule, a random event, or an event after either changed the
/// same values) is checked when it is applied. The run goes on: the value is kept in its
/// range, and the budget cap scales a power's instruments down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invariant {
    /// A parameter pushed outside its allowed range (clamped into it).
    Range(Target),
    /// A power's budget shares summing above 1 (the budget cap scales its instruments down).
    Shares(PowerId),
    /// The domain weights no longer summing to 1.
    Weights,
}

/// An effect that broke an invariant: what fired, the invariant, and the value the effect
/// asked for (a parameter's value before clamping, or the sum of the shares or weights).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Breach {
    /// The scripted event, random event or rule whose effect it was.
    pub source: Fired,
    /// The invariant broken.
    pub invariant: Invariant,
    /// The value asked for.
    pub value: f64,
}

/// The state of one year as observed.
#[derive(Clone, Debug, PartialEq)]
pub struct YearRecord {
    /// Calendar year.
    pub year: i32,
    /// Closeness per power and domain.
    pub closeness: Vec<[f64; N_DOMAINS]>,
    /// Aggregate closeness per power (domain-weighted).
    pub aggregate: Vec<f64>,
    /// Instrument levels per power and kind.
    pub instruments: Vec<[f64; N_KINDS]>,
    /// Mean public affinity per power.
    pub affinity: Vec<f64>,
    /// "Greatest friend" poll shares per power, then "none" last; sums to 1.
    pub poll_friend: Vec<f64>,
    /// "Who helped most" poll shares per power, then "nobody" last; sums to 1.
    pub poll_helped: Vec<f64>,
    /// Share seeing each power's influence as positive.
    pub poll_positive: Vec<f64>,
    /// Share who would vote for membership (of the accession power).
    pub membership_support: f64,
    /// Alignment rate with the EU's foreign-policy declarations, 0–1.
    pub alignment: f64,
    /// Leeway index (minimum over domains).
    pub leeway: f64,
    /// Leeway index per domain.
    pub leeway_domain: [f64; N_DOMAINS],
    /// Hedging index: normalised entropy of aggregate closeness, 0–1.
    pub hedging: f64,
    /// Membership credibility in force.
    pub credibility: f64,
    /// Weight of opinion in force (with the election multiplier).
    pub opinion_weight: f64,
    /// Whether this was an election year.
    pub election: bool,
    /// Stage of each threat.
    pub threat_stage: Vec<Stage>,
    /// Belief in each threat's resolve.
    pub belief: Vec<f64>,
    /// Driver terms: `[power][domain][term]` flattened, terms in `DriverSchema` order.
    /// They add up to the year's move of closeness.
    pub drivers: Vec<f64>,
    /// Events, rules, threat steps and elections of the year.
    pub fired: Vec<Fired>,
    /// Effects of the year that broke an invariant of the file (usually none).
    pub breaches: Vec<Breach>,
}

impl YearRecord {
    /// An empty record for `n` powers, `h` threats and `t` driver terms.
    pub fn new(n: usize, h: usize, t: usize) -> YearRecord {
        YearRecord {
            year: 0,
            closeness: vec![[0.0; N_DOMAINS]; n],
            aggregate: vec![0.0; n],
            instruments: vec![[0.0; N_KINDS]; n],
            affinity: vec![0.0; n],
            poll_friend: vec![0.0; n + 1],
            poll_helped: vec![0.0; n + 1],
            poll_positive: vec![0.0; n],
            membership_support: 0.0,
            alignment: 0.0,
            leeway: 0.0,
            leeway_domain: [0.0; N_DOMAINS],
            hedging: 0.0,
            credibility: 0.0,
            opinion_weight: 0.0,
            election: false,
            threat_stage: vec![Stage::Dormant; h],
            belief: vec![0.0; h],
            drivers: vec![0.0; n * N_DOMAINS * t],
            fired: Vec::new(),
            breaches: Vec::new(),
        }
    }

    /// Driver terms of power `p` in domain `d`.
    pub fn drivers_of(&self, p: usize, d: usize, n_terms: usize) -> &[f64] {
        let start = (p * N_DOMAINS + d) * n_terms;
        &self.drivers[start..start + n_terms]
    }
}

/// Receives each year of a run. Recorders, streaming writers and aggregators implement it.
pub trait Observer {
    /// Called once per simulated year, in order.
    fn year(&mut self, record: &YearRecord);
}

/// Keeps every year of a run.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// The years recorded, in order.
    pub years: Vec<YearRecord>,
}

impl Observer for Recorder {
    fn year(&mut self, record: &YearRecord) {
        self.years.push(record.clone());
    }
}

/// Ignores everything (for timing the model alone).
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Observer for Discard {
    fn year(&mut self, _record: &YearRecord) {}
}
