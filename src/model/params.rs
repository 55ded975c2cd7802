//! Typed, checked parameters: the only way into the model (docs/model.md §2, §9).
//!
//! `ParamSpec` is a plain description with public fields; `Params::new` checks every invariant
//! once (ranges of every scalar, through the same path table that events use, plus structural
//! rules) and nothing downstream checks again. Knows nothing of files or TOML.

use super::expr::Expr;
use super::target::{Op, Target};
use super::types::{Domain, Kind, N_DOMAINS, N_KINDS, PowerId};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A great power courting the focal state.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerParams {
    /// Short identifier used in paths and outputs (e.g. `EU`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Colour used in every plot, RGB.
    pub color: [u8; 3],
    /// Yearly budget `B_p` for the budgeted kinds, % of the state's GDP.
    pub budget: f64,
    /// Per kind: share of the budget for budgeted kinds; the trade level (% of GDP) for
    /// `trade`; the intensity in [0, 1] for `sovereignty_support` and `accession`.
    pub mix: [f64; N_KINDS],
    /// Closeness `x*_p` the power aims for.
    pub target: f64,
    /// Responsiveness `φ_p` of its instruments to a gap from the target.
    pub responsiveness: f64,
    /// Response `χ_p` of its instruments to the state's closeness to its rivals.
    pub rivalry_response: f64,
    /// Capacity `β_p` to compensate the state for sanctions by its rivals (sanction busting).
    pub buster: f64,
    /// Sensitivity `β_p` of the media's image of the power to its visible aid.
    pub media_sensitivity: f64,
    /// Conditionality `κ_c` of its membership offer and grants: they rise with the state's closeness to it and fall with its closeness to its rivals in security and diplomacy, since the start (docs/model.md §5.2; 0: the courting rule).
    pub conditionality: f64,
    /// Exposure `c_p` of the state to secondary sanctions while this power compensates for a rival's sanction: a cost `½ c_p S x²` on closeness to it in that domain (docs/model.md §5.3).
    pub bust_cost: f64,
    /// Cap `κ_p` on its compensation for a rival's sanction, as a share of the damage `δ_S S` (docs/model.md §5.3).
    pub buster_cap: f64,
    /// Opacity `o_p` in [0, 1] of its money (confidentiality clauses, no tenders, no
    /// conditions on governance): weighs `1 + θ_o o_p` in the government's valuation
    /// (docs/model.md §5.1).
    pub opacity: f64,
}

/// Properties of one instrument kind (a row of the instrument table).
#[derive(Clone, Debug, PartialEq)]
pub struct KindParams {
    /// How the kind feeds each domain (`M[k][d]`).
    pub domains: [f64; N_DOMAINS],
    /// Visibility `V_k` to the public.
    pub visibility: f64,
    /// Scale `I0_k` of diminishing returns (unit of the kind).
    pub scale: f64,
    /// Yearly adjustment rate `δ_k` of the level towards its target.
    pub adjust: f64,
    /// Weight `w_gov[k]` of the kind in the government's valuation.
    pub weight: f64,
}

