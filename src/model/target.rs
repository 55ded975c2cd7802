//! Parameters addressed by path (`powers.US.budget`, `rivalry.US-CN.technology`, ...), with
//! their allowed ranges. One table serves validation, scripted events, rules, distributions
//! and `--set` overrides, so a range is written once (docs/model.md §7).

use super::params::{AgendaTarget, ParamSpec};
use super::types::{Domain, Kind, N_DOMAINS, PowerId};

/// How an effect changes a parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Replace the value.
    Set(f64),
    /// Add to the value.
    Add(f64),
    /// Multiply the value.
    Scale(f64),
    /// Move linearly to `to` over `years` years, starting with the event's year.
    Ramp { to: f64, years: u32 },
}

impl Op {
    /// The number the effect carries.
    pub fn value(&self) -> f64 {
        match *self {
            Op::Set(v) | Op::Add(v) | Op::Scale(v) => v,
            Op::Ramp { to, .. } => to,
        }
    }

    /// The new value from the current one (for a ramp: its first year's step).
    pub fn apply(&self, current: f64) -> f64 {
        match *self {
            Op::Set(v) => v,
            Op::Add(v) => current + v,
            Op::Scale(v) => current * v,
            Op::Ramp { to, years } => current + (to - current) / f64::from(years.max(1)),
        }
    }
}

/// A scalar parameter reachable by path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Target {
    Budget(PowerId),
    Mix(PowerId, Kind),
    /// Level of a money instrument, budget × share (% of GDP a year): setting it moves the
    /// budget by the change, so that the other instruments keep their levels (`scale` by 2
    /// doubles the instrument and nothing else). Not a parameter of its own: a way to change
    /// `budget` and `mix` together.
    Level(PowerId, Kind),
    PowerTarget(PowerId),
    Responsiveness(PowerId),
    RivalryResponse(PowerId),
    Buster(PowerId),
    MediaSensitivity(PowerId),
    Conditionality(PowerId),
    BustCost(PowerId),
    BusterCap(PowerId),
    Opacity(PowerId),
    KindDomain(Kind, Domain),
    Visibility(Kind),
    Scale(Kind),
    Adjust(Kind),
    Weight(Kind),
    /// Rivalry of a pair in one domain, or in all domains when `None`.
    Rivalry(PowerId, PowerId, Option<Domain>),
    AutonomyCost(PowerId),
    Inertia,
    MaxMove,
    Noise,
    OpinionWeight,
    ElectionMultiplier,
    OptionValue,
    OptionOffset,
    DomainWeight(Domain),
    SovereigntyValue,
    AccessionValue,
    Promotion,
    ThreatSmoothing,
    VetoPooling,
    ReliabilityLearning,
    Substitution,
    OpacityPremium,
    SurveillanceValue,
    ElectionAnticipation,
    PromotionCycle,
    AccessionObligations,
    DependenceLever,
    ExitCost,
    CheapBase,
    SignalEffort,
    InitialCloseness(PowerId, Domain),
    Credibility,
    Severity(usize),
    RedLine(usize),
    Resolve(usize),
    Belief(usize),
    Learning(usize),
    Damage(usize),
    Lift(usize),
    Grace(usize),
    Issue(usize, usize),
    AnchorMean(PowerId),
    AnchorSd,
    Susceptibility,
    SusceptibilityConcentration,
    Confidence,
    ConfidenceSpread,
    AnchorDrift,
    ProGovernmentShare,
    MediaPull,
    ExperiencePull,
    MediaProGovernment(PowerId),
    MediaIndependent(PowerId),
    Framing,
    AidDecay,
    /// `population.help_memory`.
    HelpMemory,
    SanctionBacklash,
    ExperienceRate,
    CredibilityPull,
    MediaLine,
    PollSharpness,
    PollOutside,
    AidSharpness,
    AidOutside,
    /// `polls.aid_identity`.
    AidIdentity,
    PollNoise,
    MembershipThreshold,
    Kappa0,
    Kappa1,
    OtherCloseness,
    CheapShare,
    /// `alignment.agenda.<year>.<target>`: one share of the agenda of the `.0`-th agenda year
    /// (its `.1`-th share, in declared power order then `other`). Setting it rescales the
    /// year's other shares so that they still sum to 1.
    AgendaShare(usize, usize),
}

const GOV: &[(&str, Target)] = &[
    ("inertia", Target::Inertia),
    ("max_move", Target::MaxMove),
    ("noise", Target::Noise),
    ("opinion_weight", Target::OpinionWeight),
    ("election_multiplier", Target::ElectionMultiplier),
    ("option_value", Target::OptionValue),
    ("option_offset", Target::OptionOffset),
    ("sovereignty_value", Target::SovereigntyValue),
    ("accession_value", Target::AccessionValue),
    ("promotion", Target::Promotion),
    ("threat_smoothing", Target::ThreatSmoothing),
    ("veto_pooling", Target::VetoPooling),
    ("reliability_learning", Target::ReliabilityLearning),
    ("substitution", Target::Substitution),
    ("opacity_premium", Target::OpacityPremium),
    ("surveillance_value", Target::SurveillanceValue),
    ("election_anticipation", Target::ElectionAnticipation),
    ("promotion_cycle", Target::PromotionCycle),
    ("accession_obligations", Target::AccessionObligations),
    ("dependence_lever", Target::DependenceLever),
    ("exit_cost", Target::ExitCost),
];

