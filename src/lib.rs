//! `simulate`: a scenario and stakeholder simulation of a small state balancing between great
//! powers.
//!
//! A focal state (Serbia by default) chooses, year by year, how close to stand to each of
//! several powers (the EU, the US, Russia, China) in four domains: economy, security,
//! technology and diplomacy. Its government climbs a utility that rewards what each power
//! offers (loans, investment, grants, health aid, arms, technology, support on Kosovo, a
//! membership perspective), charges for autonomy lost and for friendship with two powers that
//! are rivals of each other, pulls toward public opinion, and weighs the expected cost of
//! sanction threats. Powers adjust their offers by reactive rules under budgets; citizens
//! update their affinities under anchoring, media framing and visible aid. When rivalry
//! between the powers pushes the *leeway index* (the smallest eigenvalue of the utility's
//! curvature) below zero, the hedge collapses toward one camp. The model is documented in
//! `docs/model.md`; the code cites its sections.
//!
//! Layers, in dependency order: [`model`] (the simulation; takes values, returns values),
//! [`scenario`] (TOML to checked [`model::Params`]), [`experiment`] (plans and parallel
//! ensembles), [`stats`], [`export`] and [`plot`] (outputs), [`calibrate`] and [`data`]
//! (fitting to observed series), [`commands`] and [`cli`] (the `simulate` command).
//!
//! One run of the default parameters, observed year by year:
//!
//! ```
//! use simulate::model::{defaults, run, Params, Recorder};
//!
//! let params = Params::new(defaults::serbia()).expect("the defaults are valid");
//! let mut recorder = Recorder::default();
//! let outcome = run(&params, 42, &mut recorder);
//!
//! assert_eq!(recorder.years.len(), 17); // 2024..=2040
//! let last = recorder.years.last().unwrap();
//! for (power, closeness) in params.powers.iter().zip(&last.aggregate) {
//!     assert!((0.0..=1.0).contains(closeness), "{}", power.id);
//! }
//! // The 2024 defaults leave every domain a little leeway: the hedge holds.
//! assert!(recorder.years[0].leeway > 0.0);
//! assert_eq!(outcome.final_closeness, last.aggregate);
//! ```

// A scenario error carries its place, snippet and the further errors of the file (`check`
// reports them all at once); it is returned, not stored, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod calibrate;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod data;
pub mod experiment;
pub mod export;
pub mod limits;
pub mod model;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod shard;
pub mod stats;
pub mod usage;
