//! The `veiviser` binary: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    veiviser::cli::run(veiviser::cli::Cli::parse())
}
