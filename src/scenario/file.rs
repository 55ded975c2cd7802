//! The scenario file format: structs that mirror the TOML exactly, one `///` per key.
//!
//! Every section refuses unknown keys. Numbers are kept as spanned raw values (`Raw`) and read
//! by hand in `convert.rs`, because a number may be written three ways:
//!
//! - a plain number: `budget = 0.3` (integers are accepted where a float is expected);
//! - with provenance: `budget = { value = 0.3, source = "OECD 2023", confidence = "C" }`;
//! - as a distribution, with optional `source` and `confidence`:
//!   `{ dist = "uniform", min = 0.2, max = 0.5 }`, `{ dist = "normal", mean = 0.3, sd = 0.05 }`,
//!   `{ dist = "triangular", min = 0.1, mode = 0.3, max = 0.6 }`,
//!   `{ dist = "beta", alpha = 2, beta = 5, min = 0, max = 1 }` (`min`/`max` default to 0 and 1).
//!
//! Distributions are allowed only on model parameters (those with a path, see
//! `simulate describe`); integers and effect values take plain numbers.
//! Confidence is `A` (solid) to `D` (a guess); with `[ensemble] widen_by_confidence` (the
//! default) a fixed number of confidence B, C or D is drawn uniformly within ±5%, ±15% or ±30%
//! of its value in each run. Defaults for everything come from `model::defaults::serbia()`.
//!
//! Depends on serde and toml only; knows nothing of the model.

use super::raw::Raw;
use super::spanned::Spanned;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Entries of a table keyed by a name the file chooses (power id, threat id, event name).
pub(crate) type Named<T> = BTreeMap<Spanned<String>, T>;

/// `[start]`: start from the state a historical scenario reaches.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartToml {
    /// A scenario file (relative to this one) that covers the years before this one starts.
    /// Its ensemble is run to the end of the year before `[years] start`; the mean and spread
    /// over its runs of closeness (per power and domain) and of the identity anchors (per
    /// power) become this scenario's starting state, as normal distributions. Values this
    /// scenario writes itself in `[state.initial_closeness]` or `[population] anchor_mean`
    /// take precedence.
    // Resolved by `layers.rs` against the folder of the file that declares it.
    #[allow(dead_code)]
    pub history: Spanned<String>,
    /// Runs of the history's ensemble to average (default: its own `[ensemble] runs`, at most
    /// 10,000).
    pub runs: Option<Raw>,
}

