//! `natskit completions SHELL`: the shell's completion script for every command and flag,
//! generated from the same definitions the parser uses, on standard output.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::error::CliError;

/// How to install each script.
const EXAMPLES: &str = "\
Examples:
  natskit completions bash > ~/.local/share/bash-completion/completions/natskit
  natskit completions zsh > ~/.zfunc/_natskit     # with fpath+=(~/.zfunc) before compinit
  natskit completions fish > ~/.config/fish/completions/natskit.fish
  source <(natskit completions bash)              # this shell only";

/// Arguments of `natskit completions`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the script.
pub fn run(args: CompletionsArgs) -> Result<(), CliError> {
    // Generated into memory first: the generator panics on a write error, and a closed
    // standard output must end quietly like every other command's.
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut crate::Cli::command(),
        "natskit",
        &mut script,
    );
    crate::output::print(&script)
}
