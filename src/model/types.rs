//! Fixed vocabularies of the model: domains and instrument kinds (docs/model.md §2).
//!
//! Pure definitions: no I/O, no parsing of files.

/// Index of a power in `Params::powers` (the order the scenario declared them).
pub type PowerId = usize;

/// Number of policy domains.
pub const N_DOMAINS: usize = 4;
/// Number of instrument kinds.
pub const N_KINDS: usize = 8;

/// A policy domain in which the focal state is more or less close to a power.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    Economy,
    Security,
    Technology,
    Diplomacy,
}

impl Domain {
    /// All domains in their fixed order (the index used in every array).
    pub const ALL: [Domain; N_DOMAINS] = [
        Domain::Economy,
        Domain::Security,
        Domain::Technology,
        Domain::Diplomacy,
    ];

    /// Position of the domain in per-domain arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The lower-case name used in scenario paths and output columns.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Economy => "economy",
            Domain::Security => "security",
            Domain::Technology => "technology",
            Domain::Diplomacy => "diplomacy",
        }
    }

    /// Parses a domain name as written in scenarios.
    pub fn parse(s: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// A kind of instrument a power uses to pull the focal state (docs/model.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Grants,
    Loans,
    Trade,
    HealthAid,
    Arms,
    Tech,
    SovereigntySupport,
    Accession,
}

impl Kind {
    /// All kinds in their fixed order (the index used in every array).
    pub const ALL: [Kind; N_KINDS] = [
        Kind::Grants,
        Kind::Loans,
        Kind::Trade,
        Kind::HealthAid,
        Kind::Arms,
        Kind::Tech,
        Kind::SovereigntySupport,
        Kind::Accession,
    ];

    /// Position of the kind in per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake-case name used in scenario paths and output columns.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Grants => "grants",
            Kind::Loans => "loans",
            Kind::Trade => "trade",
            Kind::HealthAid => "health_aid",
            Kind::Arms => "arms",
            Kind::Tech => "tech",
            Kind::SovereigntySupport => "sovereignty_support",
            Kind::Accession => "accession",
        }
    }

    /// Parses a kind name as written in scenarios.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// How the level of this kind is measured.
    pub fn unit(self) -> &'static str {
        match self {
            Kind::Trade => "% of GDP of trade",
            Kind::SovereigntySupport | Kind::Accession => "intensity 0-1",
            _ => "% of GDP per year",
        }
    }

    /// Money kinds share the power's yearly budget and enter the state's value with
    /// diminishing returns (docs/model.md §5.1, §5.2).
    pub fn is_budgeted(self) -> bool {
        matches!(
            self,
            Kind::Grants | Kind::Loans | Kind::HealthAid | Kind::Arms | Kind::Tech
        )
    }

    /// Kinds valued with diminishing returns `ln(1 + I/I0)`: money kinds and trade.
    pub fn is_money(self) -> bool {
        self.is_budgeted() || self == Kind::Trade
    }

    /// Kinds measured as an intensity in [0, 1].
    pub fn is_intensity(self) -> bool {
        matches!(self, Kind::SovereigntySupport | Kind::Accession)
    }
}

/// Stage of a threat (docs/model.md §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Not issued (yet).
    Dormant,
    /// Issued; the state weighs its expected cost.
    Threatened,
    /// Carried out; damage is sunk.
    Imposed,
    /// Withdrawn after compliance.
    Lifted,
}

impl Stage {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Dormant => "dormant",
            Stage::Threatened => "threatened",
            Stage::Imposed => "imposed",
            Stage::Lifted => "lifted",
        }
    }

    /// Numeric code used in rule conditions (`threat.ID.stage`).
    pub fn code(self) -> f64 {
        match self {
            Stage::Dormant => 0.0,
            Stage::Threatened => 1.0,
            Stage::Imposed => 2.0,
            Stage::Lifted => 3.0,
        }
    }
}