/// A whole scenario file.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioToml {
    /// Name of the scenario, used in outputs. Default: the file name without `.toml`.
    pub name: Option<Spanned<String>>,
    /// One line saying what the scenario is about.
    pub description: Option<Spanned<String>>,
    /// A scenario file this one starts from, relative to this file; this file lists only
    /// what differs. Chains are allowed, cycles are refused. Tables merge key by key.
    // Followed by `layers.rs` before deserializing (and removed there); declared for the docs.
    #[allow(dead_code)]
    pub extends: Option<Spanned<String>>,
    /// Where the rest point is solved from: the world as it is at the start, against which
    /// every number of this scenario that differs acts as a policy change from the first year
    /// (docs/model.md §5.1). `"self"`, or a scenario file relative to this one. Default: the
    /// first file of the `extends` chain (this file when it extends nothing). `--set`
    /// overrides are never part of the reference. A reference's own `reference` is not
    /// followed.
    // Resolved by `layers.rs` against the folder of the file that declares it.
    #[allow(dead_code)]
    pub reference: Option<Spanned<String>>,
    /// Where the starting state comes from.
    pub start: Option<StartToml>,
    /// Which powers take part, in order (2 to 8 ids of letters, digits or `_`). Default
    /// `["EU", "US", "RU", "CN"]`. These four start from the Serbia defaults; any other id
    /// starts from neutral defaults (no budget, closeness 0.3, rivalry 0).
    pub power_ids: Option<Spanned<Vec<Spanned<String>>>>,
    /// Simulated years.
    pub years: Option<YearsToml>,
    /// Size and seed of the ensemble.
    pub ensemble: Option<EnsembleToml>,
    /// The focal state's government (`[state]` is its old name, still read with a warning).
    pub government: Option<StateToml>,
    /// Each power, by id (`[powers.EU]`); ids must be in `power_ids`.
    pub powers: Option<Named<PowerToml>>,
    /// The instrument table, by kind (`[instruments.loans]`).
    pub instruments: Option<Named<InstrumentToml>>,
    /// Rivalry by pair: `"US-CN" = { economy = 0.75, security = 0.5, technology = 1.5,
    /// diplomacy = 0.75 }` or `"EU-US" = -0.3` for every domain. Symmetric: the order of the
    /// pair does not matter. Negative values mark complementary partners.
    pub rivalry: Option<Named<Raw>>,
    /// The membership perspective.
    pub accession: Option<AccessionToml>,
    /// Threats (red lines), by id (`[threats.us_5g]`).
    pub threats: Option<Named<ThreatToml>>,
    /// Citizens and media.
    pub population: Option<PopulationToml>,
    /// Simulated polls.
    pub polls: Option<PollsToml>,
    /// Alignment with a power's foreign-policy declarations.
    pub alignment: Option<AlignmentToml>,
    /// Scripted events, by name (`[events.washington_agreement]`); they happen in order of
    /// (year, name).
    pub events: Option<Named<EventToml>>,
    /// Events that happen at random, by name.
    pub random_events: Option<Named<RandomEventToml>>,
    /// Rules: effects applied when a condition on last year's state holds, by name; checked
    /// in name order.
    pub rules: Option<Named<RuleToml>>,
    /// Free-form settings for calibration, kept as they are.
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub calibration: Option<toml::Table>,
    /// The default sweep of `simulate sweep` (`params = ["PATH=A:B:N", ...]`, `runs`,
    /// `year`), kept as written and checked by the command.
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub sweep: Option<toml::Table>,
    /// Branch points of a scenario tree (`simulate tree`): `outcome`, and `points.<name>` with
    /// a `year` and `alternatives.<name>` (each effects as an event has, and an optional
    /// `probability`); read and checked by the tree command, not part of the resolved file.
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    #[allow(dead_code)] // accepted here so the trunk loads; `experiment::tree` reads it
    pub branches: Option<toml::Table>,
    /// The sliders of `simulate serve` besides the uncertain numbers (`params = ["PATH",
    /// "PATH=LO:HI", ...]`), kept as written and checked by the command.
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub explore: Option<toml::Table>,
}

/// `[years]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct YearsToml {
    /// First simulated year (integer).
    pub start: Option<Raw>,
    /// Last simulated year, inclusive (integer, not before `start`, at most 500 years).
    pub end: Option<Raw>,
}

/// `[ensemble]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnsembleToml {
    /// Number of runs (integer, 1 to 10,000,000). Default 200.
    pub runs: Option<Raw>,
    /// Master seed (integer, at least 0). Default 42.
    pub seed: Option<Raw>,
    /// Draw fixed numbers of confidence B, C, D within ±5%, ±15%, ±30%. Default true.
    pub widen_by_confidence: Option<Spanned<bool>>,
    /// A run with a non-finite value: `"skip"` it (recorded in failures.csv, counted) or
    /// `"abort"` the study. Default "skip".
    pub on_failure: Option<Spanned<String>>,
}

