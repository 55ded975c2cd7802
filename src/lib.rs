//! `simulate`: a scenario and stakeholder simulation of a small state balancing between great
//! powers. See `docs/model.md` for the model.

pub mod app;
pub mod calibrate;
pub mod cli;
pub mod data;
pub mod experiment;
pub mod export;
pub mod model;
pub mod plot;
pub mod scenario;
pub mod shard;
pub mod stats;
