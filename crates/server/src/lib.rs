//! flake-lsp's LSP glue: tower-lsp-server routing, documents and scheduling.