/// `[government]`: the focal state's government (docs/model.md §5.1).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StateToml {
    /// Name of the focal state.
    pub name: Option<Spanned<String>>,
    /// Autonomy cost `γ_p`: one number for every power, or `{ EU = 1.0, US = 1.2 }`.
    pub autonomy_cost: Option<Raw>,
    /// Inertia `η`.
    pub inertia: Option<Raw>,
    /// Maximum yearly move `Δmax` per power and domain.
    pub max_move: Option<Raw>,
    /// Decision noise `σ_x`.
    pub noise: Option<Raw>,
    /// Weight of public opinion `μ`.
    pub opinion_weight: Option<Raw>,
    /// Multiplier of `μ` in election years.
    pub election_multiplier: Option<Raw>,
    /// Years between regular elections (integer; 0: none).
    pub election_period: Option<Raw>,
    /// Year of the first regular election (integer).
    pub first_election: Option<Raw>,
    /// Option value `ω` of keeping every door open.
    pub option_value: Option<Raw>,
    /// The constant `e` of the option-value term.
    pub option_offset: Option<Raw>,
    /// Value `σ_sov` of support on the sovereignty issue.
    pub sovereignty_value: Option<Raw>,
    /// Value `V_acc` of a credible membership perspective.
    pub accession_value: Option<Raw>,
    /// Weight `ψ` of domestic promotion of visible aid.
    pub promotion: Option<Raw>,
    /// Smoothing width `s` of the threat hinge.
    pub threat_smoothing: Option<Raw>,
    /// Pooling `ν` of protection on the sovereignty issue (1: one veto holder suffices).
    pub veto_pooling: Option<Raw>,
    /// Learning rate `κ_r` of the belief in each patron's reliability (0: off).
    pub reliability_learning: Option<Raw>,
    /// Substitution `σ_s` towards the rival's partners under a red line in security or technology.
    pub substitution: Option<Raw>,
    /// Premium `θ_o` of opaque money for the government (0: off).
    pub opacity_premium: Option<Raw>,
    /// Regime-security value `ς` of technology in security (0: off).
    pub surveillance_value: Option<Raw>,
    /// Anticipation `a` of elections in the weight of opinion (0: the election year only).
    pub election_anticipation: Option<Raw>,
    /// Electoral cycle `π_c` of domestic promotion (0: off).
    pub promotion_cycle: Option<Raw>,
    /// Obligations `o_a` of membership on the offerer's rivalries (0: off).
    pub accession_obligations: Option<Raw>,
    /// Lever `η_D` of economic dependence on the sender's camp on threats (0: off).
    pub dependence_lever: Option<Raw>,
    /// Exit cost `η_x` of a market in the economy's option value (0: off).
    pub exit_cost: Option<Raw>,
    /// Gradient-ascent iterations per year (integer, 1 to 10000).
    pub ascent_iterations: Option<Raw>,
    /// Solve structural ties so that the initial closeness is a rest point (boolean).
    pub structural_ties: Option<Spanned<bool>>,
    /// Weights `w_d` of the domains in aggregate closeness; they must sum to 1.
    pub domain_weights: Option<Spanned<DomainsToml>>,
    /// Closeness in the first year, per power: `EU = { economy = 0.7, security = 0.3,
    /// technology = 0.5, diplomacy = 0.5 }` or `EU = 0.5` for every domain.
    pub initial_closeness: Option<Spanned<Named<Raw>>>,
}

/// One number per domain.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DomainsToml {
    /// Economy.
    pub economy: Option<Raw>,
    /// Security.
    pub security: Option<Raw>,
    /// Technology.
    pub technology: Option<Raw>,
    /// Diplomacy.
    pub diplomacy: Option<Raw>,
}

/// `[powers.<id>]`: a power courting the state.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PowerToml {
    /// Display name.
    pub name: Option<Spanned<String>>,
    /// Colour in plots, `"#rrggbb"`.
    pub color: Option<Spanned<String>>,
    /// Yearly budget `B_p` for the money instruments, % of the state's GDP.
    pub budget: Option<Raw>,
    /// Shares of the budget per money instrument (sum at most 1).
    pub mix: Option<Spanned<MixToml>>,
    /// Trade (market access), % of the state's GDP.
    pub trade: Option<Raw>,
    /// Support on the sovereignty issue, intensity 0 to 1.
    pub sovereignty_support: Option<Raw>,
    /// Membership perspective offered, intensity 0 to 1.
    pub accession: Option<Raw>,
    /// Closeness `x*_p` the power aims for.
    pub target: Option<Raw>,
    /// Responsiveness `φ_p` of its instruments to a gap from the target.
    pub responsiveness: Option<Raw>,
    /// Response `χ_p` of its instruments to the state's closeness to its rivals.
    pub rivalry_response: Option<Raw>,
    /// Capacity `β_p` to compensate the state for its rivals' sanctions.
    pub buster: Option<Raw>,
    /// Sensitivity of the media's image of the power to its visible aid.
    pub media_sensitivity: Option<Raw>,
    /// Conditionality `κ_c` of its membership offer and grants: they rise with the state's closeness to it and fall with its closeness to its rivals in security and diplomacy, since the start (docs/model.md §5.2; 0: the courting rule).
    pub conditionality: Option<Raw>,
    /// Exposure `c_p` of the state to secondary sanctions while this power compensates for a rival's sanction: a cost `½ c_p S x²` on closeness to it in that domain (docs/model.md §5.3).
    pub bust_cost: Option<Raw>,
    /// Cap `κ_p` on its compensation for a rival's sanction, as a share of the damage `δ_S S` (docs/model.md §5.3).
    pub buster_cap: Option<Raw>,
    /// Opacity `o_p` of its money, 0 to 1 (docs/model.md §5.1).
    pub opacity: Option<Raw>,
}

