//! Variables that rule conditions can read (`closeness.CN.technology`, `year`, ...), laid
//! out as slots of a flat vector filled once a year (docs/model.md §5.2, rules).

use super::params::ParamSpec;
use super::types::{Domain, Kind, N_DOMAINS, N_KINDS};

/// Positions of the variables in the slot vector for a given number of powers and threats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarLayout {
    /// Number of powers.
    pub n: usize,
    /// Number of threats.
    pub h: usize,
}

/// Scalar slots in front of the per-power blocks.
const YEAR: usize = 0;
const LEEWAY: usize = 1;
const ALIGNMENT: usize = 2;
const HEDGING: usize = 3;
const CREDIBILITY: usize = 4;
const ELECTION: usize = 5;
const MEMBERSHIP: usize = 6;
const SCALARS: usize = 7;

impl VarLayout {
    /// Layout for a spec.
    pub fn of(spec: &ParamSpec) -> VarLayout {
        VarLayout {
            n: spec.powers.len(),
            h: spec.threats.len(),
        }
    }
    /// Slot of `year`.
    pub fn year(&self) -> usize {
        YEAR
    }
    /// Slot of the leeway index.
    pub fn leeway(&self) -> usize {
        LEEWAY
    }
    /// Slot of the alignment rate.
    pub fn alignment(&self) -> usize {
        ALIGNMENT
    }
    /// Slot of the hedging index.
    pub fn hedging(&self) -> usize {
        HEDGING
    }
    /// Slot of membership credibility.
    pub fn credibility(&self) -> usize {
        CREDIBILITY
    }
    /// Slot of the election flag (1 in an election year).
    pub fn election(&self) -> usize {
        ELECTION
    }
    /// Slot of support for membership (share of respondents).
    pub fn membership(&self) -> usize {
        MEMBERSHIP
    }
    /// Slot of aggregate closeness to power `p`.
    pub fn closeness(&self, p: usize) -> usize {
        SCALARS + p
    }
    /// Slot of closeness to power `p` in domain `d`.
    pub fn closeness_domain(&self, p: usize, d: usize) -> usize {
        SCALARS + self.n + p * N_DOMAINS + d
    }
    /// Slot of mean public affinity to power `p`.
    pub fn affinity(&self, p: usize) -> usize {
        SCALARS + self.n * (1 + N_DOMAINS) + p
    }
    /// Slot of the "greatest friend" poll share of power `p`.
    pub fn poll(&self, p: usize) -> usize {
        SCALARS + self.n * (2 + N_DOMAINS) + p
    }
    /// Slot of power `p`'s level of instrument `k`.
    pub fn instrument(&self, p: usize, k: usize) -> usize {
        SCALARS + self.n * (3 + N_DOMAINS) + p * N_KINDS + k
    }
    /// Slot of the stage code of threat `h` (0 dormant, 1 threatened, 2 imposed, 3 lifted).
    pub fn threat_stage(&self, h: usize) -> usize {
        SCALARS + self.n * (3 + N_DOMAINS + N_KINDS) + h
    }
    /// Slot of the state's belief in threat `h`'s resolve.
    pub fn threat_belief(&self, h: usize) -> usize {
        SCALARS + self.n * (3 + N_DOMAINS + N_KINDS) + self.h + h
    }
    /// Number of slots.
    pub fn len(&self) -> usize {
        SCALARS + self.n * (3 + N_DOMAINS + N_KINDS) + 2 * self.h
    }
    /// Whether there are no slots (never: `year` always exists).
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The names a condition may use, for error messages.
pub const VARIABLE_HELP: &str = "year, leeway, alignment, hedging, credibility, election, \
membership, closeness.<power>, closeness.<power>.<domain>, affinity.<power>, poll.<power>, \
instrument.<power>.<kind>, threat.<id>.stage (0 dormant, 1 threatened, 2 imposed, 3 lifted), \
threat.<id>.belief";

/// Resolves a variable name to its slot, or explains what is allowed.
pub fn resolve(name: &str, spec: &ParamSpec) -> Result<usize, String> {
    let layout = VarLayout::of(spec);
    let parts: Vec<&str> = name.split('.').collect();
    let power = |id: &str| -> Result<usize, String> {
        spec.powers.iter().position(|p| p.id == id).ok_or_else(|| {
            let ids: Vec<_> = spec.powers.iter().map(|p| p.id.as_str()).collect();
            format!(
                "unknown power '{id}' in '{name}': declared powers are {}",
                ids.join(", ")
            )
        })
    };
    let unknown = || format!("unknown variable '{name}': allowed {VARIABLE_HELP}");
    match parts.as_slice() {
        ["year"] => Ok(layout.year()),
        ["leeway"] => Ok(layout.leeway()),
        ["alignment"] => Ok(layout.alignment()),
        ["hedging"] => Ok(layout.hedging()),
        ["credibility"] => Ok(layout.credibility()),
        ["election"] => Ok(layout.election()),
        ["membership"] => Ok(layout.membership()),
        ["closeness", p] => Ok(layout.closeness(power(p)?)),
        ["closeness", p, d] => {
            let d = Domain::parse(d).ok_or_else(|| {
                format!("unknown domain '{d}' in '{name}': allowed economy, security, technology, diplomacy")
            })?;
            Ok(layout.closeness_domain(power(p)?, d.index()))
        }
        ["affinity", p] => Ok(layout.affinity(power(p)?)),
        ["poll", p] => Ok(layout.poll(power(p)?)),
        ["instrument", p, k] => {
            let k = Kind::parse(k).ok_or_else(|| {
                let all: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown instrument kind '{k}' in '{name}': allowed {}",
                    all.join(", ")
                )
            })?;
            Ok(layout.instrument(power(p)?, k.index()))
        }
        ["threat", id, field] => {
            let h = spec
                .threats
                .iter()
                .position(|t| t.id == *id)
                .ok_or_else(|| format!("unknown threat '{id}' in '{name}'"))?;
            match *field {
                "stage" => Ok(layout.threat_stage(h)),
                "belief" => Ok(layout.threat_belief(h)),
                _ => Err(format!(
                    "unknown threat field '{field}' in '{name}': allowed stage, belief"
                )),
            }
        }
        _ => Err(unknown()),
    }
}
