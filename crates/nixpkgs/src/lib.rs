//! Nixpkgs package and license index for flake-lsp: static scan, cache, bundled fallback.
