//! Module graph and argument provenance for flake-lsp: configurations, specialArgs, _module.args.