/// `mix = { ... }`: shares of the budget.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MixToml {
    /// Budget grants.
    pub grants: Option<Raw>,
    /// Loans and FDI.
    pub loans: Option<Raw>,
    /// Health aid (masks, vaccines).
    pub health_aid: Option<Raw>,
    /// Arms sales and donations.
    pub arms: Option<Raw>,
    /// Telecoms, surveillance, smart-city technology.
    pub tech: Option<Raw>,
}

/// `[instruments.<kind>]`: a row of the instrument table (docs/model.md §2).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstrumentToml {
    /// How much the kind feeds the economy domain.
    pub economy: Option<Raw>,
    /// How much the kind feeds the security domain.
    pub security: Option<Raw>,
    /// How much the kind feeds the technology domain.
    pub technology: Option<Raw>,
    /// How much the kind feeds the diplomacy domain.
    pub diplomacy: Option<Raw>,
    /// Visibility `V_k` to the public.
    pub visibility: Option<Raw>,
    /// Scale `I0_k` of diminishing returns.
    pub scale: Option<Raw>,
    /// Yearly adjustment rate `δ_k` of the level towards its target.
    pub adjust: Option<Raw>,
    /// Weight of the kind in the government's valuation.
    pub weight: Option<Raw>,
}

/// `[accession]`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessionToml {
    /// The power offering membership (`""` for none).
    pub power: Option<Spanned<String>>,
    /// Credibility `c_t` of the perspective.
    pub credibility: Option<Raw>,
}

/// `[threats.<id>]`: a red line a power may threaten to enforce (docs/model.md §5.3).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThreatToml {
    /// The power that threatens.
    pub sender: Spanned<String>,
    /// The rival whose ties with the state the sender objects to.
    pub rival: Spanned<String>,
    /// Domain of the red line.
    pub domain: Spanned<String>,
    /// Red line `τ` on closeness to the rival in the domain.
    pub red_line: Option<Raw>,
    /// Severity `S`.
    pub severity: Option<Raw>,
    /// Grace years `g` before imposition (a whole number).
    pub grace: Option<Raw>,
    /// True resolve `π`.
    pub resolve: Option<Raw>,
    /// The state's initial belief `π̂` in the resolve.
    pub belief: Option<Raw>,
    /// Learning rate `κ_π` of the belief.
    pub learning: Option<Raw>,
    /// Share `δ_S` of the severity sunk as damage once imposed.
    pub damage: Option<Raw>,
    /// Chance `ℓ` per year of lifting after compliance.
    pub lift: Option<Raw>,
    /// Yearly logistic issue rule `[ζ0, ζ1, ζ2]`; absent: issued only by events.
    pub issue: Option<Spanned<Vec<Raw>>>,
    /// First year the rule may issue the threat (integer). Default: the first year.
    pub active_from: Option<Raw>,
    /// Domain where the cost lands once imposed (default: the red line's domain).
    pub lands_in: Option<Spanned<String>>,
    /// `false` removes the threat (declared in a file this one extends) from the scenario.
    /// Default true.
    // Read by `layers.rs`, which removes entries switched off before deserializing.
    #[allow(dead_code)]
    pub enabled: Option<Spanned<bool>>,
}

