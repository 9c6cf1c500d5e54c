//! The `flake-lsp` binary: LSP on stdio by default, `flake-lsp check PATH` for the CLI.

fn main() {}