/// The focal government's profile (docs/model.md §5.1, §5.5).
#[derive(Clone, Debug, PartialEq)]
pub struct GovernmentParams {
    /// Name of the focal state.
    pub state: String,
    /// Autonomy cost `γ_p` per power.
    pub autonomy_cost: Vec<f64>,
    /// Inertia `η`.
    pub inertia: f64,
    /// Maximum yearly move `Δmax` per power and domain.
    pub max_move: f64,
    /// Decision noise `σ_x`.
    pub noise: f64,
    /// Weight of public opinion `μ`.
    pub opinion_weight: f64,
    /// Multiplier of `μ` in election years.
    pub election_multiplier: f64,
    /// Years between regular elections (0: none).
    pub election_period: u32,
    /// Year of the first regular election.
    pub first_election: i32,
    /// Option value `ω` of keeping every door open.
    pub option_value: f64,
    /// The constant `e` of the option-value term.
    pub option_offset: f64,
    /// Weights `w_d` of the domains in aggregate closeness (sum to 1).
    pub domain_weights: [f64; N_DOMAINS],
    /// Value `σ_sov` of support on the sovereignty issue.
    pub sovereignty_value: f64,
    /// Value `V_acc` of a credible membership perspective.
    pub accession_value: f64,
    /// Weight `ψ` of domestic promotion of visible aid.
    pub promotion: f64,
    /// Smoothing width `s` of the threat hinge.
    pub threat_smoothing: f64,
    /// Gradient-ascent iterations per year.
    pub ascent_iterations: u32,
    /// Closeness per power and domain in the first year.
    pub initial_closeness: Vec<[f64; N_DOMAINS]>,
    /// Solve structural ties `u[p][d]` at the start so that the initial closeness is a rest
    /// point of the first year's utility (docs/model.md §5.1). Without them the state first
    /// jumps to the equilibrium of the modelled terms alone.
    pub structural_ties: bool,
    /// Pooling `ν` of protection on the sovereignty issue: 0 sums every supporter's value,
    /// 1 values protection that needs only one veto holder, `1 − Π(1 − I_q)` (docs/model.md §5.1).
    pub veto_pooling: f64,
    /// Learning rate `κ_r` of the belief in each patron's reliability from delivered against
    /// promised support (arms, technology, sovereignty support); 0 keeps every belief at 1.
    pub reliability_learning: f64,
    /// Substitution `σ_s` in security and technology: the share of the closeness a red line
    /// blocks that the state seeks from the rival's partners instead (docs/model.md §5.1).
    pub substitution: f64,
    /// Premium `θ_o` of opaque money for the government (regime value of money without
    /// conditions or scrutiny); 0: every donor's money weighs the same.
    pub opacity_premium: f64,
    /// Regime-security value `ς` of technology (surveillance, Safe City): technology from a
    /// power adds `ς w_tech ln(1 + I/I0)` to the value of closeness to it in security.
    pub surveillance_value: f64,
    /// Anticipation `a` of elections: the election weight builds up as `a^(years to the next
    /// regular election)` (0: only the election year, the design's sawtooth).
    pub election_anticipation: f64,
    /// Electoral cycle `π_c` of domestic promotion: `ψ_t = ψ (1 + π_c e_t)` with `e_t` the
    /// election weight of the year.
    pub promotion_cycle: f64,
    /// Obligations `o_a` of membership: the rivalry between the power offering accession and
    /// each power it rivals grows by the factor `1 + o_a κ I_acc` (credibility times the
    /// offer's intensity), the price of CFSP alignment (sanctions, arms embargoes) rising as
    /// membership nears (docs/model.md §5.1); 0: off.
    pub accession_obligations: f64,
    /// Lever `η_D` of economic dependence on threats: a threat's expected cost is multiplied
    /// by `1 + η_D D_s`, with `D_s` the state's trade with the sender and the sender's
    /// partners in the economy (negative rivalry), as a share of GDP (docs/model.md §5.3);
    /// 0: off.
    pub dependence_lever: f64,
    /// Exit cost `η_x` of a market: in the economy the option value's weight is
    /// `ω + η_x T_q`, with `T_q` the trade with power `q` as a share of GDP (docs/model.md
    /// §5.1); 0: the design's `ω` for every power.
    pub exit_cost: f64,
}

/// How a threat comes to be issued.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreatParams {
    /// Identifier used in paths and outputs.
    pub id: String,
    /// Power that threatens.
    pub sender: PowerId,
    /// Rival whose ties with the state the sender objects to.
    pub rival: PowerId,
    /// Domain of the red line.
    pub domain: Domain,
    /// Red line `τ` on closeness to the rival in the domain.
    pub red_line: f64,
    /// Severity `S` (utility per unit of closeness beyond the red line).
    pub severity: f64,
    /// Grace years `g` before imposition.
    pub grace: u32,
    /// True resolve `π` (probability of carrying the threat out).
    pub resolve: f64,
    /// The state's initial belief `π̂` in the sender's resolve.
    pub belief: f64,
    /// Learning rate `κ_π` of the belief.
    pub learning: f64,
    /// Share `δ_S` of the severity sunk as damage to relations with the sender once imposed.
    pub damage: f64,
    /// Chance `ℓ` per year of lifting after compliance; also the residual incentive.
    pub lift: f64,
    /// Logistic issue rule `ζ0, ζ1, ζ2` (yearly); `None`: only scripted issue.
    pub issue: Option<[f64; 3]>,
    /// First year in which the threat may be issued by the rule.
    pub active_from: i32,
    /// Domain where the cost lands once imposed (the sender's damage, the compensation and
    /// the cost of busting): a financial sanction over an arms red line lands in the economy
    /// (docs/model.md §5.3). By default the red line's domain.
    pub lands_in: Domain,
}

