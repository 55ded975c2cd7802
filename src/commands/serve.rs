//! `simulate serve`: explore a scenario in the browser (see [`crate::serve`]). Loads the
//! scenario (errors as for `run`), prints the address, and serves until Ctrl-C.

use super::common::usage;
use crate::cli::ServeArgs;
use crate::serve::{self, Explorer};
use std::io::Write;
use std::path::Path;

/// `simulate serve`.
pub fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let threads = match args.threads {
        Some(0) => return Err(usage("--threads must be at least 1")),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if args.quick_runs == 0 {
        return Err(usage("--quick-runs must be at least 1"));
    }
    let probe = crate::scenario::load(&args.scenario, &[])?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(format!("{}-explore", probe.name)));
    let ex = Explorer::new(&args.scenario, out, threads, args.quick_runs)?;
    serve::serve(&ex, args.port, &|port| {
        println!(
            "simulate serve: exploring {} at http://127.0.0.1:{port}/ (saved scenarios go to {}; Ctrl-C to stop)",
            ex.scenario.name,
            ex.out.display()
        );
        let _ = std::io::stdout().flush();
    })
}