/// `[population]`: citizens and media (docs/model.md §5.4).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PopulationToml {
    /// Number of simulated citizens (integer, 1 to 1,000,000).
    pub citizens: Option<Raw>,
    /// Mean identity anchor per power: one number or `{ EU = 0.45, ... }`.
    pub anchor_mean: Option<Raw>,
    /// Spread of anchors around their mean.
    pub anchor_sd: Option<Raw>,
    /// Mean susceptibility `λ`.
    pub susceptibility: Option<Raw>,
    /// Concentration of the Beta distribution of `λ`.
    pub susceptibility_concentration: Option<Raw>,
    /// Mean confidence bound `ε`.
    pub confidence: Option<Raw>,
    /// Half-width of the spread of `ε`.
    pub confidence_spread: Option<Raw>,
    /// Anchor drift `ε_a`.
    pub anchor_drift: Option<Raw>,
    /// Share of citizens following pro-government media.
    pub pro_government_share: Option<Raw>,
    /// Pull `θ_m` of media.
    pub media_pull: Option<Raw>,
    /// Pull `θ_e` of direct experience.
    pub experience_pull: Option<Raw>,
    /// Baseline image per power on pro-government media: one number or `{ EU = 0.35, ... }`.
    pub media_pro_government: Option<Raw>,
    /// Baseline image per power on independent media: one number or `{ EU = 0.6, ... }`.
    pub media_independent: Option<Raw>,
    /// Framing strength `φ_G` of pro-government media.
    pub framing: Option<Raw>,
    /// Yearly persistence `d_z` of the aid signal.
    pub aid_decay: Option<Raw>,
    /// Yearly share of the remembered visible help that survives into the next year, 0 to
    /// 0.99 ("who helped most" reads the accumulated help). Default 0.6.
    pub help_memory: Option<Raw>,
    /// Media backlash against a power that sanctions the state.
    pub sanction_backlash: Option<Raw>,
    /// Yearly chance of meeting visible aid per unit of signal.
    pub experience_rate: Option<Raw>,
    /// Change of the offering power's media image per unit change of membership credibility.
    pub credibility_pull: Option<Raw>,
    /// Line `λ_L` of pro-government media: their images follow the government's diplomatic
    /// stance (0: off).
    pub media_line: Option<Raw>,
}

/// `[polls]`: simulated polls (docs/model.md §6).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PollsToml {
    /// Respondents per poll (integer, 1 to 1,000,000).
    pub respondents: Option<Raw>,
    /// Sharpness `β` of the "greatest friend" choice.
    pub sharpness: Option<Raw>,
    /// Utility `u0` of answering "none".
    pub outside: Option<Raw>,
    /// Exponent of the "who helped most" contest: answer shares go as (framed remembered
    /// help)^r (0 to 100; default 2).
    pub aid_sharpness: Option<Raw>,
    /// Remembered help level that the answer "nobody" competes with (0.0001 to 10; default 0.2).
    pub aid_outside: Option<Raw>,
    /// Weight of the respondent's own affinity in "who helped most" (0 to 50; default 3):
    /// perceived help is coloured by whom the respondent favours.
    pub aid_identity: Option<Raw>,
    /// Noise of the "positive influence" read-out.
    pub noise: Option<Raw>,
    /// Affinity above which a respondent supports membership.
    pub membership_threshold: Option<Raw>,
}

/// `[alignment]`: alignment with a power's foreign-policy declarations (docs/model.md §6).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlignmentToml {
    /// The power whose declarations the state may join.
    pub with: Option<Spanned<String>>,
    /// Intercept `κ0` of the logistic read-out.
    pub kappa0: Option<Raw>,
    /// Slope `κ1`.
    pub kappa1: Option<Raw>,
    /// Diplomatic closeness of the state to third countries.
    pub other_closeness: Option<Raw>,
    /// Share of declarations that are cheap signals (statements, UN votes), 0 to 1.
    pub cheap_share: Option<Raw>,
    /// Reading `π_0` of cheap declarations on a power without pressure (1: as third countries, 0: as costly ones).
    pub cheap_base: Option<Raw>,
    /// Signalling effort `χ` of cheap declarations under pressure (0: off).
    pub signal_effort: Option<Raw>,
    /// Composition of the agenda from a year on: `2024 = { RU = 0.35, CN = 0.05, other = 0.6 }`;
    /// targets are power ids or `other`; shares are numbers (documented or drawn) summing to 1. Replaces the
    /// default agenda as a whole.
    pub agenda: Option<Spanned<Named<Spanned<Named<Raw>>>>>,
}

/// `ramp = { "<path>" = { to = 1.5, years = 5 } }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RampToml {
    /// Value reached at the end.
    pub to: Raw,
    /// Years to get there (integer, at least 1), starting with the event's year.
    pub years: Raw,
}

/// `deliver = [{ power = "CN", kind = "health_aid", amount = 0.1 }]`: a one-off delivery.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliverToml {
    /// The power delivering.
    pub power: Spanned<String>,
    /// The instrument kind.
    pub kind: Spanned<String>,
    /// Amount added to this year's level (unit of the kind, at least 0).
    pub amount: Raw,
}

/// `experience = [{ power = "CN", share = 0.1, sign = -1 }]`: direct experience of citizens.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExperienceToml {
    /// The power experienced.
    pub power: Spanned<String>,
    /// Share of citizens (0 to 1).
    pub share: Raw,
    /// +1 good, -1 bad (-1 to 1).
    pub sign: Raw,
}