/// The population and its media (docs/model.md §5.4).
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationParams {
    /// Number of simulated citizens `N`.
    pub citizens: usize,
    /// Mean identity anchor per power.
    pub anchor_mean: Vec<f64>,
    /// Spread (standard deviation) of anchors around their mean.
    pub anchor_sd: f64,
    /// Mean susceptibility `λ` (Beta distributed).
    pub susceptibility: f64,
    /// Concentration (α+β) of the Beta distribution of `λ`.
    pub susceptibility_concentration: f64,
    /// Mean confidence bound `ε`.
    pub confidence: f64,
    /// Half-width of the uniform spread of `ε` around its mean.
    pub confidence_spread: f64,
    /// Anchor drift `ε_a`.
    pub anchor_drift: f64,
    /// Share of citizens whose channel is pro-government media.
    pub pro_government_share: f64,
    /// Pull `θ_m` of media.
    pub media_pull: f64,
    /// Pull `θ_e` of direct experience.
    pub experience_pull: f64,
    /// Baseline media image `m̄` per power on pro-government channels.
    pub media_pro_government: Vec<f64>,
    /// Baseline media image `m̄` per power on independent channels.
    pub media_independent: Vec<f64>,
    /// Framing strength `φ_G` of pro-government media.
    pub framing: f64,
    /// Yearly persistence `d_z` of the aid signal.
    pub aid_decay: f64,
    /// Yearly share `m_h` of the remembered help that survives into the next year
    /// ("who helped most" reads accumulated visible help, docs/model.md §6).
    pub help_memory: f64,
    /// Media backlash `β_s` against a power that sanctions the state.
    pub sanction_backlash: f64,
    /// Yearly chance of meeting visible aid per unit of visible signal.
    pub experience_rate: f64,
    /// Pull of a membership perspective's credibility on the media image of the power that
    /// offers it: change of image per unit change of credibility × offer intensity.
    pub credibility_pull: f64,
    /// Line `λ_L` of pro-government media: each year their audience's affinity to a power moves
    /// by `λ_i λ_L` times the change of the government's relative diplomatic stance towards it
    /// since the start (docs/model.md §5.4).
    pub media_line: f64,
}

/// Read-outs of simulated polls (docs/model.md §6).
#[derive(Clone, Debug, PartialEq)]
pub struct PollParams {
    /// Respondents per simulated poll.
    pub respondents: usize,
    /// Sharpness `β` of the "greatest friend" choice.
    pub sharpness: f64,
    /// Utility `u0` of answering "none".
    pub outside: f64,
    /// Exponent `r` of the "who helped most" contest: shares go as (framed help)^r.
    pub aid_sharpness: f64,
    /// Help level `h0` of the answer "nobody" in "who helped most".
    pub aid_outside: f64,
    /// Weight `β_id` of the respondent's own affinity in "who helped most": perceived help is
    /// coloured by whom the respondent favours (docs/model.md §6).
    pub aid_identity: f64,
    /// Noise of the "positive influence" read-out.
    pub noise: f64,
    /// Affinity to the membership power above which a respondent votes for membership.
    pub membership_threshold: f64,
}

/// Who or what a foreign-policy declaration is aimed at.
#[derive(Clone, Debug, PartialEq)]
pub enum AgendaTarget {
    /// A declared power.
    Power(PowerId),
    /// Third countries, to which the state is no closer than `other_closeness`.
    Other,
}

/// Composition of the EU's foreign-policy agenda from a year on.
#[derive(Clone, Debug, PartialEq)]
pub struct AgendaYear {
    /// First year this composition applies.
    pub year: i32,
    /// Shares of declarations per target (sum to 1).
    pub shares: Vec<(AgendaTarget, f64)>,
}

