//! The only crate of flake-lsp that does file IO: flake discovery, reading files, turning disk state into analysis changes.
