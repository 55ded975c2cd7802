//! `simulate`: a scenario and stakeholder simulation of a small state balancing between great
//! powers. See `docs/model.md` for the model.

pub mod model;
pub mod plot;
pub mod stats;