/// The alignment rate with a power's foreign-policy declarations (docs/model.md §6).
#[derive(Clone, Debug, PartialEq)]
pub struct AlignmentParams {
    /// The power whose declarations the state may join (the EU).
    pub with: PowerId,
    /// Intercept `κ0` of the logistic read-out.
    pub kappa0: f64,
    /// Slope `κ1`.
    pub kappa1: f64,
    /// Diplomatic closeness of the state to "other" targets.
    pub other_closeness: f64,
    /// Share `c` of declarations that are cheap signals (statements, UN General Assembly
    /// votes): the state joins them as it would a declaration on third countries, whatever its
    /// ties to the target (docs/model.md §6).
    pub cheap_share: f64,
    /// How far a cheap declaration on a power is read towards third countries without any
    /// pressure to signal: `π_0` (1: as third countries, item 34; 0: as a costly one).
    pub cheap_base: f64,
    /// Signalling effort `χ`: the share `π = min(1, π_0 + χ κ I_acc ρ⁺)` of the way from the
    /// costly reading to the third-country one grows with the membership at stake and the
    /// offerer's rivalry with the target in diplomacy (docs/model.md §6); 0: `π = π_0`.
    pub signal_effort: f64,
    /// Agenda composition by year (sorted by year; the latest year not after `t` applies).
    pub agenda: Vec<AgendaYear>,
}

/// What an event or rule does.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Change a parameter by path.
    Param { target: Target, op: Op },
    /// Issue a threat now.
    StartThreat(usize),
    /// Carry a threat out now: its sanctions are imposed whatever the state does.
    Impose(usize),
    /// Withdraw a threat or lift its sanctions now.
    Lift(usize),
    /// A one-off delivery: adds to a power's instrument level this year.
    Deliver {
        power: PowerId,
        kind: Kind,
        amount: f64,
    },
    /// A share of citizens has a direct experience (+1 or -1) with a power.
    Experience {
        power: PowerId,
        share: f64,
        sign: f64,
    },
    /// A snap election this year.
    SnapElection,
}

/// An event scripted for a year.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedEvent {
    /// Name used in the event log.
    pub name: String,
    /// Year it happens.
    pub year: i32,
    /// What it does.
    pub effects: Vec<Effect>,
}

/// An event that fires at random.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomEvent {
    /// Name used in the event log.
    pub name: String,
    /// Chance per year.
    pub probability: f64,
    /// First year it may fire.
    pub from: i32,
    /// Last year it may fire.
    pub until: i32,
    /// What it does.
    pub effects: Vec<Effect>,
}

/// A rule: when the condition holds on last year's state, apply the effects.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Name used in the event log.
    pub name: String,
    /// Condition over the state's observables.
    pub condition: Expr,
    /// Fire only the first time the condition holds (else every year it holds).
    pub once: bool,
    /// What it does.
    pub effects: Vec<Effect>,
}

/// Everything a run needs, unchecked. Turn it into `Params` with `Params::new`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// First simulated year.
    pub start: i32,
    /// Last simulated year (inclusive).
    pub end: i32,
    /// The powers (2 to 8).
    pub powers: Vec<PowerParams>,
    /// The instrument table, one row per kind.
    pub kinds: [KindParams; N_KINDS],
    /// Rivalry `ρ[p][q][d]`, symmetric with a zero diagonal; indexed `p * n + q`.
    pub rivalry: Vec<[f64; N_DOMAINS]>,
    /// The focal government.
    pub government: GovernmentParams,
    /// The power offering membership, if any.
    pub accession_power: Option<PowerId>,
    /// Credibility `c_t` of the membership perspective.
    pub credibility: f64,
    /// Threats (red lines) that may be issued.
    pub threats: Vec<ThreatParams>,
    /// Citizens and media.
    pub population: PopulationParams,
    /// Poll read-outs.
    pub polls: PollParams,
    /// Alignment-rate read-out.
    pub alignment: AlignmentParams,
    /// Scripted events.
    pub events: Vec<ScriptedEvent>,
    /// Random events.
    pub random_events: Vec<RandomEvent>,
    /// Scenario rules.
    pub rules: Vec<Rule>,
    /// The world as it is at the start (docs/model.md §5.1, "Reference"): the parameters the
    /// starting state is solved from (structural ties, rest forces, the powers' first-year
    /// response factors, the instrument levels in force, the credibility the media measure
    /// changes from, the state before the first year). Whatever differs between it and this
    /// spec acts as a policy change from the first year. `None`: this spec is its own
    /// reference. It has the same powers, in the same order, and no reference of its own.
    pub reference: Option<Arc<ParamSpec>>,
}