/// Generates an event section: its own keys, then the effect keys every event kind shares
/// (repeated rather than flattened, which would disable `deny_unknown_fields`).
macro_rules! with_effects {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Where the event is documented (free text).
            pub source: Option<Spanned<String>>,
            /// Parameters to set, by model path: `{ "threats.us_5g.belief" = 0.7 }`.
            pub set: Option<Named<Raw>>,
            /// Amounts to add, by model path.
            pub add: Option<Named<Raw>>,
            /// Factors to multiply by, by model path.
            pub scale: Option<Named<Raw>>,
            /// Linear moves, by model path: `{ "rivalry.US-CN.technology" = { to = 1.5,
            /// years = 5 } }`.
            pub ramp: Option<Named<Spanned<RampToml>>>,
            /// Threats issued now, by id.
            pub start_threats: Option<Vec<Spanned<String>>>,
            /// Threats carried out now, by id: sanctions imposed whatever the state does
            /// (afterwards the threat's own `lift` chance applies; set it to 0 to keep them).
            pub impose: Option<Vec<Spanned<String>>>,
            /// Threats withdrawn or sanctions lifted now, by id.
            pub lift: Option<Vec<Spanned<String>>>,
            /// `false` removes it (declared in a file this one extends) from the scenario.
            /// Default true.
            // Read by `layers.rs`, which removes entries switched off before deserializing.
            #[allow(dead_code)]
            pub enabled: Option<Spanned<bool>>,
            /// One-off deliveries.
            pub deliver: Option<Vec<Spanned<DeliverToml>>>,
            /// Direct experiences of a share of citizens.
            pub experience: Option<Vec<Spanned<ExperienceToml>>>,
            /// A snap election this year.
            pub snap_election: Option<Spanned<bool>>,
        }
    };
}

with_effects! {
    /// `[events.<name>]`: an event scripted for a year.
    EventToml {
        /// Year it happens (integer).
        year: Raw,
    }
}

with_effects! {
    /// `[random_events.<name>]`: an event with a chance per year.
    RandomEventToml {
        /// Chance per year (plain number, 0 to 1).
        probability: Raw,
        /// First year it may happen (integer). Default: the first year.
        from: Option<Raw>,
        /// Last year it may happen (integer). Default: the last year.
        until: Option<Raw>,
    }
}

with_effects! {
    /// `[rules.<name>]`: effects applied when a condition holds.
    RuleToml {
        /// Condition on last year's state, e.g. `closeness.CN.technology > 0.6 && year >= 2025`.
        when: Spanned<String>,
        /// Apply only the first time the condition holds (else every year). Default true.
        once: Option<Spanned<bool>>,
    }
}

/// The effect keys of an event, rule or random event, borrowed.
pub(crate) struct EffectsToml<'a> {
    pub set: Option<&'a Named<Raw>>,
    pub add: Option<&'a Named<Raw>>,
    pub scale: Option<&'a Named<Raw>>,
    pub ramp: Option<&'a Named<Spanned<RampToml>>>,
    pub start_threats: Option<&'a Vec<Spanned<String>>>,
    pub impose: Option<&'a Vec<Spanned<String>>>,
    pub lift: Option<&'a Vec<Spanned<String>>>,
    pub deliver: Option<&'a Vec<Spanned<DeliverToml>>>,
    pub experience: Option<&'a Vec<Spanned<ExperienceToml>>>,
    pub snap_election: Option<&'a Spanned<bool>>,
    pub source: Option<&'a Spanned<String>>,
}

macro_rules! effects_of {
    ($($name:ident),*) => {
        $(impl $name {
            /// The effect keys.
            pub fn effects(&self) -> EffectsToml<'_> {
                EffectsToml {
                    set: self.set.as_ref(),
                    add: self.add.as_ref(),
                    scale: self.scale.as_ref(),
                    ramp: self.ramp.as_ref(),
                    start_threats: self.start_threats.as_ref(),
                    impose: self.impose.as_ref(),
                    lift: self.lift.as_ref(),
                    deliver: self.deliver.as_ref(),
                    experience: self.experience.as_ref(),
                    snap_election: self.snap_election.as_ref(),
                    source: self.source.as_ref(),
                }
            }
        })*
    };
}

effects_of!(EventToml, RandomEventToml, RuleToml);
