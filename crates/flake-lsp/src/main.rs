//! The `flake-lsp` binary: LSP on stdio by default, `flake-lsp check PATH` for the CLI.

mod check;
mod human;
mod json;
mod report;
mod sarif;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Stack size of the thread that runs the analysis: rowan drops deep trees recursively.
const STACK_SIZE: usize = 256 << 20;

/// A language server and checker for Nix flake configurations (NixOS, home-manager, nix-darwin).
///
/// Without a command, flake-lsp speaks the Language Server Protocol on stdin/stdout.
#[derive(Parser, Debug)]
#[command(
    name = "flake-lsp",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Speak LSP on stdin/stdout (the default without a command; accepted for editors that pass it).
    #[arg(long)]
    stdio: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the flakes under PATHs and print their diagnostics.
    ///
    /// Exits with 0 when no error was found, 1 when at least one error was found, and 2 on bad
    /// usage or an unreadable path.
    Check(CheckArgs),
}

/// Arguments of `flake-lsp check`.
#[derive(clap::Args, Debug)]
pub(crate) struct CheckArgs {
    /// Directories (every flake under them, or the flake around them) or files to check.
    #[arg(default_value = ".")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// When to color human output.
    #[arg(long, value_enum, default_value_t = ColorMode::Auto)]
    pub(crate) color: ColorMode,
    /// Files larger than this many bytes are not analysed.
    #[arg(long, value_name = "BYTES", default_value_t = project::DEFAULT_MAX_FILE_SIZE)]
    pub(crate) max_file_size: u64,
    /// A nixpkgs source tree whose license data is used when the flake's lock pins no nixpkgs
    /// present in the store (setting `nixpkgs.path`).
    #[arg(long, value_name = "PATH")]
    pub(crate) nixpkgs: Option<PathBuf>,
    /// Ask `nix eval` about packages whose license the static scan cannot decide (setting
    /// `unfree.evaluate`; off by default).
    #[arg(long)]
    pub(crate) unfree_evaluate: bool,
}

/// Output formats of `check`.
#[derive(ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    /// rustc-like text with source excerpts.
    Human,
    /// The stable JSON contract, version 1 (docs/cli.md).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

/// When to color human output.
#[derive(ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ColorMode {
    /// Color when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check(args)) => run_on_big_stack(move || check::run(&args)),
        None => run_server(),
    }
}

fn run_server() -> ExitCode {
    server::run_stdio()
}

/// Runs `f` on a thread with a big stack and returns its exit code.
fn run_on_big_stack(f: impl FnOnce() -> ExitCode + Send + 'static) -> ExitCode {
    let thread = std::thread::Builder::new()
        .name("flake-lsp-check".to_owned())
        .stack_size(STACK_SIZE)
        .spawn(f);
    match thread.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("flake-lsp: internal error (the analysis thread panicked)");
            ExitCode::from(101)
        }
        Err(err) => {
            eprintln!("flake-lsp: cannot start the analysis thread: {err}");
            ExitCode::from(101)
        }
    }
}
