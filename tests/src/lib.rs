//! Harness that drives the real `flake-lsp` binary over stdio.
