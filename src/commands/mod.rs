//! Commands: one file per command; what several share lives in one module none of them
//! calls back into.

pub mod study_io;
pub mod sweep;
