//! `simulate completions <shell>` and `simulate man`: a shell completion script and the manual
//! page, both generated from the clap definition in `cli.rs`, so they never drift from it.

use super::common::emit;
use crate::cli::{Cli, CompletionsArgs};
use clap::CommandFactory;

/// `simulate completions <shell>`.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "simulate", &mut buf);
    emit(&String::from_utf8_lossy(&buf))
}

/// `simulate man`: one manual page, `simulate(1)`, with the options of every command in a
/// section of its own after the list of commands.
pub fn man() -> anyhow::Result<()> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("simulate {}", sub.get_name());
        buf.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let page = clap_mangen::Man::new(sub.clone().name(name));
        page.render_synopsis_section(&mut buf)?;
        page.render_description_section(&mut buf)?;
        page.render_options_section(&mut buf)?;
    }
    emit(&String::from_utf8_lossy(&buf))
}
