//! The `veiviser` binary: parse the command line, run it, exit with its code.

use clap::Parser;

/// See the comment on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    veiviser::cli::run(veiviser::cli::Cli::parse())
}
