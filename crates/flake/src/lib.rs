//! flake.nix and flake.lock model for flake-lsp: inputs, follows, lock nodes, store paths.
