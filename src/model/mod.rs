//! The simulation: a focal state hedging between great powers (docs/model.md).
//!
//! Takes values and returns values: it never reads files, prints, or looks at a clock, and it
//! imports nothing else of the crate. Results leave through an `Observer`.

pub mod citizens;
pub mod defaults;
pub mod events;
pub mod expr;
pub mod government;
pub mod linalg;
pub mod observables;
pub mod opinion;
pub mod params;
pub mod powers;
pub mod record;
pub mod rng;
pub mod run;
pub mod sanctions;
pub mod step;
pub mod target;
pub mod types;
pub mod vars;
pub mod world;

pub use params::*;
pub use record::{DriverSchema, Fired, FiredKind, Observer, Recorder, Term, YearRecord};
pub use run::{EndState, Outcome, end_state, run};
pub use target::{Op, Target};
pub use types::*;
