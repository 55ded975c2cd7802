//! The simulation: a focal state hedging between great powers (docs/model.md).
//!
//! Takes values and returns values: it never reads files, prints, or looks at a clock, and it
//! imports nothing else of the crate. Results leave through an `Observer`.

pub mod expr;
pub mod params;
pub mod target;
pub mod types;

pub use params::*;
pub use target::{Op, Target};
pub use types::*;
pub mod defaults;