impl ParamSpec {
    /// The parameters the starting state is solved from: the reference, or this spec.
    pub fn reference_or_self(&self) -> &ParamSpec {
        self.reference.as_deref().unwrap_or(self)
    }

    /// Sets a parameter that describes the world rather than a policy (a calibrated value):
    /// in this spec and in its reference alike, so that it does not act as a change.
    pub fn set_world(&mut self, target: &Target, value: f64) {
        target.set(self, value);
        if let Some(r) = self.reference.as_mut() {
            target.set(Arc::make_mut(r), value);
        }
    }
}

/// Why a `ParamSpec` was refused.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    /// Path of the offending parameter (as in scenario paths).
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ParamError {}

fn err(path: impl Into<String>, message: impl Into<String>) -> ParamError {
    ParamError {
        path: path.into(),
        message: message.into(),
    }
}

/// Checked parameters. Derefs to the `ParamSpec` for reading.
#[derive(Clone, Debug, PartialEq)]
pub struct Params(ParamSpec);

impl Deref for Params {
    type Target = ParamSpec;
    fn deref(&self) -> &ParamSpec {
        &self.0
    }
}

impl Params {
    /// Checks every invariant and returns checked parameters, or the first violation.
    pub fn new(spec: ParamSpec) -> Result<Params, ParamError> {
        check_structure(&spec)?;
        for target in Target::all(&spec) {
            let value = target.get(&spec);
            let (lo, hi) = target.range();
            if !value.is_finite() || value < lo || value > hi {
                return Err(err(
                    target.path(&spec),
                    format!("{value} is out of range: allowed {}", range_text(lo, hi)),
                ));
            }
        }
        check_sums(&spec)?;
        Ok(Params(spec))
    }

    /// The unchecked description (for editing a copy).
    pub fn spec(&self) -> &ParamSpec {
        &self.0
    }

    /// A copy with one parameter changed, checked again.
    pub fn with(&self, target: &Target, value: f64) -> Result<Params, ParamError> {
        let mut spec = self.0.clone();
        target.set(&mut spec, value);
        Params::new(spec)
    }

    /// Number of powers.
    pub fn n_powers(&self) -> usize {
        self.0.powers.len()
    }

    /// Number of simulated years.
    pub fn n_years(&self) -> usize {
        (self.0.end - self.0.start + 1) as usize
    }

    /// Index of a power by id.
    pub fn power_index(&self, id: &str) -> Option<PowerId> {
        self.0.powers.iter().position(|p| p.id == id)
    }
}

impl ParamSpec {
    /// Rivalry between two powers in one domain.
    pub fn rivalry_of(&self, p: PowerId, q: PowerId, d: usize) -> f64 {
        self.rivalry[p * self.powers.len() + q][d]
    }

    /// Sets rivalry symmetrically.
    pub fn set_rivalry(&mut self, p: PowerId, q: PowerId, d: usize, value: f64) {
        let n = self.powers.len();
        self.rivalry[p * n + q][d] = value;
        self.rivalry[q * n + p][d] = value;
    }
}

/// Text of an allowed range for error messages.
pub fn range_text(lo: f64, hi: f64) -> String {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => format!("{lo} to {hi}"),
        (true, false) => format!("at least {lo}"),
        (false, true) => format!("at most {hi}"),
        (false, false) => "any finite number".to_string(),
    }
}

