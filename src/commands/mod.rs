//! The commands of the `simulate` binary, one file each. A command reads its inputs, plans,
//! executes, and hands results to the exporters, plots and report; what several commands share
//! (loading, plans, the output folder, formats, styles, progress, the files of an ensemble)
//! lives in [`common`]. `calibrate` and `backtest` live in [`crate::calibrate`] and use the
//! same plumbing.
//!
//! Adding a command: a new file here with `pub fn NAME(args: &NameArgs) -> anyhow::Result<()>`,
//! its argument struct and variant in `cli.rs`, and its line in `main.rs`.

pub mod check;
pub mod common;
pub mod compare;
pub mod completions;
pub mod describe;
pub mod diff;
pub mod discover;
pub mod explain;
pub mod merge;
pub mod run;
pub mod schema;
pub mod sensitivity;
pub mod serve;
pub mod sweep;
pub mod tree;

pub use check::check;
pub use common::{UsageError, command_line, formats, load, styles};
pub use compare::compare;
pub use completions::{completions, man};
pub use describe::describe;
// `merge` finishes a sharded study through these (command files do not use each other).
pub use discover::discover_from;
pub use explain::explain;
pub use merge::merge;
pub use run::run;
pub use schema::schema;
pub use sensitivity::sensitivity_from;
pub use sweep::sweep_from;