const POP: &[(&str, Target)] = &[
    ("anchor_sd", Target::AnchorSd),
    ("susceptibility", Target::Susceptibility),
    (
        "susceptibility_concentration",
        Target::SusceptibilityConcentration,
    ),
    ("confidence", Target::Confidence),
    ("confidence_spread", Target::ConfidenceSpread),
    ("anchor_drift", Target::AnchorDrift),
    ("pro_government_share", Target::ProGovernmentShare),
    ("media_pull", Target::MediaPull),
    ("experience_pull", Target::ExperiencePull),
    ("framing", Target::Framing),
    ("aid_decay", Target::AidDecay),
    ("help_memory", Target::HelpMemory),
    ("sanction_backlash", Target::SanctionBacklash),
    ("experience_rate", Target::ExperienceRate),
    ("credibility_pull", Target::CredibilityPull),
    ("media_line", Target::MediaLine),
];

const POLL: &[(&str, Target)] = &[
    ("sharpness", Target::PollSharpness),
    ("outside", Target::PollOutside),
    ("aid_sharpness", Target::AidSharpness),
    ("aid_outside", Target::AidOutside),
    ("aid_identity", Target::AidIdentity),
    ("noise", Target::PollNoise),
    ("membership_threshold", Target::MembershipThreshold),
];

const ALIGN: &[(&str, Target)] = &[
    ("kappa0", Target::Kappa0),
    ("kappa1", Target::Kappa1),
    ("other_closeness", Target::OtherCloseness),
    ("cheap_share", Target::CheapShare),
    ("cheap_base", Target::CheapBase),
    ("signal_effort", Target::SignalEffort),
];

const POWER_FIELDS: &[&str] = &[
    "budget",
    "mix.<kind>",
    "level.<kind>",
    "trade",
    "sovereignty_support",
    "accession",
    "target",
    "responsiveness",
    "rivalry_response",
    "buster",
    "media_sensitivity",
    "conditionality",
    "bust_cost",
    "buster_cap",
    "opacity",
];

const THREAT_FIELDS: &[&str] = &[
    "severity", "red_line", "resolve", "belief", "learning", "damage", "lift", "grace", "issue0",
    "issue1", "issue2",
];

const KIND_FIELDS: &[&str] = &[
    "visibility",
    "scale",
    "adjust",
    "weight",
    "economy",
    "security",
    "technology",
    "diplomacy",
];

