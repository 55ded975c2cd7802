//! Commands: one file per command; what several share lives in one module none of them
//! calls back into.

pub mod discover;
pub mod sensitivity;
pub mod study_io;
pub mod sweep;