fn check_reference(s: &ParamSpec) -> Result<(), ParamError> {
    let Some(r) = &s.reference else {
        return Ok(());
    };
    if r.reference.is_some() {
        return Err(err(
            "reference",
            "a reference cannot have a reference of its own",
        ));
    }
    let ids = |p: &ParamSpec| p.powers.iter().map(|q| q.id.clone()).collect::<Vec<_>>();
    if ids(r) != ids(s) {
        return Err(err(
            "reference",
            format!(
                "the reference declares the powers [{}] but the scenario [{}]: they must be the \
                 same, in the same order; write reference = \"self\" to solve the rest point \
                 from the scenario itself",
                ids(r).join(", "),
                ids(s).join(", ")
            ),
        ));
    }
    Params::new((**r).clone())
        .map(|_| ())
        .map_err(|e| ParamError {
            path: format!("reference: {}", e.path),
            message: e.message,
        })
}

fn check_structure(s: &ParamSpec) -> Result<(), ParamError> {
    check_reference(s)?;
    let n = s.powers.len();
    if !(2..=8).contains(&n) {
        return Err(err(
            "powers",
            format!("{n} powers declared: allowed 2 to 8"),
        ));
    }
    if s.end < s.start {
        return Err(err(
            "years",
            format!(
                "end year {} is before start year {}: years must run forward",
                s.end, s.start
            ),
        ));
    }
    if s.end - s.start > 500 {
        return Err(err(
            "years",
            format!(
                "{} years requested: allowed at most 500",
                s.end - s.start + 1
            ),
        ));
    }
    for (i, p) in s.powers.iter().enumerate() {
        if p.id.is_empty() || !p.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(err(
                format!("powers.{}", p.id),
                "a power id must be letters, digits or '_'",
            ));
        }
        if s.powers[..i].iter().any(|q| q.id == p.id) {
            return Err(err(format!("powers.{}", p.id), "declared twice"));
        }
    }
    let per_power = |path: &str, len: usize| -> Result<(), ParamError> {
        if len != n {
            Err(err(
                path.to_string(),
                format!("has {len} entries, one per power is needed ({n})"),
            ))
        } else {
            Ok(())
        }
    };
    per_power("government.autonomy_cost", s.government.autonomy_cost.len())?;
    per_power(
        "government.initial_closeness",
        s.government.initial_closeness.len(),
    )?;
    per_power("population.anchor_mean", s.population.anchor_mean.len())?;
    per_power(
        "population.media_pro_government",
        s.population.media_pro_government.len(),
    )?;
    per_power(
        "population.media_independent",
        s.population.media_independent.len(),
    )?;
    if s.rivalry.len() != n * n {
        return Err(err("rivalry", format!("needs {} entries", n * n)));
    }
    for p in 0..n {
        for q in 0..n {
            for d in 0..N_DOMAINS {
                let a = s.rivalry[p * n + q][d];
                let b = s.rivalry[q * n + p][d];
                if p == q && a != 0.0 {
                    return Err(err("rivalry", "a power has no rivalry with itself"));
                }
                if (a - b).abs() > 1e-12 {
                    return Err(err(
                        format!("rivalry.{}-{}", s.powers[p].id, s.powers[q].id),
                        "rivalry must be symmetric",
                    ));
                }
            }
        }
    }
    if let Some(a) = s.accession_power
        && a >= n
    {
        return Err(err("accession.power", "unknown power"));
    }
    if s.alignment.with >= n {
        return Err(err("alignment.with", "unknown power"));
    }
    if s.population.citizens == 0 || s.population.citizens > 1_000_000 {
        return Err(err(
            "population.citizens",
            format!("{} citizens: allowed 1 to 1000000", s.population.citizens),
        ));
    }
    if s.polls.respondents == 0 || s.polls.respondents > 1_000_000 {
        return Err(err(
            "polls.respondents",
            format!("{}: allowed 1 to 1000000", s.polls.respondents),
        ));
    }
    if s.government.ascent_iterations == 0 || s.government.ascent_iterations > 10_000 {
        return Err(err("government.ascent_iterations", "allowed 1 to 10000"));
    }
    for (i, t) in s.threats.iter().enumerate() {
        if t.sender >= n || t.rival >= n {
            return Err(err(format!("threats.{}", t.id), "unknown power"));
        }
        if t.sender == t.rival {
            return Err(err(
                format!("threats.{}", t.id),
                "sender and rival must differ",
            ));
        }
        if s.threats[..i].iter().any(|u| u.id == t.id) {
            return Err(err(format!("threats.{}", t.id), "declared twice"));
        }
    }
    let mut last = i32::MIN;
    for a in &s.alignment.agenda {
        if a.year < last {
            return Err(err("alignment.agenda", "years must be in increasing order"));
        }
        last = a.year;
        for (t, _) in &a.shares {
            if let AgendaTarget::Power(p) = t
                && *p >= n
            {
                return Err(err("alignment.agenda", "unknown power"));
            }
        }
    }
    let check_effects = |path: &str, effects: &[Effect]| -> Result<(), ParamError> {
        for e in effects {
            match e {
                Effect::StartThreat(h) | Effect::Impose(h) | Effect::Lift(h)
                    if *h >= s.threats.len() =>
                {
                    return Err(err(path.to_string(), "unknown threat"));
                }
                Effect::Deliver { power, amount, .. } => {
                    if *power >= n {
                        return Err(err(path.to_string(), "unknown power"));
                    }
                    if !amount.is_finite() || *amount < 0.0 {
                        return Err(err(
                            path.to_string(),
                            format!("delivery amount {amount}: allowed at least 0"),
                        ));
                    }
                }
                Effect::Experience { power, share, sign } => {
                    if *power >= n {
                        return Err(err(path.to_string(), "unknown power"));
                    }
                    if !(0.0..=1.0).contains(share) {
                        return Err(err(
                            path.to_string(),
                            format!("experience share {share}: allowed 0 to 1"),
                        ));
                    }
                    if !(-1.0..=1.0).contains(sign) {
                        return Err(err(
                            path.to_string(),
                            format!("experience sign {sign}: allowed -1 to 1"),
                        ));
                    }
                }
                Effect::Param { target, op } => {
                    if target.is_initial() {
                        return Err(err(
                            path.to_string(),
                            format!(
                                "'{}' only sets the starting state (drawn before the first year); an event or rule cannot change it later",
                                target.path(s)
                            ),
                        ));
                    }
                    if let Op::Ramp { years, .. } = op
                        && *years == 0
                    {
                        return Err(err(path.to_string(), "a ramp needs at least 1 year"));
                    }
                    if !op.value().is_finite() {
                        return Err(err(path.to_string(), "effect value must be finite"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    };
    for e in &s.events {
        check_effects(&format!("events.{}", e.name), &e.effects)?;
    }
    for e in &s.random_events {
        if !(0.0..=1.0).contains(&e.probability) {
            return Err(err(
                format!("random_events.{}.probability", e.name),
                format!("{}: allowed 0 to 1", e.probability),
            ));
        }
        check_effects(&format!("random_events.{}", e.name), &e.effects)?;
    }
    for r in &s.rules {
        check_effects(&format!("rules.{}", r.name), &r.effects)?;
    }
    Ok(())
}

fn check_sums(s: &ParamSpec) -> Result<(), ParamError> {
    let w: f64 = s.government.domain_weights.iter().sum();
    if (w - 1.0).abs() > 1e-6 {
        return Err(err(
            "government.domain_weights",
            format!("sum to {}: they must sum to 1", (w * 1e9).round() / 1e9),
        ));
    }
    for p in &s.powers {
        let share: f64 = Kind::ALL
            .iter()
            .filter(|k| k.is_budgeted())
            .map(|k| p.mix[k.index()])
            .sum();
        if share > 1.0 + 1e-6 {
            return Err(err(
                format!("powers.{}.mix", p.id),
                format!(
                    "budget shares sum to {}: allowed at most 1",
                    (share * 1e9).round() / 1e9
                ),
            ));
        }
    }
    for a in &s.alignment.agenda {
        let total: f64 = a.shares.iter().map(|(_, v)| v).sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(err(
                format!("alignment.agenda.{}", a.year),
                format!(
                    "shares sum to {}: they must sum to 1",
                    (total * 1e9).round() / 1e9
                ),
            ));
        }
        if a.shares.iter().any(|(_, v)| !(0.0..=1.0).contains(v)) {
            return Err(err(
                format!("alignment.agenda.{}", a.year),
                "each share must be between 0 and 1",
            ));
        }
    }
    Ok(())
}