fn names<T>(table: &[(&str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

fn power_ids(spec: &ParamSpec) -> String {
    spec.powers
        .iter()
        .map(|p| p.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn find_power(spec: &ParamSpec, id: &str) -> Result<PowerId, String> {
    spec.powers.iter().position(|p| p.id == id).ok_or_else(|| {
        format!(
            "unknown power '{id}': declared powers are {}",
            power_ids(spec)
        )
    })
}

fn find_domain(s: &str) -> Result<Domain, String> {
    Domain::parse(s).ok_or_else(|| {
        format!("unknown domain '{s}': allowed economy, security, technology, diplomacy")
    })
}

fn find_kind(s: &str) -> Result<Kind, String> {
    Kind::parse(s).ok_or_else(|| {
        let all: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown instrument kind '{s}': allowed {}", all.join(", "))
    })
}

fn find_threat(spec: &ParamSpec, id: &str) -> Result<usize, String> {
    spec.threats.iter().position(|t| t.id == id).ok_or_else(|| {
        let ids: Vec<_> = spec.threats.iter().map(|t| t.id.as_str()).collect();
        if ids.is_empty() {
            format!("unknown threat '{id}': the scenario declares no threats")
        } else {
            format!(
                "unknown threat '{id}': declared threats are {}",
                ids.join(", ")
            )
        }
    })
}

fn lookup(table: &[(&str, Target)], key: &str, section: &str) -> Result<Target, String> {
    table
        .iter()
        .find(|(n, _)| *n == key)
        .map(|(_, t)| *t)
        .ok_or_else(|| format!("unknown key '{key}' in {section}: allowed {}", names(table)))
}

impl Target {
    /// Parses a path such as `powers.US.mix.tech` or `rivalry.US-CN.technology`.
    /// The error says which part is wrong and what is allowed there.
    pub fn parse(path: &str, spec: &ParamSpec) -> Result<Target, String> {
        let parts: Vec<&str> = path.split('.').collect();
        let want = |n: usize, shape: &str| -> Result<(), String> {
            if parts.len() == n {
                Ok(())
            } else {
                Err(format!("path '{path}' should look like {shape}"))
            }
        };
        match parts[0] {
            "powers" => {
                if parts.len() < 3 {
                    return Err(format!(
                        "path '{path}' should look like powers.<id>.<field>; fields: {}",
                        POWER_FIELDS.join(", ")
                    ));
                }
                let p = find_power(spec, parts[1])?;
                let field = parts[2];
                if field == "mix" {
                    want(4, "powers.<id>.mix.<kind>")?;
                    return Ok(Target::Mix(p, find_kind(parts[3])?));
                }
                if field == "level" {
                    want(4, "powers.<id>.level.<kind>")?;
                    let k = find_kind(parts[3])?;
                    // A kind outside the budget is its own level.
                    return Ok(if k.is_budgeted() {
                        Target::Level(p, k)
                    } else {
                        Target::Mix(p, k)
                    });
                }
                want(3, "powers.<id>.<field>")?;
                Ok(match field {
                    "budget" => Target::Budget(p),
                    "trade" => Target::Mix(p, Kind::Trade),
                    "sovereignty_support" => Target::Mix(p, Kind::SovereigntySupport),
                    "accession" => Target::Mix(p, Kind::Accession),
                    "target" => Target::PowerTarget(p),
                    "responsiveness" => Target::Responsiveness(p),
                    "rivalry_response" => Target::RivalryResponse(p),
                    "buster" => Target::Buster(p),
                    "media_sensitivity" => Target::MediaSensitivity(p),
                    "conditionality" => Target::Conditionality(p),
                    "bust_cost" => Target::BustCost(p),
                    "buster_cap" => Target::BusterCap(p),
                    "opacity" => Target::Opacity(p),
                    other => {
                        return Err(format!(
                            "unknown field '{other}' of a power: allowed {}",
                            POWER_FIELDS.join(", ")
                        ));
                    }
                })
            }
            "instruments" => {
                want(3, "instruments.<kind>.<field>")?;
                let k = find_kind(parts[1])?;
                Ok(match parts[2] {
                    "visibility" => Target::Visibility(k),
                    "scale" => Target::Scale(k),
                    "adjust" => Target::Adjust(k),
                    "weight" => Target::Weight(k),
                    other => match Domain::parse(other) {
                        Some(d) => Target::KindDomain(k, d),
                        None => {
                            return Err(format!(
                                "unknown field '{other}' of an instrument kind: allowed {}",
                                KIND_FIELDS.join(", ")
                            ));
                        }
                    },
                })
            }
            "rivalry" => {
                if parts.len() != 2 && parts.len() != 3 {
                    return Err(format!(
                        "path '{path}' should look like rivalry.<A>-<B> or rivalry.<A>-<B>.<domain>"
                    ));
                }
                let (a, b) = parts[1].split_once('-').ok_or_else(|| {
                    format!(
                        "rivalry pair '{}' should look like <A>-<B>, e.g. US-CN",
                        parts[1]
                    )
                })?;
                let p = find_power(spec, a)?;
                let q = find_power(spec, b)?;
                if p == q {
                    return Err(format!("rivalry pair '{}' names one power twice", parts[1]));
                }
                let d = match parts.get(2) {
                    Some(d) => Some(find_domain(d)?),
                    None => None,
                };
                Ok(Target::Rivalry(p, q, d))
            }
            "government" => {
                if parts.len() == 3 && parts[1] == "autonomy_cost" {
                    return Ok(Target::AutonomyCost(find_power(spec, parts[2])?));
                }
                if parts.len() == 3 && parts[1] == "domain_weights" {
                    return Ok(Target::DomainWeight(find_domain(parts[2])?));
                }
                if parts.len() == 4 && parts[1] == "initial_closeness" {
                    return Ok(Target::InitialCloseness(
                        find_power(spec, parts[2])?,
                        find_domain(parts[3])?,
                    ));
                }
                want(2, "government.<field>")?;
                lookup(GOV, parts[1], "government").map_err(|e| {
                    format!("{e}, autonomy_cost.<id>, domain_weights.<domain>, initial_closeness.<id>.<domain>")
                })
            }
            "accession" => {
                want(2, "accession.credibility")?;
                match parts[1] {
                    "credibility" => Ok(Target::Credibility),
                    other => Err(format!(
                        "unknown key '{other}' in accession: allowed credibility"
                    )),
                }
            }
            "threats" => {
                want(3, "threats.<id>.<field>")?;
                let h = find_threat(spec, parts[1])?;
                Ok(match parts[2] {
                    "severity" => Target::Severity(h),
                    "red_line" => Target::RedLine(h),
                    "resolve" => Target::Resolve(h),
                    "belief" => Target::Belief(h),
                    "learning" => Target::Learning(h),
                    "damage" => Target::Damage(h),
                    "lift" => Target::Lift(h),
                    "grace" => Target::Grace(h),
                    "issue0" => Target::Issue(h, 0),
                    "issue1" => Target::Issue(h, 1),
                    "issue2" => Target::Issue(h, 2),
                    other => {
                        return Err(format!(
                            "unknown field '{other}' of a threat: allowed {}",
                            THREAT_FIELDS.join(", ")
                        ));
                    }
                })
            }
            "population" => {
                if parts.len() == 3 {
                    let p = find_power(spec, parts[2])?;
                    return match parts[1] {
                        "anchor_mean" => Ok(Target::AnchorMean(p)),
                        "media_pro_government" => Ok(Target::MediaProGovernment(p)),
                        "media_independent" => Ok(Target::MediaIndependent(p)),
                        other => Err(format!(
                            "unknown per-power key '{other}' in population: allowed anchor_mean, media_pro_government, media_independent"
                        )),
                    };
                }
                want(2, "population.<field>")?;
                lookup(POP, parts[1], "population").map_err(|e| {
                    format!(
                        "{e}, anchor_mean.<id>, media_pro_government.<id>, media_independent.<id>"
                    )
                })
            }
            "polls" => {
                want(2, "polls.<field>")?;
                lookup(POLL, parts[1], "polls")
            }
            "alignment" if parts.get(1) == Some(&"agenda") => {
                want(4, "alignment.agenda.<year>.<target>")?;
                agenda_share(spec, parts[2], parts[3])
            }
            "alignment" => {
                want(2, "alignment.<field>")?;
                lookup(ALIGN, parts[1], "alignment")
            }
            other => Err(format!(
                "unknown section '{other}' in path '{path}': allowed powers, instruments, rivalry, government, accession, threats, population, polls, alignment"
            )),
        }
    }

    /// The canonical path of the target.
    pub fn path(&self, spec: &ParamSpec) -> String {
        let pid = |p: PowerId| spec.powers[p].id.as_str();
        let tid = |h: usize| spec.threats[h].id.as_str();
        let find = |table: &[(&str, Target)]| {
            table
                .iter()
                .find(|(_, t)| t == self)
                .map(|(n, _)| (*n).to_string())
        };
        match *self {
            Target::Budget(p) => format!("powers.{}.budget", pid(p)),
            Target::Mix(p, k) if k.is_budgeted() => format!("powers.{}.mix.{}", pid(p), k.name()),
            Target::Mix(p, k) => format!("powers.{}.{}", pid(p), k.name()),
            Target::Level(p, k) => format!("powers.{}.level.{}", pid(p), k.name()),
            Target::PowerTarget(p) => format!("powers.{}.target", pid(p)),
            Target::Responsiveness(p) => format!("powers.{}.responsiveness", pid(p)),
            Target::RivalryResponse(p) => format!("powers.{}.rivalry_response", pid(p)),
            Target::Buster(p) => format!("powers.{}.buster", pid(p)),
            Target::MediaSensitivity(p) => format!("powers.{}.media_sensitivity", pid(p)),
            Target::Conditionality(p) => format!("powers.{}.conditionality", pid(p)),
            Target::BustCost(p) => format!("powers.{}.bust_cost", pid(p)),
            Target::BusterCap(p) => format!("powers.{}.buster_cap", pid(p)),
            Target::Opacity(p) => format!("powers.{}.opacity", pid(p)),
            Target::KindDomain(k, d) => format!("instruments.{}.{}", k.name(), d.name()),
            Target::Visibility(k) => format!("instruments.{}.visibility", k.name()),
            Target::Scale(k) => format!("instruments.{}.scale", k.name()),
            Target::Adjust(k) => format!("instruments.{}.adjust", k.name()),
            Target::Weight(k) => format!("instruments.{}.weight", k.name()),
            Target::Rivalry(p, q, Some(d)) => format!("rivalry.{}-{}.{}", pid(p), pid(q), d.name()),
            Target::Rivalry(p, q, None) => format!("rivalry.{}-{}", pid(p), pid(q)),
            Target::AutonomyCost(p) => format!("government.autonomy_cost.{}", pid(p)),
            Target::DomainWeight(d) => format!("government.domain_weights.{}", d.name()),
            Target::InitialCloseness(p, d) => {
                format!("government.initial_closeness.{}.{}", pid(p), d.name())
            }
            Target::Credibility => "accession.credibility".to_string(),
            Target::Severity(h) => format!("threats.{}.severity", tid(h)),
            Target::RedLine(h) => format!("threats.{}.red_line", tid(h)),
            Target::Resolve(h) => format!("threats.{}.resolve", tid(h)),
            Target::Belief(h) => format!("threats.{}.belief", tid(h)),
            Target::Learning(h) => format!("threats.{}.learning", tid(h)),
            Target::Damage(h) => format!("threats.{}.damage", tid(h)),
            Target::Lift(h) => format!("threats.{}.lift", tid(h)),
            Target::Grace(h) => format!("threats.{}.grace", tid(h)),
            Target::Issue(h, i) => format!("threats.{}.issue{}", tid(h), i),
            Target::AnchorMean(p) => format!("population.anchor_mean.{}", pid(p)),
            Target::MediaProGovernment(p) => format!("population.media_pro_government.{}", pid(p)),
            Target::MediaIndependent(p) => format!("population.media_independent.{}", pid(p)),
            Target::AgendaShare(y, i) => {
                let a = &spec.alignment.agenda[y];
                let name = match a.shares[i].0 {
                    AgendaTarget::Power(p) => pid(p),
                    AgendaTarget::Other => "other",
                };
                format!("alignment.agenda.{}.{name}", a.year)
            }
            _ => {
                if let Some(n) = find(GOV) {
                    format!("government.{n}")
                } else if let Some(n) = find(POP) {
                    format!("population.{n}")
                } else if let Some(n) = find(POLL) {
                    format!("polls.{n}")
                } else if let Some(n) = find(ALIGN) {
                    format!("alignment.{n}")
                } else {
                    // Every variant is covered by a table or an arm above.
                    format!("{self:?}")
                }
            }
        }
    }

    /// Allowed range `[lo, hi]` of the target.
    pub fn range(&self) -> (f64, f64) {
        match *self {
            Target::Budget(_) | Target::Level(..) => (0.0, 100.0),
            Target::Mix(_, Kind::Trade) => (0.0, 300.0),
            Target::Mix(_, _) => (0.0, 1.0),
            Target::PowerTarget(_) => (0.0, 1.0),
            Target::Responsiveness(_) => (0.0, 20.0),
            Target::RivalryResponse(_) => (-10.0, 10.0),
            Target::Buster(_) => (0.0, 5.0),
            Target::MediaSensitivity(_) => (0.0, 5.0),
            Target::Conditionality(_) => (0.0, 20.0),
            Target::BustCost(_) => (0.0, 20.0),
            Target::BusterCap(_) => (0.0, 1000.0),
            Target::Opacity(_) => (0.0, 1.0),
            Target::VetoPooling
            | Target::ReliabilityLearning
            | Target::Substitution
            | Target::ElectionAnticipation => (0.0, 1.0),
            Target::OpacityPremium | Target::SurveillanceValue | Target::PromotionCycle => {
                (0.0, 10.0)
            }
            Target::MediaLine => (0.0, 5.0),
            Target::CheapShare | Target::CheapBase => (0.0, 1.0),
            Target::AccessionObligations | Target::DependenceLever | Target::ExitCost => {
                (0.0, 10.0)
            }
            Target::SignalEffort => (0.0, 20.0),
            Target::KindDomain(..) | Target::Visibility(_) => (0.0, 1.0),
            Target::Scale(_) => (1e-6, 1e6),
            Target::Adjust(_) => (0.0, 1.0),
            Target::Weight(_) => (0.0, 10.0),
            Target::Rivalry(..) => (-5.0, 5.0),
            Target::AutonomyCost(_) => (0.0, 20.0),
            Target::Inertia => (0.0, 100.0),
            Target::MaxMove => (0.0, 1.0),
            Target::Noise => (0.0, 1.0),
            Target::OpinionWeight => (0.0, 20.0),
            Target::ElectionMultiplier => (1.0, 10.0),
            Target::OptionValue => (0.0, 5.0),
            Target::OptionOffset => (1e-6, 1.0),
            Target::DomainWeight(_) => (0.0, 1.0),
            Target::SovereigntyValue | Target::AccessionValue | Target::Promotion => (0.0, 20.0),
            Target::ThreatSmoothing => (1e-4, 1.0),
            Target::InitialCloseness(..) | Target::Credibility => (0.0, 1.0),
            Target::Severity(_) => (0.0, 100.0),
            Target::RedLine(_) | Target::Resolve(_) | Target::Belief(_) => (0.0, 1.0),
            Target::Learning(_) | Target::Lift(_) => (0.0, 1.0),
            Target::Damage(_) => (0.0, 10.0),
            Target::Grace(_) => (0.0, 50.0),
            Target::Issue(..) => (-50.0, 50.0),
            Target::AnchorMean(_) | Target::AnchorSd => (0.0, 1.0),
            Target::Susceptibility => (1e-6, 1.0 - 1e-6),
            Target::SusceptibilityConcentration => (0.1, 1e4),
            Target::Confidence | Target::ConfidenceSpread | Target::AnchorDrift => (0.0, 1.0),
            Target::ProGovernmentShare | Target::MediaPull | Target::ExperiencePull => (0.0, 1.0),
            Target::MediaProGovernment(_) | Target::MediaIndependent(_) => (0.0, 1.0),
            Target::Framing => (0.0, 10.0),
            Target::AidDecay | Target::SanctionBacklash => (0.0, 1.0),
            Target::HelpMemory => (0.0, 0.99),
            Target::ExperienceRate => (0.0, 10.0),
            Target::CredibilityPull => (0.0, 1.0),
            Target::PollSharpness | Target::AidSharpness => (0.0, 100.0),
            Target::PollOutside | Target::PollNoise | Target::MembershipThreshold => (0.0, 1.0),
            Target::AidOutside => (0.0001, 10.0),
            Target::AidIdentity => (0.0, 50.0),
            Target::Kappa0 => (-50.0, 50.0),
            Target::Kappa1 => (-100.0, 100.0),
            Target::OtherCloseness | Target::AgendaShare(..) => (0.0, 1.0),
        }
    }

    /// Whether the parameter only sets the starting state (closeness and the population drawn
    /// at the start): changing it by an event after the start would have no effect.
    pub fn is_initial(&self) -> bool {
        matches!(
            self,
            Target::InitialCloseness(..)
                | Target::AnchorMean(_)
                | Target::AnchorSd
                | Target::Susceptibility
                | Target::SusceptibilityConcentration
                | Target::Confidence
                | Target::ConfidenceSpread
                | Target::ProGovernmentShare
        )
    }

    /// Unit or meaning of the value, for `describe`.
    pub fn unit(&self) -> &'static str {
        match *self {
            Target::Budget(_) | Target::Level(..) => "% of GDP per year",
            Target::Mix(_, k) if k.is_budgeted() => "share of budget",
            Target::Mix(_, k) => k.unit(),
            Target::Scale(_) => "unit of the kind",
            Target::Grace(_) => "years",
            Target::Severity(_) => "utility per unit of closeness",
            Target::Rivalry(..) => "utility per unit of closeness squared",
            Target::AgendaShare(..) => "share of the year's declarations",
            _ => "",
        }
    }

    /// Current value (for a rivalry over all domains: the mean over domains).
    pub fn get(&self, s: &ParamSpec) -> f64 {
        let g = &s.government;
        let pop = &s.population;
        match *self {
            Target::Budget(p) => s.powers[p].budget,
            Target::Mix(p, k) => s.powers[p].mix[k.index()],
            Target::Level(p, k) => s.powers[p].budget * s.powers[p].mix[k.index()],
            Target::PowerTarget(p) => s.powers[p].target,
            Target::Responsiveness(p) => s.powers[p].responsiveness,
            Target::RivalryResponse(p) => s.powers[p].rivalry_response,
            Target::Buster(p) => s.powers[p].buster,
            Target::MediaSensitivity(p) => s.powers[p].media_sensitivity,
            Target::Conditionality(p) => s.powers[p].conditionality,
            Target::BustCost(p) => s.powers[p].bust_cost,
            Target::BusterCap(p) => s.powers[p].buster_cap,
            Target::Opacity(p) => s.powers[p].opacity,
            Target::VetoPooling => g.veto_pooling,
            Target::ReliabilityLearning => g.reliability_learning,
            Target::Substitution => g.substitution,
            Target::OpacityPremium => g.opacity_premium,
            Target::SurveillanceValue => g.surveillance_value,
            Target::ElectionAnticipation => g.election_anticipation,
            Target::PromotionCycle => g.promotion_cycle,
            Target::AccessionObligations => g.accession_obligations,
            Target::DependenceLever => g.dependence_lever,
            Target::ExitCost => g.exit_cost,
            Target::CheapBase => s.alignment.cheap_base,
            Target::SignalEffort => s.alignment.signal_effort,
            Target::MediaLine => pop.media_line,
            Target::CheapShare => s.alignment.cheap_share,
            Target::KindDomain(k, d) => s.kinds[k.index()].domains[d.index()],
            Target::Visibility(k) => s.kinds[k.index()].visibility,
            Target::Scale(k) => s.kinds[k.index()].scale,
            Target::Adjust(k) => s.kinds[k.index()].adjust,
            Target::Weight(k) => s.kinds[k.index()].weight,
            Target::Rivalry(p, q, Some(d)) => s.rivalry_of(p, q, d.index()),
            Target::Rivalry(p, q, None) => {
                (0..N_DOMAINS).map(|d| s.rivalry_of(p, q, d)).sum::<f64>() / N_DOMAINS as f64
            }
            Target::AutonomyCost(p) => g.autonomy_cost[p],
            Target::Inertia => g.inertia,
            Target::MaxMove => g.max_move,
            Target::Noise => g.noise,
            Target::OpinionWeight => g.opinion_weight,
            Target::ElectionMultiplier => g.election_multiplier,
            Target::OptionValue => g.option_value,
            Target::OptionOffset => g.option_offset,
            Target::DomainWeight(d) => g.domain_weights[d.index()],
            Target::SovereigntyValue => g.sovereignty_value,
            Target::AccessionValue => g.accession_value,
            Target::Promotion => g.promotion,
            Target::ThreatSmoothing => g.threat_smoothing,
            Target::InitialCloseness(p, d) => g.initial_closeness[p][d.index()],
            Target::Credibility => s.credibility,
            Target::Severity(h) => s.threats[h].severity,
            Target::RedLine(h) => s.threats[h].red_line,
            Target::Resolve(h) => s.threats[h].resolve,
            Target::Belief(h) => s.threats[h].belief,
            Target::Learning(h) => s.threats[h].learning,
            Target::Damage(h) => s.threats[h].damage,
            Target::Lift(h) => s.threats[h].lift,
            Target::Grace(h) => f64::from(s.threats[h].grace),
            Target::Issue(h, i) => s.threats[h].issue.map_or(0.0, |z| z[i]),
            Target::AnchorMean(p) => pop.anchor_mean[p],
            Target::AnchorSd => pop.anchor_sd,
            Target::Susceptibility => pop.susceptibility,
            Target::SusceptibilityConcentration => pop.susceptibility_concentration,
            Target::Confidence => pop.confidence,
            Target::ConfidenceSpread => pop.confidence_spread,
            Target::AnchorDrift => pop.anchor_drift,
            Target::ProGovernmentShare => pop.pro_government_share,
            Target::MediaPull => pop.media_pull,
            Target::ExperiencePull => pop.experience_pull,
            Target::MediaProGovernment(p) => pop.media_pro_government[p],
            Target::MediaIndependent(p) => pop.media_independent[p],
            Target::Framing => pop.framing,
            Target::AidDecay => pop.aid_decay,
            Target::HelpMemory => pop.help_memory,
            Target::SanctionBacklash => pop.sanction_backlash,
            Target::ExperienceRate => pop.experience_rate,
            Target::CredibilityPull => pop.credibility_pull,
            Target::PollSharpness => s.polls.sharpness,
            Target::PollOutside => s.polls.outside,
            Target::AidSharpness => s.polls.aid_sharpness,
            Target::AidOutside => s.polls.aid_outside,
            Target::AidIdentity => s.polls.aid_identity,
            Target::PollNoise => s.polls.noise,
            Target::MembershipThreshold => s.polls.membership_threshold,
            Target::Kappa0 => s.alignment.kappa0,
            Target::Kappa1 => s.alignment.kappa1,
            Target::OtherCloseness => s.alignment.other_closeness,
            Target::AgendaShare(y, i) => s.alignment.agenda[y].shares[i].1,
        }
    }

    /// Sets the value, clamped into the allowed range (events and rules can push a value
    /// past its bounds; the model keeps it valid rather than failing a run).
    pub fn set_clamped(&self, s: &mut ParamSpec, value: f64) {
        let (lo, hi) = self.range();
        self.set(s, value.clamp(lo, hi));
    }

    /// Sets the value as given (validation happens in `Params::new`).
    pub fn set(&self, s: &mut ParamSpec, v: f64) {
        match *self {
            Target::Rivalry(p, q, Some(d)) => s.set_rivalry(p, q, d.index(), v),
            Target::Rivalry(p, q, None) => {
                for d in 0..N_DOMAINS {
                    s.set_rivalry(p, q, d, v);
                }
            }
            Target::Grace(h) => s.threats[h].grace = v.round().max(0.0) as u32,
            Target::Level(p, k) => {
                let power = &mut s.powers[p];
                let (budget, i) = (power.budget, k.index());
                let next = (budget + v - budget * power.mix[i]).max(0.0);
                if next <= 0.0 {
                    power.budget = 0.0;
                    return;
                }
                for j in Kind::ALL.into_iter().filter(|j| j.is_budgeted()) {
                    power.mix[j.index()] *= budget / next;
                }
                power.mix[i] = v.max(0.0) / next;
                power.budget = next;
            }
            Target::Issue(h, i) => {
                let mut z = s.threats[h].issue.unwrap_or([-50.0, 0.0, 0.0]);
                z[i] = v;
                s.threats[h].issue = Some(z);
            }
            Target::AgendaShare(y, i) => renormalise(&mut s.alignment.agenda[y].shares, i, v),
            _ => *self.slot(s) = v,
        }
    }

    fn slot<'a>(&self, s: &'a mut ParamSpec) -> &'a mut f64 {
        let g = &mut s.government;
        let pop = &mut s.population;
        match *self {
            Target::Budget(p) => &mut s.powers[p].budget,
            Target::Mix(p, k) => &mut s.powers[p].mix[k.index()],
            Target::PowerTarget(p) => &mut s.powers[p].target,
            Target::Responsiveness(p) => &mut s.powers[p].responsiveness,
            Target::RivalryResponse(p) => &mut s.powers[p].rivalry_response,
            Target::Buster(p) => &mut s.powers[p].buster,
            Target::MediaSensitivity(p) => &mut s.powers[p].media_sensitivity,
            Target::Conditionality(p) => &mut s.powers[p].conditionality,
            Target::BustCost(p) => &mut s.powers[p].bust_cost,
            Target::BusterCap(p) => &mut s.powers[p].buster_cap,
            Target::Opacity(p) => &mut s.powers[p].opacity,
            Target::VetoPooling => &mut g.veto_pooling,
            Target::ReliabilityLearning => &mut g.reliability_learning,
            Target::Substitution => &mut g.substitution,
            Target::OpacityPremium => &mut g.opacity_premium,
            Target::SurveillanceValue => &mut g.surveillance_value,
            Target::ElectionAnticipation => &mut g.election_anticipation,
            Target::PromotionCycle => &mut g.promotion_cycle,
            Target::AccessionObligations => &mut g.accession_obligations,
            Target::DependenceLever => &mut g.dependence_lever,
            Target::ExitCost => &mut g.exit_cost,
            Target::CheapBase => &mut s.alignment.cheap_base,
            Target::SignalEffort => &mut s.alignment.signal_effort,
            Target::MediaLine => &mut pop.media_line,
            Target::CheapShare => &mut s.alignment.cheap_share,
            Target::KindDomain(k, d) => &mut s.kinds[k.index()].domains[d.index()],
            Target::Visibility(k) => &mut s.kinds[k.index()].visibility,
            Target::Scale(k) => &mut s.kinds[k.index()].scale,
            Target::Adjust(k) => &mut s.kinds[k.index()].adjust,
            Target::Weight(k) => &mut s.kinds[k.index()].weight,
            Target::AutonomyCost(p) => &mut g.autonomy_cost[p],
            Target::Inertia => &mut g.inertia,
            Target::MaxMove => &mut g.max_move,
            Target::Noise => &mut g.noise,
            Target::OpinionWeight => &mut g.opinion_weight,
            Target::ElectionMultiplier => &mut g.election_multiplier,
            Target::OptionValue => &mut g.option_value,
            Target::OptionOffset => &mut g.option_offset,
            Target::DomainWeight(d) => &mut g.domain_weights[d.index()],
            Target::SovereigntyValue => &mut g.sovereignty_value,
            Target::AccessionValue => &mut g.accession_value,
            Target::Promotion => &mut g.promotion,
            Target::ThreatSmoothing => &mut g.threat_smoothing,
            Target::InitialCloseness(p, d) => &mut g.initial_closeness[p][d.index()],
            Target::Credibility => &mut s.credibility,
            Target::Severity(h) => &mut s.threats[h].severity,
            Target::RedLine(h) => &mut s.threats[h].red_line,
            Target::Resolve(h) => &mut s.threats[h].resolve,
            Target::Belief(h) => &mut s.threats[h].belief,
            Target::Learning(h) => &mut s.threats[h].learning,
            Target::Damage(h) => &mut s.threats[h].damage,
            Target::Lift(h) => &mut s.threats[h].lift,
            Target::AnchorMean(p) => &mut pop.anchor_mean[p],
            Target::AnchorSd => &mut pop.anchor_sd,
            Target::Susceptibility => &mut pop.susceptibility,
            Target::SusceptibilityConcentration => &mut pop.susceptibility_concentration,
            Target::Confidence => &mut pop.confidence,
            Target::ConfidenceSpread => &mut pop.confidence_spread,
            Target::AnchorDrift => &mut pop.anchor_drift,
            Target::ProGovernmentShare => &mut pop.pro_government_share,
            Target::MediaPull => &mut pop.media_pull,
            Target::ExperiencePull => &mut pop.experience_pull,
            Target::MediaProGovernment(p) => &mut pop.media_pro_government[p],
            Target::MediaIndependent(p) => &mut pop.media_independent[p],
            Target::Framing => &mut pop.framing,
            Target::AidDecay => &mut pop.aid_decay,
            Target::HelpMemory => &mut pop.help_memory,
            Target::SanctionBacklash => &mut pop.sanction_backlash,
            Target::ExperienceRate => &mut pop.experience_rate,
            Target::CredibilityPull => &mut pop.credibility_pull,
            Target::PollSharpness => &mut s.polls.sharpness,
            Target::PollOutside => &mut s.polls.outside,
            Target::AidSharpness => &mut s.polls.aid_sharpness,
            Target::AidOutside => &mut s.polls.aid_outside,
            Target::AidIdentity => &mut s.polls.aid_identity,
            Target::PollNoise => &mut s.polls.noise,
            Target::MembershipThreshold => &mut s.polls.membership_threshold,
            Target::Kappa0 => &mut s.alignment.kappa0,
            Target::Kappa1 => &mut s.alignment.kappa1,
            Target::OtherCloseness => &mut s.alignment.other_closeness,
            Target::Rivalry(..)
            | Target::Grace(_)
            | Target::Issue(..)
            | Target::Level(..)
            | Target::AgendaShare(..) => {
                unreachable!("handled in Target::set")
            }
        }
    }

    /// Every scalar target of a spec, in a stable order (rivalry per pair `p < q` and domain).
    pub fn all(s: &ParamSpec) -> Vec<Target> {
        let n = s.powers.len();
        let mut v = Vec::new();
        for p in 0..n {
            v.push(Target::Budget(p));
            for k in Kind::ALL {
                v.push(Target::Mix(p, k));
            }
            v.extend([
                Target::PowerTarget(p),
                Target::Responsiveness(p),
                Target::RivalryResponse(p),
                Target::Buster(p),
                Target::MediaSensitivity(p),
                Target::Conditionality(p),
                Target::BustCost(p),
                Target::BusterCap(p),
                Target::Opacity(p),
            ]);
        }
        for k in Kind::ALL {
            for d in Domain::ALL {
                v.push(Target::KindDomain(k, d));
            }
            v.extend([
                Target::Visibility(k),
                Target::Scale(k),
                Target::Adjust(k),
                Target::Weight(k),
            ]);
        }
        for p in 0..n {
            for q in p + 1..n {
                for d in Domain::ALL {
                    v.push(Target::Rivalry(p, q, Some(d)));
                }
            }
        }
        for p in 0..n {
            v.push(Target::AutonomyCost(p));
        }
        v.extend(GOV.iter().map(|(_, t)| *t));
        for d in Domain::ALL {
            v.push(Target::DomainWeight(d));
        }
        for p in 0..n {
            for d in Domain::ALL {
                v.push(Target::InitialCloseness(p, d));
            }
        }
        v.push(Target::Credibility);
        for h in 0..s.threats.len() {
            v.extend([
                Target::Severity(h),
                Target::RedLine(h),
                Target::Resolve(h),
                Target::Belief(h),
                Target::Learning(h),
                Target::Damage(h),
                Target::Lift(h),
                Target::Grace(h),
            ]);
            if s.threats[h].issue.is_some() {
                v.extend([
                    Target::Issue(h, 0),
                    Target::Issue(h, 1),
                    Target::Issue(h, 2),
                ]);
            }
        }
        for p in 0..n {
            v.extend([
                Target::AnchorMean(p),
                Target::MediaProGovernment(p),
                Target::MediaIndependent(p),
            ]);
        }
        v.extend(POP.iter().map(|(_, t)| *t));
        v.extend(POLL.iter().map(|(_, t)| *t));
        v.extend(ALIGN.iter().map(|(_, t)| *t));
        for (y, a) in s.alignment.agenda.iter().enumerate() {
            v.extend((0..a.shares.len()).map(|i| Target::AgendaShare(y, i)));
        }
        v
    }
}

/// `alignment.agenda.<year>.<target>`: the year must be one the agenda declares, the target
/// one of its shares.
fn agenda_share(spec: &ParamSpec, year: &str, target: &str) -> Result<Target, String> {
    let agenda = &spec.alignment.agenda;
    let years = || {
        agenda
            .iter()
            .map(|a| a.year.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let y = agenda
        .iter()
        .position(|a| a.year.to_string() == year)
        .ok_or_else(|| {
            if agenda.is_empty() {
                format!("alignment.agenda.{year}: the scenario declares no [alignment.agenda] year")
            } else {
                format!(
                    "alignment.agenda.{year}: no agenda year {year}: declared {}",
                    years()
                )
            }
        })?;
    let name = |t: &AgendaTarget| match t {
        AgendaTarget::Power(p) => spec.powers[*p].id.clone(),
        AgendaTarget::Other => "other".to_string(),
    };
    let shares = &agenda[y].shares;
    shares
        .iter()
        .position(|(t, _)| name(t) == target)
        .map(|i| Target::AgendaShare(y, i))
        .ok_or_else(|| {
            format!(
                "alignment.agenda.{year}.{target}: the {year} agenda has no share for '{target}': \
                 its shares are {}",
                shares
                    .iter()
                    .map(|(t, _)| name(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// Sets share `i` to `v` (clamped to [0, 1]) and rescales the others in proportion so the
/// shares still sum to 1; if the others are all zero, the rest is split evenly among them.
pub fn renormalise(shares: &mut [(AgendaTarget, f64)], i: usize, v: f64) {
    let v = v.clamp(0.0, 1.0);
    let others: f64 = shares
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, (_, x))| *x)
        .sum();
    let n_others = shares.len().saturating_sub(1);
    if n_others == 0 {
        shares[i].1 = 1.0;
        return;
    }
    for (j, (_, x)) in shares.iter_mut().enumerate() {
        if j == i {
            *x = v;
        } else if others > 0.0 {
            *x *= (1.0 - v) / others;
        } else {
            *x = (1.0 - v) / n_others as f64;
        }
    }
}
